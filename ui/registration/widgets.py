"""Registration desk widgets: donor panel, manual entry, search, queue ticket."""
from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station.services.donors import DonorInput
from ui.common.widgets import Banner, Panel, ValidatedField, lang, state_text
from ui.registration.controller import id_problem

TYPE_LABELS = {"whole_blood": ("全血", "whole blood"), "apheresis_platelets": ("机采血小板", "apheresis platelets"),
               "apheresis_plasma": ("机采血浆", "apheresis plasma")}


def type_label(t: str) -> str:
    zh, en = TYPE_LABELS.get(t, (t, t))
    return en if lang() == "en" else zh


def table(columns: int, parent: QWidget | None = None) -> QTableWidget:
    t = QTableWidget(0, columns, parent)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    # each column as wide as its longest value (archive numbers, slots, codes are never cut); the last one takes
    # what is left; a table wider than its place scrolls
    header = t.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return t


def fill(t: QTableWidget, rows: list[list[Any]]) -> None:
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            t.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))


class DonorPanel(Panel):
    """The donor as found or created: photo, details, deferrals (hard stop), history and next eligible dates."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary: dict[str, Any] | None = None
        self.photo = QLabel(self)
        self.photo.setFixedSize(102 * 3 // 2, 126 * 3 // 2)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setStyleSheet("border:1px solid #bbb;background:#f4f4f4;color:#777;")
        self.photo.setWordWrap(True)
        self.details = QLabel(self)
        self.details.setObjectName("donor_details")
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.details.setWordWrap(True)  # long English labels wrap: the window fits 1366 px
        self.banner = Banner(self)
        self.banner.setObjectName("deferral_banner")
        self.history_box = QGroupBox(self)
        self.history = table(5, self.history_box)
        QVBoxLayout(self.history_box).addWidget(self.history)
        self.next_box = QGroupBox(self)
        self.next_label = QLabel(self.next_box)
        self.next_label.setObjectName("next_eligible")
        self.next_label.setTextFormat(Qt.TextFormat.RichText)
        self.next_label.setWordWrap(True)
        QVBoxLayout(self.next_box).addWidget(self.next_label)
        top = QHBoxLayout()
        top.addWidget(self.photo)
        top.addWidget(self.details, 1)
        top.addWidget(self.next_box, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.banner)
        lay.addLayout(top)
        lay.addWidget(self.history_box, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.history_box.setTitle(self.tr("Donation history"))
        self.next_box.setTitle(self.tr("Next eligible date"))
        self.history.setHorizontalHeaderLabels([self.tr("Date"), self.tr("Type"), self.tr("Volume (mL)"),
                                                self.tr("Interval (days)"), self.tr("Place")])
        self.show_summary(self.summary)

    def show_summary(self, s: dict[str, Any] | None) -> None:
        self.summary = s
        if s is None:
            self.details.setText(self.tr("Place the donor's ID card on the reader, or search or enter the donor by hand."))
            self.photo.setText(self.tr("Photo"))
            self.photo.setPixmap(QPixmap())
            self.banner.clear_message()
            fill(self.history, [])
            self.next_label.setText("")
            return
        if s.get("photo_png"):
            pm = QPixmap()
            pm.loadFromData(s["photo_png"])
            self.photo.setPixmap(pm.scaled(self.photo.size(), Qt.AspectRatioMode.KeepAspectRatio))
        else:
            self.photo.setPixmap(QPixmap())
            self.photo.setText(self.tr("Card photo stored (no decoder on this station)") if s.get("has_photo")
                               else self.tr("No photo"))
        sex = {"male": self.tr("male"), "female": self.tr("female")}.get(s.get("sex", ""), "")
        blood = f"{s.get('abo') or '-'} {('RhD' + s['rhd']) if s.get('rhd') else ''}"
        new_text = self.tr("new donor")
        new = f" <span style='color:#1f5fa8'>[{new_text}]</span>" if s.get("created") else ""
        rows = [(self.tr("ID number"), s.get("id_number_masked", "")), (self.tr("Sex"), sex),
                (self.tr("Date of birth"), s.get("birth_date", "")), (self.tr("Blood group"), blood),
                (self.tr("Phone"), s.get("phone_masked") or ""), (self.tr("Address"), s.get("address", "")),
                (self.tr("Rule set"), s.get("ruleset", ""))]
        last = s.get("last_donation")
        if last:
            rows.append((self.tr("Latest donation"), f"{last['din']} ({state_text(last['state'])})"))
        self.details.setText(f"<span style='font-size:18pt;font-weight:bold'>{s.get('name', '')}</span>{new}"
                             "<table cellpadding='3'>" + "".join(
                                 f"<tr><td style='color:#555'>{k}</td><td>{v}</td></tr>" for k, v in rows) + "</table>")
        defs = s.get("deferrals") or []
        if s.get("permanently_deferred"):
            reasons = "；".join(d["reason"] for d in defs if d["kind"] == "permanent")
            self.banner.show_message("error", self.tr("PERMANENTLY DEFERRED - do not register a donation. Reason: %1")
                                     .replace("%1", reasons))
        elif defs:
            until = self.tr("until")
            reasons = "；".join(f"{d['reason']} ({until} {d['until']})" for d in defs)
            self.banner.show_message("warn", self.tr("Deferred: %1").replace("%1", reasons))
        else:
            self.banner.clear_message()
        fill(self.history, [[h["donated_on"], type_label(h["donation_type"]), f"{h['volume_ml']:g}",
                             h["interval_days"] if h["interval_days"] is not None else "", h["place"]]
                            for h in s.get("history", [])])
        today = date.today().isoformat()
        never, now = self.tr("never"), self.tr("now")
        parts = []
        for t, d in (s.get("next_eligible") or {}).items():
            if d is None:
                text = f"<span style='color:#c62828'>{never}</span>"
            elif d <= today:
                text = f"<span style='color:#2e7d32'>{now}</span>"
            else:
                text = f"<span style='color:#b26a00'>{d}</span>"
            parts.append(f"<tr><td>{type_label(t)}</td><td><b>{text}</b></td></tr>")
        self.next_label.setText("<table cellpadding='3'>" + "".join(parts) + "</table>")


class ManualEntryForm(Panel):
    """When the card cannot be read: typed entry, the ID number checked as it is typed."""

    sig_submitted = Signal(object)  # DonorInput

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.today = today
        self.id_number = ValidatedField(self._judge_id, self)
        self.id_number.edit.setObjectName("manual_id_number")
        self.name = QLineEdit(self)
        self.name.setObjectName("manual_name")
        self.sex = QComboBox(self)
        self.sex.setObjectName("manual_sex")
        self.birth = QDateEdit(self)
        self.birth.setDisplayFormat("yyyy-MM-dd")
        self.birth.setDate(QDate(1990, 1, 1))
        self.phone = QLineEdit(self)
        self.phone.setObjectName("manual_phone")
        self.address = QLineEdit(self)
        self.abo = QComboBox(self)
        self.abo.addItems(["", "A", "B", "O", "AB"])
        self.rhd = QComboBox(self)
        self.rhd.addItems(["", "+", "-"])
        self.submit = QPushButton(self)
        self.submit.setObjectName("manual_submit")
        self.labels = [QLabel(self) for _ in range(8)]
        form = QFormLayout(self)
        for label, field in zip(self.labels, (self.id_number, self.name, self.sex, self.birth, self.phone,
                                              self.address, self.abo, self.rhd)):
            form.addRow(label, field)
            label.setBuddy(field.edit if isinstance(field, ValidatedField) else field)
        form.addRow(self.submit)
        self.submit.clicked.connect(self._submit)
        self.id_number.edit.textChanged.connect(self._from_id)
        self.retranslate()

    def retranslate(self) -> None:
        for label, text in zip(self.labels, (self.tr("&ID number"), self.tr("&Name"), self.tr("Se&x"),
                                             self.tr("Date of &birth"), self.tr("P&hone"), self.tr("A&ddress"),
                                             self.tr("ABO"), self.tr("RhD"))):
            label.setText(text)
        current = self.sex.currentIndex()
        self.sex.clear()
        self.sex.addItem(self.tr("male"), "male")
        self.sex.addItem(self.tr("female"), "female")
        self.sex.setCurrentIndex(max(current, 0))
        self.submit.setText(self.tr("&Register donor"))
        self.id_number.refresh()

    def _judge_id(self, text: str) -> tuple[str, str]:
        problem = id_problem(text, self.today)
        return ("fail", problem) if problem else ("pass", self.tr("Valid ID number"))

    def _from_id(self, text: str) -> None:
        """A valid number tells the birth date and sex: filled in for the clerk."""
        from station.identifiers import parse_resident_id

        try:
            rid = parse_resident_id(text, today=self.today)
        except Exception:  # noqa: BLE001 - not complete yet
            return
        self.birth.setDate(QDate(rid.birth_date.year, rid.birth_date.month, rid.birth_date.day))
        self.sex.setCurrentIndex(0 if rid.sex == "male" else 1)

    def _submit(self) -> None:
        if self.id_number.status != "pass":
            self.id_number.refresh()
            self.id_number.edit.setFocus()
            return
        b = self.birth.date()
        self.sig_submitted.emit(DonorInput(
            id_number=self.id_number.text(), name=self.name.text().strip(), sex=self.sex.currentData(),
            birth_date=date(b.year(), b.month(), b.day()), phone=self.phone.text().strip(),
            address=self.address.text().strip(), abo=self.abo.currentText(), rhd=self.rhd.currentText()))


class SearchPanel(Panel):
    """Search by ID number, name, phone or DIN; Enter opens the selected donor."""

    sig_search = Signal(str)
    sig_open = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.query = QLineEdit(self)
        self.query.setObjectName("search_query")
        self.go = QPushButton(self)
        self.results = table(4, self)
        self.results.setObjectName("search_results")
        self.rows: list[dict[str, Any]] = []
        row = QHBoxLayout()
        row.addWidget(self.query, 1)
        row.addWidget(self.go)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.results)
        self.query.returnPressed.connect(lambda: self.sig_search.emit(self.query.text()))
        self.go.clicked.connect(lambda: self.sig_search.emit(self.query.text()))
        self.results.activated.connect(lambda index: self.sig_open.emit(self.rows[index.row()]["donor_id"]))
        self.retranslate()

    def retranslate(self) -> None:
        self.query.setPlaceholderText(self.tr("ID number, name, phone or DIN"))
        self.go.setText(self.tr("Search"))
        self.results.setHorizontalHeaderLabels([self.tr("Name"), self.tr("ID number"), self.tr("Sex"),
                                                self.tr("Phone")])

    def show_results(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        fill(self.results, [[r["name"], r["id_number_masked"],
                             {"male": self.tr("male"), "female": self.tr("female")}.get(r["sex"], ""),
                             r.get("phone_masked") or ""] for r in rows])
        if rows:
            self.results.setCurrentCell(0, 0)
            self.results.setFocus()


class QueueTicket(Panel):
    """The queue number and DIN handed to the donor, and where the donor's tablet step stands."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: dict[str, Any] | None = None
        self.stage = ""
        self.label = QLabel(self)
        self.label.setObjectName("queue_ticket")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setStyleSheet("border:2px dashed #1f5fa8;padding:8px;")
        QVBoxLayout(self).addWidget(self.label)
        self.retranslate()

    def retranslate(self) -> None:
        if not self.info:
            self.label.setText(self.tr("No donation registered yet"))
            return
        stage = {"tablet": self.tr("The donor is reading and signing on the tablet"),
                 "signed": self.tr("Questionnaire signed: send the donor to the physician"),
                 "refused": self.tr("The donor reported wrong details: check and register again")}.get(self.stage, "")
        heading = self.tr("Queue number")
        self.label.setText(f"{heading}<br><span style='font-size:36pt;font-weight:bold'>"
                           f"{self.info.get('ticket_label') or self.info['queue_number']}</span><br>DIN {self.info['din']} {self.info['check_character']}"
                           f"<br><i>{stage}</i>")

    def show_ticket(self, info: dict[str, Any] | None, stage: str = "") -> None:
        self.info, self.stage = info, stage
        self.retranslate()
