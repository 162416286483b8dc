"""Regional checks: the day's answers of the regional platform (or why there was none), and the physician's
acknowledgement of a check that could not be done, which the pre-collection check requires."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.common.widgets import local_time, msg
from ui.ops import run_op, show_error


def acknowledge(parent: Any, session: Any, check: dict[str, Any], done: Any) -> None:
    """Ask the physician for the note and record the acknowledgement."""
    from PySide6.QtCore import QCoreApplication

    from station.services.operations.regional import acknowledge_not_done
    from ui.dialogs import dialogs

    note = dialogs().ask_text(parent, QCoreApplication.translate("RegionalChecks", "Regional check not done"),
                              QCoreApplication.translate(
                                  "RegionalChecks", "%1\nWhy may collection go on (e.g. checked by telephone)?")
                              .replace("%1", msg(check)))
    if not note:
        return
    ctx, actor = session.ctx, session.user
    run_op(parent, lambda: acknowledge_not_done(ctx, actor, check["check_id"], note), done,
           lambda exc: show_error(parent, exc))


class RegionalChecksDialog(QDialog):
    """The day's regional checks, latest first; a check not done is acknowledged from here."""

    sig_changed = Signal()

    COLUMNS = 5

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("regional_checks")
        self.session = session
        self.checks: list[dict[str, Any]] = []
        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setObjectName("regional_table")
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for i in range(self.COLUMNS - 1):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.COLUMNS - 1, QHeaderView.ResizeMode.Stretch)
        self.ack = QPushButton(self)
        self.ack.setObjectName("regional_acknowledge")
        self.refresh_button = QPushButton(self)
        self.close_button = QPushButton(self)
        self.summary = QLabel(self)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.refresh_button)
        row.addWidget(self.ack)
        row.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        self.ack.clicked.connect(self._acknowledge)
        self.refresh_button.clicked.connect(self.refresh)
        self.close_button.clicked.connect(self.accept)
        self.table.itemSelectionChanged.connect(self._selection)
        self.resize(980, 420)
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Regional checks today"))
        self.table.setHorizontalHeaderLabels([self.tr("Time"), self.tr("DIN"), self.tr("ID number"),
                                              self.tr("Result"), self.tr("Details")])
        self.ack.setText(self.tr("Acknowledge…"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.close_button.setText(self.tr("Close"))

    def refresh(self) -> None:
        from station.services.operations.regional import list_checks

        ctx, actor = self.session.ctx, self.session.user
        run_op(self, lambda: list_checks(ctx, actor), self.show_checks, lambda exc: show_error(self, exc))

    def show_checks(self, checks: list[dict[str, Any]]) -> None:
        self.checks = checks
        self.table.setRowCount(len(checks))
        for r, c in enumerate(checks):
            if c["status"] == "done":
                result = self.tr("done")
            elif c["must_acknowledge"]:
                result = self.tr("NOT DONE - to acknowledge")
            else:
                result = self.tr("not done, acknowledged")
            details = msg(c) + (f"；{c['acknowledgement']}" if c.get("acknowledgement") else "")
            for col, text in enumerate((local_time(c["checked_at"], "%H:%M:%S"), c.get("din") or "", c["donor"],
                                        result, details)):
                item = QTableWidgetItem(text)
                if c["must_acknowledge"]:
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(r, col, item)
        waiting = sum(1 for c in checks if c["must_acknowledge"])
        self.summary.setText(self.tr("%1 checks, %2 to acknowledge").replace("%1", str(len(checks)))
                             .replace("%2", str(waiting)))
        self._selection()

    def selected(self) -> dict[str, Any] | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self.checks[min(rows)] if rows else None

    def _selection(self) -> None:
        c = self.selected()
        self.ack.setEnabled(bool(c and c["must_acknowledge"]))

    def _acknowledge(self) -> None:
        c = self.selected()
        if c is None:
            return

        def done(_out: Any) -> None:
            self.sig_changed.emit()
            self.refresh()

        acknowledge(self, self.session, c, done)
