"""Bookings with broken rows, tickets for booked and walk-in donors, calling across two desks, the day's figures."""
from __future__ import annotations

import json
from datetime import date, timedelta

from station.models import Appointment
from station.security import SYSTEM
from station.services import donations as dn
from station.services.operations import appointments as ap
from station.services.operations.daily import daily_report
from tests.station import flow
from tests.station.conftest import run_cli


def _booking(ref: str, number: str, day: date, start: str = "09:00", end: str = "09:30", **kw) -> dict:
    return {"booking_ref": ref, "date": day.isoformat(), "slot_start": start, "slot_end": end, "name": "预约者",
            "id_number": number, **kw}


def test_broken_rows_are_listed_and_good_rows_kept(ctx, staff) -> None:
    today = ctx.today()
    good = flow.id_number(date(1990, 3, 7), "male")
    rows = [_booking("B1", good, today),
            _booking("B2", good[:-1] + ("0" if good[-1] != "0" else "1"), today),  # wrong check digit
            _booking("B3", flow.id_number(date(1991, 1, 1), "female"), today, start="10:30", end="10:00"),
            {"booking_ref": "B4"},
            "not a row",
            _booking("B1", good, today),  # repeated in the file
            _booking("B5", flow.id_number(date(1992, 1, 1), "male"), today, donation_type="whole_blood")]
    out = ap.import_bookings(ctx, staff.registrar, json.dumps(rows), "json")
    assert out.imported == 1
    assert [b["row"] for b in out.broken] == [2, 3, 4, 5, 6, 7]
    assert any("slot ends before" in r for r in out.broken[1]["reasons"])
    assert len(out.broken[2]["reasons"]) >= 4  # every defect of the row, not just the first
    assert "repeated" in out.broken[4]["reasons"][0]
    again = ap.import_bookings(ctx, staff.registrar, json.dumps(rows[:1]), "json")
    assert again.imported == 0 and again.duplicates == ["B1"]
    view = ap.day_view(ctx, staff.registrar, today)
    assert [(v["booking_ref"], v["status"]) for v in view] == [("B1", "booked")]


def test_csv_import_and_cli(ctx, staff, tmp_path) -> None:
    today = ctx.today()
    path = tmp_path / "bookings.csv"
    path.write_text("\ufeffbooking_ref,date,slot_start,slot_end,name,id_type,id_number,donation_type\n"
                    f"C1,{today},08:30,09:00,张三,resident,{flow.id_number(date(1988, 2, 2), 'male')},apheresis_platelets\n"
                    f"C2,{today},8:30,09:00,李四,resident,{flow.id_number(date(1988, 2, 3), 'male')},\n"
                    f"C3,{today},09:00,09:30,王五,,{flow.id_number(date(1988, 2, 4), 'female')},\n", encoding="utf-8")
    data_dir = ctx.config.data_dir
    out = run_cli("appointments", "import", str(path), "--json", data_dir=data_dir, user="reg01")
    assert out.returncode == 1, out.stderr  # some rows were broken
    doc = json.loads(out.stdout)
    assert doc["imported"] == 2 and [b["booking_ref"] for b in doc["broken"]] == ["C2"]
    listed = run_cli("appointments", "list", "--date", today.isoformat(), "--json", data_dir=data_dir, user="reg01")
    assert [r["booking_ref"] for r in json.loads(listed.stdout)] == ["C1", "C3"]


def test_tickets_calls_across_two_desks_and_the_days_figures(ctx, staff, clock) -> None:
    today = ctx.today()
    donors = [flow.new_donor(ctx, staff.registrar) for _ in range(4)]
    bookings = [_booking(f"D{i}", number, today) for i, (_, number) in enumerate(donors[:3])]
    assert ap.import_bookings(ctx, staff.registrar, json.dumps(bookings), "json").imported == 3
    tickets = []
    for donor_id, _ in donors[1:]:  # donor 0 booked but never comes; donor 3 walks in
        did = dn.register_donation(ctx, staff.registrar, donor_id)["donation_id"]
        tickets.append((ap.issue_ticket(ctx, staff.registrar, donor_id, donation_id=did), did))
        clock.advance(minutes=2)
    assert [t["label"] for t, _ in tickets] == ["A001", "A002", "W003"]
    clock.advance(minutes=10)
    first = ap.call_next(ctx, staff.physician, "体检1")
    second = ap.call_next(ctx, staff.physician, "体检2")
    assert (first["label"], first["to"], second["label"], second["to"]) == ("A001", "体检1", "A002", "体检2")
    assert first["waited_minutes"] == 16.0 and second["waited_minutes"] == 14.0
    clock.advance(minutes=5)
    third = ap.call_next(ctx, staff.nurse, "采血位3")
    assert third["label"] == "W003" and third["waited_minutes"] == 17.0
    assert ap.call_next(ctx, staff.nurse, "采血位3") is None
    assert ap.mark_no_shows(ctx, staff.registrar, today) == 1
    view = {v["booking_ref"]: v["status"] for v in ap.day_view(ctx, staff.registrar, today)}
    assert view == {"D0": "no_show", "D1": "arrived", "D2": "arrived"}
    # collect all three: two came by appointment
    for _, did in tickets:
        dn.sign_questionnaire(ctx, staff.registrar, did, flow.healthy_answers(ctx, "male"))
        dn.record_examination(ctx, staff.physician, did, flow.GOOD_EXAM)
        dn.record_pretest(ctx, staff.physician, did, flow.GOOD_PRETEST)
        dn.assess(ctx, staff.physician, did)
        dn.print_label(ctx, staff.nurse, did)
        dn.precollection_check(ctx, staff.nurse, did, flow.precheck_input(flow.din_of(ctx, did)))
        dn.start_collection(ctx, staff.nurse, did)
    r = daily_report(ctx, SYSTEM, today)
    assert r["collections"] == 3 and r["appointment_collections"] == 2
    assert abs(r["appointment_share"] - 2 / 3) < 1e-9
    assert r["average_wait_minutes"] == round((16 + 14 + 17) / 3, 1) and r["called_tickets"] == 3
    assert daily_report(ctx, SYSTEM, today + timedelta(days=1))["average_wait_minutes"] is None
    with ctx.transaction() as s:
        assert s.query(Appointment).filter(Appointment.donation_id.is_not(None)).count() == 2


def test_call_next_skips_a_ticket_whose_donation_is_over(ctx, staff) -> None:
    """D8: a ticket whose donation is already sealed (or deferred, archived...) is never called; the call names
    the ticket actually called."""
    from station.models import QueueTicket
    from station.workflow import State

    done = flow.new_donation(ctx, staff)
    ap.issue_ticket(ctx, staff.registrar, flow.donor_of(ctx, done), donation_id=done)
    deferred = flow.new_donation(ctx, staff)
    ap.issue_ticket(ctx, staff.registrar, flow.donor_of(ctx, deferred), donation_id=deferred)
    waiting = flow.new_donation(ctx, staff)
    ticket = ap.issue_ticket(ctx, staff.registrar, flow.donor_of(ctx, waiting), donation_id=waiting)
    flow.drive(ctx, staff, done, State.SEALED)
    flow.drive(ctx, staff, deferred, State.DEFERRED)
    called = ap.call_next(ctx, staff.nurse, "采血位1")
    assert (called["label"], called["donation_id"]) == (ticket["label"], waiting)
    assert ap.call_next(ctx, staff.nurse, "采血位1") is None
    with ctx.transaction() as s:
        status = {t.donation_id: t.status for t in s.query(QueueTicket)}
    assert status == {done: "skipped", deferred: "skipped", waiting: "called"}
    assert ap.board(ctx)["calls"][0]["label"] == ticket["label"]
