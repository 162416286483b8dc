"""Fingerprint scanner simulator: a synthetic ridge image (PNG) and a deterministic minutiae template."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import struct
import time
from typing import Any

from devices.simbase import SerialSimulator
from devices.transport import LineBuffer


def synthetic_capture(seed: int, size: int = 256) -> tuple[bytes, bytes, int]:
    """(PNG, template, quality) for a made-up finger: concentric whorl ridges, seed-dependent."""
    from PIL import Image

    digest = hashlib.sha256(f"finger-{seed}".encode()).digest()
    cx = size / 2 + (digest[0] - 128) / 16
    cy = size / 2 + (digest[1] - 128) / 16
    freq = 0.35 + digest[2] / 2550
    image = Image.new("L", (size, size), 255)
    pixels = image.load()
    assert pixels is not None
    for y in range(size):
        for x in range(size):
            dx, dy = x - cx, (y - cy) * 1.25
            r = math.hypot(dx, dy)
            if r > size * 0.46:
                continue
            v = math.sin(r * freq + math.atan2(dy, dx) * 0.5 + seed)
            pixels[x, y] = 40 if v > 0.2 else 230
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    # ISO/IEC 19794-2 style record: header, then (type|x, y, angle, quality) per minutia
    count = 24 + digest[3] % 12
    body = b"".join(struct.pack(">HHBB", (0x4000 | (digest[i % 32] * 7 + i * 13) % size),
                                (digest[(i + 5) % 32] * 3 + i * 29) % size, digest[(i + 9) % 32],
                                60 + digest[(i + 11) % 32] % 40) for i in range(count))
    header = b"FMR\x00 20\x00" + struct.pack(">IHHHH", 24 + 6 * count + 4, size, size, 197, 197)
    template = header + bytes([1, 0, 80, count]) + body
    quality = 60 + digest[4] % 35
    return buf.getvalue(), template, quality


class FingerprintSimulator(SerialSimulator):
    baudrate = 115200

    def __init__(self, port: str, control_port: int | None = None, *, captures: int = 0,
                 start_delay: float = 0.3) -> None:
        self.next_at = time.monotonic() + start_delay
        super().__init__(port, control_port)
        self.pending = captures
        self.seed = 1
        self.fault: str | None = None
        self.sent = 0
        self._lines = LineBuffer()

    def _send_capture(self) -> None:
        if self.fault == "no_finger":
            self.write(b'{"type":"error","text":"no finger detected"}\n')
            return
        png, template, quality = synthetic_capture(self.seed)
        if self.fault == "low_quality":
            quality = 20
        doc = {"type": "capture", "image_png_b64": base64.b64encode(png).decode(),
               "template_b64": base64.b64encode(template).decode(), "quality": quality,
               "format": "ISO/IEC 19794-2:2005"}
        self.write(json.dumps(doc).encode() + b"\n")
        self.sent += 1

    def on_data(self, data: bytes) -> None:
        for line in self._lines.feed(data):
            if line.strip().upper() == b"CAPTURE":
                self._send_capture()

    def tick(self) -> None:
        if self.pending and self.serial is not None and time.monotonic() >= self.next_at:
            self.pending -= 1
            self._send_capture()
            time.sleep(0.05)

    def ctl_finger(self, request: dict[str, Any]) -> dict[str, Any]:
        """Choose which finger the next captures show (a donor is one seed)."""
        self.seed = int(request.get("seed", self.seed))
        if request.get("push"):
            self.pending += 1
        return {}

    def ctl_fault(self, request: dict[str, Any]) -> dict[str, Any]:
        self.fault = request.get("mode")
        return {}

    def ctl_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"sent": self.sent, "seed": self.seed, "fault": self.fault}
