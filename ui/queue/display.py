"""The waiting-room display: a separate full-screen window with large numbers, updated as donors are called."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.ops import run_op


class WaitingRoomDisplay(QWidget):
    """Polls station.services.operations.appointments.board off the GUI thread; a new call is announced large."""

    def __init__(self, ctx: Any, parent: QWidget | None = None, *, interval_ms: int = 2000) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("waiting_room_display")
        self.setStyleSheet("QWidget#waiting_room_display { background: #0b2545; }"
                           "QLabel { color: white; }")
        self.title = QLabel(self)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("font-size: 28pt;")
        self.title.setWordWrap(True)
        self.current = QLabel(self)
        self.current.setObjectName("display_current")
        self.current.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.current.setStyleSheet("font-size: 72pt; font-weight: bold; color: #ffd23f;")
        self.current.setWordWrap(True)  # a long English call wraps on the screen instead of widening the window
        self.recent = QLabel(self)
        self.recent.setObjectName("display_recent")
        self.recent.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.recent.setStyleSheet("font-size: 30pt;")
        self.recent.setWordWrap(True)
        self.waiting = QLabel(self)
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting.setStyleSheet("font-size: 24pt; color: #d0d8e8;")
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addStretch(1)
        lay.addWidget(self.current)
        lay.addStretch(1)
        lay.addWidget(self.recent)
        lay.addWidget(self.waiting)
        self.board: dict[str, Any] = {"calls": [], "waiting": 0}
        self.announced: str | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.refresh)
        self.retranslate()
        self.show_board(self.board)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Waiting room"))
        self.title.setText(self.tr("Apheresis donation — please wait for your number"))

    def start(self) -> None:
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        from station.services.operations.appointments import board

        ctx = self.ctx
        run_op(self, lambda: board(ctx), self.show_board, lambda _exc: None)

    def show_board(self, data: dict[str, Any]) -> None:
        self.board = data
        calls = data.get("calls") or []
        if calls:
            first = calls[0]
            self.current.setText(self.tr("Number %1, please go to %2").replace("%1", first["label"])
                                 .replace("%2", first["to"]))
            key = f"{first['label']}@{first['at']}"
            if key != self.announced:
                self.announced = key
                from PySide6.QtWidgets import QApplication

                QApplication.beep()  # a new call: the room hears it
        else:
            self.current.setText(self.tr("Please wait to be called"))
        self.recent.setText("    ".join(f"{c['label']} → {c['to']}" for c in calls[1:]))
        self.waiting.setText(self.tr("Waiting: %1").replace("%1", str(data.get("waiting", 0))))
