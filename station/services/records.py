"""Signing the three records of a sealed donation (consent, registration/examination, collection).

Each record has one signer: the donor signs the consent (24-hour certificate bound to name, ID
number and fingerprint template), the physician the registration/examination form, the nurse the
collection record. Whoever acts signs the records of their own role, with their own key opened by
their PIN, together with the donor's consent when the tablet evidence is there; records of another
role stay pending until that person signs. When all three are signed the donation moves to
`records_signed`.

Order of work, so that a crash loses nothing and leaves nothing half-done:
1. read and render in one short transaction;
2. sign outside any transaction (token and time stamp service may be slow);
3. write each PDF atomically (temporary file, fsync, rename) to its fixed path;
4. one transaction checks the donation did not move meanwhile and adds the rows (path, SHA-256,
   signers, evidence hashes) and, when complete, the state change with its audit entry.
A crash between 3 and 4 leaves a PDF no row points to; signing again overwrites it.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select

from station import audit, workflow
from station.context import LOCAL_TZ, StationContext
from station.errors import ConflictError, NotFound, SigningError
from station.models import Donation, SignedRecord
from station.security import Action, Actor, require_permission
from station.services.common import advance, load_donation

RECORD_KINDS = ("consent", "registration", "collection")
KIND_LABELS = {"consent": ("知情同意及健康状况征询表", "consent and health questionnaire"),
               "registration": ("献血登记表/体检表", "registration and examination form"),
               "collection": ("单采采集记录", "collection record")}


@dataclass
class _SigningRuntime:
    """What signing reuses across donations: CA, trust, time stamper, and the local TSA if embedded."""

    ca: Any
    context: Any
    tsa: Any = None  # signing.tsa.RunningTsa when the embedded service runs in this process
    lock: threading.Lock = field(default_factory=threading.Lock)

    def close(self) -> None:
        if self.tsa is not None:
            self.tsa.stop()
            self.tsa = None


def _runtime(ctx: StationContext) -> _SigningRuntime:
    rt = ctx.resources.get("signing")
    if rt is not None:
        return rt
    from signing.ca import LocalCA
    from signing.pades import SigningContext, TrustMaterial
    from signing.tsa import http_timestamper, load_tsa_identity, start_in_thread
    from station.bootstrap import ensure_local_pki
    from station.services.pki import ca_secret

    config = ctx.config
    # the passphrase or token PIN the administrator typed at start (memory), else env / demo file
    passphrase = ca_secret(ctx)
    ensure_local_pki(config, passphrase)
    ca = LocalCA.open(config.ca_dir, passphrase)
    running = None
    url = config.tsa.url
    if not url:  # embedded default: the local RFC 3161 service, over HTTP on the loopback
        authority = load_tsa_identity(config.tsa_dir / config.tsa.key_type, passphrase)
        running = start_in_thread(authority, config.tsa.local_host, 0)
        url = running.url
    context = SigningContext(TrustMaterial.from_ca_folder(config.ca_dir),
                             http_timestamper(url, config.tsa.timeout_seconds),
                             font_path=config.records.font_path or _default_font(),
                             location=config.site.name, time_zone=LOCAL_TZ.key)
    rt = _SigningRuntime(ca=ca, context=context, tsa=running)
    ctx.resources["signing"] = rt
    return rt


def timestamp_service_url(ctx: StationContext) -> str:
    """The RFC 3161 service this station uses: the configured URL, or the embedded one (started now)."""
    return ctx.config.tsa.url or _runtime(ctx).tsa.url


def _default_font() -> str:
    from signing.pades import DEFAULT_CJK_FONT

    return DEFAULT_CJK_FONT


def record_path(ctx: StationContext, din: str, year: int, kind: str) -> Path:
    return ctx.config.records_dir / str(year) / din / f"{din}-{kind}.pdf"


def donor_signature_from(signature: Any, fingerprint: Any, name: str, id_number: str) -> Any:
    """The tablet's capture (devices.signature / devices.fingerprint models) as signing input."""
    from signing.pades import DonorSignature

    if signature is None:
        raise SigningError("缺少献血者在签名板上的签名", "The donor's tablet signature is missing",
                           code="DONOR_SIGNATURE_MISSING")
    signature.validate()
    handwriting = signature.render_png(600, 200)
    # The template the scanner gave is attached to the consent and its SHA-256 bound in the donor
    # certificate (the same bytes); without a scanner neither is there.
    if fingerprint is None:
        return DonorSignature(name=name, id_number=id_number, handwriting_png=handwriting,
                              pen_data_json=signature.to_json().encode("utf-8"), fingerprint_png=b"")
    return DonorSignature(name=name, id_number=id_number, handwriting_png=handwriting,
                          pen_data_json=signature.to_json().encode("utf-8"),
                          fingerprint_png=fingerprint.image_png, fingerprint_template=fingerprint.template,
                          fingerprint_template_format=fingerprint.template_format)


def open_staff_credential(ctx: StationContext, actor: Actor, pin: str) -> Any:
    from station.pki import staff_key_store

    if not pin:
        raise SigningError("请输入签名 PIN", "Enter your signing PIN", code="PIN_REQUIRED")
    from station.services.users import open_signing_key

    # wrong PINs are counted per user in the database; the key locks after [security] max_wrong_pins
    return open_signing_key(ctx, actor, pin, staff_key_store(ctx.config).open)


def sign_with_tablet_evidence(ctx: StationContext, actor: Actor, donation_id: int, pin: str) -> dict[str, Any]:
    """What a workspace's "sign" does: the actor's records, and the donor's consent when the donor's tablet
    evidence is kept (without it the staff records are signed and the consent waits)."""
    from station.services.donor_evidence import load_donor_evidence

    try:
        signature, fingerprint = load_donor_evidence(ctx, donation_id)
    except NotFound:
        signature, fingerprint = None, None
    return sign_donation_records(ctx, actor, donation_id, pin=pin, donor_signature=signature,
                                 fingerprint=fingerprint)


def signing_status(ctx: StationContext, donation_id: int) -> dict[str, Any]:
    """Which records are signed and which wait for whom."""
    with ctx.transaction() as s:
        d = s.get(Donation, donation_id)
        if d is None:
            raise NotFound(f"未找到献血记录 {donation_id}", f"Donation {donation_id} not found",
                           code="DONATION_NOT_FOUND")
        rows = s.execute(select(SignedRecord).where(SignedRecord.donation_id == donation_id)).scalars().all()
        signed = {r.kind: {"path": r.path, "sha256": r.sha256, "signers": r.signers} for r in rows}
        return {"donation_id": d.id, "din": d.din, "state": d.state, "signed": signed,
                "pending": [k for k in RECORD_KINDS if k not in signed]}


def sign_donation_records(ctx: StationContext, actor: Actor, donation_id: int, *, pin: str = "",
                          donor_signature: Any = None, fingerprint: Any = None,
                          credentials: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Sign what the acting staff member (and the donor) can sign; see the module text.

    `credentials` maps a role to an already-open StaffCredential (batch tools, tests); otherwise
    the actor's own key is opened with `pin`. Returns the signed and still pending records.
    """
    require_permission(actor, Action.SIGN_RECORDS)
    from station.forms.snapshot import render_records_for

    # 1. read and render
    with ctx.transaction() as s:
        d = load_donation(s, donation_id)
        workflow.require("sign_records", d.state)
        version, din, year = d.version, d.din, d.donation_date.year
        done = set(s.execute(select(SignedRecord.kind).where(SignedRecord.donation_id == d.id)).scalars())
        rendered = [r for r in render_records_for(ctx.config, s, d.id, pii=ctx.pii) if r.kind not in done]
        donor_name = d.donor.name
        donor_id_number = ctx.pii.decrypt(d.donor.id_number_cipher, "id_number")

    creds: dict[str, Any] = dict(credentials or {})
    mine = [r for r in rendered if any(slot.role in actor.roles or slot.role in creds
                                       for slot in r.signature_slots)]
    donor_records = [r for r in rendered if all(slot.role == "donor" for slot in r.signature_slots)]
    to_sign = mine + [r for r in donor_records if r not in mine and donor_signature is not None]
    if not to_sign:
        waiting = sorted({slot.role for r in rendered for slot in r.signature_slots})
        raise SigningError(
            "没有需要您签名的记录" + (f"（等待：{'、'.join(waiting)}）" if waiting else ""),
            "There is no record for you to sign" + (f" (waiting for: {', '.join(waiting)})" if waiting else ""),
            code="NOTHING_TO_SIGN", details={"pending": waiting})
    donor = None
    if any(slot.role == "donor" for r in to_sign for slot in r.signature_slots):
        donor = donor_signature_from(donor_signature, fingerprint, donor_name, donor_id_number)

    # 2. sign (outside any transaction)
    opened = []
    try:
        for role in {slot.role for r in to_sign for slot in r.signature_slots} - {"donor"} - set(creds):
            cred = open_staff_credential(ctx, actor, pin)
            opened.append(cred)
            creds[role] = cred
        rt = _runtime(ctx)
        with rt.lock:  # one batch at a time per station process (shared time stamper and CA index)
            from signing.pades import RecordSigner

            names = {role: actor.display_name for role in actor.roles}
            signed = RecordSigner(rt.ca, rt.context).sign_donation(
                cast("list[Any]", to_sign), donor, creds, names, now=ctx.now())
    finally:
        for cred in opened:
            cred.close()

    # 3. write the files
    out = []
    for rec, result in zip(to_sign, signed, strict=True):
        path = record_path(ctx, din, year, rec.kind)
        result.write(path)
        out.append((rec, result, path))

    # 4. rows and state, if nothing moved meanwhile
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id)
        if d.version != version or d.state != workflow.State.SEALED:
            raise ConflictError("签名期间献血记录已被修改，请刷新后重新签名",
                                "The donation changed while signing; reload and sign again")
        for rec, result, path in out:
            exists = s.execute(select(SignedRecord).where(SignedRecord.donation_id == d.id,
                                                          SignedRecord.kind == rec.kind)).scalar_one_or_none()
            if exists is not None:
                raise ConflictError(f"{KIND_LABELS[rec.kind][0]}已由他人签名，请刷新",
                                    f"The {KIND_LABELS[rec.kind][1]} was signed by someone else meanwhile; reload")
            signers = [{"role": slot.role, "field": slot.field_name,
                        "name": donor_name if slot.role == "donor" else actor.display_name,
                        "user_id": None if slot.role == "donor" else actor.user_id}
                       for slot in rec.signature_slots]
            row = SignedRecord(donation_id=d.id, kind=rec.kind, path=str(path), sha256=result.sha256,
                               size=len(result.pdf), signed_at=now, signers=signers,
                               evidence=dict(result.evidence_sha256))
            s.add(row)
            s.flush()
            audit.record(s, actor, "record.sign", "signed_record", row.id, at=now,
                         after={"kind": rec.kind, "sha256": result.sha256, "signers": signers},
                         donation_id=d.id)
        have = set(s.execute(select(SignedRecord.kind).where(SignedRecord.donation_id == d.id)).scalars())
        pending = [k for k in RECORD_KINDS if k not in have]
        if not pending:
            advance(s, d, "sign_records", actor, now, ctx.station_id,
                    details={"records": sorted(have)})
        return {"donation_id": d.id, "din": din, "state": d.state,
                "signed": [{"kind": rec.kind, "path": str(path), "sha256": result.sha256}
                           for rec, result, path in out],
                "pending": pending}
