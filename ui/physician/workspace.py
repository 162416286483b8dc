"""The physician's workspace: waiting list, donor header, vitals, pre-donation tests, decision."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QVBoxLayout, QWidget

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
        right = QVBoxLayout()
        right.addWidget(self.header)
        right.addLayout(cols, 1)
        row = QHBoxLayout(self)
        row.addWidget(self.queue)
        row.addLayout(right, 1)
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
        if self.pretest.last and self.pretest.last.get("din") != d["din"]:
            self.pretest.show_live(None)
        else:
            self.pretest.show_live(self.pretest.last)
        self._set_enabled(d["state"])
        self.assessment.show_preview(d.get("preview"), d["state"])

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
