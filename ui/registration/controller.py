"""Registration desk logic (no widgets): card reads, manual entry, search, registering the donation, the tablet."""
from __future__ import annotations

import time
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Signal

from station.identifiers import classify_search, parse_resident_id
from station.services import donations, donors
from station.services.donor_evidence import save_donor_evidence
from station.services.donors import DonorInput
from ui.ops import run_op
from ui.session import ClientSession

CARD_ID_TYPES = {"resident": "resident", "hmt_residence": "hmt", "foreign_permanent": "foreigner"}
CARD_SEX = {"1": "male", "2": "female"}


def donor_input_from_card(card: Any) -> DonorInput:
    """The ID card's fields as registration input (photo kept as read; PNG when a decoder produced one)."""
    return DonorInput(id_number=card.id_number, name=card.name.strip(), sex=CARD_SEX.get(card.sex),
                      birth_date=card.birth_date, id_type=CARD_ID_TYPES.get(card.card_type, "resident"),
                      nation=card.nation_name, address=card.address.strip(), photo_wlt=card.photo_wlt or None,
                      photo_png=card.photo_png, card_valid_to=card.valid_to,
                      card_authority=card.authority.strip(), card_valid_from=card.valid_from,
                      card_long_term=card.valid_to is None)


class RegistrationController(QObject):
    sig_donor_shown = Signal(dict)  # donor_summary(), with "photo_png" when decoded
    sig_search_results = Signal(list)
    sig_donation_registered = Signal(dict)
    sig_questionnaire_signed = Signal(dict)
    sig_card_read = Signal(object)

    def __init__(self, session: ClientSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.donor: dict[str, Any] | None = None
        self.card_answered_at: float | None = None
        self.last_donor_latency_ms: float | None = None
        session.devices.sig_event.connect(self._device_event)
        if session.tablet is not None:
            session.tablet.sig_completed.connect(self._tablet_completed)

    # --- donor ---------------------------------------------------------------------------------
    def _device_event(self, name: str, event: Any) -> None:
        card = getattr(event, "card", None)
        if card is None or not hasattr(card, "id_number") or self.session.actor is None:
            return
        self.on_card(card)

    def on_card(self, card: Any) -> None:
        self.card_answered_at = time.monotonic()
        self.sig_card_read.emit(card)
        self.register(donor_input_from_card(card), photo_png=card.photo_png)

    def register(self, data: DonorInput, photo_png: bytes | None = None) -> None:
        ctx, actor = self.session.ctx, self.session.user

        def work() -> dict[str, Any]:
            out = donors.register_donor(ctx, actor, data)
            summary = donors.donor_summary(ctx, actor, out["donor_id"])
            summary["created"] = out["created"]
            return summary

        run_op(self, work, lambda s: self._show(s, photo_png))

    def open_donor(self, donor_id: int) -> None:
        ctx, actor = self.session.ctx, self.session.user
        run_op(self, lambda: donors.donor_summary(ctx, actor, donor_id), lambda s: self._show(s, None))

    def _show(self, summary: dict[str, Any], photo_png: bytes | None) -> None:
        if photo_png:
            summary["photo_png"] = photo_png
        self.donor = summary
        self.sig_donor_shown.emit(summary)
        if self.card_answered_at is not None:
            self.last_donor_latency_ms = (time.monotonic() - self.card_answered_at) * 1000
            self.card_answered_at = None

    def search(self, text: str) -> None:
        if not text.strip():
            return
        ctx, actor = self.session.ctx, self.session.user
        criteria = classify_search(text)
        run_op(self, lambda: donors.search_donors(ctx, actor, **criteria), self.sig_search_results.emit)

    # --- donation ------------------------------------------------------------------------------
    def register_donation(self, doses: float = 1.0) -> None:
        if self.donor is None:
            return
        ctx, actor, donor_id = self.session.ctx, self.session.user, self.donor["donor_id"]

        def work() -> dict[str, Any]:
            out = donations.register_donation(ctx, actor, donor_id, planned_doses=doses)
            from station.services.operations.appointments import issue_ticket

            # the call-queue ticket (A… booked, W… walk-in) the waiting-room display will call
            out["ticket_label"] = issue_ticket(ctx, actor, donor_id, donation_id=out["donation_id"])["label"]
            out["questionnaire"] = donations.questionnaire_for(ctx, out["donation_id"])
            return out

        run_op(self, work, self._registered)

    def _registered(self, out: dict[str, Any]) -> None:
        self.sig_donation_registered.emit(out)
        self.send_to_tablet(out["donation_id"], out["questionnaire"])

    def send_to_tablet(self, donation_id: int, questionnaire: dict[str, Any]) -> None:
        if self.session.tablet is None or self.donor is None:
            return
        d = self.donor
        self.session.tablet.present(donation_id, {k: d.get(k) for k in ("name", "sex", "birth_date", "id_number_masked",
                                                                         "abo", "rhd")}, questionnaire)

    def resend_to_tablet(self, donation_id: int) -> None:
        ctx = self.session.ctx
        run_op(self, lambda: donations.questionnaire_for(ctx, donation_id),
               lambda q: self.send_to_tablet(donation_id, q))

    def _tablet_completed(self, donation_id: int, answers: dict[str, str], signature: Any, fingerprint: Any) -> None:
        """The donor answered and signed: keep the evidence, record the answers (one background step)."""
        if self.session.actor is None:
            return
        ctx, actor = self.session.ctx, self.session.user

        intake, tablet = self.session.devices.intake, self.session.tablet
        fingerprint_message = tablet.fingerprint_message_id if tablet is not None else None

        def work() -> dict[str, Any]:
            save_donor_evidence(ctx, actor, donation_id, signature, fingerprint)
            if intake is not None and fingerprint_message is not None:
                intake.link([fingerprint_message], donation_id)
            return donations.sign_questionnaire(ctx, actor, donation_id, answers)

        run_op(self, work, self.sig_questionnaire_signed.emit)


def id_problem(text: str, today: date) -> str | None:
    """Why a typed resident ID number is not valid (in the UI language), or None."""
    from ui.common.widgets import lang

    try:
        parse_resident_id(text, today=today)
    except Exception as exc:  # noqa: BLE001 - a ValidationError with both languages
        return exc.message(lang()) if hasattr(exc, "message") else str(exc)
    return None
