"""`station report daily` against a demo day, every figure recounted here from the rows themselves."""
from __future__ import annotations

import json
from collections import Counter
from datetime import date

from sqlalchemy import select

from station.context import LOCAL_TZ
from station.models import AdverseReaction, Collection, Donation
from station.security import SYSTEM
from station.services.operations.daily import daily_report, format_daily
from tests.station.conftest import run_cli

DEMO_DAY = date(2026, 5, 13)


def test_daily_report_matches_the_rows(demo_day) -> None:
    ctx, demo = demo_day
    r = daily_report(ctx, SYSTEM, DEMO_DAY)
    with ctx.transaction() as s:
        colls = s.execute(select(Collection).join(Donation, Donation.id == Collection.donation_id)
                          .where(Donation.donation_date == DEMO_DAY)).scalars().all()
        hours = Counter(f"{c.started_at.astimezone(LOCAL_TZ).hour:02d}" for c in colls)
        doses = round(sum(c.doses for c in colls if c.doses is not None), 2)
        reactions = Counter(f"{a.type}/grade {a.grade}" for a in s.execute(select(AdverseReaction)).scalars())
        states = Counter(s.execute(select(Donation.state).where(Donation.donation_date == DEMO_DAY)).scalars())
    assert r["registered"] == demo.donations
    assert r["collections"] == len(colls) == demo.collected + demo.aborted
    assert r["completed_collections"] == demo.collected
    assert r["collections_per_hour"] == dict(sorted(hours.items())) and len(hours) > 1  # the day spread over hours
    assert sum(r["collections_per_chair"].values()) == len(colls)
    assert r["platelet_doses"] == doses > 0
    assert r["deferred"] == demo.deferred == states["deferred"]
    assert r["deferrals_by_reason"] == dict(demo.deferral_reasons)
    assert r["adverse_reactions"] == dict(sorted(reactions.items())) == {"citrate/grade 1": 1, "vasovagal/grade 2": 1}
    # no bookings and no tickets on the demo day: nothing came by appointment, no waiting time measured
    assert r["appointment_share"] == 0.0 and r["average_wait_minutes"] is None
    # nothing was signed (no CA in the template): every sealed donation misses its three records
    assert r["missing_signatures"] == 3 * states["sealed"] and r["missing_signature_rate"] == 1.0
    assert r["record_modification_rate"] == 0.0
    assert "暂缓" in format_daily(r)
    empty = daily_report(ctx, SYSTEM, date(2026, 5, 1))
    assert empty["collections"] == 0 and empty["appointment_share"] is None


def test_cli_daily_json_and_ledger_files(demo_day, tmp_path) -> None:
    ctx, _ = demo_day
    expected = daily_report(ctx, SYSTEM, DEMO_DAY)
    from sqlalchemy import func, select

    from station.models import Collection, Donation

    with ctx.transaction() as s:  # runs aborted on the chair used their kit too
        aborted_on_chair = s.execute(select(func.count()).select_from(Collection).join(
            Donation, Donation.id == Collection.donation_id).where(
            Donation.donation_date == DEMO_DAY, Donation.state == "aborted")).scalar_one()
    data_dir = ctx.config.data_dir
    ctx.close()
    out = run_cli("report", "daily", "--date", "2026-05-13", "--json", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == expected
    csv_path, pdf_path = tmp_path / "l.csv", tmp_path / "l.pdf"
    out = run_cli("report", "ledger", "--date", "2026-05-13", "--csv", str(csv_path), "--pdf", str(pdf_path), "--json",
                  data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert sum(x["used"] for x in doc["lines"] if x["item"] == "kit") == (expected["completed_collections"]
                                                                          + aborted_on_chair)
    assert csv_path.read_text(encoding="utf-8").count("\n") == len(doc["lines"]) + 1
    assert pdf_path.read_bytes().startswith(b"%PDF")
    bad = run_cli("report", "daily", "--date", "13/05/2026", data_dir=data_dir)
    assert bad.returncode == 2
