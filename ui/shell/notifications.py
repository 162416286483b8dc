"""Non-blocking notifications: a strip at the top of the window; each message fades after a few seconds."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.common.widgets import BANNER_STYLE


class NotificationArea(QWidget):
    def __init__(self, parent: QWidget | None = None, timeout_ms: int = 6000) -> None:
        super().__init__(parent)
        self.timeout_ms = timeout_ms
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(2)
        self.history: list[tuple[str, str]] = []
        self.keep = 3

    def notify(self, level: str, text: str) -> None:
        self.history.append((level, text))
        if level == "ok":
            self.clear("error")  # a later success: the red banners of what failed before go
        shown = [w for w in self.findChildren(QLabel) if not w.property("cleared")]
        for old in shown[:max(0, len(shown) - (self.keep - 1))]:
            # a few at a time: a burst of notices must not push the workspace down (or the window taller)
            old.setProperty("cleared", True)
            old.hide()
            old.deleteLater()
        label = QLabel(text, self)
        label.setProperty("level", level)
        label.setWordWrap(True)
        label.setStyleSheet(f"QLabel{{{BANNER_STYLE.get(level, BANNER_STYLE['info'])}padding:6px;}}")
        self.layout_.addWidget(label)
        if level != "error":  # errors stay until clicked away by the next step's success
            QTimer.singleShot(self.timeout_ms, label.deleteLater)
        else:
            QTimer.singleShot(self.timeout_ms * 3, label.deleteLater)

    def clear(self, level: str | None = None) -> None:
        """Remove the banners shown (of one level, or all: at sign-out nothing of the last user stays)."""
        for label in self.findChildren(QLabel):
            if level is None or label.property("level") == level:
                label.setProperty("cleared", True)
                label.hide()
                label.deleteLater()

    def visible_texts(self) -> list[str]:
        return [w.text() for w in self.findChildren(QLabel) if not w.property("cleared")]
