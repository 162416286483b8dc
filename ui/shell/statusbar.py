"""The status bar: each device's connection state, the database and the time-stamping service."""
from __future__ import annotations

import socket
from urllib.parse import urlparse

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from devices.base import ConnectionState, DeviceStatus
from ui.common.widgets import pick
from ui.ops import run_op
from ui.session import ClientSession

DOT = {"ok": "#2e7d32", "error": "#c62828", "off": "#9e9e9e", "unknown": "#9e9e9e"}


class StationStatusBar(QStatusBar):
    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.device_labels: dict[str, QLabel] = {}
        self.device_status: dict[str, DeviceStatus] = {}
        self.db_state, self.tsa_state = "unknown", "unknown"
        self.user_label = QLabel(self)
        self.db_label = QLabel(self)
        self.db_label.setObjectName("status_db")
        self.tsa_label = QLabel(self)
        self.tsa_label.setObjectName("status_tsa")
        self.addWidget(self.user_label)
        self.addPermanentWidget(self.db_label)
        self.addPermanentWidget(self.tsa_label)
        session.devices.sig_status.connect(self.on_device_status)
        for name, status in session.devices.statuses.items():
            self.on_device_status(name, status)
        self.timer = QTimer(self)
        self.timer.setInterval(30_000)
        self.timer.timeout.connect(self.check_services)
        self.timer.start()
        self.check_services()
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    @staticmethod
    def _dot(state: str, text: str, tip: str = "") -> str:
        return f"<span style='color:{DOT[state]}'>●</span> {text}"

    def retranslate(self) -> None:
        actor = self.session.actor
        self.user_label.setText(self.tr("Signed in: %1").replace("%1", actor.display_name) if actor else
                                self.tr("Not signed in"))
        self.db_label.setText(self._dot(self.db_state, self.tr("Database")))
        self.db_label.setToolTip({"ok": self.tr("connected"), "error": self.tr("not reachable")}.get(self.db_state, ""))
        self.tsa_label.setText(self._dot(self.tsa_state, self.tr("Time stamping")))
        self.tsa_label.setToolTip({"ok": self.tr("reachable"), "error": self.tr("not reachable")}.get(self.tsa_state, ""))
        for name in self.device_labels:
            self._paint_device(name)

    def on_device_status(self, name: str, status: DeviceStatus) -> None:
        self.device_status[name] = status
        if name not in self.device_labels:
            label = QLabel(self)
            label.setObjectName(f"status_device_{name}")
            self.device_labels[name] = label
            self.addPermanentWidget(label)
        self._paint_device(name)

    def device_title(self, name: str) -> str:
        """A device's name as the staff read it: its kind in the UI language (the configured name only when
        two devices share a kind)."""
        kinds = self.session.devices.kinds
        kind = kinds.get(name, name)
        # short names: the status bar must fit a 1366 px window in either language (the full state is the tooltip)
        titles = {"idcard": self.tr("ID card"), "analyzer": self.tr("Analyzer"),
                  "separator": self.tr("Separator"), "signature-pad": self.tr("Signature pad"),
                  "fingerprint": self.tr("Fingerprint"), "scanner": self.tr("Scanner"),
                  "printer": self.tr("Printer"), "staff-card": self.tr("Staff card")}
        title = titles.get(kind, name)
        if sum(1 for k in kinds.values() if k == kind) > 1:
            title = f"{title} {name}"
        return title

    def _paint_device(self, name: str) -> None:
        status = self.device_status[name]
        state = {ConnectionState.CONNECTED: "ok", ConnectionState.ERROR: "error"}.get(status.state, "off")
        label = self.device_labels[name]
        label.setText(self._dot(state, self.device_title(name)))
        label.setToolTip(f"{name}: {pick(status.reason_zh, status.reason_en)}")

    def check_services(self) -> None:
        ctx = self.session.ctx

        def db() -> bool:
            from sqlalchemy import text

            with ctx.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True

        def tsa() -> bool:
            from station.services.records import timestamp_service_url

            u = urlparse(timestamp_service_url(ctx))  # the embedded service starts here when configured so
            host, port = u.hostname or "", u.port or (443 if u.scheme == "https" else 80)
            try:
                with socket.create_connection((host, port), timeout=2.0):
                    return True
            except OSError:
                return False

        run_op(self, db, lambda _ok: self._set("db", "ok"), lambda _e: self._set("db", "error"))
        run_op(self, tsa, lambda ok: self._set("tsa", "ok" if ok else "error"), lambda _e: self._set("tsa", "error"),
               slow=True)

    def _set(self, which: str, state: str) -> None:
        setattr(self, f"{which}_state", state)
        self.retranslate()
