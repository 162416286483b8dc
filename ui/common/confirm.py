"""Values outside plausible ranges: ask the user to confirm each, then repeat the step with the confirmations."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject

from station.errors import ConfirmationRequired
from ui.common.widgets import msg
from ui.dialogs import dialogs
from ui.ops import run_op, show_error


def run_confirmed(parent: QObject, step: Callable[[frozenset[str]], Any], on_success: Callable[[Any], None],
                  on_failure: Callable[[BaseException], None] | None = None,
                  confirmed: frozenset[str] = frozenset()) -> None:
    def failed(exc: BaseException) -> None:
        if isinstance(exc, ConfirmationRequired):
            text = "\n".join(msg(p) for p in exc.prompts)
            title = QCoreApplication.translate("run_confirmed", "Please confirm these values")
            question = QCoreApplication.translate("run_confirmed", "Are these values correct as entered?")
            if dialogs().confirm(parent, title, f"{text}\n\n{question}"):
                codes = confirmed | {p["code"] for p in exc.prompts}
                run_confirmed(parent, step, on_success, on_failure, codes)
            return
        if on_failure is not None:
            on_failure(exc)
        else:
            show_error(parent, exc)

    run_op(parent, lambda: step(confirmed), on_success, failed)
