"""The lock screen: after idle time or staff-card removal; the same user unlocks, or signs out."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from station.services import users
from ui.common.widgets import Banner, Panel
from ui.ops import error_text, run_op
from ui.session import ClientSession


class LockPage(Panel):
    sig_unlocked = Signal()
    sig_sign_out = Signal()

    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.reason = ""
        self.heading = QLabel(self)
        self.heading.setStyleSheet("font-size:18pt;font-weight:bold;")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.why = QLabel(self)
        self.why.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password = QLineEdit(self)
        self.password.setObjectName("lock_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.unlock = QPushButton(self)
        self.sign_out = QPushButton(self)
        self.banner = Banner(self)
        box = QWidget(self)
        box.setMaximumWidth(460)
        inner = QVBoxLayout(box)
        inner.addWidget(self.heading)
        inner.addWidget(self.why)
        inner.addWidget(self.password)
        row = QHBoxLayout()
        row.addWidget(self.unlock)
        row.addWidget(self.sign_out)
        inner.addLayout(row)
        inner.addWidget(self.banner)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.unlock.clicked.connect(self.submit)
        self.password.returnPressed.connect(self.submit)
        self.sign_out.clicked.connect(self.sig_sign_out.emit)
        self.retranslate()

    def retranslate(self) -> None:
        who = self.session.actor.display_name if self.session.actor else ""
        self.heading.setText(self.tr("Locked: %1").replace("%1", who))
        self.why.setText({"idle": self.tr("The screen was locked after a period without use."),
                          "card": self.tr("The staff card was removed.")}.get(self.reason, ""))
        self.password.setPlaceholderText(self.tr("Password"))
        self.unlock.setText(self.tr("Unlock"))
        self.sign_out.setText(self.tr("Sign out"))

    def lock(self, reason: str) -> None:
        self.reason = reason
        self.password.clear()
        self.banner.clear_message()
        self.retranslate()
        self.password.setFocus()

    def submit(self) -> None:
        actor = self.session.user
        password = self.password.text()
        self.password.clear()

        def done(result: tuple[object, bool]) -> None:
            # the new sign-in's session carries on; the one that was locked is ended
            old, (self.session.actor, _due) = self.session.actor, result  # type: ignore[assignment]
            if old is not None and old.session is not None:
                ctx = self.session.ctx
                run_op(self, lambda: users.sign_out(ctx, old), lambda _r: None, lambda _e: None)
            self.sig_unlocked.emit()

        run_op(self, lambda: users.authenticate(self.session.ctx, actor.username, password), done,
               lambda exc: self.banner.show_message("error", error_text(exc)))
