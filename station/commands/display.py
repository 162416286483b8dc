"""`station display`: the waiting-room display on its own screen (a PC or TV in the waiting room)."""
from __future__ import annotations

import argparse
import os


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("display", parents=[common], help="waiting-room display of called numbers / 叫号屏")
    p.add_argument("--screen", type=int, default=None, help="show on this screen (0, 1, ...), full screen")
    p.add_argument("--window", action="store_true", help="a normal window instead of full screen")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from station.config import resolve_data_dir
    from station.context import open_context
    from ui.app import ensure_application
    from ui.i18n import set_language
    from ui.queue.display import WaitingRoomDisplay

    app = ensure_application()
    ctx = open_context(resolve_data_dir(args.data_dir))
    set_language(os.environ.get("STATION_LANG") or ctx.config.ui.language)
    display = WaitingRoomDisplay(ctx)
    screens = app.screens()
    if args.screen is not None and 0 <= args.screen < len(screens):
        display.setScreen(screens[args.screen])
        display.move(screens[args.screen].geometry().topLeft())
    if args.window:
        display.resize(1280, 720)
        display.show()
    else:
        display.showFullScreen()
    display.start()
    try:
        return int(app.exec())
    finally:
        ctx.close()
