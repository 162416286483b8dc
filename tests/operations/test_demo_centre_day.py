"""How issue 9 is checked: a day of the demo centre with bookings pulled from the booking platform, walk-ins, a
deferral arriving from the region, and a kit lot expiring at noon; `station report daily --json` and the ledger
are compared with what this test itself recorded at the chairs."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from station.config import StationConfig
from station.context import LOCAL_TZ, StationContext
from station.errors import HardStop, InvalidTransition
from station.platforms.booking import HttpBookingSource
from station.platforms.booking_sim import BookingSimulator
from station.platforms.regional import HttpRegionalPlatform
from station.platforms.regional_sim import RegionalSimulator
from station.services import donations as dn
from station.services import donors as dr
from station.services import inventory
from station.services.operations import appointments as ap
from station.services.operations.bookings import pull_bookings
from station.services.operations.regional import check_donor
from tests.station import flow
from tests.station.conftest import run_cli


def _second_chair(ctx: StationContext, name: str) -> StationContext:
    """Another chair's station on the same database (its steps are recorded under its own station name)."""
    other = StationContext(config=replace(ctx.config, station=StationConfig(name=name)), engine=ctx.engine,
                           sessions=ctx.sessions, pii=ctx.pii, clock=ctx.clock)
    other._ensure_site()
    return other


def test_a_day_of_the_demo_centre(ctx, clock, staff) -> None:
    day = ctx.today()

    def at(hh: int, mm: int) -> None:
        clock.at = datetime(day.year, day.month, day.day, hh, mm, tzinfo=LOCAL_TZ).astimezone(UTC)

    at(7, 0)
    chairs = {"机采1号位": ctx, "机采2号位": _second_chair(ctx, "机采2号位")}
    inventory.receive_lot(ctx, staff.admin, item="kit", catalogue_no="80300", lot="KIT-NOON",
                          expiry=datetime(day.year, day.month, day.day, 12, 0), quantity=20, delivery_note="DN-1")
    inventory.receive_lot(ctx, staff.admin, item="kit", catalogue_no="80300", lot="KIT-NEXT",
                          expiry=day + timedelta(days=180), quantity=20, delivery_note="DN-2")

    people = {key: (flow.id_number(flow.birth_for_age(day, 25 + i), sex), sex)
              for i, (key, sex) in enumerate([("b1", "male"), ("b2", "female"), ("b3", "male"), ("b4", "male"),
                                              ("noshow", "female"), ("w1", "male"), ("w2", "male"),
                                              ("w3", "female"), ("w4", "male")])}
    with BookingSimulator() as bookings, RegionalSimulator() as region:
        for i, key in enumerate(("b1", "b2", "b3", "b4", "noshow")):
            bookings.add_booking(f"BK{i + 1:03d}", day.isoformat(), f"{8 + i:02d}:00", f"{8 + i:02d}:30",
                                 f"预约{i + 1}", people[key][0])
        bookings.broken_rows[day.isoformat()] = [{"booking_ref": "BKBAD", "date": day.isoformat(),
                                                 "slot_start": "08:00", "slot_end": "07:00", "name": "坏",
                                                 "id_number": people["w1"][0]}]
        # the region knows one walk-in as permanently deferred elsewhere
        region.add_deferral("resident", people["w2"][0], kind="permanent", reason_code="HBV_POSITIVE",
                            reason="乙肝表面抗原阳性", starts_on=(day - timedelta(days=300)).isoformat())
        source, platform = HttpBookingSource(bookings.url, timeout=2), HttpRegionalPlatform(region.url, timeout=2)
        first = pull_bookings(ctx, staff.registrar, source, day)
        assert (first.imported, len(first.broken)) == (5, 1)
        assert pull_bookings(ctx, staff.registrar, source, day).imported == 0  # pulled again at 07:00: no doubles

        # what the chairs record, kept by this test independently of the database
        seen: dict[str, Counter] = {"chair": Counter(), "hour": Counter(), "reason": Counter(), "kit": Counter()}
        booked_collections = 0

        def arrive(key: str) -> tuple[int, int, dict]:
            number, sex = people[key]
            donor_id = dr.register_donor(ctx, staff.registrar, dr.DonorInput(
                id_number=number, name=f"献血者{key}", sex=sex, birth_date=None, phone="13800138000", abo="A",
                rhd="+"))["donor_id"]
            did = dn.register_donation(ctx, staff.registrar, donor_id)["donation_id"]
            ticket = ap.issue_ticket(ctx, staff.registrar, donor_id, donation_id=did)
            check = check_donor(ctx, staff.registrar, donor_id, platform, donation_id=did)
            assert check["status"] == "done"
            return donor_id, did, ticket

        def examine(did: int, sex: str, hb: float = 140.0) -> str:
            dn.sign_questionnaire(ctx, staff.registrar, did, flow.healthy_answers(ctx, sex))
            dn.record_examination(ctx, staff.physician, did, flow.GOOD_EXAM)
            dn.record_pretest(ctx, staff.physician, did, flow.pretest(hb_g_l=hb))
            return dn.assess(ctx, staff.physician, did)["result"]

        def collect(did: int, chair: str, kit: str) -> None:
            c = chairs[chair]
            din = flow.din_of(ctx, did)
            dn.print_label(c, staff.nurse, did)
            dn.precollection_check(c, staff.nurse, did, replace(flow.precheck_input(din), kit_lot=kit))
            clock.advance(minutes=5)
            dn.start_collection(c, staff.nurse, did)
            seen["chair"][chair] += 1
            seen["hour"][f"{clock.at.astimezone(LOCAL_TZ).hour:02d}"] += 1
            clock.advance(minutes=45)
            dn.finish_collection(c, staff.nurse, did, flow.GOOD_COLLECTION)
            seen["kit"][kit] += 1

        plan = [  # (arrives at, who, chair, booked)
            ((8, 0), "b1", "机采1号位", True), ((8, 10), "w1", "机采2号位", False), ((9, 0), "b2", "机采1号位", True),
            ((9, 30), "w2", None, False),  # deferred by the region
            ((10, 0), "b3", "机采2号位", True), ((10, 20), "w3", None, False),  # low haemoglobin
            ((11, 20), "w4", "机采1号位", False),  # pre-checked 11:20, before noon: the noon lot is fine
            ((13, 0), "b4", "机采2号位", True),  # afternoon: the noon lot is refused, the next lot used
        ]
        for (hh, mm), key, chair, booked in plan:
            at(hh, mm)
            _donor_id, did, ticket = arrive(key)
            assert ticket["label"][0] == ("A" if booked else "W")
            called = ap.call_next(ctx, staff.registrar, chair or "体检1")
            assert called is not None and called["label"] == ticket["label"]
            sex = people[key][1]
            if key == "w2":
                assert examine(did, sex) == "deferred"
                seen["reason"]["DEFERRAL_PERMANENT"] += 1
                with pytest.raises(InvalidTransition):  # and no way to collect from the blocked donor
                    dn.print_label(ctx, staff.nurse, did)
                continue
            if key == "w3":
                assert examine(did, sex, hb=105.0) == "deferred"
                seen["reason"]["HB_LOW"] += 1
                continue
            assert examine(did, sex) == "eligible"
            if key == "b4":
                with pytest.raises(HardStop) as refused:
                    collect(did, chair, "KIT-NOON")
                assert refused.value.code == "LOT_EXPIRED"
                collect(did, chair, "KIT-NEXT")
            else:
                collect(did, chair, "KIT-NOON")
            booked_collections += booked
        at(17, 0)
        assert ap.mark_no_shows(ctx, staff.registrar, day) == 1

    data_dir = ctx.config.data_dir
    daily = run_cli("report", "daily", "--date", day.isoformat(), "--json", data_dir=data_dir, user="admin")
    assert daily.returncode == 0, daily.stderr
    r = json.loads(daily.stdout)
    collections = sum(seen["chair"].values())
    assert collections == 6
    assert r["registered"] == 8
    assert r["collections"] == r["completed_collections"] == collections
    assert r["collections_per_chair"] == dict(sorted(seen["chair"].items())) == {"机采1号位": 3, "机采2号位": 3}
    assert r["collections_per_hour"] == dict(sorted(seen["hour"].items()))
    assert r["deferred"] == 2 and r["deferrals_by_reason"] == dict(seen["reason"])
    assert r["appointment_collections"] == booked_collections == 4
    assert r["appointment_share"] == pytest.approx(booked_collections / collections)
    assert r["called_tickets"] == 8
    ledger = run_cli("report", "ledger", "--date", day.isoformat(), "--json", data_dir=data_dir, user="admin")
    assert ledger.returncode == 0, ledger.stderr
    lines = json.loads(ledger.stdout)["lines"]
    kits = {x["lot"]: x for x in lines if x["item"] == "kit"}
    assert {lot: x["used"] for lot, x in kits.items()} == dict(seen["kit"]) == {"KIT-NOON": 5, "KIT-NEXT": 1}
    assert kits["KIT-NOON"]["expiry"] == f"{day.isoformat()} 12:00" and kits["KIT-NOON"]["balance"] == 15
    assert kits["KIT-NEXT"]["expiry"] == (day + timedelta(days=180)).isoformat() and kits["KIT-NEXT"]["balance"] == 19
    for item in ("ac", "saline"):
        assert sum(x["used"] for x in lines if x["item"] == item) == collections
    assert sum(x["used"] for x in lines) == 3 * collections  # the ledger is the sum of the day's consumptions
