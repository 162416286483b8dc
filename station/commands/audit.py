"""`station audit verify|history`: check the hash chain; show a record's modification history."""
from __future__ import annotations

import argparse

from station.cli import emit
from station.commands._shared import acting_user, add_as_user, open_ctx


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("audit", parents=[common], help="audit trail")
    sub = p.add_subparsers(dest="audit_command", required=True)
    v = sub.add_parser("verify", parents=[common], help="find edited, deleted or reordered entries")
    add_as_user(v)
    v.set_defaults(handler=run_verify)
    h = sub.add_parser("history", parents=[common], help="every change of one donation")
    h.add_argument("--donation", type=int, required=True)
    add_as_user(h)
    h.set_defaults(handler=run_history)


def run_verify(args: argparse.Namespace) -> int:
    from station.errors import user_language
    from station.services.oversight import verify_audit

    ctx = open_ctx(args)
    try:
        payload = verify_audit(ctx, acting_user(ctx, args))
    finally:
        ctx.close()
    lang = user_language()
    problems = payload["problems"]
    text = ("审计链完整 / audit chain intact: " + str(payload["entries"]) if not problems else
            "\n".join(p["message_en"] if lang == "en" else p["message_zh"] for p in problems))
    emit(args, payload, text)
    return 0 if not problems else 1


def run_history(args: argparse.Namespace) -> int:
    from station.services.oversight import donation_history

    ctx = open_ctx(args)
    try:
        rows = donation_history(ctx, acting_user(ctx, args), args.donation)
    finally:
        ctx.close()
    emit(args, rows, "\n".join(f"{r['at']}  {r['actor']:<10} {r['action']}" for r in rows))
    return 0
