"""Small widgets every workspace uses: a retranslating panel, validated fields, banners, the donor header."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.i18n import current_language

COLOURS = {"pass": "#1b7f3b", "warn": "#b26a00", "fail": "#c62828", "info": "#1f5fa8", "none": "#555555"}
BANNER_STYLE = {"error": "background:#c62828;color:white;", "warn": "background:#f9a825;color:black;",
                "ok": "background:#2e7d32;color:white;", "info": "background:#1f5fa8;color:white;"}


def lang() -> str:
    return current_language()


def pick(zh: str, en: str) -> str:
    """Text that arrives from the core in both languages (service messages, rule findings)."""
    return en if lang() == "en" else zh


def msg(item: dict[str, Any], key: str = "message") -> str:
    return str(item.get(f"{key}_en") if lang() == "en" else item.get(f"{key}_zh")) or ""


def local_time(value: Any, fmt: str = "%Y-%m-%d %H:%M", *, offset: bool = False) -> str:
    """A stored time (aware datetime or ISO text, UTC in the database) in the site's local time; with the UTC
    offset where the time is evidence (signature stamps, archive dates)."""
    from datetime import datetime

    from station.context import LOCAL_TZ

    if value in (None, ""):
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    if at.tzinfo is None:
        from datetime import UTC

        at = at.replace(tzinfo=UTC)  # the database's naive values are UTC
    local = at.astimezone(LOCAL_TZ)
    text = local.strftime(fmt)
    if offset:
        z = local.strftime("%z")
        text += f" (UTC{z[:3]}:{z[3:]})"
    return text


def state_text(state: str) -> str:
    from station.workflow import state_label

    return state_label(state, lang())


class Panel(QWidget):
    """A widget that rebuilds its visible text when the language changes (subclasses define retranslate)."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every visible string (called once at construction and on each language change)."""


class Banner(QLabel):
    """A full-width message strip: error (red), warn (amber), ok (green), info (blue)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.level = ""
        self.hide()

    def show_message(self, level: str, text: str) -> None:
        self.level = level
        big = "font-size:16pt;font-weight:bold;" if level == "error" else "font-size:12pt;"
        self.setStyleSheet(f"QLabel{{{BANNER_STYLE[level]}{big}padding:10px;border-radius:4px;}}")
        self.setText(text)
        self.show()

    def clear_message(self) -> None:
        self.level = ""
        self.setText("")
        self.hide()


class ValidatedField(QWidget):
    """An entry field that judges its value as it is typed: green, amber or red, with the reason beside it.

    `judge(text)` returns (status, reason) with status in pass | warn | fail | none."""

    sig_changed = Signal(str)

    def __init__(self, judge: Callable[[str], tuple[str, str]], parent: QWidget | None = None,
                 placeholder: str = "") -> None:
        super().__init__(parent)
        self.judge = judge
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.reason = QLabel(self)
        self.reason.setWordWrap(True)
        # the hint's room is kept whether or not a hint shows: a hint appearing never pushes the fields below
        # it down under the pointer (a click meant for the next field landed in another)
        lines = self.reason.fontMetrics().lineSpacing()
        self.reason.setFixedHeight(2 * lines + 2)
        self.reason.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.status = "none"
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.edit)
        lay.addWidget(self.reason)
        self.edit.textChanged.connect(self._changed)
        self._changed("")

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def refresh(self) -> None:
        self._changed(self.edit.text())

    def _changed(self, text: str) -> None:
        if not text.strip():
            status, reason = "none", ""
        else:
            try:
                status, reason = self.judge(text.strip())
            except ValueError:
                status, reason = "fail", QCoreApplication.translate("ValidatedField", "Not a number")
        self.status = status
        colour = COLOURS.get(status, COLOURS["none"])
        # the same border width in every state: a field never changes height as its value is judged
        border = f"border:2px solid {colour};" if status != "none" else "border:2px solid #b0b0b0;"
        self.edit.setStyleSheet(f"QLineEdit{{{border}padding:3px;}}")
        self.reason.setStyleSheet(f"color:{colour};")
        self.reason.setText(reason)
        self.sig_changed.emit(status)


class DonorHeader(QFrame):
    """Who this is about: name, sex, masked ID, blood group and the donation number."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        lay = QHBoxLayout(self)
        lay.addWidget(self.label)
        self.data: dict[str, Any] | None = None
        self.show_donor(None)

    def show_donor(self, detail: dict[str, Any] | None) -> None:
        self.data = detail
        if not detail:
            self.label.setText(QCoreApplication.translate("DonorHeader", "No donor selected"))
            return
        donor = detail.get("donor", detail)
        sex = {"male": QCoreApplication.translate("DonorHeader", "male"),
               "female": QCoreApplication.translate("DonorHeader", "female")}.get(donor.get("sex", ""), "")
        blood = f"{donor.get('abo') or ''} {('RhD' + donor['rhd']) if donor.get('rhd') else ''}"
        din = detail.get("din", "")
        state = state_text(detail["state"]) if detail.get("state") else ""
        self.label.setText(
            f"<span style='font-size:15pt;font-weight:bold'>{donor.get('name', '')}</span> &nbsp; {sex} &nbsp; "
            f"{donor.get('id_number_masked', '')} &nbsp; <b>{blood}</b>"
            + (f" &nbsp; DIN <b>{din}</b>" if din else "") + (f" &nbsp; [{state}]" if state else ""))
