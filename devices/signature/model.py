"""Pen samples (ISO/IEC 19794-7 time series: x, y, pressure, t, pen up/down) and the captured signature."""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devices.base import utcnow


@dataclass(frozen=True)
class PenSample:
    x: float  # device units, origin top left
    y: float
    pressure: float  # 0..max_pressure
    t_ms: int  # milliseconds since the first sample
    pen_down: bool


class SignatureDataError(ValueError):
    pass


@dataclass
class SignatureCapture:
    """One signature: the samples, the pad's coordinate space, and when it was captured."""

    samples: list[PenSample]
    width: float
    height: float
    max_pressure: float = 1023.0
    device: str = ""
    captured_at: datetime = field(default_factory=utcnow)

    def validate(self) -> None:
        import math

        if not all(math.isfinite(v) for v in (self.width, self.height, self.max_pressure)) \
                or not all(math.isfinite(v) for s in self.samples for v in (s.x, s.y, s.pressure)):
            raise SignatureDataError("pad size, coordinates and pressures must be finite numbers")
        if self.width <= 0 or self.height <= 0 or self.max_pressure <= 0:
            raise SignatureDataError("pad size and pressure range must be positive")
        if not any(s.pen_down for s in self.samples):
            raise SignatureDataError("no pen-down sample: the signature is empty")
        last = -1
        for s in self.samples:
            if s.t_ms < last:
                raise SignatureDataError("sample times go backwards")
            last = s.t_ms
            if not (0 <= s.x <= self.width and 0 <= s.y <= self.height
                    and 0 <= s.pressure <= self.max_pressure):
                raise SignatureDataError(f"sample {s} outside the pad's range")

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces): the bytes the evidence hash is taken over."""
        doc = {"format": "ISO/IEC 19794-7 time series (x, y, pressure, t_ms, pen_down)",
               "width": float(self.width), "height": float(self.height),
               "max_pressure": float(self.max_pressure),
               "device": self.device, "captured_at": self.captured_at.isoformat(),
               "samples": [[float(s.x), float(s.y), float(s.pressure), int(s.t_ms),
                            1 if s.pen_down else 0]
                           for s in self.samples]}
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_json(cls, text: str) -> SignatureCapture:
        doc = json.loads(text)
        samples = [PenSample(float(x), float(y), float(p), int(t), bool(d))
                   for x, y, p, t, d in doc["samples"]]
        capture = cls(samples, float(doc["width"]), float(doc["height"]), float(doc["max_pressure"]),
                      str(doc.get("device", "")), datetime.fromisoformat(doc["captured_at"]))
        capture.validate()
        return capture

    def render_png(self, width: int, height: int, color: tuple[int, int, int] = (0, 0, 0)) -> bytes:
        """The signature drawn on a transparent background, scaled to fit (for the PDF appearance)."""
        from PIL import Image, ImageDraw

        image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        down = [s for s in self.samples if s.pen_down]
        if down:
            xs = [s.x for s in down]
            ys = [s.y for s in down]
            span_x = max(max(xs) - min(xs), 1.0)
            span_y = max(max(ys) - min(ys), 1.0)
            margin = 0.05
            scale = min(width * (1 - 2 * margin) / span_x, height * (1 - 2 * margin) / span_y)
            off_x = (width - span_x * scale) / 2 - min(xs) * scale
            off_y = (height - span_y * scale) / 2 - min(ys) * scale
            base = max(1.0, min(width, height) / 60)
            prev: PenSample | None = None
            for s in self.samples:
                if s.pen_down and prev is not None and prev.pen_down:
                    w = max(1, round(base * (0.5 + s.pressure / self.max_pressure)))
                    draw.line([(prev.x * scale + off_x, prev.y * scale + off_y),
                               (s.x * scale + off_x, s.y * scale + off_y)],
                              fill=(*color, 255), width=w, joint="curve")
                prev = s
        buf = io.BytesIO()
        image.save(buf, format="PNG", optimize=False)
        return buf.getvalue()

    def summary(self) -> dict[str, Any]:
        return {"event": "signature", "samples": len(self.samples), "width": self.width,
                "height": self.height, "sha256": self.sha256, "device": self.device,
                "captured_at": self.captured_at.isoformat(),
                "duration_ms": self.samples[-1].t_ms - self.samples[0].t_ms if self.samples else 0}
