"""Alembic migrations and the ORM models agree: upgrade an empty database to head, then autogenerate finds
nothing to do. SQLite always; PostgreSQL in a throwaway database when STATION_TEST_PG_URL names a server."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from station.db import make_engine
from station.models import Base
from station.schema import current_revision, head_revision, upgrade


def _differences(engine) -> list:
    with engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(mc, Base.metadata)


def _check(engine, url: str) -> None:
    assert current_revision(engine) is None
    upgrade(engine, url)
    assert current_revision(engine) == head_revision()
    diff = _differences(engine)
    assert diff == [], "models and migrations differ:\n" + "\n".join(map(repr, diff))
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_sqlite_migrations_match_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mig.db'}"
    engine = make_engine(url)
    try:
        _check(engine, url)
    finally:
        engine.dispose()


def test_comparison_would_notice_a_difference(tmp_path: Path) -> None:
    """The check is not vacuous: a column the migrations lack is reported."""
    url = f"sqlite:///{tmp_path / 'mig.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine, url)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE donor ADD COLUMN stray INTEGER"))
        diff = _differences(engine)
        assert any(d[0] == "remove_column" and d[3].name == "stray" for d in diff if isinstance(d, tuple))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_migrations_match_models() -> None:
    server = os.environ.get("STATION_TEST_PG_URL")
    if not server:
        pytest.skip("STATION_TEST_PG_URL is not set")
    name = f"station_mig_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        try:
            _check(engine, url)
        finally:
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
