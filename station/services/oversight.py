"""Services behind the permissions that guard oversight: viewing the audit trail (VIEW_AUDIT), backups
(BACKUP) and exports of personal data (EXPORT). Each checks the actor first and leaves an audit entry."""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from signing.atomic import atomic_write
from station import audit
from station.context import StationContext
from station.errors import ValidationError
from station.models import AuditEntry, AuditHead, Donation
from station.security import Action, Actor, require_permission


def verify_audit(ctx: StationContext, actor: Actor) -> dict[str, Any]:
    """The hash chain checked end to end: every edited, deleted or reordered entry is named."""
    require_permission(actor, Action.VIEW_AUDIT)
    with ctx.transaction() as s:
        problems = audit.verify_chain(s)
        head = s.get(AuditHead, 1)
        count = head.last_seq if head else 0
    return {"entries": count, "passed": not problems,
            "problems": [{"seq": p.seq, "entry_id": p.entry_id, "problem": p.problem, "message_zh": p.message_zh,
                          "message_en": p.message_en} for p in problems]}


def donation_history(ctx: StationContext, actor: Actor, donation_id: int) -> list[dict[str, Any]]:
    """Every change of one donation, oldest first (seed 002: modification traces can be viewed)."""
    require_permission(actor, Action.VIEW_AUDIT)
    with ctx.transaction() as s:
        return [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor_name, "action": e.action,
                 "entity": e.entity, "entity_id": e.entity_id, "before": e.before, "after": e.after}
                for e in s.execute(select(AuditEntry).where(AuditEntry.donation_id == donation_id)
                                   .order_by(AuditEntry.seq)).scalars()]


def create_backup(ctx: StationContext, actor: Actor, out: Path) -> dict[str, Any]:
    """`station backup`: the database, configuration and keys in one verified file."""
    require_permission(actor, Action.BACKUP)
    from station.backup import backup

    result = backup(ctx.config, out)
    with ctx.transaction() as s:
        audit.record(s, actor, "backup.create", "backup", Path(out).name, at=ctx.now(),
                     after={"file": str(out), "sha256": result["sha256"], "database": result["database"]})
    return result


EXPORT_COLUMNS = ("din", "donation_date", "state", "donor_name", "id_number_masked", "sex", "donation_type")


def export_donations(ctx: StationContext, actor: Actor, start: date, end: date, out: Path) -> dict[str, Any]:
    """The donations of a date range as CSV (UTF-8 with BOM for spreadsheet programs). ID numbers are masked
    (330106********1234): an export never carries them in full. The export itself is audited."""
    require_permission(actor, Action.EXPORT)
    if end < start:
        raise ValidationError("结束日期早于开始日期", "The end date is before the start date", code="INVALID_RANGE")
    with ctx.transaction() as s:
        rows = s.execute(select(Donation).where(Donation.donation_date >= start, Donation.donation_date <= end)
                         .order_by(Donation.donation_date, Donation.din)).unique().scalars().all()
        data = [{"din": d.din, "donation_date": d.donation_date.isoformat(), "state": d.state,
                 "donor_name": d.donor.name, "id_number_masked": d.donor.id_number_masked, "sex": d.donor.sex,
                 "donation_type": d.donation_type} for d in rows]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(data)
        atomic_write(out, ("\ufeff" + buf.getvalue()).encode("utf-8"), mode=0o600)
        audit.record(s, actor, "export.donations", "export", Path(out).name, at=ctx.now(),
                     after={"file": str(out), "rows": len(data), "from": start.isoformat(), "to": end.isoformat()})
    return {"file": str(out), "rows": len(data)}
