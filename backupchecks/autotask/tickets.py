"""Safe ticket workflows (contract sections B and C), built only on the client.

Rules kept here so no caller has to remember them:
- a ticket is updated with a full PUT built from a fresh GET (never PATCH);
- every stabilising field is copied, only the named fields change;
- note, resolution text and status are three separate, deliberate steps;
- a ticket is created at most once per intent, even across timeouts.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, urlsplit

from backupchecks.autotask.client import AutotaskClient
from backupchecks.autotask.errors import AutotaskError, AutotaskNotFound
from backupchecks.autotask.filters import F, format_datetime

#: Contract B5: copied from a fresh GET into every PUT, or Autotask clears/refuses them.
STABILISING_FIELDS: tuple[str, ...] = (
    "id", "companyID", "queueID", "title", "priority", "status", "dueDateTime",
    "ticketCategory", "issueType", "subIssueType", "source",
    "organizationalLevelAssociationID",
    # "also seen as needed"
    "ticketNumber", "completedDate", "resolvedDateTime", "lastTrackedModificationDateTime",
)

#: TicketNote picklists: 1 = general note type; 1 = visible to all Autotask users.
DEFAULT_NOTE_TYPE = 1
DEFAULT_PUBLISH = 1
MAX_RESOLUTION_CHARS = 32_000
TICKET_NUMBER = re.compile(r"^T\d{8}\.\d{4,}$", re.IGNORECASE)
#: Autotask and this server do not share a clock; widen the "created since" window.
CLOCK_SKEW = timedelta(minutes=2)


# --------------------------------------------------------------------- update

def _put_from(
    client: AutotaskClient, fresh: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    """Build the full-update body from ``fresh`` (a GET's item) and send it.

    Every field the GET returned is sent back, the stabilising ones of contract
    B5 included: PUT is a full update and a field left out is cleared, so the
    description, the assignee or a resolution set a step earlier must travel too.
    """
    if "id" in changes and int(changes["id"]) != int(fresh["id"]):
        raise ValueError("an update cannot change the ticket id")
    missing = [name for name in ("id", "companyID", "queueID", "title", "status", "priority")
               if fresh.get(name) is None and name not in changes]
    if missing:
        # A GET that lost these would make the PUT clear them: refuse instead.
        raise ValueError(f"the fresh ticket lacks {', '.join(missing)}; not updating it")
    body = dict(fresh)
    body.update(changes)
    client.update_ticket_raw(body)
    return body


def update_ticket(client: AutotaskClient, ticket_id: int, **changes: Any) -> dict[str, Any]:
    """GET the ticket, then PUT it whole with only ``changes`` different.

    Returns the body that was sent.  Field names are the API's (``status=5``,
    ``resolution="..."``).
    """
    if not changes:
        raise ValueError("update_ticket needs at least one field to change")
    fresh = client.get_ticket(ticket_id)
    return _put_from(client, fresh, changes)


def set_resolution(client: AutotaskClient, ticket_id: int, text: str) -> dict[str, Any]:
    """Set the resolution text; status and timestamps stay as they are (contract C)."""
    _check_resolution(text)
    return update_ticket(client, ticket_id, resolution=text)


def _check_resolution(text: str) -> None:
    if len(text) > MAX_RESOLUTION_CHARS:
        raise ValueError(f"the resolution is limited to {MAX_RESOLUTION_CHARS} characters")


# ---------------------------------------------------------------------- notes

def add_note(
    client: AutotaskClient,
    ticket_id: int,
    title: str,
    description: str,
    note_type: int = DEFAULT_NOTE_TYPE,
    publish: int = DEFAULT_PUBLISH,
) -> int:
    """Add a note (``POST /Tickets/{id}/Notes``); the ticket's status is untouched."""
    if not title.strip() or not description.strip():
        raise ValueError("a ticket note needs a title and a description")
    return client.create_ticket_note(ticket_id, title, description, note_type, publish)


# -------------------------------------------------------------------- resolve

@dataclass(frozen=True)
class ResolveOutcome:
    ticket_id: int
    note_id: int
    resolution_set: bool
    status_changed: bool
    time_entry_count: int
    message: str


def _status_value(status: str | int) -> int:
    try:
        return int(str(status).strip())
    except ValueError:
        raise ValueError(
            f"the completing status must be a picklist value, not {status!r}"
        ) from None


def resolve(
    client: AutotaskClient,
    ticket_id: int,
    *,
    note_title: str,
    note_text: str,
    resolution: str,
    completing_status: str | int | None,
    completing_label: str | None = None,
    note_type: int = DEFAULT_NOTE_TYPE,
    publish: int = DEFAULT_PUBLISH,
) -> ResolveOutcome:
    """The validated resolution workflow of contract C, step by step.

    1. GET the ticket; 2. POST the note; 3. PUT the resolution (from step 1's
    item); 4. query the time entries; 5. only when there are none and a
    completing status is configured: PUT that status from a fresh GET.
    ``completing_label`` (from the picklist) only makes the message readable.
    """
    _check_resolution(resolution)
    wanted = _status_value(completing_status) if completing_status not in (None, "") else None
    ticket = client.get_ticket(ticket_id)
    note_id = add_note(client, ticket_id, note_title, note_text, note_type, publish)
    _put_from(client, ticket, {"resolution": resolution})
    entries = client.count_time_entries(ticket_id)

    status_changed = False
    if entries:
        plural = "entry" if entries == 1 else "entries"
        message = f"Left open: {entries} time {plural}"
    elif wanted is None:
        message = "Left open: no completing status configured"
    else:
        fresh = client.get_ticket(ticket_id)  # the resolution PUT changed it: read it again
        if _same_status(fresh.get("status"), wanted):
            message = f"Resolved: status was already {completing_label or wanted}"
        else:
            _put_from(client, fresh, {"status": wanted})
            status_changed = True
            message = f"Resolved: status set to {completing_label or wanted}"
    return ResolveOutcome(
        ticket_id=int(ticket_id), note_id=note_id, resolution_set=True,
        status_changed=status_changed, time_entry_count=entries, message=message,
    )


def _same_status(current: Any, wanted: int) -> bool:
    try:
        return int(current) == wanted
    except (TypeError, ValueError):
        return False


# ------------------------------------------------------------- ticket numbers

def resolve_ticket_reference(client: AutotaskClient, ref: str | int) -> int:
    """Ticket id from what a person typed: an id, a number ``T20250930.0256`` or a ticket link."""
    if isinstance(ref, int):
        return ref
    text = str(ref).strip()
    if (text.isascii() and text.isdigit()):
        return int(text)
    if "ticketid=" in text.lower():
        query = parse_qs(urlsplit(text).query)
        values = next((v for k, v in query.items() if k.lower() == "ticketid"), [])
        if values and (values[0].isascii() and values[0].isdigit()):
            return int(values[0])
    if TICKET_NUMBER.match(text):
        ticket = client.find_ticket_by_number(text.upper())
        if ticket is None:
            raise AutotaskNotFound(f"Autotask has no ticket numbered {text.upper()}.")
        return int(ticket["id"])
    raise ValueError(f"{text!r} is neither a ticket number like T20250930.0256 nor an id")


# ------------------------------------------------------------ idempotent create

IntentState = Literal["pending", "done", "failed"]


@dataclass
class Intent:
    key: str
    payload: dict[str, Any]
    created_at: datetime
    state: IntentState = "pending"
    ticket_id: int | None = None
    ticket_number: str | None = None
    error: str | None = None


class IntentStore(Protocol):
    """Where "we are about to create a ticket" is written down before the POST."""

    def get(self, key: str) -> Intent | None: ...

    def save_pending(self, key: str, payload: dict[str, Any], created_at: datetime) -> None:
        """Record a new attempt. Called only when no attempt is pending for ``key``
        (none yet, or the last one failed). A database store should insert with a
        unique key, so a concurrent second caller fails here, before any POST."""
        ...

    def mark_done(self, key: str, ticket_id: int, ticket_number: str | None) -> None: ...

    def mark_failed(self, key: str, error: str) -> None: ...


@dataclass
class MemoryIntentStore:
    """In-memory IntentStore for tests and the CLI (not shared between processes)."""

    intents: dict[str, Intent] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, key: str) -> Intent | None:
        with self._lock:
            return self.intents.get(key)

    def save_pending(self, key: str, payload: dict[str, Any], created_at: datetime) -> None:
        with self._lock:
            self.intents[key] = Intent(key=key, payload=dict(payload), created_at=created_at)

    def mark_done(self, key: str, ticket_id: int, ticket_number: str | None) -> None:
        with self._lock:
            intent = self.intents[key]
            intent.state, intent.ticket_id, intent.ticket_number = "done", ticket_id, ticket_number
            intent.error = None

    def mark_failed(self, key: str, error: str) -> None:
        with self._lock:
            intent = self.intents[key]
            intent.state, intent.error = "failed", error


@dataclass(frozen=True)
class CreateOutcome:
    ticket_id: int
    ticket_number: str | None
    created: bool  # False: an earlier attempt had already made it


def external_id_for(key: str) -> str:
    """A short, stable externalID for an intent key (Autotask's field is 50 chars)."""
    return "bc-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_ticket_idempotent(
    client: AutotaskClient,
    store: IntentStore,
    *,
    key: str,
    payload: dict[str, Any],
    now: Callable[[], datetime] = _utcnow,
) -> CreateOutcome:
    """Create a ticket at most once per ``key`` — Autotask has no idempotency key itself.

    The intent is written down before the POST.  A pending intent means an
    earlier attempt may have created the ticket without us hearing back (a
    timeout, a double click): look for it first and only POST when it is not there.
    """
    body = dict(payload)
    body.setdefault("externalID", external_id_for(key))
    previous = store.get(key)
    if previous is not None and previous.state == "done" and previous.ticket_id:
        return CreateOutcome(previous.ticket_id, previous.ticket_number, created=False)
    if previous is not None and previous.state == "pending":
        found = _find_earlier(client, previous.payload or body, previous.created_at)
        if found is not None:
            store.mark_done(key, int(found["id"]), found.get("ticketNumber"))
            return CreateOutcome(int(found["id"]), found.get("ticketNumber"), created=False)
        started = previous.created_at  # keep the first attempt's time: the search window
    else:
        started = now()
        store.save_pending(key, body, started)

    try:
        ticket_id = client.create_ticket(body)
    except AutotaskError as exc:
        if exc.permanent:
            store.mark_failed(key, str(exc))
            raise
        # The POST may have landed although the answer got lost: look once now.
        found = _find_earlier_quietly(client, body, started)
        if found is None:
            raise  # the intent stays pending; the next attempt looks again
        ticket_id = int(found["id"])

    number = _ticket_number(client, ticket_id)
    store.mark_done(key, ticket_id, number)
    return CreateOutcome(ticket_id, number, created=True)


def _ticket_number(client: AutotaskClient, ticket_id: int) -> str | None:
    try:
        return client.get_ticket(ticket_id).get("ticketNumber")
    except AutotaskError:
        return None  # the ticket exists; its number is for display only


def _find_earlier_quietly(
    client: AutotaskClient, payload: dict[str, Any], since: datetime
) -> dict[str, Any] | None:
    try:
        return _find_earlier(client, payload, since)
    except AutotaskError:
        return None


def _find_earlier(
    client: AutotaskClient, payload: dict[str, Any], since: datetime
) -> dict[str, Any] | None:
    """The ticket an earlier attempt made: by externalID, else title + company + time."""
    fields = ["id", "ticketNumber", "title", "companyID", "createDate", "externalID"]
    external_id = payload.get("externalID")
    if external_id:
        rows = client.query_all("Tickets", F.eq("externalID", external_id), fields, max_records=5)
        if rows:
            return min(rows, key=lambda r: int(r["id"]))
    if payload.get("title") and payload.get("companyID") is not None:
        rows = client.query_all(
            "Tickets",
            [
                F.eq("companyID", payload["companyID"]),
                F.eq("title", payload["title"]),
                F.gte("createDate", format_datetime(since - CLOCK_SKEW)),
            ],
            fields,
            max_records=5,
        )
        if rows:
            return min(rows, key=lambda r: int(r["id"]))
    return None
