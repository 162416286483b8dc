"""Collection chair logic: one donation at the chair, step by step, with the separator's live data."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from station.errors import HardStop
from station.security import Action
from station.services import donations, records
from station.services.donations import CollectionResult, PreCollectionInput
from station.services.intake import messages
from station.services.intake.summaries import collection_result_from_summary
from ui.common.confirm import run_confirmed
from ui.ops import run_op, show_error
from ui.session import ClientSession

CHAIR_STATES = ("assessed", "precollection_checked", "collecting", "collected", "postcollection_checked", "sealed")


class CollectionController(QObject):
    sig_queue = Signal(list)
    sig_detail = Signal(dict)
    sig_hard_stop = Signal(str, str)  # step, message
    sig_separator_status = Signal(object)  # ProcedureStatus
    sig_separator_alarm = Signal(object)  # Alarm
    sig_summary = Signal(object)  # CollectionResult ready to be saved
    sig_signed = Signal(dict)
    sig_busy = Signal(str, bool)  # what, busy
    sig_reaction_recorded = Signal(dict)

    def __init__(self, session: ClientSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.donation_id: int | None = None
        self.detail: dict[str, Any] | None = None
        session.devices.sig_event.connect(self._device_event)
        session.devices.sig_intake.connect(self._intake)

    @property
    def ctx(self) -> Any:
        return self.session.ctx

    def refresh_queue(self) -> None:
        ctx, actor = self.ctx, self.session.user
        run_op(self, lambda: donations.list_donations(ctx, actor, states=CHAIR_STATES), self.sig_queue.emit)

    def open(self, donation_id: int) -> None:
        self.donation_id = donation_id
        ctx, actor = self.ctx, self.session.user
        run_op(self, lambda: donations.donation_detail(ctx, actor, donation_id), self._opened)

    def _opened(self, detail: dict[str, Any]) -> None:
        if detail["donation_id"] == self.donation_id:
            self.detail = detail
            self.sig_detail.emit(detail)
            self._offer_stored_summary(detail)

    def _reload(self, _r: Any = None) -> None:
        if self.donation_id is not None:
            self.open(self.donation_id)
        self.refresh_queue()

    def _stop_or_error(self, step: str) -> Any:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, HardStop):
                from ui.ops import error_text

                self.sig_hard_stop.emit(step, error_text(exc))
                self._reload()
            else:
                show_error(self, exc)
        return failed

    # --- steps -------------------------------------------------------------------------------
    def precollection_check(self, check: PreCollectionInput) -> None:
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None
        run_op(self, lambda: donations.precollection_check(ctx, actor, did, check), self._reload,
               self._stop_or_error("precollection"))

    def start_collection(self) -> None:
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None
        run_op(self, lambda: donations.start_collection(ctx, actor, did), self._started)

    def _started(self, _out: Any) -> None:
        self._send_parameters()
        self._reload()

    def _send_parameters(self) -> None:
        """Hand weight, height, counts and blood group to the separator so the nurse does not re-key them."""
        separator = self.session.devices.by_kind("separator")
        d = self.detail
        if separator is None or d is None or not d.get("examination") or not d.get("pretest"):
            return
        from devices.separator.model import ProcedureParameters, SeparatorDataError, blood_type_of

        exam, test, donor = d["examination"], d["pretest"], d["donor"]
        blood_type = blood_type_of(donor.get("abo"), donor.get("rhd"))
        try:
            params = ProcedureParameters(height_cm=float(exam.get("height_cm") or 170), weight_kg=float(exam["weight_kg"]),
                                         sex="M" if donor["sex"] == "male" else "F", pre_count=float(test["plt_10e9_l"]),
                                         hct=float(test["hct"]), blood_type=blood_type, donation_id=d["din"])
            separator.send_parameters(params)  # type: ignore[attr-defined]
        except (SeparatorDataError, KeyError, ValueError, TypeError) as exc:
            self.session.notify("error", self.tr("The separator parameters could not be sent (%1); key them in on "
                                                 "the separator.").replace("%1", str(exc)))
            return
        if not blood_type:
            self.session.notify("warn", self.tr("No blood group on file for this donor: the separator was sent the "
                                                "parameters without one; check the group on the separator."))

    def finish_collection(self, result: CollectionResult) -> None:
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None
        run_confirmed(self, lambda conf: donations.finish_collection(ctx, actor, did, result, confirmations=conf),
                      self._reload)

    def record_reaction(self, type_: str, grade: int, treatment: str, outcome: str, occurred_at: Any = None) -> None:
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None

        def done(out: dict[str, Any]) -> None:
            self.sig_reaction_recorded.emit(out)
            self._reload()

        run_op(self, lambda: donations.record_adverse_reaction(ctx, actor, did, type=type_, grade=grade,
                                                               treatment=treatment, outcome=outcome,
                                                               occurred_at=occurred_at), done)

    def postcollection_check(self, items: dict[str, bool], notes: str) -> None:
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None
        run_op(self, lambda: donations.postcollection_check(ctx, actor, did, items, notes=notes), self._reload)

    def seal(self, scans: list[str]) -> None:
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None
        run_op(self, lambda: donations.seal(ctx, actor, did, scans), self._reload, self._stop_or_error("sealing"))

    def abort(self, reason: str) -> None:
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None
        run_op(self, lambda: donations.abort(ctx, actor, did, reason), self._reload)

    def sign_records(self, pin: str) -> None:
        """Signing runs on the I/O executor (token, time stamp): the window stays responsive meanwhile."""
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None
        self.sig_busy.emit("sign", True)

        def done(out: dict[str, Any]) -> None:
            self.sig_busy.emit("sign", False)
            self.sig_signed.emit(out)
            self._reload()

        def failed(exc: BaseException) -> None:
            self.sig_busy.emit("sign", False)
            show_error(self, exc)

        run_op(self, lambda: records.sign_with_tablet_evidence(ctx, actor, did, pin), done, failed, slow=True)

    # --- the separator -----------------------------------------------------------------------
    def _device_event(self, name: str, event: Any) -> None:
        kind = getattr(event, "type", None)
        if self.session.devices.kinds.get(name) != "separator" or kind is None:
            return
        if kind == "status":
            self.sig_separator_status.emit(event.payload)
            for alarm in event.payload.alarms:
                self.sig_separator_alarm.emit(alarm)
        elif kind == "alarm":
            self.sig_separator_alarm.emit(event.payload)

    def _intake(self, _name: str, intake: Any) -> None:
        """A separator summary, stored and linked by the intake: offered to the nurse as the collection record."""
        if intake.kind != "separator" or getattr(intake.event, "type", None) != "summary" or intake.message_id is None:
            return
        if intake.donation_id is not None and intake.donation_id == self.donation_id:
            self.sig_summary.emit(collection_result_from_summary(intake.event.payload.to_json(), intake.message_id))

    def _offer_stored_summary(self, detail: dict[str, Any]) -> None:
        """A summary that arrived while this screen showed another donation (or nobody was signed in)."""
        if detail.get("state") != "collecting" or not self.session.can(Action.COLLECT):
            return
        ctx, actor, did = self.ctx, self.session.user, detail["donation_id"]

        def done(stored: dict[str, Any] | None) -> None:
            if stored is not None and did == self.donation_id:
                self.sig_summary.emit(collection_result_from_summary(stored["summary"], stored["message_id"]))

        run_op(self, lambda: messages.latest_separator_summary(ctx, actor, did), done)
