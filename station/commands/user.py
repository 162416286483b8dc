"""`station user list|reset-password|deactivate|activate|unlock-signing`: accounts, by an administrator."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from station.cli import emit
from station.commands._shared import acting_user, add_as_user, open_ctx


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("user", parents=[common], help="staff accounts (administrator) / 用户管理")
    sub = p.add_subparsers(dest="user_command", required=True)
    ls = sub.add_parser("list", parents=[common], help="every account, locked or not")
    ls.set_defaults(handler=run_list)
    reset = sub.add_parser("reset-password", parents=[common],
                           help="set a new password that must be changed at the next sign-in; sessions end")
    reset.add_argument("username")
    reset.add_argument("--new-password-file", default=None, metavar="FILE",
                       help="the new password (default: asked twice on the terminal)")
    reset.set_defaults(handler=run_reset)
    for name, text, handler in (("deactivate", "deactivate an account (its sessions end at once)", run_deactivate),
                                ("activate", "reactivate an account", run_activate),
                                ("unlock-signing", "unlock a signing key locked after wrong PINs", run_unlock)):
        sp = sub.add_parser(name, parents=[common], help=text)
        sp.add_argument("username")
        sp.set_defaults(handler=handler)
    for sp in sub.choices.values():
        add_as_user(sp)


def _as_admin(args: argparse.Namespace, work: Callable[[Any, Any], Any]) -> Any:
    ctx = open_ctx(args)
    try:
        return work(ctx, acting_user(ctx, args))
    finally:
        ctx.close()


def run_list(args: argparse.Namespace) -> int:
    from station.services.users import list_users

    rows = _as_admin(args, list_users)
    emit(args, rows, "\n".join(f"{r['username']:<12} {r['display_name']:<8} {','.join(r['roles']):<20} "
                               f"{'active' if r['active'] else 'INACTIVE'}{'  LOCKED' if r['locked'] else ''}"
                               f"{'  SIGNING-LOCKED' if r['signing_locked'] else ''}" for r in rows))
    return 0


def run_reset(args: argparse.Namespace) -> int:
    from station.commands.passwd import new_password
    from station.services.users import reset_password

    def work(ctx: Any, admin: Any) -> None:
        reset_password(ctx, admin, args.username, new_password(args, args.username))

    _as_admin(args, work)
    emit(args, {"user": args.username, "reset": True, "must_change": True},
         f"密码已重置，下次登录须修改 / password reset, to be changed at the next sign-in: {args.username}")
    return 0


def _set_active(args: argparse.Namespace, active: bool) -> int:
    from station.services.users import set_active

    _as_admin(args, lambda ctx, admin: set_active(ctx, admin, args.username, active))
    emit(args, {"user": args.username, "active": active},
         f"{'已启用 / activated' if active else '已停用 / deactivated'}: {args.username}")
    return 0


def run_deactivate(args: argparse.Namespace) -> int:
    return _set_active(args, False)


def run_activate(args: argparse.Namespace) -> int:
    return _set_active(args, True)


def run_unlock(args: argparse.Namespace) -> int:
    from station.services.users import unlock_signing_key

    _as_admin(args, lambda ctx, admin: unlock_signing_key(ctx, admin, args.username))
    emit(args, {"user": args.username, "signing_unlocked": True},
         f"签名密钥已解锁 / signing key unlocked: {args.username}")
    return 0
