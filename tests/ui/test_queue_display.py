"""The call queue through the windows: tickets issued at registration, called at two desks, the waiting-room
display showing the calls within its polling interval."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from station.services import donors as dr
from station.services.operations.appointments import issue_ticket
from ui.demo_data import new_person


def _waiting_donor(demo: Any, seed: int) -> int:
    ctx, reg = demo.ctx, demo.actors["registrar"]
    p = new_person(seed, ctx.today())
    donor = dr.register_donor(ctx, reg, dr.DonorInput(id_number=p["id_number"], name=p["name"], sex=p["sex"],
                                                      birth_date=p["birth_date"], phone=p["phone"]))
    return issue_ticket(ctx, reg, donor["donor_id"])["label"]


def test_calls_at_two_desks_reach_the_display(client: Any, demo: Any, qtbot: Any) -> None:
    from ui.queue.call_panel import CallPanel
    from ui.queue.display import WaitingRoomDisplay

    session, window = client
    labels = [_waiting_donor(demo, 9100 + i) for i in range(3)]
    window.on_signed_in(demo.actors["registrar"], False)
    display = WaitingRoomDisplay(demo.ctx, interval_ms=100)
    qtbot.addWidget(display)
    display.resize(1280, 720)
    display.show()
    display.start()
    qtbot.waitUntil(lambda: display.board.get("waiting") == 3, timeout=10_000)
    assert "3" in display.waiting.text()

    desk_a = CallPanel(session, "登记台1")
    desk_b = CallPanel(session, "采血位3")
    qtbot.addWidget(desk_a)
    qtbot.addWidget(desk_b)
    qtbot.mouseClick(desk_a.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: labels[0] in desk_a.result.text(), timeout=10_000)
    qtbot.mouseClick(desk_b.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: labels[1] in desk_b.result.text(), timeout=10_000)
    # the latest call is the large one, the earlier one stays listed; one donor still waits
    qtbot.waitUntil(lambda: labels[1] in display.current.text() and "采血位3" in display.current.text(),
                    timeout=10_000)
    assert f"{labels[0]} → 登记台1" in display.recent.text()
    qtbot.waitUntil(lambda: display.board.get("waiting") == 1, timeout=10_000)
    # nobody left after the third call: the desk says so, nothing breaks
    qtbot.mouseClick(desk_a.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: labels[2] in desk_a.result.text(), timeout=10_000)
    qtbot.mouseClick(desk_a.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk_a.result.text() in ("无人等候。", "Nobody is waiting."), timeout=10_000)
    display.timer.stop()
    display.grab().save(str(demo.data_dir / "display.png"))


def test_quality_dashboard_shows_todays_figures(client: Any, demo: Any, qtbot: Any) -> None:
    from station.services.operations.daily import daily_report
    from station.services.users import user_actor

    _session, window = client
    admin = user_actor(demo.ctx, "admin")
    window.on_signed_in(admin, False)
    quality = window.show_workspace("quality")
    qtbot.waitUntil(lambda: quality.figures.daily is not None, timeout=15_000)
    expected = daily_report(demo.ctx, admin, demo.ctx.today())
    assert quality.figures.daily == expected
    text = quality.figures.today.text()
    assert f"{expected['completed_collections']} / {expected['collections']}" in text
    assert f"{expected['platelet_doses']:g}" in text


def test_todays_bookings_at_the_desk(client: Any, demo: Any, qtbot: Any, tmp_path) -> None:
    import json

    from station.services import donations as dn

    _session, window = client
    window.on_signed_in(demo.actors["registrar"], False)
    reg = window.show_workspace("registration")
    today = demo.ctx.today().isoformat()
    people = [new_person(9300 + i, demo.ctx.today()) for i in range(2)]
    bookings = [{"booking_ref": f"YY{i:04d}", "date": today, "slot_start": "08:00", "slot_end": "08:30",
                 "name": p["name"], "id_type": "resident", "id_number": p["id_number"]}
                for i, p in enumerate(people)]
    bookings.append({"booking_ref": "YYBAD", "date": today, "slot_start": "09:00", "slot_end": "08:30",
                     "name": "坏行", "id_type": "resident", "id_number": "123"})
    path = tmp_path / "bookings.json"
    path.write_text(json.dumps(bookings, ensure_ascii=False), encoding="utf-8")
    reg.tabs.setCurrentWidget(reg.bookings)
    reg.bookings.import_file(path)
    qtbot.waitUntil(lambda: len(reg.bookings.rows) == 2, timeout=10_000)
    assert [r["status"] for r in reg.bookings.rows] == ["booked", "booked"]
    # the first booked donor arrives and registers: the booking turns "arrived", the ticket is an A-ticket
    p = people[0]
    donor = dr.register_donor(demo.ctx, demo.actors["registrar"], dr.DonorInput(
        id_number=p["id_number"], name=p["name"], sex=p["sex"], birth_date=p["birth_date"], phone=p["phone"]))
    donation = dn.register_donation(demo.ctx, demo.actors["registrar"], donor["donor_id"])
    ticket = issue_ticket(demo.ctx, demo.actors["registrar"], donor["donor_id"], donation_id=donation["donation_id"])
    assert ticket["label"].startswith("A")
    reg.bookings.refresh()
    qtbot.waitUntil(lambda: sorted(r["status"] for r in reg.bookings.rows) == ["arrived", "booked"], timeout=10_000)
    assert "1" in reg.bookings.summary.text()
