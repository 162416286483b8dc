"""Serial signature-pad driver. Line protocol (ASCII, CR/LF):

pad -> station: `BEGIN <width> <height> <max_pressure>`, then `S <x> <y> <pressure> <t_ms> <pen 0|1>`
per sample, then `END` (deliver) or `CANCEL` (discard). station -> pad: `CLEAR` (start over).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devices.base import ConnectionState, RawMessage
from devices.signature.model import PenSample, SignatureCapture, SignatureDataError
from devices.transport import LineBuffer, SerialWorker

MAX_SAMPLES = 100_000


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
        self._current: SignatureCapture | None = None
        self._raw_lines: list[bytes] = []

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

    def _fail(self, line: bytes, reason: str) -> None:
        self._raw(b"\n".join(self._raw_lines + [line]), error=reason)
        self._warn(f"{self.name}：签名数据无效（{reason}），请重新签名",
                   f"{self.name}: invalid signature data ({reason}); sign again")
        self._reset()

    def _on_line(self, line: bytes) -> None:
        parts = line.decode("ascii", "replace").split()
        if not parts:
            return
        word = parts[0].upper()
        try:
            if word == "BEGIN":
                self._reset()
                w, h, p = (float(v) for v in parts[1:4])
                self._current = SignatureCapture([], w, h, p, device=self.name)
                self._raw_lines = [line]
            elif word == "S":
                if self._current is None:
                    raise SignatureDataError("sample outside BEGIN ... END")
                x, y, p = (float(v) for v in parts[1:4])
                t, pen = int(parts[4]), parts[5]
                if pen not in ("0", "1"):
                    raise SignatureDataError(f"pen state {pen!r}")
                if len(self._current.samples) >= MAX_SAMPLES:
                    raise SignatureDataError("too many samples")
                self._current.samples.append(PenSample(x, y, p, t, pen == "1"))
                self._raw_lines.append(line)
            elif word == "END":
                if self._current is None:
                    raise SignatureDataError("END without BEGIN")
                capture = self._current
                capture.validate()
                raw = self._raw(b"\n".join(self._raw_lines + [line]),
                                parsed={"sha256": capture.sha256, "samples": len(capture.samples)})
                self._reset()
                if self.status.state != ConnectionState.CONNECTED:
                    self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
                self._emit(SignatureEvent(capture, raw))
            elif word == "CANCEL":
                self._reset()
            else:
                raise SignatureDataError(f"unknown line {line[:40]!r}")
        except (SignatureDataError, ValueError, IndexError) as exc:
            self._fail(line, str(exc) or type(exc).__name__)
