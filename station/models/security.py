"""Sign-in sessions (checked by every service call) and installation-wide markers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from station.models.base import Base


class UserSession(Base):
    """One sign-in (desktop, staff card or command line): ends at sign-out, after idle or absolute expiry,
    at lockout, deactivation or an administrator's password reset."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_open", "user_id", "ended_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    via: Mapped[str] = mapped_column(String(16))  # desktop | card | cli
    station: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(String(32), default="")


class InstallationFlag(Base):
    """Facts about the installation that belong to its database, e.g. demo = "true" (a demo folder)."""

    __tablename__ = "installation_flag"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
