"""Archivist logic: the one-click archive run with progress, the archive browser, opening a record."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from station.services.archiving.job import archive_ready_donations
from station.services.archiving.search import search_archive_text
from ui.ops import run_op
from ui.session import ClientSession


class ArchivistController(QObject):
    sig_progress = Signal(int, int)
    sig_archive_done = Signal(list)
    sig_search_results = Signal(list)
    sig_record = Signal(dict)

    def __init__(self, session: ClientSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.running = False

    def run_archive(self) -> None:
        if self.running:
            return
        self.running = True
        ctx, actor = self.session.ctx, self.session.user

        def done(result: list[dict[str, Any]]) -> None:
            self.running = False
            self.sig_archive_done.emit(result)

        def failed(exc: BaseException) -> None:
            self.running = False
            from ui.ops import show_error

            show_error(self, exc)
            self.sig_archive_done.emit([])

        # progress comes from the worker thread: a signal carries it to the main thread
        run_op(self, lambda: archive_ready_donations(ctx, actor, lambda n, total: self.sig_progress.emit(n, total)),
               done, failed, slow=True)

    def search(self, text: str) -> None:
        ctx, actor = self.session.ctx, self.session.user
        run_op(self, lambda: search_archive_text(ctx, actor, text), self.sig_search_results.emit)

    def open_record(self, archive_number: str) -> None:
        """Fetch the package from the records store, check it again and report each record's signatures;
        the PDFs are copied to a private folder of this session so that a viewer can open them."""
        import tempfile

        from station.services.archiving.search import open_record
        from ui.i18n import current_language
        from ui.ops import show_error

        ctx, actor = self.session.ctx, self.session.user
        if not hasattr(self, "_opened_dir"):
            self._opened_dir = tempfile.TemporaryDirectory(prefix="station-opened-")
        folder, lang = self._opened_dir.name, current_language()
        run_op(self, lambda: open_record(ctx, actor, archive_number, lang=lang, extract_to=folder),
               self.sig_record.emit, lambda exc: show_error(self, exc), slow=True)
