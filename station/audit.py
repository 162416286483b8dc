"""The audit trail: who, when, what, before and after; append-only and hash-chained."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from station.models import AuditEntry, AuditHead
from station.security import Actor

GENESIS = "0" * 64
_SKIP = {"id_number_cipher", "phone_cipher", "photo_wlt", "photo_png", "password_hash", "raw", "signature"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes sha256:{hashlib.sha256(value).hexdigest()[:16]}>"
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of an ORM object, secrets and blobs reduced to their hash (never clear PII)."""
    mapper = inspect(obj).mapper
    out: dict[str, Any] = {}
    for col in mapper.column_attrs:
        key = col.key
        value = getattr(obj, key)
        if key in _SKIP and value is not None:
            value = f"<{len(value)} bytes>" if isinstance(value, bytes) else "<redacted>"
        out[key] = _plain(value)
    return out


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _hash_fields(e: AuditEntry) -> dict[str, Any]:
    return {"seq": e.seq, "at": e.at.isoformat(), "actor_id": e.actor_id, "actor_name": e.actor_name,
            "station": e.station, "action": e.action, "entity": e.entity, "entity_id": e.entity_id,
            "donation_id": e.donation_id, "before": e.before, "after": e.after}


def lock_head(session: Session) -> None:
    """Take the audit head's row lock now. Every write ends with an audit entry, so every writer takes this
    lock; a service that must also lock other rows (stock lots) takes it first, so all writers lock in the
    same order (audit head, then the rows) and cannot deadlock one another on PostgreSQL."""
    session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update())


def record(session: Session, actor: Actor, action: str, entity: str, entity_id: Any, *, at: datetime,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           donation_id: int | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction; the head row is locked so the chain stays linear."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
    entry = AuditEntry(seq=head.last_seq + 1, at=at, actor_id=actor.user_id or None,
                       actor_name=actor.username, station=actor.station, action=action, entity=entity,
                       entity_id=str(entity_id), donation_id=donation_id,
                       before=_plain(before) if before is not None else None,
                       after=_plain(after) if after is not None else None, prev_hash=head.last_hash, hash="")
    entry.hash = entry_hash(head.last_hash, _hash_fields(entry))
    head.last_seq = entry.seq
    head.last_hash = entry.hash
    session.add(entry)
    return entry


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    entry_id: int | None
    problem: str  # edited | deleted | reordered | head_mismatch
    message_zh: str
    message_en: str


def verify_chain(session: Session) -> list[ChainProblem]:
    """Walk the chain in sequence order; name every edited, deleted or reordered entry."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    expected_seq = 1
    last_seq = 0
    for e in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        while e.seq > expected_seq:
            problems.append(ChainProblem(expected_seq, None, "deleted", f"第{expected_seq}条审计记录已被删除",
                                         f"audit entry #{expected_seq} was deleted"))
            expected_seq += 1
        if e.prev_hash != prev_hash:
            kind = "reordered" if problems == [] and entry_hash(e.prev_hash, _hash_fields(e)) == e.hash else "deleted"
            if kind == "reordered" or not any(p.seq == e.seq - 1 for p in problems):
                problems.append(ChainProblem(e.seq, e.id, kind if kind == "reordered" else "broken_link",
                                             f"第{e.seq}条审计记录与前一条不衔接（被删除、插入或调换顺序）",
                                             f"audit entry #{e.seq} does not follow the one before "
                                             "(an entry was removed, inserted or reordered)"))
        if entry_hash(e.prev_hash, _hash_fields(e)) != e.hash:
            problems.append(ChainProblem(e.seq, e.id, "edited", f"第{e.seq}条审计记录内容已被修改",
                                         f"audit entry #{e.seq} was edited"))
        prev_hash = e.hash
        expected_seq = e.seq + 1
        last_seq = e.seq
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq != last_seq or head.last_hash != prev_hash):
        problems.append(ChainProblem(head.last_seq, None, "head_mismatch",
                                     "审计链末尾的记录已被删除或链头被篡改",
                                     "entries at the end of the audit chain were deleted or the head was altered"))
    return problems
