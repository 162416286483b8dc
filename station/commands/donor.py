"""`station donor register|show|search`: the donor services from the command line."""
from __future__ import annotations

import argparse
from datetime import date

from station.cli import emit
from station.commands._shared import acting_user, add_as_user, donor_id_for, open_ctx


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("donor", parents=[common], help="register, show and search donors")
    sub = p.add_subparsers(dest="donor_command", required=True)
    r = sub.add_parser("register", parents=[common], help="register a donor (or refresh an existing one)")
    r.add_argument("--id-number", required=True)
    r.add_argument("--id-type", default="resident", choices=["resident", "hmt", "foreigner", "passport"])
    r.add_argument("--name", required=True)
    r.add_argument("--sex", choices=["male", "female"])
    r.add_argument("--birth-date", type=date.fromisoformat)
    r.add_argument("--phone", default="")
    r.add_argument("--address", default="")
    r.add_argument("--abo", default="", choices=["", "A", "B", "O", "AB"])
    r.add_argument("--rhd", default="", choices=["", "+", "-"])
    add_as_user(r)
    r.set_defaults(handler=run_register)
    s = sub.add_parser("show", parents=[common], help="history, deferrals, next eligible date per type")
    s.add_argument("--id-number", required=True)
    s.add_argument("--id-type", default="resident")
    add_as_user(s)
    s.set_defaults(handler=run_show)
    q = sub.add_parser("search", parents=[common], help="search by ID number, name prefix, phone or DIN")
    q.add_argument("--id-number")
    q.add_argument("--name")
    q.add_argument("--phone")
    q.add_argument("--din")
    add_as_user(q)
    q.set_defaults(handler=run_search)
    x = sub.add_parser("export", parents=[common], help="export a date range of donations as CSV (IDs masked)")
    x.add_argument("--from", dest="date_from", type=date.fromisoformat, required=True)
    x.add_argument("--to", dest="date_to", type=date.fromisoformat, required=True)
    x.add_argument("--out", required=True)
    add_as_user(x)
    x.set_defaults(handler=run_export)


def run_register(args: argparse.Namespace) -> int:
    from station.services.donors import DonorInput, register_donor

    ctx = open_ctx(args)
    try:
        out = register_donor(ctx, acting_user(ctx, args), DonorInput(
            id_number=args.id_number, id_type=args.id_type, name=args.name, sex=args.sex, birth_date=args.birth_date,
            phone=args.phone, address=args.address, abo=args.abo, rhd=args.rhd))
    finally:
        ctx.close()
    emit(args, out, f"{'新建' if out['created'] else '已存在'} donor #{out['donor_id']} {out['id_number_masked']}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from station.services.donors import donor_summary

    ctx = open_ctx(args)
    try:
        actor = acting_user(ctx, args)
        donor_id = donor_id_for(ctx, actor, args)
        summary = donor_summary(ctx, actor, donor_id)
    finally:
        ctx.close()
    lines = [f"{summary['name']}  {summary['id_number_masked']}  {summary['sex']}  {summary['birth_date']}  "
             f"{summary['abo']}{summary['rhd']}"]
    for h in summary["history"]:
        lines.append(f"  {h['donated_on']}  {h['donation_type']:<20} {h['volume_ml']:>6g} mL  {h['place']}  "
                     f"interval {h['interval_days'] if h['interval_days'] is not None else '-'} d")
    for d in summary["deferrals"]:
        lines.append(f"  DEFERRED ({d['kind']}) until {d['until'] or '-'}: {d['reason']}")
    for t, d in summary["next_eligible"].items():
        lines.append(f"  next {t}: {d or 'never (permanent deferral)'}")
    emit(args, summary, "\n".join(lines))
    return 0


def run_search(args: argparse.Namespace) -> int:
    from station.services.donors import search_donors

    ctx = open_ctx(args)
    try:
        rows = search_donors(ctx, acting_user(ctx, args), id_number=args.id_number, name=args.name, phone=args.phone,
                             din=args.din)
    finally:
        ctx.close()
    emit(args, rows, "\n".join(f"#{r['donor_id']} {r['name']} {r['id_number_masked']} {r['phone_masked']}" for r in rows)
         or "(none)")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from station.services.oversight import export_donations

    ctx = open_ctx(args)
    try:
        out = export_donations(ctx, acting_user(ctx, args), args.date_from, args.date_to, Path(args.out))
    finally:
        ctx.close()
    emit(args, out, f"{out['file']}: {out['rows']}")
    return 0
