"""Archive number schemes (档号): fonds - year - retention - department - item, and the DA/T 22 retention codes.

How item numbers are allocated without gaps is the archiving use case's business
(`station.services.archiving.numbering`); this module only formats and checks.
"""
from __future__ import annotations

import string
from datetime import date

from archive.errors import InvalidScheme

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
        raise InvalidScheme(
            f"档号规则无效：{scheme}（可用字段 fonds, year, retention, department, item，且必须含 year 和 item）",
            f"Invalid archive number scheme {scheme!r}: fields are fonds, year, retention, department, item "
            f"and it must contain year and item", details={"unknown": sorted(unknown)})


def format_archive_number(scheme: str, *, fonds: str, year: int, retention_years: int, department: str,
                          item: int) -> str:
    check_scheme(scheme)
    return scheme.format(fonds=fonds, year=year, retention=retention_code(retention_years),
                         department=department, item=item)
