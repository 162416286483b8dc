"""`station db upgrade|current|check`: the database schema (Alembic)."""
from __future__ import annotations

import argparse

from station.cli import emit
from station.config import load_config, resolve_data_dir
from station.db import make_engine


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("db", parents=[common], help="database schema")
    sub = p.add_subparsers(dest="db_command", required=True)
    for name, text in (("upgrade", "upgrade to the program's schema (backup first)"),
                       ("current", "show the schema revision")):
        sp = sub.add_parser(name, parents=[common], help=text)
        sp.set_defaults(handler=run, db_command=name)


def run(args: argparse.Namespace) -> int:
    from station.schema import current_revision, ensure_schema_current, head_revision

    config = load_config(resolve_data_dir(args.data_dir))
    engine = make_engine(config.database_url)
    try:
        if args.db_command == "upgrade":
            before = current_revision(engine)
            ensure_schema_current(engine, config)
            after = current_revision(engine)
            emit(args, {"before": before, "after": after}, f"{before or '(empty)'} -> {after}")
        else:
            cur, head = current_revision(engine), head_revision()
            emit(args, {"current": cur, "program": head, "up_to_date": cur == head},
                 f"database {cur or '(empty)'}; program {head}")
    finally:
        engine.dispose()
    return 0
