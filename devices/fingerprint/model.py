"""A fingerprint capture: image (PNG), quality score and template; the template hash binds the certificate."""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devices.base import utcnow

MIN_QUALITY = 40  # below this the capture is refused and the donor asked to press again


class FingerprintDataError(ValueError):
    pass


@dataclass
class FingerprintCapture:
    image_png: bytes
    quality: int  # 0-100 (NFIQ 2 style)
    template: bytes
    template_format: str = "ISO/IEC 19794-2:2005"
    device: str = ""
    captured_at: datetime = field(default_factory=utcnow)

    @property
    def template_sha256(self) -> str:
        """What the donor certificate binds (seed 002: certificate from name, ID number, fingerprint)."""
        return hashlib.sha256(self.template).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {"event": "fingerprint", "quality": self.quality, "template_format": self.template_format,
                "template_sha256": self.template_sha256, "template_len": len(self.template),
                "image_sha256": hashlib.sha256(self.image_png).hexdigest(),
                "image_len": len(self.image_png), "device": self.device,
                "captured_at": self.captured_at.isoformat()}


def decode_capture_line(line: bytes, device: str = "") -> FingerprintCapture:
    """The serial scanner's JSON line -> FingerprintCapture (validated), or FingerprintDataError."""
    try:
        doc = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FingerprintDataError(f"not a JSON line ({exc})") from exc
    if not isinstance(doc, dict):
        raise FingerprintDataError("a message is a JSON object")
    if doc.get("type") == "error":
        raise FingerprintDataError(str(doc.get("text") or "scanner reported an error"))
    if doc.get("type") != "capture":
        raise FingerprintDataError(f"unknown message type {doc.get('type')!r}")
    try:
        image = base64.b64decode(doc["image_png_b64"], validate=True)
        template = base64.b64decode(doc["template_b64"], validate=True)
        quality = int(doc["quality"])
    except (KeyError, ValueError, TypeError) as exc:
        raise FingerprintDataError(f"capture fields missing or malformed ({exc})") from exc
    if not image.startswith(b"\x89PNG\r\n\x1a\n"):
        raise FingerprintDataError("image is not a PNG")
    if not template:
        raise FingerprintDataError("empty template")
    if not 0 <= quality <= 100:
        raise FingerprintDataError(f"quality {quality} outside 0-100")
    if quality < MIN_QUALITY:
        raise FingerprintDataError(f"quality {quality} below {MIN_QUALITY}: press the finger again")
    return FingerprintCapture(image, quality, template, str(doc.get("format") or "ISO/IEC 19794-2:2005"),
                              device)
