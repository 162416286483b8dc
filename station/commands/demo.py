"""`station demo --headless`: drive seeded donors through the whole workflow and print the figures."""
from __future__ import annotations

import argparse

from station.cli import emit
from station.config import resolve_data_dir


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("demo", parents=[common],
                              help="run seeded donations through the workflow, as the demo staff, on a demo folder "
                                   "only (station init --demo)")
    p.add_argument("--headless", action="store_true", help="no windows: drive the services directly")
    p.add_argument("--donations", type=int, default=20)
    p.add_argument("--seed", type=int, default=None, help="random seed (default: a new one per run)")
    p.add_argument("--no-devices", action="store_true", help="enter device data by hand instead of via simulators")
    p.add_argument("--no-sign", action="store_true", help="do not sign the records")
    p.add_argument("--no-archive", action="store_true", help="leave signed donations for a later 'archive run'")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from station.errors import UsageError

    if args.donations < 1 or args.donations > 10_000:
        raise UsageError("献血人数应为1-10000", "--donations must be 1 to 10000")
    from station.config import config_path

    data_dir = resolve_data_dir(args.data_dir)
    if not config_path(data_dir).exists():
        raise UsageError(f"{data_dir} 尚未建立：请先运行 station init --demo", f"{data_dir} is not set up; run "
                         "'station init --demo' first", code="NOT_A_DEMO")
    from station.context import open_context
    from station.demo import require_demo

    ctx = open_context(data_dir)
    try:
        require_demo(ctx)  # the demo staff have a published password and PIN: never on a real station
        if not args.headless:  # the desktop demo: the demo staff can sign in at once
            from station.demo import demo_actors

            demo_actors(ctx)
    finally:
        ctx.close()
    if not args.headless:
        from station.commands import gui_entry

        args.demo = True
        return gui_entry(args)
    from station.demo_run import run_headless_demo

    result = run_headless_demo(data_dir, args.donations, args.seed, devices=not args.no_devices,
                               sign=not args.no_sign, archive=not args.no_archive)
    lines = [f"{k}: {v}" for k, v in result.items() if not isinstance(v, (dict, list))]
    emit(args, result, "\n".join(lines))
    return 0
