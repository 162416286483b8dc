"""Call the next donor to this desk or chair (the waiting-room display shows the call)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from ui.ops import run_op, show_error


class CallPanel(QWidget):
    sig_called = Signal(dict)

    def __init__(self, session: Any, place: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.place = QLineEdit(place, self)
        self.place.setObjectName("call_place")
        self.place.setMinimumWidth(110)
        self.button = QPushButton(self)
        self.button.setObjectName("call_next")
        self.result = QLabel(self)
        self.result.setObjectName("call_result")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.place, 1)
        row.addWidget(self.button)
        row.addWidget(self.result, 1)
        self.button.clicked.connect(self.call_next)
        self.retranslate()

    def retranslate(self) -> None:
        self.place.setPlaceholderText(self.tr("Desk or chair"))
        self.button.setText(self.tr("Call next donor"))

    def call_next(self) -> None:
        from station.services.operations.appointments import call_next

        ctx, actor, to = self.session.ctx, self.session.user, self.place.text()

        def done(out: dict[str, Any] | None) -> None:
            if out is None:
                self.result.setText(self.tr("Nobody is waiting."))
                return
            self.result.setText(self.tr("Called %1").replace("%1", out["label"]))
            self.sig_called.emit(out)

        run_op(self, lambda: call_next(ctx, actor, to), done, lambda exc: show_error(self, exc))
