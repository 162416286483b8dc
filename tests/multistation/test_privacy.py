"""No full ID number and no PIN in any log record (DEBUG, SQL echo included); lists show masked ID numbers."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from station.errors import SigningError
from station.models import Donor
from tests.multistation.helpers import open_station

PIN = "Pin-7Qx9Zw"


@pytest.fixture(scope="module")
def station_db(tmp_path_factory):
    """SQLite only: what reaches the log does not depend on the database (the SQL echo's parameters are the
    same values on PostgreSQL), and signing records makes this module the slowest one."""
    from tests.multistation.conftest import _make

    yield from _make(tmp_path_factory, "sqlite")  # distinctive: a match in the logs cannot be a coincidence


@pytest.fixture(scope="module")
def demo_run(station_db, tmp_path_factory):
    """A demo at DEBUG with every logger captured, then one donation's records signed with the staff PINs."""
    import station.demo
    from station.bootstrap import ensure_local_pki
    from station.demo import demo_actors, enrol_demo_staff, run_demo
    from station.demo_run import demo_donor_evidence
    from station.services.records import sign_donation_records

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # as with `[database] echo = true`: every statement and its parameters
    sa_logger = logging.getLogger("sqlalchemy.engine")
    sa_level = sa_logger.level
    sa_logger.setLevel(logging.DEBUG)
    ctx = open_station(station_db.data_dir, "desk-1")
    saved_pin = station.demo.DEMO_PIN
    station.demo.DEMO_PIN = PIN
    try:
        report = run_demo(ctx, 6, seed=20260101)
        ensure_local_pki(ctx.config)
        enrol_demo_staff(ctx)
        actors = demo_actors(ctx)
        did = report.sealed_ids[0]
        signature, fingerprint = demo_donor_evidence(1)
        with pytest.raises(SigningError) as wrong:
            sign_donation_records(ctx, actors["nurse"], did, pin=PIN + "-wrong")
        sign_donation_records(ctx, actors["nurse"], did, pin=PIN, donor_signature=signature, fingerprint=fingerprint)
        sign_donation_records(ctx, actors["physician"], did, pin=PIN)
        with ctx.transaction() as s:
            id_numbers = [ctx.pii.decrypt(d.id_number_cipher, "id_number") for d in s.execute(select(Donor)).scalars()]
        yield {"ctx": ctx, "records": records, "id_numbers": id_numbers, "report": report, "actors": actors,
               "wrong_pin": wrong.value}
    finally:
        station.demo.DEMO_PIN = saved_pin
        root.removeHandler(handler)
        root.setLevel(saved_level)
        sa_logger.setLevel(sa_level)
        ctx.close()


def _texts(records: list[logging.LogRecord]) -> list[str]:
    out = []
    for r in records:
        text = r.getMessage()
        if r.exc_info:
            text += logging.Formatter().formatException(r.exc_info)
        out.append(text)
    return out


def test_the_capture_saw_the_work(demo_run) -> None:
    # the SQL echo at DEBUG carries the statements and their parameters: the check below has teeth
    assert len(demo_run["id_numbers"]) >= 5
    texts = _texts(demo_run["records"])
    assert any("INSERT INTO donor" in t for t in texts)
    assert any(m in t for t in texts for m in ("******",)), "masked ID numbers do reach the log"


def test_no_id_number_or_pin_in_logs(demo_run, station_db) -> None:
    texts = _texts(demo_run["records"])
    log_files = [p for p in Path(station_db.data_dir).rglob("*.log")]
    texts += [p.read_text(errors="replace") for p in log_files]
    leaks = [(n, t[:200]) for n in demo_run["id_numbers"] for t in texts if n in t]
    assert not leaks, f"full ID numbers in the logs: {leaks[:3]}"
    # nor the legacy 15-digit form of the same number (no century, no check digit)
    legacy = [n[:6] + n[8:17] for n in demo_run["id_numbers"]]
    assert not [c for c in legacy for t in texts if c in t]
    assert not [t[:200] for t in texts if PIN in t], "a PIN reached the log"


def test_refusal_messages_do_not_echo_the_pin(demo_run) -> None:
    exc = demo_run["wrong_pin"]
    assert exc.code == "WRONG_PIN"
    assert PIN not in str(exc.to_json())


def test_lists_show_masked_id_numbers(demo_run) -> None:
    from station.services import donations as dn
    from station.services import donors as dr

    ctx, actors = demo_run["ctx"], demo_run["actors"]
    full = set(demo_run["id_numbers"])
    masked_shape = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")
    for actor in (actors["registrar"], actors["physician"], actors["nurse"], actors["archivist"]):
        donations = dn.list_donations(ctx, actor)
        donors = dr.search_donors(ctx, actor, name=donations[0]["donor_name"][:1])
        summary = dr.donor_summary(ctx, actor, donors[0]["donor_id"])
        detail = dn.donation_detail(ctx, actor, donations[0]["donation_id"])
        for row in donations + donors + [summary, detail["donor"]]:
            assert masked_shape.match(row["id_number_masked"]), row["id_number_masked"]
            assert not full & {str(v) for v in row.values()}, "a list shows a full ID number"
            assert "id_number" not in row and "phone" not in row
