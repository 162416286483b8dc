"""The registration desk workspace: composed from the donor panel, search, manual entry and the ticket."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget

from ui.common.widgets import Panel
from ui.registration.controller import RegistrationController
from ui.registration.widgets import DonorPanel, ManualEntryForm, QueueTicket, SearchPanel
from ui.session import ClientSession


class Workspace(Panel):
    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.controller = RegistrationController(session, self)
        self.donor_panel = DonorPanel(self)
        self.search = SearchPanel(self)
        self.manual = ManualEntryForm(session.ctx.today(), self)
        self.ticket = QueueTicket(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.search, "")
        self.tabs.addTab(self.manual, "")
        from ui.registration.bookings import BookingsPanel

        self.bookings = BookingsPanel(session, self)
        self.tabs.addTab(self.bookings, "")
        self.tabs.currentChanged.connect(lambda i: self.bookings.refresh() if self.tabs.widget(i) is self.bookings
                                         else None)
        self.register_button = QPushButton(self)
        self.register_button.setObjectName("register_donation")
        self.register_button.setEnabled(False)
        self.register_button.setMinimumHeight(44)
        self.tablet_button = QPushButton(self)
        self.tablet_button.setEnabled(False)
        left = QVBoxLayout()
        left.addWidget(self.tabs, 1)
        left.addWidget(self.ticket)
        from ui.queue.call_panel import CallPanel

        self.call_panel = CallPanel(session, session.ctx.config.station.name, self)
        left.addWidget(self.call_panel)
        left.addWidget(self.register_button)
        left.addWidget(self.tablet_button)
        row = QHBoxLayout(self)
        row.addLayout(left, 2)
        row.addWidget(self.donor_panel, 3)
        self.current_donation: dict[str, Any] | None = None
        c = self.controller
        c.sig_donor_shown.connect(self._donor_shown)
        c.sig_search_results.connect(self.search.show_results)
        c.sig_donation_registered.connect(self._registered)
        c.sig_questionnaire_signed.connect(self._signed)
        self.search.sig_search.connect(c.search)
        self.search.sig_open.connect(c.open_donor)
        self.manual.sig_submitted.connect(c.register)
        self.register_button.clicked.connect(lambda: c.register_donation())
        self.tablet_button.clicked.connect(self._resend)
        if session.tablet is not None:
            session.tablet.sig_refused.connect(lambda _d: self.ticket.show_ticket(self.ticket.info, "refused"))
        self.retranslate()

    def retranslate(self) -> None:
        self.tabs.setTabText(0, self.tr("&Search"))
        self.tabs.setTabText(1, self.tr("&Manual entry"))
        self.tabs.setTabText(2, self.tr("Today's &bookings"))
        self.register_button.setText(self.tr("Register &donation and print queue ticket"))
        self.tablet_button.setText(self.tr("Show on donor &tablet again"))

    def activate(self) -> None:
        self.search.query.setFocus()

    def _donor_shown(self, summary: dict[str, Any]) -> None:
        self.donor_panel.show_summary(summary)
        blocked = bool(summary.get("permanently_deferred")) or bool(summary.get("deferrals"))
        self.register_button.setEnabled(not blocked)
        self.ticket.show_ticket(None)
        self.tablet_button.setEnabled(False)
        if not blocked:
            self.register_button.setFocus()

    def _registered(self, out: dict[str, Any]) -> None:
        self.current_donation = out
        self.ticket.show_ticket(out, "tablet" if self.session.tablet else "")
        self.register_button.setEnabled(False)
        self.tablet_button.setEnabled(self.session.tablet is not None)
        # the number the donor holds and the waiting room calls is the ticket's (A… booked, W… walk-in)
        self.session.notify("ok", self.tr("Donation %1 registered, queue number %2")
                            .replace("%1", out["din"]).replace("%2", str(out.get("ticket_label") or out["queue_number"])))
        regional = out.get("regional_check") or {}
        if regional.get("must_acknowledge"):
            from ui.common.widgets import msg

            # a check that timed out (or failed) is said at the desk, not only found at the chair
            self.session.notify("error", msg(regional))
        for notice in out.get("interval_notices") or []:
            from ui.common.widgets import msg

            self.session.notify("warn", msg(notice))

    def _signed(self, out: dict[str, Any]) -> None:
        self.ticket.show_ticket(self.ticket.info, "signed")
        self.tablet_button.setEnabled(False)
        self.session.notify("ok", self.tr("The donor signed the consent and questionnaire."))

    def _resend(self) -> None:
        if self.current_donation:
            self.controller.resend_to_tablet(self.current_donation["donation_id"])
