"""The station's data model: people, donors, donations and every step of a donation."""
from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from station.models.base import LOCAL_TZ, Base


class Role(enum.StrEnum):
    REGISTRAR = "registrar"
    PHYSICIAN = "physician"
    NURSE = "nurse"
    ARCHIVIST = "archivist"
    ADMIN = "admin"


class DonationType(enum.StrEnum):
    WHOLE_BLOOD = "whole_blood"
    APHERESIS_PLATELETS = "apheresis_platelets"
    APHERESIS_PLASMA = "apheresis_plasma"


class DeferralKind(enum.StrEnum):
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


class Site(Base):
    __tablename__ = "site"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200), default="")


class Station(Base):
    __tablename__ = "station"
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="chair")


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    staff_card_uid: Mapped[str | None] = mapped_column(String(64), unique=True)
    certificate_serial: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # when the password was last set (None: at created_at); past [security] password_max_age_days a change is due
    password_changed_at: Mapped[datetime | None]
    # wrong signing-key PINs in a row; at [security] max_wrong_pins the key is locked until an administrator
    # unlocks it (signing_locked_at set)
    wrong_pins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    signing_locked_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_role"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class Donor(Base):
    __tablename__ = "donor"
    __table_args__ = (UniqueConstraint("id_type", "id_number_index", name="uq_donor_id_type_index"),
                      Index("ix_donor_name", "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    id_type: Mapped[str] = mapped_column(String(16), default="resident")  # resident|hmt|foreigner|passport
    # the ID number is encrypted by the application; the blind index (HMAC) keeps lookup exact and fast
    id_number_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_index: Mapped[str] = mapped_column(String(64))
    id_number_masked: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(8))  # male | female
    birth_date: Mapped[date] = mapped_column(Date)
    nation: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_masked: Mapped[str] = mapped_column(String(32), default="")
    abo: Mapped[str] = mapped_column(String(4), default="")
    rhd: Mapped[str] = mapped_column(String(4), default="")
    photo_wlt: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    card_valid_to: Mapped[date | None] = mapped_column(Date)
    # as read from the ID card (registration form: 签发机关, 有效期限); empty when typed by hand
    card_authority: Mapped[str] = mapped_column(String(60), default="", server_default="")
    card_valid_from: Mapped[date | None] = mapped_column(Date)
    card_long_term: Mapped[bool] = mapped_column(default=False, server_default="0")  # 有效期限 长期
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DonationHistory(Base):
    """A past donation: this station's own (linked to the donation) or imported from elsewhere."""

    __tablename__ = "donation_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), index=True)
    donation_type: Mapped[str] = mapped_column(String(32))
    donated_on: Mapped[date] = mapped_column(Date)
    volume_ml: Mapped[float] = mapped_column(Float, default=0.0)
    doses: Mapped[float] = mapped_column(Float, default=0.0)
    place: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(16), default="local")  # local | imported | regional
    had_reaction: Mapped[bool] = mapped_column(Boolean, default=False)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donation.id"), unique=True)


class Deferral(Base):
    __tablename__ = "deferral"
    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64), default="local")
    starts_on: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donation.id"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class DinSequence(Base):
    """The last DIN sequence number issued per facility and year (row-locked while allocating)."""

    __tablename__ = "din_sequence"
    facility_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Donation(Base):
    __tablename__ = "donation"
    id: Mapped[int] = mapped_column(primary_key=True)
    din: Mapped[str] = mapped_column(String(13), unique=True)
    din_flags: Mapped[str] = mapped_column(String(2), default="00")
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    donation_type: Mapped[str] = mapped_column(String(32), default="apheresis_platelets")
    planned_doses: Mapped[float] = mapped_column(Float, default=1.0)
    state: Mapped[str] = mapped_column(String(32), index=True)
    queue_number: Mapped[int | None] = mapped_column(Integer)
    donation_date: Mapped[date] = mapped_column(Date, index=True)
    registered_at: Mapped[datetime]
    registered_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    questionnaire_set: Mapped[str | None] = mapped_column(String(64))
    questionnaire_version: Mapped[str | None] = mapped_column(String(16))
    questionnaire_signed_at: Mapped[datetime | None]
    needle_at: Mapped[datetime | None]
    label_printed_at: Mapped[datetime | None]
    abort_reason: Mapped[str | None] = mapped_column(Text)
    modification_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    donor: Mapped[Donor] = relationship(lazy="joined")
    steps: Mapped[list[DonationStep]] = relationship(order_by="DonationStep.id", lazy="selectin",
                                                       cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class DonationStep(Base):
    """Time and operator of every step of a donation (the state machine's trail)."""

    __tablename__ = "donation_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    state_from: Mapped[str | None] = mapped_column(String(32))
    state_to: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))


class QuestionnaireAnswer(Base):
    __tablename__ = "questionnaire_answer"
    __table_args__ = (UniqueConstraint("donation_id", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(32))
    answer: Mapped[str] = mapped_column(String(500))
    disqualifying: Mapped[bool] = mapped_column(Boolean, default=False)


class Examination(Base):
    __tablename__ = "examination"
    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), unique=True)
    weight_kg: Mapped[float] = mapped_column(Float)
    height_cm: Mapped[float | None] = mapped_column(Float)
    systolic: Mapped[int] = mapped_column(Integer)
    diastolic: Mapped[int] = mapped_column(Integer)
    pulse: Mapped[int] = mapped_column(Integer)
    pulse_regular: Mapped[bool] = mapped_column(Boolean, default=True)
    endurance_athlete: Mapped[bool] = mapped_column(Boolean, default=False)
    temperature_c: Mapped[float | None] = mapped_column(Float)
    general_condition: Mapped[str] = mapped_column(Text, default="")
    confirmations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    examined_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    examined_at: Mapped[datetime]


class DeviceMessage(Base):
    """Every raw message a device sent, with its parsed form, linked to what it produced."""

    __tablename__ = "device_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    device_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    protocol: Mapped[str] = mapped_column(String(32), default="")
    direction: Mapped[str] = mapped_column(String(8), default="in")
    received_at: Mapped[datetime] = mapped_column(index=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    parsed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    sample_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="received")  # received|filed|unmatched|qc|rejected
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donation.id"), index=True)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None]


class PreDonationTest(Base):
    __tablename__ = "pre_donation_test"
    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), index=True)
    hb_g_l: Mapped[float] = mapped_column(Float)
    hct: Mapped[float] = mapped_column(Float)  # fraction, 0.36 not 36 %
    plt_10e9_l: Mapped[float] = mapped_column(Float)
    mpv_fl: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))  # device | manual
    device_name: Mapped[str | None] = mapped_column(String(64))
    raw_message_id: Mapped[int | None] = mapped_column(ForeignKey("device_message.id"))
    raw_units: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the analyzer's flags on each value used: {"plt_10e9_l": {"flags": ["low_reliability"], "raw": "W"}}
    flags: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
    manual_reason: Mapped[str | None] = mapped_column(Text)
    tested_at: Mapped[datetime]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)


class EligibilityDecision(Base):
    __tablename__ = "eligibility_decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), index=True)
    result: Mapped[str] = mapped_column(String(16))  # eligible | deferred
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    ruleset_name: Mapped[str] = mapped_column(String(64))
    ruleset_version: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime]
    overrides: Mapped[list[EligibilityOverride]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class EligibilityOverride(Base):
    __tablename__ = "eligibility_override"
    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("eligibility_decision.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    physician_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime]
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    signature_kind: Mapped[str | None] = mapped_column(String(32))  # handwritten-png | cms


class Collection(Base):
    __tablename__ = "collection"
    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), unique=True)
    separator_serial: Mapped[str] = mapped_column(String(64))
    separator_model: Mapped[str] = mapped_column(String(64), default="")
    procedure_type: Mapped[str] = mapped_column(String(64), default="")
    kit_catalogue: Mapped[str] = mapped_column(String(64))
    kit_lot: Mapped[str] = mapped_column(String(64))
    ac_lot: Mapped[str] = mapped_column(String(64))
    saline_lot: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    run_minutes: Mapped[float | None] = mapped_column(Float)
    whole_blood_processed_ml: Mapped[float | None] = mapped_column(Float)
    ac_used_ml: Mapped[float | None] = mapped_column(Float)
    ac_to_donor_ml: Mapped[float | None] = mapped_column(Float)
    platelet_volume_ml: Mapped[float | None] = mapped_column(Float)
    platelet_yield_e11: Mapped[float | None] = mapped_column(Float)
    plasma_volume_ml: Mapped[float | None] = mapped_column(Float)
    post_plt_10e9_l: Mapped[float | None] = mapped_column(Float)
    post_hct: Mapped[float | None] = mapped_column(Float)
    alarms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rinseback_completed: Mapped[bool | None] = mapped_column(Boolean)
    doses: Mapped[float | None] = mapped_column(Float)
    confirmations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    operator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    raw_message_id: Mapped[int | None] = mapped_column(ForeignKey("device_message.id"))


class AdverseReaction(Base):
    __tablename__ = "adverse_reaction"
    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    grade: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime]
    treatment: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime]


class DonationCheck(Base):
    """Pre-collection, post-collection and sealing checks: what was scanned and whether it matched."""

    __tablename__ = "donation_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # pre_collection | post_collection | sealing
    passed: Mapped[bool] = mapped_column(Boolean)
    items: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    failure_code: Mapped[str | None] = mapped_column(String(64))
    checked_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    checked_at: Mapped[datetime]


class Equipment(Base):
    __tablename__ = "equipment"
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    model: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), default="separator")
    calibration_due: Mapped[date] = mapped_column(Date)
    maintenance_due: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ConsumableLot(Base):
    __tablename__ = "consumable_lot"
    __table_args__ = (UniqueConstraint("item", "catalogue_no", "lot", name="uq_consumable_lot_item_lot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(32))  # kit | ac | saline
    name: Mapped[str] = mapped_column(String(100), default="")
    catalogue_no: Mapped[str] = mapped_column(String(64))
    specification: Mapped[str] = mapped_column(String(64), default="")
    unit: Mapped[str] = mapped_column(String(16), default="")
    lot: Mapped[str] = mapped_column(String(64))
    # the first moment the lot may no longer be used; a lot labelled with a date only ("EXP 2026-12-01") is
    # usable through that whole local day, so it expires at the next local midnight
    expires_at: Mapped[datetime]
    quantity_received: Mapped[int] = mapped_column(Integer)
    quantity_on_hand: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def expired(self, at: datetime) -> bool:
        return at >= self.expires_at

    @property
    def expiry_day(self) -> date:
        """The last local day on which the lot may be used (the date printed on a date-only label)."""
        return (self.expires_at.astimezone(LOCAL_TZ) - timedelta(microseconds=1)).date()

    @property
    def expiry_text(self) -> str:
        """"2026-12-01" for a date-only expiry (end of that local day), "2026-12-01 12:00" for a time of day."""
        local = self.expires_at.astimezone(LOCAL_TZ)
        if local.time() == time(0):
            return self.expiry_day.isoformat()
        return local.strftime("%Y-%m-%d %H:%M")


class SignedRecord(Base):
    """One of the three signed records of a donation: where the PDF is and its SHA-256."""

    __tablename__ = "signed_record"
    __table_args__ = (UniqueConstraint("donation_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # consent | registration | collection
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    signed_at: Mapped[datetime]
    signers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditEntry(Base):
    """Append-only, hash-chained: each entry carries the hash of the one before."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    station: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    donation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the chain's last sequence number and hash, locked while appending."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
