"""Shell behaviour: the event loop keeps running during slow work, keyboard-only registration, readable
errors (never tracebacks), language switching, tablet pressure, lock on idle and card removal."""
from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication
from uihelpers import idle

from station.errors import ValidationError
from ui import ops
from ui.tablet.widgets import SignatureCanvas


def test_event_loop_ticks_while_a_device_read_and_a_signing_run(client: Any, qtbot: Any, monkeypatch: Any) -> None:
    session, window = client
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    done: list[str] = []

    def slow_signing(ctx: Any, actor: Any, donation_id: int, pin: str) -> dict[str, Any]:
        time.sleep(0.8)  # a token and a time-stamp authority answering slowly
        return {"signed": donation_id}

    monkeypatch.setattr("station.services.records.sign_with_tablet_evidence", slow_signing)
    from station.services import records

    ops.run_op(window, lambda: records.sign_with_tablet_evidence(session.ctx, None, 1, "0000"), lambda r: done.append("sign"),
               slow=True)
    ops.run_op(window, lambda: time.sleep(0.8) or "card", lambda r: done.append("device"), slow=True)
    start = time.monotonic()
    qtbot.waitUntil(lambda: len(done) == 2, timeout=5_000)
    timer.stop()
    during = [t for t in ticks if start <= t <= start + 0.7]
    assert len(during) >= 10, f"the event loop stalled: only {len(during)} ticks in 0.7 s"


def test_keyboard_only_registration(client: Any, demo: Any, qtbot: Any) -> None:
    session, window = client
    window.on_signed_in(demo.actors["registrar"], False)
    reg = window.workspace_widgets["registration"]
    idle(qtbot)
    reg.activate()
    qtbot.keyClick(reg.tabs, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # &Manual entry
    qtbot.waitUntil(lambda: reg.tabs.currentWidget() is reg.manual)
    form = reg.manual
    form.id_number.edit.setFocus()
    qtbot.keyClicks(form.id_number.edit, "11010519900307123")  # wrong length: marked where typed
    assert form.id_number.status == "fail" and form.id_number.reason.text()
    from station.identifiers import id_check_digit

    qtbot.keyClicks(form.id_number.edit, id_check_digit("11010519900307123"))
    assert form.id_number.status == "pass"
    qtbot.keyClick(form.id_number.edit, Qt.Key.Key_Tab)
    assert form.name.hasFocus()
    form.name.insert("键盘录入")  # Chinese arrives through the input method as committed text, not key codes
    form.phone.setFocus()
    qtbot.keyClicks(form.phone, "13800001111")
    form.submit.setFocus()
    qtbot.keyClick(form.submit, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: reg.donor_panel.summary is not None and reg.donor_panel.summary["name"] == "键盘录入",
                    timeout=10_000)
    assert reg.donor_panel.summary["sex"] == "male" and reg.donor_panel.summary["birth_date"] == "1990-03-07"
    assert reg.register_button.hasFocus()
    qtbot.keyClick(reg.register_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: reg.current_donation is not None, timeout=10_000)


def test_errors_are_messages_never_tracebacks(client: Any, qtbot: Any, dialogs: Any) -> None:
    session, window = client
    window.login.username.setText("reg01")
    window.login.password.setText("wrong-password-1")
    qtbot.mouseClick(window.login.sign_in, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.login.banner.isVisible(), timeout=10_000)
    assert window.login.banner.text() == "用户名或密码错误"

    def broken() -> None:
        raise KeyError("internal detail")

    ops.run_op(window, lambda: (_ for _ in ()).throw(ValidationError("中文原因", "English reason")))
    ops.run_op(window, broken)
    idle(qtbot)
    texts = [m[2] for m in dialogs.messages]
    assert "中文原因" in texts
    assert any("意外错误" in t for t in texts)
    assert not any("Traceback" in t or "KeyError" in t or "internal detail" in t for t in texts)


def test_language_switch_retranslates_live(client: Any, qtbot: Any) -> None:
    from ui.i18n import ensure_compiled, set_language

    session, window = client
    assert all(p.exists() for p in ensure_compiled())
    assert window.login.sign_in.text() == "登录"
    set_language("en")
    qtbot.waitUntil(lambda: window.login.sign_in.text() == "Sign in")
    assert window.windowTitle() == "Apheresis donation station"
    set_language("zh_CN")
    qtbot.waitUntil(lambda: window.login.sign_in.text() == "登录")


def test_every_zh_message_is_translated() -> None:
    import xml.etree.ElementTree as ET

    from ui.i18n import I18N_DIR

    tree = ET.parse(I18N_DIR / "station_zh_CN.ts")
    unfinished = [m.find("source").text for m in tree.iter("message")
                  if not (m.find("translation").text or "").strip()
                  or m.find("translation").get("type") == "unfinished"]
    assert unfinished == []


def test_tablet_canvas_takes_pressure_from_tablet_events(qtbot: Any) -> None:
    canvas = SignatureCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(600, 260)
    canvas.show()
    device = QPointingDevice.primaryPointingDevice()
    points = [(40 + i * 10, 120 + (i % 4) * 8, 0.1 + i * 0.04) for i in range(20)]
    for i, (x, y, p) in enumerate(points):
        kind = (QTabletEvent.Type.TabletPress if i == 0 else
                QTabletEvent.Type.TabletRelease if i == len(points) - 1 else QTabletEvent.Type.TabletMove)
        pos = QPointF(x, y)
        QApplication.sendEvent(canvas, QTabletEvent(kind, device, pos, canvas.mapToGlobal(pos), p, 0.0, 0.0, 0.0, 0.0,
                                                    0.0, Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton,
                                                    Qt.MouseButton.LeftButton))
    capture = canvas.capture()
    assert len(capture.samples) == 20
    assert capture.samples[0].pressure < capture.samples[-2].pressure  # pressure follows the pen
    assert capture.samples[0].pen_down and not capture.samples[-1].pen_down
    assert capture.to_json().startswith("{")
    canvas.undo()
    assert canvas.is_empty()
    canvas.redo()
    assert not canvas.is_empty()
    canvas.clear()
    assert canvas.is_empty()


def test_idle_timeout_and_card_removal_lock_the_screen(client: Any, demo: Any, qtbot: Any) -> None:
    session, window = client
    window.on_signed_in(demo.actors["nurse"], False)
    window.idle.last_input -= 60 * 60
    window.check_idle()
    assert window.pages.currentWidget() is window.lock_page
    window.unlock()

    class Removed:
        action, uid = "removed", "04A1B2C3"

    window.on_device_event("staff-card", Removed())
    assert window.pages.currentWidget() is window.lock_page
    window.lock_page.password.setText("Station-Demo-2026")
    qtbot.mouseClick(window.lock_page.unlock, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.work, timeout=10_000)
    # unlocking signed in again: the client goes on in that new session (the service layer checks it)
    assert session.actor is not None and session.actor.session is not None
    assert session.actor.username == "nur01"


def test_archivist_runs_the_archive_and_searches(client: Any, demo: Any, qtbot: Any, dialogs: Any) -> None:
    session, window = client
    window.on_signed_in(demo.actors["archivist"], False)
    arc = window.workspace_widgets["archivist"]
    qtbot.mouseClick(arc.run_panel.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: arc.run_panel.run.isEnabled(), timeout=60_000)
    assert not any("Traceback" in m[2] for m in dialogs.messages)
    arc.browser.query.setText("王")
    qtbot.keyClick(arc.browser.query, Qt.Key.Key_Return)
    idle(qtbot, 20_000)
    assert not any("Traceback" in m[2] for m in dialogs.messages)
