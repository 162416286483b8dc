"""Pure codec of a serial barcode scanner's output: one scan per CR/LF-terminated line (the scanners' own
"serial/RS-232" or USB-CDC mode, e.g. Honeywell, Zebra, Datalogic, Newland in their default setup), ISBT 128
data structures recognised (ISBT 128 Standard Technical Specification, data structures 001, 002, 003)."""
from __future__ import annotations

import re

ISBT_STRUCTURES = (
    ("isbt128-din", re.compile(r"^=([A-NP-Z1-9][0-9]{4}[0-9]{2}[0-9]{6})([0-9A-Z]{2})$")),
    ("isbt128-abo", re.compile(r"^=%([0-9A-Z]{4})$")),
    ("isbt128-product", re.compile(r"^=<([A-Z][0-9A-Z]{4}[0-9A-Z]{3})$")),
)


class ScannerDataError(ValueError):
    """A line that is no barcode the station can use (the codec's one refusal type)."""

    def __init__(self, reason_en: str, reason_zh: str) -> None:
        super().__init__(reason_en)
        self.reason_en = reason_en
        self.reason_zh = reason_zh


def classify(data: str) -> tuple[str, dict[str, str]]:
    for name, pattern in ISBT_STRUCTURES:
        m = pattern.match(data)
        if m:
            if name == "isbt128-din":
                return name, {"din": m.group(1), "flags": m.group(2)}
            return name, {"code": m.group(1)}
    return "text", {}


def decode_scan(line: bytes) -> tuple[str, str, dict[str, str]]:
    """One line -> (text, structure, fields), or ScannerDataError."""
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ScannerDataError("not ASCII", "条码数据无效（非ASCII）") from exc
    if not text.isprintable():
        raise ScannerDataError("control characters in barcode", "条码含控制字符")
    if not text.strip():
        raise ScannerDataError("empty barcode", "条码为空")
    structure, fields = classify(text)
    return text, structure, fields
