"""Administration widgets: tables for users, equipment, lots, devices; the rule set and site configuration."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from station.security import ROLE_LABELS
from ui.common.widgets import Panel, pick
from ui.registration.widgets import fill, table


def _date(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def _date_edit(parent: QWidget, days: int) -> QDateEdit:
    e = QDateEdit(parent)
    e.setDisplayFormat("yyyy-MM-dd")
    e.setCalendarPopup(True)
    d = date.today() + timedelta(days=days)
    e.setDate(QDate(d.year, d.month, d.day))
    return e


class UsersPanel(Panel):
    sig_create = Signal(str, str, list, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table(5, self)
        self.username, self.name, self.password = QLineEdit(self), QLineEdit(self), QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.role = QComboBox(self)
        self.add = QPushButton(self)
        row = QHBoxLayout()
        for w in (self.username, self.name, self.role, self.password, self.add):
            row.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addLayout(row)
        self.rows: list[dict[str, Any]] = []
        self.add.clicked.connect(lambda: self.sig_create.emit(self.username.text(), self.name.text(),
                                                              [self.role.currentData()], self.password.text()))
        self.retranslate()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([self.tr("Username"), self.tr("Name"), self.tr("Roles"), self.tr("Active"),
                                              self.tr("Locked")])
        self.username.setPlaceholderText(self.tr("Username"))
        self.name.setPlaceholderText(self.tr("Name"))
        self.password.setPlaceholderText(self.tr("Initial password"))
        self.add.setText(self.tr("Add user"))
        self.role.clear()
        for role, (zh, en) in ROLE_LABELS.items():
            self.role.addItem(pick(zh, en), role.value)
        self.show_rows(self.rows)

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        labels = {r.value: pick(*ROLE_LABELS[r]) for r in ROLE_LABELS}
        fill(self.table, [[u["username"], u["display_name"], "、".join(labels.get(r, r) for r in u["roles"]),
                           self.tr("yes") if u["active"] else self.tr("no"), self.tr("yes") if u["locked"] else ""]
                          for u in rows])


class EquipmentPanel(Panel):
    sig_register = Signal(str, str, object)
    sig_calibrate = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table(4, self)
        self.serial, self.model = QLineEdit(self), QLineEdit(self)
        self.due = _date_edit(self, 180)
        self.add, self.calibrate = QPushButton(self), QPushButton(self)
        row = QHBoxLayout()
        for w in (self.serial, self.model, self.due, self.add, self.calibrate):
            row.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addLayout(row)
        self.rows: list[dict[str, Any]] = []
        self.add.clicked.connect(lambda: self.sig_register.emit(self.serial.text(), self.model.text(), _date(self.due)))
        self.calibrate.clicked.connect(lambda: self.sig_calibrate.emit(self.serial.text(), _date(self.due)))
        self.table.activated.connect(lambda i: self.serial.setText(self.rows[i.row()]["serial"]))
        self.retranslate()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([self.tr("Serial"), self.tr("Model"), self.tr("Calibration due"),
                                              self.tr("Status")])
        self.serial.setPlaceholderText(self.tr("Serial"))
        self.model.setPlaceholderText(self.tr("Model"))
        self.add.setText(self.tr("Register"))
        self.calibrate.setText(self.tr("Record calibration"))
        self.show_rows(self.rows)

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        fill(self.table, [[e["serial"], e["model"], e["calibration_due"],
                           self.tr("calibrated") if e["calibrated"] else self.tr("CALIBRATION OVERDUE")] for e in rows])


class LotsPanel(Panel):
    sig_receive = Signal(str, str, str, object, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table(6, self)
        self.item = QComboBox(self)
        self.catalogue, self.lot = QLineEdit(self), QLineEdit(self)
        self.expiry = _date_edit(self, 365)
        # a date alone is usable through that day; some lots are labelled with a time of day as well
        self.expiry_has_time = QCheckBox(self)
        self.expiry_time = QTimeEdit(QTime(12, 0), self)
        self.expiry_time.setDisplayFormat("HH:mm")
        self.expiry_time.setEnabled(False)
        self.expiry_has_time.toggled.connect(self.expiry_time.setEnabled)
        self.quantity = QSpinBox(self)
        self.quantity.setRange(1, 10000)
        self.quantity.setValue(100)
        self.receive = QPushButton(self)
        row = QHBoxLayout()
        for w in (self.item, self.catalogue, self.lot, self.expiry, self.expiry_has_time, self.expiry_time,
                  self.quantity, self.receive):
            row.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addLayout(row)
        self.rows: list[dict[str, Any]] = []
        self.receive.clicked.connect(lambda: self.sig_receive.emit(self.item.currentData(), self.catalogue.text(),
                                                                   self.lot.text(), self.expiry_value(),
                                                                   self.quantity.value()))
        self.retranslate()

    def expiry_value(self) -> date | datetime:
        """The expiry date, or that date at the time of day (local time) when one is ticked."""
        day = _date(self.expiry)
        if not self.expiry_has_time.isChecked():
            return day
        t = self.expiry_time.time()
        return datetime.combine(day, time(t.hour(), t.minute()))

    def items(self) -> dict[str, str]:
        return {"kit": self.tr("Apheresis kit"), "ac": self.tr("Anticoagulant"), "saline": self.tr("Saline")}

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([self.tr("Item"), self.tr("Catalogue no."), self.tr("Lot"),
                                              self.tr("Expiry"), self.tr("On hand"), self.tr("Status")])
        self.item.clear()
        for k, v in self.items().items():
            self.item.addItem(v, k)
        self.catalogue.setPlaceholderText(self.tr("Catalogue no."))
        self.lot.setPlaceholderText(self.tr("Lot"))
        self.receive.setText(self.tr("Receive"))
        self.expiry_has_time.setText(self.tr("at"))
        self.expiry_has_time.setToolTip(self.tr("The lot expires at a time of day (without it: at the end of the day)"))
        self.show_rows(self.rows)

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        names = self.items()
        fill(self.table, [[names.get(r["item"], r["item"]), r["catalogue_no"], r["lot"], r["expiry"], r["on_hand"],
                           self.tr("EXPIRED") if r["expired"] else ""] for r in rows])


class DevicesPanel(Panel):
    sig_test = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table(5, self)
        self.table.setObjectName("devices_table")
        self.test = QPushButton(self)
        self.test.setObjectName("device_test")
        self.log = QPlainTextEdit(self)
        self.log.setObjectName("device_log")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(500)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addWidget(self.test)
        lay.addWidget(self.log)
        self.rows: list[tuple[str, Any]] = []
        self.test.clicked.connect(self._test)
        self.retranslate()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([self.tr("Device"), self.tr("Kind"), self.tr("Driver"), self.tr("Port"),
                                              self.tr("Protocol")])
        self.test.setText(self.tr("Test connection (live events below)"))

    def show_devices(self, devices: dict[str, Any]) -> None:
        self.rows = list(devices.items())
        fill(self.table, [[n, d.kind, d.driver, d.port or "-", d.protocol or "-"] for n, d in self.rows])

    def _test(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows):
            self.sig_test.emit(self.rows[row][0])

    def add_event(self, text: str) -> None:
        self.log.appendPlainText(text)


class TextPanel(Panel):
    """Read-only text: the rule set in force, the site configuration."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        QVBoxLayout(self).addWidget(self.text)

    def show(self, data: Any) -> None:  # type: ignore[override]
        self.text.setPlainText(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, indent=2,
                                                                              default=str))
