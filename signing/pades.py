"""PAdES signing of a donation's records: donor certification, staff approvals, B-LTA closing.

One record goes through these revisions, in order:
  1. evidence files (pen data, fingerprint image) attached and every signature field created,
     in the same revision as the first signature, which certifies the document with
     "form filling allowed" (only the first signature may certify);
  2. further signatures (staff approvals) fill their prepared fields as incremental updates;
  3. the DSS (certificates, CRLs, TSA chain) and a closing document time stamp, making every
     signature PAdES B-LTA.
Each signature carries a signature time stamp (B-T) and a /Reason giving its meaning
(21 CFR 11.50: consent / review / collection); its appearance prints the signer's name,
the meaning and the time, in Chinese and English, with an embedded TrueType CJK font.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams, FileSpec, embed_file
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, Signer, SimpleSigner
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathValidationError, ValidationError
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.atomic import atomic_write
from signing.errors import SigningError
from signing.keystore import StaffCredential, to_asn1_cert
from signing.stampfont import DEFAULT_CJK_FONT, appearance_font, source_font

# meaning -> (Chinese, English) as printed in the appearance and written in /Reason.
MEANINGS: dict[str, tuple[str, str]] = {
    "consent": ("知情同意", "consent"),
    "review": ("医师审核", "review"),
    "collection": ("采集执行", "collection"),
}
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "donor": ("献血者", "Donor"),
    "physician": ("医师", "Physician"),
    "nurse": ("护士", "Nurse"),
}


# The CRLs and certificates are embedded from our own trust material (no fetching by design);
# pyHanko warns about that combination on every signature.
logging.getLogger("pyhanko.sign.signers.pdf_signer").setLevel(logging.ERROR)

def reason_for(meaning: str) -> str:
    """/Reason text; `meaning_from_reason` reads the keyword back."""
    zh, en = MEANINGS[meaning]
    return f"{en} / {zh}"


def meaning_from_reason(reason: str | None) -> str | None:
    if not reason:
        return None
    keyword = reason.split("/")[0].strip().lower()
    return keyword if keyword in MEANINGS else reason


# The revocation policy used for signing and validation: signer and TSA certificates must
# be covered by the issuing CA's CRL, and the issuing CA by the root's CRL (ARL).
REVOCATION_POLICY = CertRevTrustPolicy(RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.CRL_REQUIRED,
    intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
))


class SlotLike(Protocol):
    """What signing needs from station.forms' SignatureSlot."""

    field_name: str
    page: int
    box: tuple[float, float, float, float]
    role: str
    meaning: str


class RenderedRecordLike(Protocol):
    kind: str
    pdf: bytes
    signature_slots: tuple[SlotLike, ...]


@dataclass(frozen=True)
class Evidence:
    """A file attached to the record before the first signature (so the signature covers it)."""

    name: str
    data: bytes
    mime_type: str
    description: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class SignerForSlot:
    """Who signs one slot, and with what."""

    field_name: str
    signer: Signer
    certificate: x509.Certificate
    printed_name: str
    handwriting_png: bytes | None = None
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class SignedRecord:
    kind: str
    pdf: bytes
    sha256: str
    evidence_sha256: dict[str, str] = field(default_factory=dict)

    def write(self, path: str | Path) -> None:
        atomic_write(path, self.pdf)


@dataclass(frozen=True)
class TrustMaterial:
    """The CA certificates and current CRL that signing validates against and embeds."""

    root: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...]

    @classmethod
    def from_ca_folder(cls, folder: str | Path) -> TrustMaterial:
        from signing.ca import LocalCA

        root, _issuing, crls = LocalCA.load_public(folder)
        # every issuing CA generation: records signed before a rollover chain to a retired one
        return cls(root, tuple(LocalCA.issuing_certificates(folder)), tuple(crls))

    def validation_context(self, moment: datetime | None = None) -> ValidationContext:
        return ValidationContext(
            trust_roots=[to_asn1_cert(self.root)],
            other_certs=[to_asn1_cert(c) for c in self.intermediates],
            crls=[c.public_bytes(serialization.Encoding.DER) for c in self.crls],
            allow_fetching=False, revinfo_policy=REVOCATION_POLICY, moment=moment,
        )


# -- appearances ----------------------------------------------------------------------
# The signing time is printed in the site's time zone with its offset (2026-12-05 03:29:18
# +08:00), as every other time on the form; pyHanko's own %(ts)s would use the machine's zone.
STAMP_TEXT = "%(role)s %(name)s\n%(meaning_zh)s / %(meaning_en)s\n%(signed_at)s"
STAMP_FONT_SIZE, STAMP_LEADING, STAMP_MARGIN = 7, 9, 2
# The printed lines take the bottom of the box; the handwriting is fitted into what is above
# them, never over them.
STAMP_TEXT_HEIGHT = STAMP_TEXT.count("\n") * STAMP_LEADING + STAMP_FONT_SIZE + 2 * STAMP_MARGIN + 6


def local_time_text(moment: datetime, time_zone: str) -> str:
    local = moment.astimezone(ZoneInfo(time_zone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


def _stamp_style(font_factory: GlyphAccumulatorFactory, handwriting_png: bytes | None,
                 box_height: float) -> TextStampStyle:
    background = None
    if handwriting_png:
        background = PdfImage(Image.open(io.BytesIO(handwriting_png)).convert("RGBA"))
    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=TextBoxStyle(
            font=font_factory, font_size=STAMP_FONT_SIZE, leading=STAMP_LEADING,
            # no extra padding (pyHanko's default is 10 pt): the lines sit in STAMP_TEXT_HEIGHT
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=layout.Margins(3, 0, 0, 1))),
        timestamp_format="%Y-%m-%d %H:%M:%S %z",
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins(STAMP_MARGIN, STAMP_MARGIN, STAMP_MARGIN, STAMP_MARGIN)),
        background=background,
        background_opacity=1.0,
        # The handwriting is shrunk into the box above the printed lines (bottom margin = the
        # lines' height), so it never strikes through the printed name.
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins(2, 2, 2, int(min(STAMP_TEXT_HEIGHT, box_height * 0.6))),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT),
        border_width=0,
    )


# -- checks that give clear messages before pyHanko's own -----------------------------------
def check_certificate_usable(cert: x509.Certificate, trust: TrustMaterial,
                             now: datetime) -> None:
    name = cert.subject.rfc4514_string()
    if now < cert.not_valid_before_utc:
        raise SigningError(f"签名证书尚未生效：{name}",
                           f"The signing certificate is not valid yet: {name}",
                           code="CERT_NOT_YET_VALID")
    if now > cert.not_valid_after_utc:
        raise SigningError(
            f"签名证书已于 {cert.not_valid_after_utc:%Y-%m-%d} 过期，请申请新证书：{name}",
            f"The signing certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}; "
            f"a new one must be issued: {name}", code="CERT_EXPIRED")
    for crl in trust.crls:
        if crl.issuer != cert.issuer:
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            raise SigningError(
                f"签名证书已于 {entry.revocation_date_utc:%Y-%m-%d %H:%M} 被吊销，不能签名：{name}",
                f"The signing certificate was revoked on "
                f"{entry.revocation_date_utc:%Y-%m-%d %H:%M}; it cannot sign: {name}",
                code="CERT_REVOKED")


def timestamp_error(exc: BaseException) -> SigningError:
    return SigningError(
        f"时间戳服务不可用或应答无效，记录未签名，可稍后重试：{exc}",
        f"The time stamp authority is unreachable or answered wrongly; the record was not "
        f"signed and signing can be retried: {exc}", code="TSA_FAILED")


# -- signing ------------------------------------------------------------------------------
@dataclass
class SigningContext:
    """Things reused across a batch: the time stamper, one validation context, the font."""

    trust: TrustMaterial
    timestamper: TimeStamper
    font_path: str = DEFAULT_CJK_FONT
    font_face: int = 0
    validation_context: ValidationContext | None = None
    location: str | None = None
    time_zone: str = "Asia/Shanghai"  # the site's: the appearances print the signing time in it

    def __post_init__(self) -> None:
        if self.validation_context is None:
            self.validation_context = self.trust.validation_context()
        source_font(self.font_path, self.font_face)  # parse once, up front

    def font_for(self, params: Mapping[str, str]) -> GlyphAccumulatorFactory:
        return appearance_font(STAMP_TEXT % {**params, "signed_at": ""}, self.font_path,
                               self.font_face)


def _attach(writer: IncrementalPdfFileWriter, evidence: Evidence) -> None:
    embedded = EmbeddedFileObject.from_file_data(
        writer, evidence.data, mime_type=evidence.mime_type,
        params=EmbeddedFileParams(embed_size=True, embed_checksum=True,
                                  modification_date=datetime.now(timezone.utc)))
    embed_file(writer, FileSpec(
        file_spec_string=evidence.name, file_name=evidence.name, embedded_data=embedded,
        description=evidence.description, af_relationship=generic.NameObject("/Supplement")))


async def async_sign_record(pdf: bytes, slots: Sequence[SlotLike],
                            signers: Sequence[SignerForSlot], ctx: SigningContext,
                            kind: str = "record", now: datetime | None = None) -> SignedRecord:
    """Sign one record: all `signers` in order, then DSS and a closing document time stamp."""
    if not signers:
        raise SigningError("没有签名人", "No signers given", code="NO_SIGNERS")
    by_name = {s.field_name: s for s in slots}
    for s in signers:
        if s.field_name not in by_name:
            raise SigningError(f"表单中没有签名位置 {s.field_name}",
                               f"The form has no signature slot {s.field_name}",
                               code="NO_SLOT")
    now = now or datetime.now(timezone.utc)
    for s in signers:
        check_certificate_usable(s.certificate, ctx.trust, now)

    evidence = [e for s in signers for e in s.evidence]
    data = pdf
    for index, who in enumerate(signers):
        slot = by_name[who.field_name]
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        if index == 0:
            for item in evidence:
                _attach(writer, item)
            for spec in slots:
                fields.append_signature_field(writer, fields.SigFieldSpec(
                    sig_field_name=spec.field_name, on_page=spec.page,
                    box=tuple(round(v) for v in spec.box)))  # type: ignore[arg-type]
        last = index == len(signers) - 1
        meaning_zh, meaning_en = MEANINGS[slot.meaning]
        role_zh, role_en = ROLE_LABELS.get(slot.role, (slot.role, slot.role))
        meta = PdfSignatureMetadata(
            field_name=slot.field_name, md_algorithm="sha256",
            reason=reason_for(slot.meaning), name=who.printed_name, location=ctx.location,
            certify=index == 0, docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=True, use_pades_lta=last,
            validation_context=ctx.validation_context,
            timestamp_field_name=f"ArchiveTimeStamp{index + 1}" if last else None,
        )
        box_height = abs(slot.box[3] - slot.box[1])
        params = {"role": f"{role_zh} {role_en}", "name": who.printed_name,
                  "meaning_zh": meaning_zh, "meaning_en": meaning_en}
        font = ctx.font_for(params)
        params["signed_at"] = local_time_text(datetime.now(timezone.utc), ctx.time_zone)
        pdf_signer = PdfSigner(meta, signer=who.signer, timestamper=ctx.timestamper,
                               stamp_style=_stamp_style(font,
                                                        who.handwriting_png, box_height))
        try:
            out = await pdf_signer.async_sign_pdf(writer, appearance_text_params=params)
        except TimestampRequestError as exc:
            raise timestamp_error(exc) from exc
        except (PathValidationError, ValidationError) as exc:
            raise SigningError(f"签名证书验证失败：{exc}",
                               f"The signing certificate did not validate: {exc}",
                               code="CERT_INVALID") from exc
        except PyHankoSigningError as exc:
            if isinstance(exc.__cause__, TimestampRequestError):
                raise timestamp_error(exc.__cause__) from exc
            raise SigningError(f"签名失败：{exc}", f"Signing failed: {exc}",
                               code="SIGNING_FAILED") from exc
        data = out.getvalue()
    return SignedRecord(kind=kind, pdf=data, sha256=hashlib.sha256(data).hexdigest(),
                        evidence_sha256={e.name: e.sha256 for e in evidence})


def sign_record(pdf: bytes, slots: Sequence[SlotLike], signers: Sequence[SignerForSlot],
                ctx: SigningContext, kind: str = "record",
                now: datetime | None = None) -> SignedRecord:
    """Synchronous wrapper; inside a running event loop use `async_sign_record`."""
    return asyncio.run(async_sign_record(pdf, slots, signers, ctx, kind, now))


# -- donors -------------------------------------------------------------------------------
FINGERPRINT_TEMPLATE_FILE = "fingerprint-template.json"


def fingerprint_template_file(template: bytes, template_format: str) -> bytes:
    """The attached template evidence: the scanner's template bytes, base64, with their format, as
    canonical JSON (an evidence type the archive's checks admit; the same input, the same bytes)."""
    return json.dumps({"format": template_format,
                       "template_base64": base64.b64encode(template).decode("ascii")},
                      sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class DonorSignature:
    """What the donor gave on the tablet for the consent record.

    `fingerprint_template` is the scanner's template (ISO/IEC 19794-2). The consent carries it as
    FINGERPRINT_TEMPLATE_FILE and the donor certificate binds the SHA-256 of exactly that file, so
    sha256(attached file) == the hash in the certificate. Empty when the station has no
    fingerprint scanner: then neither the extension nor the file is there.
    """

    name: str
    id_number: str
    handwriting_png: bytes
    pen_data_json: bytes
    fingerprint_png: bytes
    fingerprint_template: bytes = b""
    fingerprint_template_format: str = "ISO/IEC 19794-2:2005"

    @property
    def fingerprint_template_evidence(self) -> bytes:
        if not self.fingerprint_template:
            return b""
        return fingerprint_template_file(self.fingerprint_template, self.fingerprint_template_format)

    @property
    def fingerprint_template_sha256(self) -> bytes | None:
        evidence = self.fingerprint_template_evidence
        return hashlib.sha256(evidence).digest() if evidence else None


def donor_signer(ca: Any, donor: DonorSignature, now: datetime) -> tuple[Signer, x509.Certificate]:
    """Issue the donor's 24-hour certificate and wrap the ephemeral key in a pyHanko signer."""
    key, cert = ca.issue_donor_certificate(donor.name, donor.id_number,
                                           donor.fingerprint_template_sha256, now)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    key_info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    signer = SimpleSigner(
        signing_cert=to_asn1_cert(cert), signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs([to_asn1_cert(c) for c in ca.chain()]))
    return signer, cert


def donor_evidence(donor: DonorSignature) -> tuple[Evidence, ...]:
    items = [Evidence("pen-data.json", donor.pen_data_json, "application/json",
                      "签名笔迹数据 / handwritten signature pen data")]
    if donor.fingerprint_png:
        items.append(Evidence("fingerprint.png", donor.fingerprint_png, "image/png",
                              "指纹图像 / fingerprint image"))
    if donor.fingerprint_template:
        items.append(Evidence(FINGERPRINT_TEMPLATE_FILE, donor.fingerprint_template_evidence,
                              "application/json",
                              "指纹模板（ISO/IEC 19794-2，其 SHA-256 绑定在献血者证书中）/ fingerprint "
                              "template (ISO/IEC 19794-2), its SHA-256 bound in the donor certificate"))
    return tuple(items)


class RecordSigner:
    """Signs the three records of one donation; keep one per batch (timestamper, context).

    `records` are the forms' RenderedRecord objects; each slot's role says who signs it:
    "donor" -> a fresh donor certificate from `ca`, otherwise the open staff credential
    for that role in `staff` (unlocked once per session with the PIN).
    """

    def __init__(self, ca: Any, ctx: SigningContext) -> None:
        self.ca = ca
        self.ctx = ctx

    def sign_donation(self, records: Sequence[RenderedRecordLike], donor: DonorSignature | None,
                      staff: Mapping[str, StaffCredential],
                      staff_names: Mapping[str, str] | None = None,
                      now: datetime | None = None) -> list[SignedRecord]:
        return asyncio.run(self.async_sign_donation(records, donor, staff, staff_names, now))

    async def async_sign_donation(self, records: Sequence[RenderedRecordLike],
                                  donor: DonorSignature | None,
                                  staff: Mapping[str, StaffCredential],
                                  staff_names: Mapping[str, str] | None = None,
                                  now: datetime | None = None) -> list[SignedRecord]:
        now = now or datetime.now(timezone.utc)
        names = dict(staff_names or {})
        # Check every credential first so that a missing or revoked one signs nothing.
        plans: list[tuple[RenderedRecordLike, list[SlotLike]]] = []
        for record in records:
            ordered = sorted(record.signature_slots, key=lambda s: s.role != "donor")
            for slot in ordered:
                if slot.role == "donor":
                    if donor is None:
                        raise SigningError("缺少献血者签名", "The donor's signature is missing",
                                           code="DONOR_SIGNATURE_MISSING")
                elif slot.role not in staff:
                    raise SigningError(
                        f"缺少{ROLE_LABELS.get(slot.role, (slot.role,))[0]}的签名凭据（请登录并输入 PIN）",
                        f"No signing credential for role {slot.role} (log in and enter the PIN)",
                        code="STAFF_CREDENTIAL_MISSING")
                else:
                    check_certificate_usable(staff[slot.role].certificate, self.ctx.trust, now)
            plans.append((record, ordered))
        results: list[SignedRecord] = []
        for record, ordered in plans:
            signers: list[SignerForSlot] = []
            for slot in ordered:
                if slot.role == "donor":
                    assert donor is not None
                    signer, cert = donor_signer(self.ca, donor, now)
                    evidence = donor_evidence(donor) if slot.meaning == "consent" else ()
                    signers.append(SignerForSlot(slot.field_name, signer, cert, donor.name,
                                                 donor.handwriting_png, evidence))
                else:
                    cred = staff[slot.role]
                    printed = names.get(slot.role) or _common_name(cred.certificate)
                    signers.append(SignerForSlot(slot.field_name, cred.signer, cred.certificate,
                                                 printed))
            results.append(await async_sign_record(record.pdf, record.signature_slots, signers,
                                                   self.ctx, record.kind, now))
        return results


def _common_name(cert: x509.Certificate) -> str:
    from cryptography.x509.oid import NameOID

    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else cert.subject.rfc4514_string()
