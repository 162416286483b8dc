"""The donor's evidence captured on the tablet (handwritten signature with pen data, fingerprint), kept in the
records folder (0600) until the consent is signed with it."""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from devices.fingerprint.model import FingerprintCapture
from devices.signature.model import SignatureCapture
from signing.atomic import atomic_write
from station import audit
from station.context import StationContext
from station.errors import NotFound
from station.models import Donation
from station.security import Action, Actor, require_permission


def _evidence_path(ctx: StationContext, donation_id: int) -> Path:
    return ctx.config.records_dir / "evidence" / f"donation-{donation_id}.json"


def save_donor_evidence(ctx: StationContext, actor: Actor, donation_id: int, signature: SignatureCapture,
                        fingerprint: FingerprintCapture | None) -> Path:
    """Keep the donor's handwritten signature (pen samples) and fingerprint until the records are signed; the
    audit entry names the file's SHA-256, so the evidence the consent is signed with is the evidence taken."""
    require_permission(actor, Action.SIGN_QUESTIONNAIRE)
    doc: dict[str, Any] = {"donation_id": donation_id, "signature": signature.to_json(), "fingerprint": None}
    if fingerprint is not None:
        doc["fingerprint"] = {"image_png": base64.b64encode(fingerprint.image_png).decode(),
                              "template": base64.b64encode(fingerprint.template).decode(),
                              "quality": fingerprint.quality, "template_format": fingerprint.template_format,
                              "device": fingerprint.device, "captured_at": fingerprint.captured_at.isoformat()}
    path = _evidence_path(ctx, donation_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    with ctx.transaction() as s:
        if s.get(Donation, donation_id) is None:
            raise NotFound("未找到献血记录", "Donation not found", code="DONATION_NOT_FOUND")
        atomic_write(path, data, mode=0o600)
        audit.record(s, actor, "donor_evidence.save", "donation", donation_id, at=ctx.now(), donation_id=donation_id,
                     after={"sha256": hashlib.sha256(data).hexdigest(), "fingerprint": fingerprint is not None})
    return path


def load_donor_evidence(ctx: StationContext, donation_id: int) -> tuple[SignatureCapture, FingerprintCapture | None]:
    path = _evidence_path(ctx, donation_id)
    if not path.exists():
        raise NotFound("未找到献血者在签名板上的签名，请先在签名板完成签署",
                       "The donor's tablet signature is missing; the donor must sign on the tablet first",
                       code="DONOR_SIGNATURE_MISSING")
    doc = json.loads(path.read_text(encoding="utf-8"))
    sig = SignatureCapture.from_json(doc["signature"])
    fp = None
    if doc.get("fingerprint"):
        f = doc["fingerprint"]
        fp = FingerprintCapture(base64.b64decode(f["image_png"]), int(f["quality"]), base64.b64decode(f["template"]),
                                f["template_format"], f["device"], datetime.fromisoformat(f["captured_at"]))
    return sig, fp
