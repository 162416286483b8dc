"""The regional check: look a donor up at registration, merge deferrals (屏蔽) and history from other sites,
record a check that could not be done, and send the deferrals recorded here (一地发现，处处屏蔽). The platform's
client is `station.platforms.regional`."""
from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import audit
from station.audit import snapshot
from station.context import StationContext
from station.errors import NotFound, ValidationError
from station.models import Deferral, Donation, DonationHistory, Donor, RegionalCheck, RegionalUpload
from station.platforms.regional import RegionalPlatform, RegionalRecord, RegionalUnavailable
from station.security import Action, Actor, require_permission
from station.services.common import require_text
from station.services.donors import record_deferral

# --- the check at registration -----------------------------------------------------------------

_NOT_DONE_ZH = {"UNREACHABLE": "无法连接区域平台", "TIMEOUT": "区域平台响应超时", "HTTP_ERROR": "区域平台返回错误",
                "GARBAGE": "区域平台返回的数据无法识别"}


def check_donor(ctx: StationContext, actor: Actor, donor_id: int, platform: RegionalPlatform, *,
                donation_id: int | None = None) -> dict[str, Any]:
    """Query the platform (outside any transaction: no lock is held while waiting), then merge what it returned
    into the donor's deferrals and history, or record the check as not done. Merging only ever adds: an
    answer, good or bad, never lifts a deferral."""
    require_permission(actor, Action.REGISTER_DONATION)
    with ctx.transaction() as s:
        donor = s.get(Donor, donor_id)
        if donor is None:
            raise NotFound("未找到献血者", "Donor not found", code="DONOR_NOT_FOUND")
        id_type, number = donor.id_type, ctx.pii.decrypt(donor.id_number_cipher, "id_number")
    t0 = time.perf_counter()
    record: RegionalRecord | None = None
    failure: RegionalUnavailable | None = None
    try:
        record = platform.lookup(id_type, number)
    except RegionalUnavailable as exc:
        failure = exc
    elapsed = int((time.perf_counter() - t0) * 1000)
    now, today = ctx.now(), ctx.today()
    with ctx.transaction() as s:
        row = RegionalCheck(donor_id=donor_id, donation_id=donation_id, status="done" if record else "not_done",
                            error_code=failure.code if failure else None, error=failure.detail if failure else None,
                            elapsed_ms=elapsed, checked_at=now, checked_by=actor.user_id or None)
        s.add(row)
        added_deferrals: list[int] = []
        added_history = 0
        if record is not None:
            for x in record.deferrals:
                if x.kind == "temporary" and x.until is not None and x.until <= today:
                    continue  # over already: nothing to block
                known = s.execute(select(Deferral.id).where(
                    Deferral.donor_id == donor_id, Deferral.source == "regional", Deferral.reason_code == x.reason_code,
                    Deferral.kind == x.kind, Deferral.until.is_(None) if x.until is None else Deferral.until == x.until)
                ).first()
                if known is None:
                    added_deferrals.append(record_deferral(
                        ctx, actor, donor_id, kind=x.kind, reason_code=x.reason_code, until=x.until, source="regional",
                        reason=f"{x.reason}（{x.site or '区域平台'}，{x.starts_on.isoformat()}）", session=s))
            for h in record.donations:
                known = s.execute(select(DonationHistory.id).where(
                    DonationHistory.donor_id == donor_id, DonationHistory.donated_on == h.donated_on,
                    DonationHistory.donation_type == h.donation_type, DonationHistory.place == h.site)).first()
                if known is None:
                    s.add(DonationHistory(donor_id=donor_id, donation_type=h.donation_type, donated_on=h.donated_on,
                                          volume_ml=h.volume_ml, place=h.site, source="regional",
                                          had_reaction=h.had_reaction))
                    added_history += 1
        row.deferrals_added, row.history_added = len(added_deferrals), added_history
        s.flush()
        audit.record(s, actor, "regional.check", "regional_check", row.id, at=now, after=snapshot(row),
                     donation_id=donation_id)
        out = {"check_id": row.id, "status": row.status, "deferrals_added": len(added_deferrals),
               "history_added": added_history, "elapsed_ms": elapsed, "error_code": row.error_code,
               "must_acknowledge": record is None}
    if failure is not None:
        out["message_zh"] = (f"区域献血者核查未完成：{_NOT_DONE_ZH.get(failure.code, failure.code)}。"
                             "已记录为未核查，采血前须由医生确认")
        out["message_en"] = (f"The regional donor check was not done ({failure.code}: {failure.detail}); "
                             "recorded as not done, a physician must acknowledge it before collection")
    return out


def acknowledge_not_done(ctx: StationContext, actor: Actor, check_id: int, note: str) -> dict[str, Any]:
    """The physician takes responsibility for going on without the regional check (reason required)."""
    require_permission(actor, Action.ASSESS)
    note = require_text(note, "确认说明", "a note on why collection may go on", min_len=4)
    now = ctx.now()
    with ctx.transaction() as s:
        row = s.get(RegionalCheck, check_id, with_for_update=True)
        if row is None:
            raise NotFound("未找到区域核查记录", "No such regional check", code="REGIONAL_CHECK_NOT_FOUND")
        if row.status != "not_done":
            raise ValidationError("该区域核查已完成，无需确认", "This regional check was done; nothing to acknowledge",
                                  code="REGIONAL_CHECK_DONE")
        if row.acknowledged_at is not None:
            raise ValidationError("该区域核查已确认", "This regional check was acknowledged already",
                                  code="REGIONAL_CHECK_ACKNOWLEDGED")
        before = snapshot(row)
        row.acknowledged_at, row.acknowledged_by, row.acknowledgement = now, actor.user_id, note
        audit.record(s, actor, "regional.acknowledge", "regional_check", row.id, at=now, before=before,
                     after=snapshot(row), donation_id=row.donation_id)
        return {"check_id": row.id, "acknowledged_at": now.isoformat()}


def _check_row(row: RegionalCheck, din: str | None, donor_masked: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "check_id": row.id, "donation_id": row.donation_id, "din": din, "donor": donor_masked, "status": row.status,
        "error_code": row.error_code, "checked_at": row.checked_at.isoformat(), "elapsed_ms": row.elapsed_ms,
        "deferrals_added": row.deferrals_added, "history_added": row.history_added,
        "acknowledged_at": row.acknowledged_at.isoformat() if row.acknowledged_at else None,
        "acknowledgement": row.acknowledgement or "",
        "must_acknowledge": row.status == "not_done" and row.acknowledged_at is None}
    if row.status == "not_done":
        code = row.error_code or "UNREACHABLE"
        out["message_zh"] = f"区域献血者核查未完成：{_NOT_DONE_ZH.get(code, code)}"
        out["message_en"] = f"The regional donor check was not done: {_NOT_DONE_EN.get(code, code)}"
    else:
        out["message_zh"] = f"区域献血者核查已完成：新增屏蔽{row.deferrals_added}条，献血史{row.history_added}条"
        out["message_en"] = (f"The regional donor check was done: {row.deferrals_added} deferrals and "
                             f"{row.history_added} past donations added")
    return out


_NOT_DONE_EN = {"UNREACHABLE": "the platform cannot be reached", "TIMEOUT": "the platform did not answer in time",
                "HTTP_ERROR": "the platform answered with an error", "GARBAGE": "the platform's answer was unreadable"}


def latest_check(session: Session, donation_id: int) -> dict[str, Any] | None:
    """The donation's latest regional check, as the screens show it."""
    row = session.execute(select(RegionalCheck).where(RegionalCheck.donation_id == donation_id)
                          .order_by(RegionalCheck.id.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        return None
    d = session.get(Donation, donation_id)
    return _check_row(row, d.din if d else None, d.donor.id_number_masked if d else "")


def list_checks(ctx: StationContext, actor: Actor, day: Any = None) -> list[dict[str, Any]]:
    """The regional checks of a day (local date), latest first: what the platform said or why it said nothing,
    and who acknowledged a check not done."""
    require_permission(actor, Action.VIEW_DONOR)
    from datetime import datetime, timedelta
    from datetime import time as dtime

    from station.context import LOCAL_TZ

    day = day or ctx.today()
    start = datetime.combine(day, dtime(0), LOCAL_TZ)
    with ctx.transaction() as s:
        rows = s.execute(select(RegionalCheck).where(RegionalCheck.checked_at >= start,
                                                     RegionalCheck.checked_at < start + timedelta(days=1))
                         .order_by(RegionalCheck.id.desc())).scalars().all()
        out = []
        for row in rows:
            d = s.get(Donation, row.donation_id) if row.donation_id else None
            donor = s.get(Donor, row.donor_id)
            out.append(_check_row(row, d.din if d else None, donor.id_number_masked if donor else ""))
        return out


def regional_problem(session: Session, donation: Donation) -> tuple[str, str, str] | None:
    """For the pre-collection check: the donation's latest regional check was not done and nobody acknowledged
    it. A donation never checked (the platform not configured) is not held up."""
    row = session.execute(select(RegionalCheck).where(RegionalCheck.donation_id == donation.id)
                          .order_by(RegionalCheck.id.desc()).limit(1)).scalar_one_or_none()
    if row is None or row.status == "done" or row.acknowledged_at is not None:
        return None
    return ("REGIONAL_CHECK_NOT_ACKNOWLEDGED", "区域献血者核查未完成，须由医生确认后方可采血",
            "The regional donor check was not done; a physician must acknowledge it before collection")


# --- the upload queue --------------------------------------------------------------------------

def queue_local_deferrals(session: Session, now: Any) -> int:
    """Every deferral recorded here (source local, not lifted) gets one upload row; returns how many were added."""
    have = select(RegionalUpload.deferral_id)
    new = session.execute(select(Deferral.id).where(Deferral.source == "local", Deferral.id.not_in(have))).scalars().all()
    for did in new:
        session.add(RegionalUpload(deferral_id=did, status="queued", attempts=0, queued_at=now))
    return len(new)


def pending_uploads(ctx: StationContext) -> int:
    with ctx.transaction() as s:
        queue_local_deferrals(s, ctx.now())
        return len(s.execute(select(RegionalUpload.id).where(RegionalUpload.status == "queued")).all())


def sync_uploads(ctx: StationContext, actor: Actor, platform: RegionalPlatform) -> dict[str, Any]:
    """Send the queued deferrals; stops at the first sign that the platform is unreachable (the rest wait)."""
    require_permission(actor, Action.VIEW_DONOR)
    with ctx.transaction() as s:
        queue_local_deferrals(s, ctx.now())
        jobs = []
        for up, d, donor in s.execute(select(RegionalUpload, Deferral, Donor).join(
                Deferral, Deferral.id == RegionalUpload.deferral_id).join(Donor, Donor.id == Deferral.donor_id)
                .where(RegionalUpload.status == "queued").order_by(RegionalUpload.id)):
            jobs.append((up.id, {"id_type": donor.id_type,
                                 "id_number": ctx.pii.decrypt(donor.id_number_cipher, "id_number"),
                                 "kind": d.kind, "reason_code": d.reason_code, "reason": d.reason,
                                 "starts_on": d.starts_on.isoformat(), "until": d.until.isoformat() if d.until else None,
                                 "site": ctx.config.site.name, "site_code": ctx.config.site.facility_code,
                                 "local_id": d.id}))
    sent, failed, error = 0, 0, None
    for upload_id, payload in jobs:
        try:
            remote_id: str | None = platform.upload_deferral(payload)
            problem = None
        except RegionalUnavailable as exc:
            remote_id, problem = None, exc
        with ctx.transaction() as s:
            row = s.get(RegionalUpload, upload_id, with_for_update=True)
            assert row is not None
            row.attempts += 1
            if problem is None:
                row.status, row.sent_at, row.remote_id, row.last_error = "sent", ctx.now(), remote_id, None
                audit.record(s, actor, "regional.upload", "regional_upload", row.id, at=ctx.now(), after=snapshot(row))
                sent += 1
            else:
                row.last_error = f"{problem.code}: {problem.detail}"
                failed += 1
                error = problem.code
        if problem is not None and problem.code in ("UNREACHABLE", "TIMEOUT"):
            break
    return {"sent": sent, "failed": failed, "left": len(jobs) - sent, "error": error}
