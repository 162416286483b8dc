"""Fixtures: one station with signed donations built per session; each test works on its own copy."""
from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
logging.getLogger("pyhanko").setLevel(logging.ERROR)

from archive_helpers import build_station


@pytest.fixture(scope="session")
def built_station(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("archive-station")
    info = build_station(root / "data", root / "pki", n_demo=7, seed=7)
    assert len(info["signed_dins"]) >= 4, "the demo should seal most donations"
    info["data_dir"] = root / "data"
    return info


@pytest.fixture
def station_dir(built_station: dict, tmp_path: Path) -> Path:
    dest = tmp_path / "data"
    shutil.copytree(built_station["data_dir"], dest)
    return dest


@pytest.fixture
def ctx(station_dir: Path):
    from station.context import open_context

    c = open_context(station_dir)
    _ = c.site_id, c.station_id
    yield c
    c.close()


@pytest.fixture
def archivist(ctx):
    from station.demo import demo_actors

    return demo_actors(ctx)["archivist"]
