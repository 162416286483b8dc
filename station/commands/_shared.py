"""What the foundation's subcommands share: open the station for a data folder, act as a named user."""
from __future__ import annotations

import argparse
from typing import Any

from station.config import resolve_data_dir
from station.context import StationContext, open_context
from station.security import Actor


def open_ctx(args: argparse.Namespace) -> StationContext:
    return open_context(resolve_data_dir(args.data_dir))


def acting_user(ctx: StationContext, args: argparse.Namespace) -> Actor:
    from station.services.users import user_actor

    return user_actor(ctx, getattr(args, "as_user", None) or "admin")


def add_as_user(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_user", default="admin", help="act as this user (default: admin)")


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
