"""The first-run wizard: one page per set-up step; the checks of station.firstrun run off the main thread.

Shown by the client when the data folder has no configuration. Each page that talks to something
(database, records store, CA and time stamp service, devices) has a test button; Next is enabled only
when the answer on the page passed its test (or is the embedded default). The last page writes the
configuration through `apply_setup` and shows the first administrator's one-time password.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from station.config import DeviceConfig, default_devices
from station.firstrun import (
    CAAnswers,
    S3Settings,
    SetupAnswers,
    SetupResult,
    SiteAnswers,
    apply_setup,
    check_ca,
    check_database,
    check_device,
    check_records_store,
    drivers_for,
    list_serial_ports,
    validate_site,
)
from ui.common.widgets import COLOURS, local_time
from ui.i18n import current_language, set_language
from ui.ops import error_text, run_op

CONTEXT = "SetupWizard"
DEVICE_LABELS = {"idcard": "ID card reader", "analyzer": "Hematology analyzer", "separator": "Cell separator",
                 "signature-pad": "Signature pad", "fingerprint": "Fingerprint scanner", "printer": "Label printer",
                 "scanner": "Barcode scanner"}


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


class ResultLabel(QLabel):
    """The outcome of a page's test: grey while running, green when passed, red with the reason when not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.level = "none"

    def show_result(self, level: str, text: str) -> None:
        self.level = level
        colour = {"ok": COLOURS["pass"], "fail": COLOURS["fail"]}.get(level, COLOURS["none"])
        self.setStyleSheet(f"color:{colour};")
        self.setText(text)


class SetupPage(QWizardPage):
    """A page whose answer is tested in the background; complete when the current answer passed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result = ResultLabel(self)
        self.test_button = QPushButton(self)
        self.test_button.clicked.connect(self.run_test)
        self._passed: Any = None  # the answer that passed its test
        self.running = False

    # -- for subclasses -------------------------------------------------------------------
    def answer(self) -> Any:
        """What the user entered, as a comparable value (a changed answer must be tested again)."""
        return None

    def needs_test(self) -> bool:
        return True

    def test(self, answer: Any) -> Any:
        """Runs off the main thread (never touch a widget here): what passed, or raise StationError."""
        return None

    def passed(self, value: Any) -> str:
        """On the main thread: the text shown for a passed test."""
        return str(value or "")

    def retranslate(self) -> None:
        self.test_button.setText(_tr("Test"))

    # -- building a page ------------------------------------------------------------------
    def lay_out(self, *parts: QWidget | QLayout, test_row: bool = True, after: tuple[QWidget, ...] = ()) -> None:
        """The page's parts top to bottom, then its test button, the outcome and what follows it."""
        lay = QVBoxLayout(self)
        for part in parts:
            if isinstance(part, QLayout):
                lay.addLayout(part)
            else:
                lay.addWidget(part)
        if test_row:
            row = QHBoxLayout()
            row.addWidget(self.test_button)
            row.addStretch(1)
            lay.addLayout(row)
        lay.addWidget(self.result)
        for widget in after:
            lay.addWidget(widget)
        lay.addStretch(1)

    def hint_label(self) -> QLabel:
        label = QLabel(self)
        label.setWordWrap(True)
        label.setStyleSheet(f"color:{COLOURS['none']};")
        return label

    def choices(self, count: int) -> list[QRadioButton]:
        """Exclusive choices; choosing one calls _mode_changed."""
        buttons = [QRadioButton(self) for _ in range(count)]
        self.group = QButtonGroup(self)
        for button in buttons:
            self.group.addButton(button)
            button.toggled.connect(lambda _on: self._mode_changed())
        return buttons

    def _mode_changed(self) -> None:
        self.changed()

    # -- machinery ------------------------------------------------------------------------
    def setup_answers(self) -> SetupWizard:
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        return wizard

    def changed(self) -> None:
        if self._passed is not None and self._passed != self.answer():
            self.result.show_result("none", "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.running and (not self.needs_test() or self._passed == self.answer())

    def run_test(self) -> None:
        answer = self.answer()
        self.running = True
        self.test_button.setEnabled(False)
        self.result.show_result("none", _tr("Testing…"))
        self.completeChanged.emit()

        def done(value: Any) -> None:
            self._passed = answer
            self._finish("ok", self.passed(value))

        def failed(exc: BaseException) -> None:
            self._passed = None
            self._finish("fail", error_text(exc))

        run_op(self, lambda: self.test(answer), done, failed, slow=True)

    def _finish(self, level: str, text: str) -> None:
        self.running = False
        self.test_button.setEnabled(True)
        self.result.show_result(level, text)
        self.completeChanged.emit()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def _line(page: SetupPage, name: str) -> QLineEdit:
    edit = QLineEdit(page)
    edit.setObjectName(name)
    edit.textChanged.connect(page.changed)
    return edit


class SitePage(SetupPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.language = QComboBox(self)
        self.language.addItem("中文", "zh_CN")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(0 if current_language() == "zh_CN" else 1)
        self.language.currentIndexChanged.connect(lambda _i: set_language(self.language.currentData()))
        self.site_name = _line(self, "site_name")
        self.site_name_en = _line(self, "site_name_en")
        self.facility_code = _line(self, "facility_code")
        self.facility_code.setMaxLength(5)
        self.station_name = _line(self, "station_name")
        self.station_kind = QComboBox(self)
        self.station_kind.currentIndexChanged.connect(lambda _i: self.changed())
        self.form = QFormLayout()
        self.labels = [QLabel(self) for _ in range(6)]
        for label, field in zip(self.labels, (self.language, self.site_name, self.site_name_en, self.facility_code,
                                              self.station_name, self.station_kind), strict=True):
            self.form.addRow(label, field)
        self.test_button.hide()  # checked as it is typed
        self.lay_out(self.form, test_row=False)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setTitle(_tr("Site and station"))
        self.setSubTitle(_tr("Which blood centre this station belongs to, and which station it is."))
        for label, text in zip(self.labels, (_tr("Language"), _tr("Blood centre"), _tr("Name in English (optional)"),
                                             _tr("Facility code (ISBT 128)"), _tr("Station name"),
                                             _tr("Station kind")), strict=True):
            label.setText(text)
        self.facility_code.setPlaceholderText(_tr("5 characters, e.g. W1234"))
        self.station_name.setPlaceholderText(_tr("e.g. Chair 1"))
        kind = self.station_kind.currentData() or "chair"
        self.station_kind.blockSignals(True)
        self.station_kind.clear()
        for key, text in (("desk", _tr("Registration desk")), ("chair", _tr("Collection chair")),
                          ("office", _tr("Office (physician, archivist, administrator)"))):
            self.station_kind.addItem(text, key)
        self.station_kind.setCurrentIndex(max(0, self.station_kind.findData(kind)))
        self.station_kind.blockSignals(False)
        self.changed()

    def answer(self) -> SiteAnswers:
        return SiteAnswers(name=self.site_name.text(), facility_code=self.facility_code.text(),
                           station_name=self.station_name.text(), station_kind=self.station_kind.currentData() or "chair",
                           name_en=self.site_name_en.text())

    def isComplete(self) -> bool:
        from station.errors import StationError

        answer = self.answer()
        if not answer.name.strip() and not answer.facility_code.strip():
            self.result.show_result("none", "")
            return False
        try:
            validate_site(answer)
        except StationError as exc:
            self.result.show_result("fail", error_text(exc))
            return False
        self.result.show_result("ok", "")
        return True


class DatabasePage(SetupPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.embedded, self.server = self.choices(2)
        self.url = _line(self, "database_url")
        self.hint = self.hint_label()
        self.lay_out(self.embedded, self.server, self.url, self.hint)
        self.embedded.setChecked(True)
        self.retranslate()

    def _mode_changed(self) -> None:
        self.url.setEnabled(self.server.isChecked())
        self.changed()

    def retranslate(self) -> None:
        super().retranslate()
        self.test_button.setText(_tr("Test the connection"))
        self.setTitle(_tr("Database"))
        self.setSubTitle(_tr("One station on its own keeps its data in a file; the stations of a centre share "
                             "its PostgreSQL database."))
        self.embedded.setText(_tr("This station only (embedded SQLite file in the data folder)"))
        self.server.setText(_tr("The centre's PostgreSQL database"))
        self.url.setPlaceholderText("postgresql+psycopg://station@db-server/station")
        self.hint.setText(_tr("Ask the centre's IT for the address. The first station creates the tables; "
                              "the others join them."))

    def answer(self) -> str:
        return self.url.text().strip() if self.server.isChecked() else ""

    def needs_test(self) -> bool:
        return self.server.isChecked()

    def run_test(self) -> None:
        self.data_dir = self.setup_answers().data_dir
        super().run_test()

    def test(self, answer: str) -> Any:
        return check_database(answer, self.data_dir)

    def passed(self, check: Any) -> str:
        text = _tr("Connected: PostgreSQL %1 at %2").replace("%1", check.server_version).replace("%2", check.shown)
        if check.has_schema:
            text += "\n" + _tr("Other stations already use this database: this station joins them.")
        return text


class StorePage(SetupPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url = _line(self, "store_url")
        self.browse = QPushButton(self)
        self.browse.clicked.connect(self._browse)
        self.endpoint = _line(self, "s3_endpoint")
        self.access_key = _line(self, "s3_access_key")
        self.secret_key = _line(self, "s3_secret_key")
        self.secret_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.hint = self.hint_label()
        url_row = QHBoxLayout()
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.browse)
        self.form = QFormLayout()
        self.labels = [QLabel(self) for _ in range(4)]
        self.form.addRow(self.labels[0], url_row)
        for label, field in zip(self.labels[1:], (self.endpoint, self.access_key, self.secret_key), strict=True):
            self.form.addRow(label, field)
        self.lay_out(self.form, self.hint)
        self.url.textChanged.connect(self._kind_changed)
        self._kind_changed()
        self.retranslate()

    def _kind_changed(self) -> None:
        s3 = self.url.text().strip().startswith("s3://")
        for widget in (self.endpoint, self.access_key, self.secret_key):
            widget.setEnabled(s3)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _tr("Records store folder"))
        if folder:
            self.url.setText(Path(folder).as_uri())

    def retranslate(self) -> None:
        super().retranslate()
        self.test_button.setText(_tr("Test the records store"))
        self.setTitle(_tr("Records store"))
        self.setSubTitle(_tr("Where archived records are kept: a folder (local or a mounted network share) or an "
                             "S3-compatible object store with object lock."))
        for label, text in zip(self.labels, (_tr("Address"), _tr("S3 endpoint"), _tr("Access key"), _tr("Secret key")),
                               strict=True):
            label.setText(text)
        self.browse.setText(_tr("Choose folder…"))
        self.url.setPlaceholderText(_tr("empty: the archive-store folder in the data folder"))
        self.endpoint.setPlaceholderText("https://s3.centre.local")
        self.hint.setText(_tr("Examples: file:///srv/records, s3://records/station-3"))

    def answer(self) -> tuple[str, S3Settings]:
        s3 = S3Settings(endpoint=self.endpoint.text().strip(), access_key=self.access_key.text().strip(),
                        secret_key=self.secret_key.text())
        return self.url.text().strip(), s3

    def needs_test(self) -> bool:
        return bool(self.url.text().strip())

    def run_test(self) -> None:
        self.data_dir = self.setup_answers().data_dir
        super().run_test()

    def test(self, answer: tuple[str, S3Settings]) -> Any:
        return check_records_store(answer[0], self.data_dir, answer[1])

    def passed(self, check: Any) -> str:
        return _tr("The records store answers: %1").replace("%1", check.location)


class CAPage(SetupPage):
    # key custody of the station's own CA, production choices first (the first is the default)
    CUSTODY = ("passphrase", "token", "demo")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.local, self.centre = self.choices(2)
        self.custody = QComboBox(self)
        self.custody.setObjectName("ca_custody")
        for _ in self.CUSTODY:
            self.custody.addItem("")
        self.custody.currentIndexChanged.connect(lambda _i: self._mode_changed())
        self.folder = _line(self, "ca_folder")
        self.browse = QPushButton(self)
        self.browse.clicked.connect(self._browse)
        self.passphrase = _line(self, "ca_passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_again = _line(self, "ca_passphrase_again")
        self.passphrase_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_label = _line(self, "ca_token_label")
        self.token_pin = _line(self, "ca_token_pin")
        self.token_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.tsa_url = _line(self, "tsa_url")
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        self.form = QFormLayout()
        self.labels = [QLabel(self) for _ in range(7)]
        self.form.addRow(self.labels[0], self.custody)
        self.form.addRow(self.labels[1], folder_row)
        self.form.addRow(self.labels[2], self.passphrase)
        self.form.addRow(self.labels[3], self.passphrase_again)
        self.form.addRow(self.labels[4], self.token_label)
        self.form.addRow(self.labels[5], self.token_pin)
        self.form.addRow(self.labels[6], self.tsa_url)
        self.hint = self.hint_label()
        self.lay_out(self.local, self.centre, self.form, self.hint)
        self.local.setChecked(True)
        self.retranslate()
        self._mode_changed()

    def custody_choice(self) -> str:
        return self.CUSTODY[max(0, self.custody.currentIndex())]

    def _mode_changed(self) -> None:
        centre = self.centre.isChecked()
        custody = self.custody_choice()
        self.custody.setEnabled(not centre)
        for widget in (self.folder, self.browse):
            widget.setEnabled(centre)
        self.passphrase.setEnabled(centre or custody == "passphrase")
        self.passphrase_again.setEnabled(not centre and custody == "passphrase")
        for widget in (self.token_label, self.token_pin):
            widget.setEnabled(not centre and custody == "token")
        self._hint()
        self.changed()

    def _hint(self) -> None:
        if not hasattr(self, "hint"):
            return
        if self.centre.isChecked() or self.custody_choice() == "passphrase":
            self.hint.setText(_tr("The passphrase is not stored on this station: the administrator types it at "
                                  "every client start to unlock signing."))
        elif self.custody_choice() == "token":
            self.hint.setText(_tr("The CA and time stamp keys are made on the token and never leave it: insert it "
                                  "and type its PIN at every client start."))
        else:
            self.hint.setText(_tr("Demonstration only: the passphrase is kept in a file beside the keys, so whoever "
                                  "copies the data folder can issue certificates and time stamps."))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _tr("The centre's CA folder"))
        if folder:
            self.folder.setText(folder)

    def retranslate(self) -> None:
        super().retranslate()
        self.test_button.setText(_tr("Test the CA and time stamps"))
        self.setTitle(_tr("Certificates and time stamps"))
        self.setSubTitle(_tr("The signed records need a certification authority (CA) and an RFC 3161 time stamp "
                             "service."))
        self.local.setText(_tr("Create this station's own CA and time stamp service"))
        self.centre.setText(_tr("Use the centre's CA (root and issuing CA with their keys)"))
        texts = (_tr("Key custody"), _tr("CA folder"), _tr("Key passphrase"), _tr("Passphrase again"),
                 _tr("Token label"), _tr("Token PIN"), _tr("Time stamp service"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        for index, text in enumerate((_tr("Passphrase typed at every start (not stored)"),
                                      _tr("Keys on a PKCS#11 token (PIN at every start)"),
                                      _tr("Demo only: passphrase file beside the keys"))):
            self.custody.setItemText(index, text)
        self.browse.setText(_tr("Choose folder…"))
        self.tsa_url.setPlaceholderText(_tr("http://tsa.centre.local/tsa (empty: this station's own)"))
        self._hint()

    def answer(self) -> CAAnswers:
        if self.centre.isChecked():
            return CAAnswers(mode="centre", directory=self.folder.text().strip(), passphrase=self.passphrase.text(),
                             tsa_url=self.tsa_url.text().strip())
        custody = self.custody_choice()
        return CAAnswers(mode="local", tsa_url=self.tsa_url.text().strip(), custody=custody,
                         passphrase=self.passphrase.text() if custody == "passphrase" else "",
                         passphrase_again=self.passphrase_again.text() if custody == "passphrase" else "",
                         token_label=self.token_label.text().strip() if custody == "token" else "",
                         token_pin=self.token_pin.text() if custody == "token" else "")

    def needs_test(self) -> bool:
        # the passphrase and token choices are checked too (length, typed twice, the token's PIN)
        return self.centre.isChecked() or bool(self.tsa_url.text().strip()) or self.custody_choice() != "demo"

    def test(self, answer: CAAnswers) -> Any:
        return check_ca(answer)

    def passed(self, checks: Any) -> str:
        chain, tsa = checks
        lines = []
        if chain is not None:
            lines.append(_tr("The chain verifies: %1 under %2 (SHA-256 %3), valid until %4")
                         .replace("%1", chain.issuing_subject).replace("%2", chain.root_subject)
                         .replace("%3", chain.root_sha256[:16] + "…").replace("%4", f"{chain.not_after:%Y-%m-%d}"))
        if tsa is not None:
            lines.append(_tr("The time stamp service answers: %1, time %2")
                         .replace("%1", tsa.tsa_subject).replace("%2", local_time(tsa.gen_time, "%Y-%m-%d %H:%M:%S", offset=True)))
        return "\n".join(lines)


class DeviceRow:
    """One configured device: driver, port (found on the machine or typed), its test and the outcome."""

    SIMULATOR = "simulator"
    TABLET = "tablet"

    def __init__(self, page: DevicesPage, name: str, device: DeviceConfig) -> None:
        self.page = page
        self.name = name
        self.device = device
        self.label = QLabel(page)
        self.driver = QComboBox(page)
        self.driver.setObjectName(f"driver_{name}")
        self.port = QComboBox(page)
        self.port.setObjectName(f"port_{name}")
        self.port.setEditable(True)
        self.port.setMinimumWidth(220)
        self.test = QPushButton(page)
        self.result = ResultLabel(page)
        self.running = False
        self.driver.currentIndexChanged.connect(lambda _i: self._driver_changed())
        self.port.currentTextChanged.connect(lambda _t: self.page.changed())
        self.test.clicked.connect(self.run_test)

    def retranslate(self) -> None:
        self.label.setText(_tr(DEVICE_LABELS.get(self.device.kind, self.device.kind)))
        current = self.driver.currentData() or self.device.driver
        self.driver.blockSignals(True)
        self.driver.clear()
        if self.device.kind == "signature-pad":
            self.driver.addItem(_tr("donor tablet window"), self.TABLET)
        self.driver.addItem(_tr("simulator"), self.SIMULATOR)
        for driver in drivers_for(self.device.kind):
            self.driver.addItem(driver, driver)
        self.driver.setCurrentIndex(max(0, self.driver.findData(current)))
        self.driver.blockSignals(False)
        self.test.setText(_tr("Test"))
        self._driver_changed()

    def _driver_changed(self) -> None:
        real = self.driver.currentData() not in (self.SIMULATOR, self.TABLET)
        self.port.setEnabled(real)
        self.test.setEnabled(real and not self.running)
        if not real:
            self.result.show_result("none", "")
        self.page.changed()

    def set_ports(self, ports: list[tuple[str, str]]) -> None:
        typed = self.port.currentText()
        self.port.blockSignals(True)
        self.port.clear()
        for device, description in ports:
            self.port.addItem(f"{device}  {description}".strip(), device)
        self.port.setEditText(typed)
        self.port.blockSignals(False)

    def port_url(self) -> str:
        text = self.port.currentText().strip()
        index = self.port.findText(text)
        return str(self.port.itemData(index)) if index >= 0 and self.port.itemData(index) else text

    def config(self) -> DeviceConfig:
        driver = self.driver.currentData() or self.SIMULATOR
        if driver in (self.SIMULATOR, self.TABLET):
            return DeviceConfig(kind=self.device.kind, driver=driver, port="", protocol=self.device.protocol)
        protocol = driver if self.device.kind == "analyzer" and driver in ("astm", "hl7") else self.device.protocol
        return DeviceConfig(kind=self.device.kind, driver=driver, port=self.port_url(), protocol=protocol)

    def complete(self) -> bool:
        return not self.running and (not self.port.isEnabled() or bool(self.port_url()))

    def run_test(self) -> None:
        config = self.config()
        self.running = True
        self.test.setEnabled(False)
        self.result.show_result("none", _tr("Testing…"))
        self.page.changed()

        def finish(level: str, text: str) -> None:
            self.running = False
            self.result.show_result(level, text)
            self._driver_changed()

        name, timeout = self.name, self.page.timeout
        label = self.label.text()

        def failed(exc: BaseException) -> None:
            finish("fail", _tr("Failed"))
            self.page.detail.show_result("fail", _tr("%1: %2").replace("%1", label).replace("%2", error_text(exc)))

        def answered(check: Any) -> None:
            finish("ok", _tr("Answered"))
            self.page.detail.show_result("ok", _tr("%1: answered on %2").replace("%1", label).replace("%2", check.port))

        run_op(self.page, lambda: check_device(name, config, timeout), answered, failed, slow=True)


class DevicesPage(SetupPage):
    timeout = 5.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = {name: DeviceRow(self, name, device) for name, device in default_devices().items()}
        self.refresh = QPushButton(self)
        self.refresh.clicked.connect(self.find_ports)
        self.found = QLabel(self)
        self.found.setWordWrap(True)
        self.hint = self.hint_label()
        self.detail = ResultLabel(self)
        grid = QGridLayout()
        self.headers = [QLabel(self) for _ in range(3)]
        for col, header in enumerate(self.headers):
            header.setStyleSheet("font-weight:bold;")
            grid.addWidget(header, 0, col)
        for i, row in enumerate(self.rows.values(), start=1):
            grid.addWidget(row.label, i, 0)
            grid.addWidget(row.driver, i, 1)
            grid.addWidget(row.port, i, 2)
            grid.addWidget(row.test, i, 3)
            grid.addWidget(row.result, i, 4)
        grid.setColumnStretch(4, 1)
        top = QHBoxLayout()
        top.addWidget(self.refresh)
        top.addWidget(self.found, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(grid)
        lay.addWidget(self.detail)
        lay.addWidget(self.hint)
        lay.addStretch(1)
        self.test_button.hide()
        self.retranslate()

    def initializePage(self) -> None:
        self.find_ports()

    def find_ports(self) -> None:
        self.refresh.setEnabled(False)

        def show(ports: list[Any]) -> None:
            self.refresh.setEnabled(True)
            pairs = [(p.device, p.description) for p in ports]
            for row in self.rows.values():
                row.set_ports(pairs)
            self.found.setText(_tr("Serial ports found: %1").replace("%1", ", ".join(p for p, _d in pairs) or "—"))

        run_op(self, list_serial_ports, show, lambda exc: (self.refresh.setEnabled(True),
                                                           self.found.setText(error_text(exc))), slow=True)

    def retranslate(self) -> None:
        super().retranslate()
        self.setTitle(_tr("Devices"))
        self.setSubTitle(_tr("Choose each device's driver and port, then test it. A device left on the simulator "
                             "can be set up later."))
        for header, text in zip(self.headers, (_tr("Device"), _tr("Driver"), _tr("Port")), strict=True):
            header.setText(text)
        self.refresh.setText(_tr("Find ports again"))
        self.hint.setText(_tr("A port may also be typed: COM3, /dev/ttyUSB0, a pty, socket://host:port, "
                              "mllp://0.0.0.0:5100 (HL7 analyzer). Scan a barcode or send a result from the "
                              "analyzer while it is tested."))
        for row in getattr(self, "rows", {}).values():
            row.retranslate()

    def devices(self) -> dict[str, DeviceConfig]:
        return {name: row.config() for name, row in self.rows.items()}

    def isComplete(self) -> bool:
        return all(row.complete() for row in self.rows.values())


class FinishPage(SetupPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.admin = QLabel(self)
        self.admin.setWordWrap(True)
        self.admin.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.admin.setStyleSheet("font-size:13pt;font-weight:bold;")
        self.done: SetupResult | None = None
        self.lay_out(self.summary, after=(self.admin,))
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setTitle(_tr("Set up this station"))
        self.setSubTitle(_tr("Everything is checked once more, then the configuration is written."))
        self.test_button.setText(_tr("Set up this station"))
        if self.wizard() is not None and self.done is None:
            self.initializePage()

    def initializePage(self) -> None:
        answers = self.setup_answers().answers()
        db = answers.database_url or _tr("embedded SQLite file")
        store = answers.records_store_url or _tr("the archive-store folder in the data folder")
        if answers.ca.mode == "centre":
            ca = _tr("the centre's CA in %1").replace("%1", answers.ca.directory)
        else:
            ca = _tr("this station's own CA")
        tsa = answers.ca.tsa_url or _tr("this station's own time stamp service")
        def kind(d: DeviceConfig) -> str:
            return _tr(DEVICE_LABELS.get(d.kind, d.kind))

        simulated = [kind(d) for d in answers.devices.values() if d.driver == DeviceRow.SIMULATOR]
        real = [f"{kind(d)} ({d.driver}, {d.port})" for d in answers.devices.values()
                if d.driver not in (DeviceRow.SIMULATOR, DeviceRow.TABLET)]
        rows = [
            (_tr("Data folder"), str(self.setup_answers().data_dir)),
            (_tr("Blood centre"), f"{answers.site.name} ({answers.site.facility_code.strip().upper()})"),
            (_tr("Station name"), answers.site.station_name),
            (_tr("Database"), db),
            (_tr("Records store"), store),
            (_tr("CA"), ca),
            (_tr("Time stamp service"), tsa),
            (_tr("Devices"), _tr(", ").join(real) or "—"),
            (_tr("On the simulator"), _tr(", ").join(simulated) or "—"),
        ]
        self.summary.setText("\n".join(_tr("%1: %2").replace("%1", k).replace("%2", v) for k, v in rows))

    def answer(self) -> tuple[SetupAnswers, Path, S3Settings]:
        wizard = self.setup_answers()
        return wizard.answers(), wizard.data_dir, wizard.store_page.answer()[1]

    def test(self, answer: tuple[SetupAnswers, Path, S3Settings]) -> Any:
        answers, data_dir, s3 = answer
        return apply_setup(answers, data_dir, s3=s3)

    def passed(self, result: Any) -> str:
        self.done = result
        return _tr("The station is set up. Configuration: %1").replace("%1", str(result.config_file))

    def run_test(self) -> None:
        self.setup_answers().button(QWizard.WizardButton.CancelButton).setEnabled(False)
        super().run_test()

    def _finish(self, level: str, text: str) -> None:
        super()._finish(level, text)
        wizard = self.setup_answers()
        wizard.button(QWizard.WizardButton.CancelButton).setEnabled(self.done is None)
        if self.done is None:
            return
        self.test_button.setEnabled(False)
        wizard.setOption(QWizard.WizardOption.DisabledBackButtonOnLastPage, True)
        if self.done.admin_password:
            self.admin.setText(_tr("Administrator: %1, password: %2\nWrite it down now: it is shown only once and "
                                   "must be changed at the first sign-in.")
                               .replace("%1", self.done.admin_username).replace("%2", self.done.admin_password))
        else:
            self.admin.setText(_tr("The database already has an administrator: sign in with that account."))
        wizard.sig_configured.emit(self.done)

    def isComplete(self) -> bool:
        return self.done is not None and not self.running


class SetupWizard(QWizard):
    """The first-run wizard for one data folder; emits sig_configured(SetupResult) when the station is set up."""

    sig_configured = Signal(object)

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.setObjectName("setup_wizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.site_page = SitePage(self)
        self.database_page = DatabasePage(self)
        self.store_page = StorePage(self)
        self.ca_page = CAPage(self)
        self.devices_page = DevicesPage(self)
        self.finish_page = FinishPage(self)
        self.pages: list[SetupPage] = [self.site_page, self.database_page, self.store_page, self.ca_page,
                                       self.devices_page, self.finish_page]
        for page in self.pages:
            self.addPage(page)
        self.resize(900, 640)
        self.retranslate()

    def answers(self) -> SetupAnswers:
        return SetupAnswers(site=self.site_page.answer(), database_url=self.database_page.answer(),
                            records_store_url=self.store_page.answer()[0], ca=self.ca_page.answer(),
                            devices=self.devices_page.devices(), language=current_language())

    def retranslate(self) -> None:
        self.setWindowTitle(_tr("Set up the apheresis station"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def run_setup_wizard(data_dir: Path, on_shown: Callable[[SetupWizard], None] | None = None) -> SetupResult | None:
    """Show the wizard (modal) and return what it set up, or None when it was cancelled (nothing written)."""
    wizard = SetupWizard(data_dir)
    if on_shown is not None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: on_shown(wizard))
    wizard.exec()
    result = wizard.finish_page.done
    wizard.deleteLater()
    return result
