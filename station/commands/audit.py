"""`station audit verify|history`: check the hash chain; show a record's modification history."""
from __future__ import annotations

import argparse

from sqlalchemy import select

from station.cli import emit
from station.commands._shared import open_ctx


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("audit", parents=[common], help="audit trail")
    sub = p.add_subparsers(dest="audit_command", required=True)
    v = sub.add_parser("verify", parents=[common], help="find edited, deleted or reordered entries")
    v.set_defaults(handler=run_verify)
    h = sub.add_parser("history", parents=[common], help="every change of one donation")
    h.add_argument("--donation", type=int, required=True)
    h.set_defaults(handler=run_history)


def run_verify(args: argparse.Namespace) -> int:
    from station.audit import verify_chain
    from station.errors import user_language
    from station.models import AuditHead

    ctx = open_ctx(args)
    try:
        with ctx.transaction() as s:
            problems = verify_chain(s)
            head = s.get(AuditHead, 1)
            count = head.last_seq if head else 0
    finally:
        ctx.close()
    lang = user_language()
    payload = {"entries": count, "passed": not problems,
               "problems": [{"seq": p.seq, "entry_id": p.entry_id, "problem": p.problem, "message_zh": p.message_zh,
                             "message_en": p.message_en} for p in problems]}
    text = ("审计链完整 / audit chain intact: " + str(count) if not problems else
            "\n".join(p.message_en if lang == "en" else p.message_zh for p in problems))
    emit(args, payload, text)
    return 0 if not problems else 1


def run_history(args: argparse.Namespace) -> int:
    from station.models import AuditEntry

    ctx = open_ctx(args)
    try:
        with ctx.transaction() as s:
            rows = [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor_name, "action": e.action,
                     "entity": e.entity, "entity_id": e.entity_id, "before": e.before, "after": e.after}
                    for e in s.execute(select(AuditEntry).where(AuditEntry.donation_id == args.donation)
                                       .order_by(AuditEntry.seq)).scalars()]
    finally:
        ctx.close()
    emit(args, rows, "\n".join(f"{r['at']}  {r['actor']:<10} {r['action']}" for r in rows))
    return 0
