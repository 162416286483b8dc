"""Signature-pad simulator: draws a plausible handwritten signature and sends it as pen samples."""
from __future__ import annotations

import math
import time
from typing import Any

from devices.simbase import SerialSimulator


def synthetic_signature(seed: int = 1, width: int = 800, height: int = 300) -> list[tuple[int, int, int, int, int]]:
    """(x, y, pressure, t_ms, pen) samples of a looping cursive stroke and an underline."""
    samples: list[tuple[int, int, int, int, int]] = []
    t = 0
    for i in range(160):
        a = i / 160 * 6 * math.pi
        x = 60 + i * 3.5
        y = height / 2 + 55 * math.sin(a + seed) * math.cos(a / 3)
        p = int(500 + 300 * math.sin(a * 2 + seed))
        samples.append((int(x), int(max(0, min(height, y))), p, t, 1))
        t += 8
    samples.append((samples[-1][0], samples[-1][1], 0, t, 0))
    t += 120
    for i in range(40):
        samples.append((100 + i * 12, int(height * 0.82), 600, t, 1))
        t += 8
    samples.append((580, int(height * 0.82), 0, t, 0))
    return samples


class SignaturePadSimulator(SerialSimulator):
    baudrate = 115200

    def __init__(self, port: str, control_port: int | None = None, *, signatures: int = 0,
                 start_delay: float = 0.3) -> None:
        super().__init__(port, control_port)
        self.pending = signatures
        self.seeds: list[int] = []  # the hands of the next signatures (a donor is one seed)
        self.sent = 0
        self.next_at = time.monotonic() + start_delay

    def send_signature(self, seed: int) -> None:
        lines = ["BEGIN 800 300 1023"] + [f"S {x} {y} {p} {t} {d}" for x, y, p, t, d in
                                           synthetic_signature(seed)] + ["END"]
        self.write(("\r\n".join(lines) + "\r\n").encode())
        self.sent += 1

    def tick(self) -> None:
        if self.pending and self.serial is not None and time.monotonic() >= self.next_at:
            self.pending -= 1
            self.send_signature(self.seeds.pop(0) if self.seeds else self.sent + 1)
            self.next_at = time.monotonic() + 0.3

    def ctl_sign(self, request: dict[str, Any]) -> dict[str, Any]:
        """The donor signs `count` times; `seed` chooses the hand (the same seed draws the same samples)."""
        count = int(request.get("count", 1))
        if "seed" in request:
            self.seeds.extend([int(request["seed"])] * count)
        self.pending += count
        return {}

    def ctl_send_raw(self, request: dict[str, Any]) -> dict[str, Any]:
        self.write(bytes.fromhex(request["hex"]))
        return {}

    def ctl_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"sent": self.sent, "pending": self.pending}
