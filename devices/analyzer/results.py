"""One sample's result set and the explicit unit normalisation (never guessed)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from devices.analyzer.dialects import DIALECTS, NEEDS_CONFIRMATION, Dialect
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
    """A value that cannot be normalised (unknown unit, not a number, implausible); `zh` is the reason
    in Chinese for the status line (the English text goes into ACK ERR segments and the raw log)."""

    def __init__(self, reason: str, zh: str = "") -> None:
        super().__init__(reason)
        self.zh = zh or reason


def _unit_key(unit: str) -> str:
    return unit.strip().replace("µ", "u").replace("μ", "u").replace(" ", "").lower()


@dataclass(frozen=True)
class Measurement:
    """One value in the station's unit, with what the instrument wrote and its flags.

    `flag` is the raw flag field; `flags` the normalised ones (dialects.FLAGS): a value with any of
    them is never used silently (the eligibility step asks for a recorded confirmation)."""

    value: float
    unit: str
    raw_value: str
    raw_unit: str
    flag: str = ""
    flags: tuple[str, ...] = ()

    @property
    def needs_confirmation(self) -> bool:
        return any(f in NEEDS_CONFIRMATION for f in self.flags)

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "raw_value": self.raw_value,
                "raw_unit": self.raw_unit, "flag": self.flag, "flags": list(self.flags)}


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?", re.ASCII)
_COMMA_NUMBER = re.compile(r"[+-]?\d+,\d+", re.ASCII)


def parse_number(analyte: str, raw_value: str, dialect: Dialect | None = None) -> Decimal:
    """The instrument's text -> Decimal; only plain ASCII decimals (a decimal comma only where the
    dialect has one), at most 32 characters and 3 exponent digits, so that no arithmetic on it can
    overflow. Anything else is a UnitError naming the value."""
    text = raw_value.strip()
    if len(text) > 32:
        raise UnitError(f"{analyte}: value {raw_value[:32]!r}... is not a number (too long)",
                        f"{analyte}：数值 {raw_value[:32]!r}… 不是数字（过长）")
    if "," in text:
        if dialect is None or not dialect.decimal_comma:
            raise UnitError(f"{analyte}: value {raw_value!r} has a decimal comma; set the analyzer's "
                            "dialect (e.g. sysmex, dymind) if it writes one",
                            f"{analyte}：数值 {raw_value!r} 使用逗号作小数点；如分析仪如此输出，请在配置中设置其方言"
                            "（如 sysmex、dymind）")
        if not _COMMA_NUMBER.fullmatch(text):
            raise UnitError(f"{analyte}: value {raw_value!r} is not a number", f"{analyte}：数值 {raw_value!r} 不是数字")
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        raise UnitError(f"{analyte}: value {raw_value!r} is not a number", f"{analyte}：数值 {raw_value!r} 不是数字")
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid literals
        raise UnitError(f"{analyte}: value {raw_value!r} is not a number") from exc


def normalise(analyte: str, raw_value: str, raw_unit: str, flag: str = "",
              dialect: Dialect | None = None) -> Measurement:
    """Convert one reported value to the station's unit, or raise UnitError with the reason."""
    if analyte not in ANALYTES:
        raise UnitError(f"{analyte} is not an analyte the station files", f"{analyte} 不是本站归档的检测项目")
    unit, factors, (low, high) = ANALYTES[analyte]
    factor = factors.get(_unit_key(raw_unit))
    if factor is None and dialect is not None:
        factor = dialect.units.get((analyte, _unit_key(raw_unit)))
    if factor is None:
        shown = repr(raw_unit) if raw_unit.strip() else "(empty)"
        raise UnitError(f"{analyte}: unknown unit {shown}" + (f" for dialect {dialect.name}" if dialect else ""),
                        f"{analyte}：未知单位 {shown}" + (f"（方言 {dialect.name}）" if dialect else ""))
    text = raw_value.strip()
    number = parse_number(analyte, raw_value, dialect)
    value = number * factor
    if not low <= value <= high:
        raise UnitError(f"{analyte}: {raw_value} {raw_unit} is outside the plausible range "
                        f"{low}-{high} {unit}", f"{analyte}：{raw_value} {raw_unit} 超出合理范围 {low}-{high} {unit}")
    flags = (dialect or DIALECTS["generic-astm"]).flag(flag)
    return Measurement(float(value), unit, text, raw_unit.strip(), flag.strip(), flags)


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
    rejected_zh: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"event": "analyzer_result", "sample_id": self.sample_id,
                "instrument": self.instrument, "is_qc": self.is_qc, "protocol": self.protocol,
                "measured_at": self.measured_at.isoformat() if self.measured_at else None,
                "values": {k: v.to_json() for k, v in self.values.items()},
                "rejected": self.rejected, "rejected_zh": self.rejected_zh,
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
    # where each refused analyte was and the HL7 table 0357 code for it: analyte -> (segment,
    # sequence, field, code); used for the ERR segments of an HL7 acknowledgement
    refused_at: dict[str, tuple[str, int, int, str]] = field(default_factory=dict)
    rejected_zh: dict[str, str] = field(default_factory=dict)  # the same reasons in Chinese

    def bind(self, raw: RawMessage, protocol: str) -> AnalyzerResult:
        return AnalyzerResult(self.sample_id, self.instrument, self.is_qc, self.measured_at,
                              dict(self.values), raw, dict(self.rejected), protocol, dict(self.rejected_zh))

    def to_json(self) -> dict[str, Any]:
        return {"sample_id": self.sample_id, "instrument": self.instrument, "is_qc": self.is_qc,
                "measured_at": self.measured_at.isoformat() if self.measured_at else None,
                "values": {k: v.to_json() for k, v in self.values.items()},
                "rejected": self.rejected, "rejected_zh": self.rejected_zh}


def add_value(sample: ParsedSample, analyte: str, raw_value: str, raw_unit: str, flag: str,
              dialect: Dialect | None = None, where: tuple[str, int, int] = ("", 0, 0)) -> None:
    """Normalise into `sample.values`, or record why not in `sample.rejected`; a repeat is refused."""
    if analyte in sample.values or analyte in sample.rejected:
        sample.values.pop(analyte, None)
        refuse(sample, analyte, f"{analyte} reported twice for one sample", where, "205",
               zh=f"{analyte} 在同一样本中报告了两次")
        return
    try:
        sample.values[analyte] = normalise(analyte, raw_value, raw_unit, flag, dialect)
    except UnitError as exc:
        code = "103" if "unit" in str(exc) else "102"
        refuse(sample, analyte, str(exc), (where[0], where[1], 6 if code == "103" else where[2]), code, zh=exc.zh)


def refuse(sample: ParsedSample, analyte: str, reason: str, where: tuple[str, int, int] = ("", 0, 0),
           code: str = "207", *, zh: str = "") -> None:
    sample.rejected[analyte] = reason
    sample.rejected_zh[analyte] = zh or reason
    sample.refused_at[analyte] = (where[0], where[1], where[2], code)


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


RESULT_STATUS = {"P": "preliminary", "R": "not yet verified", "I": "pending (in the instrument)",
                 "X": "cannot be obtained", "D": "deleted", "W": "wrong, to be replaced", "S": "partial",
                 "N": "not requested", "O": "ordered, no result", "U": "changed to final without a new value",
                 "M": "minimal", "Q": "QC"}


def status_refusal(analyte: str, status: str) -> str:
    """The reason for refusing a non-final result, saying what to do about it."""
    meaning = RESULT_STATUS.get(status, "not final")
    return (f"{analyte}: result status {status[:4]!r} ({meaning}) is not final: validate (release) the "
            "result on the analyzer and send it again, or enter the value by hand")


def status_refusal_zh(analyte: str, status: str) -> str:
    return (f"{analyte}：结果状态 {status[:4]!r} 不是最终结果：请在分析仪上审核（发布）该结果后重新发送，"
            "或手工录入")
