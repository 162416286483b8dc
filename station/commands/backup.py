"""`station backup --out FILE` and `station restore FILE`."""
from __future__ import annotations

import argparse
from pathlib import Path

from station.cli import emit
from station.commands._shared import acting_user, add_as_user, open_ctx
from station.config import load_config, resolve_data_dir


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    b = subparsers.add_parser("backup", parents=[common], help="back up the database, configuration and keys")
    b.add_argument("--out", required=True, type=Path)
    add_as_user(b)
    b.set_defaults(handler=run_backup)
    r = subparsers.add_parser("restore", parents=[common], help="restore a backup (checked first)")
    r.add_argument("file", type=Path)
    r.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    from station.services.oversight import create_backup

    ctx = open_ctx(args)
    try:
        out = create_backup(ctx, acting_user(ctx, args), args.out)
    finally:
        ctx.close()
    emit(args, out, f"{out['file']}  sha256 {out['sha256']}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from station.backup import restore

    out = restore(load_config(resolve_data_dir(args.data_dir)), args.file)
    emit(args, out, f"restored {out['restored']} ({out['database']}, {out['created_at']})")
    return 0
