"""Benchmark: importing a day's bookings (2,000 rows) from a file and pulling them from the booking platform
simulator over HTTP (a first pull, and a second one that finds them all known), and the regional check for a
donor on loopback.

The regional figure is the check's wall time (query, parse, merge, commit) minus the simulator's own
configured delay, so it measures the station's side only.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from station.bootstrap import init_data_dir
from station.context import open_context
from station.demo import demo_actors
from station.identifiers import id_check_digit
from station.platforms.booking import HttpBookingSource
from station.platforms.booking_sim import BookingSimulator
from station.platforms.regional import HttpRegionalPlatform
from station.platforms.regional_sim import RegionalSimulator
from station.services import donors as dr
from station.services.operations import appointments as ap
from station.services.operations import regional as rg
from station.services.operations.bookings import pull_bookings


def _id(i: int) -> str:
    birth = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
    first17 = f"330106{birth:%Y%m%d}{i % 1000:03d}"
    return first17 + id_check_digit(first17)


def bookings(n: int, day: date, tag: str) -> str:
    rows = []
    for i in range(n):
        start = 8 * 60 + (i % 40) * 15
        rows.append({"booking_ref": f"{tag}-{i:05d}", "date": day.isoformat(),
                     "slot_start": f"{start // 60:02d}:{start % 60:02d}",
                     "slot_end": f"{(start + 15) // 60:02d}:{(start + 15) % 60:02d}", "name": f"预约{i}",
                     "id_number": _id(i)})
    return json.dumps(rows, ensure_ascii=False)


def main() -> None:
    ap_ = argparse.ArgumentParser(description=__doc__)
    ap_.add_argument("--quick", action="store_true")
    ap_.add_argument("--bookings", type=int, default=2000)
    ap_.add_argument("--runs", type=int, default=None)
    ap_.add_argument("--checks", type=int, default=None)
    ap_.add_argument("--sim-delay", type=float, default=0.02)
    args = ap_.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    checks = args.checks or (40 if args.quick else 200)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        init_data_dir(data, admin_password="Station-Demo-2026", with_ca=False)
        ctx = open_context(data)
        try:
            reg = demo_actors(ctx)["registrar"]
            import_s = []
            for r in range(runs):
                text = bookings(args.bookings, ctx.today(), f"R{r}")
                t0 = time.perf_counter()
                out = ap.import_bookings(ctx, reg, text, "json")
                import_s.append(time.perf_counter() - t0)
                assert out.imported == args.bookings and not out.broken, out.to_json()
            pull_s, repull_s = [], []
            with BookingSimulator() as bsim:
                for r in range(runs):
                    bsim.bookings = json.loads(bookings(args.bookings, ctx.today(), f"P{r}"))
                    source = HttpBookingSource(bsim.url, timeout=30)
                    t0 = time.perf_counter()
                    out = pull_bookings(ctx, reg, source, ctx.today())
                    pull_s.append(time.perf_counter() - t0)
                    assert out.imported == args.bookings and not out.broken, out.to_json()
                    t0 = time.perf_counter()
                    again = pull_bookings(ctx, reg, source, ctx.today())
                    repull_s.append(time.perf_counter() - t0)
                    assert again.imported == 0 and len(again.duplicates) == args.bookings
            number = _id(424242)
            donor_id = dr.register_donor(ctx, reg, dr.DonorInput(
                id_number=number, name="测试", sex="male" if int(number[16]) % 2 else "female", birth_date=date(1970 + 424242 % 30, 1 + 424242 % 12,
                                                                              1 + 424242 % 28)))["donor_id"]
            check_ms = []
            with RegionalSimulator(delay=args.sim_delay) as sim:
                sim.add_deferral("resident", number, kind="permanent", reason_code="HBV_POSITIVE", reason="乙肝",
                                 starts_on="2025-01-01")
                sim.add_donation("resident", number, donation_type="apheresis_platelets", donated_on="2026-01-02")
                platform_ = HttpRegionalPlatform(sim.url)
                for _ in range(checks):
                    t0 = time.perf_counter()
                    res = rg.check_donor(ctx, reg, donor_id, platform_)
                    check_ms.append((time.perf_counter() - t0 - args.sim_delay) * 1000)
                    assert res["status"] == "done", res
        finally:
            ctx.close()
    imp = statistics.median(import_s)
    pull, repull = statistics.median(pull_s), statistics.median(repull_s)
    qs = statistics.quantiles(check_ms, n=100)
    p50, p95 = statistics.median(check_ms), qs[94]
    print(f"{'figure':<36}{'value':>10}  unit  target")
    print(f"{'import ' + str(args.bookings) + ' bookings (median of ' + str(runs) + ')':<36}{imp:>10.3f}  s     <= 2")
    print(f"{'pull ' + str(args.bookings) + ' bookings over HTTP':<36}{pull:>10.3f}  s     <= 3")
    print(f"{'pull them again (all known)':<36}{repull:>10.3f}  s     <= 3")
    print(f"{'regional check p50 (' + str(checks) + ' checks)':<36}{p50:>10.1f}  ms")
    print(f"{'regional check p95 (excl. sim delay)':<36}{p95:>10.1f}  ms    <= 200")
    print(json.dumps({"bench": "operations",
                      "machine": f"{platform.machine()} {os.cpu_count()} cpu {platform.system()}",
                      "figures": {
                          "import_2000_bookings_s": {"value": round(imp, 3), "unit": "s", "target": 2,
                                                     "better": "lower"},
                          "pull_2000_bookings_s": {"value": round(pull, 3), "unit": "s", "target": 3,
                                                   "better": "lower"},
                          "repull_2000_bookings_s": {"value": round(repull, 3), "unit": "s", "target": 3,
                                                     "better": "lower"},
                          "regional_check_p50_ms": {"value": round(p50, 1), "unit": "ms", "target": None,
                                                    "better": "lower"},
                          "regional_check_p95_ms": {"value": round(p95, 1), "unit": "ms", "target": 200,
                                                    "better": "lower"}}}))


if __name__ == "__main__":
    main()
