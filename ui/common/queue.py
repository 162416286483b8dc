"""The list of today's donations waiting at this workspace (queue number, name, DIN, state)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from ui.common.widgets import state_text


class DonationQueue(QListWidget):
    sig_donation_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("donation_queue")
        self.setMinimumWidth(230)
        self.setMaximumWidth(320)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.rows: list[dict[str, Any]] = []
        self.itemActivated.connect(self._picked)
        self.itemClicked.connect(self._picked)

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        current = self.currentItem().data(Qt.ItemDataRole.UserRole) if self.currentItem() else None
        self.rows = rows
        self.clear()
        for r in rows:
            # three short lines: nothing cut off at the list's width, in either language
            item = QListWidgetItem(f"{r['queue_number']:>3}  {r['donor_name']}\n     {r['din']}\n"
                                   f"     {state_text(r['state'])}")
            item.setData(Qt.ItemDataRole.UserRole, r["donation_id"])
            self.addItem(item)
            if r["donation_id"] == current:
                self.setCurrentItem(item)

    def _picked(self, item: QListWidgetItem) -> None:
        self.sig_donation_selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def select(self, donation_id: int) -> None:
        for i in range(self.count()):
            if self.item(i).data(Qt.ItemDataRole.UserRole) == donation_id:
                self.setCurrentRow(i)
                self._picked(self.item(i))
                return
