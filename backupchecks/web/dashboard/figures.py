"""Dashboard figures: a fixed handful of aggregate queries, no Autotask calls."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from backupchecks.autotask import cache
from backupchecks.extensions import db
from backupchecks.health import autotask_configured
from backupchecks.models.checks import RunOverride
from backupchecks.models.jobs import Customer, Job, Run
from backupchecks.models.mail import ImapFolderState, Mail
from backupchecks.models.settings import AuditEntry
from backupchecks.models.tickets import Ticket
from backupchecks.models.types import utcnow
from backupchecks.timeutil import configured_zone, local_day_bounds

STATUSES = ("success", "warning", "failed", "missed")


def _status_counts(start: datetime, end: datetime) -> dict[str, int]:
    rows = db.session.execute(
        select(Run.status, func.count(Run.id), func.count(RunOverride.run_id))
        .outerjoin(RunOverride, RunOverride.run_id == Run.id)
        .where(Run.started_at >= start, Run.started_at < end).group_by(Run.status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts["override"] = 0
    for status, total, overridden in rows:
        counts[status] = counts.get(status, 0) + total - overridden
        counts["override"] += overridden
    return counts


def dashboard_figures(today: date) -> dict[str, Any]:
    zone = configured_zone()
    start, end = local_day_bounds(today, zone)
    yesterday_start = local_day_bounds(today - timedelta(days=1), zone)[0]
    failing_customers = db.session.execute(
        select(Customer.id, Customer.name, func.count(Run.id))
        .join(Job, Job.customer_id == Customer.id).join(Run, Run.job_id == Job.id)
        .outerjoin(RunOverride, RunOverride.run_id == Run.id)
        .where(Run.started_at >= yesterday_start, Run.status.in_(("failed", "missed")),
               Run.reviewed_at.is_(None), RunOverride.run_id.is_(None))
        .group_by(Customer.id, Customer.name).order_by(func.count(Run.id).desc(), Customer.name)
        .limit(15)).all()
    to_review = db.session.scalar(
        select(func.count(Run.id)).join(Job, Job.id == Run.job_id)
        .where(Run.reviewed_at.is_(None), Job.archived.is_(False))) or 0
    open_tickets = db.session.scalar(select(func.count(Ticket.id)).where(
        Ticket.completed_at.is_(None), Ticket.resolved_at.is_(None), Ticket.missing.is_(False))) or 0
    mails = dict(db.session.execute(
        select(Mail.state, func.count(Mail.id)).where(Mail.deleted.is_(False), or_(
            Mail.state.in_(("unparsed", "error")),
            (Mail.state == "parsed") & Mail.run_id.is_(None)))
        .group_by(Mail.state)).all())
    imap = db.session.scalar(select(ImapFolderState).order_by(
        ImapFolderState.last_poll_at.desc().nulls_last()).limit(1))
    last_import = db.session.scalar(select(func.max(Mail.imported_at)))
    ref = cache.load()
    autotask_failure = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action.like("autotask.%failed"),
                                 AuditEntry.at >= utcnow() - timedelta(hours=24))
        .order_by(AuditEntry.at.desc()).limit(1))
    return {
        "today": _status_counts(start, end),
        "yesterday": _status_counts(yesterday_start, start),
        "failing_customers": failing_customers,
        "to_review": to_review,
        "open_tickets": open_tickets,
        "unparsed": mails.get("unparsed", 0) + mails.get("error", 0),
        "inbox_waiting": mails.get("parsed", 0),
        "imap": imap,
        "last_import": last_import,
        "autotask_configured": autotask_configured(),
        "autotask_reference": ref,
        "autotask_failure": autotask_failure,
    }
