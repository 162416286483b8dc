"""The eligibility checks at and just past every limit of the GB18467-2011 rule set (limits read from its TOML)."""
from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.rules import engine as rules
from station.rules.engine import PastDonation

TOML = tomllib.loads((rules.RULES_DIR / "GB18467-2011.toml").read_text(encoding="utf-8"))
ON = date(2026, 5, 12)
RS = rules.ruleset_for(ON)
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_ruleset_in_force_is_the_toml() -> None:
    assert (RS.name, RS.version, RS.effective_from) == ("GB18467-2011", "1", date(2012, 7, 1))
    assert RS.label == "GB18467-2011 v1"
    assert RS.section("hemoglobin") == TOML["hemoglobin"]
    with pytest.raises(rules.ValidationError) as e:
        rules.ruleset_for(date(2012, 6, 30))
    assert e.value.code == "NO_RULESET"


def _assert_messages(f: rules.Finding) -> None:
    assert re.fullmatch(r"[A-Z][A-Z_]+", f.code), f.code
    assert CJK.search(f.message_zh), f.message_zh
    assert f.message_en and not CJK.search(f.message_en), f.message_en
    assert f.message_zh != f.message_en


def passes(f: rules.Finding) -> bool:
    return f.status == "pass"


def fails(f: rules.Finding, code: str) -> bool:
    if f.status != "fail":
        return False
    assert f.code == code
    _assert_messages(f)
    return True


# --- haemoglobin: women 115 g/L, men 120 g/L ---------------------------------------------------

def test_hemoglobin_limits_are_the_standard() -> None:
    assert TOML["hemoglobin"] == {"male_min": 120, "female_min": 115}


@pytest.mark.parametrize("sex,key", [("female", "female_min"), ("male", "male_min")])
def test_hemoglobin_boundary(sex: str, key: str) -> None:
    limit = TOML["hemoglobin"][key]
    assert passes(rules.check_hemoglobin(RS, sex, float(limit)))
    assert fails(rules.check_hemoglobin(RS, sex, float(limit - 1)), "HB_LOW")
    assert fails(rules.check_hemoglobin(RS, sex, limit - 0.1), "HB_LOW")


def test_woman_115_passes_114_fails() -> None:
    assert passes(rules.check_hemoglobin(RS, "female", 115))
    assert fails(rules.check_hemoglobin(RS, "female", 114), "HB_LOW")
    assert fails(rules.check_hemoglobin(RS, "male", 119), "HB_LOW")
    assert passes(rules.check_hemoglobin(RS, "male", 120))


# --- weight ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sex,key", [("female", "female_min_kg"), ("male", "male_min_kg")])
def test_weight_boundary(sex: str, key: str) -> None:
    limit = TOML["weight"][key]
    assert passes(rules.check_weight(RS, sex, float(limit)))
    f = rules.check_weight(RS, sex, limit - 0.1)
    assert fails(f, "WEIGHT_LOW")
    assert f.overridable and f.deferral_days == TOML["deferral_days"]["WEIGHT_LOW"]


# --- blood pressure ----------------------------------------------------------------------------

BP = TOML["blood_pressure"]


def _bp_codes(systolic: int, diastolic: int) -> list[str]:
    out = rules.check_blood_pressure(RS, systolic, diastolic)
    for f in out:
        if f.status == "fail":
            _assert_messages(f)
    return [f.code for f in out if f.status == "fail"]


def _systolic(systolic: int, diastolic: int) -> rules.Finding:
    return rules.check_blood_pressure(RS, systolic, diastolic)[0]


def test_systolic_boundaries() -> None:
    low = BP["systolic_min"]
    assert _bp_codes(low, low - BP["pulse_pressure_min"]) == []
    # below the systolic minimum no diastolic fits both limits: check the systolic finding itself
    assert passes(_systolic(low, 55)) and fails(_systolic(low - 1, 55), "BP_LOW")
    assert _systolic(low - 1, 55).field == "systolic"
    assert _bp_codes(BP["systolic_below"] - 1, 80) == []
    assert _bp_codes(BP["systolic_below"], 80) == ["BP_HIGH"]


def test_diastolic_boundaries() -> None:
    assert _bp_codes(120, BP["diastolic_min"]) == []
    assert _bp_codes(120, BP["diastolic_min"] - 1) == ["BP_LOW"]
    assert _bp_codes(125, BP["diastolic_below"] - 1) == []
    assert _bp_codes(125, BP["diastolic_below"]) == ["BP_HIGH"]


def test_pulse_pressure_boundary() -> None:
    pp = BP["pulse_pressure_min"]
    assert _bp_codes(100, 100 - pp) == []
    assert _bp_codes(100, 100 - pp + 1) == ["PULSE_PRESSURE_LOW"]


# --- pulse -------------------------------------------------------------------------------------

def test_pulse_boundaries() -> None:
    p = TOML["pulse"]
    assert passes(rules.check_pulse(RS, p["min"]))
    assert fails(rules.check_pulse(RS, p["min"] - 1), "PULSE_OUT_OF_RANGE")
    assert passes(rules.check_pulse(RS, p["max"]))
    assert fails(rules.check_pulse(RS, p["max"] + 1), "PULSE_OUT_OF_RANGE")
    assert passes(rules.check_pulse(RS, p["athlete_min"], athlete=True))
    assert fails(rules.check_pulse(RS, p["athlete_min"] - 1, athlete=True), "PULSE_OUT_OF_RANGE")
    assert fails(rules.check_pulse(RS, 72, regular=False), "PULSE_OUT_OF_RANGE")


# --- temperature, HCT, PLT ---------------------------------------------------------------------

def test_temperature_boundary() -> None:
    limit = TOML["reasonableness"]["temperature_max_c"]
    assert passes(rules.check_temperature(RS, limit))
    assert fails(rules.check_temperature(RS, round(limit + 0.1, 1)), "TEMPERATURE_HIGH")
    assert rules.check_temperature(RS, None) is None


def test_hematocrit_boundary() -> None:
    limit = TOML["hematocrit"]["min"]
    assert passes(rules.check_hematocrit(RS, limit))
    assert fails(rules.check_hematocrit(RS, round(limit - 0.01, 2)), "HCT_LOW")


def test_platelet_boundaries() -> None:
    p = TOML["platelets"]
    assert passes(rules.check_platelets(RS, p["min"]))
    assert fails(rules.check_platelets(RS, p["min"] - 1), "PLT_LOW")
    assert passes(rules.check_platelets(RS, p["below"] - 1))
    assert fails(rules.check_platelets(RS, p["below"]), "PLT_HIGH")


# --- age ---------------------------------------------------------------------------------------

def test_age_boundaries() -> None:
    a = TOML["age"]
    born = date(1990, 6, 15)
    on_birthday = date(born.year + a["min"], 6, 15)
    assert passes(rules.check_age(RS, born, on_birthday, repeat_donor=False, past_reaction=False))
    assert fails(rules.check_age(RS, born, on_birthday - timedelta(days=1), repeat_donor=False, past_reaction=False),
                 "AGE_OUT_OF_RANGE")
    last_day = date(born.year + a["max"] + 1, 6, 14)
    assert passes(rules.check_age(RS, born, last_day, repeat_donor=False, past_reaction=False))
    assert fails(rules.check_age(RS, born, last_day + timedelta(days=1), repeat_donor=False, past_reaction=False),
                 "AGE_OUT_OF_RANGE")
    # repeat donors without past reactions up to max_repeat_no_reaction
    older = date(born.year + a["max_repeat_no_reaction"], 6, 15)
    assert passes(rules.check_age(RS, born, older, repeat_donor=True, past_reaction=False))
    assert fails(rules.check_age(RS, born, older, repeat_donor=True, past_reaction=True), "AGE_OUT_OF_RANGE")
    assert fails(rules.check_age(RS, born, date(older.year + 1, 6, 15), repeat_donor=True, past_reaction=False),
                 "AGE_OUT_OF_RANGE")


# --- intervals ---------------------------------------------------------------------------------

IV = TOML["intervals"]


def _interval_codes(history: list[PastDonation], on: date, target: str = "apheresis_platelets") -> list[str]:
    out = rules.check_intervals(RS, history, on, target)
    for f in out:
        _assert_messages(f)
    return [f.code for f in out]


def test_interval_values_are_the_standard() -> None:
    assert IV["apheresis_to_apheresis_days"] == 14
    assert IV["apheresis_max_per_year"] == 24
    assert IV["whole_blood_to_apheresis_months"] == 3
    assert IV["apheresis_to_whole_blood_days"] == 28


def test_apheresis_to_apheresis_14_days_passes_13_fails() -> None:
    prev = [PastDonation("apheresis_platelets", ON - timedelta(days=14), 250)]
    assert _interval_codes(prev, ON) == []
    prev = [PastDonation("apheresis_platelets", ON - timedelta(days=13), 250)]
    assert _interval_codes(prev, ON) == ["INTERVAL_HLA_APPROVAL"]  # only a physician's HLA-matched approval
    # plasma counts as apheresis too, and has no HLA-matched shortening
    prev = [PastDonation("apheresis_plasma", ON - timedelta(days=13), 400)]
    assert _interval_codes(prev, ON) == ["INTERVAL_TOO_SHORT"]


def _year_of_apheresis(n: int, year: int = 2026) -> list[PastDonation]:
    start = date(year, 1, 5)
    return [PastDonation("apheresis_platelets", start + timedelta(days=14 * i), 250) for i in range(n)]


def test_24th_apheresis_of_the_year_passes_25th_refused() -> None:
    on = date(2026, 12, 28)
    assert _interval_codes(_year_of_apheresis(23), on) == []
    assert _interval_codes(_year_of_apheresis(24), on) == ["ANNUAL_COUNT_EXCEEDED"]
    # the count is per calendar year: on 2 January the next year, the 24 no longer count
    assert _interval_codes(_year_of_apheresis(24), date(2027, 1, 2)) == []


def test_whole_blood_to_apheresis_three_calendar_months() -> None:
    wb = [PastDonation("whole_blood", date(2026, 3, 15), 400)]
    assert _interval_codes(wb, date(2026, 6, 14)) == ["INTERVAL_TOO_SHORT"]
    assert _interval_codes(wb, date(2026, 6, 15)) == []
    # calendar months, not 90 days: 30 November + 3 months is the last day of February
    wb = [PastDonation("whole_blood", date(2025, 11, 30), 400)]
    assert _interval_codes(wb, date(2026, 2, 27)) == ["INTERVAL_TOO_SHORT"]
    assert _interval_codes(wb, date(2026, 2, 28)) == []
    assert (date(2026, 2, 28) - date(2025, 11, 30)).days == 90
    wb = [PastDonation("whole_blood", date(2026, 1, 31), 400)]
    assert _interval_codes(wb, date(2026, 4, 29)) == ["INTERVAL_TOO_SHORT"]  # 88 days
    assert _interval_codes(wb, date(2026, 4, 30)) == []


def test_apheresis_to_whole_blood_four_weeks() -> None:
    prev = [PastDonation("apheresis_platelets", ON - timedelta(days=28), 250)]
    assert _interval_codes(prev, ON, "whole_blood") == []
    prev = [PastDonation("apheresis_platelets", ON - timedelta(days=27), 250)]
    assert _interval_codes(prev, ON, "whole_blood") == ["INTERVAL_TOO_SHORT"]


def test_interval_failure_is_a_hard_stop_and_names_the_next_date() -> None:
    prev = [PastDonation("apheresis_platelets", ON - timedelta(days=5), 250)]
    (f,) = rules.check_intervals(RS, prev, ON, "apheresis_platelets")
    assert f.code == "INTERVAL_TOO_SHORT" and not f.overridable
    assert f.limit == (ON + timedelta(days=9)).isoformat()
    assert (ON + timedelta(days=9)).isoformat() in f.message_en


@pytest.mark.parametrize("days,code", [(0, "INTERVAL_TOO_SHORT"), (6, "INTERVAL_TOO_SHORT"),
                                       (7, "INTERVAL_HLA_APPROVAL"), (13, "INTERVAL_HLA_APPROVAL")])
def test_only_the_hla_matched_week_is_approvable(days, code) -> None:
    prev = [PastDonation("apheresis_platelets", ON - timedelta(days=days), 250)]
    (f,) = rules.check_intervals(RS, prev, ON, "apheresis_platelets")
    assert f.code == code and f.overridable == (code == "INTERVAL_HLA_APPROVAL")
    # plasma and whole blood targets have no HLA shortening
    (g,) = rules.check_intervals(RS, prev, ON, "whole_blood")
    assert g.code == "INTERVAL_TOO_SHORT" and not g.overridable


def test_annual_volume_limit() -> None:
    limit = IV["annual_volume_max_ml"]
    hist = [PastDonation("apheresis_plasma", date(2026, 1, 5) + timedelta(days=14 * i), 600) for i in range(16)]
    used = sum(h.volume_ml for h in hist)
    on = date(2026, 12, 1)
    ok = rules.check_intervals(RS, hist, on, "apheresis_platelets", planned_volume_ml=limit - used)
    assert [f.code for f in ok] == []
    over = rules.check_intervals(RS, hist, on, "apheresis_platelets", planned_volume_ml=limit - used + 1)
    assert [f.code for f in over] == ["ANNUAL_VOLUME_EXCEEDED"]


# next_eligible_dates agrees with check_intervals: the date it gives passes, the day before fails
_types = st.sampled_from(["apheresis_platelets", "apheresis_plasma", "whole_blood"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_types, st.integers(min_value=0, max_value=500)), max_size=30),
       st.sampled_from(["apheresis_platelets", "whole_blood"]))
def test_next_eligible_date_is_the_first_allowed_day(entries: list[tuple[str, int]], target: str) -> None:
    on = date(2026, 12, 20)
    history = [PastDonation(t, on - timedelta(days=d), 0.0) for t, d in entries]
    nxt = rules.next_eligible_dates(RS, history, on)[target]
    assert nxt >= on
    assert rules.check_intervals(RS, history, nxt, target) == []
    if nxt > on:
        assert rules.check_intervals(RS, history, nxt - timedelta(days=1), target) != []


# --- deferrals and overridability --------------------------------------------------------------

def test_permanent_deferral_is_never_overridable() -> None:
    # the reason is the recording user's free text, given here in English so both messages can be checked
    (f,) = rules.check_deferrals(RS, [rules.ActiveDeferral("permanent", "HBV", "HBsAg positive", None)], ON)
    assert f.code == "DEFERRAL_PERMANENT" and f.status == "fail" and not f.overridable
    _assert_messages(f)
    # even a rule set that lists it as overridable cannot make it so
    data = {**RS.data, "overridable": {"codes": [*RS.data["overridable"]["codes"], "DEFERRAL_PERMANENT"]}}
    loose = rules.RuleSet(RS.name, "test", RS.effective_from, data)
    assert not loose.overridable("DEFERRAL_PERMANENT")
    assert loose.overridable("WEIGHT_LOW")


def test_temporary_deferral_until_date() -> None:
    d = rules.ActiveDeferral("temporary", "HB_LOW", "血红蛋白低", ON + timedelta(days=1))
    (f,) = rules.check_deferrals(RS, [d], ON)
    assert f.code == "DEFERRAL_TEMPORARY" and f.overridable
    assert rules.check_deferrals(RS, [d], ON + timedelta(days=1)) == []


def test_overridable_codes_come_from_the_toml() -> None:
    for code in TOML["overridable"]["codes"]:
        assert RS.overridable(code)
    for code in ("HB_LOW", "HCT_LOW", "PLT_LOW", "PLT_HIGH", "BP_HIGH", "AGE_OUT_OF_RANGE", "ANNUAL_COUNT_EXCEEDED"):
        assert not RS.overridable(code)


# --- reasonableness prompts --------------------------------------------------------------------

def test_collected_volume_prompt_above_550() -> None:
    assert rules.reasonableness_prompts(RS, {"collected_volume_ml": 550}) == []
    (p,) = rules.reasonableness_prompts(RS, {"collected_volume_ml": 551})
    assert p["code"] == "COLLECTED_VOLUME_HIGH"
    assert CJK.search(p["message_zh"]) and "551" in p["message_en"]


@pytest.mark.parametrize("key", ["weight_kg", "systolic", "diastolic", "pulse", "temperature_c", "hb_g_l", "hct",
                                 "plt_10e9_l"])
def test_implausible_values_prompt_at_the_bounds(key: str) -> None:
    low, high = TOML["reasonableness"][key]
    step = 0.01 if isinstance(low, float) and low < 1 else (0.1 if isinstance(low, float) else 1)
    assert rules.reasonableness_prompts(RS, {key: low}) == []
    assert rules.reasonableness_prompts(RS, {key: high}) == []
    for v in (low - step, high + step):
        (p,) = rules.reasonableness_prompts(RS, {key: v})
        assert p["code"] == f"IMPLAUSIBLE_{key.upper()}"
        assert CJK.search(p["message_zh"]) and p["message_en"]
