"""Serial barcode scanner driver: one scan per CR/LF-terminated line, ISBT 128 data structures recognised."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devices.base import ConnectionState, RawMessage
from devices.scanner.codec import ISBT_STRUCTURES, ScannerDataError, classify, decode_scan
from devices.transport import LineBuffer, SerialWorker

__all__ = ["ISBT_STRUCTURES", "BarcodeEvent", "SerialScannerWorker", "classify"]


@dataclass
class BarcodeEvent:
    data: str
    structure: str  # isbt128-din | isbt128-abo | isbt128-product | text
    fields: dict[str, str]
    raw: RawMessage

    def to_json(self) -> dict[str, Any]:
        return {"event": "barcode", "data": self.data, "structure": self.structure,
                **self.fields, "raw_received_at": self.raw.received_at.isoformat()}


class SerialScannerWorker(SerialWorker):
    kind = "scanner"
    protocol = "lines"

    def __init__(self, name: str, port: str, *, max_length: int = 512, **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        self._lines = LineBuffer(max_length)

    def _serve(self) -> None:
        self._lines.clear()
        while not self._stopping.is_set():
            data = self._read()
            if not data:
                continue
            overflowed = self._lines.overflowed
            for line in self._lines.feed(data):
                try:
                    text, structure, fields = decode_scan(line)
                except ScannerDataError as exc:
                    self._raw(line, error=exc.reason_en)
                    self._warn(f"{self.name}：{exc.reason_zh}", f"{self.name}: {exc.reason_en}")
                    continue
                raw = self._raw(line, parsed={"data": text, "structure": structure, **fields})
                if self.status.state != ConnectionState.CONNECTED:
                    self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
                self._emit(BarcodeEvent(text, structure, fields, raw))
            if self._lines.overflowed != overflowed:
                self._warn(f"{self.name}：条码过长，已丢弃", f"{self.name}: oversized barcode dropped")
