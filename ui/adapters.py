"""The one place where the client meets services still being built elsewhere (records signing, archive).

Each function calls the documented core function when it is installed and otherwise raises a
StationError the user can read; donor signature and fingerprint evidence captured on the tablet
is kept here until the records are signed."""
from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from devices.fingerprint.model import FingerprintCapture
from devices.signature.model import SignatureCapture
from station.context import StationContext
from station.errors import ArchiveError, NotFound, SigningError
from station.security import Actor


def _missing(zh: str, en: str, error: type = SigningError) -> Exception:
    return error(f"{zh}尚未安装在本工作站", f"{en} is not installed on this station", code="SERVICE_MISSING")


# --- donor evidence captured on the tablet -------------------------------------------------------

def _evidence_path(ctx: StationContext, donation_id: int) -> Path:
    return ctx.config.records_dir / "evidence" / f"donation-{donation_id}.json"


def save_donor_evidence(ctx: StationContext, donation_id: int, signature: SignatureCapture,
                        fingerprint: FingerprintCapture | None) -> Path:
    """Keep the donor's handwritten signature (pen samples) and fingerprint until the records are signed."""
    from station.fileio import atomic_write

    doc: dict[str, Any] = {"donation_id": donation_id, "signature": signature.to_json(), "fingerprint": None}
    if fingerprint is not None:
        doc["fingerprint"] = {"image_png": base64.b64encode(fingerprint.image_png).decode(),
                              "template": base64.b64encode(fingerprint.template).decode(),
                              "quality": fingerprint.quality, "template_format": fingerprint.template_format,
                              "device": fingerprint.device, "captured_at": fingerprint.captured_at.isoformat()}
    path = _evidence_path(ctx, donation_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(doc, ensure_ascii=False).encode("utf-8"), mode=0o600)
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


# --- records signing (station/services/records.py, by the integrator) ---------------------------

def records_service_available() -> bool:
    try:
        from station.services import records
    except ImportError:
        return False
    return hasattr(records, "sign_donation_records")


def sign_records(ctx: StationContext, actor: Actor, donation_id: int, pin: str) -> dict[str, Any]:
    try:
        from station.services.records import sign_donation_records
    except ImportError:
        raise _missing("记录签名服务", "The records signing service") from None
    try:
        signature, fingerprint = load_donor_evidence(ctx, donation_id)
    except NotFound:  # no tablet evidence: the donor's consent cannot be signed now, the staff's records can
        signature, fingerprint = None, None
    result = sign_donation_records(ctx, actor, donation_id, pin=pin, donor_signature=signature,
                                   fingerprint=fingerprint)
    return dict(result) if isinstance(result, dict) else {"result": result}


# --- archive (archive.job / archive.search) -------------------------------------------------------

def run_archive(ctx: StationContext, actor: Actor, progress: Callable[[int, int], None]) -> list[dict[str, Any]]:
    """archive.job.run_archive: one row per donation, archived (with its number) or failed (with the reason)."""
    try:
        from archive.job import run_archive as job
    except ImportError:
        raise _missing("归档服务", "The archive service", ArchiveError) from None
    result = job(ctx, actor, progress=lambda done, total, _what="": progress(done, total))
    dins: dict[str, str] = {}
    if result.archive_numbers:
        from sqlalchemy import select

        from station.models.archive import ArchiveItem

        with ctx.sessions() as s:
            dins = dict(s.execute(select(ArchiveItem.archive_number, ArchiveItem.din).where(
                ArchiveItem.archive_number.in_(result.archive_numbers))).all())
    rows: list[dict[str, Any]] = [{"ok": True, "archive_number": n, "din": dins.get(n, ""), "reason": ""}
                                  for n in result.archive_numbers]
    rows += [{"ok": False, "din": f.din, "archive_number": "", "reason": f"{f.check}: {f.reason}"} for f in result.failed]
    if result.stopped is not None:
        raise result.stopped
    return rows


def search_archive(ctx: StationContext, actor: Actor, text: str) -> list[dict[str, Any]]:
    """archive.search.search_archive by DIN, full ID number (exact) or part of the name; IDs come back masked."""
    try:
        from archive.search import search_archive as search
    except ImportError:
        raise _missing("档案检索", "Archive search", ArchiveError) from None
    from ui.registration.controller import classify_search

    criteria = classify_search(text)
    if "phone" in criteria:
        criteria = {"name": text.strip()}
    return search(ctx, actor, **criteria)
