"""Data retention: old mails and runs are removed after the periods set under General.

Explicit deletes of the dependent rows, because SQLite does not enforce the
foreign keys' ON DELETE rules; small chunks, so a first purge of years of data
never holds one long transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backupchecks import audit
from backupchecks.models.checks import Remark, RunOverride
from backupchecks.models.jobs import Run, RunObject
from backupchecks.models.mail import Mail
from backupchecks.models.tickets import RunTicket
from backupchecks.models.types import utcnow
from backupchecks.settings.store import get_setting

CHUNK = 2000


@dataclass
class PurgeResult:
    mails: int = 0
    runs: int = 0

    def summary(self) -> str:
        return f"{self.mails} mail(s) and {self.runs} run(s) past their retention removed"


def _chunks(session: Session, query) -> list[list[int]]:  # type: ignore[no-untyped-def]
    ids = list(session.scalars(query))
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def purge(session: Session, now: datetime | None = None) -> PurgeResult:
    """Remove runs and mails older than their retention; commits per chunk."""
    now = now or utcnow()
    result = PurgeResult()
    run_cutoff = now - timedelta(days=int(get_setting("general.retention_run_days")))
    mail_cutoff = now - timedelta(days=int(get_setting("general.retention_mail_days")))
    for ids in _chunks(session, select(Run.id).where(Run.started_at < run_cutoff)):
        session.execute(update(Remark).where(Remark.run_id.in_(ids)).values(run_id=None))
        session.execute(update(Mail).where(Mail.run_id.in_(ids)).values(run_id=None))
        for model in (RunObject, RunTicket, RunOverride):
            session.execute(delete(model).where(model.run_id.in_(ids)))
        result.runs += session.execute(delete(Run).where(Run.id.in_(ids))).rowcount or 0
        session.commit()
    for ids in _chunks(session, select(Mail.id).where(Mail.received_at < mail_cutoff)):
        session.execute(update(Run).where(Run.mail_id.in_(ids)).values(mail_id=None))
        result.mails += session.execute(delete(Mail).where(Mail.id.in_(ids))).rowcount or 0
        session.commit()
    if result.mails or result.runs:
        audit.record("retention.purged", "", result.summary(), actor="retention")
        session.commit()
    return result
