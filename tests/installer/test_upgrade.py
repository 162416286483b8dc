"""Upgrades: an older database is upgraded at start after an automatic backup; a newer one is refused."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from station.bootstrap import init_data_dir
from station.config import load_config
from station.context import open_context
from station.schema import SchemaError, alembic_config, current_revision, head_revision

ROOT = Path(__file__).resolve().parents[2]
FIRST = "0001_initial"


@pytest.fixture()
def installation(tmp_path: Path) -> Path:
    """An installed station whose SQLite database was written by the first release (schema 0001)."""
    data = tmp_path / "data"
    init_data_dir(data, database_url=f"sqlite:///{data / 'station.db'}", admin_password="Adm1n-Upgrade-9",
                  with_ca=False)
    (data / "station.db").unlink()
    command.upgrade(alembic_config(load_config(data).database_url), FIRST)
    return data


def _revision(data: Path) -> str | None:
    engine = create_engine(load_config(data).database_url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STATION_DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "station.cli", *args, "--data-dir", str(data)], check=False,
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_an_older_database_is_upgraded_after_a_backup(installation: Path) -> None:
    assert FIRST != head_revision()
    assert _revision(installation) == FIRST
    ctx = open_context(installation)
    ctx.close()
    assert _revision(installation) == head_revision()
    backup = installation / "backups" / f"before-upgrade-{FIRST}.bak"
    assert backup.is_file()
    # the backup holds the database as it was before the upgrade
    extracted = installation.parent / "restored"
    extracted.mkdir()
    if tarfile.is_tarfile(backup):
        with tarfile.open(backup) as tar:
            tar.extractall(extracted, filter="data")
    else:
        with zipfile.ZipFile(backup) as archive:
            archive.extractall(extracted)
    (db,) = list(extracted.rglob("station.db"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (FIRST,)


def test_an_up_to_date_database_is_left_alone(installation: Path) -> None:
    open_context(installation).close()
    backups = sorted((installation / "backups").iterdir())
    open_context(installation).close()
    assert sorted((installation / "backups").iterdir()) == backups


def _stamp_newer(data: Path) -> None:
    open_context(data).close()
    with sqlite3.connect(data / "station.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_a_newer_station'")


def test_a_newer_database_is_refused(installation: Path) -> None:
    _stamp_newer(installation)
    with pytest.raises(SchemaError) as refused:
        open_context(installation)
    assert "newer" in refused.value.message("en")
    assert _revision(installation) == "9999_from_a_newer_station"  # not touched


def test_the_command_line_refuses_a_newer_database_clearly(installation: Path) -> None:
    _stamp_newer(installation)
    result = _cli(installation, "db", "upgrade")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "9999_from_a_newer_station" in result.stderr
    assert "比本程序新" in result.stderr or "newer" in result.stderr
