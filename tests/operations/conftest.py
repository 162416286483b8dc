"""Fixtures: the foundation's station template, and a demo day run on a clock that moves on with every step."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.station.conftest import clock, ctx, data_dir, staff, station_template  # noqa: F401  (shared fixtures)
from tests.station.flow import Clock


class TickingClock(Clock):
    """Each reading is a few minutes after the last, so a demo day spreads over the working hours."""

    def __init__(self, at: datetime, step: timedelta = timedelta(minutes=3)) -> None:
        super().__init__(at)
        self.step = step

    def __call__(self) -> datetime:
        self.at += self.step
        return self.at


# 08:00 in Shanghai on 2026-05-13 (the day after the template's inventory was received)
DEMO_DAY_START = datetime(2026, 5, 13, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_day_template(station_template: Path,  # noqa: F811  (the imported fixture, requested by name)
                       tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A station after one demo day of 14 donors (deferrals, a reaction, an abort, sealed donations)."""
    import os
    import shutil

    from station.context import open_context
    from station.demo import run_demo

    if os.environ.get("STATION_TEST_BACKEND") == "postgresql":
        pytest.skip("the demo-day template is a copied SQLite folder; its tests run on the SQLite pass")

    data = tmp_path_factory.mktemp("demo-day") / "data"
    shutil.copytree(station_template, data)
    c = open_context(data, clock=TickingClock(DEMO_DAY_START))
    try:
        report = run_demo(c, 14, seed=7)
    finally:
        c.close()
    return data, report


@pytest.fixture
def demo_day(demo_day_template: tuple[Path, Any], tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    import shutil

    from station.context import open_context

    src, report = demo_day_template
    data = tmp_path / "data"
    shutil.copytree(src, data)
    c = open_context(data, clock=Clock(DEMO_DAY_START + timedelta(hours=12)))
    yield c, report
    c.close()
