"""Donor lookup: exact by ID number (blind index), by name prefix (the index range for Chinese names)."""
from __future__ import annotations

from station.models import Donor
from station.services import donors as dr
from tests.station.flow import new_donor


def test_find_by_id_number_including_legacy_form(ctx, staff) -> None:
    from datetime import date

    donor_id, number = new_donor(ctx, staff.registrar, birth=date(1975, 3, 9), sex="female")
    assert dr.find_donor(ctx, staff.registrar, number)["donor_id"] == donor_id
    assert dr.find_donor(ctx, staff.registrar, number.lower())["donor_id"] == donor_id
    legacy = number[:6] + number[8:17]  # the 15-digit number of the same person
    assert dr.find_donor(ctx, staff.registrar, legacy)["donor_id"] == donor_id
    with ctx.transaction() as s:
        row = s.get(Donor, donor_id)
        assert number.encode() not in row.id_number_cipher and row.id_number_index != number
    assert [r["donor_id"] for r in dr.search_donors(ctx, staff.registrar, id_number=number)] == [donor_id]


def test_name_prefix_search(ctx, staff) -> None:
    names = ["王伟", "王芳芳", "王", "汪洋", "李王", "Wang Li", "wanda X", "Walter"]
    ids = {n: new_donor(ctx, staff.registrar, name=n)[0] for n in names}

    def found(prefix: str) -> set[str]:
        return {r["name"] for r in dr.search_donors(ctx, staff.registrar, name=prefix)}

    assert found("王") == {"王伟", "王芳芳", "王"}
    assert found("王芳") == {"王芳芳"}
    assert found("李") == {"李王"}
    assert found("王x") == set()
    if ctx.engine.dialect.name == "sqlite":  # Latin names keep SQLite's case-insensitive LIKE
        assert found("wan") == {"Wang Li", "wanda X"}
        assert found("WA") == {"Wang Li", "wanda X", "Walter"}
    else:  # PostgreSQL's LIKE is case-sensitive (reported: the backends differ here)
        assert found("Wa") == {"Wang Li", "Walter"}
    # LIKE wildcards in the input are literal
    assert found("王%") == set() and found("_") == set()
    assert len(ids) == len(names)


def test_name_prefix_search_seeks_the_index(ctx, staff) -> None:
    """On SQLite the service's query for a Chinese prefix seeks ix_donor_name instead of scanning every donor."""
    from sqlalchemy import event

    if ctx.engine.dialect.name != "sqlite":
        return
    seen: list[tuple[str, tuple]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "FROM donor" in statement and "LIKE" in statement:
            seen.append((statement, parameters))

    event.listen(ctx.engine, "before_cursor_execute", grab)
    try:
        dr.search_donors(ctx, staff.registrar, name="王")
    finally:
        event.remove(ctx.engine, "before_cursor_execute", grab)
    (statement, params), = seen
    with ctx.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))
    assert "SEARCH donor USING" in plan and "ix_donor_name" in plan and "SCAN" not in plan, plan
