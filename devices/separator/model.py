"""The procedure model every separator adapter produces (fields of standards.md section 5)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

BLOOD_TYPES = {"A+", "A-", "B+", "B-", "O+", "O-", "AB+", "AB-"}
EARLIEST_YEAR = 2000
CLOCK_SKEW = timedelta(minutes=10)  # a summary may come from a separator whose clock is this far ahead
SPAN_SLACK_MIN = 120.0  # set-up, priming and rinseback around the collection run
MAX_YIELD_PER_L = 6.0  # x10^11 platelets per litre processed: all of a 600 x10^9/L count, impossible above
HIGH_YIELD_PER_L = 2.5  # above this per litre processed the efficiency is implausible: confirm


class SeparatorDataError(ValueError):
    """A message from a separator that does not fit the model; never delivered as a record."""


def _num(data: dict[str, Any], key: str, *, required: bool = True, low: float = 0.0,
         high: float = 1e6) -> float | None:
    value = data.get(key)
    if value is None:
        if required:
            raise SeparatorDataError(f"{key} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SeparatorDataError(f"{key} is not a number: {str(value)[:40]!r}")
    try:
        number = float(value)
    except OverflowError as exc:  # an integer of hundreds of digits
        raise SeparatorDataError(f"{key} is outside {low}-{high}") from exc
    if not math.isfinite(number) or not low <= number <= high:
        raise SeparatorDataError(f"{key} = {str(value)[:40]} is outside {low}-{high}")
    return number


def _time(data: dict[str, Any], key: str, required: bool = True) -> datetime | None:
    value = data.get(key)
    if value is None:
        if required:
            raise SeparatorDataError(f"{key} is missing")
        return None
    text = str(value)[:64]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise SeparatorDataError(f"{key} is not an ISO time: {text!r}") from exc
    if parsed.tzinfo is None:
        raise SeparatorDataError(f"{key} has no time zone: {text!r}")
    try:
        parsed.astimezone(UTC)
    except (OverflowError, ValueError) as exc:  # year 1 with a positive offset, year 9999 with a negative one
        raise SeparatorDataError(f"{key} {text!r} is not a time the separator can have run at") from exc
    if parsed.astimezone(UTC).year < EARLIEST_YEAR:
        raise SeparatorDataError(f"{key} {text!r} is before {EARLIEST_YEAR}: check the separator's clock")
    return parsed


@dataclass(frozen=True)
class ProcedureParameters:
    """What the station hands to the device so nurses do not re-key it."""

    height_cm: float
    weight_kg: float
    sex: str  # "M" / "F"
    pre_count: float  # platelets, 10^9/L
    hct: float  # fraction L/L
    blood_type: str = ""  # "A+" ... "AB-"; "" when the donor has no blood group on file (omitted on the wire)
    procedure_type: str = "platelets"
    donation_id: str = ""

    def __post_init__(self) -> None:
        if not 100 <= self.height_cm <= 230 or not 30 <= self.weight_kg <= 250:
            raise SeparatorDataError("height/weight out of range")
        if self.sex not in ("M", "F"):
            raise SeparatorDataError("sex is M or F")
        if not 0 < self.pre_count < 2000 or not 0 < self.hct < 1:
            raise SeparatorDataError("pre-count (10^9/L) or HCT (fraction) out of range")
        if self.blood_type and self.blood_type not in BLOOD_TYPES:
            raise SeparatorDataError(f"blood type {self.blood_type!r} is not one of {sorted(BLOOD_TYPES)}")

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if not self.blood_type:
            del out["blood_type"]  # unknown: omitted, never sent as a partial group
        return out


def blood_type_of(abo: str | None, rhd: str | None) -> str:
    """The separator's blood type from the donor's ABO and RhD ("+"/"-"): "" unless both are on file."""
    value = f"{abo or ''}{rhd or ''}"
    return value if abo and rhd and value in BLOOD_TYPES else ""


@dataclass(frozen=True)
class Alarm:
    code: str
    severity: str  # "info" | "warning" | "stop"
    text_zh: str
    text_en: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "text_zh": self.text_zh,
                "text_en": self.text_en, "at": self.at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Alarm:
        if not isinstance(data, dict) or not data.get("code"):
            raise SeparatorDataError("alarm without a code")
        severity = str(data.get("severity", "warning"))
        if severity not in ("info", "warning", "stop"):
            raise SeparatorDataError(f"alarm severity {severity!r}")
        at = _time(data, "at")
        assert at is not None
        return cls(str(data["code"]), severity, str(data.get("text_zh", "")),
                   str(data.get("text_en", "")), at)


@dataclass(frozen=True)
class ProcedureStatus:
    """Live state during a run."""

    phase: str  # priming | collecting | rinseback | ended
    elapsed_s: float
    processed_ml: float
    yield_e11: float
    ac_used_ml: float
    alarms: tuple[Alarm, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"phase": self.phase, "elapsed_s": self.elapsed_s, "processed_ml": self.processed_ml,
                "yield_e11": self.yield_e11, "ac_used_ml": self.ac_used_ml,
                "alarms": [a.to_json() for a in self.alarms]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProcedureStatus:
        phase = str(data.get("phase", ""))
        if phase not in ("priming", "collecting", "rinseback", "ended"):
            raise SeparatorDataError(f"unknown phase {phase!r}")
        alarms = data.get("alarms") or []
        if not isinstance(alarms, list):
            raise SeparatorDataError("alarms is not a list")
        return cls(phase, _num(data, "elapsed_s", high=86400) or 0.0,
                   _num(data, "processed_ml", high=20000) or 0.0,
                   _num(data, "yield_e11", high=20) or 0.0,
                   _num(data, "ac_used_ml", high=5000) or 0.0,
                   tuple(Alarm.from_json(a) for a in alarms))


@dataclass(frozen=True)
class ProcedureSummary:
    """End of run: what the collection record needs from the separator."""

    procedure_type: str
    device_serial: str
    kit_catalogue: str
    kit_lot: str
    ac_lot: str
    started_at: datetime
    ended_at: datetime
    run_time_min: float
    whole_blood_processed_ml: float
    ac_used_ml: float
    ac_to_donor_ml: float
    platelet_volume_ml: float
    platelet_yield_e11: float
    plasma_volume_ml: float
    post_count: float | None
    post_hct: float | None
    operator: str
    rinseback_completed: bool
    alarms: tuple[Alarm, ...] = field(default=())
    donation_id: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif f.name == "alarms":
                value = [a.to_json() for a in value]
            out[f.name] = value
        out["needs_confirmation"] = self.plausibility_prompts()
        return out

    def check_plausible(self, now: datetime | None = None) -> None:
        """Refuse a summary that cannot describe a real run (SeparatorDataError with the reason)."""
        now = now or datetime.now(UTC)
        if self.ended_at > now + CLOCK_SKEW:
            raise SeparatorDataError(f"ended_at {self.ended_at.isoformat()} is in the future: check the "
                                     "separator's clock")
        span = (self.ended_at - self.started_at).total_seconds() / 60
        if self.run_time_min > span + 1:
            raise SeparatorDataError(f"run time {self.run_time_min:g} min is longer than the "
                                     f"{span:.0f} min between started_at and ended_at")
        if self.ac_used_ml > self.whole_blood_processed_ml:
            raise SeparatorDataError(f"AC used {self.ac_used_ml:g} mL is more than the whole blood processed "
                                     f"({self.whole_blood_processed_ml:g} mL)")
        if self.ac_to_donor_ml > self.ac_used_ml:
            raise SeparatorDataError(f"AC to donor {self.ac_to_donor_ml:g} mL is more than the AC used "
                                     f"({self.ac_used_ml:g} mL)")
        if self.platelet_volume_ml + self.plasma_volume_ml > self.whole_blood_processed_ml + self.ac_used_ml:
            raise SeparatorDataError("the collected volumes are more than the blood and AC processed")
        litres = self.whole_blood_processed_ml / 1000
        if self.platelet_yield_e11 > MAX_YIELD_PER_L * litres:
            raise SeparatorDataError(f"platelet yield {self.platelet_yield_e11:g} x10^11 is impossible from "
                                     f"{self.whole_blood_processed_ml:g} mL of whole blood processed")

    def plausibility_prompts(self) -> list[dict[str, Any]]:
        """Possible but unusual figures: each needs the nurse's recorded confirmation (the station's
        confirmation prompts: code, message_zh, message_en)."""
        prompts: list[dict[str, Any]] = []
        span = (self.ended_at - self.started_at).total_seconds() / 60
        if span > self.run_time_min + SPAN_SLACK_MIN:
            prompts.append({"code": "SEPARATOR_SPAN_LONG", "field": "run_time_min", "value": self.run_time_min,
                            "message_zh": f"单采运行{self.run_time_min:g}分钟，但开始至结束相隔{span:.0f}分钟，请核对时间",
                            "message_en": f"The run took {self.run_time_min:g} min but start to end is {span:.0f} min; "
                                          "check the times and confirm"})
        litres = self.whole_blood_processed_ml / 1000
        if self.platelet_yield_e11 > HIGH_YIELD_PER_L * litres:
            prompts.append({"code": "SEPARATOR_YIELD_HIGH", "field": "platelet_yield_e11",
                            "value": self.platelet_yield_e11,
                            "message_zh": f"血小板产量{self.platelet_yield_e11:g}×10^11 相对处理全血"
                                          f"{self.whole_blood_processed_ml:g}mL 偏高，请确认",
                            "message_en": f"Platelet yield {self.platelet_yield_e11:g} x10^11 is high for "
                                          f"{self.whole_blood_processed_ml:g} mL processed; confirm it"})
        return prompts

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProcedureSummary:
        text = {k: str(data.get(k) or "") for k in
                ("procedure_type", "device_serial", "kit_catalogue", "kit_lot", "ac_lot", "operator")}
        for key in ("procedure_type", "device_serial", "kit_catalogue", "kit_lot", "ac_lot"):
            if not text[key]:
                raise SeparatorDataError(f"{key} is missing")
        started, ended = _time(data, "started_at"), _time(data, "ended_at")
        assert started is not None and ended is not None
        if ended < started:
            raise SeparatorDataError("ended_at precedes started_at")
        if ended - started > timedelta(hours=24):
            raise SeparatorDataError("started_at and ended_at are more than 24 h apart")
        rinseback = data.get("rinseback_completed")
        if not isinstance(rinseback, bool):
            raise SeparatorDataError("rinseback_completed is not true/false")
        alarms = data.get("alarms") or []
        if not isinstance(alarms, list):
            raise SeparatorDataError("alarms is not a list")
        summary = cls(
            text["procedure_type"], text["device_serial"], text["kit_catalogue"], text["kit_lot"],
            text["ac_lot"], started, ended,
            _num(data, "run_time_min", high=600) or 0.0,
            _num(data, "whole_blood_processed_ml", high=20000) or 0.0,
            _num(data, "ac_used_ml", high=5000) or 0.0,
            _num(data, "ac_to_donor_ml", high=5000) or 0.0,
            _num(data, "platelet_volume_ml", high=2000) or 0.0,
            _num(data, "platelet_yield_e11", high=20) or 0.0,
            _num(data, "plasma_volume_ml", high=2000) or 0.0,
            _num(data, "post_count", required=False, high=2000),
            _num(data, "post_hct", required=False, high=1),
            text["operator"], rinseback, tuple(Alarm.from_json(a) for a in alarms),
            str(data.get("donation_id") or ""))
        summary.check_plausible()
        return summary
