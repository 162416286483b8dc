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
    sig_daily = Signal(dict)  # station.services.operations.daily.daily_report for today
    sig_exported = Signal(str)  # the path of a ledger file written

    def __init__(self, session: ClientSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session

    def load(self, days: int = 30) -> None:
        ctx, actor = self.session.ctx, self.session.user
        end = ctx.today()
        start = end - timedelta(days=days - 1)
        run_op(self, lambda: quality_figures(ctx, actor, start, end), self.sig_figures.emit)

        def today() -> dict[str, Any]:
            from station.services.operations.daily import daily_report

            return daily_report(ctx, actor, end)

        run_op(self, today, self.sig_daily.emit)


    def export_ledger(self, fmt: str) -> None:
        """The day's consumption ledger (the same files as `station report ledger --csv/--pdf`), to a file the
        user picks; the export runs off the main thread."""
        from pathlib import Path

        from station.services.operations.consumables import export_ledger
        from ui.dialogs import dialogs
        from ui.ops import show_error

        ctx, actor = self.session.ctx, self.session.user
        day = ctx.today()
        title = self.tr("Export the day's consumption ledger")
        filters = self.tr("CSV files (*.csv)") if fmt == "csv" else self.tr("PDF files (*.pdf)")
        chosen = dialogs().save_file(None, title, f"ledger-{day.isoformat()}.{fmt}", filters)
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != f".{fmt}":
            path = path.with_name(path.name + f".{fmt}")
        target = {"csv_path": path} if fmt == "csv" else {"pdf_path": path}

        def done(lines: Any) -> None:
            self.session.notify("ok", self.tr("Ledger of %1 exported to %2 (%3 lines)").replace("%1", day.isoformat())
                                .replace("%2", str(path)).replace("%3", str(len(lines))))
            self.sig_exported.emit(str(path))

        run_op(self, lambda: export_ledger(ctx, actor, day, **target), done, lambda exc: show_error(self, exc))


def as_dates(per_day: dict[str, Any]) -> list[tuple[date, int]]:
    return [(date.fromisoformat(k), int(v)) for k, v in sorted(per_day.items())]
