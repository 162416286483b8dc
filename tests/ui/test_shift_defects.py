"""Defects a shift found in the client (issue 17): each test fails on the code before its fix."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt

# --- D16: an adverse reaction is confirmed, has its time of onset, and is listed ---------------------------

def test_reaction_is_confirmed_with_its_onset_and_listed(qapp: Any, qtbot: Any, dialogs: Any) -> None:
    from ui.collection.widgets import ReactionForm
    from ui.i18n import set_language

    set_language("zh_CN")
    form = ReactionForm()
    qtbot.addWidget(form)
    got: list[tuple] = []
    form.sig_submitted.connect(lambda *a: got.append(a))
    onset = datetime(2026, 5, 12, 2, 31, tzinfo=UTC)  # 10:31 in Beijing
    form.set_onset_now(onset)
    assert form.onset.text() == "2026-05-12 10:31"
    form.treatment.setText("平卧休息，口服温糖水")
    dialogs.answer = False
    qtbot.mouseClick(form.submit, Qt.MouseButton.LeftButton)
    assert got == [] and dialogs.messages[-1][0] == "confirm"  # nothing saved without the confirmation
    assert "10:31" in dialogs.messages[-1][2] and "平卧休息" in dialogs.messages[-1][2]
    dialogs.answer = True
    qtbot.mouseClick(form.submit, Qt.MouseButton.LeftButton)
    ((type_, grade, treatment, outcome, at),) = got
    assert (type_, grade, treatment, at) == ("vasovagal", 1, "平卧休息，口服温糖水", onset)
    form.show_reactions([{"type": "citrate", "grade": 2, "occurred_at": "2026-05-12T03:05:00+00:00",
                          "treatment": "口服钙剂"}])
    assert form.recorded.count() == 1
    listed = form.recorded.item(0).text()
    assert listed.startswith("2026-05-12 11:05") and "枸橼酸盐反应" in listed


# --- D9: a later success clears the red banners ------------------------------------------------------------

def test_success_clears_red_banners(qapp: Any, qtbot: Any) -> None:
    from ui.shell.notifications import NotificationArea

    area = NotificationArea()
    qtbot.addWidget(area)
    area.notify("error", "签名失败")
    area.notify("warn", "分离机未连接")
    assert area.visible_texts() == ["签名失败", "分离机未连接"]
    area.notify("ok", "记录已签名")
    assert area.visible_texts() == ["分离机未连接", "记录已签名"]


# --- D11: nothing of one user's session stays open over the next one's ------------------------------------

def test_sign_out_closes_dialogs_and_banners(client: Any, demo: Any, qtbot: Any) -> None:
    from PySide6.QtWidgets import QDialog

    from ui.dialogs import DialogService, set_dialogs

    session, window = client
    real = DialogService()
    previous = set_dialogs(real)
    try:
        window.on_signed_in(demo.actors["nurse"], False)
        real.error(window, "未完成", "采前核对未通过")
        other = QDialog(window)
        other.open()
        window.notify("error", "签名失败")
        qtbot.waitUntil(lambda: bool(real._open) and real._open[0].isVisible())
        box = real._open[0]
        window.sign_out()
        assert not box.isVisible() and not other.isVisible() and real._open == []
        assert window.notifications.visible_texts() == []
        window.on_signed_in(demo.actors["physician"], False)
        assert not box.isVisible()
    finally:
        set_dialogs(previous)


# --- D17: the first-login password page has a way out -----------------------------------------------------

def test_first_login_password_page_can_sign_out(client: Any, demo: Any, qtbot: Any) -> None:
    session, window = client
    window.on_signed_in(demo.actors["nurse"], True)
    assert window.pages.currentWidget() is window.password_change
    window.password_change.old.setText("typed")
    qtbot.mouseClick(window.password_change.sign_out, Qt.MouseButton.LeftButton)
    assert window.pages.currentWidget() is window.login
    assert session.actor is None and window.password_change.old.text() == ""
    assert window.password_change.sign_out.text() == "退出登录"


# --- D13: times in the site's local time -------------------------------------------------------------------

def test_local_time_with_offset() -> None:
    from ui.common.widgets import local_time

    assert local_time("2026-05-12T16:31:00+00:00") == "2026-05-13 00:31"
    assert local_time(datetime(2026, 5, 12, 2, 31, tzinfo=UTC), "%H:%M:%S", offset=True) == "10:31:00 (UTC+08:00)"
    assert local_time(None) == ""


# --- D5: the serial scanner's scans reach the focused field; a wrong bag is flagged at the scan -------------

def test_serial_scanner_types_into_the_focused_field_and_flags_a_wrong_bag(client: Any, qtbot: Any,
                                                                         tmp_path: Any) -> None:
    import shutil

    import pytest

    if shutil.which("socat") is None:
        pytest.skip("socat is needed for the simulators")
    from devices.sim_supervisor import SimSupervisor
    from station.identifiers import din_barcode_data
    from ui.collection.widgets import SealingPanel

    session, window = client
    sims = SimSupervisor(tmp_path / "sims")
    sims.start(("scanner",))
    try:
        hub = session.devices
        hub.add("scanner", "scanner", "serial", sims.ports["scanner"])
        panel = SealingPanel()
        qtbot.addWidget(panel)
        panel.expected_din = "W000026000123"
        wrong: list[str] = []
        panel.sig_mismatch.connect(wrong.append)
        panel.show()
        panel.activateWindow()
        panel.scan.setFocus()
        qtbot.waitUntil(lambda: panel.scan.hasFocus())
        good = din_barcode_data("W000026000123")
        for data in (good, good):
            sims.control("scanner", {"cmd": "scan", "data": data})
        qtbot.waitUntil(lambda: panel.scans.count() == 2, timeout=15_000)
        assert panel.values() == [good, good] and wrong == [] and panel.scan.text() == ""
        other = din_barcode_data("W000026000999")
        sims.control("scanner", {"cmd": "scan", "data": other})
        qtbot.waitUntil(lambda: wrong == [other], timeout=15_000)  # flagged at the scan, before Seal check
        assert panel.scans.item(2).foreground().color().name() == "#c62828"
        # with no entry field focused, the scan is not lost silently
        panel.hide()
        window.activateWindow()
        window.setFocus()
        sims.control("scanner", {"cmd": "scan", "data": good})
        qtbot.waitUntil(lambda: any(good in t for t in window.notifications.visible_texts()), timeout=15_000)
    finally:
        session.devices.remove("scanner")
        sims.stop()


def test_wrong_bag_scan_raises_the_hard_stop_banner_in_the_chair(client: Any, demo: Any, qtbot: Any) -> None:
    session, window = client
    window.on_signed_in(demo.actors["nurse"], False)
    chair = window.workspace_widgets["collection"]
    chair.sealing.expected_din = "W000026000123"
    chair.sealing.scan.setText("=W00002600099900")
    chair.sealing.scan.returnPressed.emit()
    assert chair.banner.level == "error" and "W000026000123" in chair.banner.text()
    assert chair.alarm_timer.isActive()
    chair.stop_alarm()


# --- D6: a poor fingerprint: the tablet says "press again" and the retry works ------------------------------

def test_poor_fingerprint_asks_to_press_again_and_retry_works(client: Any, qtbot: Any, tmp_path: Any) -> None:
    import shutil

    import pytest

    if shutil.which("socat") is None:
        pytest.skip("socat is needed for the simulators")
    from devices.sim_supervisor import SimSupervisor

    session, window = client
    sims = SimSupervisor(tmp_path / "sims")
    sims.start(("fingerprint",))
    try:
        hub = session.devices
        hub.add("fingerprint", "fingerprint", "serial", sims.ports["fingerprint"])
        qtbot.waitUntil(lambda: hub.workers["fingerprint"].status.state.value == "connected", timeout=15_000)
        tablet = session.tablet
        sims.control("fingerprint", {"cmd": "fault", "mode": "low_quality"})
        tablet._ask_fingerprint()
        qtbot.waitUntil(lambda: tablet.window.fp_state[0] == "poor", timeout=15_000)
        qtbot.wait(200)  # the driver's status turns "error" after the refused print: still "press again"
        assert tablet.window.fp_state[0] == "poor"
        assert "再按一次" in tablet.window.fp_status.text()
        assert not tablet.window.fp_retry.isHidden()
        sims.control("fingerprint", {"cmd": "fault", "mode": None})
        qtbot.mouseClick(tablet.window.fp_retry, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tablet.step == "done", timeout=15_000)
        assert tablet.window.pages.currentWidget() is tablet.window.thanks_page
    finally:
        session.devices.remove("fingerprint")
        sims.stop()


# --- D7: a regional check that timed out shows at the desk; a screen lists and acknowledges them ------------

def test_regional_timeout_at_the_desk_and_acknowledged_by_the_physician(client: Any, demo: Any, qtbot: Any,
                                                                      dialogs: Any, monkeypatch: Any) -> None:
    import dataclasses

    from uihelpers import idle

    from station.platforms.regional_sim import RegionalSimulator
    from station.services import donations as dn
    from station.services import donors as dr
    from tests.station.flow import id_number

    session, window = client
    ctx = demo.ctx
    with RegionalSimulator() as sim:
        sim.delay = 1.0
        ctx.config = dataclasses.replace(ctx.config, regional=dataclasses.replace(
            ctx.config.regional, url=sim.url, timeout_seconds=0.3))
        reg_actor = demo.actors["registrar"]
        from datetime import date

        donor = dr.register_donor(ctx, reg_actor, dr.DonorInput(
            id_number=id_number(date(1990, 3, 3), "male"), name="区域超时", sex="male", birth_date=date(1990, 3, 3),
            phone="13800000001", abo="O", rhd="+"))
        out = dn.register_donation(ctx, reg_actor, donor["donor_id"])
    assert out["regional_check"]["status"] == "not_done"
    window.on_signed_in(reg_actor, False)
    reg = window.workspace_widgets["registration"]
    reg._registered(out)
    assert any("区域献血者核查未完成" in t and "超时" in t for t in window.notifications.visible_texts())
    window.sign_out()

    window.on_signed_in(demo.actors["physician"], False)
    phys = window.workspace_widgets["physician"]
    phys.controller.open(out["donation_id"])
    qtbot.waitUntil(lambda: phys.controller.detail is not None
                    and phys.controller.detail["donation_id"] == out["donation_id"], timeout=10_000)
    assert not phys.regional_alert.isHidden() and "超时" in phys.regional_alert.text()
    dialog = phys.show_regional_checks()
    qtbot.waitUntil(lambda: dialog.table.rowCount() >= 1, timeout=10_000)
    row = next(i for i, c in enumerate(dialog.checks) if c["donation_id"] == out["donation_id"])
    assert "超时" in dialog.table.item(row, 4).text() and dialog.table.item(row, 1).text() == out["din"]
    dialog.table.selectRow(row)
    assert dialog.ack.isEnabled()
    monkeypatch.setattr(type(dialogs), "ask_text", lambda self, parent, title, label: "平台超时，已电话核实无屏蔽",
                        raising=False)
    qtbot.mouseClick(dialog.ack, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: phys.regional_alert.isHidden(), timeout=10_000)
    idle(qtbot)
    assert dn.donation_detail(ctx, demo.actors["physician"], out["donation_id"])["regional_check"][
        "acknowledgement"] == "平台超时，已电话核实无屏蔽"
    dialog.close()


# --- D10: a sealed donation opened by the physician shows what was recorded ---------------------------------

def test_physician_sees_the_recorded_vitals_and_results_of_a_sealed_donation(client: Any, demo: Any,
                                                                             qtbot: Any) -> None:
    from station.services import donations as dn
    from tests.station.flow import GOOD_COLLECTION, POST_OK, barcode, din_of

    session, window = client
    doc, nurse = demo.actors["physician"], demo.actors["nurse"]
    did = demo.waiting["collecting"]
    dn.finish_collection(demo.ctx, nurse, did, GOOD_COLLECTION)
    dn.postcollection_check(demo.ctx, nurse, did, POST_OK)
    dn.seal(demo.ctx, nurse, did, [barcode(din_of(demo.ctx, did))] * 2)
    detail = dn.donation_detail(demo.ctx, doc, did)
    window.on_signed_in(doc, False)
    phys = window.workspace_widgets["physician"]
    phys.controller.open(did)
    qtbot.waitUntil(lambda: phys.controller.detail is not None and phys.controller.detail["donation_id"] == did,
                    timeout=10_000)
    assert not phys.signing.isHidden()  # asked to sign ...
    weight = detail["examination"]["weight_kg"]
    assert phys.vitals.fields["weight_kg"].edit.text() == f"{weight:g}"  # ... with the vitals on screen
    assert phys.vitals.fields["systolic"].edit.text() == str(detail["examination"]["systolic"])
    text = phys.pretest.live.text()
    assert "等待" not in text and f"{detail['pretest']['hb_g_l']:g}" in text


# --- D19 and the touch screen: the donor chooses the tablet's language; targets >= 48 px, large type -------

def test_tablet_language_is_the_donors_and_targets_are_touch_sized(client: Any, qtbot: Any) -> None:
    from PySide6.QtWidgets import QPushButton

    from ui.i18n import current_language, set_language

    session, window = client
    tablet = session.tablet.window
    tablet.resize(1280, 800)
    tablet.show()
    session.tablet.present(1, {"name": "周晓明", "sex": "male", "birth_date": "1988-05-12",
                               "id_number_masked": "330106********1235", "abo": "O", "rhd": "+"},
                           {"consent_title_zh": "知情同意书", "consent_title_en": "Consent", "consent_zh": ["同意"],
                            "consent_en": ["I agree"], "questions": [{"id": "Q01", "zh": "您今天身体好吗？",
                                                                     "en": "Do you feel well today?"}]})
    zh_yes = tablet.details_yes.text()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh_yes)
    set_language("en")  # the staff member switches to English
    try:
        qtbot.wait(50)
        assert tablet.details_yes.text() == zh_yes  # ... the donor's tablet does not follow
        set_language("zh_CN")
        qtbot.mouseClick(tablet.lang_en, Qt.MouseButton.LeftButton)  # the donor chooses English
        assert tablet.details_yes.text() == "Yes, these are my details" and current_language() == "zh_CN"
        assert "Name" in tablet.details.text()
        qtbot.mouseClick(tablet.details_yes, Qt.MouseButton.LeftButton)
        assert any("Do you feel well today?" in lab.text() for lab in tablet.q_body.findChildren(type(tablet.details)))
        yes = tablet.groups["Q01"].buttons()[0]
        assert isinstance(yes, QPushButton) and yes.text() == "Yes"
        yes.click()
        qtbot.mouseClick(tablet.lang_zh, Qt.MouseButton.LeftButton)
        assert tablet.groups["Q01"].buttons()[0].text() == "是"
        assert tablet.answers() == {"Q01": "yes"}  # the answer kept across the donor's language switch
        # touch targets: every button on the shown page and the language buttons at least 48 px high, large type
        qtbot.wait(50)
        for b in [*tablet.q_page.findChildren(QPushButton), tablet.lang_zh, tablet.lang_en]:
            if b.isVisible():
                assert b.height() >= 48 and b.width() >= 48, (b.objectName(), b.size())
                assert b.font().pointSize() >= 16 or b.fontInfo().pixelSize() >= 20, b.objectName()
    finally:
        set_language("zh_CN")


# --- D13: archive dates, alarms and report times in the site's local time, with the offset -----------------

def test_archive_list_and_report_in_local_time(qapp: Any, qtbot: Any) -> None:
    from ui.archivist.widgets import ArchiveBrowser, local_times

    browser = ArchiveBrowser()
    qtbot.addWidget(browser)
    # archived at 23:30 UTC on 4 December: 5 December 07:30 in Beijing
    browser.show_results([{"archive_number": "2026-JC-000001", "din": "W000026000001", "donor_name": "周晓明",
                           "id_number_masked": "330106********1235", "archived_at": "2026-12-04T23:30:00+00:00"}])
    assert browser.results.item(0, 4).text() == "2026-12-05 07:30 (UTC+08:00)"
    assert local_times("声明的签名时间: 2026-12-04T23:30:05+00:00") == "声明的签名时间: 2026-12-05 07:30:05 (UTC+08:00)"


def test_separator_alarm_time_in_local_time(qapp: Any, qtbot: Any) -> None:
    from devices.separator.model import Alarm
    from ui.collection.widgets import SeparatorPanel

    panel = SeparatorPanel()
    qtbot.addWidget(panel)
    panel.add_alarm(Alarm("AC-LINE", "warning", "抗凝剂管路阻塞", "AC line occluded",
                          datetime(2026, 12, 4, 2, 31, 5, tzinfo=UTC)))
    assert panel.alarms.item(0).text().startswith("10:31:05")


def test_verification_report_reads_in_chinese() -> None:
    from ui.archivist.widgets import readable_report

    text = "#1 donor_consent: TOTAL_PASSED\n  签名含义: consent\n#2 physician_review: INDETERMINATE / NO_POE"
    zh = readable_report(text, "zh_CN")
    assert "献血者签名（donor_consent）: 通过（TOTAL_PASSED）" in zh and "签名含义: 知情同意（consent）" in zh
    assert "无法确定（INDETERMINATE） / 缺少存在性证明（NO_POE）" in zh
    assert readable_report(text, "en") == text
    assert readable_report("文件：data/records/consent.pdf", "zh_CN") == "文件：data/records/consent.pdf"
