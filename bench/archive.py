"""Benchmark: archive N donations (3 signed PDFs each) with every check; throughput and peak RSS.

The data set (donors, donations, collections, signed records) is built once and cached: rows are
inserted directly (the workflow is not what is measured) and the records are rendered and signed
for real (staff signatures, signature time stamps, DSS and B-LTA closing time stamp) by two
worker processes against the local RFC 3161 service. Each measured run works on its own copy of
the database and an empty file store, in a subprocess of its own, so that its peak RSS is the
job's alone: 300 donations for throughput, 100 and 1,000 for the RSS comparison (streaming: the
peak must not grow with the batch).
"""
from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "archive"))

PIN = "246810"
PER_DAY = 10
DAY0 = date(2026, 3, 2)
_worker: dict[str, Any] = {}


def _id_number(rng: random.Random, birth: date) -> str:
    from station.identifiers import id_check_digit

    first17 = f"330106{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_check_digit(first17)


def _sign_init(ca_dir: str, staff_dir: str, tsa_url: str) -> None:
    logging.disable(logging.WARNING)
    from signing.keystore import Pkcs12KeyStore
    from signing.pades import RecordSigner, SigningContext, TrustMaterial
    from signing.tsa import http_timestamper

    staff = Pkcs12KeyStore(Path(staff_dir))
    _worker["staff"] = {"physician": staff.open("li.doctor", PIN).__enter__(),
                        "nurse": staff.open("wang.nurse", PIN).__enter__()}
    _worker["signer"] = RecordSigner(None, SigningContext(TrustMaterial.from_ca_folder(ca_dir),
                                                          http_timestamper(tsa_url)))


def _sign_one(task: tuple[str, str, str, str]) -> dict[str, Any]:
    from archive_helpers import BOX, Record, Slot, render_record

    din, name, id_number, out_dir = task
    slots = {"consent": Slot("PhysicianConsent", 0, BOX, "physician", "review"),
             "registration": Slot("PhysicianReview", 0, BOX, "physician", "review"),
             "collection": Slot("NurseCollection", 0, BOX, "nurse", "collection")}
    records = [Record(k, render_record(k, din, name, id_number), (slots[k],)) for k in slots]
    signed = _worker["signer"].sign_donation(records, None, _worker["staff"])
    folder = Path(out_dir) / din
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for rec in signed:
        rec.write(folder / f"{rec.kind}.pdf")
        out[rec.kind] = {"path": f"{din}/{rec.kind}.pdf", "sha256": rec.sha256, "size": len(rec.pdf),
                         "role": slots[rec.kind].role}
    return {"din": din, "records": out}


def build_dataset(base: Path, n: int) -> None:
    """`station init`, n donations in records_signed with three signed records each (cached in `base`)."""
    marker = base / f"dataset-{n}.done"
    if marker.exists():
        return
    shutil.rmtree(base, ignore_errors=True)
    from archive_helpers import Pki

    from signing.tsa import start_in_thread
    from station.bootstrap import init_data_dir
    from station.context import open_context
    from station.demo import demo_actors
    from station.identifiers import format_din, mask_id
    from station.models import Collection, Donation, Donor, SignedRecord
    from station.services.donors import id_index

    data = base / "data"
    init_data_dir(data, admin_password="Adm1n-bench-archive")
    ctx = open_context(data)
    _ = ctx.site_id, ctx.station_id
    actors = demo_actors(ctx)
    pki = Pki(ctx, base / "pki")
    rng = random.Random(2026)
    people = []
    for i in range(n):
        birth = date(1970, 1, 1) + timedelta(days=rng.randint(0, 12000))
        name = rng.choice("王李张刘陈杨黄赵吴周") + rng.choice("伟芳娜秀英敏静丽强磊") + rng.choice("军洋勇艳杰娟涛明")
        people.append((format_din(ctx.config.site.facility_code, 2026, i + 1), name, _id_number(rng, birth), birth))
    t0 = time.perf_counter()
    tasks = [(din, name, idn, str(ctx.config.records_dir)) for din, name, idn, _b in people]
    with start_in_thread(pki.authority) as tsa, multiprocessing.get_context("spawn").Pool(
            2, initializer=_sign_init,
            initargs=(str(ctx.config.ca_dir), str(base / "pki" / "staff"), tsa.url)) as pool:
        signed = {r["din"]: r["records"] for r in pool.imap_unordered(_sign_one, tasks, chunksize=4)}
    print(f"signed {3 * n} records in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    now = datetime.now(UTC)
    nurse = actors["nurse"].user_id
    with ctx.transaction() as s:
        for i, (din, name, idn, birth) in enumerate(people):
            donor = Donor(id_type="resident", id_number_cipher=ctx.pii.encrypt(idn, "id_number"),
                          id_number_index=id_index(ctx, "resident", idn), id_number_masked=mask_id(idn), name=name,
                          sex="male", birth_date=birth, created_at=now)
            s.add(donor)
            s.flush()
            day = DAY0 + timedelta(days=i // PER_DAY)
            at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
            d = Donation(din=din, donor_id=donor.id, site_id=ctx.site_id, station_id=ctx.station_id,
                         state="records_signed", donation_date=day, registered_at=at, registered_by=nurse)
            s.add(d)
            s.flush()
            s.add(Collection(donation_id=d.id, separator_serial="SIM-001", kit_catalogue="K1", kit_lot="L1",
                             ac_lot="A1", saline_lot="S1", started_at=at, operator_id=nurse))
            for kind, rec in signed[din].items():
                s.add(SignedRecord(donation_id=d.id, kind=kind, path=rec["path"], sha256=rec["sha256"],
                                   size=rec["size"], signed_at=now, signers=[rec["role"]], evidence={}))
    ctx.close()
    marker.write_text("ok")


def run_dir_for(base: Path, label: str) -> Path:
    """A data folder sharing the base's records, CA and key, with its own database copy and store."""
    from station.config import load_config, write_config

    run = base / f"run-{label}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    src = load_config(base / "data")
    cfg = replace(src, data_dir=run,
                  records=replace(src.records, directory=str(src.records_dir)),
                  ca=replace(src.ca, directory=str(src.ca_dir), passphrase_file=str(src.ca_passphrase_file)),
                  security=replace(src.security, pii_key_file=str(src.pii_key_path)))
    write_config(cfg)
    shutil.copy2(base / "data" / "station.db", run / "station.db")
    return run


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def worker(run: Path, n: int) -> None:
    """Runs in its own process: archive the first n donations (by day) and report time and peak RSS."""
    logging.disable(logging.WARNING)
    from station.context import open_context
    from station.demo import demo_actors
    from station.services.archiving.job import run_archive

    ctx = open_context(run)
    _ = ctx.site_id, ctx.station_id
    actor = demo_actors(ctx)["archivist"]
    date_to = DAY0 + timedelta(days=(n - 1) // PER_DAY)
    t0 = time.perf_counter()
    cpu0 = _cpu_seconds()
    result = run_archive(ctx, actor, date_from=DAY0, date_to=date_to)
    elapsed = time.perf_counter() - t0
    # the job's own CPU and that of its inspection workers and tools (reaped when the pool shut down):
    # independent of how many other processes share the cores
    cpu = _cpu_seconds() - cpu0
    ctx.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the largest inspection worker (or qpdf/pdftoppm child): they run beside the job, not inside it
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"archived": result.archived, "failed": len(result.failed), "elapsed": elapsed, "cpu": cpu,
                      "peak_rss_mb": rss_mb, "peak_rss_worker_mb": child_mb}))


def measure(base: Path, n: int) -> dict[str, Any]:
    run = run_dir_for(base, str(n))
    out = subprocess.run([sys.executable, __file__, "--worker", str(run), str(n)], capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        raise SystemExit(f"archive run of {n} failed:\n{out.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if figures["archived"] != n or figures["failed"]:
        raise SystemExit(f"expected {n} archived, got {figures}")
    shutil.rmtree(run, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="30 donations; RSS for 20 vs 100")
    parser.add_argument("--cache", default=os.environ.get("BENCH_CACHE", "/tmp/station-bench-archive"),
                        help="where the signed data set is kept between runs")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(Path(args.worker[0]), int(args.worker[1]))
        return
    logging.disable(logging.WARNING)
    n_main, n_small, n_large = (30, 20, 100) if args.quick else (300, 100, 1000)
    base = Path(args.cache) / ("quick" if args.quick else "full")
    build_dataset(base, n_large)
    main_run = measure(base, n_main)
    small = measure(base, n_small)
    large = measure(base, n_large)
    rate = n_main / main_run["elapsed"]
    growth = (large["peak_rss_mb"] - small["peak_rss_mb"]) / small["peak_rss_mb"] * 100
    # the workers hold the parsed records: a leak there grows with the batch although the job's own RSS does not
    worker_growth = ((large["peak_rss_worker_mb"] - small["peak_rss_worker_mb"]) / small["peak_rss_worker_mb"]
                     * 100)
    rows = [("donations archived (throughput run)", n_main, ""),
            ("elapsed", f"{main_run['elapsed']:.1f}", "s"),
            ("donations per second", f"{rate:.1f}", "/s (target >= 10)"),
            ("CPU per donation (job, workers, tools)", f"{main_run['cpu'] / n_main * 1000:.0f}", "ms"),
            ("peak RSS, throughput run", f"{main_run['peak_rss_mb']:.0f}", "MB (target <= 400)"),
            ("peak RSS of one inspection worker", f"{main_run['peak_rss_worker_mb']:.0f}", "MB"),
            (f"peak RSS, {n_small} donations", f"{small['peak_rss_mb']:.0f}", "MB"),
            (f"peak RSS, {n_large} donations", f"{large['peak_rss_mb']:.0f}", "MB"),
            (f"RSS growth {n_small} -> {n_large}", f"{growth:+.1f}", "% (target within 10 %)"),
            (f"worker peak RSS, {n_small} / {n_large} donations",
             f"{small['peak_rss_worker_mb']:.0f} / {large['peak_rss_worker_mb']:.0f}", "MB"),
            (f"worker RSS growth {n_small} -> {n_large}", f"{worker_growth:+.1f}", "% (target within 10 %)")]
    for label, value, unit in rows:
        print(f"{label:<40} {value:>10} {unit}")
    peak = max(main_run["peak_rss_mb"], small["peak_rss_mb"], large["peak_rss_mb"])
    print(json.dumps({"bench": "archive", "machine": f"{platform.machine()} {os.cpu_count()} cpu {platform.system()}",
                      "figures": {
                          "donations_per_second": {"value": round(rate, 2), "unit": "donations/s", "target": 10,
                                                   "better": "higher"},
                          "cpu_per_donation": {"value": round(main_run["cpu"] / n_main * 1000, 1), "unit": "ms",
                                               "target": 200, "better": "lower"},
                          "peak_rss": {"value": round(peak, 1), "unit": "MB", "target": 400, "better": "lower"},
                          "worker_rss_growth_small_to_large": {"value": round(abs(worker_growth), 2), "unit": "%",
                                                               "target": 10, "better": "lower"},
                          "rss_growth_small_to_large": {"value": round(abs(growth), 2), "unit": "%", "target": 10,
                                                        "better": "lower"},
                      }}))


if __name__ == "__main__":
    main()
