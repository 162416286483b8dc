"""The donor's tablet and a fingerprint press that must be repeated (FingerprintRetry, issue 20): the window
says "press again", never "scanner not available", and the next good capture finishes the step."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from devices.base import ConnectionState, DeviceStatus, utcnow
from devices.fingerprint.driver import FingerprintEvent, FingerprintRetry
from devices.fingerprint.model import FingerprintCapture
from devices.signature.model import PenSample, SignatureCapture
from station.services.intake.service import Intake
from ui.tablet.controller import TabletController


class _Worker:
    def __init__(self) -> None:
        self.status = DeviceStatus(ConnectionState.CONNECTED, "已连接", "connected", utcnow(), "fp", "fingerprint")
        self.requests = 0

    def request_capture(self) -> None:
        self.requests += 1


class _Hub(QObject):
    sig_intake = Signal(str, object)  # what the device intake stored (station.services.intake.service.Intake)
    sig_refused = Signal(str, object)  # a raw message the driver refused
    sig_status = Signal(str, object)

    def __init__(self) -> None:
        super().__init__()
        self.worker = _Worker()
        self.kinds = {"fp": "fingerprint"}

    def by_kind(self, kind: str) -> Any:
        return self.worker if kind == "fingerprint" else None

    def names_of_kind(self, kind: str) -> list[str]:
        return ["fp"] if kind == "fingerprint" else []


def _stored(event: Any) -> Intake:
    return Intake("fp", "fingerprint", "received", 1, event=event)


class _Session:
    def __init__(self) -> None:
        from types import SimpleNamespace

        self.devices = _Hub()
        self.ctx = SimpleNamespace(config=SimpleNamespace(ui=SimpleNamespace(language="zh_CN")))


def test_a_poor_press_asks_again_and_a_good_one_finishes(qtbot: Any) -> None:
    session = _Session()
    controller = TabletController(session)  # type: ignore[arg-type]
    qtbot.addWidget(controller.window)
    completed: list[tuple[Any, ...]] = []
    controller.sig_completed.connect(lambda *args: completed.append(args))
    controller.present(7, {"name": "张三"}, {"questions": []})
    controller.signature = SignatureCapture([PenSample(1, 1, 500, 0, True), PenSample(5, 5, 600, 8, False)],
                                            100, 100)
    controller._ask_fingerprint()
    assert controller.window.fp_state[0] == "wait" and session.devices.worker.requests == 1
    session.devices.sig_intake.emit("fp", _stored(FingerprintRetry("fp", "请重新按压", "press again", 0x06, 1, False)))
    assert controller.window.fp_state[0] == "poor" and controller.step == "fingerprint"
    session.devices.sig_intake.emit("fp", _stored(FingerprintRetry("fp", "请重新按压", "press again", None, 3, True)))
    assert controller.window.fp_state[0] == "poor" and controller.window.fp_retry.isVisibleTo(controller.window)
    controller.window.fp_retry.click()  # the donor asks for another try
    assert session.devices.worker.requests == 2 and controller.window.fp_state[0] == "wait"
    capture = FingerprintCapture(b"\x89PNG\r\n\x1a\n", 80, b"\x01\x02" * 40, device="fp")
    session.devices.sig_intake.emit("fp", _stored(FingerprintEvent(capture, None)))  # type: ignore[arg-type]
    assert controller.window.fp_state[0] == "ok" and completed and completed[0][0] == 7
    assert completed[0][3] is capture
    assert controller.fingerprint_message_id == 1  # the stored capture, to be linked to the donation
