"""One sample's result set and the explicit unit normalisation (never guessed)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from devices.base import RawMessage

# analyte -> (normalised unit, {raw unit (lower-case, µ/μ written u) -> factor}, plausible range)
ANALYTES: dict[str, tuple[str, dict[str, Decimal], tuple[Decimal, Decimal]]] = {
    "HGB": ("g/L", {"g/l": Decimal(1), "g/dl": Decimal(10), "mmol/l": Decimal("16.114")},
            (Decimal(0), Decimal(300))),
    "HCT": ("L/L", {"%": Decimal("0.01"), "l/l": Decimal(1)}, (Decimal(0), Decimal(1))),
    "PLT": ("10^9/L", {"10*9/l": Decimal(1), "10^9/l": Decimal(1), "x10^9/l": Decimal(1),
                       "10e9/l": Decimal(1), "10*3/ul": Decimal(1), "10^3/ul": Decimal(1),
                       "x10^3/ul": Decimal(1), "k/ul": Decimal(1), "10*4/ul": Decimal(10),
                       "10^4/ul": Decimal(10)}, (Decimal(0), Decimal(5000))),
    "WBC": ("10^9/L", {"10*9/l": Decimal(1), "10^9/l": Decimal(1), "x10^9/l": Decimal(1),
                       "10e9/l": Decimal(1), "10*3/ul": Decimal(1), "10^3/ul": Decimal(1),
                       "x10^3/ul": Decimal(1), "k/ul": Decimal(1), "10*2/ul": Decimal("0.1"),
                       "10^2/ul": Decimal("0.1")}, (Decimal(0), Decimal(1000))),
    "MPV": ("fL", {"fl": Decimal(1)}, (Decimal(0), Decimal(50))),
}

# names instruments use for the analytes the station files
ALIASES = {"HGB": "HGB", "HB": "HGB", "HBG": "HGB", "HCT": "HCT", "PLT": "PLT", "MPV": "MPV",
           "WBC": "WBC"}

LOINC = {"6690-2": "WBC", "718-7": "HGB", "4544-3": "HCT", "777-3": "PLT", "32623-1": "MPV"}


class UnitError(ValueError):
    """A value that cannot be normalised (unknown unit, not a number, implausible)."""


def _unit_key(unit: str) -> str:
    return unit.strip().replace("µ", "u").replace("μ", "u").replace(" ", "").lower()


@dataclass(frozen=True)
class Measurement:
    value: float
    unit: str
    raw_value: str
    raw_unit: str
    flag: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "raw_value": self.raw_value,
                "raw_unit": self.raw_unit, "flag": self.flag}


def normalise(analyte: str, raw_value: str, raw_unit: str, flag: str = "") -> Measurement:
    """Convert one reported value to the station's unit, or raise UnitError with the reason."""
    if analyte not in ANALYTES:
        raise UnitError(f"{analyte} is not an analyte the station files")
    unit, factors, (low, high) = ANALYTES[analyte]
    factor = factors.get(_unit_key(raw_unit))
    if factor is None:
        raise UnitError(f"{analyte}: unknown unit {raw_unit!r}")
    text = raw_value.strip()
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise UnitError(f"{analyte}: value {raw_value!r} is not a number") from exc
    if not number.is_finite():
        raise UnitError(f"{analyte}: value {raw_value!r} is not a number")
    value = number * factor
    if not low <= value <= high:
        raise UnitError(f"{analyte}: {raw_value} {raw_unit} is outside the plausible range "
                        f"{low}-{high} {unit}")
    return Measurement(float(value), unit, text, raw_unit.strip(), flag.strip())


@dataclass
class AnalyzerResult:
    """One sample's complete result set from one message, with the raw message it came from."""

    sample_id: str
    instrument: str
    is_qc: bool
    measured_at: datetime | None
    values: dict[str, Measurement]
    raw: RawMessage
    rejected: dict[str, str] = field(default_factory=dict)
    protocol: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"event": "analyzer_result", "sample_id": self.sample_id,
                "instrument": self.instrument, "is_qc": self.is_qc, "protocol": self.protocol,
                "measured_at": self.measured_at.isoformat() if self.measured_at else None,
                "values": {k: v.to_json() for k, v in self.values.items()},
                "rejected": self.rejected,
                "raw_received_at": self.raw.received_at.isoformat()}


@dataclass
class ParsedSample:
    """A sample's results before they are tied to a RawMessage (the pure parsers return these)."""

    sample_id: str
    instrument: str
    is_qc: bool
    measured_at: datetime | None
    values: dict[str, Measurement] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)

    def bind(self, raw: RawMessage, protocol: str) -> AnalyzerResult:
        return AnalyzerResult(self.sample_id, self.instrument, self.is_qc, self.measured_at,
                              dict(self.values), raw, dict(self.rejected), protocol)

    def to_json(self) -> dict[str, Any]:
        return {"sample_id": self.sample_id, "instrument": self.instrument, "is_qc": self.is_qc,
                "measured_at": self.measured_at.isoformat() if self.measured_at else None,
                "values": {k: v.to_json() for k, v in self.values.items()},
                "rejected": self.rejected}


def add_value(sample: ParsedSample, analyte: str, raw_value: str, raw_unit: str, flag: str) -> None:
    """Normalise into `sample.values`, or record why not in `sample.rejected`; a repeat is refused."""
    if analyte in sample.values or analyte in sample.rejected:
        sample.values.pop(analyte, None)
        sample.rejected[analyte] = f"{analyte} reported twice for one sample"
        return
    try:
        sample.values[analyte] = normalise(analyte, raw_value, raw_unit, flag)
    except UnitError as exc:
        sample.rejected[analyte] = str(exc)


def parse_timestamp(text: str) -> datetime | None:
    """YYYYMMDD[HHMM[SS]] instrument local time -> aware datetime (local zone); None if absent/bad."""
    digits = text.strip()[:14]
    if not digits.isdigit() or len(digits) not in (8, 12, 14):
        return None
    fmt = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}[len(digits)]
    try:
        return datetime.strptime(digits, fmt).astimezone()
    except ValueError:
        return None
