"""The regional platform check against the loopback simulator: slow, failing, garbage, a deferral, the upload queue."""
from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import select

from station.errors import HardStop, PermissionDenied, ValidationError
from station.models import Deferral, DonationHistory, RegionalCheck
from station.platforms.regional import HttpRegionalPlatform, RegionalUnavailable, parse_record
from station.platforms.regional_sim import RegionalSimulator
from station.services import donations as dn
from station.services import donors as dr
from station.services.operations import regional as rg
from tests.station import flow


@pytest.fixture
def sim():
    with RegionalSimulator() as s:
        yield s


def _donation(ctx, staff) -> tuple[int, str, int]:
    donor_id, number = flow.new_donor(ctx, staff.registrar)
    did = dn.register_donation(ctx, staff.registrar, donor_id)["donation_id"]
    return donor_id, number, did


def _walk_to_precheck(ctx, staff, did: int) -> None:
    dn.sign_questionnaire(ctx, staff.registrar, did, flow.healthy_answers(ctx, "male"))
    dn.record_examination(ctx, staff.physician, did, flow.GOOD_EXAM)
    dn.record_pretest(ctx, staff.physician, did, flow.GOOD_PRETEST)
    assert dn.assess(ctx, staff.physician, did)["result"] == "eligible"
    dn.print_label(ctx, staff.nurse, did)


def _active(ctx, donor_id: int) -> list[Deferral]:
    with ctx.transaction() as s:
        return dr.active_deferrals(s, donor_id, ctx.today())


def test_deferral_and_history_from_the_region_are_merged_and_block(ctx, staff, sim) -> None:
    donor_id, number, did = _donation(ctx, staff)
    sim.add_deferral("resident", number, kind="permanent", reason_code="HIV_POSITIVE", reason="抗-HIV确证阳性",
                     starts_on="2025-01-02")
    sim.add_deferral("resident", number, kind="temporary", reason_code="TATTOO", reason="纹身",
                     starts_on="2025-01-02", until="2025-07-02")  # over already: not merged
    recent = (ctx.today() - timedelta(days=5)).isoformat()
    sim.add_donation("resident", number, donation_type="apheresis_platelets", donated_on=recent)
    out = rg.check_donor(ctx, staff.registrar, donor_id, HttpRegionalPlatform(sim.url), donation_id=did)
    assert out["status"] == "done" and out["deferrals_added"] == 1 and out["history_added"] == 1
    active = _active(ctx, donor_id)
    assert [(d.source, d.reason_code, d.kind) for d in active] == [("regional", "HIV_POSITIVE", "permanent")]
    with ctx.transaction() as s:
        hist = s.execute(select(DonationHistory).where(DonationHistory.donor_id == donor_id)).scalars().all()
    assert [(h.source, h.donated_on.isoformat()) for h in hist] == [("regional", recent)]
    # the same answer again adds nothing
    again = rg.check_donor(ctx, staff.registrar, donor_id, HttpRegionalPlatform(sim.url), donation_id=did)
    assert again["deferrals_added"] == 0 and again["history_added"] == 0
    # merged into the rules: the physician's assessment defers
    dn.sign_questionnaire(ctx, staff.registrar, did, flow.healthy_answers(ctx, "male"))
    dn.record_examination(ctx, staff.physician, did, flow.GOOD_EXAM)
    dn.record_pretest(ctx, staff.physician, did, flow.GOOD_PRETEST)
    result = dn.assess(ctx, staff.physician, did)
    assert result["result"] == "deferred"
    codes = {r["code"] for r in result["reasons"]}
    assert "DEFERRAL_PERMANENT" in codes and any("INTERVAL" in c for c in codes), codes


@pytest.mark.parametrize("mode, delay, timeout, code", [
    ("ok", 0.6, 0.2, "TIMEOUT"), ("error", 0, 2.0, "HTTP_ERROR"), ("garbage", 0, 2.0, "GARBAGE"),
    ("bad_shape", 0, 2.0, "GARBAGE")])
def test_not_done_is_recorded_and_must_be_acknowledged(ctx, staff, sim, mode, delay, timeout, code) -> None:
    sim.mode, sim.delay = mode, delay
    donor_id, _, did = _donation(ctx, staff)
    out = rg.check_donor(ctx, staff.registrar, donor_id, HttpRegionalPlatform(sim.url, timeout=timeout),
                         donation_id=did)
    assert out["status"] == "not_done" and out["error_code"] == code and out["must_acknowledge"]
    assert "医生确认" in out["message_zh"] and "acknowledge" in out["message_en"]
    _walk_to_precheck(ctx, staff, did)
    din = flow.din_of(ctx, did)
    with pytest.raises(HardStop) as e:
        dn.precollection_check(ctx, staff.nurse, did, flow.precheck_input(din))
    assert e.value.code == "REGIONAL_CHECK_NOT_ACKNOWLEDGED"
    with pytest.raises(PermissionDenied):
        rg.acknowledge_not_done(ctx, staff.nurse, out["check_id"], "平台故障，已电话核实")
    rg.acknowledge_not_done(ctx, staff.physician, out["check_id"], "平台故障，已电话核实无屏蔽")
    with pytest.raises(ValidationError):
        rg.acknowledge_not_done(ctx, staff.physician, out["check_id"], "再次确认一下")
    assert dn.precollection_check(ctx, staff.nurse, did, flow.precheck_input(din))["passed"]


def test_slow_but_in_time_is_done(ctx, staff, sim) -> None:
    sim.delay = 0.3
    donor_id, _, did = _donation(ctx, staff)
    out = rg.check_donor(ctx, staff.registrar, donor_id, HttpRegionalPlatform(sim.url, timeout=3), donation_id=did)
    assert out["status"] == "done" and out["elapsed_ms"] >= 300


def test_unreachable_platform(ctx, staff) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before use: nothing listens there
    donor_id, _, did = _donation(ctx, staff)
    out = rg.check_donor(ctx, staff.registrar, donor_id, HttpRegionalPlatform(f"http://127.0.0.1:{port}"),
                         donation_id=did)
    assert out["status"] == "not_done" and out["error_code"] == "UNREACHABLE"
    with ctx.transaction() as s:
        row = s.get(RegionalCheck, out["check_id"])
        assert row.status == "not_done" and row.acknowledged_at is None


@pytest.mark.parametrize("mode", ["garbage", "bad_shape", "ok"])
def test_no_answer_ever_clears_a_deferral(ctx, staff, sim, mode) -> None:
    donor_id, number, did = _donation(ctx, staff)
    sim.add_deferral("resident", number, kind="temporary", reason_code="MALARIA_TRAVEL", reason="疟疾流行区旅行",
                     starts_on="2026-05-01", until=(ctx.today() + timedelta(days=300)).isoformat())
    rg.check_donor(ctx, staff.registrar, donor_id, HttpRegionalPlatform(sim.url))
    local = dr.record_deferral(ctx, staff.physician, donor_id, kind="temporary", reason_code="LOW_HB", reason="血红蛋白低",
                               until=ctx.today() + timedelta(days=30))
    before = sorted(d.id for d in _active(ctx, donor_id))
    assert len(before) == 2 and local in before
    sim.records.clear()  # the platform forgot the donor, or answers nonsense
    sim.mode = mode
    rg.check_donor(ctx, staff.registrar, donor_id, HttpRegionalPlatform(sim.url), donation_id=did)
    assert sorted(d.id for d in _active(ctx, donor_id)) == before


def test_local_deferrals_are_queued_and_sent_when_reachable(ctx, staff, sim) -> None:
    donor_id, number, _ = _donation(ctx, staff)
    dr.record_deferral(ctx, staff.physician, donor_id, kind="temporary", reason_code="LOW_HB", reason="血红蛋白低",
                       until=ctx.today() + timedelta(days=30))
    dr.record_deferral(ctx, staff.physician, donor_id, kind="permanent", reason_code="HBV_POSITIVE",
                       reason="乙肝表面抗原阳性", source="regional")  # came from the region: not sent back
    assert rg.pending_uploads(ctx) == 1
    sim.mode = "error"
    out = rg.sync_uploads(ctx, staff.nurse, HttpRegionalPlatform(sim.url))
    assert out == {"sent": 0, "failed": 1, "left": 1, "error": "HTTP_ERROR"} and sim.uploads == []
    sim.mode = "ok"
    out = rg.sync_uploads(ctx, staff.nurse, HttpRegionalPlatform(sim.url))
    assert out["sent"] == 1 and out["left"] == 0
    assert [(u["id_number"], u["reason_code"], u["kind"]) for u in sim.uploads] == [(number, "LOW_HB", "temporary")]
    assert rg.sync_uploads(ctx, staff.nurse, HttpRegionalPlatform(sim.url))["sent"] == 0  # nothing twice
    assert rg.pending_uploads(ctx) == 0


def test_sync_stops_when_unreachable(ctx, staff) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for code in ("LOW_HB", "HIGH_BP"):
        donor_id, _ = flow.new_donor(ctx, staff.registrar)
        dr.record_deferral(ctx, staff.physician, donor_id, kind="temporary", reason_code=code, reason=code,
                           until=ctx.today() + timedelta(days=30))
    out = rg.sync_uploads(ctx, staff.nurse, HttpRegionalPlatform(f"http://127.0.0.1:{port}"))
    assert out == {"sent": 0, "failed": 1, "left": 2, "error": "UNREACHABLE"}


def test_parse_record_rejects_the_whole_answer() -> None:
    good = {"kind": "permanent", "reason_code": "X", "reason": "原因", "starts_on": "2026-01-01", "until": None}
    assert len(parse_record({"deferrals": [good], "donations": []}).deferrals) == 1
    for bad in ({"deferrals": [good, {**good, "kind": "forever"}], "donations": []},
                {"deferrals": [{**good, "kind": "temporary"}], "donations": []},
                {"deferrals": [], "donations": [{"donation_type": "apheresis_platelets", "donated_on": "2026-13-01"}]},
                {"deferrals": [], "donations": [{"donation_type": "apheresis_platelets", "donated_on": "2026-01-01",
                                                 "volume_ml": "250"}]},
                [], None, {"deferrals": []}):
        with pytest.raises(RegionalUnavailable) as e:
            parse_record(bad)
        assert e.value.code == "GARBAGE"


def test_registration_runs_the_configured_regional_check(ctx, staff, sim) -> None:
    import dataclasses

    ctx.config = dataclasses.replace(ctx.config, regional=dataclasses.replace(ctx.config.regional, url=sim.url))
    donor_id, number = flow.new_donor(ctx, staff.registrar)
    sim.add_deferral("resident", number, kind="permanent", reason_code="HBV_POSITIVE", reason="乙肝表面抗原阳性",
                     starts_on="2025-03-01")
    out = dn.register_donation(ctx, staff.registrar, donor_id)
    assert out["regional_check"]["status"] == "done" and out["regional_check"]["deferrals_added"] == 1
    assert [d.reason_code for d in _active(ctx, donor_id)] == ["HBV_POSITIVE"]


def test_registration_with_the_platform_down_records_not_done(ctx, staff) -> None:
    import dataclasses

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ctx.config = dataclasses.replace(ctx.config, regional=dataclasses.replace(
        ctx.config.regional, url=f"http://127.0.0.1:{port}", timeout_seconds=0.5))
    donor_id, _number = flow.new_donor(ctx, staff.registrar)
    out = dn.register_donation(ctx, staff.registrar, donor_id)
    assert out["regional_check"]["status"] == "not_done"
    with ctx.transaction() as s:
        rows = s.execute(select(RegionalCheck).where(RegionalCheck.donation_id == out["donation_id"])).scalars().all()
    assert [r.status for r in rows] == ["not_done"]


def test_a_timed_out_check_is_listed_and_acknowledged_from_the_list(ctx, staff, sim, clock) -> None:
    """D7: the day's regional checks (a timeout among them) are listed with their reason; the donation shows its
    latest check until a physician acknowledges it."""
    sim.delay = 0.6
    donor_id, _, did = _donation(ctx, staff)
    rg.check_donor(ctx, staff.registrar, donor_id, HttpRegionalPlatform(sim.url, timeout=0.2), donation_id=did)
    sim.delay = 0
    other_donor, _, other = _donation(ctx, staff)
    rg.check_donor(ctx, staff.registrar, other_donor, HttpRegionalPlatform(sim.url, timeout=2), donation_id=other)
    checks = rg.list_checks(ctx, staff.physician)
    assert [(c["donation_id"], c["status"], c["must_acknowledge"]) for c in checks] == [
        (other, "done", False), (did, "not_done", True)]
    timed_out = checks[1]
    assert timed_out["error_code"] == "TIMEOUT" and "超时" in timed_out["message_zh"]
    assert "in time" in timed_out["message_en"] and timed_out["din"] == flow.din_of(ctx, did)
    assert dn.donation_detail(ctx, staff.physician, did)["regional_check"]["must_acknowledge"] is True
    rg.acknowledge_not_done(ctx, staff.physician, timed_out["check_id"], "平台超时，已电话核实无屏蔽")
    detail = dn.donation_detail(ctx, staff.physician, did)["regional_check"]
    assert detail["must_acknowledge"] is False and detail["acknowledgement"] == "平台超时，已电话核实无屏蔽"
    clock.advance(days=1)
    assert rg.list_checks(ctx, staff.physician) == []
