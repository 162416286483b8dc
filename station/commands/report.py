"""`station report daily|ledger`: the day's figures and the consumption ledger (CSV, PDF)."""
from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from station.cli import emit
from station.commands._shared import acting_user, add_as_user, open_ctx


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("report", parents=[common], help="daily figures and the consumption ledger")
    sub = p.add_subparsers(dest="report_command", required=True)
    d = sub.add_parser("daily", parents=[common], help="collections per chair/hour, deferrals, reactions, doses ...")
    d.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    add_as_user(d)
    d.set_defaults(handler=run_daily)
    ledger = sub.add_parser("ledger", parents=[common], help="the day's consumption ledger (出库登记)")
    ledger.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    ledger.add_argument("--csv", type=Path, help="write the ledger as CSV to this file")
    ledger.add_argument("--pdf", type=Path, help="write the ledger as PDF to this file")
    add_as_user(ledger)
    ledger.set_defaults(handler=run_ledger)


def run_daily(args: argparse.Namespace) -> int:
    from station.services.operations.daily import daily_report, format_daily

    ctx = open_ctx(args)
    try:
        report = daily_report(ctx, acting_user(ctx, args), args.date or ctx.today())
    finally:
        ctx.close()
    emit(args, report, format_daily(report))
    return 0


def run_ledger(args: argparse.Namespace) -> int:
    from station.services.operations import consumables as cs

    ctx = open_ctx(args)
    try:
        day = args.date or ctx.today()
        actor = acting_user(ctx, args)
        if args.csv or args.pdf:
            lines = cs.export_ledger(ctx, actor, day, csv_path=args.csv, pdf_path=args.pdf)
        else:
            lines = cs.daily_ledger(ctx, actor, day)
    finally:
        ctx.close()
    human = "\n".join(f"{x.item:<7}{x.lot:<20}{x.expiry:<17}used {x.used:>4}  balance {x.balance:>5}" for x in lines)
    emit(args, {"date": day.isoformat(), "lines": cs.ledger_json(lines)}, human or f"{day}: (no collections)")
    return 0
