"""The physician's workspace: waiting list, donor header, vitals, pre-donation tests, decision."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QGroupBox, QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout, QWidget

from ui.common.queue import DonationQueue
from ui.common.widgets import DonorHeader, Panel
from ui.physician.controller import PhysicianController
from ui.physician.widgets import AssessmentPanel, OverrideDialog, PretestPanel, VitalsForm
from ui.session import ClientSession


class Workspace(Panel):
    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.controller = PhysicianController(session, self)
        today = session.ctx.today()
        self.queue = DonationQueue(self)
        self.header = DonorHeader(self)
        self.vitals = VitalsForm(today, self)
        self.pretest = PretestPanel(today, self)
        self.assessment = AssessmentPanel(self)
        from ui.collection.widgets import SignPanel

        self.signing = SignPanel(self)
        self.signing.setObjectName("physician_signing")
        self.vitals_box, self.pretest_box, self.assess_box = QGroupBox(self), QGroupBox(self), QGroupBox(self)
        QVBoxLayout(self.vitals_box).addWidget(self.vitals)
        QVBoxLayout(self.pretest_box).addWidget(self.pretest)
        assess_col = QVBoxLayout(self.assess_box)
        assess_col.addWidget(self.assessment)
        assess_col.addWidget(self.signing)
        cols = QHBoxLayout()
        cols.addWidget(self.vitals_box, 1)
        cols.addWidget(self.pretest_box, 1)
        cols.addWidget(self.assess_box, 1)
        # a regional check not done for this donation: shown, and acknowledged here (the pre-collection check
        # requires it); the day's checks in their own window
        self.regional_alert = QPushButton(self)
        self.regional_alert.setObjectName("regional_alert")
        self.regional_alert.setStyleSheet("QPushButton{background:#c62828;color:white;font-weight:bold;padding:6px;}")
        self.regional_alert.hide()
        self.regional_button = QPushButton(self)
        self.regional_button.setObjectName("regional_checks_button")
        self.regional_dialog: Any = None
        right = QVBoxLayout()
        right.addWidget(self.header)
        right.addWidget(self.regional_alert)
        # the three columns scroll on a short screen (1366 x 768 with the banners shown) instead of
        # pushing the window past it
        body = QWidget()
        body.setLayout(cols)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        right.addWidget(scroll, 1)
        left = QVBoxLayout()
        left.addWidget(self.queue, 1)
        left.addWidget(self.regional_button)
        row = QHBoxLayout(self)
        row.addLayout(left)
        row.addLayout(right, 1)
        self.regional_alert.clicked.connect(self._acknowledge_regional)
        self.regional_button.clicked.connect(self.show_regional_checks)
        c = self.controller
        c.sig_queue.connect(self.queue.show_rows)
        c.sig_detail.connect(self._detail)
        c.sig_analyzer_result.connect(self.pretest.show_live)
        c.sig_decided.connect(self._decided)
        c.sig_label.connect(lambda label: session.notify("ok", self.tr("Label printed for %1").replace("%1", label["din"])))
        self.queue.sig_donation_selected.connect(c.open)
        self.vitals.sig_submitted.connect(c.save_examination)
        self.pretest.sig_manual.connect(c.save_manual_pretest)
        self.assessment.sig_decide.connect(lambda: c.assess())
        self.assessment.sig_override.connect(self._override)
        self.assessment.sig_print.connect(c.print_label)
        self.signing.sig_sign.connect(c.sign_records)
        c.sig_busy.connect(self.signing.set_busy)
        c.sig_signed.connect(self._signed)
        self.timer = QTimer(self)
        self.timer.setInterval(15_000)
        self.timer.timeout.connect(c.refresh_queue)
        self._set_enabled("")
        self.retranslate()

    def retranslate(self) -> None:
        self.vitals_box.setTitle(self.tr("General examination"))
        self.pretest_box.setTitle(self.tr("Pre-donation tests"))
        self.assess_box.setTitle(self.tr("Eligibility"))
        self.regional_button.setText(self.tr("Regional checks…"))
        self._paint_regional()

    def _paint_regional(self) -> None:
        from ui.common.widgets import msg

        check = (self.controller.detail or {}).get("regional_check")
        if check and check.get("must_acknowledge"):
            self.regional_alert.setText(self.tr("%1 — click to acknowledge").replace("%1", msg(check)))
            self.regional_alert.show()
        else:
            self.regional_alert.hide()

    def _acknowledge_regional(self) -> None:
        from ui.physician.regional import acknowledge

        check = (self.controller.detail or {}).get("regional_check")
        if check and check.get("must_acknowledge"):
            acknowledge(self, self.session, check, lambda _o: self._regional_changed())

    def _regional_changed(self) -> None:
        self.session.notify("ok", self.tr("Regional check acknowledged."))
        if self.controller.donation_id is not None:
            self.controller.open(self.controller.donation_id)

    def show_regional_checks(self) -> Any:
        from ui.physician.regional import RegionalChecksDialog

        if self.regional_dialog is None:
            self.regional_dialog = RegionalChecksDialog(self.session, self)
            self.regional_dialog.sig_changed.connect(self._regional_changed)
        else:
            self.regional_dialog.refresh()
        self.regional_dialog.show()
        return self.regional_dialog

    def activate(self) -> None:
        self.controller.refresh_queue()
        self.timer.start()

    def _set_enabled(self, state: str) -> None:
        self.vitals.setEnabled(state == "questionnaire_signed")
        self.pretest.manual_box.setEnabled(state == "examined")
        self.signing.setVisible(state == "sealed")

    def _detail(self, d: dict[str, Any]) -> None:
        self.header.show_donor(d)
        self.vitals.set_sex(d["donor"]["sex"])
        self.pretest.sex = d["donor"]["sex"]
        self.pretest.din = d["din"]
        self.vitals.show_recorded(d.get("examination"))
        if self.pretest.last and self.pretest.last.get("din") != d["din"]:
            self.pretest.last = None
        if d.get("pretest") and not (self.pretest.last and self.pretest.last.get("status") == "filed"):
            self.pretest.show_recorded(d["pretest"])  # stored already: not "waiting for the analyzer"
        else:
            self.pretest.show_live(self.pretest.last)
        self._set_enabled(d["state"])
        self.assessment.show_preview(d.get("preview"), d["state"])
        self._paint_regional()

    def _decided(self, out: dict[str, Any]) -> None:
        if out["result"] == "eligible":
            self.session.notify("ok", self.tr("Eligible: print the label and send the donor to the chair."))
        else:
            self.session.notify("warn", self.tr("The donor was deferred."))

    def _signed(self, out: dict[str, Any]) -> None:
        if out.get("pending"):
            self.session.notify("warning", self.tr("Your record is signed; still waiting for: %1")
                                .replace("%1", ", ".join(out["pending"])))
        else:
            self.session.notify("ok", self.tr("All three records are signed."))

    def _override(self) -> None:
        d = self.controller.detail or {}
        dialog = OverrideDialog((d.get("preview") or {}).get("failed", []), self)
        dialog.finished.connect(lambda r: self.controller.assess((dialog.result_override,))
                                if r and dialog.result_override else None)
        dialog.open()
