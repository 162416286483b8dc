"""The serial barcode scanner as the staff expect it: each scan lands in the focused entry field, as a keyboard
scanner's would (text, then Enter), whichever workspace is shown."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLineEdit


class ScanRouter(QObject):
    """Listens to the device hub; a scanner's barcode goes to the focused QLineEdit (and presses Enter there)."""

    sig_unrouted = Signal(str)  # a scan arrived while no entry field had the focus

    def __init__(self, hub: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.delivered: list[tuple[str, str]] = []  # (field's objectName, data)
        hub.sig_event.connect(self._event)

    def _event(self, name: str, event: Any) -> None:
        if self.hub.kinds.get(name) != "scanner" or not hasattr(event, "data") or not hasattr(event, "structure"):
            return
        self.deliver(str(event.data))

    def deliver(self, data: str) -> bool:
        app = QApplication.instance()
        focus = app.focusWidget() if app is not None else None  # type: ignore[attr-defined]
        if not isinstance(focus, QLineEdit) or not focus.isEnabled() or focus.isReadOnly() or not focus.isVisible():
            self.sig_unrouted.emit(data)
            return False
        focus.setText(data)
        self.delivered.append((focus.objectName(), data))
        focus.returnPressed.emit()
        return True
