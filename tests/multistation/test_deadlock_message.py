"""A deadlock between two stations on PostgreSQL is reported as a conflict to retry, not as a lost database."""
from __future__ import annotations

import os
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from station.db import transaction
from station.errors import ConflictError

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine():
    server = os.environ.get("STATION_TEST_PG_URL")
    if not server:
        pytest.skip("STATION_TEST_PG_URL is not set")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = "dl_" + uuid.uuid4().hex[:10]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(server).set(database=name))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id int PRIMARY KEY, v int)"))
        conn.execute(text("INSERT INTO t VALUES (1, 0), (2, 0)"))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_deadlock_is_a_conflict_to_retry(pg_engine) -> None:
    sessions = sessionmaker(pg_engine)
    barrier = threading.Barrier(2)
    outcomes: list[BaseException | None] = []

    def station(first: int, second: int) -> None:
        try:
            with transaction(sessions) as s:
                s.execute(text(f"UPDATE t SET v = v + 1 WHERE id = {first}"))
                barrier.wait(timeout=10)
                s.execute(text(f"UPDATE t SET v = v + 1 WHERE id = {second}"))
            outcomes.append(None)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            outcomes.append(exc)

    threads = [threading.Thread(target=station, args=(1, 2)), threading.Thread(target=station, args=(2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    errors = [e for e in outcomes if e is not None]
    assert len(outcomes) == 2 and len(errors) == 1, outcomes
    assert isinstance(errors[0], ConflictError) and errors[0].code == "CONCURRENT_UPDATE"
    assert "重试" in errors[0].message("zh_CN") and "try again" in errors[0].message("en")
    with pg_engine.connect() as conn:  # the winner's two updates, nothing of the loser's
        assert conn.execute(text("SELECT sum(v) FROM t")).scalar_one() == 2
