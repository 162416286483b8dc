"""Archive numbers (档号): fonds - year - retention - department - item, item numbers contiguous per year.

The item number is taken from a per-year counter row locked in the archiving transaction: the
number becomes visible only together with the item that uses it, so a crash or a refused item
never leaves a gap, and a number is never used twice.
"""
from __future__ import annotations

import string
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from station.errors import ValidationError
from station.models.archive import ArchiveCounter, ArchiveItem

SCHEME_FIELDS = frozenset({"fonds", "year", "retention", "department", "item"})


def retention_code(years: int) -> str:
    """DA/T 22 retention code: D10 for ten years, Y for permanent (0)."""
    return "Y" if years <= 0 else f"D{years}"


def retention_until(year: int, years: int) -> date:
    """Retention is counted from 1 January of the year after the records' year (DA/T 22)."""
    return date(9999, 12, 31) if years <= 0 else date(year + years, 12, 31)


def check_scheme(scheme: str) -> None:
    names = {f[1].split(".")[0].split("[")[0] for f in string.Formatter().parse(scheme) if f[1]}
    unknown = names - SCHEME_FIELDS
    if unknown or "item" not in names or "year" not in names:
        raise ValidationError(
            f"档号规则无效：{scheme}（可用字段 fonds, year, retention, department, item，且必须含 year 和 item）",
            f"Invalid archive number scheme {scheme!r}: fields are fonds, year, retention, department, item "
            f"and it must contain year and item", code="ARCHIVE_SCHEME", details={"unknown": sorted(unknown)})


def format_archive_number(scheme: str, *, fonds: str, year: int, retention_years: int, department: str,
                          item: int) -> str:
    check_scheme(scheme)
    return scheme.format(fonds=fonds, year=year, retention=retention_code(retention_years),
                         department=department, item=item)


def allocate_item(session: Session, year: int) -> int:
    """Next item number of `year`, counter row locked until the caller's transaction ends."""
    query = select(ArchiveCounter).where(ArchiveCounter.year == year).with_for_update()
    counter = session.execute(query).scalar_one_or_none()
    if counter is None:
        # the year's first item: another process may create the row at the same moment; then lock theirs
        try:
            with session.begin_nested():
                session.add(ArchiveCounter(year=year, last_item=0))
        except IntegrityError:
            pass
        counter = session.execute(query).scalar_one()
    counter.last_item += 1
    return counter.last_item


def numbering_problem(session: Session, year: int, item: int) -> str | None:
    """Integrity: the items of the year before this one must be exactly 1..item-1."""
    count, highest = session.execute(select(func.count(), func.max(ArchiveItem.item_number))
                                     .where(ArchiveItem.year == year)).one()
    if count != item - 1 or (highest or 0) != item - 1:
        return (f"item numbers of {year} are not contiguous before {item}: "
                f"{count} items, highest {highest or 0}")
    return None


def year_gaps(session: Session, year: int) -> list[str]:
    """Gaps, duplicates and counter mismatches among the stored items of one year."""
    numbers = sorted(session.execute(select(ArchiveItem.item_number).where(ArchiveItem.year == year)).scalars())
    problems = []
    expected = list(range(1, len(numbers) + 1))
    if numbers != expected:
        missing = sorted(set(range(1, (numbers[-1] if numbers else 0) + 1)) - set(numbers))
        problems.append(f"{year}: item numbers not contiguous (missing {missing[:20]})")
    counter = session.get(ArchiveCounter, year)
    last = counter.last_item if counter else 0
    if last != len(numbers):
        problems.append(f"{year}: counter at {last} but {len(numbers)} items stored")
    return problems
