"""Quality dashboard logic: the seeds' figures from quality_figures() for a date range."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QObject, Signal

from station.services.quality import quality_figures
from ui.ops import run_op
from ui.session import ClientSession


class QualityController(QObject):
    sig_figures = Signal(dict)
    sig_daily = Signal(dict)  # station.operations.daily.daily_report for today

    def __init__(self, session: ClientSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session

    def load(self, days: int = 30) -> None:
        ctx, actor = self.session.ctx, self.session.user
        end = ctx.today()
        start = end - timedelta(days=days - 1)
        run_op(self, lambda: quality_figures(ctx, actor, start, end), self.sig_figures.emit)

        def today() -> dict[str, Any]:
            from station.operations.daily import daily_report

            return daily_report(ctx, actor, end)

        run_op(self, today, self.sig_daily.emit)


def as_dates(per_day: dict[str, Any]) -> list[tuple[date, int]]:
    return [(date.fromisoformat(k), int(v)) for k, v in sorted(per_day.items())]
