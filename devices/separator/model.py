"""The procedure model every separator adapter produces (fields of standards.md section 5)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

BLOOD_TYPES = {"A+", "A-", "B+", "B-", "O+", "O-", "AB+", "AB-"}


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
        raise SeparatorDataError(f"{key} is not a number: {value!r}")
    if not low <= float(value) <= high:
        raise SeparatorDataError(f"{key} = {value} is outside {low}-{high}")
    return float(value)


def _time(data: dict[str, Any], key: str, required: bool = True) -> datetime | None:
    value = data.get(key)
    if value is None:
        if required:
            raise SeparatorDataError(f"{key} is missing")
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise SeparatorDataError(f"{key} is not an ISO time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise SeparatorDataError(f"{key} has no time zone: {value!r}")
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
        return out

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
        rinseback = data.get("rinseback_completed")
        if not isinstance(rinseback, bool):
            raise SeparatorDataError("rinseback_completed is not true/false")
        alarms = data.get("alarms") or []
        if not isinstance(alarms, list):
            raise SeparatorDataError("alarms is not a list")
        return cls(
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
