"""Serial barcode scanner simulator: sends the given barcodes, CR/LF terminated."""
from __future__ import annotations

import time
from typing import Any

from devices.simbase import SerialSimulator


class ScannerSimulator(SerialSimulator):
    def __init__(self, port: str, control_port: int | None = None, *, barcodes: list[str] | None = None,
                 interval: float = 0.5, loop: bool = False,
                 start_delay: float = 0.3) -> None:
        super().__init__(port, control_port)
        self.queue = list(barcodes or [])
        self.interval = interval
        self.loop = loop
        self.next_at = time.monotonic() + start_delay
        self.sent = 0

    def tick(self) -> None:
        if self.queue and self.serial is not None and time.monotonic() >= self.next_at:
            code = self.queue.pop(0)
            self.write(code.encode("ascii") + b"\r\n")
            self.sent += 1
            if self.loop:
                self.queue.append(code)
            self.next_at = time.monotonic() + self.interval

    def ctl_scan(self, request: dict[str, Any]) -> dict[str, Any]:
        self.queue.append(str(request["data"]))
        return {}

    def ctl_send_raw(self, request: dict[str, Any]) -> dict[str, Any]:
        self.write(bytes.fromhex(request["hex"]))
        return {}

    def ctl_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"sent": self.sent, "queued": len(self.queue)}
