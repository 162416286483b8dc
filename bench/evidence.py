"""Benchmark: evidence records (RFC 4998) for N archived packages in a file:// records store.

Synthetic packages (six small files each, like a bag's tag and payload files) are made once per run
(not measured).  Measured, each end to end through archive.renewal.Renewer against the local RFC
3161 service over HTTP on the loopback: hashing every file of every package, the hash tree, ONE
time-stamp request, and writing one new evidence record object per package (plus the run object
and the sync):
  protect    the first archive time stamp of every package (SHA-256)
  timestamp  time-stamp renewal of every record (new ATS in the same chain: no package is read)
  hashtree   hash-tree renewal SHA-256 -> SHA-512 (every package re-hashed, a new chain)
Target: renewal of 100,000 packages' evidence records under 60 s on 2 cores (each phase).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "archive"))

from evidence_helpers import ScratchPKI, make_packages

from archive.evidence import Trust
from archive.renewal import FileObjects, RenewalPolicy, Renewer, verify_packages
from archive.store import FileStore
from signing.tsa import http_timestamper, start_in_thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 packages")
    parser.add_argument("--packages", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", default=None, help="folder for the synthetic store (default: a temp folder)")
    args = parser.parse_args()
    n = args.packages or (10_000 if args.quick else 100_000)
    base = Path(tempfile.mkdtemp(prefix="bench-evidence-", dir=args.dir))
    try:
        root = base / "store"
        t = time.perf_counter()
        names = make_packages(root, n)
        os.sync()  # the packages' own dirty pages are setup, not renewal
        setup = time.perf_counter() - t
        print(f"  setup: {n} packages in {setup:.1f} s", flush=True)
        pki = ScratchPKI.create()
        now = datetime.now(UTC)
        authority = pki.tsa(now - timedelta(hours=1), now + timedelta(days=5 * 365), "Bench TSA")
        store = FileStore(root)
        rows = []
        with start_in_thread(authority) as tsa:
            renewer = Renewer(store, http_timestamper(tsa.url), workers=args.workers)
            for phase, policy in (("protect", RenewalPolicy()),
                                  ("timestamp", RenewalPolicy(force_timestamp=True)),
                                  ("hashtree", RenewalPolicy(algorithm="sha512", hash_tree=True))):
                t0, c0 = time.perf_counter(), os.times()
                report = renewer.renew(names, policy)
                elapsed = time.perf_counter() - t0
                c1 = os.times()
                cpu = (c1.user - c0.user) + (c1.system - c0.system) + (c1.children_user - c0.children_user) \
                    + (c1.children_system - c0.children_system)
                written = report.protected + report.timestamp_renewed + report.hashtree_renewed
                assert written == n and len(report.runs) == 1, report.to_json()
                rows.append((phase, elapsed, cpu, written))
                print(f"  {phase}: {elapsed:.2f} s elapsed, {cpu:.2f} s cpu, {written} records", flush=True)
        # spot check: a sample of the renewed records verifies (not measured)
        sample = names[:: max(1, n // 50)]
        bad = [r.package for r in verify_packages(store, sample, Trust((pki.root,))) if not r.passed]
        assert not bad, bad
        records = sum(1 for k in FileObjects(root).keys() if k.endswith(".ers"))  # noqa: SIM118
        assert records == 3 * n
        _report(n, args.workers, setup, len(sample), rows)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _report(n: int, workers: int, setup: float, sampled: int, rows: list[tuple[str, float, float, int]]) -> None:
    print(f"evidence records for {n} synthetic packages ({workers} workers; setup {setup:.1f} s, "
          f"verified sample of {sampled}: ok; machine load average {os.getloadavg()[0]:.1f} at the end)")
    print(f"{'phase':<10} {'elapsed s':>10} {'cpu s':>8} {'records':>8} {'us/package':>11}")
    for phase, elapsed, cpu, written in rows:
        print(f"{phase:<10} {elapsed:>10.2f} {cpu:>8.2f} {written:>8} {elapsed / n * 1e6:>11.1f}")
    scale = 100_000 / n
    figures = {}
    for phase, elapsed, _cpu, _w in rows:
        figures[f"{phase}_100k_s"] = {"value": round(elapsed * scale, 2), "unit": "s", "target": 60,
                                      "better": "lower"}
        figures[f"{phase}_per_package_us"] = {"value": round(elapsed / n * 1e6, 1), "unit": "us", "target": 600,
                                              "better": "lower"}
    print(json.dumps({"bench": "evidence", "machine": f"{platform.machine()} {os.cpu_count()} cpu {platform.system()}",
                      "packages": n, "figures": figures}), flush=True)

if __name__ == "__main__":
    main()
