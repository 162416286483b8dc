"""Entry points of the worker processes (spawned: each opens its own StationContext, as a station would)."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from station.errors import StationError


def allocate_dins(data_dir: str, station: str, count: int, barrier: Any) -> list[str]:
    """`count` DINs, each in its own transaction (as register_donation takes them)."""
    from station.services.donations import allocate_din
    from tests.multistation.helpers import open_station

    ctx = open_station(Path(data_dir), station)
    try:
        facility, year = ctx.config.site.facility_code, ctx.today().year
        barrier.wait()
        out = []
        for _ in range(count):
            with ctx.transaction() as s:
                out.append(allocate_din(s, facility, year))
        return out
    finally:
        ctx.close()


def allocate_archive_items(data_dir: str, station: str, count: int, year: int, barrier: Any) -> list[int]:
    from station.services.archiving.numbering import allocate_item
    from tests.multistation.helpers import open_station

    ctx = open_station(Path(data_dir), station)
    try:
        barrier.wait()
        out = []
        for _ in range(count):
            with ctx.transaction() as s:
                out.append(allocate_item(s, year))
        return out
    finally:
        ctx.close()


def register_donations(data_dir: str, station: str, donor_ids: list[int], barrier: Any) -> list[dict[str, Any]]:
    """register_donation for each donor: the whole registration transaction, not only the counter."""
    from station.services import donations as dn
    from station.services.users import user_actor
    from tests.multistation.helpers import open_station

    ctx = open_station(Path(data_dir), station)
    try:
        registrar = user_actor(ctx, "reg01")
        barrier.wait()
        return [dn.register_donation(ctx, registrar, donor_id) for donor_id in donor_ids]
    finally:
        ctx.close()


def register_same_donor(data_dir: str, station: str, id_number: str, name: str, barrier: Any) -> dict[str, Any]:
    """One desk registering the person in front of it; the outcome (or the refusal) is returned."""
    from station.services import donors as dr
    from station.services.users import user_actor
    from tests.multistation.helpers import donor_input, open_station

    ctx = open_station(Path(data_dir), station)
    try:
        registrar = user_actor(ctx, "reg01")
        data = donor_input(random.Random(id_number), name=name, id_number=id_number)
        barrier.wait()
        try:
            return {"ok": dr.register_donor(ctx, registrar, data)}
        except StationError as exc:
            return {"error": exc.code, "message_zh": exc.message_zh, "message_en": exc.message_en}
    finally:
        ctx.close()
