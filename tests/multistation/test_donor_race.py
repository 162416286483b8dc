"""Two desks register the same person at the same moment: one donor row, the other desk told clearly."""
from __future__ import annotations

import random

from sqlalchemy import func, select

from station.models import Donor
from tests.multistation import workers
from tests.multistation.helpers import open_station, random_id_number, staff

DESKS = 4
ROUNDS = 3


def test_same_donor_at_four_desks(pg_station_db, processes) -> None:
    ctx = open_station(pg_station_db.data_dir, "desk-0")
    try:
        staff(ctx)  # the registrar account exists before the desks start
    finally:
        ctx.close()
    rng = random.Random(3)
    for round_no in range(ROUNDS):
        id_number = random_id_number(rng)
        outcomes = processes.together(workers.register_same_donor,
                        [(str(pg_station_db.data_dir), f"desk-{i}", id_number, f"竞争{round_no}") for i in range(DESKS)])
        created = [o for o in outcomes if "ok" in o and o["ok"]["created"]]
        found = [o for o in outcomes if "ok" in o and not o["ok"]["created"]]
        refused = [o for o in outcomes if "error" in o]
        assert len(created) == 1, outcomes
        assert len(created) + len(found) + len(refused) == DESKS
        for o in refused:  # the loser of the race is told, in both languages, to reload
            assert o["error"] == "DUPLICATE_DONOR", o
            assert "另一登记台" in o["message_zh"] and "another desk" in o["message_en"]
        assert {o["ok"]["donor_id"] for o in created + found} == {created[0]["ok"]["donor_id"]}
        ctx = open_station(pg_station_db.data_dir, "desk-0")
        try:
            from station.services.donors import id_index

            with ctx.transaction() as s:
                rows = s.execute(select(func.count()).select_from(Donor).where(
                    Donor.id_number_index == id_index(ctx, "resident", id_number))).scalar_one()
        finally:
            ctx.close()
        assert rows == 1
