"""Typed domain errors, each carrying a user-facing message in Chinese and English."""
from __future__ import annotations

import os
from typing import Any

# re-exported: the station raises and catches these through its own module
from archive.errors import ArchiveError as ArchiveError
from signing.errors import LocalizedError as LocalizedError
from signing.errors import SigningError as SigningError


def user_language() -> str:
    """The language messages are shown in: STATION_LANG, else Chinese (the users' language)."""
    lang = os.environ.get("STATION_LANG", "zh_CN")
    return "en" if lang.lower().startswith("en") else "zh_CN"


class StationError(LocalizedError):
    """Base of the station's own errors. Code that shows any error to a user catches `LocalizedError`, which
    signing's and archive's errors share; `message()` without a language uses the user's."""

    code = "STATION_ERROR"

    def message(self, lang: str | None = None) -> str:
        return super().message(lang or user_language())


class ValidationError(StationError):
    code = "INVALID_INPUT"


class NotFound(StationError):
    code = "NOT_FOUND"


class PermissionDenied(StationError):
    code = "PERMISSION_DENIED"


class AuthenticationFailed(StationError):
    code = "AUTHENTICATION_FAILED"


class ConflictError(StationError):
    """Someone else changed the record since it was read (optimistic locking) or a duplicate."""

    code = "CONFLICT"


class InvalidTransition(StationError):
    """A step not allowed from the donation's current state; `station.workflow.require` words it."""

    code = "INVALID_TRANSITION"

    def __init__(self, message_zh: str, message_en: str, *, step: str, current: str,
                 required: tuple[str, ...]) -> None:
        super().__init__(message_zh, message_en,
                         details={"step": step, "current": current, "required": list(required)})
        self.step = step
        self.current = current
        self.required = required


class ConfirmationRequired(StationError):
    """Values outside plausible ranges: the user must confirm them explicitly."""

    code = "CONFIRMATION_REQUIRED"

    def __init__(self, prompts: list[dict[str, Any]]) -> None:
        zh = "；".join(p["message_zh"] for p in prompts)
        en = "; ".join(p["message_en"] for p in prompts)
        super().__init__(f"请确认：{zh}", f"Please confirm: {en}",
                         details={"prompts": prompts})
        self.prompts = prompts


class HardStop(StationError):
    """A stop that no one may override (permanent deferral, wrong bag at sealing)."""

    code = "HARD_STOP"


class DeviceError(StationError):
    code = "DEVICE_ERROR"


class UsageError(StationError):
    code = "USAGE"
    exit_status = 2
