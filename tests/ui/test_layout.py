"""D14: layout. The English window fits a 1366 x 768 screen in every workspace; hints never move the fields;
notices never push the workspace down; list and table texts are not cut off."""
from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_every_workspace_fits_1366x768(client: Any, demo: Any, qtbot: Any, lang: str) -> None:
    from uihelpers import idle

    from devices.base import ConnectionState, DeviceStatus, utcnow
    from ui.i18n import set_language

    session, window = client
    set_language(lang)
    try:
        for name, dev in demo.ctx.config.devices.items():  # the status bar as full as a station's
            session.devices.kinds[name] = dev.kind
            session.devices.sig_status.emit(name, DeviceStatus(ConnectionState.CONNECTED, "已连接", "connected",
                                                               utcnow(), name, dev.kind))
        for role in ("registrar", "physician", "nurse", "archivist"):
            window.on_signed_in(demo.actors[role], False)
            for key in list(window.workspace_keys):
                window.show_workspace(key)
                idle(qtbot)
                hint = window.minimumSizeHint()
                assert hint.width() <= 1366 and hint.height() <= 768, (lang, role, key, hint)
            window.sign_out()
    finally:
        set_language("zh_CN")


def test_a_hint_does_not_move_the_next_field(qapp: Any, qtbot: Any) -> None:
    from datetime import date

    from ui.physician.widgets import VitalsForm

    form = VitalsForm(date(2026, 5, 12))
    qtbot.addWidget(form)
    form.resize(420, 640)
    form.show()
    qtbot.waitExposed(form)
    below = form.fields["height_cm"].edit.mapTo(form, form.fields["height_cm"].edit.rect().topLeft()).y()
    form.fields["weight_kg"].setText("40")  # a two-line red hint under the weight
    assert form.fields["weight_kg"].reason.text()
    qtbot.wait(20)
    assert form.fields["height_cm"].edit.mapTo(form, form.fields["height_cm"].edit.rect().topLeft()).y() == below


def test_notices_do_not_pile_up(qapp: Any, qtbot: Any) -> None:
    from ui.shell.notifications import NotificationArea

    area = NotificationArea()
    qtbot.addWidget(area)
    for i in range(8):
        area.notify("info", f"通知 {i}")
    assert area.visible_texts() == ["通知 5", "通知 6", "通知 7"]


def test_queue_rows_are_not_cut(qapp: Any, qtbot: Any) -> None:
    from ui.common.queue import DonationQueue
    from ui.i18n import set_language

    set_language("en")
    try:
        q = DonationQueue()
        qtbot.addWidget(q)
        q.resize(240, 300)
        q.show()
        q.show_rows([{"donation_id": 1, "queue_number": 13, "donor_name": "朱伟雪", "din": "W000026000013",
                      "state": "questionnaire_signed"}])
        fm = q.fontMetrics()
        widest = max(fm.horizontalAdvance(line) for line in q.item(0).text().split("\n"))
        assert widest <= q.viewport().width(), (widest, q.viewport().width())
    finally:
        set_language("zh_CN")


def test_table_columns_fit_their_values(qapp: Any, qtbot: Any) -> None:
    from ui.registration.widgets import fill, table

    t = table(4)
    qtbot.addWidget(t)
    t.resize(420, 200)
    t.show()
    values = ["2026-JC-00000123", "W000026000013", "08:00-08:30", "INTERVAL_HLA_APPROVAL"]
    fill(t, [values])
    qtbot.wait(20)
    fm = t.fontMetrics()
    for col, text in enumerate(values[:-1]):
        assert t.columnWidth(col) >= fm.horizontalAdvance(text), (text, t.columnWidth(col))
