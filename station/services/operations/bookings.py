"""Pulling the day's bookings from a booking source (file or platform) into the appointments: broken rows listed,
good rows kept, nothing imported when the platform fails."""
from __future__ import annotations

from datetime import date
from typing import Any

from station.context import StationContext
from station.errors import StationError, UsageError
from station.platforms.booking import BookingSource, BookingUnavailable
from station.security import Action, Actor, require_permission
from station.services.operations.appointments import ImportResult, import_rows

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
