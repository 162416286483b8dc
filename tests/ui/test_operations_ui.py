"""Around the chairs in the client: pulling bookings from the platform at the desk, exporting the day's ledger
from the quality dashboard (the same files as the command line), receiving a lot with a time of expiry."""
from __future__ import annotations

import dataclasses
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

from station.config import BookingsConfig
from station.platforms.booking_sim import BookingSimulator
from station.services.operations import consumables as cs
from station.services.users import user_actor
from tests.station.conftest import run_cli
from ui.demo_data import new_person
from ui.ops import pending_count


def _shot(widget: Any, demo: Any, name: str) -> None:
    widget.resize(1280, 800)
    widget.grab().save(str(demo.data_dir / name))


def test_ledger_export_buttons_write_what_the_cli_writes(client: Any, demo: Any, qtbot: Any, dialogs: Any,
                                                         tmp_path: Path) -> None:
    _session, window = client
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    admin = user_actor(demo.ctx, "admin")
    day = demo.ctx.today()
    lines = cs.daily_ledger(demo.ctx, admin, day)
    assert lines and sum(x.used for x in lines) > 0  # the demo's collections used kits today
    window.on_signed_in(admin, False)
    quality = window.show_workspace("quality")
    qtbot.waitUntil(lambda: quality.figures.daily is not None, timeout=15_000)
    answers = iter([str(tmp_path / "ui-ledger"), str(tmp_path / "ui-ledger.pdf")])  # the suffix is added if missing
    asked: list[tuple[str, str]] = []

    def save_file(parent: Any, title: str, suggested: str, filters: str) -> str | None:
        asked.append((suggested, filters))
        return next(answers)

    dialogs.save_file = save_file
    for button in (quality.figures.export_csv, quality.figures.export_pdf):
        with qtbot.waitSignal(quality.controller.sig_exported, timeout=15_000):
            button.click()
    assert [a[0] for a in asked] == [f"ledger-{day}.csv", f"ledger-{day}.pdf"]
    # the demo administrator's first sign-in on the command line: the forced password change first
    from tests.station.conftest import password_file
    from tests.station.flow import PASSWORD
    from ui.demo_data import ADMIN_PASSWORD

    new = password_file(PASSWORD)
    changed = run_cli("passwd", "--new-password-file", str(new), data_dir=demo.data_dir, password=ADMIN_PASSWORD)
    assert changed.returncode == 0, changed.stderr
    shutil.rmtree(new.parent)
    out = run_cli("report", "ledger", "--date", day.isoformat(), "--csv", str(tmp_path / "cli.csv"),
                  "--pdf", str(tmp_path / "cli.pdf"), data_dir=demo.data_dir, user="admin")
    assert out.returncode == 0, out.stderr
    ui_csv = (tmp_path / "ui-ledger.csv").read_text(encoding="utf-8")
    assert ui_csv == (tmp_path / "cli.csv").read_text(encoding="utf-8")
    assert ui_csv == cs.ledger_csv(lines) and ui_csv.count("\n") == len(lines) + 1
    assert (tmp_path / "ui-ledger.pdf").read_bytes() == (tmp_path / "cli.pdf").read_bytes()
    assert (tmp_path / "ui-ledger.pdf").read_bytes().startswith(b"%PDF")
    # a cancelled dialog writes nothing
    dialogs.save_file = lambda *a: None
    quality.figures.export_csv.click()
    qtbot.waitUntil(lambda: pending_count() == 0, timeout=5_000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli.csv", "cli.pdf", "ui-ledger.csv", "ui-ledger.pdf"]
    _shot(quality, demo, "quality-ledger-export.png")


def test_pull_button_at_the_desk(client: Any, demo: Any, qtbot: Any, dialogs: Any) -> None:
    from ui.registration.bookings import BookingsPanel

    session, window = client
    window.on_signed_in(demo.actors["registrar"], False)
    reg = window.show_workspace("registration")
    assert reg.bookings.pull_button.isHidden()  # no booking platform configured
    today = demo.ctx.today()
    notes: list[tuple[str, str]] = []
    session.notify = lambda level, text: notes.append((level, text))
    with BookingSimulator() as sim:
        for i in range(3):
            p = new_person(9500 + i, today)
            sim.add_booking(f"PB{i:03d}", today.isoformat(), f"{9 + i:02d}:00", f"{9 + i:02d}:30", p["name"],
                            p["id_number"])
        sim.broken_rows[today.isoformat()] = [{"booking_ref": "PBBAD", "date": today.isoformat(),
                                               "slot_start": "25:00", "slot_end": "09:30", "name": "坏行",
                                               "id_number": "123"}]
        session.ctx.config = dataclasses.replace(session.ctx.config, bookings=BookingsConfig(url=sim.url,
                                                                                             timeout_seconds=2.0))
        panel = BookingsPanel(session)
        qtbot.addWidget(panel)
        panel.show()
        assert not panel.pull_button.isHidden()
        panel.pull_button.click()
        qtbot.waitUntil(lambda: len(panel.rows) == 3 and pending_count() == 0, timeout=15_000)
        assert [r["booking_ref"] for r in panel.rows] == ["PB000", "PB001", "PB002"]
        assert notes[-1][0] == "warning" and "PBBAD" not in notes[-1][1] and "#4" in notes[-1][1]
        _shot(panel, demo, "bookings-pull.png")
        sim.mode = "error"
        panel.pull_button.click()
        qtbot.waitUntil(lambda: any("预约平台返回错误" in m[2] and "HTTP 500" in m[2] for m in dialogs.messages),
                        timeout=15_000)
        qtbot.waitUntil(panel.pull_button.isEnabled, timeout=5_000)
        sim.mode = "ok"
        panel.pull_button.click()  # again: nothing new, nothing doubled
        qtbot.waitUntil(lambda: pending_count() == 0 and "3" in notes[-1][1], timeout=15_000)
        panel.refresh()
        qtbot.waitUntil(lambda: pending_count() == 0, timeout=5_000)
        assert len(panel.rows) == 3


def test_receiving_a_lot_with_a_time_of_expiry(qtbot: Any, demo: Any) -> None:
    from PySide6.QtCore import QDate, QTime

    from ui.admin.widgets import LotsPanel

    panel = LotsPanel()
    qtbot.addWidget(panel)
    panel.expiry.setDate(QDate(2026, 12, 1))
    assert panel.expiry_value() == date(2026, 12, 1) and not panel.expiry_time.isEnabled()
    panel.expiry_has_time.setChecked(True)
    panel.expiry_time.setTime(QTime(12, 0))
    with qtbot.waitSignal(panel.sig_receive) as got:
        panel.lot.setText("KIT-NOON")
        panel.receive.click()
    assert got.args[3] == datetime(2026, 12, 1, 12, 0)
    panel.show_rows([{"item": "kit", "catalogue_no": "80300", "lot": "KIT-NOON", "expiry": "2026-12-01 12:00",
                      "on_hand": 10, "expired": False},
                     {"item": "ac", "catalogue_no": "ACD-A-500", "lot": "AC-OLD", "expiry": "2026-11-30",
                      "on_hand": 4, "expired": True}])
    panel.show()
    _shot(panel, demo, "lots-expiry-time.png")
