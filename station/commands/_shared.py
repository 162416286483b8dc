"""What the foundation's subcommands share: open the station for a data folder, act as a named user."""
from __future__ import annotations

import argparse

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
