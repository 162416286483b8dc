"""The first-run wizard driven page by page to a working configuration; then the client starts on it."""
from __future__ import annotations

import ast
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from uihelpers import idle

from station.config import config_path, load_config


@pytest.fixture
def idcard_sim(tmp_path: Path) -> Any:
    if shutil.which("socat") is None:
        pytest.skip("socat is needed for the simulator")
    from devices.sim_supervisor import SimSupervisor

    sup = SimSupervisor(tmp_path / "sims")
    sup.start(("idcard",))
    yield sup.ports["idcard"]
    sup.stop()


def _next(qtbot: Any, wizard: Any) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.waitUntil(button.isEnabled, timeout=5_000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _test(qtbot: Any, page: Any, button: Any = None, timeout: int = 20_000) -> str:
    qtbot.mouseClick(button or page.test_button, Qt.MouseButton.LeftButton)
    idle(qtbot, timeout)
    return str(page.result.text())


def test_wizard_page_by_page_then_the_client_starts(qapp: Any, qtbot: Any, tmp_path: Path, dialogs: Any,
                                                    idcard_sim: str) -> None:
    from ui.app import build_client, ensure_application
    from ui.firstrun.wizard import SetupWizard
    from ui.i18n import set_language

    ensure_application()
    set_language("zh_CN")
    data = tmp_path / "data"
    shots = tmp_path / "shots"
    shots.mkdir()
    wizard = SetupWizard(data)
    qtbot.addWidget(wizard)
    wizard.show()
    configured: list[Any] = []
    wizard.sig_configured.connect(configured.append)
    next_button = wizard.button(QWizard.WizardButton.NextButton)

    # 1. site: a facility code starting with O is refused as it is typed
    site = wizard.site_page
    site.site_name.setText("杭州市血液中心")  # keyClicks types ASCII only
    qtbot.keyClicks(site.facility_code, "O1234")
    site.station_name.setText("机采3号位")
    assert not next_button.isEnabled() and "机构代码" in site.result.text()
    site.facility_code.clear()
    qtbot.keyClicks(site.facility_code, "w1234")
    assert next_button.isEnabled()
    wizard.grab().save(str(shots / "1-site.png"))
    _next(qtbot, wizard)

    # 2. database: a server that does not answer is reported, and blocks Next until the embedded file is chosen
    db = wizard.database_page
    assert wizard.currentPage() is db and next_button.isEnabled()  # SQLite is the default
    db.server.setChecked(True)
    assert not next_button.isEnabled()
    qtbot.keyClicks(db.url, "postgresql+psycopg://station@127.0.0.1:1/station")
    text = _test(qtbot, db)
    assert "无法连接数据库" in text and "服务器无应答" in text and db.result.level == "fail"
    assert not next_button.isEnabled()
    wizard.grab().save(str(shots / "2-database-error.png"))
    db.embedded.setChecked(True)
    _next(qtbot, wizard)

    # 3. records store: a folder that takes files
    store = wizard.store_page
    folder = tmp_path / "records-store"
    qtbot.keyClicks(store.url, folder.as_uri())
    assert not next_button.isEnabled()  # not tested yet
    assert str(folder) in _test(qtbot, store) and store.result.level == "ok"
    wizard.grab().save(str(shots / "3-store.png"))
    _next(qtbot, wizard)

    # 4. CA: the station's own; a centre CA without its folder is refused
    ca = wizard.ca_page
    ca.centre.setChecked(True)
    assert "请选择血站 CA 文件夹" in _test(qtbot, ca)
    assert not next_button.isEnabled()
    ca.local.setChecked(True)
    # the production default: a passphrase typed now and at every start, checked before Next
    assert ca.custody_choice() == "passphrase"
    qtbot.keyClicks(ca.passphrase, "typed by the operator 2026")
    qtbot.keyClicks(ca.passphrase_again, "typed by the operator 2025")
    assert "不一致" in _test(qtbot, ca) and not next_button.isEnabled()
    ca.passphrase_again.clear()
    qtbot.keyClicks(ca.passphrase_again, "typed by the operator 2026")
    _test(qtbot, ca)
    _next(qtbot, wizard)

    # 5. devices: the ID card reader on its port, tested through its driver against the simulator
    devices = wizard.devices_page
    idle(qtbot)
    assert devices.found.text().startswith("找到的串口")
    row = devices.rows["idcard"]
    row.driver.setCurrentIndex(row.driver.findData("sam"))
    assert not next_button.isEnabled()  # a real driver needs a port
    row.port.setEditText(idcard_sim)
    qtbot.waitUntil(next_button.isEnabled, timeout=2_000)
    qtbot.mouseClick(row.test, Qt.MouseButton.LeftButton)
    idle(qtbot, 20_000)
    assert row.result.level == "ok" and idcard_sim in devices.detail.text(), devices.detail.text()
    wizard.grab().save(str(shots / "5-devices.png"))
    _next(qtbot, wizard)

    # 6. set up: the configuration is written, the one-time password shown, Finish enabled
    finish = wizard.finish_page
    assert "杭州市血液中心" in finish.summary.text() and f"身份证阅读器 (sam, {idcard_sim})" in finish.summary.text()
    assert not config_path(data).exists()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    text = _test(qtbot, finish, timeout=60_000)
    assert "工作站已配置完成" in text, text
    assert configured and configured[0].admin_password in finish.admin.text()
    wizard.grab().save(str(shots / "6-finish.png"))
    assert all((shots / n).stat().st_size > 10_000 for n in ("1-site.png", "5-devices.png", "6-finish.png"))
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    assert wizard.result() == QWizard.DialogCode.Accepted

    config = load_config(data)
    assert (config.site.name, config.site.facility_code, config.station.name) == ("杭州市血液中心", "W1234", "机采3号位")
    assert config.archive.store_url == folder.as_uri()
    assert (config.devices["idcard"].driver, config.devices["idcard"].port) == ("sam", idcard_sim)
    assert config.devices["analyzer"].driver == "simulator" and config.devices["signature-pad"].driver == "tablet"

    # the client on that configuration: the administrator signs in with the password the wizard showed
    from station.context import open_context

    ctx = open_context(data)
    session, window = build_client(ctx, devices=False, tablet=False)
    qtbot.addWidget(window)
    window.show()
    try:
        window.login.username.setText("admin")
        window.login.password.setText(configured[0].admin_password)
        qtbot.mouseClick(window.login.sign_in, Qt.MouseButton.LeftButton)
        idle(qtbot)
        assert window.session.actor is not None and window.session.actor.username == "admin"
    finally:
        session.devices.stop_all()
        ctx.close()


def test_the_client_shows_the_wizard_on_an_empty_data_folder(qapp: Any, qtbot: Any, tmp_path: Path,
                                                            dialogs: Any) -> None:
    """Cancelled, nothing is written and the client exits with status 1."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.app import run_app
    from ui.firstrun.wizard import SetupWizard

    seen: list[str] = []

    def cancel() -> None:
        wizard = QApplication.activeModalWidget()
        if not isinstance(wizard, SetupWizard):
            QTimer.singleShot(50, cancel)
            return
        seen.append(wizard.currentPage().title())
        wizard.reject()

    QTimer.singleShot(50, cancel)
    import argparse

    assert run_app(argparse.Namespace(data_dir=str(tmp_path / "data"))) == 1
    assert seen == ["血站与工作站"]
    assert not config_path(tmp_path / "data").exists()


def test_every_wizard_string_is_translated() -> None:
    """Each text the wizard passes through _tr has its zh_CN and en translation in the SetupWizard context."""
    import ui.firstrun.wizard as module
    from ui.i18n import I18N_DIR

    tree = ast.parse(Path(module.__file__).read_text("utf-8"))
    used = {n.args[0].value for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "_tr"
            and n.args and isinstance(n.args[0], ast.Constant)} | set(module.DEVICE_LABELS.values())
    assert len(used) > 50
    for lang in ("zh_CN", "en"):
        contexts = [c for c in ET.parse(I18N_DIR / f"station_{lang}.ts").iter("context")
                    if c.findtext("name") == module.CONTEXT]
        assert len(contexts) == 1
        translated = {m.findtext("source"): m.findtext("translation") for m in contexts[0].iter("message")}
        assert sorted(used - {s for s, t in translated.items() if (t or "").strip()}) == [], lang


def test_database_page_connects_to_the_centres_postgresql(qapp: Any, qtbot: Any, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    from contextlib import ExitStack

    from sqlalchemy.exc import OperationalError

    from tests.station.conftest import pg_database
    from ui.firstrun.wizard import SetupWizard
    from ui.i18n import set_language

    server = os.environ.get("STATION_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    monkeypatch.setenv("STATION_TEST_PG_URL", server)
    set_language("zh_CN")
    with ExitStack() as stack:
        try:
            url = stack.enter_context(pg_database())
        except OperationalError as exc:
            pytest.skip(f"no PostgreSQL server at {server}: {exc}")
        wizard = SetupWizard(tmp_path / "data")
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.site_page.site_name.setText("杭州市血液中心")
        wizard.site_page.facility_code.setText("W1234")
        wizard.site_page.station_name.setText("登记台1")
        _next(qtbot, wizard)
        db = wizard.database_page
        db.server.setChecked(True)
        db.url.setText(url)
        text = _test(qtbot, db)
        assert text.startswith("已连接：PostgreSQL") and db.result.level == "ok", text
        assert "postgres@" not in text  # the user name and password stay off the screen
        assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
        db.url.setText(url + "x")  # a changed answer must be tested again
        assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled() and db.result.text() == ""
        assert wizard.answers().database_url == url + "x"
