"""`station lots receive|list`: receive a delivery of a consumable lot (expiry a date, or a date and a time)."""
from __future__ import annotations

import argparse

from station.cli import emit
from station.commands._shared import acting_user, add_as_user, open_ctx


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("lots", parents=[common], help="receive consumable lots, list the stock")
    sub = p.add_subparsers(dest="lots_command", required=True)
    r = sub.add_parser("receive", parents=[common], help="receive a delivery of a lot")
    r.add_argument("--item", required=True, choices=["kit", "ac", "saline"])
    r.add_argument("--catalogue", required=True, help="the catalogue number")
    r.add_argument("--lot", required=True)
    r.add_argument("--expiry", required=True,
                   help="YYYY-MM-DD (usable through that local day) or 'YYYY-MM-DD HH:MM' (local time)")
    r.add_argument("--quantity", type=int, required=True)
    r.add_argument("--name", default="")
    r.add_argument("--unit", default="")
    r.add_argument("--delivery-note", default="", help="the delivery note's number (the same one is refused twice)")
    add_as_user(r)
    r.set_defaults(handler=run_receive)
    ls = sub.add_parser("list", parents=[common], help="every lot: expiry, on hand, expired")
    add_as_user(ls)
    ls.set_defaults(handler=run_list)


def run_receive(args: argparse.Namespace) -> int:
    from station.services import inventory

    expires_at = inventory.parse_expiry(args.expiry)
    ctx = open_ctx(args)
    try:
        lot_id = inventory.receive_lot(ctx, acting_user(ctx, args), item=args.item, catalogue_no=args.catalogue,
                                       lot=args.lot, expiry=expires_at, quantity=args.quantity, name=args.name,
                                       unit=args.unit, delivery_note=args.delivery_note)
    finally:
        ctx.close()
    emit(args, {"lot_id": lot_id, "expires_at": expires_at.isoformat()},
         f"lot {args.lot}: +{args.quantity}, expires {expires_at:%Y-%m-%d %H:%M %Z}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from station.services import inventory

    ctx = open_ctx(args)
    try:
        rows = inventory.stock(ctx, acting_user(ctx, args))
    finally:
        ctx.close()
    emit(args, rows, "\n".join(f"{r['item']:<7}{r['lot']:<20}{r['expiry']:<17}on hand {r['on_hand']:>5}"
                               + ("  EXPIRED" if r["expired"] else "") for r in rows) or "(no lots)")
    return 0
