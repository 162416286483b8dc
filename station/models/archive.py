"""Archive tables: archived items (one per donation), the per-year item counter, archiving job runs."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from station.models.base import Base


class ArchiveCounter(Base):
    """Last item number used per archive year; locked and raised in the same transaction as the item insert."""

    __tablename__ = "archive_counter"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_item: Mapped[int] = mapped_column(Integer, default=0)


class ArchiveItem(Base):
    """One archived donation (the seed's archive list row) and where its package is stored."""

    __tablename__ = "archive_item"
    __table_args__ = (UniqueConstraint("year", "item_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    item_number: Mapped[int] = mapped_column(Integer)
    archive_number: Mapped[str] = mapped_column(String(64), unique=True)
    retention_years: Mapped[int] = mapped_column(Integer)
    retention_until: Mapped[date] = mapped_column(Date, index=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), unique=True)
    din: Mapped[str] = mapped_column(String(13), unique=True)
    donor_name: Mapped[str] = mapped_column(String(100), index=True)
    id_type: Mapped[str] = mapped_column(String(16))
    id_number_masked: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(200))
    donation_date: Mapped[date] = mapped_column(Date, index=True)
    collection_time: Mapped[datetime | None]
    full_text_count: Mapped[int] = mapped_column(Integer)
    package_name: Mapped[str] = mapped_column(String(300))
    package_url: Mapped[str] = mapped_column(String(1000))
    package_sha256: Mapped[str] = mapped_column(String(64))  # SHA-256 of the bag's tagmanifest-sha256.txt
    status: Mapped[str] = mapped_column(String(16), default="archived")  # archived | check_failed
    archived_at: Mapped[datetime]
    archived_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    last_verified_at: Mapped[datetime | None]
    last_verify_passed: Mapped[bool | None] = mapped_column(Boolean)


class ArchiveJob(Base):
    """One run of the archiving job (or of the periodic store verification): who, when, how it ended."""

    __tablename__ = "archive_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="run")  # run | verify
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | done | stopped
    archived: Mapped[int] = mapped_column(Integer, default=0)
    recovered: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[list[Any]] = mapped_column(JSON, default=list)
    skipped_incomplete: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
