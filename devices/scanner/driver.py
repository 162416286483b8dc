"""Serial barcode scanner driver: one scan per CR/LF-terminated line, ISBT 128 data structures recognised."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from devices.base import ConnectionState, RawMessage
from devices.transport import LineBuffer, SerialWorker

ISBT_STRUCTURES = (
    ("isbt128-din", re.compile(r"^=([A-NP-Z1-9][0-9]{4}[0-9]{2}[0-9]{6})([0-9A-Z]{2})$")),
    ("isbt128-abo", re.compile(r"^=%([0-9A-Z]{4})$")),
    ("isbt128-product", re.compile(r"^=<([A-Z][0-9A-Z]{4}[0-9A-Z]{3})$")),
)


@dataclass
class BarcodeEvent:
    data: str
    structure: str  # isbt128-din | isbt128-abo | isbt128-product | text
    fields: dict[str, str]
    raw: RawMessage

    def to_json(self) -> dict[str, Any]:
        return {"event": "barcode", "data": self.data, "structure": self.structure,
                **self.fields, "raw_received_at": self.raw.received_at.isoformat()}


def classify(data: str) -> tuple[str, dict[str, str]]:
    for name, pattern in ISBT_STRUCTURES:
        m = pattern.match(data)
        if m:
            if name == "isbt128-din":
                return name, {"din": m.group(1), "flags": m.group(2)}
            return name, {"code": m.group(1)}
    return "text", {}


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
                    text = line.decode("ascii")
                except UnicodeDecodeError:
                    self._raw(line, error="not ASCII")
                    self._warn(f"{self.name}：条码数据无效（非ASCII）", f"{self.name}: barcode is not ASCII")
                    continue
                if not text.isprintable():
                    self._raw(line, error="control characters in barcode")
                    self._warn(f"{self.name}：条码含控制字符", f"{self.name}: control characters in barcode")
                    continue
                structure, fields = classify(text)
                raw = self._raw(line, parsed={"data": text, "structure": structure, **fields})
                if self.status.state != ConnectionState.CONNECTED:
                    self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
                self._emit(BarcodeEvent(text, structure, fields, raw))
            if self._lines.overflowed != overflowed:
                self._warn(f"{self.name}：条码过长，已丢弃", f"{self.name}: oversized barcode dropped")
