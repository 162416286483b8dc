"""`station sim KIND --port URL`: run one device simulator in this process (Ctrl+C or SIGTERM stops it)."""
from __future__ import annotations

import argparse

from station.errors import UsageError


def run_sim(args: argparse.Namespace) -> int:
    from devices.simulators import SIMULATOR_KINDS, build_simulator

    if args.kind not in SIMULATOR_KINDS:
        raise UsageError(f"没有 {args.kind} 模拟器", f"no simulator for {args.kind}")
    try:
        sim = build_simulator(args.kind, args)
    except (ValueError, OSError) as exc:
        raise UsageError(f"模拟器参数错误：{exc}", f"bad simulator arguments: {exc}") from exc
    sim.run_forever(args.ready_file)
    return 0


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from devices.simulators import add_sim_arguments

    parser = subparsers.add_parser("sim", parents=[common], help="run a device simulator / 运行设备模拟器")
    add_sim_arguments(parser)
    parser.add_argument("--ready-file", default=None,
                        help="write the control port to this file once the simulator is ready")
    parser.set_defaults(handler=run_sim)
