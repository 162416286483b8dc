"""D15: complete zh_CN and en: every tr() string of ui/ has a finished translation in both catalogues, Qt's own
strings (file dialog, standard buttons) are Chinese in the Chinese client, no English sentence inside a Chinese
message, device names and deferral codes shown by their names."""
from __future__ import annotations

import re
from typing import Any

import pytest

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_message_of_the_code_is_translated(lang: str) -> None:
    from ui.i18n import catalogue

    wanted = catalogue.code_messages()
    assert len(wanted) > 300  # lupdate really read the ui/ modules
    assert catalogue.untranslated(lang, wanted) == []


def test_chinese_translations_are_chinese() -> None:
    from ui.i18n import catalogue

    have = catalogue.translations("zh_CN")
    wanted = catalogue.code_messages()
    english = [k for k in wanted if have.get(k) and re.search(r"[A-Za-z]{4,}\s+[a-z]{3,}", have[k])
               and not CJK.search(have[k])]
    assert english == []


def test_qt_own_strings_in_chinese(qapp: Any) -> None:
    from PySide6.QtCore import QCoreApplication

    from ui.i18n import set_language

    set_language("zh_CN")
    try:
        assert QCoreApplication.translate("QFileDialog", "Look in:") == "查找范围："
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    finally:
        set_language("zh_CN")


def test_no_english_sentence_inside_a_chinese_error(qapp: Any) -> None:
    from signing.errors import LocalizedError
    from ui.i18n import set_language
    from ui.ops import error_text

    set_language("zh_CN")
    exc = LocalizedError("签名失败：The signer's certificate could not be validated",
                         "Signing failed: The signer's certificate could not be validated")
    text = error_text(exc)
    assert text.startswith("签名失败") and "signer" not in text and "技术详情" in text
    # codes and abbreviations stay
    kept = LocalizedError("PIN 错误，献血条码 W000026000123 的 HLA 配型须医生批准", "x")
    assert error_text(kept) == "PIN 错误，献血条码 W000026000123 的 HLA 配型须医生批准"
    set_language("en")
    try:
        assert "signer's certificate" in error_text(exc)
    finally:
        set_language("zh_CN")


def test_status_bar_names_devices_in_the_ui_language(client: Any, qtbot: Any) -> None:
    from devices.base import ConnectionState
    from ui.devices import _status
    from ui.i18n import set_language

    session, window = client
    hub = session.devices
    hub.kinds.update({"reader1": "idcard", "sep": "separator"})
    for name, kind in (("reader1", "idcard"), ("sep", "separator")):
        hub.sig_status.emit(name, _status(name, kind, ConnectionState.CONNECTED, "已连接", "connected"))
    bar = window.status
    assert "身份证" in bar.device_labels["reader1"].text() and "reader1" not in bar.device_labels["reader1"].text()
    assert "分离机" in bar.device_labels["sep"].text()
    set_language("en")
    try:
        qtbot.waitUntil(lambda: "Separator" in bar.device_labels["sep"].text())
    finally:
        set_language("zh_CN")


def test_deferral_codes_by_their_names() -> None:
    from station.rules.codes import CODE_NAMES, code_name
    from station.rules.engine import all_rulesets

    assert code_name("HB_LOW", "zh_CN") == "血红蛋白偏低" and code_name("HB_LOW", "en") == "haemoglobin low"
    # every code a rule set can defer with has a name
    for rs in all_rulesets():
        for code in rs.data["deferral_days"]:
            assert code in CODE_NAMES, code


def test_quality_dashboard_shows_reason_names(qapp: Any, qtbot: Any) -> None:
    from ui.i18n import set_language
    from ui.quality.widgets import FiguresPanel

    set_language("zh_CN")
    dash = FiguresPanel()
    qtbot.addWidget(dash)
    dash.show_figures({"donations": 3, "record_modification_rate": 0.0, "missing_signature_rate": 0.0,
                       "check_errors": 0, "from": "2026-05-01", "to": "2026-05-12",
                       "deferral_reasons": {"HB_LOW": 2, "BP_HIGH": 1}, "collections_per_chair": {"1": 3},
                       "collections_per_day": {"2026-05-12": 3}})
    axis = dash.views[0].chart().axes()[0]
    assert axis.categories() == ["血红蛋白偏低", "血压偏高"]
