"""Equipment (serial, model, calibration) and consumable lots (received, on hand, consumed by collections)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from station import audit
from station.audit import snapshot
from station.context import LOCAL_TZ, StationContext
from station.errors import ConflictError, NotFound, ValidationError
from station.models import ConsumableLot, Equipment, LotReceipt
from station.security import Action, Actor, require_permission
from station.services.common import require_text

ITEMS = ("kit", "ac", "saline")


def expiry_instant(expiry: date | datetime) -> datetime:
    """The moment a lot stops being usable. A date alone is what the label has always meant: usable through that
    whole local day, so it expires at the next local midnight. A time of day without a zone is local time."""
    if isinstance(expiry, datetime):
        return expiry if expiry.tzinfo is not None else expiry.replace(tzinfo=LOCAL_TZ)
    return datetime.combine(expiry + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)


def parse_expiry(text: str) -> datetime:
    """"2026-12-01" (end of that local day) or "2026-12-01 12:00" / "2026-12-01T12:00" (local time)."""
    value = text.strip()
    try:
        if len(value) == 10:
            return expiry_instant(date.fromisoformat(value))
        return expiry_instant(datetime.fromisoformat(value))
    except ValueError:
        raise ValidationError(f"有效期 {value!r} 应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM",
                              f"The expiry {value!r} must be YYYY-MM-DD or YYYY-MM-DD HH:MM",
                              code="INVALID_EXPIRY") from None


def register_equipment(ctx: StationContext, actor: Actor, *, serial: str, model: str, calibration_due: date,
                       kind: str = "separator", maintenance_due: date | None = None) -> int:
    require_permission(actor, Action.MANAGE_EQUIPMENT)
    serial = require_text(serial, "设备序列号", "the serial number", min_len=3)
    model = require_text(model, "设备型号", "the model", min_len=2)
    with ctx.transaction() as s:
        if s.execute(select(Equipment).where(Equipment.serial == serial)).scalar_one_or_none():
            raise ConflictError(f"设备 {serial} 已登记", f"Equipment {serial} is already registered", code="DUPLICATE_EQUIPMENT")
        e = Equipment(serial=serial, model=model, kind=kind, calibration_due=calibration_due,
                      maintenance_due=maintenance_due)
        s.add(e)
        s.flush()
        audit.record(s, actor, "equipment.register", "equipment", e.id, at=ctx.now(), after=snapshot(e))
        return e.id


def record_calibration(ctx: StationContext, actor: Actor, serial: str, calibration_due: date) -> None:
    require_permission(actor, Action.MANAGE_EQUIPMENT)
    with ctx.transaction() as s:
        e = s.execute(select(Equipment).where(Equipment.serial == serial)).scalar_one_or_none()
        if e is None:
            raise NotFound(f"未找到设备 {serial}", f"No equipment {serial}", code="EQUIPMENT_NOT_FOUND")
        before = snapshot(e)
        e.calibration_due = calibration_due
        audit.record(s, actor, "equipment.calibrate", "equipment", e.id, at=ctx.now(), before=before, after=snapshot(e))


def receive_lot(ctx: StationContext, actor: Actor, *, item: str, catalogue_no: str, lot: str,
                expiry: date | datetime, quantity: int, name: str = "", specification: str = "", unit: str = "",
                delivery_note: str = "") -> int:
    """Receive a delivery of a lot (a new lot, or more of one already in stock).

    With the delivery note's number the same delivery cannot be entered twice: a second receipt of the
    same note for the same lot is refused and changes nothing. `expiry` is a date (usable through that local
    day) or a point in time (see expiry_instant)."""
    require_permission(actor, Action.MANAGE_CONSUMABLES)
    if item not in ITEMS:
        raise ValidationError(f"未知物料类别 {item}", f"Unknown item {item}", code="INVALID_ITEM")
    if quantity <= 0:
        raise ValidationError("入库数量应大于0", "The quantity received must be positive", code="INVALID_QUANTITY")
    lot = require_text(lot, "批号", "the lot number", min_len=2)
    note = delivery_note.strip()
    expires_at = expiry_instant(expiry)
    with ctx.transaction() as s:
        audit.lock_head(s)  # same lock order as finish_collection: audit head, then the lot
        row = s.execute(select(ConsumableLot).where(ConsumableLot.item == item, ConsumableLot.catalogue_no == catalogue_no,
                                                    ConsumableLot.lot == lot).with_for_update()).scalar_one_or_none()
        if row is not None:
            if row.expires_at != expires_at:
                raise ValidationError("同一批号的有效期与已登记的不同", "This lot was received before with another expiry",
                                      code="LOT_EXPIRY_MISMATCH",
                                      details={"registered": row.expiry_text, "given": expires_at.isoformat()})
            if note and s.execute(select(LotReceipt).where(LotReceipt.lot_id == row.id,
                                                           LotReceipt.delivery_note == note)).first() is not None:
                raise ValidationError(f"批号 {lot} 的送货单 {note} 已入库，不能重复入库",
                                      f"Delivery note {note} of lot {lot} was already received",
                                      code="LOT_ALREADY_RECEIVED", details={"lot": lot, "delivery_note": note})
            before = snapshot(row)
            row.quantity_received += quantity
            row.quantity_on_hand += quantity
            _receipt(s, row.id, note, quantity, ctx.now(), actor)
            audit.record(s, actor, "lot.receive", "consumable_lot", row.id, at=ctx.now(), before=before,
                         after={**snapshot(row), "delivery_note": note})
            return row.id
        row = ConsumableLot(item=item, name=name, catalogue_no=catalogue_no, specification=specification, unit=unit,
                            lot=lot, expires_at=expires_at, quantity_received=quantity, quantity_on_hand=quantity,
                            received_at=ctx.now())
        s.add(row)
        s.flush()
        _receipt(s, row.id, note, quantity, ctx.now(), actor)
        audit.record(s, actor, "lot.receive", "consumable_lot", row.id, at=ctx.now(),
                     after={**snapshot(row), "delivery_note": note})
        return row.id


def _receipt(session: Any, lot_id: int, note: str, quantity: int, at: Any, actor: Actor) -> None:
    if note:
        session.add(LotReceipt(lot_id=lot_id, delivery_note=note, quantity=quantity, received_at=at,
                               received_by=actor.user_id or None))


def stock(ctx: StationContext, actor: Actor) -> list[dict[str, Any]]:
    require_permission(actor, Action.VIEW_DONOR)
    now = ctx.now()
    with ctx.transaction() as s:
        return [{"item": r.item, "name": r.name, "catalogue_no": r.catalogue_no, "lot": r.lot,
                 "expiry": r.expiry_text, "expires_at": r.expires_at.isoformat(), "on_hand": r.quantity_on_hand,
                 "received": r.quantity_received, "expired": r.expired(now)}
                for r in s.execute(select(ConsumableLot).order_by(ConsumableLot.item, ConsumableLot.expires_at)
                                   ).scalars()]


def equipment_list(ctx: StationContext, actor: Actor) -> list[dict[str, Any]]:
    require_permission(actor, Action.VIEW_DONOR)
    today = ctx.today()
    with ctx.transaction() as s:
        return [{"serial": e.serial, "model": e.model, "kind": e.kind, "calibration_due": e.calibration_due.isoformat(),
                 "calibrated": e.calibration_due >= today, "active": e.active}
                for e in s.execute(select(Equipment).order_by(Equipment.serial)).scalars()]
