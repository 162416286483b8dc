"""Archive item numbers, contiguous per year: allocated from a per-year counter row locked in the archiving
transaction, so a number becomes visible only together with the item that uses it; a crash or a refused item
never leaves a gap, and a number is never used twice. Formatting is `archive.numbering`."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from station.models.archive import ArchiveCounter, ArchiveItem


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
