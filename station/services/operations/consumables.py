"""The daily consumption ledger (出库登记): what the day's collections used, per lot, with the balance left."""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from station import audit
from station.audit import snapshot
from station.context import LOCAL_TZ, StationContext
from station.errors import NotFound, ValidationError
from station.models import AuditEntry, Collection, ConsumableLot, DonationStep
from station.security import Action, Actor, require_permission
from station.services.common import require_text

ITEM_LABELS = {"kit": ("机采耗材", "apheresis kit"), "ac": ("抗凝剂", "anticoagulant"), "saline": ("生理盐水", "saline")}
ITEM_ORDER = ("kit", "ac", "saline")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local calendar day as an aware [start, end) interval."""
    start = datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class LedgerLine:
    item: str
    name: str
    catalogue_no: str
    specification: str
    unit: str
    lot: str
    expiry: str
    used: int
    balance: int


def consumptions(session: Session, start: datetime, end: datetime | None = None) -> Counter[tuple[str, str]]:
    """(item, lot) -> units consumed by collections finished in [start, end): finish_collection consumes one
    kit, one AC and one saline per collection, and so does an abort during the run (the kit was installed),
    so the step's time is the consumption time."""
    q = select(Collection.kit_lot, Collection.ac_lot, Collection.saline_lot).join(
        DonationStep, DonationStep.donation_id == Collection.donation_id).where(
        or_(DonationStep.step == "finish_collection",
            and_(DonationStep.step == "abort", DonationStep.state_from == "collecting")),
        DonationStep.at >= start)
    if end is not None:
        q = q.where(DonationStep.at < end)
    used: Counter[tuple[str, str]] = Counter()
    for kit, ac, saline in session.execute(q):
        used["kit", kit] += 1
        used["ac", ac] += 1
        used["saline", saline] += 1
    return used


def _audited_deltas_after(session: Session, since: datetime) -> Counter[int]:
    """lot id -> change of quantity on hand written through audited services (receipts, corrections) since."""
    out: Counter[int] = Counter()
    for entry in session.execute(select(AuditEntry).where(AuditEntry.entity == "consumable_lot",
                                                          AuditEntry.at >= since)).scalars():
        before = (entry.before or {}).get("quantity_on_hand") or 0
        after = (entry.after or {}).get("quantity_on_hand")
        if after is not None:
            out[int(entry.entity_id)] += int(after) - int(before)
    return out


def daily_ledger(ctx: StationContext, actor: Actor, day: date) -> list[LedgerLine]:
    """One line per lot used on the day: units used by the day's collections and the balance at the day's end
    (today's stock on hand, with every later movement taken back out)."""
    require_permission(actor, Action.VIEW_DONOR)
    start, end = day_bounds(day)
    with ctx.transaction() as s:
        used = consumptions(s, start, end)
        later_used = consumptions(s, end)
        later_other = _audited_deltas_after(s, end)
        lines = []
        for (item, lot), n in used.items():
            row = s.execute(select(ConsumableLot).where(ConsumableLot.item == item, ConsumableLot.lot == lot)
                            ).scalars().first()
            if row is None:  # a collection names a lot that was never received: show it, balance unknown
                lines.append(LedgerLine(item, "", "", "", "", lot, "", n, 0))
                continue
            balance = row.quantity_on_hand + later_used[item, lot] - later_other[row.id]
            lines.append(LedgerLine(item, row.name or ITEM_LABELS[item][0], row.catalogue_no, row.specification,
                                    row.unit, lot, row.expiry_text, n, balance))
    return sorted(lines, key=lambda x: (ITEM_ORDER.index(x.item), x.lot))


def ledger_json(lines: list[LedgerLine]) -> list[dict[str, Any]]:
    return [asdict(x) for x in lines]


CSV_HEADER = ("物料类别/item", "品名/name", "规格/specification", "单位/unit", "批号/lot", "有效期/expiry",
              "出库数量/used", "结存/balance")


def ledger_csv(lines: list[LedgerLine]) -> str:
    """UTF-8 CSV with a BOM-free header in both languages (spreadsheets open it as is)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for x in lines:
        w.writerow((x.item, x.name, x.specification or x.catalogue_no, x.unit, x.lot, x.expiry, x.used, x.balance))
    return buf.getvalue()


def ledger_pdf(lines: list[LedgerLine], day: date, *, site_name: str, font_path: str | None = None) -> bytes:
    """The ledger as an A4 PDF in the embedded CJK font (same inputs, same bytes)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from station.forms.fonts import register_cjk_font

    font = register_cjk_font(font_path)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=f"耗材出库登记 {day.isoformat()}", author=site_name,
                            creator="station", invariant=1, initialFontName=font.name, initialFontSize=9)
    title = ParagraphStyle("t", fontName=font.name, fontSize=14, leading=18)
    body = ParagraphStyle("b", fontName=font.name, fontSize=9, leading=12)
    data: list[list[Any]] = [["类别", "品名", "规格", "单位", "批号", "有效期", "出库数量", "结存"]]
    for x in lines:
        data.append([ITEM_LABELS.get(x.item, (x.item,))[0], Paragraph(x.name, body), x.specification or x.catalogue_no,
                     x.unit, x.lot, x.expiry, str(x.used), str(x.balance)])
    data.append(["合计", "", "", "", "", "", str(sum(x.used for x in lines)), ""])
    table = Table(data, repeatRows=1, colWidths=[40, 120, 70, 30, 80, 65, 50, 40])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font.name), ("FONTSIZE", (0, 0), (-1, -1), 9),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]))
    doc.build([Paragraph(f"{site_name} 耗材出库登记表", title),
               Paragraph(f"日期：{day.isoformat()}（由当日采集记录自动生成）", body), Spacer(1, 8), table])
    return buf.getvalue()


def export_ledger(ctx: StationContext, actor: Actor, day: date, *, csv_path: Path | None = None,
                  pdf_path: Path | None = None) -> list[LedgerLine]:
    """Write the day's ledger to CSV and/or PDF (each file whole or not at all) and record who exported what.
    The command line and the quality dashboard both export through here, so their files are the same."""
    from signing.atomic import atomic_write

    lines = daily_ledger(ctx, actor, day)
    written: dict[str, str] = {}
    try:
        if csv_path is not None:
            atomic_write(csv_path, ledger_csv(lines).encode("utf-8"))
            written["csv"] = str(csv_path)
        if pdf_path is not None:
            atomic_write(pdf_path, ledger_pdf(lines, day, site_name=ctx.config.site.name,
                                              font_path=ctx.config.records.font_path))
            written["pdf"] = str(pdf_path)
    except OSError as exc:
        raise ValidationError(f"无法写入出库登记文件：{exc}", f"Cannot write the ledger file: {exc}",
                              code="EXPORT_FAILED") from None
    with ctx.transaction() as s:
        audit.record(s, actor, "ledger.export", "ledger", day.isoformat(), at=ctx.now(),
                     after={"files": written, "lines": len(lines), "used": sum(x.used for x in lines)})
    return lines


def adjust_stock(ctx: StationContext, actor: Actor, *, item: str, lot: str, change: int, reason: str) -> int:
    """A stock-count correction (breakage, count difference); the stock may never go below zero."""
    require_permission(actor, Action.MANAGE_CONSUMABLES)
    reason = require_text(reason, "调整原因", "a reason for the correction", min_len=2)
    if change == 0:
        raise ValidationError("调整数量不能为0", "The correction cannot be zero", code="INVALID_QUANTITY")
    with ctx.transaction() as s:
        audit.lock_head(s)  # lock order of every stock writer: audit head, then the lot
        row = s.execute(select(ConsumableLot).where(ConsumableLot.item == item, ConsumableLot.lot == lot.strip())
                        .with_for_update()).scalars().first()
        if row is None:
            raise NotFound(f"未找到批号 {lot}", f"No {item} lot {lot}", code="LOT_UNKNOWN")
        if row.quantity_on_hand + change < 0:
            raise ValidationError(
                f"批号 {lot} 库存为{row.quantity_on_hand}，调整{change}后将为负数，已拒绝",
                f"Lot {lot} has {row.quantity_on_hand} on hand; a change of {change} would make the stock negative",
                code="NEGATIVE_STOCK", details={"on_hand": row.quantity_on_hand, "change": change})
        before = snapshot(row)
        row.quantity_on_hand += change
        audit.record(s, actor, "lot.adjust", "consumable_lot", row.id, at=ctx.now(), before=before,
                     after={**snapshot(row), "reason": reason})
        return row.quantity_on_hand
