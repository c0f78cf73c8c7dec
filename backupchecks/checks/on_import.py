"""What Run Checks does when the mail import files new runs.

Overrides are applied (so a known, accepted warning never lands on the Run
Checks page as a failure) and runs are joined to their job's open ticket.
Both are skipped at the cost of two tiny queries when nothing is configured,
so a bulk import stays fast.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from backupchecks.checks import overrides
from backupchecks.checks.tickets import after_runs_filed
from backupchecks.extensions import db
from backupchecks.models.checks import Override, RunOverride
from backupchecks.models.jobs import Run
from backupchecks.models.tickets import Ticket

log = logging.getLogger(__name__)


def process_filed(session: Session) -> None:
    """Act on the runs the mail filing created or changed since the last call.

    Call right after the commit that stored them.
    """
    from backupchecks.mail.filing import FILED_RUNS_KEY

    run_ids = session.info.pop(FILED_RUNS_KEY, None)
    if run_ids:
        runs_filed(run_ids)


def runs_filed(run_ids: Collection[int]) -> None:
    """Call after the import committed these runs (new ones, or ones a retry mail updated)."""
    if not run_ids:
        return
    has_rules = db.session.scalar(select(Override.id).where(Override.active.is_(True)).limit(1))
    has_tickets = db.session.scalar(select(Ticket.id).where(
        Ticket.completed_at.is_(None), Ticket.resolved_at.is_(None), Ticket.missing.is_(False)).limit(1))
    if has_rules is None and has_tickets is None:
        return
    runs = db.session.scalars(select(Run).where(Run.id.in_(list(run_ids)))
                              .options(selectinload(Run.objects))).all()
    if has_rules is not None:
        # A retry that succeeded needs no override any more.
        succeeded = [r.id for r in runs if r.status == "success"]
        if succeeded:
            db.session.execute(delete(RunOverride).where(
                RunOverride.run_id.in_(succeeded), RunOverride.override_id.is_not(None)))
        overrides.apply_to_runs(runs)
        db.session.commit()
    if has_tickets is not None:
        try:
            after_runs_filed(runs)
        except Exception:  # an Autotask hiccup must never fail the import
            db.session.rollback()
            log.exception("linking imported runs to open tickets failed")
