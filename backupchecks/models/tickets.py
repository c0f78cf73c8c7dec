"""Autotask tickets Backupchecks made or linked, creation intents, cached reference data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backupchecks.extensions import db
from backupchecks.models.types import UTCDateTime, utcnow


class Ticket(db.Model):
    """A ticket in Autotask; the numeric id is the key, everything else a cached label."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    autotask_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    number: Mapped[str | None] = mapped_column(String(50), nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    company_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True, index=True)
    origin: Mapped[str] = mapped_column(String(16), default="created")  # created | linked
    # Last seen in Autotask (picklist value as the API gives it, and its label).
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status_label: Mapped[str | None] = mapped_column(String(100), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    missing: Mapped[bool] = mapped_column(Boolean, default=False)  # deleted in Autotask
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    resolution_message: Mapped[str | None] = mapped_column(Text, nullable=True)

    run_links: Mapped[list[RunTicket]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.completed_at is None and self.resolved_at is None and not self.missing


class RunTicket(db.Model):
    __tablename__ = "run_tickets"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="run_links")


class TicketIntent(db.Model):
    """'We are about to create a ticket for this job', written before the POST.

    ``open_job_id`` is unique: while a job's ticket is being made or is open,
    nobody can start another one for the same job. ``lease_until`` lets one
    attempt at a time talk to Autotask for this intent.
    """

    __tablename__ = "ticket_intents"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True)
    open_job_id: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | failed
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    autotask_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ticket_number: Mapped[str | None] = mapped_column(String(50), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class AutotaskReference(db.Model):
    """The tenant's ticket picklists as the API gave them, with their age."""

    __tablename__ = "autotask_reference"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(50), unique=True)  # "Tickets"
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Where people open tickets in a browser (from the zone lookup), for links.
    web_url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
