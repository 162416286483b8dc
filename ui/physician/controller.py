"""Physician workspace logic: the waiting list, examination, analyzer results, assessment, overrides, labels."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from station.security import Action
from station.services import donations, records
from station.services.donations import ExamInput, OverrideInput, PretestInput
from station.services.intake import messages
from ui.common.confirm import run_confirmed
from ui.ops import run_op, show_error
from ui.session import ClientSession

WAITING_STATES = ("questionnaire_signed", "examined", "pretested", "assessed", "sealed")  # sealed: to sign


class PhysicianController(QObject):
    sig_queue = Signal(list)
    sig_detail = Signal(dict)  # donation_detail + "preview" (findings) when pre-tested
    sig_analyzer_result = Signal(dict)  # {"din", "values", "status", "reason"}
    sig_decided = Signal(dict)
    sig_label = Signal(dict)
    sig_signed = Signal(dict)
    sig_busy = Signal(bool)

    def __init__(self, session: ClientSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.donation_id: int | None = None
        self.detail: dict[str, Any] | None = None
        session.devices.sig_intake.connect(self._intake)

    @property
    def ctx(self) -> Any:
        return self.session.ctx

    def refresh_queue(self) -> None:
        ctx, actor = self.ctx, self.session.user
        run_op(self, lambda: donations.list_donations(ctx, actor, states=WAITING_STATES, on=ctx.today()),
               self.sig_queue.emit)

    def open(self, donation_id: int) -> None:
        self.donation_id = donation_id
        ctx, actor = self.ctx, self.session.user

        def work() -> dict[str, Any]:
            detail = donations.donation_detail(ctx, actor, donation_id)
            if detail["state"] == "examined" and actor.can(Action.FILE_DEVICE_RESULT):
                # results the intake stored for this donation while nobody was there to file them
                detail["waiting_results"] = messages.waiting_results(ctx, actor, donation_id)
            if detail["state"] in ("pretested", "assessed", "deferred"):
                detail["preview"] = donations.preview_assessment(ctx, actor, donation_id)
            return detail

        run_op(self, work, self._opened)

    def _opened(self, detail: dict[str, Any]) -> None:
        if detail["donation_id"] != self.donation_id:
            return
        self.detail = detail
        self.sig_detail.emit(detail)
        if detail.get("waiting_results"):
            self._file(detail["waiting_results"])

    def _reload(self, _result: Any = None) -> None:
        if self.donation_id is not None:
            self.open(self.donation_id)
        self.refresh_queue()

    def save_examination(self, exam: ExamInput) -> None:
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None
        run_confirmed(self, lambda conf: donations.record_examination(ctx, actor, did, exam, confirmations=conf),
                      self._reload)

    def save_manual_pretest(self, result: PretestInput) -> None:
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None
        run_confirmed(self, lambda conf: donations.record_pretest(ctx, actor, did, result, confirmations=conf),
                      self._reload)

    def assess(self, overrides: tuple[OverrideInput, ...] = ()) -> None:
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None

        def done(out: dict[str, Any]) -> None:
            self.sig_decided.emit(out)
            self._reload()

        run_op(self, lambda: donations.assess(ctx, actor, did, overrides=overrides), done)

    def print_label(self) -> None:
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None
        printer = self.session.devices.by_kind("printer")

        def work() -> dict[str, Any]:
            label = donations.print_label(ctx, actor, did)
            if printer is not None and hasattr(printer, "print_label"):
                from devices.printer.zpl import LabelData

                label["job"] = printer.print_label(LabelData(
                    din=label["din"], flags=label["flags"], check_char=label["check_character"],
                    abo_rhd=label["abo_rhd"], product_code=label["product_code"],
                    collection_date=label["collection_date"], facility=label["facility_code"]))
            return label

        run_op(self, work, self.sig_label.emit, slow=True)

    def sign_records(self, pin: str) -> None:
        """The physician signs the registration/examination form of a sealed donation with their key."""
        ctx, actor, did = self.ctx, self.session.user, self.donation_id
        assert did is not None
        self.sig_busy.emit(True)

        def done(out: dict[str, Any]) -> None:
            self.sig_busy.emit(False)
            self.sig_signed.emit(out)
            self._reload()

        def failed(exc: BaseException) -> None:
            self.sig_busy.emit(False)
            show_error(self, exc)

        run_op(self, lambda: records.sign_with_tablet_evidence(ctx, actor, did, pin), done, failed, slow=True)

    # --- analyzer results, as the device intake stored and matched them ---------------------------
    def _intake(self, _name: str, intake: Any) -> None:
        if intake.kind != "analyzer":
            return
        shown = {"din": intake.sample_id, "values": intake.values, "status": intake.status, "reason": intake.reason,
                 "message_id": intake.message_id}
        if intake.status != "matched" or not self.session.can(Action.FILE_DEVICE_RESULT):
            self.sig_analyzer_result.emit(shown)  # stored (unmatched, QC, refused): the list shows it
            return
        self._file([intake.message_id], shown)

    def _file(self, message_ids: list[int], shown: dict[str, Any] | None = None) -> None:
        """File matched results into their donations' pre-donation tests, as the signed-in physician or nurse;
        a value the analyzer flagged is filed only once the user confirms it (recorded with the test)."""
        ctx, actor = self.ctx, self.session.user

        def done(out: dict[str, Any]) -> None:
            self.sig_analyzer_result.emit({**(shown or {}), **out})
            if out.get("status") == "filed":
                self._reload()

        for mid in message_ids:
            run_confirmed(self, lambda conf, m=mid: messages.file_analyzer_result(ctx, actor, m, confirmations=conf),
                          done)
