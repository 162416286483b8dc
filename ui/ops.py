"""The one background helper (after Anki's CollectionOp): run work off the main thread, call back on it.

    run_op(parent, lambda: donors.search_donors(ctx, actor, name="王"), on_success=show, on_failure=None)

`fn` runs on a one-thread executor for database work (so database calls never overlap and never
block the event loop) or on the device executor for slow device or signing I/O.  NEVER touch a
widget inside `fn`: widgets belong to the main thread.  The callbacks run on the main thread; when
`on_failure` is None a StationError is shown as a message in the user's language through the
dialog service, and any other exception as a short generic message (the traceback goes to the log,
never to the screen).
"""
from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from shiboken6 import isValid

log = logging.getLogger(__name__)

_db_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="station-db")
_slow_executor = ThreadPoolExecutor(max_workers=3, thread_name_prefix="station-io")


class _Bridge(QObject):
    """Lives on the main thread; a signal emitted from a worker is delivered there (queued)."""

    sig_finished = Signal(int, object, object)

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[int, tuple[QObject | None, Callable[[Any], None] | None,
                                      Callable[[BaseException], None] | None]] = {}
        self.lock = threading.Lock()
        self.sig_finished.connect(self._deliver)
        # called (on the main thread) after any operation failed because the sign-in ended in the service
        # layer (idle or absolute expiry, lockout, deactivation, reset): the main window signs out
        self.session_ended: Callable[[BaseException], None] | None = None

    @Slot(int, object, object)
    def _deliver(self, token: int, value: Any, error: Any) -> None:
        with self.lock:
            parent, ok, fail = self.pending.pop(token, (None, None, None))
        if parent is not None and not isValid(parent):
            return  # the window was closed meanwhile: what was saved stays saved, nobody to tell
        if error is None:
            if ok is not None:
                ok(value)
            return
        if fail is not None:
            fail(error)
        else:
            show_error(parent, error)
        if getattr(error, "code", None) == "SESSION_ENDED" and self.session_ended is not None:
            self.session_ended(error)


_bridge: _Bridge | None = None
_tokens = itertools.count(1)


def _get_bridge() -> _Bridge:
    global _bridge
    if _bridge is None or not isValid(_bridge):
        _bridge = _Bridge()
    return _bridge


def run_op(parent: QObject | None, fn: Callable[[], Any], on_success: Callable[[Any], None] | None = None,
           on_failure: Callable[[BaseException], None] | None = None, *, slow: bool = False) -> Future[Any]:
    """Run `fn` in the background (database executor, or the I/O executor with slow=True)."""
    bridge = _get_bridge()
    token = next(_tokens)
    with bridge.lock:
        bridge.pending[token] = (parent, on_success, on_failure)

    def work() -> Any:
        try:
            value = fn()
        except BaseException as exc:
            if not _is_station_error(exc):
                log.error("background operation failed", exc_info=exc)
            bridge.sig_finished.emit(token, None, exc)
            return None
        bridge.sig_finished.emit(token, value, None)
        return value

    return (_slow_executor if slow else _db_executor).submit(work)


def set_session_ended_handler(handler: Callable[[BaseException], None] | None) -> None:
    _get_bridge().session_ended = handler


def pending_count() -> int:
    """Operations whose callbacks have not run yet (tests wait for zero)."""
    bridge = _get_bridge()
    with bridge.lock:
        return len(bridge.pending)


def _is_station_error(exc: BaseException) -> bool:
    from station.errors import LocalizedError

    return isinstance(exc, LocalizedError)


_ENGLISH_RUN = re.compile(r"(?:[A-Za-z][A-Za-z'’-]*[ ,.;:()]+){2,}[A-Za-z][A-Za-z'’-]*[.]?")


def without_english(text: str) -> str:
    """A Chinese message with an English sentence inside (a library's error text passed through, e.g.
    "签名失败：The signer's certificate could not be validated"): the sentence goes to the log, the user reads
    Chinese only. Codes, units and abbreviations (DIN, PIN, HLA, mmHg) stay."""
    from PySide6.QtCore import QCoreApplication

    def replace(m: re.Match[str]) -> str:
        logging.getLogger(__name__).info("technical detail kept out of a Chinese message: %s", m.group(0))
        return QCoreApplication.translate("ops", "(technical details in the log)")

    return _ENGLISH_RUN.sub(replace, text)


def error_text(exc: BaseException) -> str:
    """What the user reads: the StationError's message in the UI language, else a generic sentence."""
    from PySide6.QtCore import QCoreApplication

    from ui.i18n import current_language

    if _is_station_error(exc):
        lang = current_language()
        text = exc.message(lang)  # type: ignore[attr-defined]
        return without_english(text) if lang == "zh_CN" else text
    return QCoreApplication.translate(
        "ops", "An unexpected error occurred. The step was not completed; please try again or call support.")


def show_error(parent: QObject | None, exc: BaseException) -> None:
    from PySide6.QtCore import QCoreApplication

    from ui.dialogs import dialogs

    dialogs().error(parent, QCoreApplication.translate("ops", "Not done"), error_text(exc))


def later(ms: int, fn: Callable[[], None]) -> None:
    QTimer.singleShot(ms, fn)
