"""Bookings from the booking platform (JSON or CSV), the day's call queue: tickets, calling to a desk or chair."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from station import audit
from station.audit import snapshot
from station.context import StationContext
from station.errors import NotFound, StationError
from station.identifiers import mask_id
from station.models import Appointment, Donation, Donor, QueueTicket
from station.platforms.booking import FileBookingSource, read_rows
from station.security import Action, Actor, require_permission
from station.services.common import require_text
from station.services.donors import id_index, normalise_id
from station.workflow import OPEN_STATES

FIELDS = ("booking_ref", "date", "slot_start", "slot_end", "name", "id_type", "id_number", "donation_type")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
TYPES = ("apheresis_platelets", "apheresis_plasma")


@dataclass
class ImportResult:
    imported: int = 0
    duplicates: list[str] = field(default_factory=list)
    broken: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"imported": self.imported, "duplicates": self.duplicates, "broken": self.broken}




def _clean(ctx: StationContext, raw: Any) -> tuple[dict[str, Any] | None, list[str]]:
    if not isinstance(raw, dict):
        return None, ["not an object / 不是一条记录"]
    reasons = []
    v = {k: str(raw.get(k) or "").strip() for k in FIELDS}
    if not v["booking_ref"]:
        reasons.append("booking_ref missing / 缺少预约号")
    try:
        day = date.fromisoformat(v["date"])
    except ValueError:
        day = None
        reasons.append(f"date {v['date']!r} is not YYYY-MM-DD / 日期格式错误")
    for k in ("slot_start", "slot_end"):
        if not _TIME.match(v[k]):
            reasons.append(f"{k} {v[k]!r} is not HH:MM / 时段格式错误")
    if not reasons and v["slot_end"] <= v["slot_start"]:
        reasons.append("slot ends before it starts / 时段结束早于开始")
    if len(v["name"]) < 1:
        reasons.append("name missing / 缺少姓名")
    id_type = v["id_type"] or "resident"
    number = None
    try:
        number, _, _ = normalise_id(ctx, id_type, v["id_number"])
    except StationError as exc:
        reasons.append(f"id_number: {exc.message('en')} / {exc.message('zh')}")
    donation_type = v["donation_type"] or "apheresis_platelets"
    if donation_type not in TYPES:
        reasons.append(f"donation_type {donation_type!r} unknown / 献血类型错误")
    if reasons:
        return None, reasons
    return {"booking_ref": v["booking_ref"][:64], "slot_date": day, "slot_start": v["slot_start"],
            "slot_end": v["slot_end"], "name": v["name"][:100], "id_number_index": id_index(ctx, id_type, number or ""),
            "id_number_masked": mask_id(number or ""), "donation_type": donation_type}, []


def import_bookings(ctx: StationContext, actor: Actor, text: str, fmt: str, *, source: str = "") -> ImportResult:
    """A booking file's text (JSON or CSV): see import_rows."""
    return import_rows(ctx, actor, read_rows(text, fmt), source=source)


def import_rows(ctx: StationContext, actor: Actor, rows: list[Any], *, source: str = "",
                day: date | None = None) -> ImportResult:
    """Keep every good row, list every broken one with its reasons (row numbers count from 1, after the header);
    a booking already imported is skipped, never duplicated. With `day`, a row booked for another day is broken
    (a pull asked for that day only)."""
    require_permission(actor, Action.REGISTER_DONOR)
    result = ImportResult()
    good: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, raw in enumerate(rows, start=1):
        row, reasons = _clean(ctx, raw)
        if row is not None and day is not None and row["slot_date"] != day:
            row, reasons = None, [f"booked for {row['slot_date'].isoformat()}, not {day.isoformat()} / 预约日期不符"]
        if row is None:
            ref = raw.get("booking_ref") if isinstance(raw, dict) else None
            result.broken.append({"row": n, "booking_ref": ref, "reasons": reasons})
        elif row["booking_ref"] in seen:
            result.broken.append({"row": n, "booking_ref": row["booking_ref"],
                                  "reasons": ["booking_ref repeated in this file / 文件内预约号重复"]})
        else:
            seen.add(row["booking_ref"])
            good.append(row)
    now = ctx.now()
    with ctx.transaction() as s:
        audit.lock_head(s)  # two desks pulling at once: the second sees the first's bookings as known
        known: set[str] = set()
        refs = [r["booking_ref"] for r in good]
        for i in range(0, len(refs), 500):
            known.update(s.execute(select(Appointment.booking_ref).where(
                Appointment.booking_ref.in_(refs[i:i + 500]))).scalars())
        new = [r for r in good if r["booking_ref"] not in known]
        result.duplicates = sorted(known)
        s.add_all([Appointment(**r, status="booked", imported_at=now, source=source[:64], raw={}) for r in new])
        result.imported = len(new)
        audit.record(s, actor, "appointments.import", "appointment", source or "-", at=now,
                     after={"imported": len(new), "duplicates": len(known), "broken": len(result.broken)})
    return result


def import_file(ctx: StationContext, actor: Actor, path: Path, fmt: str | None = None) -> ImportResult:
    """A booking file exported from the platform (every day in it; a pull asks for one day)."""
    source = FileBookingSource(path, fmt)
    return import_rows(ctx, actor, source.fetch(ctx.today()), source=source.name)


def day_view(ctx: StationContext, actor: Actor, day: date) -> list[dict[str, Any]]:
    """The registration desk's time-slot view of the day."""
    require_permission(actor, Action.VIEW_DONOR)
    with ctx.transaction() as s:
        return [{"booking_ref": a.booking_ref, "slot": f"{a.slot_start}-{a.slot_end}", "name": a.name,
                 "id_number_masked": a.id_number_masked, "status": a.status, "donation_id": a.donation_id}
                for a in s.execute(select(Appointment).where(Appointment.slot_date == day)
                                   .order_by(Appointment.slot_start, Appointment.booking_ref)).scalars()]


def issue_ticket(ctx: StationContext, actor: Actor, donor_id: int, *, donation_id: int | None = None) -> dict[str, Any]:
    """A numbered ticket for a registered donor; a booking of today for the same ID marks the donor arrived
    (ticket A…), otherwise a walk-in (ticket W…)."""
    require_permission(actor, Action.REGISTER_DONATION)
    now, today = ctx.now(), ctx.today()
    with ctx.transaction() as s:
        donor = s.get(Donor, donor_id)
        if donor is None:
            raise NotFound("未找到献血者", "Donor not found", code="DONOR_NOT_FOUND")
        booking = s.execute(select(Appointment).where(
            Appointment.slot_date == today, Appointment.id_number_index == donor.id_number_index,
            Appointment.status == "booked").order_by(Appointment.slot_start).limit(1).with_for_update()
        ).scalar_one_or_none()
        number = (s.execute(select(func.max(QueueTicket.number)).where(QueueTicket.ticket_date == today)).scalar()
                  or 0) + 1
        label = f"{'A' if booking else 'W'}{number:03d}"
        t = QueueTicket(ticket_date=today, number=number, label=label, donor_id=donor_id, donation_id=donation_id,
                        appointment_id=booking.id if booking else None, status="waiting", issued_at=now)
        if booking is not None:
            booking.status, booking.donor_id, booking.donation_id = "arrived", donor_id, donation_id
        s.add(t)
        s.flush()
        audit.record(s, actor, "queue.ticket", "queue_ticket", t.id, at=now, after=snapshot(t), donation_id=donation_id)
        return {"ticket_id": t.id, "label": label, "number": number, "appointment": booking.booking_ref if booking else None}


def call_next(ctx: StationContext, actor: Actor, to: str) -> dict[str, Any] | None:
    """Call the longest-waiting ticket to a named desk or chair; None when nobody waits. A ticket whose donation
    is already over (sealed, signed, archived, deferred, aborted) is never called: it is marked skipped."""
    require_permission(actor, Action.VIEW_DONOR)
    to = require_text(to, "叫号窗口或采血位", "the desk or chair to call to", min_len=1)
    now, today = ctx.now(), ctx.today()
    open_states = {st.value for st in OPEN_STATES}
    with ctx.transaction() as s:
        while True:
            t = s.execute(select(QueueTicket).where(QueueTicket.ticket_date == today, QueueTicket.status == "waiting")
                          .order_by(QueueTicket.number).limit(1).with_for_update(skip_locked=True)).scalar_one_or_none()
            if t is None:
                return None
            state = s.execute(select(Donation.state).where(Donation.id == t.donation_id)).scalar_one_or_none() \
                if t.donation_id is not None else None
            if state is None or state in open_states:
                break
            t.status = "skipped"
            audit.record(s, actor, "queue.skip", "queue_ticket", t.id, at=now,
                         after={**snapshot(t), "donation_state": state}, donation_id=t.donation_id)
        t.status, t.called_at, t.called_to, t.called_by = "called", now, to[:64], actor.user_id or None
        audit.record(s, actor, "queue.call", "queue_ticket", t.id, at=now, after=snapshot(t), donation_id=t.donation_id)
        return {"ticket_id": t.id, "label": t.label, "number": t.number, "to": t.called_to,
                "donation_id": t.donation_id,
                "waited_minutes": round((now - t.issued_at).total_seconds() / 60, 1)}


def mark_no_shows(ctx: StationContext, actor: Actor, day: date, *, after: str = "24:00") -> int:
    """Bookings of the day still not arrived whose slot ended by `after` (HH:MM) become no-shows."""
    require_permission(actor, Action.REGISTER_DONOR)
    with ctx.transaction() as s:
        rows = s.execute(select(Appointment).where(Appointment.slot_date == day, Appointment.status == "booked",
                                                   Appointment.slot_end <= after)).scalars().all()
        for a in rows:
            a.status = "no_show"
        if rows:
            audit.record(s, actor, "appointments.no_show", "appointment", day.isoformat(), at=ctx.now(),
                         after={"no_shows": [a.booking_ref for a in rows]})
        return len(rows)


def board(ctx: StationContext, day: date | None = None, *, recent: int = 6) -> dict[str, Any]:
    """What the waiting-room display shows: the latest calls (ticket, desk or chair, time) and how many wait.
    Ticket labels and desk names only, nothing personal: the display is a public screen and needs no login."""
    day = day or ctx.today()
    with ctx.transaction() as s:
        called = s.execute(select(QueueTicket).where(QueueTicket.ticket_date == day, QueueTicket.status == "called")
                           .order_by(QueueTicket.called_at.desc(), QueueTicket.id.desc()).limit(recent)).scalars().all()
        waiting = s.execute(select(func.count()).select_from(QueueTicket).where(
            QueueTicket.ticket_date == day, QueueTicket.status == "waiting")).scalar_one()
        return {"day": day.isoformat(), "waiting": waiting,
                "calls": [{"label": t.label, "to": t.called_to or "",
                           "at": t.called_at.isoformat() if t.called_at else None} for t in called]}
