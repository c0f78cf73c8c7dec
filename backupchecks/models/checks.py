"""Overrides (how a status is shown) and remarks (internal notes on a job or object)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backupchecks.extensions import db
from backupchecks.models.types import UTCDateTime, utcnow

MATCH_KINDS = ("contains", "exact", "starts", "ends", "regex")


class Override(db.Model):
    __tablename__ = "overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    # None: the rule is about the whole run; else about the object of that name.
    object_name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Which statuses it applies to: "warning", "failed", or None for both.
    match_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    match_kind: Mapped[str] = mapped_column(String(16), default="contains")
    match_text: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    treat_as: Mapped[str] = mapped_column(String(16), default="success")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    matched_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class Remark(db.Model):
    __tablename__ = "remarks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), nullable=True)
    object_name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_by_name: Mapped[str] = mapped_column(String(254), default="")


class RunOverride(db.Model):
    """Why a run shows as success although it was not (kept apart from the real status).

    Either a rule matched (``override_id``) or a person marked it by hand (``by_user_id``).
    """

    __tablename__ = "run_overrides"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    override_id: Mapped[int | None] = mapped_column(
        ForeignKey("overrides.id", ondelete="CASCADE"), nullable=True, index=True)
    by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    by_name: Mapped[str | None] = mapped_column(String(254), nullable=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
