"""A lot's expiry is a point in time: a lot expiring at noon is usable at 11:59 and refused from 12:00; a date
alone means the end of that local day, as it always did; migration 0006 keeps existing dates that way."""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from station.context import LOCAL_TZ
from station.db import make_engine
from station.errors import HardStop, ValidationError
from station.models import ConsumableLot
from station.schema import alembic_config
from station.services import inventory
from station.services.operations import consumables as cs
from tests.operations.test_consumables import _to_precheck
from tests.station import flow


def _local(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=LOCAL_TZ)


def test_expiry_instant_and_text() -> None:
    assert inventory.expiry_instant(date(2026, 12, 1)) == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert inventory.parse_expiry("2026-12-01") == _local(date(2026, 12, 2), 0, 0)
    assert inventory.parse_expiry("2026-12-01 12:00") == _local(date(2026, 12, 1), 12, 0)
    assert inventory.parse_expiry("2026-12-01T12:00+00:00") == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    with pytest.raises(ValidationError) as e:
        inventory.parse_expiry("1.12.2026")
    assert e.value.code == "INVALID_EXPIRY"
    noon = ConsumableLot(expires_at=_local(date(2026, 12, 1), 12, 0).astimezone(UTC))
    whole_day = ConsumableLot(expires_at=inventory.expiry_instant(date(2026, 12, 1)).astimezone(UTC))
    assert (noon.expiry_text, noon.expiry_day) == ("2026-12-01 12:00", date(2026, 12, 1))
    assert (whole_day.expiry_text, whole_day.expiry_day) == ("2026-12-01", date(2026, 12, 1))


def test_lot_expiring_at_noon(ctx, clock, staff) -> None:
    today = ctx.today()
    clock.at = _local(today, 11, 59).astimezone(UTC)
    inventory.receive_lot(ctx, staff.admin, item="kit", catalogue_no="80300", lot="KIT-NOON-1",
                          expiry=_local(today, 12, 0), quantity=10)
    noon = {"kit_lot": "KIT-NOON-1", "ac_lot": flow.LOTS["ac"], "saline_lot": flow.LOTS["saline"]}
    _to_precheck(ctx, staff, noon)  # 11:59: accepted
    row = next(r for r in inventory.stock(ctx, staff.admin) if r["lot"] == "KIT-NOON-1")
    assert row["expiry"] == f"{today.isoformat()} 12:00" and row["expired"] is False
    for hh, mm in ((12, 0), (12, 1)):
        clock.at = _local(today, hh, mm).astimezone(UTC)
        with pytest.raises(HardStop) as e:
            _to_precheck(ctx, staff, noon)
        assert e.value.code == "LOT_EXPIRED" and "已过期" in e.value.message("zh")
    assert next(r for r in inventory.stock(ctx, staff.admin) if r["lot"] == "KIT-NOON-1")["expired"] is True


def test_a_date_alone_lasts_to_the_end_of_that_local_day(ctx, clock, staff) -> None:
    today = ctx.today()
    inventory.receive_lot(ctx, staff.admin, item="ac", catalogue_no="ACD-A-500", lot="AC-TODAY-1",
                          expiry=today, quantity=10)
    lots = {"kit_lot": flow.LOTS["kit"], "ac_lot": "AC-TODAY-1", "saline_lot": flow.LOTS["saline"]}
    clock.at = _local(today, 23, 59).astimezone(UTC)
    _to_precheck(ctx, staff, lots)
    clock.at = _local(today + timedelta(days=1), 0, 0).astimezone(UTC)
    with pytest.raises(HardStop) as e:
        _to_precheck(ctx, staff, lots)
    assert e.value.code == "LOT_EXPIRED"
    # the same lot received again with a time of day is another expiry: refused, nothing changed
    with pytest.raises(ValidationError) as e2:
        inventory.receive_lot(ctx, staff.admin, item="ac", catalogue_no="ACD-A-500", lot="AC-TODAY-1",
                              expiry=_local(today, 12, 0), quantity=5)
    assert e2.value.code == "LOT_EXPIRY_MISMATCH"
    # the same date again is the same expiry
    inventory.receive_lot(ctx, staff.admin, item="ac", catalogue_no="ACD-A-500", lot="AC-TODAY-1",
                          expiry=today, quantity=5)


def test_ledger_shows_the_time_of_day(ctx, clock, staff) -> None:
    today = ctx.today()
    clock.at = _local(today, 9, 0).astimezone(UTC)
    inventory.receive_lot(ctx, staff.admin, item="kit", catalogue_no="80300", lot="KIT-NOON-2",
                          expiry=_local(today, 12, 0), quantity=3)
    did = _to_precheck(ctx, staff, {"kit_lot": "KIT-NOON-2", "ac_lot": flow.LOTS["ac"],
                                     "saline_lot": flow.LOTS["saline"]})
    from station.services import donations as dn

    dn.start_collection(ctx, staff.nurse, did)
    dn.finish_collection(ctx, staff.nurse, did, flow.GOOD_COLLECTION)
    line = next(x for x in cs.daily_ledger(ctx, staff.admin, today) if x.lot == "KIT-NOON-2")
    assert (line.expiry, line.used, line.balance) == (f"{today.isoformat()} 12:00", 1, 2)
    assert f"KIT-NOON-2,{today.isoformat()} 12:00,1,2" in cs.ledger_csv([line])


@contextmanager
def _empty_database(tmp_path):
    if os.environ.get("STATION_TEST_BACKEND") == "postgresql":
        from tests.station.conftest import pg_database

        with pg_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'lots.db'}"


def test_migration_0006_keeps_dates_as_end_of_local_day(tmp_path) -> None:
    with _empty_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            cfg = alembic_config(url)

            def run(fn, rev):
                with engine.begin() as conn:
                    cfg.attributes["connection"] = conn
                    fn(cfg, rev)

            run(command.upgrade, "0005_card_details")
            with engine.begin() as conn:
                for i, day in enumerate((date(2026, 12, 1), date(2027, 6, 30)), start=1):
                    conn.execute(sa.text(
                        "INSERT INTO consumable_lot (id, item, name, catalogue_no, specification, unit, lot, expiry, "
                        "quantity_received, quantity_on_hand, received_at, version) VALUES (:id, 'kit', '', '80300', "
                        "'', '', :lot, :expiry, 5, 5, :at, 1)"),
                        {"id": i, "lot": f"L{i}", "expiry": day, "at": datetime(2026, 5, 1, 0, 0)})
            run(command.upgrade, "0006_lot_expiry_time")
            with engine.connect() as conn:
                t = sa.table("consumable_lot", sa.column("lot"), sa.column("expires_at", ConsumableLot.expires_at.type))
                got = dict(conn.execute(sa.select(t.c.lot, t.c.expires_at)).all())
            # 2026-12-01 was usable all day in Shanghai: expired from 2026-12-02 00:00 +08:00 = 16:00 UTC on the 1st
            assert got == {"L1": datetime(2026, 12, 1, 16, 0, tzinfo=UTC), "L2": datetime(2027, 6, 30, 16, 0, tzinfo=UTC)}
            run(command.downgrade, "0005_card_details")
            with engine.connect() as conn:
                back = dict(conn.execute(sa.text("SELECT lot, expiry FROM consumable_lot")).all())
            assert {k: str(v) for k, v in back.items()} == {"L1": "2026-12-01", "L2": "2027-06-30"}
        finally:
            engine.dispose()


def test_cli_receives_a_lot_with_a_time_of_day(ctx) -> None:
    from tests.station.conftest import run_cli

    data_dir = ctx.config.data_dir
    out = run_cli("lots", "receive", "--item", "kit", "--catalogue", "80300", "--lot", "KIT-CLI-1", "--expiry",
                  "2026-12-01 12:00", "--quantity", "4", "--delivery-note", "DN-9", "--json", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["expires_at"] == "2026-12-01T12:00:00+08:00"
    again = run_cli("lots", "receive", "--item", "kit", "--catalogue", "80300", "--lot", "KIT-CLI-1", "--expiry",
                    "2026-12-01", "--quantity", "4", data_dir=data_dir)
    assert again.returncode == 1 and "another expiry" in again.stderr
    bad = run_cli("lots", "receive", "--item", "kit", "--catalogue", "80300", "--lot", "KIT-CLI-2", "--expiry",
                  "tomorrow", "--quantity", "4", data_dir=data_dir)
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
    listed = run_cli("lots", "list", "--json", data_dir=data_dir)
    row = next(r for r in json.loads(listed.stdout) if r["lot"] == "KIT-CLI-1")
    assert (row["expiry"], row["on_hand"]) == ("2026-12-01 12:00", 4)
