"""The dialog service (after Picard): message boxes behind one small object that tests replace."""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget


def _widget(parent: QObject | None) -> QWidget | None:
    return parent if isinstance(parent, QWidget) else None


class DialogService:
    """Real message boxes. Errors and notices are non-blocking (open(), not exec())."""

    def __init__(self) -> None:
        self._open: list[QMessageBox] = []

    def _show(self, parent: QObject | None, icon: QMessageBox.Icon, title: str, text: str) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, _widget(parent))
        box.setTextInteractionFlags(box.textInteractionFlags())
        self._open.append(box)
        box.finished.connect(lambda _r, b=box: self._open.remove(b) if b in self._open else None)
        box.open()

    def close_all(self) -> None:
        """Close every box still open (at sign-out: one user's errors never stay over the next one's session)."""
        for box in list(self._open):
            box.done(0)
        self._open.clear()

    def info(self, parent: QObject | None, title: str, text: str) -> None:
        self._show(parent, QMessageBox.Icon.Information, title, text)

    def warning(self, parent: QObject | None, title: str, text: str) -> None:
        self._show(parent, QMessageBox.Icon.Warning, title, text)

    def error(self, parent: QObject | None, title: str, text: str) -> None:
        self._show(parent, QMessageBox.Icon.Critical, title, text)

    def confirm(self, parent: QObject | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(_widget(parent), title, text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def ask_secret(self, parent: QObject | None, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(_widget(parent), title, label, QLineEdit.EchoMode.Password)
        return text if ok else None

    def ask_text(self, parent: QObject | None, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(_widget(parent), title, label)
        return text if ok else None

    def save_file(self, parent: QObject | None, title: str, suggested: str, filters: str) -> str | None:
        """A path to write to (the user confirms overwriting), or None when cancelled."""
        path, _ = QFileDialog.getSaveFileName(_widget(parent), title, suggested, filters)
        return path or None

    def open_file(self, parent: QObject | None, title: str, filters: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(_widget(parent), title, "", filters)
        return path or None


_service: DialogService = DialogService()


def dialogs() -> DialogService:
    return _service


def set_dialogs(service: DialogService) -> DialogService:
    """Install another service (tests record messages and answer questions); returns the previous one."""
    global _service
    previous, _service = _service, service
    return previous
