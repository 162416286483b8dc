"""Pure codec of the demo signature pad's line protocol (our own: no product on the market speaks it).

pad -> station: `BEGIN <width> <height> <max_pressure>`, then `S <x> <y> <pressure> <t_ms> <pen 0|1>` per
sample, then `END` (deliver) or `CANCEL` (discard). station -> pad: `CLEAR` (start over).
Every malformed line raises SignatureDataError (the codec's one refusal type) and drops the signature.
"""
from __future__ import annotations

import math

from devices.signature.model import PenSample, SignatureCapture, SignatureDataError

MAX_SAMPLES = 100_000
MAX_COORDINATE = 1_000_000.0  # device units: no pad is larger (a 10 m pad at 100 lines/mm)
MAX_T_MS = 24 * 3600 * 1000  # one signature within a day


def _number(token: str, what: str, limit: float = MAX_COORDINATE) -> float:
    try:
        value = float(token)
    except ValueError as exc:
        raise SignatureDataError(f"{what} {token[:20]!r} is not a number") from exc
    if not math.isfinite(value) or not 0 <= value <= limit:
        raise SignatureDataError(f"{what} {token[:20]!r} is outside 0..{limit:g}")
    return value


def _int(token: str, what: str, limit: int) -> int:
    if not (token.isascii() and token.isdigit()) or len(token) > 12:
        raise SignatureDataError(f"{what} {token[:20]!r} is not a whole number")
    value = int(token)
    if value > limit:
        raise SignatureDataError(f"{what} {value} is larger than {limit}")
    return value


class PadLineDecoder:
    """Lines -> SignatureCapture (on END), None otherwise; SignatureDataError on anything malformed."""

    def __init__(self, device: str = "") -> None:
        self.device = device
        self.current: SignatureCapture | None = None
        self.lines: list[bytes] = []
        self.refused: list[bytes] = []  # the lines of the signature the last refusal dropped (kept raw)

    def reset(self) -> None:
        self.current = None
        self.lines = []

    def feed_line(self, line: bytes) -> SignatureCapture | None:
        try:
            text = line.decode("ascii")
        except UnicodeDecodeError as exc:
            self.refused = [*self.lines, line]
            self.reset()
            raise SignatureDataError("line is not ASCII") from exc
        parts = text.split()
        if not parts:
            return None
        word = parts[0].upper()
        try:
            return self._word(word, parts, line)
        except SignatureDataError:
            self.refused = [*self.lines, line] if word != "BEGIN" else [line]
            self.reset()
            raise

    def _word(self, word: str, parts: list[str], line: bytes) -> SignatureCapture | None:
        if word == "BEGIN":
            self.reset()
            if len(parts) != 4:
                raise SignatureDataError("BEGIN takes width, height and maximum pressure")
            w, h, p = (_number(v, name) for v, name in zip(parts[1:4], ("width", "height", "max pressure"),
                                                            strict=True))
            if w <= 0 or h <= 0 or p <= 0:
                raise SignatureDataError("pad size and pressure range must be positive")
            self.current = SignatureCapture([], w, h, p, device=self.device)
            self.lines = [line]
            return None
        if word == "S":
            if self.current is None:
                raise SignatureDataError("sample outside BEGIN ... END")
            if len(parts) != 6:
                raise SignatureDataError("a sample is S x y pressure t_ms pen")
            x, y, p = (_number(v, name) for v, name in zip(parts[1:4], ("x", "y", "pressure"), strict=True))
            t = _int(parts[4], "t_ms", MAX_T_MS)
            if parts[5] not in ("0", "1"):
                raise SignatureDataError(f"pen state {parts[5][:10]!r}")
            if len(self.current.samples) >= MAX_SAMPLES:
                raise SignatureDataError("too many samples")
            self.current.samples.append(PenSample(x, y, p, t, parts[5] == "1"))
            self.lines.append(line)
            return None
        if word == "END":
            if self.current is None:
                raise SignatureDataError("END without BEGIN")
            capture = self.current
            capture.validate()
            self.lines.append(line)
            self.current = None
            return capture
        if word == "CANCEL":
            self.reset()
            return None
        raise SignatureDataError(f"unknown line {line[:40]!r}")
