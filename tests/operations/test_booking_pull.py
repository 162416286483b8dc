"""Pulling the day's bookings from the booking platform (BOOKINGS.md) on loopback: good rows kept, broken rows
listed, no duplicates on a second pull; slow answers, HTTP 500, garbage and the wrong shape import nothing."""
from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from station.errors import PermissionDenied
from station.models import Appointment, AuditEntry
from station.platforms.booking import BookingUnavailable, FileBookingSource, HttpBookingSource, source_from_config
from station.platforms.booking_sim import BookingSimulator
from station.security import SYSTEM, Actor
from station.services.operations import appointments as ap
from station.services.operations.bookings import BookingsNotPulled, pull_bookings
from tests.station import flow
from tests.station.conftest import run_cli


def set_bookings_url(data_dir, url: str) -> None:
    import tomllib

    import tomli_w

    path = data_dir / "station.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    raw.setdefault("bookings", {}).update(url=url, timeout_seconds=2.0)
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")


def _count(ctx) -> int:
    with ctx.transaction() as s:
        return s.execute(select(func.count()).select_from(Appointment)).scalar_one()


def _fill(sim: BookingSimulator, day: date, n: int = 3) -> list[str]:
    refs = []
    for i in range(n):
        ref = f"P{day:%m%d}-{i + 1:03d}"
        sim.add_booking(ref, day.isoformat(), f"{8 + i:02d}:00", f"{8 + i:02d}:30", f"预约{i}",
                        flow.id_number(date(1985 + i, 4, 2), "male" if i % 2 else "female"))
        refs.append(ref)
    return refs


@pytest.fixture
def sim():
    with BookingSimulator() as s:
        yield s


def test_pull_keeps_good_rows_lists_broken_and_never_duplicates(ctx, staff, sim) -> None:
    today = ctx.today()
    refs = _fill(sim, today)
    sim.add_booking("OTHER-DAY", (today + timedelta(days=1)).isoformat(), "08:00", "08:30", "明天",
                    flow.id_number(date(1990, 1, 1), "male"))  # not served for today
    good = flow.id_number(date(1979, 9, 9), "female")
    sim.broken_rows[today.isoformat()] = [
        {"booking_ref": "BAD-1", "date": today.isoformat(), "slot_start": "9:00", "slot_end": "09:30", "name": "甲",
         "id_number": good},
        {"booking_ref": "BAD-2", "date": (today - timedelta(days=1)).isoformat(), "slot_start": "09:00",
         "slot_end": "09:30", "name": "乙", "id_number": good},
        {"booking_ref": "BAD-3", "date": today.isoformat(), "slot_start": "09:00", "slot_end": "09:30", "name": "丙",
         "id_number": good[:-1] + ("1" if good[-1] == "0" else "0")},
        7]
    source = HttpBookingSource(sim.url, timeout=2)
    out = pull_bookings(ctx, staff.registrar, source, today)
    assert out.imported == 3 and out.duplicates == []
    assert [(b["row"], b["booking_ref"]) for b in out.broken] == [(4, "BAD-1"), (5, "BAD-2"), (6, "BAD-3"), (7, None)]
    assert "slot_start" in out.broken[0]["reasons"][0] and "booked for" in out.broken[1]["reasons"][0]
    assert "id_number" in out.broken[2]["reasons"][0]
    assert [v["booking_ref"] for v in ap.day_view(ctx, staff.registrar, today)] == refs
    # a later pull (the platform took one more booking meanwhile): only the new one is added
    sim.broken_rows.clear()
    sim.add_booking("LATE-1", today.isoformat(), "15:00", "15:30", "晚到", flow.id_number(date(1991, 2, 2), "male"))
    again = pull_bookings(ctx, staff.registrar, source, today)
    assert (again.imported, again.duplicates, again.broken) == (1, sorted(refs), [])
    assert _count(ctx) == 4
    with ctx.transaction() as s:
        entries = s.execute(select(AuditEntry).where(AuditEntry.action == "appointments.import")
                            .order_by(AuditEntry.id)).scalars().all()
    assert [(e.after["imported"], e.after["duplicates"], e.after["broken"]) for e in entries] == [(3, 0, 4), (1, 3, 0)]
    assert entries[0].entity_id == source.name and source.name.startswith("platform 127.0.0.1:")


@pytest.mark.parametrize(("mode", "code"), [("error", "HTTP_ERROR"), ("garbage", "GARBAGE"), ("bad_shape", "GARBAGE")])
def test_platform_failures_import_nothing_and_say_why(ctx, staff, sim, mode, code) -> None:
    _fill(sim, ctx.today())
    sim.mode = mode
    with pytest.raises(BookingsNotPulled) as e:
        pull_bookings(ctx, staff.registrar, HttpBookingSource(sim.url, timeout=2), ctx.today())
    assert e.value.code == f"BOOKINGS_{code}" and "未导入任何预约" in e.value.message("zh")
    assert "nothing was imported" in e.value.message("en")
    assert _count(ctx) == 0
    sim.mode = "ok"  # the platform recovers: the same pull now imports
    assert pull_bookings(ctx, staff.registrar, HttpBookingSource(sim.url, timeout=2), ctx.today()).imported == 3


def test_an_answer_for_another_day_is_refused_whole(ctx, staff, sim) -> None:
    _fill(sim, ctx.today())

    class WrongDay(BookingSimulator):
        def answer(self, method, path, query, doc):
            status, body = super().answer(method, path, query, doc)
            return status, {**body, "date": "1999-01-01"}

    with WrongDay() as wrong:
        wrong.bookings = sim.bookings
        with pytest.raises(BookingsNotPulled) as e:
            pull_bookings(ctx, staff.registrar, HttpBookingSource(wrong.url, timeout=2), ctx.today())
    assert e.value.code == "BOOKINGS_GARBAGE" and _count(ctx) == 0


def test_slow_answers_time_out_and_a_patient_client_waits(ctx, staff, sim) -> None:
    _fill(sim, ctx.today(), 2)
    sim.delay = 0.6
    t0 = time.perf_counter()
    with pytest.raises(BookingsNotPulled) as e:
        pull_bookings(ctx, staff.registrar, HttpBookingSource(sim.url, timeout=0.2), ctx.today())
    assert e.value.code == "BOOKINGS_TIMEOUT" and time.perf_counter() - t0 < 0.6 + 0.5
    assert _count(ctx) == 0
    assert pull_bookings(ctx, staff.registrar, HttpBookingSource(sim.url, timeout=3), ctx.today()).imported == 2
    sim.delay, sim.mode = 0.0, "hang"
    with pytest.raises(BookingUnavailable) as u:
        HttpBookingSource(sim.url, timeout=0.3).fetch(ctx.today())
    assert u.value.code == "TIMEOUT"


def test_unreachable_and_the_bearer_token(ctx, staff) -> None:
    with BookingSimulator() as closed:
        url = closed.url
    with pytest.raises(BookingsNotPulled) as e:
        pull_bookings(ctx, staff.registrar, HttpBookingSource(url, timeout=1), ctx.today())
    assert e.value.code == "BOOKINGS_UNREACHABLE"
    with BookingSimulator(token="s3cret") as guarded:
        _fill(guarded, ctx.today(), 1)
        with pytest.raises(BookingsNotPulled) as e:
            pull_bookings(ctx, staff.registrar, HttpBookingSource(guarded.url, timeout=2), ctx.today())
        assert e.value.code == "BOOKINGS_HTTP_ERROR"
        assert pull_bookings(ctx, staff.registrar, HttpBookingSource(guarded.url, timeout=2, token="s3cret"),
                             ctx.today()).imported == 1


def test_a_pull_needs_the_registration_permission(ctx, staff, sim) -> None:
    nobody = Actor(user_id=0, username="viewer", display_name="viewer", roles=frozenset())
    with pytest.raises(PermissionDenied):
        pull_bookings(ctx, nobody, HttpBookingSource(sim.url), ctx.today())
    assert sim.requests == 0  # refused before asking the platform


def test_file_and_http_sources_give_the_same_bookings(ctx, staff, sim, tmp_path) -> None:
    today = ctx.today()
    _fill(sim, today)
    path = tmp_path / "day.json"
    path.write_text(json.dumps({"bookings": sim.bookings}, ensure_ascii=False), encoding="utf-8")
    assert FileBookingSource(path).fetch(today) == HttpBookingSource(sim.url).fetch(today)
    assert pull_bookings(ctx, SYSTEM, FileBookingSource(path), today).imported == 3
    assert pull_bookings(ctx, SYSTEM, HttpBookingSource(sim.url), today).duplicates == sorted(b["booking_ref"]
                                                                                           for b in sim.bookings)


def test_cli_pull_and_configuration(ctx, staff, sim) -> None:
    today = ctx.today()
    _fill(sim, today, 2)
    data_dir = ctx.config.data_dir
    assert source_from_config(ctx.config) is None
    none = run_cli("appointments", "pull", data_dir=data_dir, user="reg01")
    assert none.returncode == 2 and "[bookings] url" in none.stderr
    set_bookings_url(data_dir, sim.url)
    out = run_cli("appointments", "pull", "--date", today.isoformat(), "--json", data_dir=data_dir, user="reg01")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"imported": 2, "duplicates": [], "broken": []}
    sim.mode = "error"
    failed = run_cli("appointments", "pull", data_dir=data_dir, user="reg01")
    assert failed.returncode == 1 and "HTTP_ERROR" in failed.stderr + failed.stdout
    assert _count(ctx) == 2
