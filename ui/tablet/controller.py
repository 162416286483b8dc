"""The tablet's steps for one donation: details -> questionnaire -> signature -> fingerprint -> done."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from devices.fingerprint.driver import FingerprintRetry
from devices.fingerprint.model import MIN_QUALITY, FingerprintCapture
from devices.signature.model import SignatureCapture, SignatureDataError
from ui.session import ClientSession
from ui.tablet.workspace import TabletWindow


class TabletController(QObject):
    """Emits sig_completed(donation_id, answers, signature, fingerprint-or-None) or sig_refused(donation_id)."""

    sig_completed = Signal(int, dict, object, object)
    sig_refused = Signal(int)

    def __init__(self, session: ClientSession, window: TabletWindow | None = None) -> None:
        super().__init__()
        self.session = session
        self.window = window or TabletWindow()
        self.donation_id: int | None = None
        self.answers: dict[str, str] = {}
        self.signature: SignatureCapture | None = None
        self.fingerprint_message_id: int | None = None
        self.step = "idle"
        self.window.sig_details_confirmed.connect(self._details)
        self.window.sig_questionnaire_done.connect(self._questionnaire)
        self.window.sig_signature_done.connect(self._signed)
        self.window.sig_fingerprint_retry.connect(self._ask_fingerprint)
        self.fingerprint_fault = False  # the scanner answered with a print it refused (link up): press again
        session.devices.sig_intake.connect(self._intake)
        session.devices.sig_status.connect(self._device_status)
        session.devices.sig_refused.connect(self._refused)
        self.window.show_idle()

    def show(self) -> None:
        self.window.place_on_screen(self.session.ctx.config.ui.tablet_screen)

    def close(self) -> None:
        self.window.close()

    def clear(self) -> None:
        self.donation_id, self.answers, self.signature, self.step = None, {}, None, "idle"
        self.fingerprint_fault = False
        self.window.show_idle()

    def present(self, donation_id: int, donor: dict[str, Any], questionnaire: dict[str, Any]) -> None:
        """Start the donor's part for this donation (donor: name, sex, birth date, masked ID, blood group)."""
        self.donation_id, self.answers, self.signature = donation_id, {}, None
        self.fingerprint_message_id = None
        self.fingerprint_fault = False
        self._questionnaire_data = questionnaire
        self.window.set_language(self.session.ctx.config.ui.language)  # each donor starts in the site's language
        self.step = "details"
        self.window.show_details(donor)

    def _details(self, confirmed: bool) -> None:
        if self.donation_id is None:
            return
        if not confirmed:
            refused = self.donation_id
            self.clear()
            self.sig_refused.emit(refused)
            return
        self.step = "questionnaire"
        self.window.show_questionnaire(self._questionnaire_data)

    def _questionnaire(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.step = "signature"
        self.window.show_signature()

    def _signed(self) -> None:
        if self.step != "signature":
            return  # a late tap on a page no longer (or not yet) shown
        try:
            self.signature = self.window.canvas.capture()
        except SignatureDataError:
            return
        if self.session.devices.names_of_kind("fingerprint"):
            self._ask_fingerprint()
        else:
            self._finish(None)

    def _ask_fingerprint(self) -> None:
        self.step = "fingerprint"
        worker = self.session.devices.by_kind("fingerprint")
        state = worker.status.state.value if worker is not None else "disconnected"
        # a refused print leaves the driver's status at "error" while its link is up: asking again is the retry
        if worker is None or not (state == "connected" or (state == "error" and self.fingerprint_fault)):
            self.window.show_fingerprint("error")
            return
        self.window.show_fingerprint("wait")
        request = getattr(worker, "request_capture", None)
        if request is not None:
            request()

    def _refused(self, name: str, raw: Any) -> None:
        if self.step == "fingerprint" and self.session.devices.kinds.get(name) == "fingerprint":
            self.fingerprint_fault = True
            self.window.show_fingerprint("poor")

    def _device_status(self, name: str, status: Any) -> None:
        if self.step != "fingerprint" or self.session.devices.kinds.get(name) != "fingerprint":
            return
        state = status.state.value
        if state == "connected":
            if self.window.fp_state[0] == "error":
                self._ask_fingerprint()  # the scanner is back
        elif state == "error" and self.fingerprint_fault:
            pass  # the data fault of a refused print: the page already says "press again"
        else:
            self.fingerprint_fault = False
            self.window.show_fingerprint("error")

    def _intake(self, name: str, intake: Any) -> None:
        event = intake.event
        if isinstance(event, FingerprintRetry):
            # a poor press: the donor presses again (the scanner keeps asking until `final`; then the
            # window's "try again" button asks for a new capture). Never shown as "scanner not available".
            if self.step == "fingerprint":
                self.window.show_fingerprint("poor")
            return
        capture = getattr(event, "capture", None)
        if self.step != "fingerprint" or not isinstance(capture, FingerprintCapture):
            return
        self.fingerprint_message_id = intake.message_id  # stored by the intake; linked when the donor finishes
        if capture.quality < MIN_QUALITY:
            self.window.show_fingerprint("poor")
            return
        self.fingerprint_fault = False
        self.window.show_fingerprint("ok")
        self._finish(capture)

    def _finish(self, fingerprint: FingerprintCapture | None) -> None:
        donation_id, answers, signature = self.donation_id, self.answers, self.signature
        self.step = "done"
        self.window.show_thanks()
        if donation_id is not None and signature is not None:
            self.sig_completed.emit(donation_id, answers, signature, fingerprint)
