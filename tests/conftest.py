"""The PostgreSQL pass: with STATION_TEST_BACKEND=postgresql every test that creates an installation gets
its own throw-away database on the server at STATION_TEST_PG_URL (through STATION_DATABASE_URL, which
`station init` honours for a new installation), so the same tests run on SQLite and on PostgreSQL."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest


def _pg_admin_url() -> str:
    return os.environ["STATION_TEST_PG_URL"]


@pytest.fixture(autouse=True)
def _database_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if os.environ.get("STATION_TEST_BACKEND") != "postgresql":
        yield
        return
    if not os.environ.get("STATION_TEST_PG_URL"):
        pytest.skip("STATION_TEST_BACKEND=postgresql needs STATION_TEST_PG_URL")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"st_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_pg_admin_url()).set(database=name)
    monkeypatch.setenv("STATION_DATABASE_URL", url.render_as_string(hide_password=False))
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
