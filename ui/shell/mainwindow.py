"""The station's main window: sign-in, password change, lock, and the signed-in user's workspaces."""
from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from station.security import Actor
from ui.i18n import current_language, set_language
from ui.session import ClientSession
from ui.shell import workspaces as ws
from ui.shell.lock import LockPage
from ui.shell.login import LoginPage, PasswordChangePage
from ui.shell.notifications import NotificationArea
from ui.shell.statusbar import StationStatusBar


class IdleWatcher(QObject):
    """Counts time since the last keyboard, mouse or tablet input anywhere in the application."""

    INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
             QEvent.Type.TabletPress, QEvent.Type.TouchBegin}

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.last_input = time.monotonic()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in self.INPUT:
            self.last_input = time.monotonic()
        return False


class MainWindow(QMainWindow):
    sig_workspace_shown = Signal(str)

    def __init__(self, session: ClientSession) -> None:
        super().__init__()
        self.session = session
        session.notify = self.notify
        self.setObjectName("main_window")
        self.resize(1360, 860)
        self.pages = QStackedWidget(self)
        self.login = LoginPage(session, self)
        self.password_change = PasswordChangePage(session, self)
        self.lock_page = LockPage(session, self)
        self.work = QWidget(self)
        for page in (self.login, self.password_change, self.lock_page, self.work):
            self.pages.addWidget(page)
        # the workspace area: navigation on the left, the workspace on the right
        self.nav = QListWidget(self.work)
        self.nav.setObjectName("workspace_nav")
        self.nav.setMaximumWidth(270)
        self.nav.setMinimumWidth(200)
        self.nav.setWordWrap(True)  # "Examination and assessment" wraps instead of being cut
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setStyleSheet("QListWidget{font-size:12pt;} QListWidget::item{padding:10px;}")
        self.stack = QStackedWidget(self.work)
        self.user_line = QLabel(self.work)
        self.lang_box = QComboBox(self.work)
        self.lang_box.addItem("中文", "zh_CN")
        self.lang_box.addItem("English", "en")
        self.lock_button = QPushButton(self.work)
        self.sign_out_button = QPushButton(self.work)
        left = QVBoxLayout()
        left.addWidget(self.user_line)
        left.addWidget(self.nav, 1)
        left.addWidget(self.lang_box)
        left.addWidget(self.lock_button)
        left.addWidget(self.sign_out_button)
        row = QHBoxLayout(self.work)
        row.setContentsMargins(4, 4, 4, 4)
        row.addLayout(left)
        row.addWidget(self.stack, 1)
        self.notifications = NotificationArea(self)
        # a demo folder (station init --demo; station.toml says so): a banner on every page
        from ui.common.widgets import Banner

        self.demo_banner = Banner(self)
        self.demo_banner.setObjectName("demo_banner")
        central = QWidget(self)
        col = QVBoxLayout(central)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.demo_banner)
        col.addWidget(self.notifications)
        col.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.status = StationStatusBar(session, self)
        self.setStatusBar(self.status)
        self.workspace_keys: list[str] = []
        self.workspace_widgets: dict[str, QWidget] = {}
        # wiring
        self.login.sig_signed_in.connect(self.on_signed_in)
        self.login.sig_language_chosen.connect(self.change_language)
        self.password_change.sig_changed.connect(self.show_workspaces)
        self.password_change.sig_sign_out.connect(self.sign_out)
        self.lock_page.sig_unlocked.connect(self.unlock)
        self.lock_page.sig_sign_out.connect(self.sign_out)
        self.nav.currentRowChanged.connect(self.show_workspace_at)
        self.lang_box.currentIndexChanged.connect(lambda _i: self.change_language(self.lang_box.currentData()))
        self.lock_button.clicked.connect(lambda: self.lock("manual"))
        self.sign_out_button.clicked.connect(self.sign_out)
        session.devices.sig_event.connect(self.on_device_event)
        from ui.common.scan import ScanRouter

        # the serial barcode scanner types into the focused field, as a keyboard scanner would
        self.scan_router = ScanRouter(session.devices, self)
        self.scan_router.sig_unrouted.connect(
            lambda data: self.notify("warn", self.tr("Scan %1 received, but no entry field is selected: click the "
                                                     "field and scan again.").replace("%1", data)))
        self.idle = IdleWatcher(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(5_000)
        self.idle_timer.timeout.connect(self.check_idle)
        self.idle_timer.start()
        from ui.ops import set_session_ended_handler

        set_session_ended_handler(self.on_session_ended)
        self.retranslate()
        self.pages.setCurrentWidget(self.login)

    # --- language ------------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Apheresis donation station"))
        self.lock_button.setText(self.tr("Lock screen"))
        self.sign_out_button.setText(self.tr("Sign out"))
        actor = self.session.actor
        self.user_line.setText(f"<b>{actor.display_name}</b>" if actor else "")
        titles = ws.titles()
        for i, key in enumerate(self.workspace_keys):
            item = self.nav.item(i)
            if item is not None:
                item.setText(titles[key])
        if self.session.ctx.config.station.demo:
            self.demo_banner.show_message("error", self.tr(
                "DEMO - practice data only; the demo accounts' passwords and PINs are published: never enter real donors"))
        self.lang_box.blockSignals(True)
        self.lang_box.setCurrentIndex(0 if current_language() == "zh_CN" else 1)
        self.lang_box.blockSignals(False)

    def change_language(self, lang: str) -> None:
        if lang and lang != current_language():
            set_language(lang)

    # --- sign-in, workspaces, lock -------------------------------------------------------------
    def notify(self, level: str, text: str) -> None:
        self.notifications.notify(level, text)

    def on_signed_in(self, actor: Actor, must_change: bool) -> None:
        self.session.actor = actor
        self.idle.last_input = time.monotonic()
        if must_change:
            self.pages.setCurrentWidget(self.password_change)
            self.password_change.old.setFocus()
            return
        self.show_workspaces()

    def show_workspaces(self) -> None:
        actor = self.session.user
        self.clear_workspaces()
        for spec in ws.workspaces_for(actor):
            widget = ws.create(spec, self.session)
            self.workspace_keys.append(spec.key)
            self.workspace_widgets[spec.key] = widget
            self.stack.addWidget(widget)
            item = QListWidgetItem(spec.title())
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.nav.addItem(item)
        self.retranslate()
        self.status.retranslate()
        self.pages.setCurrentWidget(self.work)
        if self.workspace_keys:
            self.nav.setCurrentRow(0)
            self.show_workspace_at(0)
        else:
            self.notify("warn", self.tr("Your account has no workspace on this station."))

    def clear_workspaces(self) -> None:
        self.nav.blockSignals(True)
        self.nav.clear()
        self.nav.blockSignals(False)
        for widget in self.workspace_widgets.values():
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self.workspace_widgets.clear()
        self.workspace_keys.clear()

    def show_workspace(self, key: str) -> QWidget:
        index = self.workspace_keys.index(key)
        if self.nav.currentRow() != index:
            self.nav.setCurrentRow(index)
        else:
            self.show_workspace_at(index)
        return self.workspace_widgets[key]

    def show_workspace_at(self, row: int) -> None:
        if not 0 <= row < len(self.workspace_keys):
            return
        key = self.workspace_keys[row]
        widget = self.workspace_widgets[key]
        self.stack.setCurrentWidget(widget)
        activate = getattr(widget, "activate", None)
        if activate is not None:
            activate()
        self.sig_workspace_shown.emit(key)

    def lock(self, reason: str) -> None:
        if self.session.actor is None or self.pages.currentWidget() is self.lock_page:
            return
        self.lock_page.lock(reason)
        self.pages.setCurrentWidget(self.lock_page)

    def unlock(self) -> None:
        self.idle.last_input = time.monotonic()
        self.pages.setCurrentWidget(self.work)

    def sign_out(self) -> None:
        from PySide6.QtWidgets import QDialog

        from ui.dialogs import dialogs

        # nothing of the last user's session stays open: message boxes, dialogs, banners
        dialogs().close_all()
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.isVisible() and w is not self:
                w.reject()
        self.notifications.clear()
        self.clear_workspaces()
        actor, self.session.actor = self.session.actor, None
        if actor is not None and actor.session is not None:  # the service layer's session ends too
            from station.services import users
            from ui.ops import run_op

            ctx = self.session.ctx
            run_op(self, lambda: users.sign_out(ctx, actor), lambda _r: None, lambda _e: None)
        if self.session.tablet is not None:
            self.session.tablet.clear()
        self.status.retranslate()
        self.retranslate()
        self.login.reset()
        self.pages.setCurrentWidget(self.login)

    def on_session_ended(self, exc: BaseException) -> None:
        """The service layer ended the sign-in (expired, locked, deactivated, reset): back to the sign-in page."""
        if self.session.actor is None:
            return
        from ui.ops import error_text

        self.sign_out()
        self.login.banner.show_message("warn", error_text(exc))

    def check_idle(self) -> None:
        minutes = self.session.ctx.config.security.idle_lock_minutes
        if minutes > 0 and self.session.actor is not None and time.monotonic() - self.idle.last_input > minutes * 60:
            self.lock("idle")

    def on_device_event(self, name: str, event: object) -> None:
        action = getattr(event, "action", None)
        if getattr(event, "uid", None) is None or action is None:
            return
        if action == "inserted" and self.session.actor is None:
            self.login.on_staff_card(event.uid)  # type: ignore[attr-defined]
        elif action == "removed":
            self.lock("card")

    def closeEvent(self, event: QEvent) -> None:
        if self.session.tablet is not None:
            self.session.tablet.close()
        super().closeEvent(event)  # type: ignore[arg-type]
