"""Qt adapter for the device drivers: each driver's worker-thread callbacks become main-thread signals.

Every message goes through the station's one headless device intake first (on the device's thread): by the time a
screen hears of it, it is stored and matched, whoever is signed in. Screens show what `sig_intake` reports."""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from devices.base import ConnectionState, DeviceStatus, DeviceWorker

log = logging.getLogger(__name__)


def _status(name: str, kind: str, state: ConnectionState, zh: str, en: str) -> DeviceStatus:
    return DeviceStatus(state, zh, en, datetime.now(UTC), name, kind)


class DeviceHub(QObject):
    """The running devices of this station. Signals are emitted from device threads and delivered queued."""

    sig_event = Signal(str, object)  # device name, the driver's event object
    sig_status = Signal(str, object)  # device name, DeviceStatus
    sig_intake = Signal(str, object)  # device name, station.services.intake.service.Intake (stored, matched)
    sig_refused = Signal(str, object)  # device name, a RawMessage the driver refused (stored with its error)

    def __init__(self, intake: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.intake = intake  # DeviceIntake; None only in tests that exercise the hub alone
        self.workers: dict[str, DeviceWorker] = {}
        self.kinds: dict[str, str] = {}
        self.statuses: dict[str, DeviceStatus] = {}
        self.sig_status.connect(self._remember)

    def _remember(self, name: str, status: DeviceStatus) -> None:
        self.statuses[name] = status

    def add(self, name: str, kind: str, driver: str, port: str, options: dict[str, Any] | None = None,
            *, start: bool = True) -> DeviceWorker | None:
        """Create (and start) one configured device; a device that cannot be created shows as an error."""
        from devices.registry import UnknownDevice, create_device

        self.kinds[name] = kind
        if not port:
            self.sig_status.emit(name, _status(name, kind, ConnectionState.DISCONNECTED, "未配置端口",
                                               "no port configured"))
            return None
        on_raw, on_event = self._callbacks(name, kind)
        try:
            worker = create_device(kind, driver, port, name, options, on_event=on_event,
                                   on_status=lambda st, n=name: self.sig_status.emit(n, st), on_raw=on_raw)
        except (UnknownDevice, TypeError, ImportError) as exc:
            log.warning("device %s cannot be created: %s", name, exc)
            self.sig_status.emit(name, _status(name, kind, ConnectionState.ERROR, f"驱动不可用：{exc}",
                                               f"driver not available: {exc}"))
            return None
        self.workers[name] = worker
        self.statuses[name] = worker.status
        if start:
            worker.start()
        return worker

    def _callbacks(self, name: str, kind: str) -> tuple[Any, Any]:
        def refused(raw: Any) -> None:
            if getattr(raw, "error", None):
                self.sig_refused.emit(name, raw)  # e.g. a fingerprint too poor to keep: the donor presses again

        if self.intake is None:
            return refused, lambda ev: self.sig_event.emit(name, ev)

        def then(intake: Any) -> None:
            self.sig_event.emit(name, intake.event)
            self.sig_intake.emit(name, intake)

        store, on_event = self.intake.callbacks(name, kind, then=then)

        def on_raw(raw: Any) -> None:
            store(raw)
            refused(raw)

        return on_raw, on_event

    def add_from_config(self, devices: dict[str, Any]) -> None:
        for name, dev in devices.items():
            if not dev.enabled:
                continue
            if dev.kind == "signature-pad" and dev.driver == "tablet":
                continue  # the donor tablet window is the pad: no driver
            self.add(name, dev.kind, dev.driver, dev.port, dev.driver_options())

    def by_kind(self, kind: str) -> DeviceWorker | None:
        for name, worker in self.workers.items():
            if self.kinds.get(name) == kind:
                return worker
        return None

    def names_of_kind(self, kind: str) -> list[str]:
        return [n for n, k in self.kinds.items() if k == kind]

    def remove(self, name: str) -> None:
        worker = self.workers.pop(name, None)
        self.kinds.pop(name, None)
        self.statuses.pop(name, None)
        if worker is not None:
            worker.stop(timeout=2.0)

    def stop_all(self) -> None:
        for name in list(self.workers):
            self.remove(name)
