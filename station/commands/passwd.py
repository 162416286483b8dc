"""`station passwd --user NAME [--password-file OLD] [--new-password-file NEW]`: change one's own password.

This is how a script makes the forced first change (after `station init` or an administrator's reset) and
how an expired password is renewed; the same rule and the same audit entries as the desktop client."""
from __future__ import annotations

import argparse

from station.cli import emit


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("passwd", parents=[common], help="change your password / 修改密码")
    p.add_argument("--new-password-file", default=None, metavar="FILE",
                   help="the new password, from a file readable by its owner only (default: asked twice)")
    p.set_defaults(handler=run)


def new_password(args: argparse.Namespace, username: str, attr: str = "new_password_file") -> str:
    from station.commands._shared import prompt_secret, read_secret_file
    from station.errors import UsageError

    path = getattr(args, attr, None)
    if path:
        return read_secret_file(path, "新密码", "new password")
    option = "--" + attr.replace("_", "-")
    first = prompt_secret(f"{username} 的新密码 / new password for {username}: ", option)
    if prompt_secret("新密码（再次输入）/ new password (again): ", option) != first:
        raise UsageError("两次输入的新密码不一致", "The two new passwords differ", code="PASSWORD_MISMATCH")
    return first


def run(args: argparse.Namespace) -> int:
    from station.commands._shared import open_ctx, password_for, sign_in, username_from
    from station.services.users import change_password

    username = username_from(args)
    ctx = open_ctx(args)
    try:
        old = password_for(args, username)
        actor = sign_in(ctx, username, old, allow_change_due=True)
        change_password(ctx, actor, old, new_password(args, username))
    finally:
        ctx.close()
    emit(args, {"user": username, "changed": True}, f"密码已修改 / password changed: {username}")
    return 0
