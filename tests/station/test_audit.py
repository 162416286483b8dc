"""The audit trail: every write leaves an entry in the same transaction; the hash chain exposes an entry that
was edited, deleted or reordered behind the application's back, by number."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from station.audit import verify_chain
from station.models import AuditEntry
from tests.station.conftest import PG_MODE, copy_station, run_cli

pytestmark = pytest.mark.skipif(PG_MODE, reason="tampers with the SQLite file behind the application's back (runs in the SQLite pass)")
from tests.station.flow import Clock


@pytest.fixture(scope="module")
def demo_station(station_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from station.context import open_context
    from station.demo import run_demo

    data = copy_station(station_template, tmp_path_factory.mktemp("audit-demo") / "data")
    ctx = open_context(data, clock=Clock())
    try:
        report = run_demo(ctx, 12, seed=5)
        assert report.sealed >= 5 and report.deferred >= 2
    finally:
        ctx.close()
    return data


@pytest.fixture
def demo_copy(demo_station: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "data"
    shutil.copytree(demo_station, dest)
    return dest


def _verify(data: Path):
    from station.context import open_context

    ctx = open_context(data)
    try:
        with ctx.transaction() as s:
            return verify_chain(s), s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    finally:
        ctx.close()


def _sql(data: Path, *statements: str) -> None:
    conn = sqlite3.connect(data / "station.db")
    try:
        for st in statements:
            conn.execute(st)
        conn.commit()
    finally:
        conn.close()


def test_demo_chain_is_intact(demo_copy: Path) -> None:
    problems, count = _verify(demo_copy)
    assert problems == [] and count > 100
    out = run_cli("audit", "verify", "--json", data_dir=demo_copy)
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload == {"entries": count + 1, "passed": True, "problems": []}  # + this command's sign-in


def test_every_donation_step_is_audited(demo_copy: Path) -> None:
    conn = sqlite3.connect(demo_copy / "station.db")
    try:
        steps = conn.execute("SELECT donation_id, step FROM donation_step WHERE step != 'register'").fetchall()
        audited = set(conn.execute("SELECT donation_id, action FROM audit_entry").fetchall())
    finally:
        conn.close()
    assert steps
    missing = [(d, s) for d, s in steps if (d, f"donation.{s}") not in audited]
    assert missing == []


TAMPER = {
    "edited": ("UPDATE audit_entry SET after = json_set(after, '$.state', 'sealed') WHERE seq = 40",),
    "edited_actor": ("UPDATE audit_entry SET actor_name = 'someone' WHERE seq = 40",),
    "deleted": ("DELETE FROM audit_entry WHERE seq = 40",),
    "reordered": ("UPDATE audit_entry SET seq = -1 WHERE seq = 40", "UPDATE audit_entry SET seq = 40 WHERE seq = 41",
                  "UPDATE audit_entry SET seq = 41 WHERE seq = -1"),
}


@pytest.mark.parametrize("kind", list(TAMPER))
def test_tampering_is_found_and_named(demo_copy: Path, kind: str) -> None:
    _sql(demo_copy, *TAMPER[kind])
    problems, _ = _verify(demo_copy)
    assert problems, "tampering went unnoticed"
    assert problems[0].seq == 40
    assert all(p.message_en and p.message_zh for p in problems)
    if kind.startswith("edited"):
        assert [(p.seq, p.problem) for p in problems] == [(40, "edited")]
    elif kind == "deleted":
        assert problems[0].problem == "deleted"
    if kind not in ("edited", "reordered"):
        return  # the command line is run for two kinds (each run is a second of start-up)
    out = run_cli("audit", "verify", data_dir=demo_copy)
    assert out.returncode == 1
    assert "#40" in out.stdout + out.stderr
    assert "Traceback" not in out.stderr


def test_deleting_the_last_entries_is_found(demo_copy: Path) -> None:
    _sql(demo_copy, "DELETE FROM audit_entry WHERE seq = (SELECT max(seq) FROM audit_entry)")
    problems, left = _verify(demo_copy)
    assert [p.problem for p in problems] == ["head_mismatch"]
    out = run_cli("audit", "verify", "--json", data_dir=demo_copy)
    # the command's own sign-in is audited after the head: the deleted entry shows as a gap before it
    found = json.loads(out.stdout)["problems"]
    assert out.returncode == 1 and found[0]["problem"] == "deleted" and f"#{left + 1} " in found[0]["message_en"]


def test_audit_entry_carries_who_when_before_after(ctx, staff, clock) -> None:
    from station.services import donors as dr
    from tests.station.flow import new_donor

    donor_id, number = new_donor(ctx, staff.registrar)
    with ctx.transaction() as s:
        version = s.execute(select(AuditEntry).where(AuditEntry.action == "donor.register",
                                                     AuditEntry.entity_id == str(donor_id))).scalar_one()
        assert version.actor_id == staff.registrar.user_id and version.at == clock()
        assert version.before is None and version.after["name"] == "测试献血者"
        # personal data never reaches the trail in clear
        dumped = json.dumps([version.before, version.after], ensure_ascii=False)
        assert version.after["id_number_cipher"].startswith("<")
        assert number not in dumped and "13800138000" not in dumped
    clock.advance(minutes=3)
    v = dr.donor_summary(ctx, staff.registrar, donor_id)["version"]
    dr.update_donor_contact(ctx, staff.registrar, donor_id, v, address="杭州市新地址1号")
    with ctx.transaction() as s:
        upd = s.execute(select(AuditEntry).where(AuditEntry.action == "donor.update")).scalar_one()
        assert upd.at == clock() and upd.before["address"] == "" and upd.after["address"] == "杭州市新地址1号"
        assert verify_chain(s) == []
