"""The donor-facing window: own details to confirm, consent and questionnaire, signature, fingerprint.

Large type, no menus, no staff names or staff-only data: only what the donor is asked to read and do."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTranslator, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.common.widgets import Panel
from ui.tablet.widgets import SignatureCanvas

# a touch screen: every target at least 48 px (here 64), large type
TOUCH_STYLE = """
QPushButton { min-height: 64px; min-width: 120px; font-size: 20pt; padding: 8px 24px; border-radius: 8px;
              background: #e8eef7; border: 2px solid #1f5fa8; }
QPushButton:disabled { color: #999; border-color: #bbb; background: #f2f2f2; }
QPushButton:checked { background: #1f5fa8; color: white; }
QPushButton#tablet_lang_zh, QPushButton#tablet_lang_en { min-height: 48px; min-width: 96px; font-size: 16pt;
                                                          padding: 4px 16px; }
QLabel { font-size: 18pt; }
QScrollBar:vertical { width: 48px; }
"""


class TabletWindow(Panel):
    sig_details_confirmed = Signal(bool)
    sig_questionnaire_done = Signal(dict)
    sig_signature_done = Signal()
    sig_fingerprint_retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("tablet_window")
        font = QFont(self.font())
        font.setPointSize(18)
        self.setFont(font)
        self.resize(1280, 800)
        self.setStyleSheet(TOUCH_STYLE)
        # the donor's language, chosen on the tablet; the staff's language switch does not reach it
        self.language = "zh_CN"
        self._translator: QTranslator | None = None
        self.donor: dict[str, Any] = {}
        self.questionnaire: dict[str, Any] = {}
        self.groups: dict[str, QButtonGroup] = {}
        self.scrolled_to_end = False
        self.pages = QStackedWidget(self)
        self.lang_zh, self.lang_en = QPushButton("中文", self), QPushButton("English", self)
        self.lang_zh.setObjectName("tablet_lang_zh")
        self.lang_en.setObjectName("tablet_lang_en")
        self.lang_group = QButtonGroup(self)
        for b in (self.lang_zh, self.lang_en):
            b.setCheckable(True)
            self.lang_group.addButton(b)
        self.lang_zh.setChecked(True)
        self.lang_zh.clicked.connect(lambda: self.set_language("zh_CN"))
        self.lang_en.clicked.connect(lambda: self.set_language("en"))
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.lang_zh)
        top.addWidget(self.lang_en)
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(self.pages, 1)
        # idle
        self.idle_page = QLabel(self)
        self.idle_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idle_page.setStyleSheet("font-size:28pt;color:#1f5fa8;")
        # details
        self.details_page = QWidget(self)
        self.details_title = QLabel(self.details_page)
        self.details_title.setStyleSheet("font-size:24pt;font-weight:bold;")
        self.details = QLabel(self.details_page)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details_yes = QPushButton(self.details_page)
        self.details_yes.setObjectName("tablet_details_yes")
        self.details_no = QPushButton(self.details_page)
        dl = QVBoxLayout(self.details_page)
        dl.addWidget(self.details_title)
        dl.addWidget(self.details, 1)
        row = QHBoxLayout()
        row.addWidget(self.details_no)
        row.addWidget(self.details_yes)
        dl.addLayout(row)
        # consent and questionnaire
        self.q_page = QWidget(self)
        self.q_hint = QLabel(self.q_page)
        self.q_hint.setWordWrap(True)
        self.q_hint.setStyleSheet("color:#1f5fa8;")
        self.scroll = QScrollArea(self.q_page)
        self.scroll.setObjectName("tablet_scroll")
        self.scroll.setWidgetResizable(True)
        self.q_body = QWidget()
        self.q_layout = QVBoxLayout(self.q_body)
        self.scroll.setWidget(self.q_body)
        self.q_next = QPushButton(self.q_page)
        self.q_next.setObjectName("tablet_questionnaire_next")
        self.q_next.setEnabled(False)
        ql = QVBoxLayout(self.q_page)
        ql.addWidget(self.q_hint)
        ql.addWidget(self.scroll, 1)
        ql.addWidget(self.q_next)
        self.scroll.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.scroll.verticalScrollBar().rangeChanged.connect(lambda *_: self._scrolled())
        # signature
        self.sig_page = QWidget(self)
        self.sig_title = QLabel(self.sig_page)
        self.sig_title.setStyleSheet("font-size:22pt;font-weight:bold;")
        self.canvas = SignatureCanvas(self.sig_page)
        self.clear_button, self.undo_button, self.redo_button = (QPushButton(self.sig_page) for _ in range(3))
        self.sig_done = QPushButton(self.sig_page)
        self.sig_done.setObjectName("tablet_signature_done")
        self.sig_done.setEnabled(False)
        sl = QVBoxLayout(self.sig_page)
        sl.addWidget(self.sig_title)
        sl.addWidget(self.canvas, 1)
        srow = QHBoxLayout()
        for b in (self.clear_button, self.undo_button, self.redo_button):
            srow.addWidget(b)
        srow.addStretch(1)
        srow.addWidget(self.sig_done)
        sl.addLayout(srow)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.undo_button.clicked.connect(self.canvas.undo)
        self.redo_button.clicked.connect(self.canvas.redo)
        self.canvas.sig_changed.connect(lambda: self.sig_done.setEnabled(not self.canvas.is_empty()))
        self.sig_done.clicked.connect(self.sig_signature_done.emit)
        # fingerprint
        self.fp_page = QWidget(self)
        self.fp_title = QLabel(self.fp_page)
        self.fp_title.setStyleSheet("font-size:24pt;font-weight:bold;")
        self.fp_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.fp_status = QLabel(self.fp_page)
        self.fp_status.setObjectName("tablet_fingerprint_status")
        self.fp_status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.fp_status.setWordWrap(True)
        self.fp_retry = QPushButton(self.fp_page)
        self.fp_retry.clicked.connect(self.sig_fingerprint_retry.emit)
        fl = QVBoxLayout(self.fp_page)
        fl.addStretch(1)
        fl.addWidget(self.fp_title)
        fl.addWidget(self.fp_status)
        fl.addWidget(self.fp_retry, 0, Qt.AlignmentFlag.AlignHCenter)
        fl.addStretch(2)
        # thanks
        self.thanks_page = QLabel(self)
        self.thanks_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thanks_page.setStyleSheet("font-size:28pt;color:#2e7d32;")
        for page in (self.idle_page, self.details_page, self.q_page, self.sig_page, self.fp_page, self.thanks_page):
            self.pages.addWidget(page)
        self.details_yes.clicked.connect(lambda: self.sig_details_confirmed.emit(True))
        self.details_no.clicked.connect(lambda: self.sig_details_confirmed.emit(False))
        self.q_next.clicked.connect(lambda: self.sig_questionnaire_done.emit(self.answers()))
        self.fp_state = ("wait", "")
        self.set_language("zh_CN")

    # --- placement ---------------------------------------------------------------------------
    def place_on_screen(self, index: int) -> None:
        screens = QGuiApplication.screens()
        if 0 <= index < len(screens) and len(screens) > 1:
            geo = screens[index].geometry()
            self.move(geo.topLeft())
            self.resize(geo.size())
            self.showFullScreen()
        else:
            self.show()

    # --- text ----------------------------------------------------------------------------------
    def set_language(self, lang: str) -> None:
        """The donor picks the tablet's language (中文 / English); answers given so far are kept."""
        from ui.i18n import I18N_DIR, ensure_compiled, normalise

        lang = normalise(lang)
        if lang == "zh_CN":
            ensure_compiled()
            translator = QTranslator(self)
            translator.load(str(I18N_DIR / "station_zh_CN.qm"))
            self._translator = translator
        else:
            self._translator = None
        self.language = lang
        (self.lang_zh if lang == "zh_CN" else self.lang_en).setChecked(True)
        self.retranslate()

    def tr(self, text: str) -> str:  # type: ignore[override]
        """The tablet's own language, not the application's (the staff's)."""
        if self.language == "en" or self._translator is None:
            return text
        return self._translator.translate("TabletWindow", text) or text

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            return  # the staff changed their language: the donor's tablet stays in the donor's
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Donor"))
        self.idle_page.setText(self.tr("Welcome. Thank you for donating platelets.\nPlease wait for the staff."))
        self.details_title.setText(self.tr("Please check your details"))
        self.details_yes.setText(self.tr("Yes, these are my details"))
        self.details_no.setText(self.tr("Something is wrong"))
        self.q_hint.setText(self.tr("Please read the consent to the end and answer every question."))
        self.q_next.setText(self.tr("Continue to signature"))
        self.sig_title.setText(self.tr("Please sign in the box below"))
        self.clear_button.setText(self.tr("Clear"))
        self.undo_button.setText(self.tr("Undo"))
        self.redo_button.setText(self.tr("Redo"))
        self.sig_done.setText(self.tr("Done"))
        self.fp_title.setText(self.tr("Please place your finger on the scanner"))
        self.fp_retry.setText(self.tr("Try again"))
        self.thanks_page.setText(self.tr("Thank you. Please return the pen and wait to be called."))
        self._paint_details()
        self._paint_fp()
        if self.questionnaire:
            self._build_questionnaire(keep_answers=True)

    def _paint_details(self) -> None:
        d = self.donor
        if not d:
            self.details.setText("")
            return
        sex = {"male": self.tr("male"), "female": self.tr("female")}.get(d.get("sex", ""), "")
        rows = [(self.tr("Name"), d.get("name", "")), (self.tr("Sex"), sex),
                (self.tr("Date of birth"), d.get("birth_date", "")),
                (self.tr("ID number"), d.get("id_number_masked", "")),
                (self.tr("Blood group"), f"{d.get('abo', '')}{' RhD' + d['rhd'] if d.get('rhd') else ''}")]
        self.details.setText("<table cellpadding='8'>" + "".join(
            f"<tr><td style='color:#555'>{k}</td><td><b>{v}</b></td></tr>" for k, v in rows) + "</table>")

    def _paint_fp(self) -> None:
        state, text = self.fp_state
        colour = {"ok": "#2e7d32", "error": "#c62828"}.get(state, "#1f5fa8")
        self.fp_status.setStyleSheet(f"color:{colour};font-size:20pt;")
        self.fp_status.setText({"wait": self.tr("Waiting for the scanner ..."),
                                "ok": self.tr("Fingerprint taken. Thank you."),
                                "poor": self.tr("The print was not clear enough. Please press again."),
                                "error": self.tr("The scanner is not available. Please tell the staff.")}
                               .get(state, text))
        self.fp_retry.setVisible(state in ("poor", "error"))

    # --- pages ---------------------------------------------------------------------------------
    def show_idle(self) -> None:
        self.donor, self.questionnaire = {}, {}
        self.pages.setCurrentWidget(self.idle_page)

    def show_details(self, donor: dict[str, Any]) -> None:
        self.donor = donor
        self._paint_details()
        self.pages.setCurrentWidget(self.details_page)

    def show_questionnaire(self, questionnaire: dict[str, Any]) -> None:
        self.questionnaire = questionnaire
        # each donor starts at the top: the last donor's scroll position must not count as "read to the end"
        self.scroll.verticalScrollBar().setValue(0)
        self._build_questionnaire(keep_answers=False)
        self.pages.setCurrentWidget(self.q_page)

    def show_signature(self) -> None:
        self.canvas.clear()
        self.pages.setCurrentWidget(self.sig_page)

    def show_fingerprint(self, state: str, text: str = "") -> None:
        self.fp_state = (state, text)
        self._paint_fp()
        self.pages.setCurrentWidget(self.fp_page)

    def show_thanks(self) -> None:
        self.pages.setCurrentWidget(self.thanks_page)

    def _build_questionnaire(self, keep_answers: bool) -> None:
        old = self.answers() if keep_answers else {}
        while self.q_layout.count():
            item = self.q_layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.groups.clear()
        q = self.questionnaire
        en = self.language == "en"
        title = QLabel(q["consent_title_en"] if en else q["consent_title_zh"])
        title.setStyleSheet("font-size:22pt;font-weight:bold;")
        self.q_layout.addWidget(title)
        for para in (q["consent_en"] if en else q["consent_zh"]):
            text = QLabel(para)
            text.setWordWrap(True)
            self.q_layout.addWidget(text)
        heading = QLabel(self.tr("Health questionnaire"))
        heading.setStyleSheet("font-size:22pt;font-weight:bold;margin-top:16px;")
        self.q_layout.addWidget(heading)
        for item in q["questions"]:
            frame = QFrame()
            frame.setFrameShape(QFrame.Shape.StyledPanel)
            grid = QGridLayout(frame)
            label = QLabel(f"{item['id']}  {item['en'] if en else item['zh']}")
            label.setWordWrap(True)
            yes, no = QPushButton(self.tr("Yes")), QPushButton(self.tr("No"))
            for b in (yes, no):
                b.setCheckable(True)
                b.setMinimumSize(140, 64)
            yes.setObjectName(f"q_{item['id']}_yes")
            no.setObjectName(f"q_{item['id']}_no")
            group = QButtonGroup(frame)
            group.addButton(yes)
            group.addButton(no)
            if old.get(item["id"]) == "yes":
                yes.setChecked(True)
            elif old.get(item["id"]) == "no":
                no.setChecked(True)
            group.buttonToggled.connect(lambda *_: self._update_next())
            self.groups[item["id"]] = group
            grid.addWidget(label, 0, 0, 1, 3)
            grid.addWidget(yes, 1, 1)
            grid.addWidget(no, 1, 2)
            grid.setColumnStretch(0, 1)
            self.q_layout.addWidget(frame)
        end = QLabel(self.tr("End of the questionnaire."))
        end.setStyleSheet("color:#555;")
        self.q_layout.addWidget(end)
        self.scrolled_to_end = False
        self._update_next()

    def answers(self) -> dict[str, str]:
        out = {}
        for qid, group in self.groups.items():
            checked = group.checkedButton()
            if checked is not None:
                out[qid] = "yes" if checked.objectName().endswith("_yes") else "no"
        return out

    def unanswered(self) -> list[str]:
        return [qid for qid in self.groups if qid not in self.answers()]

    def _scrolled(self, *_: object) -> None:
        bar = self.scroll.verticalScrollBar()
        if bar.maximum() > 0 and bar.value() >= bar.maximum() - 4:
            self.scrolled_to_end = True
        self._update_next()

    def _update_next(self) -> None:
        # signing only after the whole text was on screen and every question answered
        self.q_next.setEnabled(self.scrolled_to_end and bool(self.groups) and not self.unanswered())
