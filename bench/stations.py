"""Many stations on one PostgreSQL database: 4 registration desks, 4 physicians and 12 collection chairs
(20 threads, each with its own StationContext and connection pool) drive donations through the service
layer at 100 donations an hour, compressed in time. Prints service latency (p50/p95), conflicts, errors and
lost updates (checked afterwards: every donation sealed with each step once, stock, DINs, audit chain).

Usage: python bench/stations.py [--quick] [--donations N] [--minutes M] [--pg-url URL]
(default URL: STATION_TEST_PG_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/postgres; a throwaway
database station_bench_<random> is created on that server and dropped afterwards)."""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from station import audit
from station.errors import ConflictError, InvalidTransition, StationError
from station.identifiers import din_check_character
from station.models import ConsumableLot, Donation, DonationStep
from station.services import donations as dn
from station.services import donors as dr
from tests.multistation.helpers import (
    STEPS,
    collection_result,
    create_pg_database,
    donor_input,
    drop_pg_database,
    exam_input,
    healthy_answers,
    init_station,
    open_station,
    precheck_input,
    pretest_input,
    staff,
)

DESKS, PHYSICIANS, CHAIRS = 4, 4, 12
RATE_PER_HOUR = 100
# Needle in to needle out, real time. A real apheresis run takes about an hour, but 100 donations an hour
# over 12 chairs leaves a chair ~7 minutes per donor; the bench keeps the rate and shortens the run.
COLLECTION_MINUTES = 6
POLL_SECONDS = 0.5  # how often an idle station refreshes its waiting list


def _scan(ctx: Any, actor: Any, donation_id: int) -> str:
    """What the chair's scanner reads off the printed label (DIN with flags)."""
    from station.models import Donation

    with ctx.transaction() as s:
        d = s.get(Donation, donation_id)
        return f"={d.din}{d.din_flags}"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


class Run:
    def __init__(self, total: int, compress: float) -> None:
        self.total = total
        self.compress = compress  # seconds of bench per second of the real day
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.conflicts: Counter[str] = Counter()
        self.errors: list[str] = []
        self.registered: list[int] = []
        self.sealed: set[int] = set()
        self.stop = threading.Event()
        self.claimed: set[int] = set()

    def timed(self, name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            with self.lock:
                self.latency[name].append((time.perf_counter() - t0) * 1000)

    def error(self, where: str, exc: BaseException) -> None:
        with self.lock:
            self.errors.append(f"{where}: {type(exc).__name__}: {exc} {getattr(exc, 'details', '')}")


def desk(run: Run, ctx: Any, actors: dict[str, Any], index: int, start: float) -> None:
    """Registers every DESKS-th donor at its scheduled time: donor, donation, questionnaire on the tablet."""
    reg = actors["registrar"]
    rng = random.Random(index)
    interval = 3600 / RATE_PER_HOUR * run.compress
    for n in range(index, run.total, DESKS):
        delay = start + n * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            donor = run.timed("register_donor", dr.register_donor, ctx, reg, donor_input(rng, name=f"站{index}号{n}"))
            d = run.timed("register_donation", dn.register_donation, ctx, reg, donor["donor_id"])
            with run.lock:
                run.registered.append(d["donation_id"])
            answers = healthy_answers(ctx, d["donation_id"])
            run.timed("sign_questionnaire", dn.sign_questionnaire, ctx, reg, d["donation_id"], answers)
        except StationError as exc:
            run.error(f"desk {index}", exc)


def _claim(run: Run, ctx: Any, actor: Any, state: str, name: str, first_step: Any) -> tuple[int, int] | None:
    """Pick a donation waiting in `state` from the shared list and take it with the first step (optimistic)."""
    rows = run.timed("list_donations", dn.list_donations, ctx, actor, states=(state,))
    random.shuffle(rows)
    for row in rows:
        try:
            out = run.timed(name, first_step, row["donation_id"], row["version"])
        except (ConflictError, InvalidTransition):
            with run.lock:  # another station took it first: reload and look again
                run.conflicts[name] += 1
            continue
        return row["donation_id"], out
    return None


def physician(run: Run, ctx: Any, actors: dict[str, Any], index: int) -> None:
    doc = actors["physician"]
    while not run.stop.is_set():
        try:
            got = _claim(run, ctx, doc, "questionnaire_signed", "record_examination",
                         lambda did, v: dn.record_examination(ctx, doc, did, exam_input(), expected_version=v))
            if got is None:
                time.sleep(POLL_SECONDS)
                continue
            did = got[0]
            version = dn.donation_detail(ctx, doc, did)["version"]
            run.timed("record_pretest", dn.record_pretest, ctx, doc, did, pretest_input(), expected_version=version)
            out = run.timed("assess", dn.assess, ctx, doc, did)
            if out["result"] != "eligible":
                run.error(f"physician {index}", RuntimeError(f"donation {did} deferred: {out['reasons']}"))
                continue
            # the physician prints the label with the decision (a reprint at the chair would be a second step row)
            run.timed("print_label", dn.print_label, ctx, doc, did)
        except StationError as exc:
            run.error(f"physician {index}", exc)


def chair(run: Run, ctx: Any, actors: dict[str, Any], lots: dict[str, str], index: int) -> None:
    nur = actors["nurse"]
    while not run.stop.is_set():
        try:
            got = _claim(run, ctx, nur, "assessed", "precollection_check",
                         lambda did, v: dn.precollection_check(ctx, nur, did, precheck_input(_scan(ctx, nur, did), lots),
                                                               expected_version=v))
            if got is None:
                time.sleep(POLL_SECONDS)
                continue
            did = got[0]
            din = dn.donation_detail(ctx, nur, did)["din"]
            scan = _scan(ctx, nur, did)
            run.timed("start_collection", dn.start_collection, ctx, nur, did)
            time.sleep(COLLECTION_MINUTES * 60 * run.compress)
            run.timed("finish_collection", dn.finish_collection, ctx, nur, did, collection_result())
            run.timed("postcollection_check", dn.postcollection_check, ctx, nur, did, {k: True for k in dn.POST_ITEMS})
            run.timed("seal", dn.seal, ctx, nur, did, [scan, din + din_check_character(din)])
            with run.lock:
                run.sealed.add(did)
        except StationError as exc:
            run.error(f"chair {index}", exc)


def verify(ctx: Any, run: Run, lots_before: dict[str, int]) -> dict[str, Any]:
    """Lost updates: every registered donation sealed, each step exactly once, stock and DINs consistent."""
    problems: list[str] = []
    unfinished: list[int] = []
    with ctx.transaction() as s:
        donations = {d.id: d for d in s.execute(select(Donation)).unique().scalars()}
        for did in run.registered:
            d = donations.get(did)
            if d is None:
                problems.append(f"donation {did} missing")
                continue
            steps = [st.step for st in d.steps]
            if steps == ["register", *STEPS[:len(steps) - 1]] and d.state != "sealed":
                unfinished.append(did)  # not lost: stopped by the bench's deadline, each step once
            elif d.state != "sealed" or steps != ["register", *STEPS]:
                problems.append(f"donation {did}: state {d.state}, steps {steps}")
        lots_after = {r.lot: r.quantity_on_hand for r in s.execute(select(ConsumableLot)).scalars()}
        used = {lot: lots_before[lot] - lots_after[lot] for lot in lots_before}
        finished = s.execute(select(func.count()).select_from(DonationStep)
                             .where(DonationStep.step == "finish_collection")).scalar_one()
        for lot, n in used.items():
            if n != finished:
                problems.append(f"lot {lot}: {n} used for {finished} collections (lost stock update)")
        seqs = sorted(int(d.din[7:13]) for d in donations.values())
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append("DIN sequence numbers not contiguous")
        chain = audit.verify_chain(s)
        if chain:
            problems.append(f"audit chain: {len(chain)} problems")
    return {"lost_updates": len(problems), "problems": problems[:10], "unfinished": len(unfinished)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="30 donations over ~20 s of registrations")
    ap.add_argument("--donations", type=int, default=None)
    ap.add_argument("--minutes", type=float, default=None, help="bench time the registrations are spread over")
    ap.add_argument("--pg-url", default=os.environ.get("STATION_TEST_PG_URL")
                    or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--keep", action="store_true", help="keep the database and data folder")
    args = ap.parse_args()
    total = args.donations or (30 if args.quick else 100)
    minutes = args.minutes or (total / RATE_PER_HOUR * 60 / (90 if args.quick else 60))
    compress = minutes * 60 / (total / RATE_PER_HOUR * 3600)

    url = create_pg_database(args.pg_url, "station_bench")
    tmp = Path(tempfile.mkdtemp(prefix="bench-stations-"))
    try:
        init_station(tmp / "data", url)
        main_ctx = open_station(tmp / "data", "bench")
        actors, lots = staff(main_ctx)
        with main_ctx.transaction() as s:
            lots_before = {r.lot: r.quantity_on_hand for r in s.execute(select(ConsumableLot)).scalars()}
        run = Run(total, compress)
        stations = [open_station(tmp / "data", f"station-{i:02d}") for i in range(DESKS + PHYSICIANS + CHAIRS)]
        start = time.monotonic() + 0.5
        threads = [threading.Thread(target=desk, args=(run, stations[i], actors, i, start)) for i in range(DESKS)]
        threads += [threading.Thread(target=physician, args=(run, stations[DESKS + i], actors, i))
                    for i in range(PHYSICIANS)]
        threads += [threading.Thread(target=chair, args=(run, stations[DESKS + PHYSICIANS + i], actors, lots, i))
                    for i in range(CHAIRS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads[:DESKS]:
            t.join()
        deadline = time.monotonic() + 120 + COLLECTION_MINUTES * 60 * compress * 2
        while time.monotonic() < deadline:
            with run.lock:
                done = len(run.sealed) + len(run.errors) >= len(run.registered)
            if done:
                break
            time.sleep(0.1)
        run.stop.set()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        result = verify(main_ctx, run, lots_before)
        for c in stations:
            c.close()
        main_ctx.close()
    finally:
        if not args.keep:
            drop_pg_database(args.pg_url, url)

    writes = [v for k, vs in run.latency.items() if k != "list_donations" for v in vs]
    print(f"{DESKS + PHYSICIANS + CHAIRS} stations ({DESKS} desks, {PHYSICIANS} physicians, {CHAIRS} chairs), "
          f"{total} donations at {RATE_PER_HOUR}/h compressed x{1 / compress:.0f} into {wall:.0f} s")
    print(f"{'service call':24} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name in sorted(run.latency):
        vs = run.latency[name]
        print(f"{name:24} {len(vs):6d} {pct(vs, 50):8.1f} {pct(vs, 95):8.1f} {max(vs):8.1f}")
    print(f"{'all writes':24} {len(writes):6d} {pct(writes, 50):8.1f} {pct(writes, 95):8.1f} {max(writes):8.1f}")
    print(f"sealed {len(run.sealed)}/{len(run.registered)}; conflicts {dict(run.conflicts)}; errors {len(run.errors)}; "
          f"lost updates {result['lost_updates']}; unfinished at the deadline {result['unfinished']}")
    for line in run.errors[:10] + result["problems"]:
        print("  " + line)
    all_calls = [v for vs in run.latency.values() for v in vs]
    figures = {
        "service_p50_ms": {"value": round(pct(all_calls, 50), 1), "unit": "ms", "target": None, "better": "lower"},
        "service_p95_ms": {"value": round(pct(all_calls, 95), 1), "unit": "ms", "target": 100, "better": "lower"},
        "write_p95_ms": {"value": round(pct(writes, 95), 1), "unit": "ms", "target": 100, "better": "lower"},
        "conflicts": {"value": sum(run.conflicts.values()), "unit": "count", "target": None, "better": "lower"},
        "errors": {"value": len(run.errors), "unit": "count", "target": 0, "better": "lower"},
        "lost_updates": {"value": result["lost_updates"], "unit": "count", "target": 0, "better": "lower"},
        "donations_sealed": {"value": len(run.sealed), "unit": "count", "target": total, "better": "higher"},
    }
    machine = f"{platform.node()} {platform.machine()} {platform.python_version()} cpus={os.cpu_count()}"
    print(json.dumps({"bench": "stations", "machine": machine, "figures": figures}))
    return 0 if not run.errors and not result["lost_updates"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
