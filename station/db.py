"""Engines and sessions: SQLite (embedded default, WAL, immediate write locks) or PostgreSQL (pooled)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from station.errors import StationError


class DatabaseUnavailable(StationError):
    code = "DATABASE_UNAVAILABLE"


def database_unavailable(exc: DBAPIError) -> DatabaseUnavailable:
    """The typed error for a database that cannot be reached (the driver's text stays out of the message)."""
    return DatabaseUnavailable(
        "数据库暂时无法连接，本次操作未保存，请稍后重试",
        "The database cannot be reached; nothing was saved. Please try again.",
        details={"error": type(exc.orig).__name__ if exc.orig else type(exc).__name__})


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # let SQLAlchemy issue BEGIN itself (below) so every transaction takes the write lock up front:
            # two stations never interleave a read-then-write on the same rows
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url != "sqlite://":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size,
                         pool_recycle=1800)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)


def _concurrency_failure(exc: BaseException) -> bool:
    """A deadlock or serialization failure (SQLSTATE 40P01 / 40001): the server rolled back one of two
    transactions that collided; the data is fine and the operation can simply be retried."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None) or getattr(getattr(exc, "orig", None), "pgcode", None)
    return code in ("40P01", "40001")


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error (a refused step changes nothing)."""
    session = factory()
    try:
        with session.begin():
            yield session
    except (OperationalError, DBAPIError) as exc:
        if _concurrency_failure(exc):
            from station.errors import ConflictError

            raise ConflictError("另一工作站同时修改了相同的数据，本次操作未保存，请重试",
                                "Another station changed the same data at the same moment; nothing was saved, "
                                "please try again", code="CONCURRENT_UPDATE") from exc
        if getattr(exc, "connection_invalidated", False) or isinstance(exc, OperationalError):
            raise database_unavailable(exc) from exc
        raise
    finally:
        session.close()
