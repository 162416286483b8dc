"""Eligibility through the services: decisions, deferrals, overrides and confirmations as they are recorded."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from station.errors import ConfirmationRequired, HardStop, PermissionDenied, ValidationError
from station.models import (
    AuditEntry,
    Collection,
    Deferral,
    EligibilityDecision,
    EligibilityOverride,
    Examination,
)
from station.services import donations as dn
from station.services import donors as dr
from station.workflow import State
from tests.station.flow import (
    GOOD_COLLECTION,
    POST_OK,
    db_snapshot,
    drive,
    exam,
    healthy_answers,
    new_donation,
    new_donor,
    precheck_input,
    pretest,
    state_of,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def _to_pretested(ctx, staff, *, sex="male", age=30, exam_in=None, pretest_in=None, history=(), deferral=None):
    donor_id, _ = new_donor(ctx, staff.registrar, sex=sex, age=age)
    if history:
        dr.import_history(ctx, staff.registrar, donor_id, list(history))
    if deferral:
        dr.record_deferral(ctx, staff.physician, donor_id, **deferral)
    did = dn.register_donation(ctx, staff.registrar, donor_id)["donation_id"]
    dn.sign_questionnaire(ctx, staff.registrar, did, healthy_answers(ctx, sex))
    dn.record_examination(ctx, staff.physician, did, exam_in or exam())
    dn.record_pretest(ctx, staff.physician, did, pretest_in or pretest())
    return did


def _codes(result) -> list[str]:
    return [r["code"] for r in result["reasons"]]


@pytest.mark.parametrize("sex,hb,eligible", [("female", 115, True), ("female", 114, False),
                                             ("male", 120, True), ("male", 119, False)])
def test_hemoglobin_decision(ctx, staff, sex, hb, eligible) -> None:
    did = _to_pretested(ctx, staff, sex=sex, pretest_in=pretest(hb_g_l=float(hb)))
    out = dn.assess(ctx, staff.physician, did)
    assert out["ruleset"] == "GB18467-2011 v1"
    if eligible:
        assert (out["result"], out["state"], out["reasons"]) == ("eligible", "assessed", [])
        assert out["deferral_id"] is None
    else:
        assert (out["result"], out["state"], _codes(out)) == ("deferred", "deferred", ["HB_LOW"])
        reason = out["reasons"][0]
        assert CJK.search(reason["message_zh"]) and f"{hb} g/L" in reason["message_en"]
        with ctx.transaction() as s:
            d = s.get(Deferral, out["deferral_id"])
            assert (d.kind, d.reason_code, d.until) == ("temporary", "HB_LOW", ctx.today() + timedelta(days=14))
            dec = s.get(EligibilityDecision, out["decision_id"])
            assert (dec.ruleset_name, dec.ruleset_version, dec.result) == ("GB18467-2011", "1", "deferred")


@pytest.mark.parametrize("days,eligible", [(14, True), (13, False), (7, False)])
def test_interval_after_imported_apheresis(ctx, staff, days, eligible) -> None:
    past = ctx.today() - timedelta(days=days)
    did = _to_pretested(ctx, staff, history=[{"donation_type": "apheresis_platelets", "donated_on": past.isoformat(),
                                             "volume_ml": 250, "place": "另一采血点"}])
    out = dn.assess(ctx, staff.physician, did)
    assert out["result"] == ("eligible" if eligible else "deferred")
    if not eligible:
        # within 2 weeks but after 1: only the physician's approval for HLA-matched need lifts it
        assert _codes(out) == ["INTERVAL_HLA_APPROVAL"]
        assert out["reasons"][0]["overridable"] is True
        assert "HLA" in out["reasons"][0]["message_zh"] and "HLA-matched" in out["reasons"][0]["message_en"]
        assert out["deferral_id"] is None  # deferral_days 0: not eligible today, no deferral record


@pytest.mark.parametrize("days", [0, 3, 6])
def test_interval_under_a_week_refused_at_registration(ctx, staff, days) -> None:
    """GB 18467's interval is a hard stop: a donor who donated today (or within a week) is not registered."""
    donor_id, _ = new_donor(ctx, staff.registrar)
    past = ctx.today() - timedelta(days=days)
    dr.import_history(ctx, staff.registrar, donor_id, [{"donation_type": "apheresis_platelets",
                                                        "donated_on": past.isoformat(), "volume_ml": 250}])
    before = db_snapshot(ctx)
    with pytest.raises(HardStop) as e:
        dn.register_donation(ctx, staff.registrar, donor_id)
    assert e.value.code == "DONATION_INTERVAL" and e.value.details["codes"] == ["INTERVAL_TOO_SHORT"]
    nxt = (past + timedelta(days=14)).isoformat()
    assert e.value.details["next_eligible"] == nxt
    assert CJK.search(e.value.message_zh) and nxt in e.value.message_zh and nxt in e.value.message_en
    if days == 0:
        assert "今天" in e.value.message_zh and "today" in e.value.message_en
    assert db_snapshot(ctx) == before


def test_same_day_repeat_refused_after_a_collection(ctx, staff) -> None:
    """A donor whose collection finished this morning cannot be registered again the same day."""
    did = new_donation(ctx, staff)
    drive(ctx, staff, did, State.SEALED)
    with ctx.transaction() as s:
        from station.models import Donation

        donor_id = s.get(Donation, did).donor_id
    with pytest.raises(HardStop) as e:
        dn.register_donation(ctx, staff.registrar, donor_id)
    assert e.value.code == "DONATION_INTERVAL" and "今天" in e.value.message_zh


def test_interval_hla_approval_is_recorded_as_such(ctx, staff) -> None:
    past = ctx.today() - timedelta(days=8)
    did = _to_pretested(ctx, staff, history=[{"donation_type": "apheresis_platelets", "donated_on": past.isoformat(),
                                             "volume_ml": 250}])
    out = dn.assess(ctx, staff.physician, did, overrides=(dn.OverrideInput(
        "INTERVAL_HLA_APPROVAL", "HLA配型患者急需", signature=b"sig", signature_kind="png"),))
    assert out["result"] == "eligible"
    with ctx.transaction() as s:
        o = s.execute(select(EligibilityOverride)).scalar_one()
        assert (o.code, o.reason) == ("INTERVAL_HLA_APPROVAL", "HLA配型患者急需")


def test_interval_too_short_is_not_overridable(ctx, staff) -> None:
    """A short interval that reaches assessment (history from the regional platform) is a hard stop there too."""
    did = _to_pretested(ctx, staff)
    past = ctx.today() - timedelta(days=2)
    with ctx.transaction() as s:
        from station.models import Donation, DonationHistory

        s.add(DonationHistory(donor_id=s.get(Donation, did).donor_id, donation_type="apheresis_platelets",
                              donated_on=past, volume_ml=250, place="other", source="regional"))
    with pytest.raises(HardStop) as e:
        dn.assess(ctx, staff.physician, did, overrides=(dn.OverrideInput(
            "INTERVAL_TOO_SHORT", "医生认为可以献血", signature=b"sig", signature_kind="png"),))
    assert e.value.details["codes"] == ["INTERVAL_TOO_SHORT"]
    out = dn.assess(ctx, staff.physician, did)
    assert (out["result"], _codes(out), out["reasons"][0]["overridable"]) == ("deferred", ["INTERVAL_TOO_SHORT"], False)


@pytest.mark.parametrize("prior,eligible", [(23, True), (24, False)])
def test_annual_count_through_services(ctx, staff, clock, prior, eligible) -> None:
    clock.set_date(date(2026, 12, 28))
    start = date(2026, 1, 5)
    history = [{"donation_type": "apheresis_platelets", "donated_on": (start + timedelta(days=14 * i)).isoformat(),
                "volume_ml": 250, "place": f"采血点{i}"} for i in range(prior)]
    if not eligible:
        # the yearly limit is a hard stop: refused at registration already
        with pytest.raises(HardStop) as e:
            _to_pretested(ctx, staff, history=history)
        assert e.value.details["codes"] == ["ANNUAL_COUNT_EXCEEDED"]
        return
    did = _to_pretested(ctx, staff, history=history)
    assert dn.assess(ctx, staff.physician, did)["result"] == "eligible"


def test_whole_blood_then_apheresis_three_months(ctx, staff) -> None:
    today = ctx.today()  # 2026-05-12
    assert today == date(2026, 5, 12)
    with pytest.raises(HardStop) as e:
        _to_pretested(ctx, staff, history=[{"donation_type": "whole_blood", "donated_on": "2026-02-13",
                                            "volume_ml": 400}])
    assert e.value.details["codes"] == ["INTERVAL_TOO_SHORT"] and e.value.details["next_eligible"] == "2026-05-13"
    did = _to_pretested(ctx, staff, history=[{"donation_type": "whole_blood", "donated_on": "2026-02-12",
                                             "volume_ml": 400}])
    assert dn.assess(ctx, staff.physician, did)["result"] == "eligible"


def test_next_eligible_after_apheresis_counts_four_weeks_for_whole_blood(ctx, staff) -> None:
    donor_id, _ = new_donor(ctx, staff.registrar)
    past = ctx.today() - timedelta(days=3)
    dr.import_history(ctx, staff.registrar, donor_id, [{"donation_type": "apheresis_platelets",
                                                        "donated_on": past.isoformat(), "volume_ml": 250}])
    summary = dr.donor_summary(ctx, staff.registrar, donor_id)
    assert summary["next_eligible"]["apheresis_platelets"] == (past + timedelta(days=14)).isoformat()
    assert summary["next_eligible"]["whole_blood"] == (past + timedelta(days=28)).isoformat()


# --- permanent deferral: a hard stop ---------------------------------------------------------------

PERMANENT = {"kind": "permanent", "reason_code": "HBV_POSITIVE", "reason": "乙肝表面抗原阳性", "source": "regional"}


def test_permanent_deferral_defers_and_cannot_be_overridden(ctx, staff) -> None:
    did = _to_pretested(ctx, staff, deferral=PERMANENT)
    before = db_snapshot(ctx)
    with pytest.raises(HardStop) as e:
        dn.assess(ctx, staff.physician, did, overrides=(dn.OverrideInput(
            "DEFERRAL_PERMANENT", "医生认为可以献血", signature=b"sig", signature_kind="png"),))
    assert e.value.code == "NOT_OVERRIDABLE" and e.value.details["codes"] == ["DEFERRAL_PERMANENT"]
    assert CJK.search(e.value.message_zh) and "cannot be overridden" in e.value.message_en
    assert db_snapshot(ctx) == before
    out = dn.assess(ctx, staff.physician, did)
    assert (out["result"], _codes(out)) == ("deferred", ["DEFERRAL_PERMANENT"])
    assert out["reasons"][0]["overridable"] is False
    assert out["deferral_id"] is None  # the permanent deferral stands; no temporary one is added
    summary = dr.donor_summary(ctx, staff.registrar, dr.find_donor(ctx, staff.registrar, _donor_number(ctx, did))
                               ["donor_id"])
    assert summary["permanently_deferred"] and set(summary["next_eligible"].values()) == {None}


def _donor_number(ctx, did: int) -> str:
    with ctx.transaction() as s:
        from station.models import Donation

        d = s.get(Donation, did)
        return ctx.pii.decrypt(d.donor.id_number_cipher, "id_number")


def test_permanent_deferral_cannot_be_lifted(ctx, staff) -> None:
    donor_id, _ = new_donor(ctx, staff.registrar)
    deferral_id = dr.record_deferral(ctx, staff.physician, donor_id, **PERMANENT)
    with pytest.raises(ValidationError) as e:
        dr.lift_deferral(ctx, staff.physician, deferral_id, "误录")
    assert e.value.code == "PERMANENT_DEFERRAL"


def test_non_overridable_failure_refused(ctx, staff) -> None:
    did = _to_pretested(ctx, staff, pretest_in=pretest(hb_g_l=100.0))
    before = db_snapshot(ctx)
    with pytest.raises(HardStop) as e:
        dn.assess(ctx, staff.physician, did, overrides=(dn.OverrideInput("HB_LOW", "医生判断可以", b"sig", "png"),))
    assert e.value.details["codes"] == ["HB_LOW"]
    assert db_snapshot(ctx) == before


# --- physician override --------------------------------------------------------------------------

def test_override_records_reason_identity_and_time(ctx, staff, clock) -> None:
    did = _to_pretested(ctx, staff, sex="female", exam_in=exam(weight_kg=44.5))
    preview = dn.preview_assessment(ctx, staff.physician, did)
    assert [f["code"] for f in preview["failed"]] == ["WEIGHT_LOW"]
    clock.advance(minutes=5)
    reason = "体重接近下限，既往献血无不良反应，医生评估后同意"
    out = dn.assess(ctx, staff.physician, did, overrides=(dn.OverrideInput("WEIGHT_LOW", reason, b"\x89PNG-sig", "png"),))
    assert (out["result"], out["state"], out["reasons"]) == ("eligible", "assessed", [])
    with ctx.transaction() as s:
        (o,) = s.execute(select(EligibilityOverride)).scalars().all()
        assert (o.code, o.reason, o.physician_id, o.at) == ("WEIGHT_LOW", reason, staff.physician.user_id, clock())
        assert o.signature == b"\x89PNG-sig"
        dec = s.get(EligibilityDecision, out["decision_id"])
        (weight,) = [f for f in dec.findings if f["code"] == "WEIGHT_LOW"]
        assert weight["overridden"] is True and weight["status"] == "fail"
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "eligibility.decide",
                                                   AuditEntry.donation_id == did)).scalar_one()
        assert entry.actor_id == staff.physician.user_id and entry.after["overridden"] == ["WEIGHT_LOW"]
        assert entry.at == clock()


def test_override_needs_physician_reason_and_signature(ctx, staff) -> None:
    did = _to_pretested(ctx, staff, sex="female", exam_in=exam(weight_kg=44.5))
    before = db_snapshot(ctx)
    with pytest.raises(PermissionDenied):
        dn.assess(ctx, staff.nurse, did, overrides=(dn.OverrideInput("WEIGHT_LOW", "护士认为可以", b"s", "png"),))
    with pytest.raises(ValidationError) as e:
        dn.assess(ctx, staff.physician, did, overrides=(dn.OverrideInput("WEIGHT_LOW", "ok", b"s", "png"),))
    assert e.value.code == "REQUIRED"
    with pytest.raises(ValidationError) as e:
        dn.assess(ctx, staff.physician, did, overrides=(dn.OverrideInput("WEIGHT_LOW", "医生评估后同意献血"),))
    assert e.value.code == "OVERRIDE_SIGNATURE_REQUIRED"
    with pytest.raises(ValidationError) as e:
        dn.assess(ctx, staff.physician, did, overrides=(dn.OverrideInput("HB_LOW", "医生评估后同意献血", b"s", "png"),))
    assert e.value.code == "OVERRIDE_UNKNOWN"
    assert db_snapshot(ctx) == before
    assert state_of(ctx, did) == "pretested"


# --- reasonableness: explicit confirmation, recorded ----------------------------------------------

def test_implausible_exam_value_needs_confirmation(ctx, staff) -> None:
    donor_id, _ = new_donor(ctx, staff.registrar)
    did = dn.register_donation(ctx, staff.registrar, donor_id)["donation_id"]
    dn.sign_questionnaire(ctx, staff.registrar, did, healthy_answers(ctx, "male"))
    before = db_snapshot(ctx)
    with pytest.raises(ConfirmationRequired) as e:
        dn.record_examination(ctx, staff.physician, did, exam(weight_kg=205.0))
    (prompt,) = e.value.prompts
    assert prompt["code"] == "IMPLAUSIBLE_WEIGHT_KG" and CJK.search(prompt["message_zh"])
    assert db_snapshot(ctx) == before
    out = dn.record_examination(ctx, staff.physician, did, exam(weight_kg=205.0),
                                confirmations=frozenset({"IMPLAUSIBLE_WEIGHT_KG"}))
    assert out["state"] == "examined"
    with ctx.transaction() as s:
        row = s.execute(select(Examination).where(Examination.donation_id == did)).scalar_one()
        assert [c["code"] for c in row.confirmations] == ["IMPLAUSIBLE_WEIGHT_KG"]


def test_collected_volume_above_550_needs_confirmation(ctx, staff) -> None:
    donor_id, _ = new_donor(ctx, staff.registrar)
    did = dn.register_donation(ctx, staff.registrar, donor_id)["donation_id"]
    drive(ctx, staff, did, State.COLLECTING)
    big = dn.CollectionResult(**{**GOOD_COLLECTION.__dict__, "platelet_volume_ml": 360, "plasma_volume_ml": 200})
    before = db_snapshot(ctx)
    with pytest.raises(ConfirmationRequired) as e:
        dn.finish_collection(ctx, staff.nurse, did, big)
    assert [p["code"] for p in e.value.prompts] == ["COLLECTED_VOLUME_HIGH"]
    assert db_snapshot(ctx) == before
    dn.finish_collection(ctx, staff.nurse, did, big, confirmations=frozenset({"COLLECTED_VOLUME_HIGH"}))
    with ctx.transaction() as s:
        c = s.execute(select(Collection).where(Collection.donation_id == did)).scalar_one()
        assert [p["code"] for p in c.confirmations] == ["COLLECTED_VOLUME_HIGH"]
    dn.postcollection_check(ctx, staff.nurse, did, POST_OK)


def test_every_deferral_reason_is_bilingual(ctx, staff) -> None:
    did = _to_pretested(ctx, staff, sex="female",
                        exam_in=exam(weight_kg=44.0, systolic=150, diastolic=95, pulse=110, temperature_c=37.8),
                        pretest_in=pretest(hb_g_l=110.0, hct=0.33, plt_10e9_l=140.0))
    out = dn.assess(ctx, staff.physician, did)
    codes = _codes(out)
    assert {"WEIGHT_LOW", "BP_HIGH", "PULSE_OUT_OF_RANGE", "TEMPERATURE_HIGH", "HB_LOW", "HCT_LOW",
            "PLT_LOW"} <= set(codes)
    for r in out["reasons"]:
        assert re.fullmatch(r"[A-Z_]+", r["code"])
        assert CJK.search(r["message_zh"]) and r["message_en"] and not CJK.search(r["message_en"])


def test_precollection_check_after_eligible(ctx, staff) -> None:
    """An eligible donor goes on: the label and the pre-collection check use the donation's DIN."""
    did = _to_pretested(ctx, staff)
    assert dn.assess(ctx, staff.physician, did)["result"] == "eligible"
    label = dn.print_label(ctx, staff.nurse, did)
    out = dn.precollection_check(ctx, staff.nurse, did, precheck_input(label["din"]))
    assert out["passed"] and out["state"] == "precollection_checked"
