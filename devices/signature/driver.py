"""Serial signature-pad driver for the demo pad's line protocol (devices/signature/codec.py).

The protocol is our own: no signature pad on the market speaks it (Wacom STU, Topaz, signotec and
Huion pads talk USB HID through their vendors' SDKs). Pen tablets on the station PC reach the donor's
window through Qt's tablet events instead (ui/tablet)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devices.base import ConnectionState, RawMessage
from devices.signature.codec import MAX_SAMPLES, PadLineDecoder
from devices.signature.model import SignatureCapture, SignatureDataError
from devices.transport import LineBuffer, SerialWorker

__all__ = ["MAX_SAMPLES", "SignatureEvent", "SignaturePadWorker"]


@dataclass
class SignatureEvent:
    capture: SignatureCapture
    raw: RawMessage

    def to_json(self) -> dict[str, Any]:
        return {**self.capture.summary(), "raw_received_at": self.raw.received_at.isoformat()}


class SignaturePadWorker(SerialWorker):
    kind = "signature-pad"
    protocol = "pad-lines"

    def __init__(self, name: str, port: str, *, baudrate: int = 115200, **kwargs: Any) -> None:
        super().__init__(name, port, baudrate=baudrate, **kwargs)
        self._lines = LineBuffer(4096)
        self._reset()

    def _reset(self) -> None:
        self._decoder = PadLineDecoder(self.name)

    def clear(self) -> None:
        self._write(b"CLEAR\r\n")

    def _connect(self) -> None:
        super()._connect()
        self._lines.clear()
        self._reset()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            data = self._read()
            for line in self._lines.feed(data) if data else []:
                self._on_line(line)

    def _on_line(self, line: bytes) -> None:
        try:
            capture = self._decoder.feed_line(line)
        except SignatureDataError as exc:
            self._raw(b"\n".join(self._decoder.refused), error=str(exc))
            self._warn(f"{self.name}：签名数据无效（{exc}），请重新签名",
                       f"{self.name}: invalid signature data ({exc}); sign again")
            return
        if capture is None:
            return
        raw = self._raw(b"\n".join(self._decoder.lines), parsed={"sha256": capture.sha256,
                                                                 "samples": len(capture.samples)})
        self._decoder.reset()
        if self.status.state != ConnectionState.CONNECTED:
            self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
        self._emit(SignatureEvent(capture, raw))
