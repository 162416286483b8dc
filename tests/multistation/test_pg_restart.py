"""PostgreSQL restarted in the middle of a donation: the station carries on; nothing lost, no traceback shown."""
from __future__ import annotations

import random
import shutil
import subprocess

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from station.db import DatabaseUnavailable
from station.models import DonationStep, PreDonationTest
from station.services import donations as dn
from tests.multistation.helpers import STEPS, do_step, drive_to, new_donation, open_station, staff

pytestmark = pytest.mark.postgres

CLUSTER = ("15", "main")


def _restart_server() -> None:
    if shutil.which("pg_ctlcluster") is None:
        pytest.skip("pg_ctlcluster is not installed")
    try:
        done = subprocess.run(["pg_ctlcluster", *CLUSTER, "restart"], check=False, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot restart the PostgreSQL cluster: {exc}")
    if done.returncode != 0:
        pytest.skip(f"pg_ctlcluster {' '.join(CLUSTER)} restart failed: {done.stderr.strip()}")


def _call_with_one_retry(fn, *args, **kwargs):
    """What the client does: a typed DatabaseUnavailable is shown and the user presses save again."""
    try:
        return fn(*args, **kwargs), None
    except DatabaseUnavailable as exc:
        return fn(*args, **kwargs), exc


def test_restart_mid_donation(pg_station_db) -> None:
    host = make_url(pg_station_db.database_url).host
    if host not in ("127.0.0.1", "localhost", "::1", None):
        pytest.skip("the server is not on this machine: cannot restart it")
    ctx = open_station(pg_station_db.data_dir, "chair-1")
    try:
        actors, lots = staff(ctx)
        donation_id = new_donation(ctx, actors, random.Random(15))
        drive_to(ctx, actors, lots, donation_id, "record_examination")
        # warm the pool: several connections that the restart will kill
        for _ in range(3):
            dn.donation_detail(ctx, actors["physician"], donation_id)
        _restart_server()

        out, refused = _call_with_one_retry(do_step, ctx, actors, lots, donation_id, "record_pretest")
        assert out["state"] == "pretested"
        if refused is not None:  # the pool's pre-ping should make this rare; when it happens it must read well
            text = refused.message("zh_CN") + refused.message("en") + str(refused.to_json())
            assert "Traceback" not in text and "psycopg" not in text and "SELECT" not in text
            assert "数据库" in refused.message("zh_CN") and "database" in refused.message("en")

        # the rest of the donation goes on through the same context
        for step in STEPS[STEPS.index("assess"):]:
            do_step(ctx, actors, lots, donation_id, step)
        with ctx.transaction() as s:
            tests = s.execute(select(func.count()).select_from(PreDonationTest)
                              .where(PreDonationTest.donation_id == donation_id)).scalar_one()
            steps = s.execute(select(DonationStep.step).where(DonationStep.donation_id == donation_id)
                              .order_by(DonationStep.id)).scalars().all()
        assert tests == 1, "the pre-donation test was saved twice or lost"
        assert steps == ["register", *STEPS]
        assert dn.donation_detail(ctx, actors["nurse"], donation_id)["state"] == "sealed"
    finally:
        ctx.close()


def test_server_down_gives_the_typed_error(pg_station_db) -> None:
    """No server at all: DatabaseUnavailable with a message in both languages, nothing half-written."""
    from dataclasses import replace

    from station.config import load_config
    from station.context import open_context

    cfg = load_config(pg_station_db.data_dir)
    dead = make_url(pg_station_db.database_url).set(port=1).render_as_string(hide_password=False)
    cfg = replace(cfg, database=replace(cfg.database, url=dead))
    with pytest.raises(DatabaseUnavailable) as info:
        open_context(pg_station_db.data_dir, config=cfg)
    exc = info.value
    assert exc.code == "DATABASE_UNAVAILABLE"
    assert "Traceback" not in exc.message("en") and "稍后重试" in exc.message("zh_CN")
