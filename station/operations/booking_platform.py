"""Where the day's bookings come from: a booking file or the booking platform over HTTP (BOOKINGS.md), behind one
interface, `BookingSource`; `pull_bookings` imports what a source gives (broken rows listed, good rows kept)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from station.context import StationContext
from station.errors import StationError, UsageError, ValidationError
from station.operations.appointments import ImportResult, import_rows, read_rows
from station.operations.platform_http import PlatformUnavailable, request_json
from station.security import Action, Actor, require_permission


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


_WHY_ZH = {"UNREACHABLE": "无法连接预约平台", "TIMEOUT": "预约平台响应超时", "HTTP_ERROR": "预约平台返回错误",
           "GARBAGE": "预约平台返回的数据无法识别"}


def fetch_bookings(actor: Actor, source: BookingSource, day: date) -> list[Any]:
    """The source's rows for the day, no database involved (the desk runs this on its I/O worker)."""
    require_permission(actor, Action.REGISTER_DONOR)
    try:
        return source.fetch(day)
    except BookingUnavailable as exc:
        raise BookingsNotPulled(exc) from None


def pull_bookings(ctx: StationContext, actor: Actor, source: BookingSource, day: date) -> ImportResult:
    """Fetch the day's bookings (outside any transaction: nothing is locked while the platform thinks) and import
    them. A platform that fails or answers garbage imports nothing and says why; a second pull adds no duplicates."""
    return import_rows(ctx, actor, fetch_bookings(actor, source, day), source=source.name, day=day)


class BookingsNotPulled(StationError):
    """The pull failed as a whole; nothing was imported."""

    exit_status = 1

    def __init__(self, cause: BookingUnavailable) -> None:
        super().__init__(f"未能从预约平台获取预约：{_WHY_ZH.get(cause.code, cause.code)}（{cause.detail}），未导入任何预约",
                         f"The bookings could not be pulled from the booking platform ({cause.code}: {cause.detail}); "
                         "nothing was imported", code=f"BOOKINGS_{cause.code}", details={"reason": cause.code})


def no_platform_error() -> UsageError:
    return UsageError("未配置预约平台：请用 --url 或配置 [bookings] url 指定地址",
                      "No booking platform configured: give --url or [bookings] url in the configuration",
                      code="NO_BOOKINGS_URL")
