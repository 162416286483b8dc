"""Where the day's bookings come from: a booking file or the booking platform over HTTP (BOOKINGS.md), behind one
interface, `BookingSource` (the use case that imports them is `station.services.operations.bookings`)."""
from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from station.errors import ValidationError
from station.platforms.http import PlatformUnavailable, request_json


def read_rows(text: str, fmt: str) -> list[Any]:
    """The raw rows of a booking file: a JSON list (or {"bookings": [...]}) or a CSV with a header line."""
    if fmt == "json":
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise ValidationError(f"预约文件不是有效的JSON：{exc}", f"The booking file is not valid JSON: {exc}",
                                  code="BOOKINGS_UNREADABLE") from None
        rows = doc.get("bookings") if isinstance(doc, dict) else doc
        if not isinstance(rows, list):
            raise ValidationError("预约文件应为预约列表", "The booking file must hold a list of bookings",
                                  code="BOOKINGS_UNREADABLE")
        return rows
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    raise ValidationError(f"未知文件格式 {fmt}", f"Unknown format {fmt}", code="BOOKINGS_UNREADABLE")


class BookingUnavailable(PlatformUnavailable):
    """The booking platform could not answer usefully (UNREACHABLE, TIMEOUT, HTTP_ERROR, GARBAGE)."""


class BookingSource(Protocol):
    """The bookings of one day, as raw rows (the fields of BOOKINGS.md), not yet validated."""

    @property
    def name(self) -> str:
        """What the import is recorded as coming from (a file name, the platform's host)."""
        ...

    def fetch(self, day: date) -> list[Any]:
        """The rows for `day`; raises BookingUnavailable or ValidationError when there is nothing usable."""
        ...


@dataclass(frozen=True)
class FileBookingSource:
    """A booking file exported from the platform: JSON (a list, or {"bookings": [...]}) or CSV with a header."""

    path: Path
    fmt: str | None = None

    @property
    def name(self) -> str:
        return self.path.name

    def fetch(self, day: date) -> list[Any]:
        fmt = self.fmt or ("csv" if self.path.suffix.lower() == ".csv" else "json")
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"无法读取预约文件 {self.path}：{exc}", f"Cannot read the booking file {self.path}: {exc}",
                                  code="BOOKINGS_UNREADABLE") from None
        return read_rows(text, fmt)


@dataclass(frozen=True)
class HttpBookingSource:
    """The HTTP/JSON pull adapter (BOOKINGS.md): GET /v1/bookings?date=YYYY-MM-DD, bearer token optional."""

    base_url: str
    timeout: float = 5.0
    token: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        from urllib.parse import urlsplit

        return f"platform {urlsplit(self.base_url).netloc}"[:64]

    def fetch(self, day: date) -> list[Any]:
        url = f"{self.base_url.rstrip('/')}/v1/bookings?{urlencode({'date': day.isoformat()})}"
        doc = request_json(url, timeout=self.timeout, token=self.token, extra_headers=self.extra_headers,
                           error=BookingUnavailable)
        return parse_answer(doc, day)


def parse_answer(doc: Any, day: date) -> list[Any]:
    """The platform's answer as a whole: an object for the day asked with a list of bookings, else GARBAGE.
    The rows inside are checked one by one later (a broken row is listed, the others kept)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("bookings"), list):
        raise BookingUnavailable("GARBAGE", "expected an object with a 'bookings' list")
    if doc.get("date") != day.isoformat():
        raise BookingUnavailable("GARBAGE", f"the answer is for {doc.get('date')!r}, not {day.isoformat()}")
    return list(doc["bookings"])


def source_from_config(config: Any, *, url: str | None = None, timeout: float | None = None
                       ) -> HttpBookingSource | None:
    """The configured platform ([bookings] url, token from the environment variable named there), or None;
    `url` and `timeout` given on the command line take precedence."""
    cfg = config.bookings
    url = url or cfg.url
    if not url:
        return None
    return HttpBookingSource(url, timeout=cfg.timeout_seconds if timeout is None else timeout,
                             token=os.environ.get(cfg.token_env) or None)
