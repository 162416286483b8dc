"""The collection chair: waiting donors on the left, the current donation's step on the right."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QHBoxLayout, QTabWidget, QVBoxLayout, QWidget

from ui.collection.controller import CollectionController
from ui.collection.widgets import (
    FinishForm,
    PostCheckForm,
    PreCheckForm,
    ReactionForm,
    SealingPanel,
    SeparatorPanel,
    SignPanel,
)
from ui.common.queue import DonationQueue
from ui.common.widgets import Banner, DonorHeader, Panel
from ui.session import ClientSession


class Workspace(Panel):
    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.controller = c = CollectionController(session, self)
        self.queue = DonationQueue(self)
        self.header = DonorHeader(self)
        self.banner = Banner(self)
        self.banner.setObjectName("hard_stop_banner")
        self.precheck, self.separator, self.finish = PreCheckForm(self), SeparatorPanel(self), FinishForm(self)
        self.post, self.sealing, self.signing = PostCheckForm(self), SealingPanel(self), SignPanel(self)
        self.reaction = ReactionForm(self)
        self.tabs = QTabWidget(self)
        for w in (self.precheck, self.separator, self.finish, self.post, self.sealing, self.signing, self.reaction):
            self.tabs.addTab(w, "")
        # tab order: 0 pre 1 separator 2 finish 3 post 4 sealing 5 signing 6 reaction
        right = QVBoxLayout()
        right.addWidget(self.banner)
        right.addWidget(self.header)
        right.addWidget(self.tabs, 1)
        from ui.queue.call_panel import CallPanel

        self.call_panel = CallPanel(session, session.ctx.config.station.name, self)
        left = QVBoxLayout()
        left.addWidget(self.queue, 1)
        left.addWidget(self.call_panel)
        row = QHBoxLayout(self)
        row.addLayout(left)
        row.addLayout(right, 1)
        self.alarm_timer = QTimer(self)
        self.alarm_timer.setInterval(1500)
        self.alarm_timer.timeout.connect(QApplication.beep)
        self.alarms_sounded = 0
        c.sig_queue.connect(self.queue.show_rows)
        c.sig_detail.connect(self._detail)
        c.sig_hard_stop.connect(self._hard_stop)
        c.sig_separator_status.connect(self.separator.show_status)
        c.sig_separator_alarm.connect(self.separator.add_alarm)
        c.sig_summary.connect(self._summary)
        c.sig_busy.connect(lambda what, busy: self.signing.set_busy(busy))
        c.sig_signed.connect(self._signed)
        c.sig_reaction_recorded.connect(self._reaction_recorded)
        self.queue.sig_donation_selected.connect(self._select)
        self.precheck.sig_submitted.connect(c.precollection_check)
        self.separator.start.clicked.connect(c.start_collection)
        self.finish.sig_submitted.connect(c.finish_collection)
        self.reaction.sig_submitted.connect(c.record_reaction)
        self.post.sig_submitted.connect(c.postcollection_check)
        self.sealing.sig_seal.connect(c.seal)
        self.sealing.sig_mismatch.connect(self._wrong_bag)
        self.signing.sig_sign.connect(c.sign_records)
        self.timer = QTimer(self)
        self.timer.setInterval(15_000)
        self.timer.timeout.connect(c.refresh_queue)
        self.state = ""
        self._enable("")
        self.retranslate()

    def retranslate(self) -> None:
        # short tab names: all seven tabs fit a 1366 px window in English too
        for i, text in enumerate((self.tr("1 Pre-check"), self.tr("2 Separator"), self.tr("3 Finish"),
                                  self.tr("4 Post-check"), self.tr("5 Sealing"), self.tr("6 Sign"),
                                  self.tr("Reaction"))):
            self.tabs.setTabText(i, text)

    def activate(self) -> None:
        self.controller.refresh_queue()
        self.timer.start()

    def _signed(self, out: dict) -> None:
        pending = out.get("pending") or []
        if not pending:
            self.session.notify("ok", self.tr("The records are signed."))
            return
        names = {"consent": self.tr("consent and questionnaire"),
                 "registration": self.tr("registration and examination form"),
                 "collection": self.tr("collection record")}
        self.session.notify("warning", self.tr("Your records are signed; still waiting for: %1")
                            .replace("%1", ", ".join(names.get(k, k) for k in pending)))

    def _select(self, donation_id: int) -> None:
        self.stop_alarm()
        self.precheck.clear()
        self.sealing.scans.clear()
        self.finish.from_device = None
        self.controller.open(donation_id)

    def _enable(self, state: str) -> None:
        self.precheck.setEnabled(state == "assessed")
        self.separator.start.setEnabled(state == "precollection_checked")
        self.finish.setEnabled(state == "collecting")
        self.post.setEnabled(state == "collected")
        self.sealing.setEnabled(state == "postcollection_checked")
        self.signing.setEnabled(state == "sealed")
        self.reaction.setEnabled(state in ("collecting", "collected", "postcollection_checked", "sealed"))

    def _wrong_bag(self, scan: str) -> None:
        self._hard_stop("sealing", self.tr("WRONG BAG: the scan %1 does not carry this donation's DIN %2. "
                                           "Do not seal; remove the bag.")
                        .replace("%1", scan).replace("%2", self.sealing.expected_din))

    def _reaction_recorded(self, out: dict[str, Any]) -> None:
        self.reaction.clear_entry()
        self.session.notify("ok", self.tr("Adverse reaction recorded."))

    def _detail(self, d: dict[str, Any]) -> None:
        self.header.show_donor(d)
        self.sealing.expected_din = d["din"]
        self.reaction.show_reactions(d.get("adverse_reactions") or [])
        if d["donation_id"] != getattr(self, "_reaction_donation", None):
            self._reaction_donation = d["donation_id"]
            self.reaction.set_onset_now(self.session.ctx.now())
        previous, self.state = self.state, d["state"]
        self._enable(d["state"])
        if d["state"] != previous or self.tabs.currentIndex() in (0, 1, 2, 3, 4, 5):
            tab = {"assessed": 0, "precollection_checked": 1, "collecting": 1, "collected": 3,
                   "postcollection_checked": 4, "sealed": 5}.get(d["state"])
            if tab is not None:
                self.tabs.setCurrentIndex(tab)
        if previous and d["state"] != previous:
            self.stop_alarm()  # the step that was stopped went through since: its red banner goes
        elif d["state"] != "postcollection_checked" and self.banner.level != "error":
            self.banner.clear_message()

    def _summary(self, result: Any) -> None:
        self.finish.fill(result)
        if self.state == "collecting":
            self.tabs.setCurrentWidget(self.finish)
        self.session.notify("info", self.tr("The separator sent its end-of-run summary."))

    def _hard_stop(self, step: str, text: str) -> None:
        """Stop everything: red full-width banner and an audible alarm until the nurse picks the donation again."""
        self.banner.show_message("error", text)
        self.window().raise_()
        QApplication.beep()
        self.alarms_sounded += 1
        if step == "sealing":
            self.alarm_timer.start()

    def stop_alarm(self) -> None:
        self.alarm_timer.stop()
        self.banner.clear_message()
