"""Collection chair widgets: pre-collection check, separator panel, finish, reactions, post-check, sealing, signing."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QTimeZone, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from station.services.donations import (
    POST_ITEMS,
    REACTION_TYPES,
    CollectionResult,
    PreCollectionInput,
)
from ui.common.widgets import Panel, local_time, pick


class PreCheckForm(Panel):
    sig_submitted = Signal(object)

    KEYS = ("donor_scan", "bag_din_scan", "separator_serial", "kit_lot", "ac_lot", "saline_lot")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.edits: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        for key in self.KEYS:
            edit = QLineEdit(self)
            edit.setObjectName(f"pre_{key}")
            self.edits[key] = edit
            self.labels[key] = QLabel(self)
            self.labels[key].setBuddy(edit)
            form.addRow(self.labels[key], edit)
        # a scanner acts as a keyboard ending with Enter: move on to the next field
        for a, b in zip(self.KEYS, self.KEYS[1:]):
            self.edits[a].returnPressed.connect(self.edits[b].setFocus)
        self.submit = QPushButton(self)
        self.submit.setObjectName("pre_submit")
        form.addRow(self.submit)
        self.edits[self.KEYS[-1]].returnPressed.connect(self._submit)
        self.submit.clicked.connect(self._submit)
        self.retranslate()

    def retranslate(self) -> None:
        names = {"donor_scan": self.tr("Donor card / wristband"), "bag_din_scan": self.tr("Bag DIN"),
                 "separator_serial": self.tr("Separator serial"), "kit_lot": self.tr("Kit lot"),
                 "ac_lot": self.tr("Anticoagulant lot"), "saline_lot": self.tr("Saline lot")}
        for k, label in self.labels.items():
            label.setText(names[k])
        self.submit.setText(self.tr("Check"))

    def _submit(self) -> None:
        self.sig_submitted.emit(PreCollectionInput(**{k: e.text().strip() for k, e in self.edits.items()}))

    def clear(self) -> None:
        for e in self.edits.values():
            e.clear()


class SeparatorPanel(Panel):
    """Live run: phase, progress, processed volume, yield, AC and the alarms as they come."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status: Any = None
        self.progress = QProgressBar(self)
        self.progress.setObjectName("separator_progress")
        self.values = QLabel(self)
        self.values.setObjectName("separator_values")
        self.alarms = QListWidget(self)
        self.alarms.setObjectName("separator_alarms")
        self.alarms.setMaximumHeight(110)
        self.start = QPushButton(self)
        self.start.setObjectName("start_collection")
        self.l_alarms = QLabel(self)
        lay = QVBoxLayout(self)
        lay.addWidget(self.start)
        lay.addWidget(self.progress)
        lay.addWidget(self.values)
        lay.addWidget(self.l_alarms)
        lay.addWidget(self.alarms)
        lay.addStretch(1)
        self.values.setStyleSheet("font-size:14pt;")
        self.values.setWordWrap(True)
        self.retranslate()

    def retranslate(self) -> None:
        self.start.setText(self.tr("Start collection (needle in)"))
        self.l_alarms.setText(self.tr("Separator alarms"))
        self.show_status(self.status)

    def show_status(self, status: Any, target_yield: float = 2.5) -> None:
        self.status = status
        if status is None:
            self.values.setText(self.tr("No data from the separator yet."))
            self.progress.setValue(0)
            return
        phases = {"priming": self.tr("priming"), "collecting": self.tr("collecting"),
                  "rinseback": self.tr("rinseback"), "ended": self.tr("ended")}
        self.progress.setValue(100 if status.phase == "ended" else int(min(status.yield_e11 / target_yield, 0.99) * 100))
        self.values.setText(self.tr("Phase: %1   Time: %2 min   Processed: %3 mL   Yield: %4 ×10¹¹   AC: %5 mL")
                            .replace("%1", phases.get(status.phase, status.phase))
                            .replace("%2", f"{status.elapsed_s / 60:.0f}").replace("%3", f"{status.processed_ml:.0f}")
                            .replace("%4", f"{status.yield_e11:.2f}").replace("%5", f"{status.ac_used_ml:.0f}"))

    def add_alarm(self, alarm: Any) -> None:
        text = f"{local_time(alarm.at, '%H:%M:%S')} [{alarm.severity}] {alarm.code} {pick(alarm.text_zh, alarm.text_en)}"
        existing = [self.alarms.item(i).text() for i in range(self.alarms.count())]
        if text not in existing:
            self.alarms.addItem(text)


class FinishForm(Panel):
    """End-of-run values: filled from the separator's summary, or typed when the link failed."""

    sig_submitted = Signal(object)

    KEYS = ("whole_blood_processed_ml", "ac_used_ml", "ac_to_donor_ml", "platelet_volume_ml", "platelet_yield_e11",
            "plasma_volume_ml", "run_minutes")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.from_device: CollectionResult | None = None
        form = QFormLayout(self)
        self.spins: dict[str, QDoubleSpinBox] = {}
        self.labels: dict[str, QLabel] = {}
        for key in self.KEYS:
            spin = QDoubleSpinBox(self)
            spin.setObjectName(f"finish_{key}")
            spin.setRange(0, 5000)
            spin.setDecimals(self.DECIMALS.get(key, 1))
            self.spins[key] = spin
            self.labels[key] = QLabel(self)
            form.addRow(self.labels[key], spin)
        self.source = QLabel(self)
        self.source.setWordWrap(True)
        form.addRow(self.source)
        self.submit = QPushButton(self)
        self.submit.setObjectName("finish_collection")
        form.addRow(self.submit)
        self.submit.clicked.connect(self._submit)
        self.retranslate()

    # separators report volumes to 0.1 mL and the yield to 0.01 x10^11; a spin box shows them at that precision
    DECIMALS = {"platelet_yield_e11": 2}

    def retranslate(self) -> None:
        names = {"whole_blood_processed_ml": self.tr("Whole blood processed (mL)"), "ac_used_ml": self.tr("AC used (mL)"),
                 "ac_to_donor_ml": self.tr("AC to donor (mL)"), "platelet_volume_ml": self.tr("Platelet volume (mL)"),
                 "platelet_yield_e11": self.tr("Platelet yield (×10¹¹)"), "plasma_volume_ml": self.tr("Plasma (mL)"),
                 "run_minutes": self.tr("Run time (min)")}
        for k, label in self.labels.items():
            label.setText(names[k])
        self.submit.setText(self.tr("Finish collection"))
        self.source.setText(self.tr("Values from the separator's summary") if self.from_device else
                            self.tr("Typed values (no separator summary received)"))

    def fill(self, result: CollectionResult) -> None:
        self.from_device = result
        for k, spin in self.spins.items():
            spin.setValue(float(getattr(result, k) or 0))
        self.retranslate()

    def edited(self) -> dict[str, float]:
        """The fields the nurse changed from the separator's summary (compared at the precision shown)."""
        base = self.from_device
        if base is None:
            return {}
        out: dict[str, float] = {}
        for k, spin in self.spins.items():
            shown = round(float(getattr(base, k) or 0), spin.decimals())
            if abs(spin.value() - shown) > 10 ** -(spin.decimals() + 1):
                out[k] = spin.value()
        return out

    def _submit(self) -> None:
        base = self.from_device
        if base is not None:
            # the separator's summary exactly as received (floats unrounded, post count, Hct, alarms, raw message
            # link); only a field the nurse really changed takes the typed value
            changes = self.edited()
            if "run_minutes" in changes and not changes["run_minutes"]:
                changes["run_minutes"] = None  # type: ignore[assignment]
            self.sig_submitted.emit(replace(base, **changes) if changes else base)
            return
        v = {k: s.value() for k, s in self.spins.items()}
        self.sig_submitted.emit(CollectionResult(
            whole_blood_processed_ml=v["whole_blood_processed_ml"], ac_used_ml=v["ac_used_ml"],
            ac_to_donor_ml=v["ac_to_donor_ml"], platelet_volume_ml=v["platelet_volume_ml"],
            platelet_yield_e11=v["platelet_yield_e11"], plasma_volume_ml=v["plasma_volume_ml"],
            run_minutes=v["run_minutes"] or None))


class ReactionForm(Panel):
    """An adverse reaction: type, grade, time of onset (local time), treatment, outcome; confirmed before it is
    saved; the reactions already recorded for the donation listed below."""

    sig_submitted = Signal(str, int, str, str, object)  # type, grade, treatment, outcome, onset (aware datetime)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.type = QComboBox(self)
        self.type.setObjectName("reaction_type")
        self.grade = QSpinBox(self)
        self.grade.setObjectName("reaction_grade")
        self.grade.setRange(1, 3)
        self.onset = QDateTimeEdit(self)
        self.onset.setObjectName("reaction_onset")
        self.onset.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.onset.setTimeZone(QTimeZone(b"Asia/Shanghai"))
        self.onset_now = QPushButton(self)
        self.onset_now.setObjectName("reaction_onset_now")
        onset_row = QHBoxLayout()
        onset_row.addWidget(self.onset, 1)
        onset_row.addWidget(self.onset_now)
        self.treatment = QLineEdit(self)
        self.treatment.setObjectName("reaction_treatment")
        self.outcome = QLineEdit(self)
        self.outcome.setObjectName("reaction_outcome")
        self.submit = QPushButton(self)
        self.submit.setObjectName("reaction_submit")
        self.recorded = QListWidget(self)
        self.recorded.setObjectName("reaction_list")
        self.l_recorded = QLabel(self)
        self.labels = [QLabel(self) for _ in range(5)]
        form = QFormLayout(self)
        for label, field in zip(self.labels, (self.type, self.grade, onset_row, self.treatment, self.outcome)):
            form.addRow(label, field)
        form.addRow(self.submit)
        form.addRow(self.l_recorded)
        form.addRow(self.recorded)
        self.reactions: list[dict[str, Any]] = []
        self.onset_now.clicked.connect(self.set_onset_now)
        self.submit.clicked.connect(self._submit)
        self.set_onset_now()
        self.retranslate()

    def set_onset_now(self, now: Any = None) -> None:
        from datetime import UTC, datetime

        from PySide6.QtCore import QDateTime

        at = now or datetime.now(UTC)
        self.onset.setDateTime(QDateTime.fromSecsSinceEpoch(int(at.timestamp()), QTimeZone(b"Asia/Shanghai")))

    def onset_at(self) -> Any:
        from datetime import UTC, datetime

        return datetime.fromtimestamp(self.onset.dateTime().toSecsSinceEpoch(), UTC)

    def retranslate(self) -> None:
        for label, text in zip(self.labels, (self.tr("Reaction"), self.tr("Grade (1 mild - 3 severe)"),
                                             self.tr("Time of onset"), self.tr("Treatment"), self.tr("Outcome"))):
            label.setText(text)
        current = self.type.currentIndex()
        self.type.clear()
        for code, (zh, en) in REACTION_TYPES.items():
            self.type.addItem(pick(zh, en), code)
        self.type.setCurrentIndex(max(current, 0))
        self.onset_now.setText(self.tr("Now"))
        self.submit.setText(self.tr("Record adverse reaction"))
        self.l_recorded.setText(self.tr("Reactions recorded for this donation"))
        self.show_reactions(self.reactions)

    def show_reactions(self, reactions: list[dict[str, Any]]) -> None:
        self.reactions = list(reactions)
        self.recorded.clear()
        for r in sorted(self.reactions, key=lambda r: str(r.get("occurred_at"))):
            zh, en = REACTION_TYPES.get(r.get("type", ""), (r.get("type", ""), r.get("type", "")))
            self.recorded.addItem(self.tr("%1  %2, grade %3: %4").replace("%1", local_time(r.get("occurred_at")))
                                  .replace("%2", pick(zh, en)).replace("%3", str(r.get("grade")))
                                  .replace("%4", str(r.get("treatment") or "")))
        if not self.reactions:
            self.recorded.addItem(self.tr("None recorded"))

    def _submit(self) -> None:
        from ui.dialogs import dialogs

        treatment = self.treatment.text().strip()
        onset = self.onset_at()
        text = (self.tr("Record this adverse reaction?\n%1, grade %2, onset %3\nTreatment: %4")
                .replace("%1", self.type.currentText()).replace("%2", str(self.grade.value()))
                .replace("%3", local_time(onset)).replace("%4", treatment or "—"))
        if not dialogs().confirm(self, self.tr("Adverse reaction"), text):
            return
        self.sig_submitted.emit(self.type.currentData(), self.grade.value(), treatment, self.outcome.text().strip(),
                                onset)

    def clear_entry(self) -> None:
        self.treatment.clear()
        self.outcome.clear()
        self.grade.setValue(1)


class PostCheckForm(Panel):
    sig_submitted = Signal(dict, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes = {k: QCheckBox(self) for k in POST_ITEMS}
        for k, b in self.boxes.items():
            b.setObjectName(f"post_{k}")
        self.notes = QLineEdit(self)
        self.submit = QPushButton(self)
        self.submit.setObjectName("post_submit")
        lay = QVBoxLayout(self)
        for b in self.boxes.values():
            lay.addWidget(b)
        lay.addWidget(self.notes)
        lay.addWidget(self.submit)
        lay.addStretch(1)
        self.submit.clicked.connect(lambda: self.sig_submitted.emit({k: b.isChecked() for k, b in self.boxes.items()},
                                                                    self.notes.text()))
        self.retranslate()

    def retranslate(self) -> None:
        names = {"donor_condition_ok": self.tr("Donor's condition good"), "puncture_site_ok": self.tr("Puncture site fine"),
                 "product_appearance_ok": self.tr("Product appearance normal"), "label_applied": self.tr("Label applied"),
                 "bag_intact": self.tr("Bag intact, no leak")}
        for k, b in self.boxes.items():
            b.setText(names[k])
        self.notes.setPlaceholderText(self.tr("Notes (required when an item is not ticked)"))
        self.submit.setText(self.tr("Save post-collection check"))


class SealingPanel(Panel):
    """Scan each bag and segment; a mismatch is shown red across the window and sounds the alarm — at the scan,
    before the sealing check is even pressed."""

    sig_seal = Signal(list)
    sig_mismatch = Signal(str)  # the scan that does not carry this donation's DIN

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.expected_din = ""
        self.scan = QLineEdit(self)
        self.scan.setObjectName("seal_scan")
        self.scans = QListWidget(self)
        self.scans.setObjectName("seal_scans")
        self.seal = QPushButton(self)
        self.seal.setObjectName("seal_submit")
        self.clear = QPushButton(self)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.hint)
        lay.addWidget(self.scan)
        lay.addWidget(self.scans)
        row = QHBoxLayout()
        row.addWidget(self.clear)
        row.addWidget(self.seal)
        lay.addLayout(row)
        self.scan.returnPressed.connect(self._add)
        self.clear.clicked.connect(self.scans.clear)
        self.seal.clicked.connect(lambda: self.sig_seal.emit(self.values()))
        self.retranslate()

    def retranslate(self) -> None:
        self.hint.setText(self.tr("Scan the DIN on every bag and sample segment, then press Seal check."))
        self.scan.setPlaceholderText(self.tr("Scan here"))
        self.seal.setText(self.tr("Seal check"))
        self.clear.setText(self.tr("Clear scans"))

    def matches(self, text: str) -> bool:
        from station.errors import ValidationError
        from station.identifiers import parse_din

        try:
            return parse_din(text).din == self.expected_din
        except ValidationError:
            return False

    def _add(self) -> None:
        from PySide6.QtGui import QBrush, QColor

        text = self.scan.text().strip()
        self.scan.clear()
        if not text:
            return
        self.scans.addItem(text)
        if self.expected_din and not self.matches(text):
            item = self.scans.item(self.scans.count() - 1)
            item.setForeground(QBrush(QColor("#c62828")))
            self.sig_mismatch.emit(text)

    def values(self) -> list[str]:
        return [self.scans.item(i).text() for i in range(self.scans.count())]


class SignPanel(Panel):
    """Sign the donation's records with the nurse's token PIN (the donor's tablet signature is attached)."""

    sig_sign = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pin = QLineEdit(self)
        self.pin.setObjectName("sign_pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.sign = QPushButton(self)
        self.sign.setObjectName("sign_records")
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.hide()
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        grid = QGridLayout(self)
        self.l_pin = QLabel(self)
        grid.addWidget(self.info, 0, 0, 1, 2)
        grid.addWidget(self.l_pin, 1, 0)
        grid.addWidget(self.pin, 1, 1)
        grid.addWidget(self.sign, 2, 0, 1, 2)
        grid.addWidget(self.busy, 3, 0, 1, 2)
        grid.setRowStretch(4, 1)
        self.pin.returnPressed.connect(self._sign)
        self.sign.clicked.connect(self._sign)
        self.retranslate()

    def retranslate(self) -> None:
        self.l_pin.setText(self.tr("Token PIN"))
        self.sign.setText(self.tr("Sign the records"))
        self.info.setText(self.tr("The consent, registration and collection records are signed with your key "
                                  "and time-stamped."))

    def _sign(self) -> None:
        pin = self.pin.text()
        self.pin.clear()
        if pin:
            self.sig_sign.emit(pin)

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.sign.setEnabled(not busy)
