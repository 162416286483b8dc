"""Fixtures: one initialised data folder (no CA) with staff and inventory, copied for each test.

In test.sh's PostgreSQL pass (STATION_TEST_BACKEND=postgresql) a data folder cannot be copied (the database
is on the server), so each test builds its own installation on the database tests/conftest.py made for it,
and module-wide installations get a throw-away database of their own (`module_station`)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.station.flow import PASSWORD, Clock, Staff, ensure_inventory

ROOT = Path(__file__).resolve().parents[2]
INITIAL_ADMIN_PASSWORD = "First-Light-Harbour-31"
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

    init_data_dir(data, database_url=database_url, admin_password=INITIAL_ADMIN_PASSWORD, with_ca=False)
    # the forced first change, made as a person (or `station passwd`) makes it
    from station.services.users import authenticate, change_password

    plain = open_context(data)
    try:
        admin, due = authenticate(plain, "admin", INITIAL_ADMIN_PASSWORD)
        assert due
        change_password(plain, admin, INITIAL_ADMIN_PASSWORD, PASSWORD)
        # the demo staff on the real clock too: their passwords are as new as the command line sees them
        from station.demo import demo_actors

        demo_actors(plain)
    finally:
        plain.close()
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


def password_file(password: str = PASSWORD) -> Path:
    """A file holding `password`, readable by its owner only (as `--password-file` requires)."""
    folder = Path(tempfile.mkdtemp(prefix="station-pw-"))
    path = folder / "password"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(password + "\n")
    return path


def run_cli(*args: str, data_dir: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120, user: str | None = "admin", password: str = PASSWORD,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`station ...` in a subprocess, as a user runs it (English messages unless env says otherwise),
    signed in as `user` (STATION_USER, and STATION_PASSWORD_FILE: a 0600 file holding `password`);
    user=None runs it without a user (as `init`, `tsa serve` and the simulators do)."""
    # never the user's own data folder: STATION_HOME only when the test gives one
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("STATION_HOME", "STATION_USER", "STATION_PASSWORD_FILE")}
    full_env.update({"STATION_LANG": "en", "PYTHONDONTWRITEBYTECODE": "1"})
    secret = password_file(password) if user is not None else None
    if secret is not None:
        full_env.update({"STATION_USER": str(user), "STATION_PASSWORD_FILE": str(secret)})
    full_env.update(env or {})
    cmd = [sys.executable, "-m", "station.cli", *args]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=full_env, timeout=timeout,
                              check=False, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL)
    finally:
        if secret is not None:
            shutil.rmtree(secret.parent, ignore_errors=True)


@pytest.fixture
def cli():
    return run_cli
