"""Eligibility rules as versioned data: load rule sets, pick the one in force, evaluate each check."""
from __future__ import annotations

import calendar
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from station.errors import ValidationError

RULES_DIR = Path(__file__).parent
NEVER_OVERRIDABLE = frozenset({"DEFERRAL_PERMANENT"})


@dataclass(frozen=True)
class Finding:
    """One check's outcome. status: pass | warn | fail; a failed finding defers unless overridden."""

    code: str
    status: str
    message_zh: str
    message_en: str
    field: str = ""
    value: Any = None
    limit: str = ""
    overridable: bool = False
    deferral_days: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RuleSet:
    name: str
    version: str
    effective_from: date
    data: dict[str, Any] = field(repr=False, compare=False, hash=False)

    def section(self, name: str) -> dict[str, Any]:
        return self.data[name]

    def overridable(self, code: str) -> bool:
        return code not in NEVER_OVERRIDABLE and code in self.data.get("overridable", {}).get("codes", [])

    def deferral_days(self, code: str) -> int:
        return int(self.data.get("deferral_days", {}).get(code, 0))

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


def _load(path: Path) -> RuleSet:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return RuleSet(name=data["name"], version=str(data["version"]),
                   effective_from=date.fromisoformat(data["effective_from"]), data=data)


@lru_cache(maxsize=1)
def all_rulesets() -> tuple[RuleSet, ...]:
    sets = [_load(p) for p in sorted(RULES_DIR.glob("*.toml")) if not p.name.startswith("questionnaire")]
    return tuple(sorted(sets, key=lambda r: r.effective_from))


def ruleset_for(on: date) -> RuleSet:
    """The rule set in force on a date: the latest one whose effective date has come."""
    candidates = [r for r in all_rulesets() if r.effective_from <= on]
    if not candidates:
        raise ValidationError(f"{on} 没有生效的献血规则", f"No donor rule set is in force on {on}",
                              code="NO_RULESET")
    return candidates[-1]


def ruleset_named(name: str, version: str) -> RuleSet:
    for r in all_rulesets():
        if r.name == name and r.version == version:
            return r
    raise ValidationError(f"未找到规则 {name} v{version}", f"Rule set {name} v{version} not found", code="NO_RULESET")


# --- helpers -----------------------------------------------------------------------------------

def add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year = d.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _fail(rs: RuleSet, code: str, zh: str, en: str, **kw: Any) -> Finding:
    return Finding(code=code, status="fail", message_zh=zh, message_en=en, overridable=rs.overridable(code),
                   deferral_days=rs.deferral_days(code), **kw)


def _ok(code: str, zh: str, en: str, **kw: Any) -> Finding:
    return Finding(code=code, status="pass", message_zh=zh, message_en=en, **kw)


# --- checks ------------------------------------------------------------------------------------

def check_age(rs: RuleSet, birth: date, on: date, *, repeat_donor: bool, past_reaction: bool) -> Finding:
    a = rs.section("age")
    age = age_on(birth, on)
    upper = a["max_repeat_no_reaction"] if repeat_donor and not past_reaction else a["max"]
    limit = f"{a['min']}-{upper}"
    if age < a["min"] or age > upper:
        return _fail(rs, "AGE_OUT_OF_RANGE", f"年龄{age}岁，不在{limit}岁范围内", f"Age {age} is outside {limit} years",
                     field="age", value=age, limit=limit)
    return _ok("AGE_OK", f"年龄{age}岁", f"Age {age}", field="age", value=age, limit=limit)


def check_weight(rs: RuleSet, sex: str, weight: float) -> Finding:
    w = rs.section("weight")
    minimum = w["male_min_kg"] if sex == "male" else w["female_min_kg"]
    if weight < minimum:
        return _fail(rs, "WEIGHT_LOW", f"体重{weight:g}kg，低于{minimum}kg", f"Weight {weight:g} kg is below {minimum} kg",
                     field="weight_kg", value=weight, limit=f">={minimum}")
    return _ok("WEIGHT_OK", f"体重{weight:g}kg", f"Weight {weight:g} kg", field="weight_kg", value=weight,
               limit=f">={minimum}")


def check_blood_pressure(rs: RuleSet, systolic: int, diastolic: int) -> list[Finding]:
    b = rs.section("blood_pressure")
    out: list[Finding] = []
    if systolic >= b["systolic_below"]:
        out.append(_fail(rs, "BP_HIGH", f"收缩压{systolic}mmHg，应低于{b['systolic_below']}",
                         f"Systolic {systolic} mmHg must be below {b['systolic_below']}", field="systolic",
                         value=systolic, limit=f"{b['systolic_min']}-<{b['systolic_below']}"))
    elif systolic < b["systolic_min"]:
        out.append(_fail(rs, "BP_LOW", f"收缩压{systolic}mmHg，低于{b['systolic_min']}",
                         f"Systolic {systolic} mmHg is below {b['systolic_min']}", field="systolic", value=systolic,
                         limit=f"{b['systolic_min']}-<{b['systolic_below']}"))
    else:
        out.append(_ok("SYSTOLIC_OK", f"收缩压{systolic}mmHg", f"Systolic {systolic} mmHg", field="systolic",
                       value=systolic))
    if diastolic >= b["diastolic_below"]:
        out.append(_fail(rs, "BP_HIGH", f"舒张压{diastolic}mmHg，应低于{b['diastolic_below']}",
                         f"Diastolic {diastolic} mmHg must be below {b['diastolic_below']}", field="diastolic",
                         value=diastolic, limit=f"{b['diastolic_min']}-<{b['diastolic_below']}"))
    elif diastolic < b["diastolic_min"]:
        out.append(_fail(rs, "BP_LOW", f"舒张压{diastolic}mmHg，低于{b['diastolic_min']}",
                         f"Diastolic {diastolic} mmHg is below {b['diastolic_min']}", field="diastolic",
                         value=diastolic, limit=f"{b['diastolic_min']}-<{b['diastolic_below']}"))
    else:
        out.append(_ok("DIASTOLIC_OK", f"舒张压{diastolic}mmHg", f"Diastolic {diastolic} mmHg", field="diastolic",
                       value=diastolic))
    pp = systolic - diastolic
    if pp < b["pulse_pressure_min"]:
        out.append(_fail(rs, "PULSE_PRESSURE_LOW", f"脉压差{pp}mmHg，低于{b['pulse_pressure_min']}",
                         f"Pulse pressure {pp} mmHg is below {b['pulse_pressure_min']}", field="pulse_pressure",
                         value=pp, limit=f">={b['pulse_pressure_min']}"))
    return out


def check_pulse(rs: RuleSet, pulse: int, *, regular: bool = True, athlete: bool = False) -> Finding:
    p = rs.section("pulse")
    low = p["athlete_min"] if athlete else p["min"]
    if pulse < low or pulse > p["max"] or not regular:
        why_zh = "心律不齐" if not regular else f"脉搏{pulse}次/分，不在{low}-{p['max']}范围内"
        why_en = "irregular pulse" if not regular else f"Pulse {pulse}/min is outside {low}-{p['max']}"
        return _fail(rs, "PULSE_OUT_OF_RANGE", why_zh, why_en, field="pulse", value=pulse, limit=f"{low}-{p['max']}")
    return _ok("PULSE_OK", f"脉搏{pulse}次/分", f"Pulse {pulse}/min", field="pulse", value=pulse,
               limit=f"{low}-{p['max']}")


def check_temperature(rs: RuleSet, temperature: float | None) -> Finding | None:
    if temperature is None:
        return None
    limit = rs.section("reasonableness")["temperature_max_c"]
    if temperature > limit:
        return _fail(rs, "TEMPERATURE_HIGH", f"体温{temperature:g}℃，高于{limit}℃", f"Temperature {temperature:g} °C is above {limit}",
                     field="temperature_c", value=temperature, limit=f"<={limit}")
    return _ok("TEMPERATURE_OK", f"体温{temperature:g}℃", f"Temperature {temperature:g} °C", field="temperature_c",
               value=temperature)


def check_hemoglobin(rs: RuleSet, sex: str, hb: float) -> Finding:
    h = rs.section("hemoglobin")
    minimum = h["male_min"] if sex == "male" else h["female_min"]
    if hb < minimum:
        return _fail(rs, "HB_LOW", f"血红蛋白{hb:g}g/L，低于{minimum}g/L", f"Haemoglobin {hb:g} g/L is below {minimum} g/L",
                     field="hb_g_l", value=hb, limit=f">={minimum}")
    return _ok("HB_OK", f"血红蛋白{hb:g}g/L", f"Haemoglobin {hb:g} g/L", field="hb_g_l", value=hb, limit=f">={minimum}")


def check_hematocrit(rs: RuleSet, hct: float) -> Finding:
    minimum = rs.section("hematocrit")["min"]
    if hct < minimum:
        return _fail(rs, "HCT_LOW", f"红细胞压积{hct:.2f}，低于{minimum}", f"Haematocrit {hct:.2f} is below {minimum}",
                     field="hct", value=hct, limit=f">={minimum}")
    return _ok("HCT_OK", f"红细胞压积{hct:.2f}", f"Haematocrit {hct:.2f}", field="hct", value=hct, limit=f">={minimum}")


def check_platelets(rs: RuleSet, plt: float) -> Finding:
    p = rs.section("platelets")
    limit = f"{p['min']}-<{p['below']}"
    if plt < p["min"]:
        return _fail(rs, "PLT_LOW", f"血小板计数{plt:g}×10⁹/L，低于{p['min']}", f"Platelet count {plt:g} x10^9/L is below {p['min']}",
                     field="plt_10e9_l", value=plt, limit=limit)
    if plt >= p["below"]:
        return _fail(rs, "PLT_HIGH", f"血小板计数{plt:g}×10⁹/L，应低于{p['below']}", f"Platelet count {plt:g} x10^9/L must be below {p['below']}",
                     field="plt_10e9_l", value=plt, limit=limit)
    return _ok("PLT_OK", f"血小板计数{plt:g}×10⁹/L", f"Platelet count {plt:g} x10^9/L", field="plt_10e9_l", value=plt,
               limit=limit)


@dataclass(frozen=True)
class PastDonation:
    donation_type: str
    donated_on: date
    volume_ml: float = 0.0
    had_reaction: bool = False


@dataclass(frozen=True)
class ActiveDeferral:
    kind: str
    reason_code: str
    reason: str
    until: date | None
    source: str = "local"


def check_deferrals(rs: RuleSet, deferrals: Iterable[ActiveDeferral], on: date) -> list[Finding]:
    out: list[Finding] = []
    for d in deferrals:
        if d.kind == "permanent":
            out.append(Finding(code="DEFERRAL_PERMANENT", status="fail", overridable=False, field="deferral",
                               message_zh=f"永久不宜献血：{d.reason}", message_en=f"Permanently deferred: {d.reason}",
                               value=d.reason_code))
        elif d.until is None or d.until > on:
            until = d.until.isoformat() if d.until else "?"
            out.append(_fail(rs, "DEFERRAL_TEMPORARY", f"暂缓献血至{until}：{d.reason}",
                             f"Deferred until {until}: {d.reason}", field="deferral", value=d.reason_code,
                             limit=until))
    return out


def _interval_after(rs: RuleSet, previous_type: str, target: str, previous: date) -> date:
    """The first date a donation of `target` type may follow one of `previous_type`."""
    i = rs.section("intervals")
    prev_apheresis = previous_type != "whole_blood"
    if target == "whole_blood":
        if prev_apheresis:
            return previous + timedelta(days=i["apheresis_to_whole_blood_days"])
        return add_months(previous, i["whole_blood_to_whole_blood_months"])
    if prev_apheresis:
        return previous + timedelta(days=i["apheresis_to_apheresis_days"])
    return add_months(previous, i["whole_blood_to_apheresis_months"])


def next_eligible_dates(rs: RuleSet, history: Sequence[PastDonation], on: date) -> dict[str, date]:
    """Per donation type, the first day on or after `on` the intervals and yearly limits allow."""
    out: dict[str, date] = {}
    i = rs.section("intervals")
    for target in ("apheresis_platelets", "apheresis_plasma", "whole_blood"):
        earliest = on
        for h in history:
            earliest = max(earliest, _interval_after(rs, h.donation_type, target, h.donated_on))
        if target != "whole_blood":
            per_year = sum(1 for h in history if h.donation_type != "whole_blood"
                           and h.donated_on.year == earliest.year)
            if per_year >= i["apheresis_max_per_year"]:
                earliest = max(earliest, date(earliest.year + 1, 1, 1))
        out[target] = earliest
    return out


def check_intervals(rs: RuleSet, history: Sequence[PastDonation], on: date, donation_type: str,
                    planned_volume_ml: float = 0.0) -> list[Finding]:
    """Intervals and yearly limits. Every interval is a hard stop (INTERVAL_TOO_SHORT), except apheresis platelets
    within 2 weeks but after the HLA-matched minimum (1 week): INTERVAL_HLA_APPROVAL, which only a physician's
    approval for HLA-matched need lifts (an override recorded under that code)."""
    i = rs.section("intervals")
    out: list[Finding] = []
    past = [h for h in history if h.donated_on <= on]
    hla_days = i.get("apheresis_to_apheresis_hla_matched_days")
    shortenable: list[Finding] = []
    for h in past:
        allowed = _interval_after(rs, h.donation_type, donation_type, h.donated_on)
        if on >= allowed:
            continue
        days = (on - h.donated_on).days
        when_zh = "今天" if days == 0 else f"{days}天前"
        when_en = "today" if days == 0 else f"{days} days ago"
        if (hla_days is not None and donation_type == h.donation_type == "apheresis_platelets"
                and days >= int(hla_days)):
            shortenable.append(_fail(
                rs, "INTERVAL_HLA_APPROVAL",
                f"距上次献血（{h.donated_on}，{_type_zh(h.donation_type)}）仅{days}天，{allowed}起方可献血；"
                f"仅HLA配型需要时经医生批准可缩短至{hla_days}天",
                f"Only {days} days since the last donation ({h.donated_on}, {_type_en(h.donation_type)}); next "
                f"eligible on {allowed}; only a physician's approval for HLA-matched need shortens it to {hla_days} days",
                field="interval", value=days, limit=allowed.isoformat()))
            continue
        out.append(_fail(rs, "INTERVAL_TOO_SHORT",
                         f"上次献血（{h.donated_on}，{_type_zh(h.donation_type)}）在{when_zh}，{allowed}起方可献血",
                         f"The last donation ({h.donated_on}, {_type_en(h.donation_type)}) was {when_en}; "
                         f"next eligible on {allowed}", field="interval", value=days, limit=allowed.isoformat()))
        break
    if not out and shortenable:
        out.append(shortenable[0])
    if donation_type != "whole_blood":
        count = sum(1 for h in past if h.donation_type != "whole_blood" and h.donated_on.year == on.year)
        if count + 1 > i["apheresis_max_per_year"]:
            out.append(_fail(rs, "ANNUAL_COUNT_EXCEEDED",
                             f"本年度已单采{count}次，每年不超过{i['apheresis_max_per_year']}次",
                             f"{count} apheresis donations this year; at most {i['apheresis_max_per_year']} a year",
                             field="annual_count", value=count + 1, limit=f"<={i['apheresis_max_per_year']}"))
    volume = sum(h.volume_ml for h in past if h.donation_type != "whole_blood" and h.donated_on.year == on.year)
    if volume + planned_volume_ml > i["annual_volume_max_ml"]:
        out.append(_fail(rs, "ANNUAL_VOLUME_EXCEEDED",
                         f"本年度单采总量{volume + planned_volume_ml:g}mL，超过{i['annual_volume_max_ml']}mL",
                         f"Apheresis volume this year {volume + planned_volume_ml:g} mL exceeds {i['annual_volume_max_ml']} mL",
                         field="annual_volume", value=volume + planned_volume_ml,
                         limit=f"<={i['annual_volume_max_ml']}"))
    return out


def _type_zh(t: str) -> str:
    return {"whole_blood": "全血", "apheresis_platelets": "单采血小板", "apheresis_plasma": "单采血浆"}.get(t, t)


def _type_en(t: str) -> str:
    return {"whole_blood": "whole blood", "apheresis_platelets": "apheresis platelets",
            "apheresis_plasma": "apheresis plasma"}.get(t, t)


INTERVAL_HARD_STOPS = frozenset({"INTERVAL_TOO_SHORT", "ANNUAL_COUNT_EXCEEDED"})


# --- reasonableness ----------------------------------------------------------------------------

REASONABLE_LABELS = {
    "weight_kg": ("体重", "weight", "kg"), "height_cm": ("身高", "height", "cm"),
    "systolic": ("收缩压", "systolic pressure", "mmHg"), "diastolic": ("舒张压", "diastolic pressure", "mmHg"),
    "pulse": ("脉搏", "pulse", "/min"), "temperature_c": ("体温", "temperature", "°C"),
    "hb_g_l": ("血红蛋白", "haemoglobin", "g/L"), "hct": ("红细胞压积", "haematocrit", ""),
    "plt_10e9_l": ("血小板计数", "platelet count", "x10^9/L"), "mpv_fl": ("平均血小板体积", "MPV", "fL"),
    "platelet_yield_e11": ("血小板产量", "platelet yield", "x10^11"), "run_minutes": ("采集时长", "run time", "min"),
}


def reasonableness_prompts(rs: RuleSet, values: dict[str, float | None]) -> list[dict[str, Any]]:
    """Values outside plausible ranges: each needs an explicit, recorded confirmation."""
    r = rs.section("reasonableness")
    prompts: list[dict[str, Any]] = []
    for key, value in values.items():
        if value is None:
            continue
        if key == "collected_volume_ml":
            limit = r["collected_volume_max_ml"]
            if value > limit:
                prompts.append({"code": "COLLECTED_VOLUME_HIGH", "field": key, "value": value,
                                "message_zh": f"采集量{value:g}mL超过{limit}mL，请确认",
                                "message_en": f"Collected volume {value:g} mL is above {limit} mL; confirm it"})
            continue
        bounds = r.get(key)
        if not bounds:
            continue
        low, high = bounds
        if not (low <= value <= high):
            zh, en, unit = REASONABLE_LABELS.get(key, (key, key, ""))
            prompts.append({"code": f"IMPLAUSIBLE_{key.upper()}", "field": key, "value": value,
                            "message_zh": f"{zh}{value:g}{unit}超出合理范围（{low}-{high}），请确认",
                            "message_en": f"{en} {value:g} {unit} is outside the plausible range {low}-{high}; confirm it"})
    return prompts


def field_status(rs: RuleSet, field_name: str, value: float, *, sex: str = "male", regular: bool = True,
                 athlete: bool = False, other: dict[str, float] | None = None) -> Finding:
    """Live validation of one entry field: green (pass), amber (needs confirmation) or red (fails)."""
    prompts = reasonableness_prompts(rs, {field_name: value})
    if prompts:
        p = prompts[0]
        return Finding(code=p["code"], status="warn", message_zh=p["message_zh"], message_en=p["message_en"],
                       field=field_name, value=value)
    other = other or {}
    if field_name == "weight_kg":
        return check_weight(rs, sex, value)
    if field_name == "systolic":
        return check_blood_pressure(rs, int(value), int(other.get("diastolic", 70)))[0]
    if field_name == "diastolic":
        return check_blood_pressure(rs, int(other.get("systolic", 120)), int(value))[1]
    if field_name == "pulse":
        return check_pulse(rs, int(value), regular=regular, athlete=athlete)
    if field_name == "temperature_c":
        f = check_temperature(rs, value)
        assert f is not None
        return f
    if field_name == "hb_g_l":
        return check_hemoglobin(rs, sex, value)
    if field_name == "hct":
        return check_hematocrit(rs, value)
    if field_name == "plt_10e9_l":
        return check_platelets(rs, value)
    return _ok("OK", "", "", field=field_name, value=value)
