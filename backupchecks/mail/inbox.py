"""Inbox services: approve a new job, ignore, delete, restore and re-parse mails.

Views call these and commit; nothing here commits, so a view's audit rows and its
changes land in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, undefer

from backupchecks import audit
from backupchecks.mail.filing import Filing, file_runs, filing_from_result
from backupchecks.mail.pipeline import ImportStats, outcome_state
from backupchecks.mail.rules import load_generic_rules
from backupchecks.models.jobs import Customer, Job, Run, RunObject
from backupchecks.models.mail import Mail
from backupchecks.models.types import utcnow
from backupchecks.parsers import parse_mail

CHUNK = 500


class InboxError(Exception):
    """An action that cannot be done; the message is shown to the operator."""


@dataclass(frozen=True)
class WaitingJob:
    """Mails of one job nobody approved yet."""

    job_key: str
    product: str | None
    job_type: str | None
    job_name: str | None
    host: str | None
    count: int
    last_received: datetime
    last_mail_id: int
    worst_status: str | None


def _waiting() -> Any:
    return (Mail.state == "parsed", Mail.run_id.is_(None), Mail.deleted.is_(False),
            Mail.job_key.is_not(None))


def waiting_jobs(session: Session) -> list[WaitingJob]:
    """One row per job key, newest first: two queries whatever the number of mails."""
    rows = session.execute(
        select(Mail.job_key, func.count(Mail.id), func.max(Mail.received_at), func.max(Mail.id),
               func.max(case((Mail.status == "failed", 2), (Mail.status == "warning", 1),
                             else_=0)))
        .where(*_waiting()).group_by(Mail.job_key).order_by(func.max(Mail.received_at).desc())
    ).all()
    if not rows:
        return []
    latest = {m.id: m for m in session.scalars(
        select(Mail).where(Mail.id.in_([r[3] for r in rows])))}
    out = []
    for key, count, last, last_id, severity in rows:
        m = latest[last_id]
        worst = ("success", "warning", "failed")[severity or 0]
        out.append(WaitingJob(key, m.product, m.job_type, m.job_name, m.host, count,
                              last, last_id, worst))
    return out


def mails_in_state(session: Session, states: Sequence[str], *, deleted: bool = False,
                   limit: int = 200) -> list[Mail]:
    query = select(Mail).where(Mail.deleted.is_(deleted))
    if states:
        query = query.where(Mail.state.in_(states))
    return list(session.scalars(query.order_by(Mail.received_at.desc(), Mail.id.desc())
                                .limit(limit)))


def counts(session: Session) -> dict[str, int]:
    """Mails per Inbox tab, in one query."""

    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    live = Mail.deleted.is_(False)
    row = session.execute(select(
        count_if(live & (Mail.state == "parsed") & Mail.run_id.is_(None)),
        count_if(live & Mail.state.in_(("unparsed", "error"))),
        count_if(live & (Mail.state == "ignored")),
        count_if(Mail.deleted.is_(True)),
    )).one()
    return dict(zip(("waiting", "unparsed", "ignored", "deleted"), map(int, row), strict=True))


# --- approval -------------------------------------------------------------------------

def _customer(session: Session, customer_id: int | None, new_name: str | None) -> Customer:
    if (new_name or "").strip():
        # One set of name rules for the whole product: the Customers service's.
        from backupchecks.checks import customers as customer_service

        try:
            name = customer_service.clean_name(new_name)
            existing = customer_service.find_by_name(name)
            return existing if existing is not None else customer_service.create(name)
        except customer_service.CustomerError as exc:
            raise InboxError(str(exc)) from None
    if customer_id is None:
        raise InboxError("Choose a customer or type the name of a new one.")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise InboxError("That customer does not exist.")
    return customer


def approve(session: Session, job_key: str, *, customer_id: int | None = None,
            new_customer: str | None = None, now: datetime | None = None) -> tuple[Job, int]:
    """Create the job of ``job_key`` for a customer and file its waiting mails as runs.

    Returns the job and how many mails were filed.
    """
    sample = session.scalar(select(Mail).where(*_waiting(), Mail.job_key == job_key)
                            .order_by(Mail.id.desc()).limit(1))
    job = session.scalar(select(Job).where(Job.match_key == job_key))
    if sample is None and job is None:
        raise InboxError("No mail of that job is waiting in the Inbox.")
    if job is None:
        assert sample is not None
        customer = _customer(session, customer_id, new_customer)
        job = Job(customer=customer, product=sample.product or "Unknown",
                  job_type=sample.job_type or "", job_name=sample.job_name or "(no name)",
                  host=sample.host, match_key=job_key)
        session.add(job)
        session.flush()
        audit.record("job.approved", f"job {job.id}",
                     f"{job.product} / {job.job_type} / {job.display_name} for {customer.name}")
    filed = file_waiting_mails(session, now=now, job_keys=[job_key])
    return job, filed


def file_waiting_mails(session: Session, *, now: datetime | None = None,
                       job_keys: Iterable[str] | None = None) -> int:
    """File every waiting mail whose job key belongs to a job; returns how many."""
    query = (select(Mail.id, Mail.job_key, Mail.received_at, Mail.result, Job.id)
             .join(Job, Job.match_key == Mail.job_key).where(*_waiting())
             .order_by(Mail.id))
    if job_keys is not None:
        query = query.where(Mail.job_key.in_(list(job_keys)))
    total = 0
    last_id = 0
    while True:
        rows = session.execute(query.where(Mail.id > last_id).limit(CHUNK)).all()
        if not rows:
            return total
        filings: list[Filing] = [
            filing_from_result(mail_id, job_id, result or {}, received)
            for mail_id, _key, received, result, job_id in rows
        ]
        mapping = file_runs(session, filings, now or utcnow())
        if mapping:
            session.execute(update(Mail), [{"id": m, "run_id": r} for m, r in mapping.items()])
        total += len(mapping)
        last_id = rows[-1][0]


# --- ignore, delete, restore ----------------------------------------------------------

def _select_mails(session: Session, mail_ids: Sequence[int] = (),
                  job_key: str | None = None) -> list[Mail]:
    if job_key:
        return list(session.scalars(select(Mail).where(*_waiting(), Mail.job_key == job_key)))
    if not mail_ids:
        return []
    return list(session.scalars(select(Mail).where(Mail.id.in_(list(mail_ids)))))


def ignore(session: Session, *, mail_ids: Sequence[int] = (), job_key: str | None = None,
           who: str = "system") -> int:
    """Mark mails ignored (kept, out of the Inbox). Filed mails are left alone."""
    mails = [m for m in _select_mails(session, mail_ids, job_key) if m.run_id is None]
    for m in mails:
        m.state = "ignored"
        m.reason = f"Ignored by {who}."
    if mails:
        audit.record("mail.ignored", _target(mails), _describe(mails))
    return len(mails)


def delete(session: Session, *, mail_ids: Sequence[int] = (), job_key: str | None = None,
           now: datetime | None = None) -> int:
    """Soft-delete: hidden everywhere, restorable by an admin."""
    mails = [m for m in _select_mails(session, mail_ids, job_key) if not m.deleted]
    for m in mails:
        m.deleted = True
        m.deleted_at = now or utcnow()
    if mails:
        audit.record("mail.deleted", _target(mails), _describe(mails))
    return len(mails)


def restore(session: Session, mail_ids: Sequence[int]) -> int:
    mails = [m for m in _select_mails(session, mail_ids) if m.deleted]
    for m in mails:
        m.deleted = False
        m.deleted_at = None
    if mails:
        audit.record("mail.restored", _target(mails), _describe(mails))
        session.flush()
        file_waiting_mails(session, job_keys={m.job_key for m in mails if m.job_key})
    return len(mails)


def _target(mails: Sequence[Mail]) -> str:
    return f"mail {mails[0].id}" if len(mails) == 1 else f"{len(mails)} mails"


def _describe(mails: Sequence[Mail]) -> str:
    return "; ".join(f"#{m.id} {m.subject[:80]}" for m in mails[:20])


# --- re-parse ---------------------------------------------------------------------------

REPARSE_STATES = ("unparsed", "error", "parsed")


def reparse(session: Session, *, mail_ids: Sequence[int] | None = None,
            include_filed: bool = False, now: datetime | None = None) -> ImportStats:
    """Run the parsers again (after a parser fix or a new rule) and file what now fits.

    Without ``mail_ids``: every mail not deleted that is unparsed, in error or waiting in
    the Inbox (and, with ``include_filed``, the mails of runs too). A filed mail keeps its
    run; when it is the mail the run shows, the run takes the new status and objects.
    """
    rules = load_generic_rules(session)
    query = select(Mail.id).where(Mail.deleted.is_(False)).order_by(Mail.id)
    if mail_ids is not None:
        query = query.where(Mail.id.in_(list(mail_ids)))
    else:
        query = query.where(Mail.state.in_(REPARSE_STATES))
        if not include_filed:
            query = query.where(Mail.run_id.is_(None))
    ids = list(session.scalars(query))
    stats = ImportStats(seen=len(ids))
    keys: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        mails = session.scalars(select(Mail).options(undefer(Mail.raw))
                                .where(Mail.id.in_(chunk))).all()
        for mail in mails:
            state = outcome_state(parse_mail(mail.raw, rules))
            for column, value in state.values.items():
                setattr(mail, column, value)
            if mail.run_id is not None:
                _refresh_run(session, mail, state.filing_result)
                stats.filed += 1
                continue
            if state.key:
                keys.add(state.key)
            setattr(stats, state.counter, getattr(stats, state.counter) + 1)
        session.flush()
        for mail in mails:  # the raw bytes of a chunk need not stay in memory
            session.expire(mail, ["raw"])
    if keys:
        filed = file_waiting_mails(session, now=now, job_keys=keys)
        stats.filed += filed
        stats.waiting -= filed
    return stats


def _refresh_run(session: Session, mail: Mail, result: dict[str, Any] | None) -> None:
    run = session.get(Run, mail.run_id)
    if run is None or result is None or run.mail_id != mail.id:
        return
    if run.job.match_key != mail.job_key:
        return  # the parser now reads another job: leave the run as filed
    fresh = filing_from_result(mail.id, run.job_id, result, run.started_at)
    if run.status != fresh.status:
        run.reviewed_at = None
        run.reviewed_by_id = None
    run.status = fresh.status
    run.ended_at = fresh.ended_at or run.ended_at
    run.objects = [RunObject(name=str(o.get("name") or "")[:500] or "(unnamed)",
                             type=o.get("type"), status=o.get("status") or "failed",
                             message=o.get("message")) for o in fresh.objects]
