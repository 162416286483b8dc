"""Render every workspace with realistic demo data to PNG files (offscreen platform) for review."""
from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QPointF
from PySide6.QtWidgets import QApplication, QWidget

from ui import ops


def wait_idle(timeout: float = 10.0, condition: Callable[[], bool] | None = None) -> bool:
    """Process events until every background operation has called back (and `condition` holds)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        if ops.pending_count() == 0 and (condition is None or condition()):
            QCoreApplication.processEvents()
            return True
        time.sleep(0.01)
    return False


def draw_signature(canvas: Any) -> None:
    """A plausible handwritten stroke set for the screenshots (mouse path, as a finger would)."""
    import math

    w, h = canvas.width(), canvas.height()
    for stroke in range(3):
        x0 = w * (0.15 + 0.25 * stroke)
        pts = [QPointF(x0 + i * w * 0.008, h * 0.5 + math.sin(i / 3 + stroke) * h * 0.18) for i in range(28)]
        canvas._begin(pts[0], 0.4)
        for i, p in enumerate(pts[1:-1]):
            canvas._move(p, 0.3 + 0.5 * abs(math.sin(i / 5)))
        canvas._end(pts[-1], 0.2)


SIZES = ((1366, 768), (1920, 1080))  # the smallest station screen in use, and full HD


def render_all(out_dir: Path, languages: tuple[str, ...] = ("zh_CN", "en"),
               sizes: tuple[tuple[int, int], ...] = SIZES) -> list[Path]:
    """Every workspace in each language at each window size: DIR/<W>x<H>/<lang>-<name>.png."""
    from ui.app import build_client, ensure_application
    from ui.demo_data import build_demo_station
    from ui.i18n import set_language

    app = ensure_application()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="station-shots-") as tmp:
        demo = build_demo_station(Path(tmp) / "data")
        try:
            for lang in languages:
                set_language(lang)
                written += render_setup_wizard(out_dir, lang, Path(tmp) / f"setup-{lang}")
                for size in sizes:
                    folder = out_dir / f"{size[0]}x{size[1]}"
                    folder.mkdir(parents=True, exist_ok=True)
                    written += _render_language(app, demo, folder, lang, build_client, size)
        finally:
            demo.close()
    return written


def _render_language(app: QApplication, demo: Any, out_dir: Path, lang: str, build_client: Any,
                     size: tuple[int, int] = (1400, 880)) -> list[Path]:
    from devices.base import ConnectionState, DeviceStatus, utcnow
    from devices.separator.model import Alarm, ProcedureStatus

    session, window = build_client(demo.ctx, devices=False, tablet=True)
    # the status bar shows the configured devices as the simulators would report them
    for name, dev in demo.ctx.config.devices.items():
        state = ConnectionState.ERROR if name == "printer" else ConnectionState.CONNECTED
        session.devices.kinds[name] = dev.kind
        session.devices.sig_status.emit(name, DeviceStatus(state, "纸张用完" if state == ConnectionState.ERROR else "已连接",
                                                           "paper out" if state == ConnectionState.ERROR else "connected",
                                                           utcnow(), name, dev.kind))
    window.resize(*size)
    window.show()
    tablet = session.tablet.window
    tablet.resize(1280, 800)
    tablet.show()
    written: list[Path] = []

    def shot(widget: QWidget, name: str) -> None:
        wait_idle()
        path = out_dir / f"{lang}-{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    shot(window, "01-login")
    tablet.set_language(lang)
    tablet.show_idle()
    shot(tablet, "tablet-0-welcome")
    # registration desk: a returning donor with history, then a registered donation on the tablet
    window.on_signed_in(demo.actors["registrar"], False)
    wait_idle()
    reg = window.workspace_widgets["registration"]
    from station.services.donations import donation_detail
    from station.services.donors import donor_summary

    detail = donation_detail(demo.ctx, demo.actors["registrar"], demo.waiting["pretested"])
    reg.controller.open_donor(detail["donor"]["donor_id"])
    reg.search.query.setText(detail["donor"]["name"][:1])
    reg.controller.search(detail["donor"]["name"][:1])
    wait_idle()
    shot(window, "02-registration-donor")
    # a permanently deferred donor: the hard-stop banner
    from sqlalchemy import select

    from station.models import Deferral

    with demo.ctx.transaction() as s:
        permanent = s.execute(select(Deferral.donor_id).where(Deferral.kind == "permanent")).scalars().first()
    if permanent:
        reg.controller.open_donor(permanent)
        wait_idle()
        shot(window, "03-registration-deferred")
    # the tablet pages for the donation waiting for the questionnaire
    did = demo.waiting["questionnaire_signed"]
    d = donation_detail(demo.ctx, demo.actors["registrar"], did)
    s_ = donor_summary(demo.ctx, demo.actors["registrar"], d["donor"]["donor_id"])
    from station.services.donations import questionnaire_for

    reg.ticket.show_ticket({"queue_number": d["queue_number"], "din": d["din"], "check_character": d["check_character"]},
                           "tablet")
    reg.donor_panel.show_summary(s_)
    shot(window, "04-registration-ticket")
    session.tablet.present(did, {k: s_.get(k) for k in ("name", "sex", "birth_date", "id_number_masked", "abo", "rhd")},
                           questionnaire_for(demo.ctx, did))
    tablet.set_language(lang)  # the donor's choice on the tablet: the same language as the pictures' staff
    shot(tablet, "tablet-1-details")
    tablet.show_questionnaire(questionnaire_for(demo.ctx, did))
    for qid, group in tablet.groups.items():
        group.buttons()[0 if qid in ("Q01", "Q13") else 1].setChecked(True)
    shot(tablet, "tablet-2-questionnaire")
    tablet.show_signature()
    QCoreApplication.processEvents()
    draw_signature(tablet.canvas)
    tablet.sig_done.setEnabled(True)
    shot(tablet, "tablet-3-signature")
    tablet.show_fingerprint("wait")
    shot(tablet, "tablet-4-fingerprint")
    window.sign_out()
    # physician
    window.on_signed_in(demo.actors["physician"], False)
    wait_idle()
    phys = window.show_workspace("physician")
    wait_idle()
    phys.controller.open(demo.waiting["questionnaire_signed"])
    wait_idle()
    for key, value in (("weight_kg", "49"), ("height_cm", "168"), ("systolic", "165"), ("diastolic", "80"),
                       ("pulse", "72"), ("temperature_c", "36.5")):
        phys.vitals.fields[key].setText(value)
    shot(window, "05-physician-examination")
    phys.controller.open(demo.waiting["pretested"])
    wait_idle()
    shot(window, "06-physician-assessment")
    window.sign_out()
    # nurse at the chair: live separator and a sealing mismatch
    window.on_signed_in(demo.actors["nurse"], False)
    wait_idle()
    chair = window.show_workspace("collection")
    wait_idle()
    chair.controller.open(demo.waiting["collecting"])
    wait_idle()
    chair.separator.show_status(ProcedureStatus("collecting", 2460, 1830, 1.92, 166))
    chair.separator.add_alarm(Alarm("PRESSURE-LOW", "warning", "采血压力低", "low draw pressure", utcnow()))
    chair.tabs.setCurrentWidget(chair.separator)
    shot(window, "07-collection-separator")
    chair.tabs.setCurrentWidget(chair.sealing)
    chair.sealing.setEnabled(True)
    for scan in (f"={d['din']}00", "=W0000269999900"):
        chair.sealing.scans.addItem(scan)
    chair._hard_stop("sealing", QCoreApplication.translate(
        "screenshots", "SEALING MISMATCH: scanned =W0000269999900 does not belong to this donation; stop and investigate")
        if lang == "en" else "热合核对不符！扫描的条码 =W0000269999900 不属于本次献血，请立即停止并核查")
    chair.alarm_timer.stop()
    shot(window, "08-collection-sealing-mismatch")
    window.sign_out()
    # archivist: the real one-click archive of the demo's signed donations, then a record opened from the store
    window.on_signed_in(demo.actors["archivist"], False)
    wait_idle()
    arc = window.show_workspace("archivist")
    wait_idle()
    if not arc.controller.running and not arc.run_panel.rows:
        arc.run_panel.run.click()
    wait_idle(120, lambda: not arc.controller.running)
    arc.browser.query.setText("")
    arc.browser.go.click()
    wait_idle(30, lambda: bool(arc.browser.rows))
    if arc.browser.rows:
        arc.controller.open_record(str(arc.browser.rows[0]["archive_number"]))
        wait_idle(60, lambda: bool(arc.browser.report.toPlainText()))
    shot(window, "09-archivist")
    window.sign_out()
    # admin (also sees quality)
    from station.services.users import user_actor

    admin = user_actor(demo.ctx, "admin")
    window.on_signed_in(admin, False)
    wait_idle()
    adm = window.show_workspace("admin")
    wait_idle()
    adm.tabs.setCurrentIndex(1)
    shot(window, "10-admin-equipment")
    adm.tabs.setCurrentIndex(5)
    adm.devices.add_event("analyzer: connected (/tmp/sim/analyzer-station)")
    adm.devices.add_event("analyzer: {'event': 'analyzer_result', 'sample_id': 'W000026000001', 'values': {...}}")
    shot(window, "11-admin-devices")
    window.show_workspace("quality")
    wait_idle()
    shot(window, "12-quality")
    window.sign_out()
    # the registration desk's bookings of the day
    import json
    import tempfile

    from ui.demo_data import new_person

    window.on_signed_in(demo.actors["registrar"], False)
    wait_idle()
    desk = window.show_workspace("registration")
    wait_idle()
    with tempfile.TemporaryDirectory() as tmp:
        slots = [("08:00", "08:30"), ("08:30", "09:00"), ("09:00", "09:30"), ("09:30", "10:00")]
        booking_file = Path(tmp) / "bookings.json"
        booking_file.write_text(json.dumps([
            {"booking_ref": f"YY2026{i:04d}", "date": demo.ctx.today().isoformat(), "slot_start": a, "slot_end": b,
             "name": p["name"], "id_type": "resident", "id_number": p["id_number"]}
            for i, ((a, b), p) in enumerate(zip(slots, [new_person(7700 + i, demo.ctx.today()) for i in range(4)],
                                                strict=True))], ensure_ascii=False), encoding="utf-8")
        desk.tabs.setCurrentWidget(desk.bookings)
        desk.bookings.import_file(booking_file)
        wait_idle(10, lambda: len(desk.bookings.rows) >= 4)
    shot(window, "14-registration-bookings")
    window.sign_out()
    # the waiting-room display after two calls (tickets of donors who registered today)
    from station.services import donors as dr
    from station.services.operations.appointments import board, call_next, issue_ticket
    from ui.demo_data import new_person
    from ui.queue.display import WaitingRoomDisplay

    reg = demo.actors["registrar"]
    if not board(demo.ctx)["calls"]:
        for i in range(4):
            p = new_person(8800 + i, demo.ctx.today())
            donor = dr.register_donor(demo.ctx, reg, dr.DonorInput(
                id_number=p["id_number"], name=p["name"], sex=p["sex"], birth_date=p["birth_date"], phone=p["phone"]))
            issue_ticket(demo.ctx, reg, donor["donor_id"])
        for place in ("体检室2", "机采1号位"):
            call_next(demo.ctx, reg, place)
    display = WaitingRoomDisplay(demo.ctx)
    display.resize(1280, 720)
    display.show()
    display.refresh()
    wait_idle(10, lambda: bool(display.board.get("calls")))
    shot(display, "13-waiting-room")
    display.close()
    display.deleteLater()
    tablet.close()
    window.close()
    session.devices.stop_all()
    window.deleteLater()
    tablet.deleteLater()
    wait_idle()
    return written


def render_setup_wizard(out_dir: Path, lang: str, data_dir: Path) -> list[Path]:
    """The first-run wizard's pages with example answers, its checks really run (a device on a port that is
    not there, to show a refusal), and the set-up really done in `data_dir`."""
    from PySide6.QtWidgets import QWizard

    from ui.firstrun.wizard import SetupWizard

    wizard = SetupWizard(data_dir)
    wizard.show()
    written: list[Path] = []

    def shot(name: str, page: Any = None) -> None:
        wait_idle(60, lambda: page is None or not page.running)
        path = out_dir / f"{lang}-00-setup-{name}.png"
        wizard.grab().save(str(path))
        written.append(path)

    site = wizard.site_page
    site.site_name.setText("杭州市血液中心")
    site.site_name_en.setText("Hangzhou Blood Centre")
    site.facility_code.setText("W1234")
    site.station_name.setText("机采3号位" if lang == "zh_CN" else "Chair 3")
    shot("1-site")
    wizard.next()
    db = wizard.database_page
    db.server.setChecked(True)
    db.url.setText("postgresql+psycopg://station@127.0.0.1:1/station")
    db.run_test()
    shot("2-database", db)
    db.embedded.setChecked(True)
    wizard.next()
    store = wizard.store_page
    store.url.setText((data_dir.parent / f"records-store-{lang}").as_uri())
    store.run_test()
    shot("3-records-store", store)
    wizard.next()
    shot("4-ca")
    wizard.next()
    wait_idle()
    row = wizard.devices_page.rows["idcard"]
    row.driver.setCurrentIndex(row.driver.findData("sam"))
    row.port.setEditText("/dev/ttyUSB7")
    row.run_test()
    wait_idle(30, lambda: not row.running)
    shot("5-devices")
    row.driver.setCurrentIndex(row.driver.findData("simulator"))
    wizard.next()
    finish = wizard.finish_page
    finish.run_test()
    shot("6-finish", finish)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    wizard.deleteLater()
    wait_idle()
    return written
