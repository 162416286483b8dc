"""Physician widgets: vitals with live validation, pre-donation results, the decision, the override dialog."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station.rules.engine import field_status, ruleset_for
from station.services.donations import ExamInput, OverrideInput, PretestInput
from ui.common.widgets import COLOURS, Panel, ValidatedField, msg, pick
from ui.tablet.widgets import SignatureCanvas


def judge_for(field: str, sex: Callable[[], str], today: Any, other: Callable[[], dict[str, float]] | None = None
              ) -> Callable[[str], tuple[str, str]]:
    """A ValidatedField judge backed by the rule set in force: green / amber (confirm) / red (fails), with reason."""
    rs = ruleset_for(today)

    def judge(text: str) -> tuple[str, str]:
        value = float(text)
        f = field_status(rs, field, value, sex=sex(), other=other() if other else None)
        return f.status, pick(f.message_zh, f.message_en)

    return judge


def _num(field: ValidatedField) -> float | None:
    try:
        return float(field.text()) if field.text() else None
    except ValueError:
        return None


class VitalsForm(Panel):
    sig_submitted = Signal(object)  # ExamInput

    FIELDS = ("weight_kg", "height_cm", "systolic", "diastolic", "pulse", "temperature_c")

    def __init__(self, today: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sex = "male"
        bp = lambda: {k: v for k, v in (("systolic", _num(self.fields["systolic"])),
                                        ("diastolic", _num(self.fields["diastolic"]))) if v is not None}
        self.fields: dict[str, ValidatedField] = {}
        form = QFormLayout(self)
        self.labels: dict[str, QLabel] = {}
        for key in self.FIELDS:
            judge = judge_for(key, lambda: self.sex, today, bp if key in ("systolic", "diastolic") else None)
            field = ValidatedField(judge, self)
            field.edit.setObjectName(f"vital_{key}")
            self.fields[key] = field
            self.labels[key] = QLabel(self)
            self.labels[key].setBuddy(field.edit)
            form.addRow(self.labels[key], field)
        self.fields["systolic"].edit.textChanged.connect(lambda _t: self.fields["diastolic"].refresh())
        self.fields["diastolic"].edit.textChanged.connect(lambda _t: self.fields["systolic"].refresh())
        self.regular = QCheckBox(self)
        self.regular.setChecked(True)
        self.condition = QLineEdit(self)
        self.condition.setObjectName("vital_condition")
        self.l_condition = QLabel(self)
        form.addRow(self.regular)
        form.addRow(self.l_condition, self.condition)
        self.save = QPushButton(self)
        self.save.setObjectName("save_examination")
        form.addRow(self.save)
        self.save.clicked.connect(self._submit)
        self.retranslate()

    def retranslate(self) -> None:
        names = {"weight_kg": self.tr("Weight (kg)"), "height_cm": self.tr("Height (cm)"),
                 "systolic": self.tr("Systolic (mmHg)"), "diastolic": self.tr("Diastolic (mmHg)"),
                 "pulse": self.tr("Pulse (/min)"), "temperature_c": self.tr("Temperature (°C)")}
        for key, label in self.labels.items():
            label.setText(names[key])
        self.regular.setText(self.tr("Pulse regular"))
        self.l_condition.setText(self.tr("General condition"))
        self.save.setText(self.tr("Save examination"))
        for f in self.fields.values():
            f.refresh()

    def set_sex(self, sex: str) -> None:
        self.sex = sex
        for f in self.fields.values():
            f.refresh()

    def show_recorded(self, exam: dict[str, Any] | None) -> None:
        """The examination as stored (a donation examined already: the physician sees what the form will say);
        none stored: empty fields to fill in."""
        for key, field in self.fields.items():
            value = (exam or {}).get(key)
            field.edit.setText("" if value is None else f"{value:g}" if isinstance(value, float) else str(value))
        self.regular.setChecked(bool((exam or {}).get("pulse_regular", True)))
        self.condition.setText(str((exam or {}).get("general_condition") or ""))

    def _submit(self) -> None:
        v = {k: _num(f) for k, f in self.fields.items()}
        missing = [k for k in ("weight_kg", "systolic", "diastolic", "pulse") if v[k] is None]
        for k in missing:
            self.fields[k].reason.setText(self.tr("Required"))
            self.fields[k].reason.setStyleSheet(f"color:{COLOURS['fail']};")
        if missing:
            return
        self.sig_submitted.emit(ExamInput(weight_kg=v["weight_kg"], systolic=int(v["systolic"]),  # type: ignore[arg-type]
                                          diastolic=int(v["diastolic"]), pulse=int(v["pulse"]),  # type: ignore[arg-type]
                                          height_cm=v["height_cm"], temperature_c=v["temperature_c"],
                                          pulse_regular=self.regular.isChecked(),
                                          general_condition=self.condition.text().strip()))


class PretestPanel(Panel):
    """Results from the analyzer as they arrive; manual entry only with a recorded reason."""

    sig_manual = Signal(object)  # PretestInput

    FIELDS = ("hb_g_l", "hct", "plt_10e9_l", "mpv_fl")

    def __init__(self, today: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sex = "male"
        self.din = ""
        self.live = QLabel(self)
        self.live.setObjectName("analyzer_live")
        self.live.setWordWrap(True)
        self.manual_box = QGroupBox(self)
        self.manual_box.setCheckable(True)
        self.manual_box.setChecked(False)
        form = QFormLayout(self.manual_box)
        self.fields: dict[str, ValidatedField] = {}
        self.labels: dict[str, QLabel] = {}
        for key in self.FIELDS:
            field = ValidatedField(judge_for(key, lambda: self.sex, today), self.manual_box)
            field.edit.setObjectName(f"pretest_{key}")
            self.fields[key] = field
            self.labels[key] = QLabel(self.manual_box)
            form.addRow(self.labels[key], field)
        self.reason = QLineEdit(self.manual_box)
        self.reason.setObjectName("pretest_reason")
        self.l_reason = QLabel(self.manual_box)
        form.addRow(self.l_reason, self.reason)
        self.save = QPushButton(self.manual_box)
        self.save.setObjectName("save_pretest")
        form.addRow(self.save)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.live)
        lay.addWidget(self.manual_box)
        self.save.clicked.connect(self._submit)
        self.last: dict[str, Any] | None = None
        self.retranslate()

    def retranslate(self) -> None:
        names = {"hb_g_l": self.tr("Haemoglobin (g/L)"), "hct": self.tr("Haematocrit (L/L)"),
                 "plt_10e9_l": self.tr("Platelets (10^9/L)"), "mpv_fl": self.tr("MPV (fL)")}
        for k, label in self.labels.items():
            label.setText(names[k])
        self.manual_box.setTitle(self.tr("Manual entry (analyzer not available)"))
        self.l_reason.setText(self.tr("Reason for manual entry"))
        self.save.setText(self.tr("Save results"))
        self.show_live(self.last)

    def show_recorded(self, test: dict[str, Any]) -> None:
        """The pre-donation results stored for the donation (no longer waiting for the analyzer)."""
        parts = [(self.tr("Hb"), test.get("hb_g_l"), "g/L"), (self.tr("Hct"), test.get("hct"), "L/L"),
                 (self.tr("PLT"), test.get("plt_10e9_l"), "×10⁹/L"), (self.tr("MPV"), test.get("mpv_fl"), "fL")]
        values = ", ".join(f"{name} {v:g} {unit}" for name, v, unit in parts if isinstance(v, (int, float)))
        source = self.tr("analyzer") if test.get("source") == "device" else self.tr("entered by hand")
        self.live.setText(self.tr("Recorded results (%1): %2").replace("%1", source).replace("%2", values))

    def show_live(self, result: dict[str, Any] | None) -> None:
        self.last = result
        if result is None:
            self.live.setText(self.tr("Waiting for the analyzer: sample %1").replace("%1", self.din or "-"))
            return
        values = ", ".join(f"{k} {v:g}" for k, v in result.get("values", {}).items())
        if result.get("status") == "filed":
            self.live.setText(self.tr("Analyzer result filed for %1: %2").replace("%1", result["din"]).replace("%2", values))
        else:
            self.live.setText(self.tr("Analyzer result for %1 not filed (%2): %3").replace("%1", str(result.get("din")))
                              .replace("%2", str(result.get("reason") or result.get("status"))).replace("%3", values))

    def _submit(self) -> None:
        v = {k: _num(f) for k, f in self.fields.items()}
        if any(v[k] is None for k in ("hb_g_l", "hct", "plt_10e9_l")):
            self.live.setText(self.tr("Enter haemoglobin, haematocrit and platelets."))
            return
        self.sig_manual.emit(PretestInput(hb_g_l=v["hb_g_l"], hct=v["hct"], plt_10e9_l=v["plt_10e9_l"],  # type: ignore[arg-type]
                                          mpv_fl=v["mpv_fl"], source="manual", manual_reason=self.reason.text()))


class AssessmentPanel(Panel):
    """Every check of the rule set, passed or failed, and the decision buttons."""

    sig_decide = Signal()
    sig_override = Signal()
    sig_print = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.findings = QListWidget(self)
        self.findings.setObjectName("findings")
        self.result = QLabel(self)
        self.result.setObjectName("decision_result")
        self.result.setWordWrap(True)
        self.ruleset = QLabel(self)
        self.decide = QPushButton(self)
        self.decide.setObjectName("assess")
        self.override = QPushButton(self)
        self.override.setObjectName("override")
        self.print_label = QPushButton(self)
        self.print_label.setObjectName("print_label")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.ruleset)
        lay.addWidget(self.findings, 1)
        lay.addWidget(self.result)
        lay.addWidget(self.decide)
        lay.addWidget(self.override)
        lay.addWidget(self.print_label)
        self.decide.clicked.connect(self.sig_decide.emit)
        self.override.clicked.connect(self.sig_override.emit)
        self.print_label.clicked.connect(self.sig_print.emit)
        self.preview: dict[str, Any] | None = None
        self.state = ""
        self.retranslate()

    def retranslate(self) -> None:
        self.decide.setText(self.tr("Decide eligibility"))
        self.override.setText(self.tr("Override a failed check ..."))
        self.print_label.setText(self.tr("Print bag label"))
        self.show_preview(self.preview, self.state)

    def show_preview(self, preview: dict[str, Any] | None, state: str) -> None:
        self.preview, self.state = preview, state
        self.findings.clear()
        self.ruleset.setText(self.tr("Rule set: %1").replace("%1", preview["ruleset"]) if preview else "")
        for f in (preview or {}).get("findings", []):
            mark = {"pass": "✔", "warn": "!", "fail": "✘"}.get(f["status"], "?")
            item = QListWidgetItem(f"{mark}  {msg(f)}")
            item.setForeground(Qt.GlobalColor.darkGreen if f["status"] == "pass" else
                               (Qt.GlobalColor.red if f["status"] == "fail" else Qt.GlobalColor.darkYellow))
            self.findings.addItem(item)
        failed = (preview or {}).get("failed", [])
        self.decide.setEnabled(state == "pretested")
        self.override.setEnabled(state == "pretested" and any(f.get("overridable") for f in failed))
        self.print_label.setEnabled(state in ("assessed", "precollection_checked"))
        eligible, deferred = self.tr("Eligible"), self.tr("Deferred")
        if state == "assessed":
            self.result.setText(f"<b style='color:#2e7d32'>{eligible}</b>")
        elif state == "deferred":
            self.result.setText(f"<b style='color:#c62828'>{deferred}</b>: " + "；".join(msg(f) for f in failed))
        elif failed and state == "pretested":
            self.result.setText(self.tr("%1 check(s) fail: the donor will be deferred unless overridden.")
                                .replace("%1", str(len(failed))))
        else:
            self.result.setText("")


class OverrideDialog(QDialog):
    """A physician overrides one failed check: the code, a reason and a handwritten signature."""

    def __init__(self, failed: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("override_dialog")
        self.setWindowTitle(self.tr("Override a failed check"))
        self.code = QComboBox(self)
        for f in failed:
            if f.get("overridable"):
                self.code.addItem(msg(f), f["code"])
        self.reason = QLineEdit(self)
        self.reason.setObjectName("override_reason")
        self.canvas = SignatureCanvas(self)
        self.canvas.setMinimumSize(420, 160)
        self.canvas.device_name = "physician-override"
        self.clear = QPushButton(self.tr("Clear"), self)
        self.clear.clicked.connect(self.canvas.clear)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.problem = QLabel(self)
        self.problem.setStyleSheet(f"color:{COLOURS['fail']};")
        form = QFormLayout(self)
        form.addRow(self.tr("Check"), self.code)
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.tr("Signature"), self.canvas)
        form.addRow(self.clear)
        form.addRow(self.problem)
        form.addRow(self.buttons)
        self.result_override: OverrideInput | None = None

    def _accept(self) -> None:
        if len(self.reason.text().strip()) < 4:
            self.problem.setText(self.tr("Give a reason of at least 4 characters."))
            return
        if self.canvas.is_empty():
            self.problem.setText(self.tr("Sign in the box."))
            return
        png = self.canvas.capture().render_png(400, 150)
        self.result_override = OverrideInput(code=self.code.currentData(), reason=self.reason.text().strip(),
                                             signature=png, signature_kind="handwritten-png")
        self.accept()
