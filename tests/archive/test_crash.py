"""Crash injection: the job is killed with SIGKILL at random points, then run again until it completes;
afterwards there is no duplicate, no gap and no orphan (in the database or in the store)."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.store import FileStore
from station.context import open_context
from station.demo import demo_actors
from station.models import Donation
from station.models.archive import ArchiveCounter, ArchiveItem
from station.services.archiving.job import verify_store

WORKER = Path(__file__).parent / "crash_worker.py"


def _start(data_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen([sys.executable, str(WORKER), str(data_dir)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)


def _kill_at_random(data_dir: Path, rng: random.Random, max_delay: float) -> bool:
    """Start the job, wait until it works, SIGKILL it after a random delay; True if it finished first."""
    proc = _start(data_dir)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "started": imports done, the job begins
    assert line.startswith("started"), line
    time.sleep(rng.uniform(0.0, max_delay))
    finished = proc.poll() is not None
    if not finished:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    _no_survivors(proc.pid)
    return finished


def _no_survivors(pid: int) -> None:
    """The inspection workers of a killed job must not outlive it (they would hold files and memory)."""
    deadline = time.monotonic() + 10
    while True:
        orphans = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if b"crash_worker.py" in cmd and ppid != pid and int(entry.name) != pid:
                orphans.append(int(entry.name))
        if not orphans or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not orphans, f"worker processes outlived the killed job: {orphans}"


def _invariants(data_dir: Path, expected: int) -> None:
    ctx = open_context(data_dir)
    try:
        with ctx.sessions() as s:
            rows = list(s.execute(select(ArchiveItem).order_by(ArchiveItem.year, ArchiveItem.item_number)).scalars())
            counters = {c.year: c.last_item for c in s.execute(select(ArchiveCounter)).scalars()}
            archived = s.execute(select(func.count()).select_from(Donation)
                                 .where(Donation.state == "archived")).scalar_one()
            left = s.execute(select(func.count()).select_from(Donation)
                             .where(Donation.state == "records_signed")).scalar_one()
        assert len(rows) == expected == archived and left == 0
        assert len({r.donation_id for r in rows}) == len(rows), "duplicate item for a donation"
        for year in {r.year for r in rows}:
            numbers = [r.item_number for r in rows if r.year == year]
            assert numbers == list(range(1, len(numbers) + 1)), f"gap or duplicate in {year}: {numbers}"
            assert counters[year] == len(numbers)
        store = FileStore(data_dir / "archive-store")
        assert sorted(store.list_packages()) == sorted(r.package_name for r in rows), "orphan or missing package"
        assert not [p for p in (data_dir / "archive-store").rglob(".staging-*")], "staging left behind"
        assert verify_store(ctx, demo_actors(ctx)["archivist"]) == []
    finally:
        ctx.close()


def _crash_runs(station_dir: Path, expected: int, kills: int, seed: int) -> int:
    """Kill up to `kills` times (fewer if a run finishes first), complete, check; returns the kills made."""
    rng = random.Random(seed)
    # a full run takes 0.25-0.5 s per donation on two cores (less since validation got faster): kill within
    # the first part of it, so that a kill lands inside the run on a fast machine as well as on a slow one
    max_delay = 0.2 * expected
    made = 0
    for _ in range(kills):
        if _kill_at_random(station_dir, rng, max_delay):
            break
        made += 1
    proc = _start(station_dir)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0
    last = json.loads(out.strip().splitlines()[-1])
    assert last["failed"] == [] and last["skipped_incomplete"] == 0
    _invariants(station_dir, expected)
    return made


def test_killed_five_times_then_completes(station_dir: Path, built_station: dict) -> None:
    made = _crash_runs(station_dir, len(built_station["signed_dins"]), kills=5, seed=20261123)
    assert made >= 1


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_killed_fifty_times_then_completes(built_station: dict, tmp_path: Path) -> None:
    """50 kills in all, over fresh copies of the station (a copy is fully archived after a few)."""
    import shutil

    total, round_no = 0, 0
    while total < 50:
        copy = tmp_path / f"round-{round_no}"
        shutil.copytree(built_station["data_dir"], copy)
        total += _crash_runs(copy, len(built_station["signed_dins"]), kills=min(8, 50 - total), seed=4242 + round_no)
        round_no += 1
