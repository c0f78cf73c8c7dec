"""Customers, their backup jobs, the runs of those jobs and the objects of each run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backupchecks.extensions import db
from backupchecks.models.types import UTCDateTime, utcnow

RUN_STATUSES = ("success", "warning", "failed", "missed")
SCHEDULE_KINDS = ("daily", "weekdays", "weekly", "monthly")


class Customer(db.Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Filled by the Autotask mapping feature; the id is the key, the name a cached label.
    autotask_company_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    autotask_company_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    mapping_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # renamed: the name Autotask uses now; missing: why, in words (from "Refresh all mappings").
    mapping_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    jobs: Mapped[list[Job]] = relationship(back_populates="customer")

    def __repr__(self) -> str:
        return f"<Customer {self.name}>"


class Job(db.Model):
    """One backup job of one customer, recognised in mails by ``match_key``."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    product: Mapped[str] = mapped_column(String(100))
    job_type: Mapped[str] = mapped_column(String(100), default="")
    job_name: Mapped[str] = mapped_column(String(300))
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # sha256 of the normalised (product, type, name, host): see mail.keys.job_key.
    match_key: Mapped[str] = mapped_column(String(64), unique=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Expected schedule, in the configured time zone. kind None = unknown/none.
    schedule_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # weekly: weekdays "0,2,4" (Monday=0); monthly: day of month "15".
    schedule_days: Mapped[str | None] = mapped_column(String(40), nullable=True)
    schedule_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)  # of the day
    # "learned" (re-learned as runs come in) or "manual" (left alone).
    schedule_source: Mapped[str] = mapped_column(String(16), default="learned")
    missed_check: Mapped[bool] = mapped_column(Boolean, default=True)
    grace_hours: Mapped[int] = mapped_column(Integer, default=6)

    customer: Mapped[Customer] = relationship(back_populates="jobs")
    runs: Mapped[list[Run]] = relationship(back_populates="job", order_by="Run.started_at.desc()")

    @property
    def display_name(self) -> str:
        return f"{self.job_name} ({self.host})" if self.host else self.job_name

    def __repr__(self) -> str:
        return f"<Job {self.product} {self.job_name!r}>"


class Run(db.Model):
    """One execution of a job. Retries of the same run update it (the last one counts)."""

    __tablename__ = "runs"
    __table_args__ = (
        # A missed run is recorded once per expected slot, however often the check runs.
        UniqueConstraint("job_id", "expected_at", name="uq_runs_job_id_expected_at"),
        Index("ix_runs_job_id_started_at", "job_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    is_retry: Mapped[bool] = mapped_column(Boolean, default=False)
    # Attempt whose result the run shows: 0 the first, N for "(Retry N)".
    retry_number: Mapped[int] = mapped_column(Integer, default=0)
    # The mail whose result the run shows (None for missed runs).
    mail_id: Mapped[int | None] = mapped_column(
        ForeignKey("mails.id", ondelete="SET NULL"), nullable=True
    )
    # Only for missed runs: the expected slot this run stands for.
    expected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    job: Mapped[Job] = relationship(back_populates="runs")
    objects: Mapped[list[RunObject]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="RunObject.id"
    )

    def __repr__(self) -> str:
        return f"<Run job={self.job_id} {self.status} {self.started_at:%Y-%m-%d %H:%M}>"


class RunObject(db.Model):
    __tablename__ = "run_objects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)

    run: Mapped[Run] = relationship(back_populates="objects")
