"""A database-backed IntentStore: ticket creation survives timeouts, double clicks and restarts.

Each method commits at once: the intent must be on disk before the POST it
announces, and its outcome as soon as it is known.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update

from backupchecks.autotask.tickets import Intent
from backupchecks.extensions import db
from backupchecks.models.tickets import TicketIntent
from backupchecks.models.types import utcnow

# Longer than the client's worst case for one create (connect + read timeouts).
LEASE = timedelta(seconds=90)


class DatabaseIntentStore:
    def get(self, key: str) -> Intent | None:
        row = db.session.get(TicketIntent, key, populate_existing=True)
        if row is None:
            return None
        return Intent(key=row.key, payload=dict(row.payload or {}), created_at=row.created_at,
                      state=row.state, ticket_id=row.autotask_id,  # type: ignore[arg-type]
                      ticket_number=row.ticket_number, error=row.error)

    def save_pending(self, key: str, payload: dict[str, Any], created_at: datetime) -> None:
        row = db.session.get(TicketIntent, key)
        if row is None:
            row = TicketIntent(key=key)
            db.session.add(row)
        row.payload, row.created_at, row.state, row.error = dict(payload), created_at, "pending", None
        db.session.commit()

    def mark_done(self, key: str, ticket_id: int, ticket_number: str | None) -> None:
        row = db.session.get(TicketIntent, key)
        row.state, row.autotask_id, row.ticket_number, row.error = "done", ticket_id, ticket_number, None
        row.lease_until = None
        db.session.commit()

    def mark_failed(self, key: str, error: str) -> None:
        row = db.session.get(TicketIntent, key)
        # A failed intent frees the job: the next attempt starts a new one.
        row.state, row.error, row.open_job_id, row.lease_until = "failed", error[:2000], None, None
        db.session.commit()


def take_lease(key: str, now: datetime | None = None) -> bool:
    """Atomically claim the right to talk to Autotask for this intent.

    Two operators (or two clicks) on the same job: only one gets the lease;
    the other is told a ticket is being made right now.
    """
    now = now or utcnow()
    result = db.session.execute(
        update(TicketIntent)
        .where(TicketIntent.key == key)
        .where(or_(TicketIntent.lease_until.is_(None), TicketIntent.lease_until < now))
        .values(lease_until=now + LEASE)
    )
    db.session.commit()
    return result.rowcount == 1


def release_lease(key: str) -> None:
    db.session.execute(update(TicketIntent).where(TicketIntent.key == key).values(lease_until=None))
    db.session.commit()
