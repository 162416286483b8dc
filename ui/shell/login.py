"""Sign-in page: username + password, or staff card + PIN when a staff card is inserted; forced password change."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station.security import Actor
from station.services import users
from ui.common.widgets import Banner, Panel
from ui.i18n import current_language
from ui.ops import error_text, run_op
from ui.session import ClientSession


class LoginPage(Panel):
    """Emits sig_signed_in(actor, must_change_password)."""

    sig_signed_in = Signal(object, bool)
    sig_language_chosen = Signal(str)

    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.card_user: Actor | None = None
        self.title = QLabel(self)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("font-size:20pt;font-weight:bold;")
        self.site = QLabel(self)
        self.site.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.username = QLineEdit(self)
        self.username.setObjectName("login_username")
        self.password = QLineEdit(self)
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.language = QComboBox(self)
        self.language.addItem("中文", "zh_CN")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(0 if current_language() == "zh_CN" else 1)
        self.language.currentIndexChanged.connect(lambda _i: self.sig_language_chosen.emit(self.language.currentData()))
        self.sign_in = QPushButton(self)
        self.sign_in.setObjectName("login_button")
        self.sign_in.setDefault(True)
        self.banner = Banner(self)
        self.card_hint = QLabel(self)
        self.card_hint.setStyleSheet("color:#555;")
        form = QFormLayout()
        self.l_user, self.l_pass, self.l_lang = QLabel(self), QLabel(self), QLabel(self)
        form.addRow(self.l_user, self.username)
        form.addRow(self.l_pass, self.password)
        form.addRow(self.l_lang, self.language)
        box = QWidget(self)
        box.setMaximumWidth(460)
        inner = QVBoxLayout(box)
        inner.addWidget(self.title)
        inner.addWidget(self.site)
        inner.addSpacing(16)
        inner.addLayout(form)
        inner.addWidget(self.sign_in)
        inner.addWidget(self.banner)
        inner.addWidget(self.card_hint)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.sign_in.clicked.connect(self.submit)
        self.password.returnPressed.connect(self.submit)
        self.username.returnPressed.connect(self.password.setFocus)
        self.retranslate()

    def retranslate(self) -> None:
        site = self.session.ctx.config.site
        self.title.setText(self.tr("Apheresis donation station"))
        self.site.setText(site.name_en if current_language() == "en" else site.name)
        self.l_user.setText(self.tr("&Username") if self.card_user is None else self.tr("Staff card"))
        self.l_user.setBuddy(self.username)
        self.l_pass.setText(self.tr("&Password") if self.card_user is None else self.tr("&PIN"))
        self.l_pass.setBuddy(self.password)
        self.l_lang.setText(self.tr("Language"))
        self.sign_in.setText(self.tr("Sign in"))
        self.card_hint.setText(self.tr("Or insert your staff card and enter its PIN."))

    def reset(self) -> None:
        self.card_user = None
        self.username.setEnabled(True)
        self.username.clear()
        self.password.clear()
        self.banner.clear_message()
        self.retranslate()
        self.username.setFocus()

    def on_staff_card(self, uid: str) -> None:
        """A staff card was inserted: identify its holder, then ask for the PIN."""
        def found(actor: Actor) -> None:
            self.card_user = actor
            self.username.setText(actor.display_name)
            self.username.setEnabled(False)
            self.password.clear()
            self.password.setFocus()
            self.retranslate()

        run_op(self, lambda: users.actor_for_card(self.session.ctx, uid), found,
               lambda exc: self.banner.show_message("error", error_text(exc)))

    def submit(self) -> None:
        username = self.card_user.username if self.card_user else self.username.text().strip()
        password = self.password.text()
        if not username or not password:
            self.banner.show_message("warn", self.tr("Enter your username and password."))
            return
        self.sign_in.setEnabled(False)
        self.banner.clear_message()

        def done(result: tuple[Actor, bool]) -> None:
            self.sign_in.setEnabled(True)
            self.password.clear()
            self.sig_signed_in.emit(result[0], result[1])

        def failed(exc: BaseException) -> None:
            self.sign_in.setEnabled(True)
            self.password.clear()
            self.banner.show_message("error", error_text(exc))

        run_op(self, lambda: users.authenticate(self.session.ctx, username, password), done, failed)


class PasswordChangePage(Panel):
    """Initial accounts must choose their own password before they see any workspace."""

    sig_changed = Signal()
    sig_sign_out = Signal()  # the way out: a user who cannot (or will not) choose a password now

    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.heading = QLabel(self)
        self.heading.setStyleSheet("font-size:16pt;font-weight:bold;")
        self.heading.setWordWrap(True)
        self.old, self.new, self.again = QLineEdit(self), QLineEdit(self), QLineEdit(self)
        for i, e in enumerate((self.old, self.new, self.again)):
            e.setEchoMode(QLineEdit.EchoMode.Password)
            e.setObjectName(("pw_old", "pw_new", "pw_again")[i])
        self.save = QPushButton(self)
        self.save.setObjectName("pw_save")
        self.banner = Banner(self)
        self.l_old, self.l_new, self.l_again = QLabel(self), QLabel(self), QLabel(self)
        form = QFormLayout()
        form.addRow(self.l_old, self.old)
        form.addRow(self.l_new, self.new)
        form.addRow(self.l_again, self.again)
        box = QWidget(self)
        box.setMaximumWidth(520)
        inner = QVBoxLayout(box)
        inner.addWidget(self.heading)
        inner.addLayout(form)
        inner.addWidget(self.save)
        self.sign_out = QPushButton(self)
        self.sign_out.setObjectName("pw_sign_out")
        inner.addWidget(self.sign_out)
        inner.addWidget(self.banner)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.save.clicked.connect(self.submit)
        self.again.returnPressed.connect(self.submit)
        self.sign_out.clicked.connect(self._sign_out)
        self.retranslate()

    def _sign_out(self) -> None:
        for e in (self.old, self.new, self.again):
            e.clear()
        self.banner.clear_message()
        self.sig_sign_out.emit()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("This is your first sign-in: choose your own password "
                                     "(at least 8 characters, letters and digits)."))
        self.l_old.setText(self.tr("Current password"))
        self.l_new.setText(self.tr("New password"))
        self.l_again.setText(self.tr("New password again"))
        self.save.setText(self.tr("Change password"))
        self.sign_out.setText(self.tr("Sign out"))

    def submit(self) -> None:
        if self.new.text() != self.again.text():
            self.banner.show_message("error", self.tr("The two new passwords differ."))
            return
        old, new = self.old.text(), self.new.text()

        def done(actor: object) -> None:
            if actor is not None:
                self.session.actor = actor  # the change is no longer due: the session may work now
            for e in (self.old, self.new, self.again):
                e.clear()
            self.banner.clear_message()
            self.sig_changed.emit()

        run_op(self, lambda: users.change_password(self.session.ctx, self.session.user, old, new), done,
               lambda exc: self.banner.show_message("error", error_text(exc)))
