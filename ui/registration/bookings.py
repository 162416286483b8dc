"""The registration desk's time-slot view: today's bookings (imported from the booking platform), who has
arrived, who did not come; importing the day's booking file and marking no-shows."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.common.widgets import Panel
from ui.ops import run_op, show_error
from ui.registration.widgets import fill, table


class BookingsPanel(Panel):
    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.rows: list[dict[str, Any]] = []
        self.grid = table(5, self)
        self.grid.setObjectName("bookings_table")
        self.summary = QLabel(self)
        self.summary.setObjectName("bookings_summary")
        self.summary.setWordWrap(True)
        self.refresh_button, self.import_button, self.no_show_button = QPushButton(self), QPushButton(self), \
            QPushButton(self)
        buttons = QHBoxLayout()
        for b in (self.refresh_button, self.import_button, self.no_show_button):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.grid, 1)
        lay.addWidget(self.summary)
        lay.addLayout(buttons)
        self.refresh_button.clicked.connect(self.refresh)
        self.import_button.clicked.connect(self._choose_file)
        self.no_show_button.clicked.connect(self.mark_no_shows)
        self.retranslate()

    def retranslate(self) -> None:
        self.grid.setHorizontalHeaderLabels([self.tr("Time slot"), self.tr("Booking"), self.tr("Name"),
                                             self.tr("ID number"), self.tr("Status")])
        self.refresh_button.setText(self.tr("Refresh"))
        self.import_button.setText(self.tr("Import bookings…"))
        self.no_show_button.setText(self.tr("Mark no-shows"))
        self.show_rows(self.rows)

    def status_text(self, status: str) -> str:
        return {"booked": self.tr("booked"), "arrived": self.tr("arrived"),
                "no_show": self.tr("no-show")}.get(status, status)

    def refresh(self) -> None:
        from station.operations.appointments import day_view

        ctx, actor = self.session.ctx, self.session.user
        run_op(self, lambda: day_view(ctx, actor, ctx.today()), self.show_rows, lambda exc: show_error(self, exc))

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        fill(self.grid, [[r["slot"], r["booking_ref"], r["name"], r["id_number_masked"], self.status_text(r["status"])]
                         for r in rows])
        arrived = sum(1 for r in rows if r["status"] == "arrived")
        self.summary.setText(self.tr("%1 booked, %2 arrived").replace("%1", str(len(rows))).replace("%2", str(arrived))
                             if rows else self.tr("No bookings for today"))

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import bookings"), "",
                                              self.tr("Booking files (*.json *.csv)"))
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        from station.operations.appointments import import_file

        ctx, actor = self.session.ctx, self.session.user

        def done(result: Any) -> None:
            text = self.tr("Imported %1 bookings").replace("%1", str(result.imported))
            if result.broken:
                text += "; " + self.tr("%1 rows refused:").replace("%1", str(len(result.broken))) + " " + "; ".join(
                    f"#{b['row']} {', '.join(b['reasons'])}" for b in result.broken[:5])
            self.session.notify("warning" if result.broken else "ok", text)
            self.refresh()

        run_op(self, lambda: import_file(ctx, actor, path), done, lambda exc: show_error(self, exc))

    def mark_no_shows(self) -> None:
        """Bookings whose slot has ended and who have not arrived become no-shows."""
        from station.operations.appointments import mark_no_shows

        ctx, actor = self.session.ctx, self.session.user
        now = datetime.now().strftime("%H:%M")
        run_op(self, lambda: mark_no_shows(ctx, actor, ctx.today(), after=now), lambda _n: self.refresh(),
               lambda exc: show_error(self, exc))
