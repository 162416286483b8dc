"""`station screenshots --out DIR [--lang zh_CN|en|all]`: every workspace with realistic data, as PNG."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from station.cli import emit


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("screenshots", parents=[common], help="render every workspace to PNG (offscreen)")
    p.add_argument("--out", required=True, help="folder for the PNG files")
    p.add_argument("--lang", choices=("zh_CN", "en", "all"), default="all")
    p.add_argument("--size", action="append", metavar="WxH",
                   help="window size (repeatable; default 1366x768 and 1920x1080)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.screenshots import render_all

    from ui.screenshots import SIZES

    langs = ("zh_CN", "en") if args.lang == "all" else (args.lang,)
    sizes = tuple(tuple(int(x) for x in s.lower().split("x", 1)) for s in args.size) if args.size else SIZES
    written = render_all(Path(args.out), langs, sizes)  # type: ignore[arg-type]
    emit(args, {"files": [str(p) for p in written]}, "\n".join(str(p) for p in written))
    return 0
