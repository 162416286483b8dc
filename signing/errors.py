"""Errors worded for the user in Chinese and English: the shared base `LocalizedError` (it lives here, in the
lowest package, so that signing, archive and the station can all build on it) and the signing package's own
`SigningError` (a key, certificate, time stamp or signature problem)."""
from __future__ import annotations

from typing import Any


class LocalizedError(Exception):
    """An error a user may see: `code` is stable, the message exists in both languages, `details` is data."""

    code = "ERROR"
    exit_status = 1

    def __init__(self, message_zh: str, message_en: str, *, code: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en = message_zh, message_en
        if code:
            self.code = code
        self.details = details or {}

    def message(self, lang: str = "zh_CN") -> str:
        return self.message_en if lang == "en" else self.message_zh

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en,
                "details": self.details}


class SigningError(LocalizedError):
    """A signing, time-stamping, key or validation failure."""

    code = "SIGNING_ERROR"
