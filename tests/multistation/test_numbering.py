"""DIN and archive item numbers stay unique and gap-free when 8 processes allocate at once (PostgreSQL)."""
from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from station.identifiers import parse_din
from station.models import Donation
from tests.multistation import workers
from tests.multistation.helpers import donor_input, open_station, staff

PROCESSES = 8


def _sequence_numbers(dins: list[str]) -> list[int]:
    return [int(parse_din(d).din[7:13]) for d in dins]


def _assert_unique_and_gap_free(numbers: list[int], start: int = 1) -> None:
    dupes = [n for n, c in Counter(numbers).items() if c > 1]
    assert not dupes, f"numbers issued twice: {sorted(dupes)[:20]}"
    assert sorted(numbers) == list(range(start, start + len(numbers))), "gap in the numbers"


def _din_run(db: Any, processes: Any, per_process: int) -> None:
    ctx = open_station(db.data_dir, "desk-0")
    try:
        facility = ctx.config.site.facility_code
        with ctx.transaction() as s:
            from station.models import DinSequence

            seq = s.get(DinSequence, (facility, ctx.today().year))
            start = (seq.last_value if seq else 0) + 1
    finally:
        ctx.close()
    results = processes.together(workers.allocate_dins, [(str(db.data_dir), f"desk-{i}", per_process) for i in range(PROCESSES)])
    dins = [d for r in results for d in r]
    assert len(dins) == PROCESSES * per_process
    assert all(d.startswith(facility) for d in dins)
    for r in results:  # each station sees its own numbers rising
        assert _sequence_numbers(r) == sorted(_sequence_numbers(r))
    _assert_unique_and_gap_free(_sequence_numbers(dins), start)


def _archive_run(db: Any, processes: Any, per_process: int, year: int) -> None:
    results = processes.together(workers.allocate_archive_items,
                   [(str(db.data_dir), f"archive-{i}", per_process, year) for i in range(PROCESSES)])
    _assert_unique_and_gap_free([n for r in results for n in r])


def test_din_allocation_8_processes(pg_station_db, processes) -> None:
    """8 x 100 from a fresh database: the first allocation of the year races to create the counter row."""
    _din_run(pg_station_db, processes, 100)


def test_archive_item_allocation_8_processes(pg_station_db, processes) -> None:
    _archive_run(pg_station_db, processes, 100, 2031)


@pytest.mark.slow
def test_din_allocation_10000_numbers(pg_station_db, processes) -> None:
    _din_run(pg_station_db, processes, 1250)


@pytest.mark.slow
def test_archive_item_allocation_10000_numbers(pg_station_db, processes) -> None:
    _archive_run(pg_station_db, processes, 1250, 2032)


def test_register_donation_8_desks(pg_station_db, processes) -> None:
    """Whole registrations at 8 desks at once: DINs and today's queue numbers unique and contiguous."""
    ctx = open_station(pg_station_db.data_dir, "desk-0")
    try:
        actors, _ = staff(ctx)
        from station.services import donors as dr

        rng = random.Random(8)
        donor_ids = [dr.register_donor(ctx, actors["registrar"], donor_input(rng))["donor_id"] for _ in range(PROCESSES * 5)]
        with ctx.transaction() as s:
            before = {d.id for d in s.execute(select(Donation)).unique().scalars()}
    finally:
        ctx.close()
    results = processes.together(workers.register_donations,
                   [(str(pg_station_db.data_dir), f"desk-{i}", donor_ids[i::PROCESSES]) for i in range(PROCESSES)])
    registered = [r for rs in results for r in rs]
    assert len(registered) == len(donor_ids)
    dins = [r["din"] for r in registered]
    assert len(set(dins)) == len(dins)
    queue = [r["queue_number"] for r in registered]
    assert len(set(queue)) == len(queue), "two donors got the same queue number"
    ctx = open_station(pg_station_db.data_dir, "desk-0")
    try:
        with ctx.transaction() as s:
            rows = [d for d in s.execute(select(Donation)).unique().scalars() if d.id not in before]
            all_dins = [d.din for d in s.execute(select(Donation)).unique().scalars()]
    finally:
        ctx.close()
    assert sorted(r.din for r in rows) == sorted(dins)
    _assert_unique_and_gap_free(_sequence_numbers(all_dins), min(_sequence_numbers(all_dins)))
