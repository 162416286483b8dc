"""The `station` command line: one command, subcommands discovered from station/commands/."""
from __future__ import annotations

import argparse
import importlib
import json
import logging
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from station.errors import LocalizedError, user_language

Handler = Callable[[argparse.Namespace], int]


def common_parser() -> argparse.ArgumentParser:
    """Options every subcommand takes (the command line contract of ARCHITECTURE.md)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=None,
                        help="data folder (default: STATION_HOME, else the user data folder)")
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")
    # signing in (station/commands/_shared.py): every subcommand that reads personal data or changes anything
    common.add_argument("--user", default=None, metavar="NAME",
                        help="sign in as this user (default: STATION_USER)")
    common.add_argument("--password-file", default=None, metavar="FILE",
                        help="read the password from this file, readable by its owner only "
                             "(default: STATION_PASSWORD_FILE, else asked on the terminal)")
    return common


def emit(args: argparse.Namespace, payload: Any, human: str | None = None) -> None:
    """Print one JSON document with --json, else the human text (or a JSON dump of the payload)."""
    if getattr(args, "json", False) or human is None:
        print(json.dumps(payload, ensure_ascii=False, default=str, indent=None if args.json else 2))
    else:
        print(human)


def emit_line(payload: Any) -> None:
    """One JSON line of an event stream, flushed at once."""
    print(json.dumps(payload, ensure_ascii=False, default=str), flush=True)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 2, as argparse does
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from station import __version__

    parser = _Parser(prog="station", description="Apheresis donation station / 成分献血工作站",
                     parents=[common_parser()])
    parser.add_argument("--version", action="version", version=f"station {__version__}")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)
    import station.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"station.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers, common_parser())
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    try:
        if handler is None:
            from station.commands import gui_entry

            return gui_entry(args)
        return int(handler(args) or 0)
    except LocalizedError as exc:  # the station's, signing's and archive's errors alike
        if getattr(args, "json", False):
            print(json.dumps({"error": exc.to_json()}, ensure_ascii=False), file=sys.stderr)
        print(exc.message(user_language()), file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
