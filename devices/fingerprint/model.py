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
    """What a fingerprint device sent cannot be filed (the codecs' one refusal type).

    `retryable`: the donor can simply press the finger again (poor image, no finger, low quality);
    otherwise the device or its data is at fault."""

    def __init__(self, message: str, *, retryable: bool = False, reason_zh: str | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.reason_zh = reason_zh or message


MIN_TEMPLATE_BYTES = 32


def check_quality(value: object) -> int:
    """A quality score from a device -> int 0-100; anything else (NaN, 1e400, text, bool) is a refusal."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FingerprintDataError(f"quality {value!r} is not a number", reason_zh=f"质量分 {value!r} 不是数字")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FingerprintDataError(f"quality {value!r} is not a finite number",
                                       reason_zh=f"质量分 {value!r} 不是有限数")
        if value != int(value):
            raise FingerprintDataError(f"quality {value!r} is not a whole number",
                                       reason_zh=f"质量分 {value!r} 不是整数")
    if not 0 <= value <= 100:
        shown = value if abs(value) < 10**6 else "out of range"
        raise FingerprintDataError(f"quality {shown} outside 0-100", reason_zh=f"质量分 {shown} 超出 0-100")
    quality = int(value)
    if quality < MIN_QUALITY:
        raise FingerprintDataError(f"quality {quality} below {MIN_QUALITY}: press the finger again", retryable=True,
                                   reason_zh=f"指纹质量 {quality} 低于 {MIN_QUALITY}，请重新按压")
    return quality


def check_template_content(template: bytes, min_len: int = MIN_TEMPLATE_BYTES) -> bytes:
    """An empty (no bytes, or every byte the same: erased 00/FF) or too short template is a refusal."""
    if not template:
        raise FingerprintDataError("empty template", reason_zh="指纹模板为空")
    if len(template) < min_len:
        raise FingerprintDataError(f"template too short ({len(template)} bytes, at least {min_len})",
                                   reason_zh=f"指纹模板过短（{len(template)} 字节）")
    if template.count(template[0]) == len(template):
        raise FingerprintDataError(f"empty template (every byte is {template[0]:02X})",
                                   reason_zh="指纹模板为空（全部字节相同）")
    return template


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
        raw_quality = doc["quality"]
    except (KeyError, ValueError, TypeError) as exc:
        raise FingerprintDataError(f"capture fields missing or malformed ({exc})") from exc
    if not image.startswith(b"\x89PNG\r\n\x1a\n"):
        raise FingerprintDataError("image is not a PNG")
    check_template_content(template)
    quality = check_quality(raw_quality)
    fmt = doc.get("format")
    return FingerprintCapture(image, quality, template, fmt if isinstance(fmt, str) and fmt else
                              "ISO/IEC 19794-2:2005", device)


def grey_png(pixels: bytes, width: int, height: int) -> bytes:
    """8-bit grey pixels, row by row -> PNG, with the standard library only (devices/ imports no Pillow)."""
    import struct
    import zlib

    if len(pixels) != width * height:
        raise FingerprintDataError(f"{len(pixels)} pixels for a {width}x{height} image")
    rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))
