"""Donors: register (from the ID card or by hand), find, history, deferrals, next eligible dates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from station import audit
from station.audit import snapshot
from station.context import StationContext
from station.errors import ConflictError, NotFound, ValidationError
from station.identifiers import mask_id, mask_phone, parse_din, parse_resident_id
from station.models import Deferral, Donation, DonationHistory, Donor
from station.rules.engine import ActiveDeferral, PastDonation, next_eligible_dates, ruleset_for
from station.security import Action, Actor, require_permission
from station.services.common import check_version

ID_TYPES = {"resident": ("居民身份证", "Resident ID card"), "hmt": ("港澳台居民居住证", "HK/Macao/Taiwan residence permit"),
            "foreigner": ("外国人永久居留身份证", "Foreigner permanent residence ID card"), "passport": ("护照", "Passport")}
SEXES = ("male", "female")
ABO = ("", "A", "B", "O", "AB")
RHD = ("", "+", "-")


@dataclass(frozen=True)
class DonorInput:
    id_number: str
    name: str
    sex: str | None = None
    birth_date: date | None = None
    id_type: str = "resident"
    nation: str = ""
    address: str = ""
    phone: str = ""
    abo: str = ""
    rhd: str = ""
    photo_wlt: bytes | None = None
    photo_png: bytes | None = None
    card_valid_to: date | None = None
    card_authority: str = ""
    card_valid_from: date | None = None
    card_long_term: bool = False  # the card is valid 长期 (long term): no end date


def normalise_id(ctx: StationContext, id_type: str, raw: str) -> tuple[str, date | None, str | None]:
    """The canonical ID number, and the birth date and sex it encodes (resident and HMT/foreigner numbers)."""
    if id_type not in ID_TYPES:
        raise ValidationError(f"未知证件类型 {id_type}", f"Unknown ID type {id_type}", code="INVALID_ID_TYPE")
    if id_type in ("resident", "hmt") or (id_type == "foreigner" and len(raw.strip()) == 18 and raw.strip()[:17].isdigit()):
        rid = parse_resident_id(raw, today=ctx.today())
        return rid.number, rid.birth_date, rid.sex
    number = raw.strip().upper()
    if not (5 <= len(number) <= 20) or not number.isalnum():
        raise ValidationError("证件号码格式错误", "The document number is malformed", code="INVALID_ID_NUMBER")
    return number, None, None


def id_index(ctx: StationContext, id_type: str, number: str) -> str:
    return ctx.pii.blind_index(f"{id_type}:{number}", "id_number")


def find_donor_row(ctx: StationContext, session: Session, id_type: str, id_number: str) -> Donor | None:
    number, _, _ = normalise_id(ctx, id_type, id_number)
    return session.execute(select(Donor).where(Donor.id_type == id_type,
                                               Donor.id_number_index == id_index(ctx, id_type, number))
                           ).scalar_one_or_none()


def register_donor(ctx: StationContext, actor: Actor, data: DonorInput) -> dict[str, Any]:
    """Create the donor, or return the existing one (ID data refreshed from the card); one per ID number."""
    require_permission(actor, Action.REGISTER_DONOR)
    number, id_birth, id_sex = normalise_id(ctx, data.id_type, data.id_number)
    name = data.name.strip()
    if not name or len(name) > 60:
        raise ValidationError("请填写姓名", "The donor's name is required", code="REQUIRED")
    sex = data.sex or id_sex
    birth = data.birth_date or id_birth
    if sex not in SEXES:
        raise ValidationError("请选择性别", "The donor's sex is required", code="REQUIRED")
    if birth is None:
        raise ValidationError("请填写出生日期", "The birth date is required", code="REQUIRED")
    if id_birth and birth != id_birth:
        raise ValidationError("出生日期与身份证号码不一致", "The birth date does not match the ID number",
                              code="BIRTH_DATE_MISMATCH")
    if id_sex and sex != id_sex:
        raise ValidationError("性别与身份证号码不一致", "The sex does not match the ID number", code="SEX_MISMATCH")
    if data.abo not in ABO or data.rhd not in RHD:
        raise ValidationError("血型填写错误", "Invalid blood group", code="INVALID_BLOOD_GROUP")
    phone = data.phone.strip()
    if phone and (not phone.replace("-", "").isdigit() or not 7 <= len(phone) <= 20):
        raise ValidationError("电话号码格式错误", "The phone number is malformed", code="INVALID_PHONE")
    now = ctx.now()
    index = id_index(ctx, data.id_type, number)
    try:
        with ctx.transaction() as s:
            donor = s.execute(select(Donor).where(Donor.id_type == data.id_type, Donor.id_number_index == index)
                              .with_for_update()).scalar_one_or_none()
            created = donor is None
            before = None if created else snapshot(donor)
            if donor is None:
                donor = Donor(id_type=data.id_type, id_number_cipher=ctx.pii.encrypt(number, "id_number"),
                              id_number_index=index, id_number_masked=mask_id(number), name=name, sex=sex,
                              birth_date=birth, created_at=now)
                s.add(donor)
            else:
                donor.name, donor.sex, donor.birth_date = name, sex, birth
            for attr in ("nation", "address", "abo", "rhd"):
                value = getattr(data, attr)
                if value:
                    setattr(donor, attr, value)
            if data.photo_wlt is not None:
                donor.photo_wlt = data.photo_wlt
            if data.photo_png is not None:
                donor.photo_png = data.photo_png
            if data.card_valid_from is not None:  # a card read: its validity and authority, all together
                donor.card_valid_from = data.card_valid_from
                donor.card_valid_to = data.card_valid_to
                donor.card_long_term = data.card_long_term
                donor.card_authority = data.card_authority.strip()[:60]
            elif data.card_valid_to is not None:
                donor.card_valid_to = data.card_valid_to
            if phone:
                donor.phone_cipher = ctx.pii.encrypt(phone, "phone")
                donor.phone_index = ctx.pii.blind_index(phone, "phone")
                donor.phone_masked = mask_phone(phone)
            s.flush()
            if created or before != snapshot(donor):
                audit.record(s, actor, "donor.register" if created else "donor.update", "donor", donor.id, at=now,
                             before=before, after=snapshot(donor))
            return {"donor_id": donor.id, "created": created, "id_number_masked": donor.id_number_masked}
    except IntegrityError:
        # two desks registered the same person at the same moment: the unique blind index lets one win
        raise ConflictError("该献血者正在另一登记台登记，请刷新后查看", "This donor was just registered at another desk; reload",
                            code="DUPLICATE_DONOR") from None


def _donor_dict(ctx: StationContext, d: Donor, *, reveal: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"donor_id": d.id, "id_type": d.id_type, "id_number_masked": d.id_number_masked,
                           "name": d.name, "sex": d.sex, "birth_date": d.birth_date.isoformat(), "nation": d.nation,
                           "address": d.address, "phone_masked": d.phone_masked, "abo": d.abo, "rhd": d.rhd,
                           "has_photo": d.photo_png is not None or d.photo_wlt is not None, "version": d.version}
    if reveal:
        out["id_number"] = ctx.pii.decrypt(d.id_number_cipher, "id_number")
        out["phone"] = ctx.pii.decrypt(d.phone_cipher, "phone") if d.phone_cipher else ""
    return out


def history_of(session: Session, donor_id: int) -> list[DonationHistory]:
    return list(session.execute(select(DonationHistory).where(DonationHistory.donor_id == donor_id)
                                .order_by(DonationHistory.donated_on.desc())).scalars())


def active_deferrals(session: Session, donor_id: int, on: date) -> list[Deferral]:
    rows = session.execute(select(Deferral).where(Deferral.donor_id == donor_id, Deferral.lifted_at.is_(None))).scalars()
    return [d for d in rows if d.kind == "permanent" or d.until is None or d.until > on]


def past_donations(session: Session, donor_id: int) -> list[PastDonation]:
    return [PastDonation(h.donation_type, h.donated_on, h.volume_ml, h.had_reaction) for h in history_of(session, donor_id)]


def as_active(d: Deferral) -> ActiveDeferral:
    return ActiveDeferral(kind=d.kind, reason_code=d.reason_code, reason=d.reason, until=d.until, source=d.source)


def donor_summary(ctx: StationContext, actor: Actor, donor_id: int, *, reveal: bool = False) -> dict[str, Any]:
    """The donor, donation history with intervals, active deferrals and next eligible date per type."""
    require_permission(actor, Action.VIEW_DONOR)
    on = ctx.today()
    rs = ruleset_for(on)
    with ctx.transaction() as s:
        donor = s.get(Donor, donor_id)
        if donor is None:
            raise NotFound("未找到献血者", "Donor not found", code="DONOR_NOT_FOUND")
        hist = history_of(s, donor_id)
        rows = []
        for i, h in enumerate(hist):
            prev = hist[i + 1] if i + 1 < len(hist) else None
            rows.append({"donation_type": h.donation_type, "donated_on": h.donated_on.isoformat(), "volume_ml": h.volume_ml,
                         "place": h.place, "source": h.source, "had_reaction": h.had_reaction,
                         "interval_days": (h.donated_on - prev.donated_on).days if prev else None})
        deferrals = [{"id": d.id, "kind": d.kind, "reason_code": d.reason_code, "reason": d.reason, "source": d.source,
                      "starts_on": d.starts_on.isoformat(), "until": d.until.isoformat() if d.until else None}
                     for d in active_deferrals(s, donor_id, on)]
        nxt = next_eligible_dates(rs, past_donations(s, donor_id), on)
        permanent = any(d["kind"] == "permanent" for d in deferrals)
        temp_until = max((date.fromisoformat(str(d["until"])) for d in deferrals if d["until"]), default=None)
        next_eligible: dict[str, str | None] = {}
        for t, d in nxt.items():
            if permanent:
                next_eligible[t] = None
            else:
                next_eligible[t] = max(d, temp_until).isoformat() if temp_until else d.isoformat()
        open_donation = s.execute(select(Donation).where(Donation.donor_id == donor_id)
                                  .order_by(Donation.id.desc()).limit(1)).unique().scalar_one_or_none()
        return {**_donor_dict(ctx, donor, reveal=reveal), "history": rows, "deferrals": deferrals,
                "permanently_deferred": permanent, "next_eligible": next_eligible, "ruleset": rs.label,
                "last_donation": ({"donation_id": open_donation.id, "din": open_donation.din, "state": open_donation.state}
                                  if open_donation else None)}


def find_donor(ctx: StationContext, actor: Actor, id_number: str, id_type: str = "resident") -> dict[str, Any] | None:
    require_permission(actor, Action.VIEW_DONOR)
    with ctx.transaction() as s:
        donor = find_donor_row(ctx, s, id_type, id_number)
        return _donor_dict(ctx, donor, reveal=False) if donor else None


def search_donors(ctx: StationContext, actor: Actor, *, id_number: str | None = None, name: str | None = None,
                  phone: str | None = None, din: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Search by exact ID number or phone (blind index), name prefix, or a donation's DIN. Lists are masked."""
    require_permission(actor, Action.VIEW_DONOR)
    with ctx.transaction() as s:
        q = select(Donor)
        if id_number:
            id_type = "resident"
            number, _, _ = normalise_id(ctx, id_type, id_number)
            q = q.where(Donor.id_number_index == id_index(ctx, id_type, number))
        if phone:
            q = q.where(Donor.phone_index == ctx.pii.blind_index(phone.strip(), "phone"))
        if name:
            escaped = name.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            q = q.where(Donor.name.like(f"{escaped}%", escape="\\"))
            prefix = name.strip()
            if prefix.lower() == prefix.upper() and s.get_bind().dialect.name == "sqlite":
                # SQLite's LIKE folds ASCII case, so it cannot use ix_donor_name and scans every donor;
                # for an uncased prefix (Chinese names) the same rows lie in a binary range it can seek
                q = q.where(Donor.name >= prefix, Donor.name < prefix + "\U0010ffff")
        if din:
            scanned = parse_din(din)
            q = q.join(Donation, Donation.donor_id == Donor.id).where(Donation.din == scanned.din)
        rows = s.execute(q.order_by(Donor.name, Donor.id).limit(limit)).unique().scalars()
        return [_donor_dict(ctx, d, reveal=False) for d in rows]


def import_history(ctx: StationContext, actor: Actor, donor_id: int, entries: list[dict[str, Any]],
                   source: str = "imported") -> int:
    """Past donations from elsewhere (other sites, the regional platform), counted in the intervals."""
    require_permission(actor, Action.IMPORT_HISTORY)
    now = ctx.now()
    with ctx.transaction() as s:
        if s.get(Donor, donor_id) is None:
            raise NotFound("未找到献血者", "Donor not found", code="DONOR_NOT_FOUND")
        added = 0
        for e in entries:
            t = e.get("donation_type")
            if t not in ("whole_blood", "apheresis_platelets", "apheresis_plasma"):
                raise ValidationError(f"未知献血类型 {t}", f"Unknown donation type {t}", code="INVALID_DONATION_TYPE")
            on = date.fromisoformat(str(e["donated_on"]))
            if on > ctx.today():
                raise ValidationError("献血日期不能晚于今天", "A past donation cannot be in the future", code="FUTURE_DATE")
            dup = s.execute(select(func.count()).select_from(DonationHistory).where(
                DonationHistory.donor_id == donor_id, DonationHistory.donated_on == on,
                DonationHistory.donation_type == t, DonationHistory.place == e.get("place", ""))).scalar_one()
            if dup:
                continue
            h = DonationHistory(donor_id=donor_id, donation_type=t, donated_on=on, volume_ml=float(e.get("volume_ml", 0)),
                                doses=float(e.get("doses", 0)), place=str(e.get("place", "")), source=source,
                                had_reaction=bool(e.get("had_reaction", False)))
            s.add(h)
            s.flush()
            audit.record(s, actor, "history.import", "donation_history", h.id, at=now, after=snapshot(h))
            added += 1
        return added


def record_deferral(ctx: StationContext, actor: Actor, donor_id: int, *, kind: str, reason_code: str, reason: str,
                    until: date | None = None, source: str = "local", donation_id: int | None = None,
                    session: Session | None = None) -> int:
    require_permission(actor, Action.RECORD_DEFERRAL)
    if kind not in ("temporary", "permanent"):
        raise ValidationError("暂缓类型应为临时或永久", "A deferral is temporary or permanent", code="INVALID_DEFERRAL")
    if kind == "temporary" and (until is None or until <= ctx.today()):
        raise ValidationError("临时暂缓须填写今天之后的截止日期", "A temporary deferral needs an until-date after today",
                              code="INVALID_DEFERRAL")
    if not reason.strip():
        raise ValidationError("请填写暂缓原因", "A deferral needs a reason", code="REQUIRED")

    def _write(s: Session) -> int:
        if s.get(Donor, donor_id) is None:
            raise NotFound("未找到献血者", "Donor not found", code="DONOR_NOT_FOUND")
        d = Deferral(donor_id=donor_id, kind=kind, reason_code=reason_code, reason=reason.strip(), source=source,
                     starts_on=ctx.today(), until=until if kind == "temporary" else None, donation_id=donation_id,
                     recorded_by=actor.user_id or None, recorded_at=ctx.now())
        s.add(d)
        s.flush()
        audit.record(s, actor, "deferral.record", "deferral", d.id, at=ctx.now(), after=snapshot(d),
                     donation_id=donation_id)
        return d.id

    if session is not None:
        return _write(session)
    with ctx.transaction() as s:
        return _write(s)


def lift_deferral(ctx: StationContext, actor: Actor, deferral_id: int, reason: str) -> None:
    require_permission(actor, Action.LIFT_DEFERRAL)
    if len(reason.strip()) < 2:
        raise ValidationError("请填写解除原因", "Lifting a deferral needs a reason", code="REQUIRED")
    with ctx.transaction() as s:
        d = s.get(Deferral, deferral_id, with_for_update=True)
        if d is None or d.lifted_at is not None:
            raise NotFound("未找到有效的暂缓记录", "No active deferral with that id", code="DEFERRAL_NOT_FOUND")
        if d.kind == "permanent":
            raise ValidationError("永久屏蔽不能在工作站解除", "A permanent deferral cannot be lifted at a station",
                                  code="PERMANENT_DEFERRAL")
        before = snapshot(d)
        d.lifted_at, d.lifted_by, d.lift_reason = ctx.now(), actor.user_id, reason.strip()
        audit.record(s, actor, "deferral.lift", "deferral", d.id, at=ctx.now(), before=before, after=snapshot(d))


def update_donor_contact(ctx: StationContext, actor: Actor, donor_id: int, expected_version: int, *,
                         phone: str | None = None, address: str | None = None, abo: str | None = None,
                         rhd: str | None = None) -> int:
    """Edit contact details and blood group; refuses if another station saved the donor since it was read."""
    require_permission(actor, Action.EDIT_DONOR)
    with ctx.transaction() as s:
        donor = s.get(Donor, donor_id, with_for_update=True)
        if donor is None:
            raise NotFound("未找到献血者", "Donor not found", code="DONOR_NOT_FOUND")
        check_version(donor, expected_version, "献血者信息", "donor")
        before = snapshot(donor)
        if phone is not None:
            donor.phone_cipher = ctx.pii.encrypt(phone, "phone")
            donor.phone_index = ctx.pii.blind_index(phone, "phone")
            donor.phone_masked = mask_phone(phone)
        if address is not None:
            donor.address = address
        if abo is not None:
            if abo not in ABO:
                raise ValidationError("血型填写错误", "Invalid blood group", code="INVALID_BLOOD_GROUP")
            donor.abo = abo
        if rhd is not None:
            if rhd not in RHD:
                raise ValidationError("血型填写错误", "Invalid blood group", code="INVALID_BLOOD_GROUP")
            donor.rhd = rhd
        s.flush()
        audit.record(s, actor, "donor.update", "donor", donor.id, at=ctx.now(), before=before, after=snapshot(donor))
        return donor.version
