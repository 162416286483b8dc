"""Helpers for the UI tests."""
from __future__ import annotations

from typing import Any


def idle(qtbot: Any, timeout: int = 10_000) -> None:
    """Wait until every background operation has called back on the main thread."""
    from ui.ops import pending_count

    qtbot.waitUntil(lambda: pending_count() == 0, timeout=timeout)
