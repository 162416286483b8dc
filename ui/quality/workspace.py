"""The quality dashboard: the seeds' own figures over the last 30 days."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.common.widgets import Panel
from ui.quality.controller import QualityController
from ui.quality.widgets import FiguresPanel
from ui.session import ClientSession


class Workspace(Panel):
    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.controller = QualityController(session, self)
        self.figures = FiguresPanel(self)
        QVBoxLayout(self).addWidget(self.figures)
        self.controller.sig_figures.connect(self.figures.show_figures)
        self.controller.sig_daily.connect(self.figures.show_daily)
        self.figures.sig_export_ledger.connect(self.controller.export_ledger)

    def activate(self) -> None:
        self.controller.load()
