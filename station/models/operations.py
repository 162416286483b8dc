"""Around the chairs: the regional platform check and upload queue, bookings and the call queue."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from station.models.base import Base


class RegionalCheck(Base):
    """One query of the regional platform for a donor: done (results merged) or not done (must be acknowledged)."""

    __tablename__ = "regional_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), index=True)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donation.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # done | not_done
    error_code: Mapped[str | None] = mapped_column(String(32))  # UNREACHABLE | TIMEOUT | HTTP_ERROR | GARBAGE
    error: Mapped[str | None] = mapped_column(Text)
    deferrals_added: Mapped[int] = mapped_column(Integer, default=0)
    history_added: Mapped[int] = mapped_column(Integer, default=0)
    elapsed_ms: Mapped[int] = mapped_column(Integer, default=0)
    checked_at: Mapped[datetime]
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    acknowledgement: Mapped[str | None] = mapped_column(Text)


class RegionalUpload(Base):
    """A locally recorded deferral waiting to be sent to the regional platform (一地发现，处处屏蔽)."""

    __tablename__ = "regional_upload"
    id: Mapped[int] = mapped_column(primary_key=True)
    deferral_id: Mapped[int] = mapped_column(ForeignKey("deferral.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)  # queued | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    remote_id: Mapped[str | None] = mapped_column(String(64))


class Appointment(Base):
    """A booking imported from the booking platform for a time slot of one day."""

    __tablename__ = "appointment"
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_ref: Mapped[str] = mapped_column(String(64), unique=True)
    slot_date: Mapped[date] = mapped_column(Date, index=True)
    slot_start: Mapped[str] = mapped_column(String(5))  # HH:MM local time
    slot_end: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(100))
    id_number_index: Mapped[str] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(String(32))
    donation_type: Mapped[str] = mapped_column(String(32), default="apheresis_platelets")
    status: Mapped[str] = mapped_column(String(16), default="booked")  # booked | arrived | no_show | cancelled
    imported_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(64), default="")
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donor.id"))
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donation.id"))
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)


class QueueTicket(Base):
    """A numbered ticket in the day's call queue: issued at registration, called to a desk or chair."""

    __tablename__ = "queue_ticket"
    __table_args__ = (UniqueConstraint("ticket_date", "number", name="uq_queue_ticket_date_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_date: Mapped[date] = mapped_column(Date, index=True)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(8))  # A003 (appointment) or W004 (walk-in)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donor.id"))
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donation.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)  # waiting | called | skipped
    issued_at: Mapped[datetime]
    called_at: Mapped[datetime | None]
    called_to: Mapped[str | None] = mapped_column(String(64))
    called_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class LotReceipt(Base):
    """One delivery of a consumable lot, by its delivery note: the same note entered twice is refused."""

    __tablename__ = "lot_receipt"
    __table_args__ = (UniqueConstraint("delivery_note", "lot_id", name="uq_lot_receipt_note_lot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("consumable_lot.id"), index=True)
    delivery_note: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime]
    received_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
