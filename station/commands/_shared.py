"""What the subcommands share: open the station for a data folder, sign in, find a donor, run a simulator.

Signing in on the command line works as on the desktop client: the password is checked with the same
lockout, the session is the same kind of session (it ends when the command ends, and every service call
checks it), an initial, reset or expired password must first be changed (`station passwd`), and the
permissions are the user's own. The user is `--user NAME` (default STATION_USER); the password comes from
`--password-file FILE` (default STATION_PASSWORD_FILE), which must not be readable by group or others, or
else is asked on the terminal."""
from __future__ import annotations

import argparse
import getpass
import os
import stat
import sys
from pathlib import Path
from typing import Any

from station.config import resolve_data_dir
from station.context import StationContext, open_context
from station.errors import PermissionDenied, UsageError
from station.security import Actor

USER_ENV = "STATION_USER"
PASSWORD_FILE_ENV = "STATION_PASSWORD_FILE"


def open_ctx(args: argparse.Namespace) -> StationContext:
    return open_context(resolve_data_dir(args.data_dir))


def read_secret_file(path: str | Path, what_zh: str = "密码", what_en: str = "password") -> str:
    """A password or PIN from a file only its owner may read (one trailing newline is dropped). A pipe works
    too, so a script may hand it over on a file descriptor: --password-file /dev/fd/3 or <(pass show x)."""
    p = Path(path).expanduser()
    try:
        st = p.stat()
    except OSError:
        raise UsageError(f"找不到{what_zh}文件 {p}", f"No {what_en} file {p}", code="SECRET_FILE_MISSING") from None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        raise UsageError(f"{what_zh}文件 {p} 不是普通文件", f"The {what_en} file {p} is not a regular file",
                         code="SECRET_FILE_MISSING")
    if os.name == "posix" and st.st_mode & 0o077:
        raise PermissionDenied(f"{what_zh}文件 {p} 可被其他用户读取（权限 {stat.S_IMODE(st.st_mode):04o}），"
                               f"请先执行 chmod 600 {p}",
                               f"The {what_en} file {p} is readable by group or others "
                               f"(mode {stat.S_IMODE(st.st_mode):04o}); run chmod 600 {p} first",
                               code="SECRET_FILE_INSECURE", details={"file": str(p)})
    text = p.read_bytes().decode("utf-8", errors="strict")
    for ending in ("\r\n", "\n"):
        if text.endswith(ending):
            return text[: -len(ending)]
    return text


def prompt_secret(prompt: str, option: str) -> str:
    """Ask on the terminal (never echoed); without a terminal, say which option gives the secret instead."""
    if not sys.stdin.isatty():
        raise UsageError(f"没有终端可输入，请用 {option} 指定文件", f"No terminal to ask on; give {option}",
                         code="SECRET_REQUIRED", details={"option": option})
    return getpass.getpass(prompt)


def username_from(args: argparse.Namespace, attr: str = "user", env: str = USER_ENV, option: str = "--user") -> str:
    name = (getattr(args, attr, None) or os.environ.get(env) or "").strip()
    if not name:
        raise UsageError(f"请用 {option} 或环境变量 {env} 指定登录用户",
                         f"Name the user to sign in as with {option} or {env}", code="USER_REQUIRED")
    return name


def password_for(args: argparse.Namespace, username: str, *, attr: str = "password_file",
                 env: str | None = PASSWORD_FILE_ENV, option: str = "--password-file") -> str:
    path = getattr(args, attr, None) or (os.environ.get(env) if env else None)
    if path:
        return read_secret_file(path)
    return prompt_secret(f"{username} 的密码 / password for {username}: ", option)


class _SignOut:
    """Held in ctx.resources: ctx.close() ends the command's session."""

    def __init__(self, ctx: StationContext, actor: Actor) -> None:
        self.ctx, self.actor = ctx, actor

    def close(self) -> None:
        from station.services.users import sign_out

        try:
            sign_out(self.ctx, self.actor)
        except Exception:  # noqa: BLE001 - closing down: the session expires by itself
            pass


def sign_in(ctx: StationContext, username: str, password: str, *, allow_change_due: bool = False) -> Actor:
    """Authenticate as the desktop client does (lockout, audit); the session ends with ctx.close()."""
    from station.services.users import authenticate

    actor, due = authenticate(ctx, username, password, via="cli")
    ctx.resources[f"cli-session-{actor.session.session_id if actor.session else actor.user_id}"] = _SignOut(ctx, actor)
    if due and not allow_change_due:
        raise PermissionDenied(f"{username} 须先修改密码（初始、重置或已过期）：station passwd --user {username}",
                               f"{username} must change the password first (initial, reset or expired): "
                               f"station passwd --user {username}", code="PASSWORD_CHANGE_REQUIRED")
    return actor


def acting_user(ctx: StationContext, args: argparse.Namespace) -> Actor:
    """The signed-in user of this command (signed in once per command)."""
    cached = getattr(args, "_signed_in", None)
    if cached is not None:
        return cached
    username = username_from(args)
    actor = sign_in(ctx, username, password_for(args, username))
    args._signed_in = actor
    return actor


def add_as_user(parser: argparse.ArgumentParser) -> None:
    """Mark a subcommand as run by a signed-in user (--user / --password-file come with the common options)."""
    parser.set_defaults(needs_user=True)
    note = "runs as a signed-in user: --user NAME (or STATION_USER), password from --password-file " \
           "(or STATION_PASSWORD_FILE) or the terminal"
    parser.epilog = f"{parser.epilog}\n{note}" if parser.epilog else note


def donor_id_for(ctx: StationContext, actor: Actor, args: argparse.Namespace) -> int:
    """The donor named by --id-number / --id-type, or NotFound with the message the desk staff read."""
    from station.errors import NotFound
    from station.services.donors import find_donor

    found = find_donor(ctx, actor, args.id_number, args.id_type)
    if found is None:
        raise NotFound("未找到该献血者", "No donor with that ID number", code="DONOR_NOT_FOUND")
    return int(found["donor_id"])


def add_simulator_options(p: argparse.ArgumentParser, port: int) -> None:
    """--port/--mode/--delay of a loopback platform simulator (station/platforms/sim.py)."""
    from station.platforms.sim import MODES

    p.add_argument("--port", type=int, default=port)
    p.add_argument("--mode", default="ok", choices=list(MODES))
    p.add_argument("--delay", type=float, default=0.0, help="seconds before every answer")


def serve_until_interrupted(args: argparse.Namespace, sim: Any, extra: dict[str, Any] | None = None) -> int:
    """Run a started simulator until Ctrl-C, after printing where it listens."""
    import time

    from station.cli import emit

    emit(args, {"url": sim.url, "mode": sim.mode, **(extra or {})}, f"{sim.name} at {sim.url} ({sim.mode})")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
