"""`station appointments import|pull|sim|list|ticket|call`: bookings (a file or the booking platform) and the
day's call queue."""
from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from station.cli import emit
from station.commands._shared import (
    acting_user,
    add_as_user,
    add_simulator_options,
    donor_id_for,
    open_ctx,
    serve_until_interrupted,
)

if TYPE_CHECKING:
    from station.services.operations.appointments import ImportResult


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("appointments", parents=[common], help="import bookings, tickets, call the next donor")
    sub = p.add_subparsers(dest="appointments_command", required=True)
    i = sub.add_parser("import", parents=[common], help="import a booking file (JSON or CSV)")
    i.add_argument("file", type=Path)
    i.add_argument("--format", choices=["json", "csv"], default=None, help="default: from the file's suffix")
    add_as_user(i)
    i.set_defaults(handler=run_import)
    pl = sub.add_parser("pull", parents=[common], help="pull the day's bookings from the booking platform")
    pl.add_argument("--date", type=date.fromisoformat, default=None, help="the day (default: today)")
    pl.add_argument("--url", default=None, help="the platform's base URL (default: [bookings] url)")
    pl.add_argument("--timeout", type=float, default=None, help="seconds to wait (default: configuration, 5 s)")
    add_as_user(pl)
    pl.set_defaults(handler=run_pull)
    sm = sub.add_parser("sim", parents=[common], help="serve the booking platform simulator on loopback")
    add_simulator_options(sm, 8766)
    sm.add_argument("--bookings", type=Path, default=None, help="a JSON booking file to serve")
    sm.set_defaults(handler=run_sim)
    ls = sub.add_parser("list", parents=[common], help="the day's time slots")
    ls.add_argument("--date", type=date.fromisoformat, default=None)
    add_as_user(ls)
    ls.set_defaults(handler=run_list)
    t = sub.add_parser("ticket", parents=[common], help="issue a queue ticket to a registered donor")
    t.add_argument("--id-number", required=True)
    t.add_argument("--id-type", default="resident")
    t.add_argument("--donation", type=int, default=None)
    add_as_user(t)
    t.set_defaults(handler=run_ticket)
    c = sub.add_parser("call", parents=[common], help="call the next ticket to a desk or chair")
    c.add_argument("--to", required=True, help="the desk or chair, e.g. 体检2 or 采血位3")
    add_as_user(c)
    c.set_defaults(handler=run_call)


def run_import(args: argparse.Namespace) -> int:
    from station.services.operations.appointments import import_file

    ctx = open_ctx(args)
    try:
        out = import_file(ctx, acting_user(ctx, args), args.file, args.format)
    finally:
        ctx.close()
    return _report(args, out)


def _report(args: argparse.Namespace, out: ImportResult) -> int:
    lines = [f"imported {out.imported}, already known {len(out.duplicates)}, broken {len(out.broken)}"]
    lines += [f"  row {b['row']} ({b['booking_ref'] or '-'}): {'; '.join(b['reasons'])}" for b in out.broken]
    emit(args, out.to_json(), "\n".join(lines))
    return 0 if not out.broken else 1


def run_pull(args: argparse.Namespace) -> int:
    from station.commands.ca import station_config
    from station.platforms.booking import source_from_config
    from station.services.operations.bookings import no_platform_error, pull_bookings

    source = source_from_config(station_config(args), url=args.url, timeout=args.timeout)
    if source is None:
        raise no_platform_error()
    ctx = open_ctx(args)
    try:
        out = pull_bookings(ctx, acting_user(ctx, args), source, args.date or ctx.today())
    finally:
        ctx.close()
    return _report(args, out)


def run_sim(args: argparse.Namespace) -> int:
    from station.platforms.booking_sim import BookingSimulator

    with BookingSimulator(port=args.port, mode=args.mode, delay=args.delay) as sim:
        n = sim.load(args.bookings) if args.bookings else 0
        return serve_until_interrupted(args, sim, {"bookings": n})


def run_list(args: argparse.Namespace) -> int:
    from station.services.operations.appointments import day_view

    ctx = open_ctx(args)
    try:
        rows = day_view(ctx, acting_user(ctx, args), args.date or ctx.today())
    finally:
        ctx.close()
    emit(args, rows, "\n".join(f"{r['slot']}  {r['booking_ref']:<12} {r['name']:<8} {r['id_number_masked']}  "
                               f"{r['status']}" for r in rows) or "(no bookings)")
    return 0


def run_ticket(args: argparse.Namespace) -> int:
    from station.services.operations.appointments import issue_ticket

    ctx = open_ctx(args)
    try:
        actor = acting_user(ctx, args)
        donor_id = donor_id_for(ctx, actor, args)
        out = issue_ticket(ctx, actor, donor_id, donation_id=args.donation)
    finally:
        ctx.close()
    emit(args, out, f"ticket {out['label']}" + (f" (booking {out['appointment']})" if out["appointment"] else " (walk-in)"))
    return 0


def run_call(args: argparse.Namespace) -> int:
    from station.services.operations.appointments import call_next

    ctx = open_ctx(args)
    try:
        out = call_next(ctx, acting_user(ctx, args), args.to)
    finally:
        ctx.close()
    emit(args, out, f"请 {out['label']} 号到 {out['to']} / {out['label']} to {out['to']}" if out else "(nobody waiting)")
    return 0 if out else 1
