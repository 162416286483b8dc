"""Administration logic: users, equipment, consumable lots, the rule set in force, devices."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from station.rules.engine import ruleset_for
from station.services import inventory, users
from ui.ops import run_op
from ui.session import ClientSession


class AdminController(QObject):
    sig_loaded = Signal(dict)
    sig_test_event = Signal(str)

    def __init__(self, session: ClientSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.testing: str | None = None
        session.devices.sig_event.connect(self._event)
        session.devices.sig_status.connect(self._status)

    def load(self) -> None:
        ctx, actor = self.session.ctx, self.session.user

        def work() -> dict[str, Any]:
            rs = ruleset_for(ctx.today())
            return {"users": users.list_users(ctx, actor), "equipment": inventory.equipment_list(ctx, actor),
                    "lots": inventory.stock(ctx, actor),
                    "ruleset": {"label": rs.label, "effective_from": rs.effective_from.isoformat(),
                                "sections": {k: v for k, v in rs.data.items() if isinstance(v, dict)}}}

        run_op(self, work, self.sig_loaded.emit)

    def create_user(self, username: str, name: str, roles: list[str], password: str) -> None:
        ctx, actor = self.session.ctx, self.session.user
        run_op(self, lambda: users.create_user(ctx, actor, username, name, roles, password), lambda _r: self.load())

    def register_equipment(self, serial: str, model: str, due: date) -> None:
        ctx, actor = self.session.ctx, self.session.user
        run_op(self, lambda: inventory.register_equipment(ctx, actor, serial=serial, model=model, calibration_due=due),
               lambda _r: self.load())

    def record_calibration(self, serial: str, due: date) -> None:
        ctx, actor = self.session.ctx, self.session.user
        run_op(self, lambda: inventory.record_calibration(ctx, actor, serial, due), lambda _r: self.load())

    def receive_lot(self, item: str, catalogue: str, lot: str, expiry: date | datetime, quantity: int) -> None:
        ctx, actor = self.session.ctx, self.session.user
        run_op(self, lambda: inventory.receive_lot(ctx, actor, item=item, catalogue_no=catalogue, lot=lot,
                                                   expiry=expiry, quantity=quantity), lambda _r: self.load())

    # --- "test connection": start the device if needed and show its live events ------------------
    def test_device(self, name: str) -> None:
        self.testing = name
        hub = self.session.devices
        dev = self.session.ctx.config.devices.get(name)
        worker = hub.workers.get(name)
        if worker is None and dev is not None:
            worker = hub.add(name, dev.kind, dev.driver, dev.port, dict(dev.options))
        if worker is None:
            status = hub.statuses.get(name)
            self.sig_test_event.emit(f"{name}: {status.reason_en if status else 'not available'}")
            return
        self.sig_test_event.emit(f"{name}: {worker.status.state.value} ({worker.port})")
        trigger = getattr(worker, "device_test_trigger", None)
        if trigger is not None:
            trigger()

    def _event(self, name: str, event: Any) -> None:
        if name == self.testing:
            body = event.to_json() if hasattr(event, "to_json") else {"event": repr(event)}
            self.sig_test_event.emit(f"{name}: {body}")

    def _status(self, name: str, status: Any) -> None:
        if name == self.testing:
            self.sig_test_event.emit(f"{name}: {status.state.value} {status.reason_zh} / {status.reason_en}")
