"""Fixtures: a fresh station database per test module, on SQLite and on PostgreSQL (STATION_TEST_PG_URL).

Each PostgreSQL module gets its own `station_ms_<random>` database, dropped afterwards; the PostgreSQL
variant is skipped when STATION_TEST_PG_URL is unset.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.multistation.helpers import (
    create_pg_database,
    drop_pg_database,
    init_station,
    pg_server_url,
)


@dataclass(frozen=True)
class StationDb:
    data_dir: Path
    backend: str  # sqlite | postgresql
    admin_password: str
    database_url: str | None


def _make(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[StationDb]:
    data_dir = tmp_path_factory.mktemp(f"ms-{backend}") / "data"
    if backend == "sqlite":
        yield StationDb(data_dir, backend, init_station(data_dir, None), None)
        return
    server = pg_server_url()
    if not server:
        pytest.skip("STATION_TEST_PG_URL is not set: no PostgreSQL server for this test")
    url = create_pg_database(server)
    try:
        yield StationDb(data_dir, backend, init_station(data_dir, url), url)
    finally:
        drop_pg_database(server, url)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def station_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StationDb]:
    """One station database per module and backend."""
    yield from _make(tmp_path_factory, request.param)


@pytest.fixture(scope="module")
def pg_station_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StationDb]:
    """PostgreSQL only (tests about many processes on one server)."""
    yield from _make(tmp_path_factory, "postgresql")


@pytest.fixture(scope="package", autouse=True)  # not "session": it would outlive tests/multistation
def quick_password_hashes() -> Iterator[None]:
    """Argon2 at minimal cost in this process: the same code paths, without ~0.3 s per staff account."""
    from argon2 import PasswordHasher

    import station.security

    saved = station.security._hasher
    station.security._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    yield
    station.security._hasher = saved


@pytest.fixture(scope="module")
def ctx(station_db: StationDb):
    """One station of the module's database (desk-1)."""
    from tests.multistation.helpers import open_station

    c = open_station(station_db.data_dir, "desk-1")
    yield c
    c.close()


class ProcessGroup:
    """Spawned worker processes, kept for the session (station imports are paid once); `together` starts
    one call per argument tuple behind a shared barrier so the calls really overlap."""

    def __init__(self, size: int) -> None:
        import multiprocessing

        mp = multiprocessing.get_context("spawn")
        self.size = size
        self._manager = mp.Manager()
        self._pool = mp.Pool(size)

    def together(self, target, per_worker_args: list[tuple]) -> list:
        assert len(per_worker_args) <= self.size
        barrier = self._manager.Barrier(len(per_worker_args))
        jobs = [self._pool.apply_async(target, args + (barrier,)) for args in per_worker_args]
        return [j.get(timeout=900) for j in jobs]

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()
        self._manager.shutdown()


@pytest.fixture(scope="session")
def processes() -> Iterator[ProcessGroup]:
    group = ProcessGroup(8)
    yield group
    group.close()
