"""UI tests run on the offscreen platform with a demo data folder built through the services."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path
from typing import Any

import pytest

from ui.dialogs import DialogService, set_dialogs


class RecordingDialogs(DialogService):
    """Records every message; answers questions with `answer` (no box is ever shown)."""

    def __init__(self, answer: bool = True) -> None:
        super().__init__()
        self.messages: list[tuple[str, str, str]] = []
        self.answer = answer

    def _show(self, parent: Any, icon: Any, title: str, text: str) -> None:
        self.messages.append((str(icon), title, text))

    def confirm(self, parent: Any, title: str, text: str) -> bool:
        self.messages.append(("confirm", title, text))
        return self.answer


@pytest.fixture
def dialogs() -> Any:
    rec = RecordingDialogs()
    previous = set_dialogs(rec)
    yield rec
    set_dialogs(previous)


@pytest.fixture
def demo(tmp_path: Path) -> Any:
    from ui.demo_data import build_demo_station

    station = build_demo_station(tmp_path / "data", donations=4, seed=3)
    yield station
    station.close()


@pytest.fixture
def client(qapp: Any, qtbot: Any, demo: Any, dialogs: Any) -> Any:
    from ui.app import build_client, ensure_application
    from ui.i18n import set_language

    ensure_application()
    set_language("zh_CN")
    session, window = build_client(demo.ctx, devices=False)
    qtbot.addWidget(window)
    window.show()
    yield session, window
    session.devices.stop_all()
    if session.tablet is not None:
        session.tablet.close()

