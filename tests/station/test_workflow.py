"""The state machine through the services: every step refused from every state that does not allow it,
naming the current and the required states, with the database left exactly as it was."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from station.errors import HardStop, InvalidTransition
from station.models import AuditEntry, DonationCheck
from station.workflow import TRANSITIONS, State, require, state_label, step_label
from tests.station.conftest import _staff, module_station
from tests.station.flow import (
    PATHS,
    Clock,
    Staff,
    barcode,
    db_snapshot,
    din_of,
    drive,
    new_donation,
    state_of,
    step_calls,
)

SERVICE_STEPS = [s for s in TRANSITIONS if s != "archive"]  # archiving is a batch job, see test_archive_guard
REFUSALS = [(state, step) for state in State for step in SERVICE_STEPS if state not in TRANSITIONS[step][0]]


@pytest.fixture(scope="module")
def every_state(station_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """One donation in each state of the workflow, all on one station."""
    from station.context import open_context

    with module_station(station_template, tmp_path_factory.mktemp("every-state") / "data") as data:
        yield from _every_state(open_context(data, clock=Clock()))


def _every_state(ctx) -> Iterator[tuple]:
    staff = _staff(ctx)
    ids: dict[State, int] = {}
    for state in PATHS:
        ids[state] = new_donation(ctx, staff)
        drive(ctx, staff, ids[state], state)
    # records_signed and archived need signing keys and a records store; the guard only reads the state,
    # so those two donations are sealed ones moved on directly
    for state in (State.RECORDS_SIGNED, State.ARCHIVED):
        ids[state] = new_donation(ctx, staff)
        drive(ctx, staff, ids[state], State.SEALED)
        with ctx.transaction() as s:
            s.execute(text("UPDATE donation SET state = :st WHERE id = :i"), {"st": state.value, "i": ids[state]})
    assert set(ids) == set(State)
    yield ctx, staff, ids
    ctx.close()


def test_refusal_table_covers_every_state() -> None:
    assert {state for state, _ in REFUSALS} == set(State)
    assert len(REFUSALS) > 150


@pytest.mark.parametrize("state,step", REFUSALS, ids=[f"{st.value}-{sp}" for st, sp in REFUSALS])
def test_step_refused_and_nothing_changes(every_state: tuple, state: State, step: str) -> None:
    ctx, staff, ids = every_state
    did = ids[state]
    assert state_of(ctx, did) == state.value
    call = step_calls(ctx, staff, did)[step]
    before = db_snapshot(ctx)
    with pytest.raises(InvalidTransition) as e:
        call()
    err = e.value
    required = TRANSITIONS[step][0]
    assert err.code == "INVALID_TRANSITION"
    assert err.current == state.value
    assert tuple(err.required) == tuple(s.value for s in required)
    assert err.details == {"step": step_label(step, "en"), "current": state.value,
                           "required": [s.value for s in required]}
    assert f"'{state_label(state, 'en')}'" in err.message_en
    for r in required:
        assert state_label(r, "en") in err.message_en
        assert state_label(r, "zh_CN") in err.message_zh
    assert state_label(state, "zh_CN") in err.message_zh
    after = db_snapshot(ctx)
    assert after == before, {t: (len(before[t]), len(after[t])) for t in before if before[t] != after[t]}


def test_archive_guard() -> None:
    for state in State:
        if state == State.RECORDS_SIGNED:
            assert require("archive", state.value) == State.ARCHIVED
        else:
            with pytest.raises(InvalidTransition) as e:
                require("archive", state.value)
            assert e.value.current == state.value and e.value.required == ("records_signed",)


def test_allowed_steps_lead_where_the_table_says(ctx, staff: Staff) -> None:
    did = new_donation(ctx, staff)
    calls = step_calls(ctx, staff, did)
    for step in PATHS[State.SEALED]:
        before = state_of(ctx, did)
        calls[step]()
        allowed, target = TRANSITIONS[step]
        assert before in allowed
        after = state_of(ctx, did)
        assert after == (target.value if target else ("assessed" if step == "assess" else before))
    with ctx.transaction() as s:
        steps = s.execute(text("SELECT step, state_from, state_to, actor_id FROM donation_step "
                               "WHERE donation_id = :i ORDER BY id"), {"i": did}).all()
    assert [r[0] for r in steps] == ["register", *PATHS[State.SEALED]]
    assert all(r[3] for r in steps)  # every step has its operator
    assert steps[0][1] is None and steps[-1][2] == "sealed"


def test_one_open_donation_per_donor(ctx, staff: Staff) -> None:
    from station.errors import ValidationError
    from station.services import donations as dn
    from tests.station.flow import new_donor

    donor_id, _ = new_donor(ctx, staff.registrar)
    dn.register_donation(ctx, staff.registrar, donor_id)
    before = db_snapshot(ctx)
    with pytest.raises(ValidationError) as e:
        dn.register_donation(ctx, staff.registrar, donor_id)
    assert e.value.code == "DONATION_IN_PROGRESS"
    assert db_snapshot(ctx) == before


def test_wrong_bag_at_sealing_is_recorded_and_the_state_stays(ctx, staff: Staff) -> None:
    from station.services import donations as dn

    did = new_donation(ctx, staff)
    other = new_donation(ctx, staff)
    drive(ctx, staff, did, State.POSTCOLLECTION_CHECKED)
    din, wrong = din_of(ctx, did), din_of(ctx, other)
    with ctx.transaction() as s:
        audit_before = s.execute(select(AuditEntry.seq)).scalars().all()
    with pytest.raises(HardStop) as e:
        dn.seal(ctx, staff.nurse, did, [barcode(din), barcode(wrong)])
    assert e.value.code == "SEALING_MISMATCH"
    assert wrong in e.value.message_en and din in e.value.message_en and wrong in e.value.message_zh
    assert state_of(ctx, did) == "postcollection_checked"
    with ctx.transaction() as s:
        (check,) = s.execute(select(DonationCheck).where(DonationCheck.donation_id == did,
                                                         DonationCheck.kind == "sealing")).scalars().all()
        assert (check.passed, check.failure_code, check.checked_by) == (False, "SEALING_MISMATCH", staff.nurse.user_id)
        assert [x["match"] for x in check.items["scans"]] == [True, False]
        new = s.execute(select(AuditEntry).where(AuditEntry.seq > max(audit_before))).scalars().all()
        assert [a.action for a in new] == ["check.sealing"]
    # a garbled scan is a mismatch too, never an exception of another kind
    with pytest.raises(HardStop):
        dn.seal(ctx, staff.nurse, did, ["not-a-din"])
    assert state_of(ctx, did) == "postcollection_checked"
    # the right bag and segment: sealed
    assert dn.seal(ctx, staff.nurse, did, [barcode(din), din + dn.din_check_character(din)])["state"] == "sealed"
    with ctx.transaction() as s:
        checks = s.execute(select(DonationCheck.passed).where(DonationCheck.donation_id == did,
                                                              DonationCheck.kind == "sealing")
                           .order_by(DonationCheck.id)).scalars().all()
    assert checks == [False, False, True]


def test_failed_precollection_check_is_recorded(ctx, staff: Staff) -> None:
    from station.services import donations as dn
    from tests.station.flow import precheck_input

    did = new_donation(ctx, staff)
    other = new_donation(ctx, staff)
    drive(ctx, staff, did, State.ASSESSED)
    bad = precheck_input(din_of(ctx, did))
    bad = dn.PreCollectionInput(**{**bad.__dict__, "bag_din_scan": barcode(din_of(ctx, other))})
    with pytest.raises(HardStop) as e:
        dn.precollection_check(ctx, staff.nurse, did, bad)
    assert e.value.code == "BAG_MISMATCH"
    assert state_of(ctx, did) == "assessed"
    with ctx.transaction() as s:
        check = s.execute(select(DonationCheck).where(DonationCheck.donation_id == did)).scalar_one()
        assert (check.kind, check.passed, check.failure_code) == ("pre_collection", False, "BAG_MISMATCH")


def test_amendments_are_counted(ctx, staff: Staff) -> None:
    from station.errors import ValidationError
    from station.services import donations as dn
    from tests.station.flow import exam

    did = new_donation(ctx, staff)
    drive(ctx, staff, did, State.EXAMINED)
    out = dn.amend_examination(ctx, staff.physician, did, exam(weight_kg=67.0), "更正体重录入错误")
    assert out["modification_count"] == 1
    with ctx.transaction() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "examination.amend")).scalar_one()
        assert entry.before["weight_kg"] == 65.0 and entry.after["weight_kg"] == 67.0
        assert entry.after["reason"] == "更正体重录入错误"
    before = db_snapshot(ctx)
    with pytest.raises(ValidationError):
        dn.amend_examination(ctx, staff.physician, did, exam(weight_kg=68.0), "改")
    assert db_snapshot(ctx) == before
