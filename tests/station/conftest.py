"""Fixtures: one initialised data folder (no CA) with staff and inventory, copied for each test.

In test.sh's PostgreSQL pass (STATION_TEST_BACKEND=postgresql) a data folder cannot be copied (the database
is on the server), so each test builds its own installation on the database tests/conftest.py made for it,
and module-wide installations get a throw-away database of their own (`module_station`)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.station.flow import PASSWORD, Clock, Staff, ensure_inventory

ROOT = Path(__file__).resolve().parents[2]
PG_MODE = os.environ.get("STATION_TEST_BACKEND") == "postgresql"


def _staff(ctx) -> Staff:
    from station.demo import demo_actors
    from station.services.users import user_actor

    a = demo_actors(ctx)
    return Staff(registrar=a["registrar"], physician=a["physician"], nurse=a["nurse"], archivist=a["archivist"],
                 admin=user_actor(ctx, "admin"))


def build_station(data: Path, database_url: str | None = None) -> Path:
    """A new installation with the demo staff, a calibrated separator and consumable lots."""
    from station.bootstrap import init_data_dir
    from station.context import open_context

    init_data_dir(data, database_url=database_url, admin_password=PASSWORD, with_ca=False)
    ctx = open_context(data, clock=Clock())
    try:
        staff = _staff(ctx)
        ensure_inventory(ctx, staff.admin)
    finally:
        ctx.close()
    return data


@contextmanager
def pg_database() -> Iterator[str]:
    """A throw-away database on the STATION_TEST_PG_URL server (for installations that outlive one test)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = os.environ["STATION_TEST_PG_URL"]
    name = f"st_mod_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def station_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    if PG_MODE:
        return None
    return build_station(tmp_path_factory.mktemp("station-template") / "data")


def copy_station(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest


@contextmanager
def module_station(template: Path | None, dest: Path) -> Iterator[Path]:
    """An installation for a whole module: a copy of the template, or on PostgreSQL one of its own."""
    if not PG_MODE:
        assert template is not None
        yield copy_station(template, dest)
        return
    with pg_database() as url:
        yield build_station(dest, url)


@pytest.fixture
def data_dir(station_template: Path | None, tmp_path: Path) -> Path:
    if PG_MODE:  # STATION_DATABASE_URL names this test's database (tests/conftest.py)
        return build_station(tmp_path / "data")
    assert station_template is not None
    return copy_station(station_template, tmp_path / "data")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(data_dir: Path, clock: Clock) -> Iterator:
    from station.context import open_context

    c = open_context(data_dir, clock=clock)
    yield c
    c.close()


@pytest.fixture
def staff(ctx) -> Staff:
    return _staff(ctx)


def run_cli(*args: str, data_dir: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`station ...` in a subprocess, as a user runs it (English messages unless env says otherwise)."""
    # never the user's own data folder: STATION_HOME only when the test gives one
    full_env = {k: v for k, v in os.environ.items() if k != "STATION_HOME"}
    full_env.update({"STATION_LANG": "en", "PYTHONDONTWRITEBYTECODE": "1", **(env or {})})
    cmd = [sys.executable, "-m", "station.cli", *args]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=full_env, timeout=timeout,
                          check=False)


@pytest.fixture
def cli():
    return run_cli
