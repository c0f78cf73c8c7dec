"""Autotask rows for the scorecard and the tickets API, behind a shared database cache.

Every query filters on the server (dates, queue) and follows every
``nextPageUrl``; time entries come in ``in`` batches of 500 ticket ids. The
answers are kept in ``report_cache`` (one table, so every gunicorn worker
shares them) for a few minutes; when Autotask fails, the last answer is served
with its age instead of an error page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from backupchecks.autotask import cache as reference_cache
from backupchecks.autotask.client import AutotaskClient
from backupchecks.autotask.errors import AutotaskError
from backupchecks.autotask.filters import MAX_IN_VALUES, F, chunks, format_datetime
from backupchecks.extensions import db
from backupchecks.models.api import ReportCache
from backupchecks.models.jobs import Customer
from backupchecks.models.types import utcnow

log = logging.getLogger(__name__)

TICKET_FIELDS = ("id", "ticketNumber", "title", "status", "priority", "companyID", "queueID",
                 "createDate", "completedDate")
TIME_ENTRY_FIELDS = ("id", "ticketID", "resourceID", "dateWorked", "hoursWorked", "isNonBillable")
#: Cached rows older than this are pruned; younger ones may still be shown when Autotask is down.
KEEP_FOR = timedelta(days=30)
HEALTH_KEY = "health:autotask"
#: A web request must not hang for a minute on a Retry-After: cap each wait.
MAX_WAIT_IN_REQUEST = 2.0

ClientFactory = Callable[[], AutotaskClient]


class ReportUnavailable(Exception):
    """Autotask could not answer and nothing was cached: the message says why."""


@dataclass(frozen=True)
class Cached:
    value: Any
    fetched_at: datetime
    cached: bool  # served from report_cache without asking Autotask
    stale: bool = False  # older than the cache time: Autotask failed, this is the last answer
    error: str | None = None  # why fresh figures could not be had

    def age_seconds(self, now: datetime | None = None) -> int:
        return max(0, int(((now or utcnow()) - self.fetched_at).total_seconds()))


def default_client() -> AutotaskClient:
    from backupchecks.autotask.config import make_client

    return make_client(max_retries=1, sleep=lambda s: time.sleep(min(s, MAX_WAIT_IN_REQUEST)))


# ------------------------------------------------------------------ cache

def read(key: str) -> tuple[Any, datetime] | None:
    """The cached value and when it was fetched; a Core select, so never a stale identity map."""
    row = db.session.execute(
        select(ReportCache.__table__.c.value, ReportCache.__table__.c.fetched_at)
        .where(ReportCache.__table__.c.key == key)
    ).first()
    if row is None:
        return None
    fetched_at = row.fetched_at
    return row.value, fetched_at


def write(key: str, value: Any, fetched_at: datetime | None = None) -> datetime:
    """Store ``value`` in its own transaction: the caller's session is neither committed
    nor rolled back, and a worker that stored the same key a moment earlier just wins."""
    when = fetched_at or utcnow()
    table = ReportCache.__table__
    try:
        with db.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.key == key))
            conn.execute(insert(table).values(key=key, value=value, fetched_at=when))
            conn.execute(delete(table).where(table.c.fetched_at < when - KEEP_FOR))
    except IntegrityError:
        log.info("report cache: %s was stored by another worker at the same time", key)
    return when


def record_health(ok: bool, error: str | None = None) -> None:
    write(HEALTH_KEY, {"ok": ok, "error": error})


def autotask_health() -> dict[str, Any] | None:
    """How the last Autotask fetch for reports went (for /api/health)."""
    found = read(HEALTH_KEY)
    if found is None:
        return None
    value, at = found
    return {"ok": bool(value.get("ok")), "error": value.get("error"), "at": at}


def cached(
    key: str, produce: Callable[[], Any], *, ttl_seconds: int, refresh: bool = False,
) -> Cached:
    """The cached value while fresh; else ``produce()`` and store it.

    When ``produce`` raises an AutotaskError, the last stored value (however
    old) comes back marked stale, or ReportUnavailable when there is none.
    """
    found = read(key)
    now = utcnow()
    if found is not None and not refresh:
        value, fetched_at = found
        if (now - fetched_at).total_seconds() < ttl_seconds:
            return Cached(value, fetched_at, cached=True)
    try:
        value = produce()
    except AutotaskError as exc:
        record_health(False, str(exc))
        if found is not None:
            return Cached(found[0], found[1], cached=True, stale=True, error=str(exc))
        raise ReportUnavailable(str(exc)) from None
    record_health(True)
    return Cached(value, write(key, value, now), cached=False)


# --------------------------------------------------------------- queries

def _slim(rows: Iterable[dict[str, Any]], fields: Iterable[str]) -> list[dict[str, Any]]:
    names = tuple(fields)
    return [{name: row.get(name) for name in names} for row in rows]


def queue_period_rows(
    client: AutotaskClient, queue_id: int, start: datetime, end: datetime
) -> dict[str, Any]:
    """Tickets of a queue that were open at some moment of [start, end), and the time
    entries on them worked in that period.

    Opened in the period and closed in the period are both subsets of "created
    before the end and not completed before the start", so one ticket query
    serves every figure. dateWorked is widened by a day each side because a
    date-only dateWorked is read as a calendar day (scorecard.work_day); the
    computation drops what falls outside the weeks.
    """
    tickets = client.query_all("Tickets", [
        F.eq("queueID", int(queue_id)),
        F.lt("createDate", end),
        F.or_(F.not_exist("completedDate"), F.gte("completedDate", start)),
    ], include_fields=TICKET_FIELDS)
    ids = sorted({int(t["id"]) for t in tickets})
    worked = [F.gte("dateWorked", start - timedelta(days=1)),
              F.lt("dateWorked", end + timedelta(days=1))]
    entries: list[dict[str, Any]] = []
    # The API allows 500 conditions a query, the date filters included: so 498 ids a batch.
    for batch in chunks(ids, MAX_IN_VALUES - len(worked)):
        entries.extend(client.query("TimeEntries", [F.in_("ticketID", batch), *worked],
                                    include_fields=TIME_ENTRY_FIELDS))
    return {"tickets": _slim(tickets, TICKET_FIELDS),
            "time_entries": _slim(entries, TIME_ENTRY_FIELDS)}


def created_tickets(
    client: AutotaskClient, start: datetime, end: datetime, queue_id: int | None
) -> dict[str, Any]:
    """Tickets created in [start, end), of one queue or all, with their companies' names."""
    filters = [F.gte("createDate", start), F.lt("createDate", end)]
    if queue_id is not None:
        filters.append(F.eq("queueID", int(queue_id)))
    tickets = _slim(client.query_all("Tickets", filters, include_fields=TICKET_FIELDS),
                    TICKET_FIELDS)
    companies = local_company_names()
    unknown = sorted({int(t["companyID"]) for t in tickets if t.get("companyID") is not None}
                     - set(companies))
    if unknown:
        for row in client.query_in("Companies", "id", unknown, include_fields=["companyName"]):
            companies[int(row["id"])] = str(row.get("companyName") or "")
    return {"tickets": tickets, "companies": {str(k): v for k, v in companies.items()}}


def local_company_names() -> dict[int, str]:
    """Company names Backupchecks already knows from its customer mappings (no API call)."""
    rows = db.session.execute(
        select(Customer.autotask_company_id, Customer.autotask_company_name)
        .where(Customer.autotask_company_id.is_not(None))
    )
    return {int(cid): str(name) for cid, name in rows if name}


def resource_names(client: AutotaskClient, ids: Iterable[Any]) -> dict[str, str]:
    wanted = sorted({int(i) for i in ids if i is not None})
    names: dict[str, str] = {}
    if wanted:
        for row in client.query_in("Resources", "id", wanted,
                                   include_fields=["firstName", "lastName"]):
            full = f"{row.get('firstName') or ''} {row.get('lastName') or ''}".strip()
            names[str(row["id"])] = full or f"Resource {row['id']}"
    return names


def period_key(kind: str, queue: Any, start: datetime, end: datetime, *extra: str) -> str:
    parts = [kind, str(queue), format_datetime(start), format_datetime(end), *extra]
    return ":".join(parts)


# --------------------------------------------------------------- reference

def load_reference(client_factory: ClientFactory = default_client) -> reference_cache.CachedReference:
    """The tenant's picklists from the database; fetched once (one call) when never loaded."""
    ref = reference_cache.load()
    if ref is not None:
        return ref
    try:
        with client_factory() as client:
            ref = reference_cache.refresh(client)
    except AutotaskError as exc:
        raise ReportUnavailable(
            f"The Autotask reference data (queues, statuses) is not loaded and Autotask "
            f"could not be asked: {exc}"
        ) from None
    db.session.commit()
    return ref
