"""The seeds' quality figures computed from the database (record modification rate, missing signatures ...)."""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import func, select

from station.context import StationContext
from station.models import Deferral, Donation, DonationCheck, EligibilityDecision, SignedRecord, Station
from station.security import Action, Actor, require_permission


def quality_figures(ctx: StationContext, actor: Actor, start: date, end: date) -> dict[str, Any]:
    require_permission(actor, Action.VIEW_QUALITY)
    with ctx.transaction() as s:
        in_range = (Donation.donation_date >= start) & (Donation.donation_date <= end)
        total = s.execute(select(func.count()).select_from(Donation).where(in_range)).scalar_one()
        modified = s.execute(select(func.count()).select_from(Donation).where(in_range, Donation.modification_count > 0)
                             ).scalar_one()
        finished = s.execute(select(Donation.id).where(in_range, Donation.state.in_(
            ["sealed", "records_signed", "archived"]))).scalars().all()
        signed_counts = dict(s.execute(select(SignedRecord.donation_id, func.count()).where(
            SignedRecord.donation_id.in_(finished)).group_by(SignedRecord.donation_id)).all()) if finished else {}
        expected = len(finished) * 3
        missing = expected - sum(signed_counts.values())
        check_errors = s.execute(select(func.count()).select_from(DonationCheck).join(Donation).where(
            in_range, DonationCheck.passed.is_(False))).scalar_one()
        reasons: Counter[str] = Counter()
        for findings in s.execute(select(EligibilityDecision.findings).join(Donation).where(
                in_range, EligibilityDecision.result == "deferred")).scalars():
            for f in findings:
                if f.get("status") == "fail" and not f.get("overridden"):
                    reasons[f["code"]] += 1
        for code in s.execute(select(Deferral.reason_code).join(Donation, Deferral.donation_id == Donation.id).where(
                in_range, Deferral.source == "local")).scalars():
            reasons.setdefault(code, 0)
        per_day = {str(d): n for d, n in s.execute(select(Donation.donation_date, func.count()).where(
            in_range, Donation.needle_at.is_not(None)).group_by(Donation.donation_date).order_by(Donation.donation_date))}
        per_chair = {name: n for name, n in s.execute(select(Station.name, func.count()).join(
            Donation, Donation.station_id == Station.id).where(in_range, Donation.needle_at.is_not(None))
            .group_by(Station.name))}
    return {"from": start.isoformat(), "to": end.isoformat(), "donations": total,
            "record_modification_rate": (modified / total) if total else 0.0, "modified_donations": modified,
            "missing_signature_rate": (missing / expected) if expected else 0.0, "missing_signatures": missing,
            "check_errors": check_errors, "deferral_reasons": dict(reasons.most_common()),
            "collections_per_day": per_day, "collections_per_chair": per_chair}
