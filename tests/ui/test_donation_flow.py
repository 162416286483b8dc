"""A whole donation driven through the windows: ID card (simulator) -> tablet -> physician (analyzer
simulator) -> chair -> sealed (and signed records when the records service is installed)."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication
from uihelpers import idle

from station.demo import DEMO_PIN
from station.services.donor_evidence import load_donor_evidence

pytestmark = pytest.mark.skipif(shutil.which("socat") is None, reason="socat is needed for the simulators")

CARD = {"name": "周晓明", "sex": "男", "nation": "01", "birth_date": "1988-05-12",
        "address": "浙江省杭州市西湖区文三路100号", "id_number": "330106198805121235",
        "authority": "杭州市公安局西湖分局", "valid_from": "2019-01-01", "valid_to": "2039-01-01"}


def _fix_check_digit(number: str) -> str:
    from station.identifiers import id_check_digit

    return number[:17] + id_check_digit(number[:17])


def tablet_stroke(canvas: Any, points: list[tuple[float, float, float]]) -> None:
    """Synthetic pen events with pressure, as a Wacom-style tablet sends them."""
    device = QPointingDevice.primaryPointingDevice()
    kinds = [QTabletEvent.Type.TabletPress] + [QTabletEvent.Type.TabletMove] * (len(points) - 2) + \
            [QTabletEvent.Type.TabletRelease]
    for kind, (x, y, p) in zip(kinds, points):
        pos = QPointF(x, y)
        event = QTabletEvent(kind, device, pos, canvas.mapToGlobal(pos), p, 0.0, 0.0, 0.0, 0.0, 0.0,
                             Qt.KeyboardModifier.NoModifier,
                             Qt.MouseButton.LeftButton if kind != QTabletEvent.Type.TabletRelease else Qt.MouseButton.NoButton,
                             Qt.MouseButton.LeftButton if kind != QTabletEvent.Type.TabletRelease else Qt.MouseButton.NoButton)
        QApplication.sendEvent(canvas, event)


@pytest.fixture
def sims(tmp_path: Path) -> Any:
    from devices.sim_supervisor import SimSupervisor

    sup = SimSupervisor(tmp_path / "sims")
    sup.start(("idcard", "analyzer"))
    yield sup
    sup.stop()


def test_whole_donation_through_the_windows(client: Any, demo: Any, sims: Any, qtbot: Any, dialogs: Any) -> None:
    session, window = client
    hub = session.devices
    hub.add("idcard", "idcard", "sam", sims.ports["idcard"], {"poll_interval": 0.05})
    hub.add("analyzer", "analyzer", "astm", sims.ports["analyzer"])
    qtbot.waitUntil(lambda: all(w.status.state.value == "connected" for w in hub.workers.values()), timeout=15_000)

    # registration desk: the card is placed, the donor appears
    window.on_signed_in(demo.actors["registrar"], False)
    reg = window.workspace_widgets["registration"]
    card = dict(CARD, id_number=_fix_check_digit(CARD["id_number"]))
    sims.control("idcard", {"cmd": "place", "card": card})
    qtbot.waitUntil(lambda: reg.donor_panel.summary is not None and reg.donor_panel.summary["name"] == "周晓明",
                    timeout=15_000)
    assert "周晓明" in reg.donor_panel.details.text()
    assert reg.donor_panel.summary["created"] is True
    qtbot.mouseClick(reg.register_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reg.current_donation is not None, timeout=10_000)
    din = reg.current_donation["din"]
    assert str(reg.current_donation["queue_number"]) in reg.ticket.label.text()

    # the donor's tablet: details, questionnaire (scrolled to the end), signature with pressure
    tablet = session.tablet.window
    tablet.resize(1000, 700)
    tablet.show()
    assert tablet.pages.currentWidget() is tablet.details_page
    assert "周晓明" in tablet.details.text() and "王登记" not in tablet.details.text()  # nothing about staff
    qtbot.mouseClick(tablet.details_yes, Qt.MouseButton.LeftButton)
    assert tablet.pages.currentWidget() is tablet.q_page
    for qid, group in tablet.groups.items():
        group.buttons()[0 if qid in ("Q01", "Q13") else 1].setChecked(True)
    assert not tablet.q_next.isEnabled(), "signing must wait until the text was scrolled to its end"
    bar = tablet.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    assert tablet.q_next.isEnabled()
    qtbot.mouseClick(tablet.q_next, Qt.MouseButton.LeftButton)
    tablet_stroke(tablet.canvas, [(50 + i * 8, 100 + (i % 5) * 6, 0.2 + i / 50) for i in range(30)])
    assert tablet.canvas.used_tablet and tablet.sig_done.isEnabled()
    qtbot.mouseClick(tablet.sig_done, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reg.ticket.stage == "signed", timeout=10_000)
    signature, _fp = load_donor_evidence(session.ctx, reg.current_donation["donation_id"])
    pressures = {s.pressure for s in signature.samples}
    assert len(pressures) > 10  # real pressure from the tablet events, not a constant
    donation_id = reg.current_donation["donation_id"]
    window.sign_out()

    # physician: vitals with live validation, the analyzer result arrives, decision, label
    window.on_signed_in(demo.actors["physician"], False)
    phys = window.workspace_widgets["physician"]
    phys.controller.refresh_queue()
    qtbot.waitUntil(lambda: any(r["donation_id"] == donation_id for r in phys.queue.rows), timeout=10_000)
    phys.queue.select(donation_id)
    qtbot.waitUntil(lambda: phys.controller.detail is not None and phys.controller.detail["donation_id"] == donation_id)
    phys.vitals.fields["weight_kg"].setText("40")
    assert phys.vitals.fields["weight_kg"].status == "fail" and phys.vitals.fields["weight_kg"].reason.text()
    for key, value in (("weight_kg", "68"), ("height_cm", "175"), ("systolic", "122"), ("diastolic", "78"),
                       ("pulse", "72"), ("temperature_c", "36.6")):
        phys.vitals.fields[key].setText(value)
        assert phys.vitals.fields[key].status == "pass", (key, phys.vitals.fields[key].reason.text())
    qtbot.mouseClick(phys.vitals.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: phys.controller.detail["state"] == "examined", timeout=10_000)
    sims.control("analyzer", {"cmd": "send", "sample_id": din, "values": {"HGB": 14.6, "HCT": 43, "PLT": 236, "MPV": 10.2}})
    qtbot.waitUntil(lambda: phys.controller.detail["state"] == "pretested", timeout=20_000)
    assert din in phys.pretest.live.text()
    qtbot.waitUntil(lambda: phys.assessment.decide.isEnabled())
    qtbot.mouseClick(phys.assessment.decide, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: phys.controller.detail["state"] == "assessed", timeout=10_000)
    qtbot.mouseClick(phys.assessment.print_label, Qt.MouseButton.LeftButton)
    idle(qtbot)
    window.sign_out()

    # nurse at the chair: pre-collection check with scans, collection, finish, post-check, seal
    window.on_signed_in(demo.actors["nurse"], False)
    chair = window.workspace_widgets["collection"]
    chair.controller.refresh_queue()
    qtbot.waitUntil(lambda: any(r["donation_id"] == donation_id for r in chair.queue.rows), timeout=10_000)
    chair.queue.select(donation_id)
    qtbot.waitUntil(lambda: chair.controller.detail is not None and chair.controller.detail["donation_id"] == donation_id)
    scan = f"={din}00"
    values = {"donor_scan": card["id_number"], "bag_din_scan": scan, "separator_serial": "AMICUS-AM3320",
              "kit_lot": demo.lots["kit"], "ac_lot": demo.lots["ac"], "saline_lot": demo.lots["saline"]}
    for key, value in values.items():
        chair.precheck.edits[key].setText(value)
    qtbot.mouseClick(chair.precheck.submit, Qt.MouseButton.LeftButton)  # uncalibrated separator: refused
    qtbot.waitUntil(lambda: chair.banner.level == "error", timeout=10_000)
    assert "AMICUS-AM3320" in chair.banner.text()
    chair.precheck.edits["separator_serial"].setText("TRIMA-1T05211")
    qtbot.mouseClick(chair.precheck.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chair.controller.detail["state"] == "precollection_checked", timeout=10_000)
    qtbot.mouseClick(chair.separator.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chair.controller.detail["state"] == "collecting", timeout=10_000)
    for key, value in (("whole_blood_processed_ml", 2600), ("ac_used_ml", 240), ("ac_to_donor_ml", 190),
                       ("platelet_volume_ml", 250), ("platelet_yield_e11", 2.8), ("run_minutes", 65)):
        chair.finish.spins[key].setValue(value)
    qtbot.mouseClick(chair.finish.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chair.controller.detail["state"] == "collected", timeout=10_000)
    for box in chair.post.boxes.values():
        box.setChecked(True)
    qtbot.mouseClick(chair.post.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chair.controller.detail["state"] == "postcollection_checked", timeout=10_000)
    # a wrong bag stops everything: red banner, alarm sounding, state unchanged
    for text in (scan, "=W0000269999900"):
        chair.sealing.scan.setText(text)
        qtbot.keyClick(chair.sealing.scan, Qt.Key.Key_Return)
    sounded = chair.alarms_sounded
    qtbot.mouseClick(chair.sealing.seal, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chair.alarms_sounded > sounded, timeout=10_000)
    assert chair.banner.level == "error" and chair.alarm_timer.isActive()
    assert chair.controller.detail["state"] == "postcollection_checked"
    chair.stop_alarm()
    chair.sealing.scans.clear()
    for text in (scan, scan):
        chair.sealing.scan.setText(text)
        qtbot.keyClick(chair.sealing.scan, Qt.Key.Key_Return)
    qtbot.mouseClick(chair.sealing.seal, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chair.controller.detail["state"] == "sealed", timeout=10_000)
    # the nurse signs: the donor's consent (tablet evidence) and her collection record
    signed: list[dict] = []
    chair.controller.sig_signed.connect(signed.append)
    chair.signing.pin.setText(DEMO_PIN)
    qtbot.keyClick(chair.signing.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(signed), timeout=60_000)
    assert sorted(r["kind"] for r in signed[0]["signed"]) == ["collection", "consent"]
    assert signed[0]["pending"] == ["registration"] and chair.controller.detail["state"] == "sealed"
    # the physician signs the registration/examination form with their own key; then all three are signed
    did = chair.controller.donation_id
    window.on_signed_in(demo.actors["physician"], False)
    phys = window.workspace_widgets["physician"]
    phys.controller.refresh_queue()
    idle(qtbot)
    phys.controller.open(did)
    qtbot.waitUntil(lambda: (phys.controller.detail or {}).get("state") == "sealed", timeout=10_000)
    assert phys.signing.isVisibleTo(phys)
    phys.signing.pin.setText("0000")  # a wrong PIN: a readable error, nothing signed
    qtbot.keyClick(phys.signing.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any("PIN" in m[2] for m in dialogs.messages), timeout=30_000)
    assert (phys.controller.detail or {}).get("state") == "sealed"
    phys.signing.pin.setText(DEMO_PIN)
    qtbot.keyClick(phys.signing.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: (phys.controller.detail or {}).get("state") == "records_signed", timeout=60_000)
    assert not any("Traceback" in m[2] for m in dialogs.messages)
