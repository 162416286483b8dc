"""Two stations save the same donation (or donor): one wins, the other gets a clear conflict and reloads."""
from __future__ import annotations

import random
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from station.errors import ConflictError
from station.models import DonationStep, QuestionnaireAnswer
from station.services import donations as dn
from station.services import donors as dr
from tests.multistation.helpers import do_step, drive_to, new_donation, open_station, staff


@pytest.fixture
def two_stations(station_db):
    a, b = open_station(station_db.data_dir, "chair-1"), open_station(station_db.data_dir, "chair-2")
    yield a, b
    a.close()
    b.close()


def _assert_conflict_message(exc: ConflictError) -> None:
    assert exc.code == "CONFLICT"
    assert "其他工作站" in exc.message("zh_CN") and "刷新" in exc.message("zh_CN")
    assert "another station" in exc.message("en") and "reload" in exc.message("en")
    assert exc.details["current_version"] > exc.details["expected_version"]


def test_second_save_of_the_same_donation_is_refused_then_succeeds_after_reload(two_stations) -> None:
    a, b = two_stations
    actors, lots = staff(a)
    donation_id = new_donation(a, actors, random.Random(11))
    seen_a = dn.donation_detail(a, actors["physician"], donation_id)
    seen_b = dn.donation_detail(b, actors["physician"], donation_id)
    assert seen_a["version"] == seen_b["version"]

    do_step(a, actors, lots, donation_id, "sign_questionnaire", expected_version=seen_a["version"])
    with pytest.raises(ConflictError) as info:
        do_step(b, actors, lots, donation_id, "sign_questionnaire", expected_version=seen_b["version"])
    _assert_conflict_message(info.value)

    # nothing lost, nothing doubled: one set of answers, one step row
    with b.transaction() as s:
        answers = s.execute(select(func.count()).select_from(QuestionnaireAnswer)
                            .where(QuestionnaireAnswer.donation_id == donation_id)).scalar_one()
        steps = s.execute(select(DonationStep.step).where(DonationStep.donation_id == donation_id)
                          .order_by(DonationStep.id)).scalars().all()
    assert answers == len(dn.questionnaire_for(a, donation_id)["questions"])
    assert steps == ["register", "sign_questionnaire"]

    # station B reloads and goes on with the fresh version
    fresh = dn.donation_detail(b, actors["physician"], donation_id)
    assert fresh["state"] == "questionnaire_signed" and fresh["version"] > seen_b["version"]
    out = do_step(b, actors, lots, donation_id, "record_examination", expected_version=fresh["version"])
    assert out["state"] == "examined"


@pytest.mark.parametrize("step", ["record_pretest", "assess"])
def test_two_stations_racing_on_one_step_one_wins(two_stations, step: str) -> None:
    """Both stations press save at the same moment with the same version: exactly one wins."""
    a, b = two_stations
    actors, lots = staff(a)
    donation_id = new_donation(a, actors, random.Random(step))
    drive_to(a, actors, lots, donation_id, "record_examination" if step == "record_pretest" else "record_pretest")
    version = dn.donation_detail(a, actors["physician"], donation_id)["version"]
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def save(name: str, ctx: Any) -> None:
        barrier.wait()
        try:
            results[name] = do_step(ctx, actors, lots, donation_id, step, expected_version=version)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            results[name] = exc

    threads = [threading.Thread(target=save, args=(n, c)) for n, c in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["ConflictError", "dict"], results
    conflict = next(r for r in results.values() if isinstance(r, ConflictError))
    _assert_conflict_message(conflict)
    with a.transaction() as s:
        steps = s.execute(select(DonationStep.step).where(DonationStep.donation_id == donation_id)).scalars().all()
    assert steps.count(step) == 1


def test_donor_contact_edit_conflict(two_stations) -> None:
    a, b = two_stations
    actors, _ = staff(a)
    from tests.multistation.helpers import donor_input

    donor_id = dr.register_donor(a, actors["registrar"], donor_input(random.Random(5)))["donor_id"]
    v_a = dr.donor_summary(a, actors["registrar"], donor_id)["version"]
    v_b = dr.donor_summary(b, actors["registrar"], donor_id)["version"]
    new_version = dr.update_donor_contact(a, actors["registrar"], donor_id, v_a, phone="13900001111")
    assert new_version > v_a
    with pytest.raises(ConflictError) as info:
        dr.update_donor_contact(b, actors["registrar"], donor_id, v_b, address="杭州市滨江区")
    exc = info.value
    assert "献血者信息" in exc.message("zh_CN") and "donor" in exc.message("en")
    # A's edit survives, B's was not applied; after reloading B's edit goes through
    after = dr.donor_summary(b, actors["registrar"], donor_id, reveal=True)
    assert after["phone"] == "13900001111" and after["address"] != "杭州市滨江区"
    dr.update_donor_contact(b, actors["registrar"], donor_id, after["version"], address="杭州市滨江区")
    final = dr.donor_summary(a, actors["registrar"], donor_id, reveal=True)
    assert (final["phone"], final["address"]) == ("13900001111", "杭州市滨江区")
