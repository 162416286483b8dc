"""Fixtures: one initialised data folder (no CA) with staff and inventory, copied for each test."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.station.flow import PASSWORD, Clock, Staff, ensure_inventory

ROOT = Path(__file__).resolve().parents[2]


def _staff(ctx) -> Staff:
    from station.demo import demo_actors
    from station.services.users import user_actor

    a = demo_actors(ctx)
    return Staff(registrar=a["registrar"], physician=a["physician"], nurse=a["nurse"], archivist=a["archivist"],
                 admin=user_actor(ctx, "admin"))


@pytest.fixture(scope="session")
def station_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from station.bootstrap import init_data_dir
    from station.context import open_context

    data = tmp_path_factory.mktemp("station-template") / "data"
    init_data_dir(data, admin_password=PASSWORD, with_ca=False)
    ctx = open_context(data, clock=Clock())
    try:
        staff = _staff(ctx)
        ensure_inventory(ctx, staff.admin)
    finally:
        ctx.close()
    return data


def copy_station(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest


@pytest.fixture
def data_dir(station_template: Path, tmp_path: Path) -> Path:
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
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=full_env, timeout=timeout)


@pytest.fixture
def cli():
    return run_cli
