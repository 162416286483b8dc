"""The archivist's workspace: one-click archive on the left, the archive browser on the right."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from ui.archivist.controller import ArchivistController
from ui.archivist.widgets import ArchiveBrowser, ArchiveRunPanel
from ui.common.widgets import Panel
from ui.session import ClientSession


class Workspace(Panel):
    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.controller = c = ArchivistController(session, self)
        self.run_panel = ArchiveRunPanel(self)
        self.browser = ArchiveBrowser(self)
        row = QHBoxLayout(self)
        row.addWidget(self.run_panel, 1)
        row.addWidget(self.browser, 1)
        self.run_panel.sig_run.connect(self._run)
        c.sig_progress.connect(self.run_panel.set_progress)
        c.sig_archive_done.connect(self._done)
        self.browser.sig_search.connect(c.search)
        self.browser.sig_open.connect(c.open_record)
        c.sig_search_results.connect(self.browser.show_results)
        c.sig_record.connect(self.browser.show_record)

    def _run(self) -> None:
        self.run_panel.run.setEnabled(False)
        self.run_panel.set_progress(0, 0)
        self.controller.run_archive()

    def _done(self, rows: list) -> None:
        self.run_panel.run.setEnabled(True)
        self.run_panel.show_results(rows)
