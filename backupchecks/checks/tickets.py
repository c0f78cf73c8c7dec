"""Autotask tickets from the Run Checks page: create, link, refresh, resolve, and import hooks.

Every call goes checks -> autotask.tickets -> autotask.client. A failure is told
in words, logged, and leaves no ticket recorded that Autotask does not have.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from backupchecks import audit
from backupchecks.autotask import cache
from backupchecks.autotask.config import make_client, ticket_defaults
from backupchecks.autotask.errors import AutotaskError, AutotaskNotFound
from backupchecks.autotask.intents import DatabaseIntentStore, release_lease, take_lease
from backupchecks.autotask.tickets import (
    add_note,
    create_ticket_idempotent,
    resolve,
    resolve_ticket_reference,
)
from backupchecks.extensions import db
from backupchecks.models.jobs import Customer, Job, Run
from backupchecks.models.tickets import RunTicket, Ticket, TicketIntent
from backupchecks.models.types import utcnow
from backupchecks.settings.store import get_setting
from backupchecks.timeutil import configured_zone

log = logging.getLogger(__name__)

# A page view asks Autotask at most this often for the same ticket's status.
STATUS_MAX_AGE = timedelta(seconds=30)
# Page views must not hang on a slow Autotask: short timeouts, no retries.
PAGE_CLIENT_OPTIONS: dict[str, Any] = {"timeout": (3, 6), "max_retries": 0}
TICKET_FIELDS = ["id", "ticketNumber", "title", "status", "companyID", "completedDate"]
EDITABLE_FIELDS = ("queueID", "priority", "status", "source", "issueType", "subIssueType",
                   "ticketCategory")


class TicketActionError(Exception):
    """An action that did not happen; ``message`` says why in words."""

    def __init__(self, message: str, *, map_customer_id: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.map_customer_id = map_customer_id


@dataclass(frozen=True)
class ActionResult:
    message: str
    ticket: Ticket | None = None
    created: bool = False


@dataclass(frozen=True)
class TicketDraft:
    title: str
    description: str
    fields: dict[str, str]


def parse_api_datetime(value: Any) -> datetime | None:
    """Autotask dates are UTC, with or without the Z and milliseconds."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _local(dt: datetime | None, zone: ZoneInfo) -> str:
    return dt.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if dt else "unknown"


# ------------------------------------------------------------------- drafting

def draft_for_run(run: Run) -> TicketDraft:
    """Title and description a technician can act on without opening Backupchecks."""
    job, customer = run.job, run.job.customer
    zone = configured_zone()
    title = f"Backup {run.status}: {customer.name} - {job.job_name}"[:255]
    lines = [
        f"Customer: {customer.name}",
        f"Job: {job.job_name}" + (f" on {job.host}" if job.host else ""),
        f"Product: {job.product}" + (f" ({job.job_type})" if job.job_type else ""),
        f"Status: {run.status}",
        f"Started: {_local(run.started_at, zone)}",
        f"Ended: {_local(run.ended_at, zone)}",
    ]
    problems = [o for o in run.objects if o.status != "success"]
    if problems:
        lines.append("")
        lines.append("Objects with problems:")
        lines += [f"- {o.name}: {o.status}" + (f" - {o.message}" if o.message else "")
                  for o in problems]
    lines += ["", "Reported by Backupchecks."]
    return TicketDraft(title=title, description="\n".join(lines)[:8000], fields=ticket_defaults())


# ------------------------------------------------------------------- lookups

def open_ticket_for_job(job_id: int) -> Ticket | None:
    return db.session.scalar(
        select(Ticket).where(Ticket.job_id == job_id, Ticket.completed_at.is_(None),
                             Ticket.resolved_at.is_(None), Ticket.missing.is_(False))
        .order_by(Ticket.id.desc()).limit(1))


def _link(run: Run, ticket: Ticket) -> bool:
    if db.session.get(RunTicket, (run.id, ticket.id)) is None:
        db.session.add(RunTicket(run_id=run.id, ticket_id=ticket.id))
        return True
    return False


def _run_or_error(run_id: int) -> Run:
    run = db.session.scalar(
        select(Run).where(Run.id == run_id)
        .options(selectinload(Run.objects), selectinload(Run.job).selectinload(Job.customer)))
    if run is None:
        raise TicketActionError("This run does not exist (any more).")
    return run


def _mapped_company(customer: Customer) -> int:
    if customer.autotask_company_id is None:
        raise TicketActionError(
            f"{customer.name} is not mapped to an Autotask company yet. Map it first.",
            map_customer_id=customer.id)
    if customer.mapping_state == "missing":
        raise TicketActionError(
            f"The Autotask company of {customer.name} is missing or inactive. Map it again.",
            map_customer_id=customer.id)
    return int(customer.autotask_company_id)


def _validate_fields(fields: dict[str, str]) -> dict[str, str]:
    ref = cache.load()
    clean = {k: str(v) for k, v in fields.items() if k in EDITABLE_FIELDS and v not in (None, "")}
    if ref is None:
        return clean
    for name, value in clean.items():
        if not ref.is_valid(name, value):
            raise TicketActionError(
                f"{name} {value!r} is not a current value in Autotask; refresh the reference "
                "data under Settings → Autotask and choose again.")
    return clean


def _user_id(user: Any) -> int | None:
    return getattr(user, "id", None)


# -------------------------------------------------------------------- create

def _intent_for_job(job: Job, run: Run, user: Any) -> TicketIntent:
    """The job's one open intent: found, or created under a unique constraint."""
    intent = db.session.scalar(select(TicketIntent).where(TicketIntent.open_job_id == job.id))
    if intent is not None:
        return intent
    intent = TicketIntent(key=f"bc-job{job.id}-{uuid.uuid4().hex[:12]}", job_id=job.id,
                          open_job_id=job.id, run_id=run.id, created_by_id=_user_id(user),
                          payload={})
    db.session.add(intent)
    try:
        db.session.commit()
    except IntegrityError:
        # Another operator started one for this job a moment ago: use theirs.
        db.session.rollback()
        intent = db.session.scalar(select(TicketIntent).where(TicketIntent.open_job_id == job.id))
        if intent is None:
            raise TicketActionError("Could not start the ticket; please try again.") from None
    return intent


def _record_ticket(autotask_id: int, number: str | None, *, title: str, company_id: int,
                   job: Job, origin: str, user: Any) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.autotask_id == autotask_id))
    if ticket is None:
        ticket = Ticket(autotask_id=autotask_id, origin=origin, created_by_id=_user_id(user))
        db.session.add(ticket)
    ticket.number = number or ticket.number
    ticket.title = title[:255]
    ticket.company_id = company_id
    ticket.job_id = job.id
    ticket.customer_id = job.customer_id
    return ticket


def create_for_run(run_id: int, *, user: Any, title: str, description: str,
                   fields: dict[str, str]) -> ActionResult:
    """Create (at most once) the Autotask ticket for this run's job problem and link the run."""
    run = _run_or_error(run_id)
    job, customer = run.job, run.job.customer
    company_id = _mapped_company(customer)
    existing = open_ticket_for_job(job.id)
    if existing is not None:
        linked = _link(run, existing)
        audit.record("ticket.linked", f"ticket {existing.number}", f"run {run.id} (open ticket of job)")
        db.session.commit()
        prefix = "Linked to" if linked else "Already linked to"
        return ActionResult(f"{prefix} the open ticket {existing.number} of this job; no new ticket made.",
                            existing)
    title = (title or "").strip()[:255]
    if not title:
        raise TicketActionError("The ticket needs a title.")
    # What the form left empty falls back to the admin's defaults.
    clean = _validate_fields({**ticket_defaults(), **{k: v for k, v in fields.items() if v}})
    for required in ("queueID", "priority", "status"):
        if required not in clean:
            raise TicketActionError(
                f"Choose a {required} (or set a default under Settings → Autotask).")
    payload = {"companyID": company_id, "title": title, "description": description[:8000], **clean}

    intent = _intent_for_job(job, run, user)
    if not take_lease(intent.key):
        raise TicketActionError(
            "Someone is creating a ticket for this job right now. Reload the page in a minute.")
    try:
        with make_client(timeout=(5, 20)) as client:
            outcome = create_ticket_idempotent(client, DatabaseIntentStore(), key=intent.key,
                                               payload=payload)
    except Exception as exc:
        db.session.rollback()
        release_lease(intent.key)
        if not isinstance(exc, AutotaskError):
            raise  # a bug, not Autotask: the error page, but the job is not left locked
        log.warning("ticket creation for job %s failed: %s", job.id, exc)
        audit.record("autotask.ticket_create_failed", f"job {job.id}", str(exc)[:500])
        db.session.commit()
        retry = "" if exc.permanent else " You can try again: no second ticket will be made."
        raise TicketActionError(f"Autotask did not create the ticket: {exc}{retry}") from None
    ticket = _record_ticket(outcome.ticket_id, outcome.ticket_number, title=title,
                            company_id=company_id, job=job, origin="created", user=user)
    db.session.flush()
    _link(run, ticket)
    audit.record("autotask.ticket_created" if outcome.created else "autotask.ticket_found",
                 f"ticket {outcome.ticket_number or outcome.ticket_id}", f"job {job.id}, run {run.id}")
    db.session.commit()
    release_lease(intent.key)
    if outcome.created:
        return ActionResult(f"Ticket {ticket.number or ticket.autotask_id} created in Autotask.",
                            ticket, created=True)
    return ActionResult(f"Ticket {ticket.number or ticket.autotask_id} was already made by an "
                        "earlier attempt; the run is linked to it.", ticket)


# ---------------------------------------------------------------------- link

def link_existing(run_id: int, *, user: Any, reference: str) -> ActionResult:
    """Link a run to a ticket somebody made in Autotask (number, id or ticket link)."""
    run = _run_or_error(run_id)
    reference = (reference or "").strip()
    if not reference:
        raise TicketActionError("Enter a ticket number like T20250930.0256.")
    try:
        with make_client(timeout=(5, 15)) as client:
            ticket_id = resolve_ticket_reference(client, reference)
            item = client.get_ticket(ticket_id)
    except ValueError as exc:
        raise TicketActionError(str(exc).capitalize() + ".") from None
    except AutotaskNotFound:
        raise TicketActionError(f"Autotask has no ticket {reference}.") from None
    except AutotaskError as exc:
        raise TicketActionError(f"Autotask did not answer as expected: {exc}") from None
    ticket = _record_ticket(int(item["id"]), item.get("ticketNumber"), title=item.get("title") or "",
                            company_id=item.get("companyID"), job=run.job, origin="linked", user=user)
    ticket.origin = ticket.origin or "linked"
    _apply_item(ticket, item)
    db.session.flush()
    _link(run, ticket)
    audit.record("ticket.linked", f"ticket {ticket.number}", f"run {run.id}")
    db.session.commit()
    message = f"Run linked to ticket {ticket.number}."
    mapped = run.job.customer.autotask_company_id
    if mapped is not None and item.get("companyID") is not None and int(item["companyID"]) != mapped:
        message += " Note: that ticket belongs to another Autotask company than this customer."
    return ActionResult(message, ticket)


# ------------------------------------------------------------------- refresh

def _apply_item(ticket: Ticket, item: dict[str, Any], ref: cache.CachedReference | None = None) -> None:
    ref = ref if ref is not None else cache.load()
    status = item.get("status")
    ticket.status = None if status is None else str(status)
    ticket.status_label = (ref.label("status", status) if ref else None) or ticket.status
    ticket.number = item.get("ticketNumber") or ticket.number
    ticket.completed_at = parse_api_datetime(item.get("completedDate"))
    ticket.status_checked_at = utcnow()
    ticket.missing = False


def _free_intents(autotask_ids: Iterable[int]) -> None:
    ids = list(autotask_ids)
    if ids:
        for intent in db.session.scalars(select(TicketIntent).where(TicketIntent.autotask_id.in_(ids))):
            intent.open_job_id = None


def refresh_statuses(tickets: Sequence[Ticket], *, force: bool = False) -> str | None:
    """Refresh open tickets' live status in batched queries (≤500 ids each).

    Returns a notice for the page when Autotask could not be asked, else None.
    """
    now = utcnow()
    stale = [t for t in tickets if t.resolved_at is None and t.completed_at is None and not t.missing
             and (force or t.status_checked_at is None or now - t.status_checked_at > STATUS_MAX_AGE)]
    if not stale:
        return None
    try:
        with make_client(**PAGE_CLIENT_OPTIONS) as client:
            items = client.get_tickets([t.autotask_id for t in stale], include_fields=TICKET_FIELDS)
    except AutotaskError as exc:
        log.info("ticket status refresh skipped: %s", exc)
        return f"Ticket statuses are shown as last seen: Autotask did not answer ({exc})."
    by_id = {int(i["id"]): i for i in items}
    ref = cache.load()
    closed = []
    for ticket in stale:
        item = by_id.get(ticket.autotask_id)
        if item is None:
            ticket.missing = True
            ticket.status_checked_at = now
            closed.append(ticket.autotask_id)
            continue
        _apply_item(ticket, item, ref)
        if ticket.completed_at is not None:
            closed.append(ticket.autotask_id)
    _free_intents(closed)
    db.session.commit()
    return None


# ------------------------------------------------------------------- resolve

def resolve_ticket(ticket_pk: int, *, user: Any, note: str) -> ActionResult:
    """The contract's resolution workflow; says what happened (resolved or left open and why)."""
    ticket = db.session.get(Ticket, ticket_pk)
    if ticket is None:
        raise TicketActionError("This ticket is not known to Backupchecks.")
    if ticket.resolved_at is not None or ticket.completed_at is not None:
        raise TicketActionError(f"Ticket {ticket.number} is already resolved.")
    note = (note or "").strip() or "The backup runs successfully again."
    status = get_setting("autotask.completing_status") or None
    ref = cache.load()
    label = ref.label("status", status) if (ref and status) else None
    try:
        with make_client(timeout=(5, 20)) as client:
            outcome = resolve(client, ticket.autotask_id, note_title="Resolved by Backupchecks",
                              note_text=note, resolution=note, completing_status=status,
                              completing_label=label)
    except AutotaskNotFound:
        ticket.missing = True
        _free_intents([ticket.autotask_id])
        audit.record("autotask.resolve_failed", f"ticket {ticket.number}", "deleted in Autotask")
        db.session.commit()
        raise TicketActionError(
            f"Ticket {ticket.number} no longer exists in Autotask; it is marked missing.") from None
    except AutotaskError as exc:
        db.session.rollback()
        audit.record("autotask.resolve_failed", f"ticket {ticket.number}", str(exc)[:500])
        db.session.commit()
        raise TicketActionError(f"Autotask refused the resolution: {exc}. Nothing was closed; "
                                "you can try again.") from None
    ticket.resolution_message = outcome.message
    if outcome.status_changed or outcome.message.startswith("Resolved"):
        ticket.resolved_at = utcnow()
        ticket.resolved_by_id = _user_id(user)
        ticket.status = str(status)
        ticket.status_label = label or str(status)
        _free_intents([ticket.autotask_id])
    audit.record("autotask.ticket_resolved", f"ticket {ticket.number}", outcome.message)
    db.session.commit()
    return ActionResult(f"Ticket {ticket.number}: {outcome.message}.", ticket)


# -------------------------------------------------------------- import hooks

def after_runs_filed(runs: Sequence[Run]) -> None:
    """Called by the mail import after new runs are committed.

    A new failure of a job with an open ticket is linked to it (and, when the
    admin asked for it, noted on the ticket). A success after a ticket does
    what the setting says. Autotask trouble is logged, never breaks the import.
    """
    relevant = [r for r in runs if r.status in ("success", "warning", "failed")]
    if not relevant:
        return
    job_ids = {r.job_id for r in relevant}
    open_by_job: dict[int, Ticket] = {}
    for ticket in db.session.scalars(
        select(Ticket).where(Ticket.job_id.in_(job_ids), Ticket.completed_at.is_(None),
                             Ticket.resolved_at.is_(None), Ticket.missing.is_(False))
        .order_by(Ticket.id)
    ):
        open_by_job[ticket.job_id] = ticket  # type: ignore[index]
    if not open_by_job:
        return
    note_failures = bool(get_setting("autotask.note_on_repeat_failure"))
    on_success = get_setting("autotask.on_success") or "nothing"
    notes: list[tuple[Ticket, str]] = []
    resolves: list[Ticket] = []
    for run in sorted(relevant, key=lambda r: r.started_at):
        ticket = open_by_job.get(run.job_id)
        if ticket is None:
            continue
        if run.status in ("warning", "failed"):
            _link(run, ticket)
            if note_failures:
                notes.append((ticket, f"The backup reported {run.status} again "
                                      f"at {run.started_at:%Y-%m-%d %H:%M} UTC."))
        elif on_success == "note":
            notes.append((ticket, f"The backup succeeded again at {run.started_at:%Y-%m-%d %H:%M} UTC."))
        elif on_success == "resolve" and ticket not in resolves:
            resolves.append(ticket)
    db.session.commit()
    if not notes and not resolves:
        return
    try:
        with make_client(timeout=(5, 20)) as client:
            for ticket, text in notes:
                add_note(client, ticket.autotask_id, "Backupchecks", text)
                audit.record("autotask.note_added", f"ticket {ticket.number}", text, actor="mail import")
    except AutotaskError as exc:
        log.warning("could not add a note to Autotask: %s", exc)
    db.session.commit()
    for ticket in resolves:
        try:
            resolve_ticket(ticket.id, user=None, note="The backup succeeded again; resolved by Backupchecks.")
        except TicketActionError as exc:
            log.warning("automatic resolve of ticket %s failed: %s", ticket.number, exc.message)
