"""Typed domain errors, each carrying a user-facing message in Chinese and English."""
from __future__ import annotations

import os
from typing import Any


def user_language() -> str:
    """The language messages are shown in: STATION_LANG, else Chinese (the users' language)."""
    lang = os.environ.get("STATION_LANG", "zh_CN")
    return "en" if lang.lower().startswith("en") else "zh_CN"


class StationError(Exception):
    """Base of every error a user may see. `code` is stable; messages are per language."""

    code = "STATION_ERROR"
    exit_status = 1

    def __init__(self, message_zh: str, message_en: str, *, code: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        self.message_zh = message_zh
        self.message_en = message_en
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(message_en)

    def message(self, lang: str | None = None) -> str:
        return self.message_en if (lang or user_language()) == "en" else self.message_zh

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en,
                "details": self.details}


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
    code = "INVALID_TRANSITION"

    def __init__(self, step: str, current: str, required: tuple[str, ...]) -> None:
        from station.workflow import state_label

        req_zh = "、".join(state_label(r, "zh_CN") for r in required)
        req_en = ", ".join(state_label(r, "en") for r in required)
        super().__init__(
            f"当前状态为“{state_label(current, 'zh_CN')}”，不能执行“{step}”；需要状态：{req_zh}",
            f"Cannot do '{step}' while the donation is '{state_label(current, 'en')}'; "
            f"required state: {req_en}",
            details={"step": step, "current": current, "required": list(required)},
        )
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


class SigningError(StationError):
    code = "SIGNING_ERROR"


class ArchiveError(StationError):
    code = "ARCHIVE_ERROR"


class UsageError(StationError):
    code = "USAGE"
    exit_status = 2
