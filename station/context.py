"""The running station: configuration, database sessions, PII cipher and clock, passed to every service."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from station.config import Config, load_config
from station.db import make_engine, make_sessionmaker, transaction
from station.models import Site, Station
from station.models.base import LOCAL_TZ
from station.security import PiiCipher


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class StationContext:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    pii: PiiCipher
    clock: Callable[[], datetime] = utcnow
    _site_id: int | None = field(default=None, repr=False)
    _station_id: int | None = field(default=None, repr=False)
    # Long-lived helpers made on first use (the local time stamp service, the signing context);
    # each has a close() that close() calls.
    resources: dict[str, Any] = field(default_factory=dict, repr=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """The local calendar date (donation dates and intervals are counted in local days)."""
        return self.clock().astimezone(LOCAL_TZ).date()

    @property
    def site_id(self) -> int:
        if self._site_id is None:
            self._ensure_site()
        assert self._site_id is not None
        return self._site_id

    @property
    def station_id(self) -> int:
        if self._station_id is None:
            self._ensure_site()
        assert self._station_id is not None
        return self._station_id

    def _ensure_site(self) -> None:
        site_cfg, st_cfg = self.config.site, self.config.station
        with self.transaction() as s:
            site = s.execute(select(Site).where(Site.code == site_cfg.facility_code)).scalar_one_or_none()
            if site is None:
                site = Site(code=site_cfg.facility_code, name=site_cfg.name, department=site_cfg.department)
                s.add(site)
                s.flush()
            st = s.execute(select(Station).where(Station.site_id == site.id, Station.name == st_cfg.name)
                           ).scalar_one_or_none()
            if st is None:
                st = Station(site_id=site.id, name=st_cfg.name, kind=st_cfg.kind)
                s.add(st)
                s.flush()
            self._site_id, self._station_id = site.id, st.id

    def close(self) -> None:
        for name in list(self.resources):
            closer = getattr(self.resources.pop(name), "close", None)
            if closer is not None:
                closer()
        self.engine.dispose()


def open_context(data_dir: Path, *, config: Config | None = None, check_schema: bool = True,
                 clock: Callable[[], datetime] = utcnow) -> StationContext:
    config = config or load_config(data_dir)
    engine = make_engine(config.database_url, pool_size=config.database.pool_size, echo=config.database.echo)
    if check_schema:
        from sqlalchemy.exc import OperationalError

        from station.db import database_unavailable
        from station.schema import ensure_schema_current

        try:
            ensure_schema_current(engine, config)
        except OperationalError as exc:  # the server is down or unreachable: say so, not a driver traceback
            engine.dispose()
            raise database_unavailable(exc) from exc
    ctx = StationContext(config=config, engine=engine, sessions=make_sessionmaker(engine),
                         pii=PiiCipher.from_file(config.pii_key_path), clock=clock)
    if check_schema:
        # Resolve this site and station now, in a transaction of their own: the services read
        # ctx.site_id inside their transactions, where a second SQLite writer would wait on the first.
        ctx._ensure_site()
    return ctx
