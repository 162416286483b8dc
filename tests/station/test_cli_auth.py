"""Signing in on the command line: which subcommands need a user, password files, the terminal prompt,
lockout, deactivated users, the forced change (`station passwd`), and demo folders."""
from __future__ import annotations

import argparse
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contextlib import ExitStack

from station.config import load_config
from tests.station.conftest import PG_MODE, ROOT, password_file, pg_database, run_cli
from tests.station.flow import PASSWORD

# the only subcommands that run without a signed-in user (README, "Signing in")
WITHOUT_USER = {"init", "db upgrade", "db current", "device test", "tsa serve", "sim", "appointments sim",
                "regional sim", "display", "verify", "screenshots", "demo"}


def _leaves(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    out = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.update(_leaves(sub, f"{prefix} {name}".strip()))
    if not out and prefix:
        out[prefix] = parser
    return out


def test_every_subcommand_but_installing_and_local_services_needs_a_user() -> None:
    from station.cli import build_parser

    leaves = _leaves(build_parser())
    assert "passwd" in leaves and "user unlock-signing" in leaves and "ca issue-staff" in leaves
    free = {name for name, p in leaves.items() if not p.get_default("needs_user")}
    # passwd signs in by itself (with the old password); restore belongs to station/commands/backup.py, which
    # issue 19's restore work (deliverable 3) makes an administrator's action
    assert free - {"passwd", "restore"} == WITHOUT_USER
    for name, p in leaves.items():
        options = {o for a in p._actions for o in a.option_strings}
        assert {"--user", "--password-file"} <= options, name
        assert "--as" not in options, name


@pytest.mark.parametrize("args", [
    ["donor", "show", "--id-number", "110101199003077774"], ["donor", "search", "--name", "王"],
    ["archive", "search", "--name", "王"], ["audit", "history", "--donation", "1"], ["lots", "list"],
    ["report", "daily"], ["user", "list"], ["ca", "crl"], ["backup", "--out", "x.bak"],
])
def test_without_a_user_nothing_runs(data_dir: Path, args: list[str]) -> None:
    out = run_cli(*args, data_dir=data_dir, user=None)
    assert out.returncode == 2 and "--user" in out.stderr and "Traceback" not in out.stderr
    out = run_cli(*args, data_dir=data_dir, user="admin", password="Not-The-Password-1")
    assert out.returncode == 1 and "Wrong username or password" in out.stderr


def test_password_file_readable_by_others_is_refused(data_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    for mode in (0o644, 0o640, 0o604):
        secret.chmod(mode)
        out = run_cli("lots", "list", "--password-file", str(secret), data_dir=data_dir, user=None,
                      env={"STATION_USER": "nur01"})
        assert out.returncode == 1 and "readable by group or others" in out.stderr and "chmod 600" in out.stderr
    secret.chmod(0o600)
    out = run_cli("lots", "list", "--json", "--user", "nur01", "--password-file", str(secret), data_dir=data_dir,
                  user=None)
    assert out.returncode == 0, out.stderr


def test_password_on_a_file_descriptor(data_dir: Path) -> None:
    """A script hands the password over a pipe (--password-file /dev/fd/N), never on the command line."""
    read, write = os.pipe()
    os.write(write, PASSWORD.encode() + b"\n")
    os.close(write)
    env = {k: v for k, v in os.environ.items() if k not in ("STATION_HOME", "STATION_PASSWORD_FILE")}
    env["STATION_LANG"] = "en"
    try:
        out = subprocess.run([sys.executable, "-m", "station.cli", "lots", "list", "--json", "--user", "nur01",
                              "--password-file", f"/dev/fd/{read}", "--data-dir", str(data_dir)],
                             pass_fds=(read,), capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
                             check=False, stdin=subprocess.DEVNULL)
    finally:
        os.close(read)
    assert out.returncode == 0, out.stderr
    assert isinstance(json.loads(out.stdout), list)


def test_permissions_are_the_users_own(data_dir: Path) -> None:
    out = run_cli("user", "list", data_dir=data_dir, user="reg01")
    assert out.returncode == 1 and "may not do this" in out.stderr
    out = run_cli("user", "list", "--json", data_dir=data_dir, user="admin")
    assert out.returncode == 0 and {u["username"] for u in json.loads(out.stdout)} >= {"admin", "reg01"}


def test_lockout_and_deactivation_on_the_command_line(data_dir: Path) -> None:
    for _ in range(5):
        out = run_cli("lots", "list", data_dir=data_dir, user="nur01", password="Wrong-Password-77")
        assert out.returncode == 1
    out = run_cli("lots", "list", data_dir=data_dir, user="nur01")  # the right password, but locked
    assert out.returncode == 1 and "locked" in out.stderr
    out = run_cli("user", "deactivate", "reg01", data_dir=data_dir, user="admin")
    assert out.returncode == 0, out.stderr
    out = run_cli("donor", "search", "--name", "王", data_dir=data_dir, user="reg01")
    assert out.returncode == 1 and "Wrong username or password" in out.stderr
    out = run_cli("audit", "history", "--donation", "1", "--json", data_dir=data_dir, user="admin")
    assert out.returncode == 0


def test_forced_change_after_a_reset_is_made_with_passwd(data_dir: Path) -> None:
    new = password_file("Reset-Lantern-2026")
    out = run_cli("user", "reset-password", "reg01", "--new-password-file", str(new), data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    out = run_cli("donor", "search", "--name", "王", data_dir=data_dir, user="reg01", password="Reset-Lantern-2026")
    assert out.returncode == 1 and "station passwd --user reg01" in out.stderr
    weak = password_file("        ")
    out = run_cli("passwd", "--new-password-file", str(weak), data_dir=data_dir, user="reg01",
                  password="Reset-Lantern-2026")
    assert out.returncode == 1 and "spaces" in out.stderr
    mine = password_file("Own-Desk-Window-2026")
    out = run_cli("passwd", "--new-password-file", str(mine), data_dir=data_dir, user="reg01",
                  password="Reset-Lantern-2026")
    assert out.returncode == 0, out.stderr
    out = run_cli("donor", "search", "--name", "王", data_dir=data_dir, user="reg01", password="Own-Desk-Window-2026")
    assert out.returncode == 0, out.stderr


def test_the_password_is_asked_on_the_terminal(data_dir: Path) -> None:
    """Without --password-file the password is read from the terminal (a pseudo-terminal here), not echoed."""
    env = {k: v for k, v in os.environ.items() if k not in ("STATION_HOME", "STATION_PASSWORD_FILE")}
    env.update({"STATION_LANG": "en", "STATION_USER": "admin"})
    pid, fd = pty.fork()
    if pid == 0:  # the child: station on the pseudo-terminal
        os.chdir(ROOT)
        os.execvpe(sys.executable, [sys.executable, "-m", "station.cli", "user", "list", "--data-dir",
                                    str(data_dir)], env)
    output = b""
    deadline = time.monotonic() + 60
    sent = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if not sent and b"password for admin" in output:
            os.write(fd, PASSWORD.encode() + b"\n")
            sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert sent and os.waitstatus_to_exitcode(status) == 0, output.decode(errors="replace")
    assert b"reg01" in output and PASSWORD.encode() not in output  # the list, and no echo


def test_demo_runs_only_on_a_demo_folder(tmp_path: Path, data_dir: Path) -> None:
    out = run_cli("demo", "--headless", "--donations", "1", "--no-sign", "--no-devices", data_dir=data_dir, user=None)
    assert out.returncode == 1 and "not a demo folder" in out.stderr
    out = run_cli("init", "--demo", data_dir=data_dir, user=None)  # a real installation is never made a demo
    assert out.returncode == 2 and "not a demo" in out.stderr
    # nor is a real installation's database joined by a new demo folder
    joined = run_cli("init", "--demo", "--no-ca", data_dir=tmp_path / "joined", user=None,
                     env={"STATION_DATABASE_URL": load_config(data_dir).database_url})
    assert joined.returncode == 2 and "real installation" in joined.stderr
    assert not (tmp_path / "joined" / "station.toml").exists()
    with ExitStack() as stack:  # on PostgreSQL the demo folder gets a database of its own
        own = {"STATION_DATABASE_URL": stack.enter_context(pg_database())} if PG_MODE else {}
        _demo_folder_checks(tmp_path / "demo", data_dir, own)


def _demo_folder_checks(demo: Path, data_dir: Path, own: dict[str, str]) -> None:
    out = run_cli("init", "--demo", "--no-ca", "--json", data_dir=demo, user=None, env=own)
    assert out.returncode == 0 and json.loads(out.stdout)["demo"] is True
    assert "demo = true" in (demo / "station.toml").read_text()
    # the database says so too: a station.toml edited by hand is not enough
    from station.context import open_context
    from station.demo import is_demo

    ctx = open_context(demo)
    try:
        assert is_demo(ctx)
    finally:
        ctx.close()
    toml = data_dir / "station.toml"
    assert "demo = false" in toml.read_text()
    toml.write_text(toml.read_text().replace("demo = false", "demo = true", 1))
    out = run_cli("demo", "--headless", "--donations", "1", "--no-sign", "--no-devices", data_dir=data_dir, user=None)
    assert out.returncode == 1 and "not a demo folder" in out.stderr
    out = run_cli("demo", "--headless", "--donations", "2", "--no-sign", "--no-devices", "--json", data_dir=demo,
                  user=None)
    assert out.returncode == 0 and json.loads(out.stdout)["donations"] == 2


def test_the_demo_banner(tmp_path: Path) -> None:
    """The client shows DEMO on a demo folder (the banner reads station.toml: no database work on the GUI thread)."""
    probe = ("import os,sys; os.environ['QT_QPA_PLATFORM']='offscreen'\n"
             "from pathlib import Path\nfrom station.context import open_context\n"
             "from ui.app import build_client, ensure_application\nensure_application()\n"
             "ctx = open_context(Path(sys.argv[1]))\ns, w = build_client(ctx, devices=False)\n"
             "print('BANNER', w.demo_banner.isVisibleTo(w), w.demo_banner.text())\ns.devices.stop_all(); ctx.close()\n")
    for demo in (True, False):
        folder = tmp_path / f"d{demo}"
        out = run_cli("init", "--no-ca", *(["--demo"] if demo else []), data_dir=folder, user=None)
        assert out.returncode == 0, out.stderr
        shown = subprocess.run([sys.executable, "-c", probe, str(folder)], capture_output=True, text=True, cwd=ROOT,
                               env={**os.environ, "STATION_LANG": "en"}, timeout=120, check=False)
        line = [x for x in shown.stdout.splitlines() if x.startswith("BANNER")]
        assert line, shown.stderr
        assert line[0].startswith("BANNER True") == demo
        if demo:
            assert "DEMO" in line[0] or "演示" in line[0]
