"""The registration desk's time-slot view: today's bookings (imported from the booking platform), who has
arrived, who did not come; importing the day's booking file and marking no-shows."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

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
        self.pull_button = QPushButton(self)
        self.pull_button.setObjectName("bookings_pull")
        # shown only when a booking platform is configured ([bookings] url); files can always be imported
        self.pull_button.setVisible(bool(session.ctx.config.bookings.url))
        buttons = QHBoxLayout()
        for b in (self.refresh_button, self.pull_button, self.import_button, self.no_show_button):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.grid, 1)
        lay.addWidget(self.summary)
        lay.addLayout(buttons)
        self.refresh_button.clicked.connect(self.refresh)
        self.import_button.clicked.connect(self._choose_file)
        self.pull_button.clicked.connect(self.pull)
        self.no_show_button.clicked.connect(self.mark_no_shows)
        self.retranslate()

    def retranslate(self) -> None:
        self.grid.setHorizontalHeaderLabels([self.tr("Time slot"), self.tr("Booking"), self.tr("Name"),
                                             self.tr("ID number"), self.tr("Status")])
        self.refresh_button.setText(self.tr("Refresh"))
        self.import_button.setText(self.tr("Import bookings…"))
        self.pull_button.setText(self.tr("Pull from the booking platform"))
        self.no_show_button.setText(self.tr("Mark no-shows"))
        self.show_rows(self.rows)

    def status_text(self, status: str) -> str:
        return {"booked": self.tr("booked"), "arrived": self.tr("arrived"),
                "no_show": self.tr("no-show")}.get(status, status)

    def refresh(self) -> None:
        from station.services.operations.appointments import day_view

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
        from ui.dialogs import dialogs

        path = dialogs().open_file(self, self.tr("Import bookings"), self.tr("Booking files (*.json *.csv)"))
        if path:
            self.import_file(Path(path))

    def _imported(self, result: Any) -> None:
        text = self.tr("Imported %1 bookings").replace("%1", str(result.imported))
        if result.duplicates:
            text += "; " + self.tr("%1 already known").replace("%1", str(len(result.duplicates)))
        if result.broken:
            text += "; " + self.tr("%1 rows refused:").replace("%1", str(len(result.broken))) + " " + "; ".join(
                f"#{b['row']} {', '.join(b['reasons'])}" for b in result.broken[:5])
        self.session.notify("warning" if result.broken else "ok", text)
        self.refresh()

    def import_file(self, path: Path) -> None:
        from station.services.operations.appointments import import_file

        ctx, actor = self.session.ctx, self.session.user
        run_op(self, lambda: import_file(ctx, actor, path), self._imported, lambda exc: show_error(self, exc))

    def pull(self) -> None:
        """Today's bookings from the platform: the HTTP wait on the I/O worker, the import on the database one."""
        from station.platforms.booking import source_from_config
        from station.services.operations.appointments import import_rows
        from station.services.operations.bookings import fetch_bookings

        ctx, actor = self.session.ctx, self.session.user
        source = source_from_config(ctx.config)
        if source is None:
            return
        day = ctx.today()
        self.pull_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.pull_button.setEnabled(True)
            show_error(self, exc)

        def fetched(rows: list[Any]) -> None:
            def imported(result: Any) -> None:
                self.pull_button.setEnabled(True)
                self._imported(result)

            run_op(self, lambda: import_rows(ctx, actor, rows, source=source.name, day=day), imported, failed)

        run_op(self, lambda: fetch_bookings(actor, source, day), fetched, failed, slow=True)

    def mark_no_shows(self) -> None:
        """Bookings whose slot has ended and who have not arrived become no-shows."""
        from station.services.operations.appointments import mark_no_shows

        ctx, actor = self.session.ctx, self.session.user
        from station.context import LOCAL_TZ

        now = ctx.now().astimezone(LOCAL_TZ).strftime("%H:%M")  # the site's time, from the station's clock
        run_op(self, lambda: mark_no_shows(ctx, actor, ctx.today(), after=now), lambda _n: self.refresh(),
               lambda exc: show_error(self, exc))
