"""What every service shares: loading a donation under lock, advancing its state, checking versions."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import audit, workflow
from station.errors import ConflictError, NotFound, ValidationError
from station.models import Donation, DonationStep
from station.security import Actor


def load_donation(session: Session, donation_id: int, *, expected_version: int | None = None) -> Donation:
    # FOR UPDATE OF donation: PostgreSQL refuses to lock the nullable side of the eager donor join
    donation = session.execute(select(Donation).where(Donation.id == donation_id).with_for_update(of=Donation)
                               ).unique().scalar_one_or_none()
    if donation is None:
        raise NotFound(f"未找到献血记录 {donation_id}", f"Donation {donation_id} not found", code="DONATION_NOT_FOUND")
    check_version(donation, expected_version, "献血记录", "donation")
    return donation


def check_version(obj: Any, expected: int | None, what_zh: str, what_en: str) -> None:
    if expected is not None and obj.version != expected:
        raise ConflictError(
            f"{what_zh}已被其他工作站修改，请刷新后重试",
            f"This {what_en} was changed at another station meanwhile; reload it and try again",
            details={"expected_version": expected, "current_version": obj.version})


def advance(session: Session, donation: Donation, step: str, actor: Actor, at: datetime, station_id: int | None,
            *, target: str | None = None, details: dict[str, Any] | None = None) -> None:
    """Move the donation on by one step: guard, step row (time and operator), audit entry."""
    allowed_target = workflow.require(step, donation.state)
    new_state = target or (allowed_target.value if allowed_target else donation.state)
    before = donation.state
    donation.state = new_state
    session.add(DonationStep(donation_id=donation.id, step=step, state_from=before, state_to=new_state, at=at,
                             actor_id=actor.user_id, station_id=station_id))
    audit.record(session, actor, f"donation.{step}", "donation", donation.id, at=at,
                 before={"state": before}, after={"state": new_state, **(details or {})}, donation_id=donation.id)


def require_text(value: str | None, zh: str, en: str, *, min_len: int = 2) -> str:
    text = (value or "").strip()
    if len(text) < min_len:
        raise ValidationError(f"请填写{zh}", f"Please give {en}", code="REQUIRED", details={"field": en})
    return text


def require_number(value: Any, zh: str, en: str, *, low: float | None = None, high: float | None = None) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{zh}应为数字", f"{en} must be a number", code="NOT_A_NUMBER",
                              details={"field": en, "value": str(value)}) from None
    if number != number or (low is not None and number < low) or (high is not None and number > high):
        raise ValidationError(f"{zh}数值{value}超出可录入范围", f"{en} value {value} is outside the range that can be entered",
                              code="OUT_OF_RANGE", details={"field": en, "value": value, "low": low, "high": high})
    return number
