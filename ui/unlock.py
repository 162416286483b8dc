"""At client start: the administrator unlocks signing (CA passphrase or token PIN), then sees the
CA/TSA certificates that end soon. The secret is checked by opening the keys and kept only in this
process's memory (station.services.pki); a cancelled prompt starts the client with signing locked
(signing then says so, and `unlock_signing` can still be called)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from ui.common.widgets import pick

AskSecret = Callable[[str, str], tuple[str, bool]]


def _ask(parent: QWidget | None) -> AskSecret:
    def ask(title: str, label: str) -> tuple[str, bool]:
        text, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Password)
        return str(text), bool(ok)
    return ask


def unlock_at_start(ctx: Any, parent: QWidget | None = None, *, ask: AskSecret | None = None,
                    tell: Callable[[str, str], None] | None = None) -> bool:
    """True when signing is unlocked (or needs no unlocking). `ask`/`tell` replace the dialogs in tests."""
    from station.errors import LocalizedError
    from station.services.pki import certificate_expiry_warnings, signing_locked, unlock_kind, unlock_signing

    ask = ask or _ask(parent)
    if tell is None:
        def tell(title: str, text: str) -> None:
            QMessageBox.warning(parent, title, text)
    title = pick("解锁签名", "Unlock signing")
    unlocked = True
    if signing_locked(ctx):
        label = (pick("CA 令牌 PIN（管理员）：", "CA token PIN (administrator):") if unlock_kind(ctx.config) == "pin"
                 else pick("CA 口令（管理员）：", "CA passphrase (administrator):"))
        unlocked = False
        while not unlocked:
            secret, ok = ask(title, label)
            if not ok:
                tell(title, pick("签名未解锁：记录暂不能签名，可重新启动客户端后解锁。",
                                 "Signing stays locked: records cannot be signed until the client is restarted "
                                 "and unlocked."))
                return False
            try:
                unlock_signing(ctx, secret)
                unlocked = True
            except LocalizedError as exc:
                tell(title, pick(exc.message_zh, exc.message_en))
    warnings = certificate_expiry_warnings(ctx)
    if warnings:
        tell(pick("证书即将到期", "Certificates ending soon"),
             "\n".join(pick(w["message_zh"], w["message_en"]) for w in warnings))
    return unlocked
