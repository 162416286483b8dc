"""Benchmark: donor lookup by ID number and by name prefix in a SQLite database of 1,000,000 donors.

The database is built once through the real schema (Alembic migrations) and cached at --db: rows are
bulk-inserted with executemany in large batches, but each row is what register_donor writes, with the ID
and phone numbers encrypted by station.security.PiiCipher and their blind indexes. The measured calls
are the services' own: station.services.donors.find_donor (ID number) and search_donors (name prefix).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红建文辉力志宏晓燕雪梅海波鹏飞婷琳浩宇欣怡子涵俊佳"
REGIONS = ("330102", "330105", "330106", "330108", "330110", "330114", "110105", "310104", "320102", "440305")
BATCH = 20_000
PIN_DATE = datetime(2026, 5, 12, 2, 0, tzinfo=UTC)


def _person(rng: random.Random, i: int, taken: set[str]) -> tuple[str, str, str, date]:
    """A valid ID number not yet in `taken`, a name, sex and birth date."""
    from station.identifiers import id_check_digit

    sex = "male" if i % 2 else "female"
    while True:
        birth = date(1971, 1, 1) + timedelta(days=rng.randrange(36 * 365))
        region = rng.choice(REGIONS)
        seq = rng.randrange(500) * 2 + (1 if sex == "male" else 0)
        first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
        if first17 not in taken:
            taken.add(first17)
            break
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return first17 + id_check_digit(first17), name, sex, birth


def build(data_dir: Path, n: int, seed: int) -> dict[str, Any]:
    """A station data folder whose database holds n donors; returns a sample of (ID number, name) to look up."""
    from station.bootstrap import init_data_dir
    from station.config import load_config
    from station.identifiers import mask_id, mask_phone
    from station.security import PiiCipher

    sample_file = data_dir / "bench-sample.json"
    marker = data_dir / "bench-building"
    if marker.exists():  # an interrupted build of ours: start again
        import shutil

        shutil.rmtree(data_dir)
    if sample_file.exists():
        sample = json.loads(sample_file.read_text())
        if sample.get("donors") == n and sample.get("seed") == seed:
            return sample
        raise SystemExit(f"{data_dir} holds a different data set; remove it or choose another --db")
    if data_dir.exists() and any(data_dir.iterdir()):
        raise SystemExit(f"{data_dir} is not empty and not a benchmark data set")
    data_dir.mkdir(parents=True, exist_ok=True)
    marker.touch()
    init_data_dir(data_dir, admin_password="Bench-2026-admin", with_ca=False)
    cfg = load_config(data_dir)
    pii = PiiCipher.from_file(cfg.pii_key_path)
    db_file = cfg.database_url.split("sqlite:///", 1)[1]
    import sqlite3

    rng = random.Random(seed)
    conn = sqlite3.connect(db_file)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")  # a bulk build; the station's own writes keep synchronous=FULL
    sql = ("INSERT INTO donor (id_type, id_number_cipher, id_number_index, id_number_masked, name, sex, birth_date, "
           "nation, address, phone_cipher, phone_index, phone_masked, abo, rhd, created_at, version) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)")
    created = PIN_DATE.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy writes a UTC datetime to SQLite
    picks = set(rng.sample(range(n), min(n, 2000)))
    sample_ids: list[str] = []
    sample_names: list[str] = []
    started = time.perf_counter()
    rows: list[tuple[Any, ...]] = []
    taken: set[str] = set()
    for i in range(n):
        number, name, sex, birth = _person(rng, i, taken)
        phone = f"13{i % 10}{rng.randrange(10_000_000, 99_999_999)}"
        rows.append(("resident", pii.encrypt(number, "id_number"), pii.blind_index(f"resident:{number}", "id_number"),
                     mask_id(number), name, sex, birth.isoformat(), "汉", f"浙江省杭州市西湖区文三路{i % 400 + 1}号",
                     pii.encrypt(phone, "phone"), pii.blind_index(phone, "phone"), mask_phone(phone),
                     rng.choice(("A", "B", "O", "AB")), "+", created))
        if i in picks:
            sample_ids.append(number)
            sample_names.append(name[:rng.choice((1, 2))])
        if len(rows) >= BATCH:
            conn.executemany(sql, rows)
            conn.commit()
            rows.clear()
            done = i + 1
            if done % 200_000 == 0:
                print(f"  built {done:,} donors in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if rows:
        conn.executemany(sql, rows)
        conn.commit()
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    sample = {"donors": n, "seed": seed, "build_seconds": round(time.perf_counter() - started, 1),
              "id_numbers": sample_ids, "name_prefixes": sample_names}
    sample_file.write_text(json.dumps(sample, ensure_ascii=False))
    marker.unlink()
    return sample


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def measure(data_dir: Path, sample: dict[str, Any], lookups: int) -> dict[str, dict[str, float]]:
    from station.context import open_context
    from station.services.donors import find_donor, search_donors
    from station.services.users import user_actor

    ctx = open_context(data_dir)
    try:
        actor = user_actor(ctx, "admin")
        out: dict[str, dict[str, float]] = {}
        ids = sample["id_numbers"][:lookups]
        names = sample["name_prefixes"][:lookups]
        # warm the page cache the way a running station is warm
        for number in ids[:20]:
            find_donor(ctx, actor, number)
        for kind, items, call in (
                ("id_number", ids, lambda v: find_donor(ctx, actor, v)),
                ("name_prefix", names, lambda v: search_donors(ctx, actor, name=v))):
            times = []
            found = 0
            for v in items:
                t0 = time.perf_counter()
                result = call(v)
                times.append((time.perf_counter() - t0) * 1000)
                found += bool(result)
            if found != len(items):
                raise SystemExit(f"{kind}: only {found} of {len(items)} lookups found a donor")
            out[kind] = {"p50": statistics.median(times), "p95": _percentile(times, 95), "max": max(times),
                         "n": len(items)}
        return out
    finally:
        ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--donors", type=int, default=1_000_000, help="donors in the database (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="50,000 donors")
    parser.add_argument("--db", default=None,
                        help="data folder to build or reuse (default: a folder per size under the temp dir)")
    parser.add_argument("--lookups", type=int, default=500, help="lookups of each kind")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    n = 50_000 if args.quick else args.donors
    data_dir = Path(args.db) if args.db else Path(tempfile.gettempdir()) / f"station-bench-lookup-{n}"
    os.environ.pop("STATION_DATABASE_URL", None)  # the benchmark is about the embedded SQLite database
    t0 = time.perf_counter()
    sample = build(data_dir, n, args.seed)
    build_s = time.perf_counter() - t0
    figures = measure(data_dir, sample, args.lookups)
    print(f"donors in database: {n:,}  (data folder {data_dir}; build/reuse {build_s:.0f} s)")
    print(f"{'lookup':<14} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}   target p95 <= 20 ms")
    for kind, f in figures.items():
        print(f"{kind:<14} {f['n']:>5} {f['p50']:>9.2f} {f['p95']:>9.2f} {f['max']:>9.2f}")
    print(json.dumps({"bench": "lookup", "machine": f"{platform.machine()} {os.cpu_count()} cpu {platform.system()}",
                      "donors": n, "figures": {
                          f"{kind}_{p}": {"value": round(f[p], 3), "unit": "ms", "target": 20 if p == "p95" else None,
                                          "better": "lower"}
                          for kind, f in figures.items() for p in ("p50", "p95")}}))


if __name__ == "__main__":
    main()
