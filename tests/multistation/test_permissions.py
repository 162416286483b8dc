"""Every role tries every action through the service layer: refused roles get PermissionDenied and change nothing."""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from station.errors import PermissionDenied
from station.models import Role
from station.security import PERMISSIONS, SYSTEM, Action, Actor
from station.services import donations as dn
from station.services import donors as dr
from station.services import inventory, oversight, quality, records, users
from station.services.intake import messages as device_results
from tests.multistation.helpers import (
    collection_result,
    donor_input,
    drive_to,
    exam_input,
    healthy_answers,
    new_donation,
    open_station,
    precheck_input,
    pretest_input,
    staff,
    table_counts,
)

# Actions the permission table names but no service function takes an actor for (none left).
NO_SERVICE_YET: set[Action] = set()


@dataclass
class World:
    """Objects the calls act on: a donor, an open donation, a deferral, a device message."""

    donor_id: int
    donor_version: int
    donation_id: int
    din: str
    deferral_id: int
    message_id: int
    lots: dict[str, str]
    today: date


Call = Callable[[Any, Actor, World], Any]
_rng = random.Random(404)


def _archive_run(ctx: Any, a: Actor, w: World) -> Any:
    from station.services.archiving.job import run_archive

    return run_archive(ctx, a)


def _archive_search(ctx: Any, a: Actor, w: World) -> Any:
    from station.services.archiving.search import search_archive

    return search_archive(ctx, a, name="测试")


def _archive_disposal(ctx: Any, a: Actor, w: World) -> Any:
    from station.services.archiving.search import due_for_disposal

    return due_for_disposal(ctx, a)


def _archive_verify(ctx: Any, a: Actor, w: World) -> Any:
    from station.services.archiving.job import verify_store

    return verify_store(ctx, a)


CALLS: dict[Action, list[Call]] = {
    Action.REGISTER_DONOR: [lambda c, a, w: dr.register_donor(c, a, donor_input(_rng))],
    Action.VIEW_DONOR: [lambda c, a, w: dr.donor_summary(c, a, w.donor_id),
                        lambda c, a, w: dr.find_donor(c, a, "110105199001011234"),
                        lambda c, a, w: dr.search_donors(c, a, name="测试"),
                        lambda c, a, w: dn.donation_detail(c, a, w.donation_id),
                        lambda c, a, w: dn.list_donations(c, a),
                        lambda c, a, w: dn.preview_assessment(c, a, w.donation_id),
                        lambda c, a, w: inventory.stock(c, a),
                        lambda c, a, w: inventory.equipment_list(c, a)],
    Action.EDIT_DONOR: [lambda c, a, w: dr.update_donor_contact(c, a, w.donor_id, w.donor_version, address="杭州")],
    Action.IMPORT_HISTORY: [lambda c, a, w: dr.import_history(c, a, w.donor_id, [
        {"donation_type": "whole_blood", "donated_on": (w.today - timedelta(days=400)).isoformat(), "volume_ml": 400,
         "place": "权限测试"}])],
    Action.RECORD_DEFERRAL: [lambda c, a, w: dr.record_deferral(c, a, w.donor_id, kind="temporary", reason_code="TEST",
                                                                reason="权限测试", until=w.today + timedelta(days=7))],
    Action.LIFT_DEFERRAL: [lambda c, a, w: dr.lift_deferral(c, a, w.deferral_id, "权限测试解除")],
    Action.REGISTER_DONATION: [lambda c, a, w: dn.register_donation(c, a, w.donor_id)],
    Action.SIGN_QUESTIONNAIRE: [lambda c, a, w: dn.sign_questionnaire(c, a, w.donation_id,
                                                                      healthy_answers(c, w.donation_id))],
    Action.EXAMINE: [lambda c, a, w: dn.record_examination(c, a, w.donation_id, exam_input())],
    Action.PRETEST: [lambda c, a, w: dn.record_pretest(c, a, w.donation_id, pretest_input())],
    Action.ASSESS: [lambda c, a, w: dn.assess(c, a, w.donation_id),
                    lambda c, a, w: dn.defer(c, a, w.donation_id, reason_code="TEST", reason="权限测试",
                                             until=w.today + timedelta(days=7))],
    Action.OVERRIDE: [lambda c, a, w: dn.assess(c, a, w.donation_id,
                                                overrides=(dn.OverrideInput(code="HB_LOW", reason="权限测试豁免"),))],
    Action.PRINT_LABEL: [lambda c, a, w: dn.print_label(c, a, w.donation_id)],
    Action.PRECOLLECTION_CHECK: [lambda c, a, w: dn.precollection_check(c, a, w.donation_id,
                                                                        precheck_input(f"={w.din}00", w.lots))],
    Action.COLLECT: [lambda c, a, w: dn.start_collection(c, a, w.donation_id),
                     lambda c, a, w: dn.finish_collection(c, a, w.donation_id, collection_result())],
    Action.ADVERSE_REACTION: [lambda c, a, w: dn.record_adverse_reaction(c, a, w.donation_id, type="vasovagal", grade=1,
                                                                         treatment="平卧休息")],
    Action.POSTCOLLECTION_CHECK: [lambda c, a, w: dn.postcollection_check(c, a, w.donation_id,
                                                                          {k: True for k in dn.POST_ITEMS})],
    Action.SEAL: [lambda c, a, w: dn.seal(c, a, w.donation_id, [f"={w.din}00"])],
    Action.ABORT: [lambda c, a, w: dn.abort(c, a, w.donation_id, "权限测试中止")],
    Action.AMEND: [lambda c, a, w: dn.amend_examination(c, a, w.donation_id, exam_input(), "权限测试修改"),
                   lambda c, a, w: dn.amend_pretest(c, a, w.donation_id, pretest_input(), "权限测试修改"),
                   lambda c, a, w: dn.amend_collection(c, a, w.donation_id, {"run_minutes": 60}, "权限测试修改")],
    Action.SIGN_RECORDS: [lambda c, a, w: records.sign_donation_records(c, a, w.donation_id, pin="12345678")],
    Action.FILE_DEVICE_RESULT: [lambda c, a, w: device_results.unmatched(c, a),
                                lambda c, a, w: device_results.file_analyzer_result(c, a, w.message_id),
                                lambda c, a, w: device_results.assign_unmatched(c, a, w.message_id, w.din)],
    Action.ARCHIVE: [_archive_run],
    Action.VIEW_ARCHIVE: [_archive_search, _archive_disposal, _archive_verify],
    Action.MANAGE_USERS: [lambda c, a, w: users.create_user(c, a, f"perm{_rng.randint(0, 10**9)}", "权限测试",
                                                            ["nurse"], "Perm-Harbour-Stone-4"),
                          lambda c, a, w: users.list_users(c, a)],
    Action.MANAGE_EQUIPMENT: [lambda c, a, w: inventory.register_equipment(
                                  c, a, serial=f"SN{_rng.randint(0, 10**9)}", model="Trima Accel 7",
                                  calibration_due=w.today + timedelta(days=90)),
                              lambda c, a, w: inventory.record_calibration(c, a, "TRIMA-1T05211",
                                                                           w.today + timedelta(days=200))],
    Action.MANAGE_CONSUMABLES: [lambda c, a, w: inventory.receive_lot(
        c, a, item="kit", catalogue_no="80300", lot=f"P{_rng.randint(0, 10**9)}", expiry=w.today + timedelta(days=90),
        quantity=10)],
    Action.VIEW_QUALITY: [lambda c, a, w: quality.quality_figures(c, a, w.today - timedelta(days=30), w.today)],
    Action.VIEW_AUDIT: [lambda c, a, w: oversight.verify_audit(c, a),
                        lambda c, a, w: oversight.donation_history(c, a, w.donation_id)],
    Action.BACKUP: [lambda c, a, w: oversight.create_backup(c, a, Path(c.config.data_dir) / "perm-backup.tar")],
    Action.EXPORT: [lambda c, a, w: oversight.export_donations(c, a, w.today, w.today,
                                                               Path(c.config.data_dir) / "perm-export.csv")],
}

ROLES = [r.value for r in Role]


@pytest.fixture(scope="module")
def world(station_db):
    ctx = open_station(station_db.data_dir, "desk-1")
    try:
        actors, lots = staff(ctx)
        people = {role: users.create_user(ctx, SYSTEM, f"only_{role}", f"{role}测试", [role], "Role-Lantern-Field-9",
                                          must_change_password=False) for role in ROLES}
        people["nobody"] = Actor(user_id=people["nurse"].user_id, username="nobody", display_name="无角色",
                                 roles=frozenset())
        donation_id = new_donation(ctx, actors, random.Random(77))
        drive_to(ctx, actors, lots, donation_id, "record_examination")
        detail = dn.donation_detail(ctx, actors["physician"], donation_id)
        donor_id = detail["donor"]["donor_id"]
        deferral_id = dr.record_deferral(ctx, actors["physician"], donor_id, kind="temporary", reason_code="TEST",
                                         reason="权限测试", until=ctx.today() + timedelta(days=5))
        message_id = device_results.store_raw_message(
            ctx, device_name="analyzer-1", kind="analyzer", protocol="astm", received_at=datetime.now(UTC),
            raw=b"raw", parsed={"sample_id": "NOPE", "values": {}}, sample_id="NOPE", status="unmatched")
        w = World(donor_id=donor_id, donor_version=dr.donor_summary(ctx, actors["registrar"], donor_id)["version"],
                  donation_id=donation_id, din=detail["din"], deferral_id=deferral_id, message_id=message_id,
                  lots=lots, today=ctx.today())
    finally:
        ctx.close()
    return w, people


def test_every_action_has_service_calls() -> None:
    assert set(CALLS) | NO_SERVICE_YET == set(PERMISSIONS), "add the new action's service calls to CALLS"


def test_export_audit_and_backup_are_enforced() -> None:
    assert not NO_SERVICE_YET


@pytest.mark.parametrize("action", sorted(CALLS, key=str), ids=str)
def test_role_matrix(station_db, world, action: Action) -> None:
    w, people = world
    ctx = open_station(station_db.data_dir, "desk-2")
    try:
        for who, actor in people.items():
            allowed = actor.can(action)
            assert allowed == (who in {r.value for r in PERMISSIONS[action]})
            for i, call in enumerate(CALLS[action]):
                if allowed:
                    try:
                        call(ctx, actor, w)
                    except PermissionDenied as exc:  # pragma: no cover - the failure being tested for
                        pytest.fail(f"{who} may {action} but call {i} was refused: {exc}")
                    except Exception:  # noqa: BLE001, S110 - wrong state etc.: allowed, just not possible here
                        pass
                    continue
                before = table_counts(ctx)
                with pytest.raises(PermissionDenied) as info:
                    call(ctx, actor, w)
                assert info.value.details["action"] in {a.value for a in PERMISSIONS}
                assert "无权" in info.value.message("zh_CN") and "may not" in info.value.message("en")
                assert table_counts(ctx) == before, f"{who} changed the database through {action} call {i}"
    finally:
        ctx.close()
