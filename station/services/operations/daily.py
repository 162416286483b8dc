"""`station report daily`: the day's figures around the chairs, computed from the database."""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import func, select

from station.context import LOCAL_TZ, StationContext
from station.models import (
    AdverseReaction,
    Appointment,
    Collection,
    Deferral,
    Donation,
    DonationStep,
    EligibilityDecision,
    QueueTicket,
    Station,
)
from station.security import Action, Actor, require_permission
from station.services.operations.consumables import day_bounds
from station.services.quality import quality_figures


def daily_report(ctx: StationContext, actor: Actor, day: date) -> dict[str, Any]:
    require_permission(actor, Action.VIEW_QUALITY)
    start, end = day_bounds(day)
    with ctx.transaction() as s:
        # a collection belongs to the chair (station) and hour where the needle went in
        starts = s.execute(select(DonationStep.donation_id, DonationStep.at, Station.name).outerjoin(
            Station, Station.id == DonationStep.station_id).where(
            DonationStep.step == "start_collection", DonationStep.at >= start, DonationStep.at < end)).all()
        per_chair = Counter(name or "?" for _, _, name in starts)
        per_hour = Counter(f"{at.astimezone(LOCAL_TZ).hour:02d}" for _, at, _ in starts)
        finished = s.execute(select(Collection.donation_id, Collection.doses, Collection.platelet_yield_e11).join(
            DonationStep, DonationStep.donation_id == Collection.donation_id).where(
            DonationStep.step == "finish_collection", DonationStep.at >= start, DonationStep.at < end)).all()
        doses = round(sum(d or 0.0 for _, d, _ in finished), 2)
        # deferrals of the day's donations, by the reasons that deferred them
        reasons: Counter[str] = Counter()
        deferred = s.execute(select(Donation.id).where(Donation.donation_date == day,
                                                       Donation.state == "deferred")).scalars().all()
        for did in deferred:
            decision = s.execute(select(EligibilityDecision).where(
                EligibilityDecision.donation_id == did, EligibilityDecision.result == "deferred")
                .order_by(EligibilityDecision.id.desc()).limit(1)).scalar_one_or_none()
            codes = [f["code"] for f in decision.findings if f.get("status") == "fail" and not f.get("overridden")] \
                if decision else []
            if not codes:
                codes = list(s.execute(select(Deferral.reason_code).where(Deferral.donation_id == did)).scalars())
            for code in dict.fromkeys(codes or ["UNSPECIFIED"]):
                reasons[code] += 1
        reactions = Counter(f"{t}/grade {g}" for t, g in s.execute(
            select(AdverseReaction.type, AdverseReaction.grade).join(Donation, Donation.id == AdverseReaction.donation_id)
            .where(Donation.donation_date == day)))
        collected_ids = [did for did, _, _ in starts]
        booked = s.execute(select(func.count()).select_from(Appointment).where(
            Appointment.donation_id.in_(collected_ids))).scalar_one() if collected_ids else 0
        called = s.execute(select(QueueTicket.issued_at, QueueTicket.called_at).where(
            QueueTicket.ticket_date == day, QueueTicket.called_at.is_not(None))).all()
        waits = [(c - i).total_seconds() / 60 for i, c in called if c is not None]
        registered = s.execute(select(func.count()).select_from(Donation).where(Donation.donation_date == day)
                               ).scalar_one()
    quality = quality_figures(ctx, actor, day, day)
    n = len(starts)
    return {
        "date": day.isoformat(), "registered": registered, "collections": n, "completed_collections": len(finished),
        "collections_per_chair": dict(sorted(per_chair.items())), "collections_per_hour": dict(sorted(per_hour.items())),
        "deferred": len(deferred), "deferrals_by_reason": dict(reasons.most_common()),
        "adverse_reactions": dict(sorted(reactions.items())),
        "platelet_doses": doses,
        "appointment_collections": booked, "appointment_share": (booked / n) if n else None,
        "average_wait_minutes": round(sum(waits) / len(waits), 1) if waits else None, "called_tickets": len(waits),
        "record_modification_rate": quality["record_modification_rate"],
        "modified_donations": quality["modified_donations"],
        "missing_signature_rate": quality["missing_signature_rate"], "missing_signatures": quality["missing_signatures"],
    }


def format_daily(r: dict[str, Any]) -> str:
    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v * 100:.1f}%"

    lines = [(f"{r['date']}  登记 registered {r['registered']}  采集 collections {r['collections']} "
              f"(完成 completed {r['completed_collections']})  治疗量 doses {r['platelet_doses']}")]
    lines.append("  每台 per chair: " + (", ".join(f"{k} {v}" for k, v in r["collections_per_chair"].items()) or "-"))
    lines.append("  每小时 per hour: " + (", ".join(f"{k}h {v}" for k, v in r["collections_per_hour"].items()) or "-"))
    lines.append(f"  暂缓 deferred {r['deferred']}: " + (", ".join(f"{k} {v}" for k, v in r["deferrals_by_reason"].items())
                                                       or "-"))
    lines.append("  献血反应 reactions: " + (", ".join(f"{k} {v}" for k, v in r["adverse_reactions"].items()) or "-"))
    wait = r["average_wait_minutes"]
    lines.append(f"  预约占比 appointment share {pct(r['appointment_share'])}  平均等候 average wait "
                 f"{'-' if wait is None else f'{wait} min'}")
    lines.append(f"  记录修改率 modification rate {pct(r['record_modification_rate'])}  签名缺失率 missing signatures "
                 f"{pct(r['missing_signature_rate'])}")
    return "\n".join(lines)
