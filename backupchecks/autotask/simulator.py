"""A local Autotask tenant over real HTTP, faithful to the contract (sections A–D).

It is the yardstick the client is tested against, so it is strict where the
real API is strict: a PUT that leaves out a stabilising field fails or clears
it, PATCH answers 405, ``/TicketNotes`` POSTs answer 404, the fourth
concurrent request to an endpoint gets a 429.  Tests steer it through the
Python API (``SimulatorServer``) or the ``/_sim/`` control endpoints, and can
inject faults: errors, slow answers, or a create whose answer never arrives.

Stdlib only; one lock guards the tenant data, so the threaded server is safe.
"""

from __future__ import annotations

import base64
import bisect
import copy
import fnmatch
import hashlib
import json
import random
import re
import socket
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from backupchecks.autotask.client import AutotaskCredentials

DEMO_USERNAME = "api@demo.example"
DEMO_SECRET = "demo-secret"  # noqa: S105 - the simulator's published demo login
DEMO_INTEGRATION_CODE = "DEMOINTEGRATIONCODE"

API_ROOT = "/ATServicesRest/V1.0"
MAX_THREADS = 3
MAX_PAGE = 500
MAX_OR_CONDITIONS = 500
DEFAULT_THRESHOLD = 10_000
TIMEFRAME_SECONDS = 3600
COMPLETING_STATUSES = frozenset({5})  # tenant setting: 5 "Complete" closes; 8 does not

#: PUT /Tickets: missing → 500; missing optional stabilising field → cleared.
REQUIRED_ON_UPDATE = ("companyID", "queueID", "title", "status", "priority")
CLEARED_WHEN_OMITTED = (
    "dueDateTime", "ticketCategory", "issueType", "subIssueType", "source",
    "organizationalLevelAssociationID", "completedDate", "resolvedDateTime",
    # Not stabilising, but a full update clears them all the same (contract B4).
    "description", "resolution", "assignedResourceID",
)

# ---------------------------------------------------------------- schema

# name -> (dataType, required on create, read-only)
_TICKET_FIELDS: dict[str, tuple[str, bool, bool]] = {
    "id": ("long", False, True),
    "ticketNumber": ("string", False, True),
    "title": ("string", True, False),
    "description": ("string", False, False),
    "companyID": ("integer", True, False),
    "queueID": ("integer", False, False),
    "status": ("integer", True, False),
    "priority": ("integer", True, False),
    "source": ("integer", False, False),
    "issueType": ("integer", False, False),
    "subIssueType": ("integer", False, False),
    "ticketCategory": ("integer", False, False),
    "ticketType": ("integer", False, False),
    "dueDateTime": ("datetime", False, False),
    "createDate": ("datetime", False, True),
    "completedDate": ("datetime", False, True),
    "resolvedDateTime": ("datetime", False, True),
    "resolution": ("string", False, False),
    "lastTrackedModificationDateTime": ("datetime", False, True),
    "lastActivityDate": ("datetime", False, True),
    "organizationalLevelAssociationID": ("integer", False, False),
    "externalID": ("string", False, False),
    "assignedResourceID": ("integer", False, False),
    "assignedResourceRoleID": ("integer", False, False),
    "contactID": ("integer", False, False),
    "estimatedHours": ("double", False, False),
}
_COMPANY_FIELDS = {
    "id": ("long", False, True), "companyName": ("string", True, False),
    "companyNumber": ("string", False, False), "companyType": ("integer", True, False),
    "isActive": ("boolean", False, False), "phone": ("string", False, False),
    "city": ("string", False, False), "ownerResourceID": ("integer", False, False),
}
_NOTE_FIELDS = {
    "id": ("long", False, True), "ticketID": ("integer", True, True),
    "title": ("string", True, False), "description": ("string", True, False),
    "noteType": ("integer", True, False), "publish": ("integer", True, False),
    "createDateTime": ("datetime", False, True), "lastActivityDate": ("datetime", False, True),
    "creatorResourceID": ("integer", False, True),
}
_TIME_ENTRY_FIELDS = {
    "id": ("long", False, True), "ticketID": ("integer", False, False),
    "resourceID": ("integer", True, False), "dateWorked": ("datetime", True, False),
    "hoursWorked": ("double", True, False), "hoursToBill": ("double", False, False),
    "isNonBillable": ("boolean", False, False), "summaryNotes": ("string", False, False),
}
_RESOURCE_FIELDS = {
    "id": ("long", False, True), "firstName": ("string", True, False),
    "lastName": ("string", True, False), "email": ("string", True, False),
    "userName": ("string", True, False), "isActive": ("boolean", False, False),
}
SCHEMAS: dict[str, dict[str, tuple[str, bool, bool]]] = {
    "Tickets": _TICKET_FIELDS, "Companies": _COMPANY_FIELDS, "TicketNotes": _NOTE_FIELDS,
    "TimeEntries": _TIME_ENTRY_FIELDS, "Resources": _RESOURCE_FIELDS,
}
_ENTITY_BY_LOWER = {name.lower(): name for name in SCHEMAS}
SINGULAR = {"Tickets": "Ticket", "Companies": "Company", "TicketNotes": "TicketNote",
            "TimeEntries": "TimeEntry", "Resources": "Resource"}

# (value, label, isActive, isDefault, parentValue)
Pick = tuple[int, str, bool, bool, str]
PICKLISTS: dict[str, dict[str, list[Pick]]] = {
    "Tickets": {
        "queueID": [
            (29682833, "Service Desk", True, True, ""),
            (29682969, "Backup (ROC)", True, False, ""),
            (29683001, "Monitoring", True, False, ""),
            (29683100, "Old Projects", False, False, ""),
        ],
        "priority": [
            (4, "Critical", True, False, ""), (1, "High", True, False, ""),
            (2, "Medium", True, True, ""), (3, "Low", True, False, ""),
        ],
        "status": [
            (1, "New", True, True, ""), (10, "In Progress", True, False, ""),
            (7, "Waiting Customer", True, False, ""), (12, "Waiting Vendor", True, False, ""),
            (5, "Complete", True, False, ""), (8, "Completed", True, False, ""),
            (13, "Archived", False, False, ""),
        ],
        "source": [
            (-1, "Client Portal", True, False, ""), (2, "Phone", True, False, ""),
            (4, "Email", True, True, ""), (8, "Monitoring Alert", True, False, ""),
            (11, "Backupchecks", True, False, ""),
        ],
        "issueType": [
            (18, "Backup", True, False, ""), (19, "Network", True, False, ""),
            (20, "Hardware", True, False, ""), (21, "Legacy", False, False, ""),
        ],
        "subIssueType": [
            (233, "Backup failed", True, False, "18"), (234, "Backup warning", True, False, "18"),
            (235, "Backup missed", True, False, "18"), (240, "Switch", True, False, "19"),
            (250, "Disk", True, False, "20"),
        ],
        "ticketCategory": [
            (2, "Standard", True, True, ""), (3, "Alert", True, False, ""),
            (4, "Backup", True, False, ""),
        ],
        "ticketType": [
            (1, "Service Request", True, True, ""), (2, "Incident", True, False, ""),
            (3, "Problem", True, False, ""), (5, "Alert", True, False, ""),
        ],
    },
    "Companies": {
        "companyType": [(1, "Customer", True, True, ""), (3, "Prospect", True, False, ""),
                        (5, "Dead", True, False, "")],
    },
    "TicketNotes": {
        "noteType": [(1, "Task Detail", True, True, ""), (2, "Resolution", True, False, ""),
                     (3, "Summary", True, False, "")],
        "publish": [(1, "All Autotask Users", True, True, ""),
                    (2, "Internal Project Team", True, False, "")],
    },
}

COMPANIES = [
    ("Acme Logistics BV", True), ("Brouwer Accountants", True), ("Cornelis Bouw", True),
    ("De Vries Tandartsen", True), ("Eikenhof Zorg", True), ("Friesland Transport", False),
    ("Groen & Zonen", True), ("Hendriks Advocaten", True), ("IJssel Metaal", False),
    ("Jansen Makelaardij", True), ("Kroon Horeca Groep", True), ("Acme Old Holding", False),
]
RESOURCES = [
    ("Sanne", "Bakker"), ("Daan", "Visser"), ("Emma", "Smit"), ("Lucas", "Meijer"),
]


class SimError(Exception):
    """A request the tenant refuses: becomes ``status`` with an errors body."""

    def __init__(self, status: int, message: str, *, key: str = "errors") -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = (
            {"errors": [message]} if key == "errors" else {key: message}
        )


def _method_not_allowed(method: str) -> SimError:
    return SimError(405, f"The requested resource does not support http method '{method}'.",
                    key="Message")


def _no_route(path: str) -> SimError:
    return SimError(404, f"No HTTP resource was found that matches the request URI '{path}'.",
                    key="Message")


# ------------------------------------------------------------------ dates

def iso(dt: datetime) -> str:
    """Autotask's format: UTC with milliseconds and a Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$")
_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")


def parse_date(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# ---------------------------------------------------------------- filters

def _norm(value: Any) -> tuple[str, Any] | None:
    """A comparable key: numbers, dates and case-insensitive text, as SQL Server would."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ("n", float(value))
    if isinstance(value, int | float):
        return ("n", float(value))
    text = str(value).strip()
    low = text.lower()
    if low in ("true", "false"):
        return ("n", 1.0 if low == "true" else 0.0)
    if _NUMBER_RE.match(text):
        return ("n", float(text))
    if _DATE_RE.match(text):
        try:
            return ("d", parse_date(text))
        except ValueError:
            pass
    return ("s", low)


def _text(value: Any) -> str:
    return "" if value is None else str(value).lower()


Predicate = Callable[[dict[str, Any]], bool]


class FilterCompiler:
    """Turns the API's filter JSON into a predicate, checking fields and limits."""

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.fields = {name.lower(): name for name in SCHEMAS[entity]}
        self.conditions = 0

    def field(self, name: Any) -> str:
        canonical = self.fields.get(str(name).lower())
        if canonical is None:
            raise SimError(500, f"Unable to find {name} in the {self.entity} entity.")
        return canonical

    def compile_all(self, items: Any) -> Predicate:
        if not isinstance(items, list) or not items:
            raise SimError(500, "A query requires a filter.")
        preds = [self.compile(item) for item in items]
        if self.conditions > MAX_OR_CONDITIONS:
            raise SimError(500, f"A query may hold at most {MAX_OR_CONDITIONS} conditions; "
                                f"this one has {self.conditions}.")
        return lambda row: all(p(row) for p in preds)

    def compile(self, spec: Any) -> Predicate:
        if not isinstance(spec, dict) or "op" not in spec:
            raise SimError(500, "Each filter needs an 'op'.")
        op = str(spec["op"]).lower()
        if op in ("and", "or"):
            items = spec.get("items")
            if not isinstance(items, list) or not items:
                raise SimError(500, f"An '{op}' filter needs 'items'.")
            preds = [self.compile(item) for item in items]
            if op == "and":
                return lambda row: all(p(row) for p in preds)
            return lambda row: any(p(row) for p in preds)
        name = self.field(spec.get("field"))
        value = spec.get("value")
        self.conditions += len(value) if op in ("in", "notin") and isinstance(value, list) else 1
        return self._leaf(op, name, value)

    def _leaf(self, op: str, name: str, value: Any) -> Predicate:
        if op == "exist":
            return lambda row: row.get(name) not in (None, "")
        if op == "notexist":
            return lambda row: row.get(name) in (None, "")
        if op in ("in", "notin"):
            if not isinstance(value, list) or not value:
                raise SimError(500, f"'{op}' needs a list of values.")
            keys = {_norm(v) for v in value}
            if op == "in":
                return lambda row: _norm(row.get(name)) in keys
            return lambda row: _norm(row.get(name)) not in keys
        if value is None and op not in ("eq", "noteq"):
            raise SimError(500, f"'{op}' on {name} needs a value.")
        if op in ("contains", "beginswith", "endswith"):
            needle = _text(value)
            if op == "contains":
                return lambda row: needle in _text(row.get(name))
            if op == "beginswith":
                return lambda row: _text(row.get(name)).startswith(needle)
            return lambda row: _text(row.get(name)).endswith(needle)
        key = _norm(value)
        compare: dict[str, Callable[[Any, Any], bool]] = {
            "eq": lambda a, b: a == b, "noteq": lambda a, b: a != b,
            "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
            "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
        }
        if op not in compare:
            raise SimError(500, f"Unknown filter operator '{op}'.")
        test = compare[op]

        def leaf(row: dict[str, Any]) -> bool:
            have = _norm(row.get(name))
            if have is None or key is None:
                return test(have, key) if op in ("eq", "noteq") else False
            if have[0] != key[0]:
                return op == "noteq"
            return test(have[1], key[1])

        return leaf


def _candidate_ids(filters: list[Any]) -> set[int] | None:
    """Top-level id eq/in narrows the scan (20,000 tickets, 500 ids a query)."""
    for spec in filters:
        if not isinstance(spec, dict) or str(spec.get("field", "")).lower() != "id":
            continue
        op = str(spec.get("op", "")).lower()
        try:
            if op == "eq":
                return {int(spec["value"])}
            if op == "in" and isinstance(spec.get("value"), list):
                return {int(v) for v in spec["value"]}
        except (TypeError, ValueError):
            return None
    return None


# ------------------------------------------------------------------ state

@dataclass
class SimState:
    """The tenant's data. Tables map id -> row; ids only grow, so dicts stay sorted."""

    tables: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: {name: {} for name in SCHEMAS}
    )
    next_id: dict[str, int] = field(default_factory=dict)
    ticket_seq: dict[str, int] = field(default_factory=dict)  # yyyymmdd -> last number
    completing_statuses: set[int] = field(default_factory=lambda: set(COMPLETING_STATUSES))

    @property
    def tickets(self) -> dict[int, dict[str, Any]]:
        return self.tables["Tickets"]

    @property
    def companies(self) -> dict[int, dict[str, Any]]:
        return self.tables["Companies"]

    @property
    def notes(self) -> dict[int, dict[str, Any]]:
        return self.tables["TicketNotes"]

    @property
    def time_entries(self) -> dict[int, dict[str, Any]]:
        return self.tables["TimeEntries"]

    @property
    def resources(self) -> dict[int, dict[str, Any]]:
        return self.tables["Resources"]

    def new_id(self, entity: str) -> int:
        start = {"Tickets": 5001, "Companies": 101, "TicketNotes": 9001,
                 "TimeEntries": 7001, "Resources": 29682001}[entity]
        value = self.next_id.get(entity, start)
        self.next_id[entity] = value + 1
        return value

    def new_ticket_number(self, created: datetime) -> str:
        day = created.astimezone(UTC).strftime("%Y%m%d")
        seq = self.ticket_seq.get(day, 0) + 1
        self.ticket_seq[day] = seq
        return f"T{day}.{seq:04d}"

    def blank(self, entity: str) -> dict[str, Any]:
        return dict.fromkeys(SCHEMAS[entity])

    def add(self, entity: str, values: dict[str, Any]) -> dict[str, Any]:
        row = self.blank(entity)
        row.update(values)
        row["id"] = self.new_id(entity)
        self.tables[entity][row["id"]] = row
        return row

    def add_ticket(self, created: datetime, **values: Any) -> dict[str, Any]:
        row = self.add("Tickets", {
            "createDate": iso(created), "lastActivityDate": iso(created),
            "lastTrackedModificationDateTime": iso(created), "ticketType": 1, **values,
        })
        row["ticketNumber"] = self.new_ticket_number(created)
        if row["status"] in self.completing_statuses and not row.get("completedDate"):
            row["completedDate"] = row["resolvedDateTime"] = iso(created + timedelta(hours=4))
        return row

    def add_time_entry(self, ticket_id: int, hours: float = 1.0, *, resource_id: int | None = None,
                       billable: bool = True, worked: datetime | None = None) -> dict[str, Any]:
        resource = resource_id or next(iter(self.resources))
        return self.add("TimeEntries", {
            "ticketID": ticket_id, "resourceID": resource,
            "dateWorked": iso(worked or datetime.now(UTC)), "hoursWorked": hours,
            "hoursToBill": hours if billable else 0.0, "isNonBillable": not billable,
            "summaryNotes": "Investigated",
        })


def demo_state(now: datetime | None = None) -> SimState:
    """The seeded demo tenant: a dozen companies, a handful of tickets, four people."""
    now = now or datetime.now(UTC)
    state = SimState()
    for number, (first, last) in enumerate(RESOURCES, start=1):
        state.add("Resources", {
            "firstName": first, "lastName": last, "isActive": number != 4,
            "email": f"{first.lower()}@msp.example",
            "userName": f"{first.lower()}{last[0].lower()}",
        })
    for number, (name, active) in enumerate(COMPANIES, start=1):
        state.add("Companies", {
            "companyName": name, "companyNumber": f"C{number:04d}", "companyType": 1,
            "isActive": active, "phone": f"+31 20 555 {number:04d}", "city": "Amsterdam",
        })
    acme, brouwer, cornelis = list(state.companies)[:3]
    common = {"queueID": 29682969, "priority": 2, "source": 4, "issueType": 18,
              "subIssueType": 233, "ticketCategory": 4, "organizationalLevelAssociationID": 1,
              "description": "Backup job reported a failure."}
    day = now - timedelta(days=2)
    open_ticket = state.add_ticket(day, title="Backup failed: Veeam job 'Daily VMs'",
                                   companyID=acme, status=1,
                                   dueDateTime=iso(day + timedelta(days=3)), **common)
    worked = state.add_ticket(day, title="Backup warning: NAS sync", companyID=brouwer,
                              status=10, dueDateTime=iso(day + timedelta(days=3)),
                              assignedResourceID=list(state.resources)[0], **common)
    state.add_ticket(day - timedelta(days=5), title="Backup missed: Exchange", companyID=acme,
                     status=5, dueDateTime=iso(day), resolution="Fixed by restart.", **common)
    state.add_ticket(day - timedelta(days=4), title="Disk replaced", companyID=cornelis,
                     status=8, dueDateTime=iso(day), queueID=29682833, priority=3, source=2,
                     issueType=20, subIssueType=250, ticketCategory=2)
    state.add_ticket(now - timedelta(hours=3), title="Switch port flapping", companyID=cornelis,
                     status=1, queueID=29683001, priority=1, source=8,
                     dueDateTime=iso(now + timedelta(days=1)))
    state.add_time_entry(worked["id"], 0.5)
    state.add_time_entry(worked["id"], 1.25, billable=False)
    del open_ticket
    return state


def seed_bulk(state: SimState, tickets: int, time_entries: int, *, days: int = 91,
              end: datetime | None = None, seed: int = 42) -> None:
    """Benchmark data: ``tickets`` spread over ``days`` (a quarter) before ``end``."""
    rng = random.Random(seed)
    end = end or datetime.now(UTC)
    start = end - timedelta(days=days)
    companies = [c for c, row in state.companies.items() if row["isActive"]]
    queues = [p[0] for p in PICKLISTS["Tickets"]["queueID"] if p[2]]
    statuses = [1, 10, 7, 5, 5, 5, 8]
    resources = list(state.resources)
    span = days * 86400
    offsets = sorted(rng.uniform(0, span) for _ in range(tickets))
    new_ids: list[int] = []
    for offset in offsets:
        created = start + timedelta(seconds=offset)
        status = rng.choice(statuses)
        row = state.add_ticket(
            created, title=f"Backup check {rng.randint(1, 9999)}", companyID=rng.choice(companies),
            queueID=rng.choice(queues), priority=rng.choice([1, 2, 2, 3]), status=status,
            source=4, issueType=18, subIssueType=233, ticketCategory=4,
            dueDateTime=iso(created + timedelta(days=2)),
        )
        if status in state.completing_statuses:
            done = created + timedelta(hours=rng.uniform(0.2, 72))
            row["completedDate"] = row["resolvedDateTime"] = iso(done)
        new_ids.append(row["id"])
    if not new_ids:
        new_ids = list(state.tickets)
    for _ in range(time_entries):
        ticket = state.tickets[rng.choice(new_ids)]
        hours = round(rng.choice([0.25, 0.5, 0.75, 1.0, 1.5, 2.0]), 2)
        state.add_time_entry(ticket["id"], hours, resource_id=rng.choice(resources),
                             billable=rng.random() < 0.7, worked=parse_date(ticket["createDate"]))


def _fields_info(entity: str) -> list[dict[str, Any]]:
    picks = PICKLISTS.get(entity, {})
    out = []
    for name, (data_type, required, read_only) in SCHEMAS[entity].items():
        values = picks.get(name)
        out.append({
            "name": name, "dataType": data_type, "length": 0,
            "isRequired": required, "isReadOnly": read_only, "isQueryable": True,
            "isReference": name.endswith("ID") and name != "id",
            "referenceEntityType": "Company" if name == "companyID" else "",
            "isPickList": values is not None,
            "picklistValues": None if values is None else [
                {"value": str(v), "label": label, "isDefaultValue": default,
                 "sortOrder": order, "parentValue": parent, "isActive": active,
                 "isSystem": False}
                for order, (v, label, active, default, parent) in enumerate(values)
            ],
            "picklistParentValueField": "issueType" if name == "subIssueType" else "",
            "isSupportedWebhookField": False,
        })
    return out


# ------------------------------------------------------------------ faults

@dataclass
class Fault:
    """What to do to the next ``count`` requests whose path matches ``path``.

    ``path`` is API-relative ("/Tickets", "/Tickets/*/Notes"), matched without
    case.  ``status``: answer it (with ``body``) instead of working.  ``sleep``:
    wait first (to provoke a client timeout).  ``drop_response``: do the work,
    wait ``sleep`` seconds, then close without answering.
    """

    path: str
    method: str | None = None
    count: int = 1
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    sleep: float = 0.0
    drop_response: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return fnmatch.fnmatchcase(path.lower(), self.path.lower())


@dataclass
class RecordedRequest:
    method: str
    path: str  # API-relative: "/Tickets/query", "/zoneInformation"
    query: dict[str, list[str]]
    headers: dict[str, str]  # Secret masked
    body: Any
    status: int | None = None  # None: answer dropped on purpose
    zone: str = ""
    at: float = 0.0


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    html: str | None = None


# -------------------------------------------------------------- simulator

class AutotaskSimulator:
    """The tenant and its HTTP semantics, independent of the socket server."""

    def __init__(self, *, username: str = DEMO_USERNAME, secret: str = DEMO_SECRET,
                 integration_code: str = DEMO_INTEGRATION_CODE) -> None:
        self.username = username
        self.secret = secret
        self.integration_code = integration_code
        self.url = ""  # set by the server once bound
        self._lock = threading.RLock()
        self._log_lock = threading.Lock()
        self._flight_lock = threading.Lock()
        # Requests being served, per (integration code, endpoint). Not part of
        # reset(): a request from an earlier test may still be sleeping in a fault.
        self.in_flight: dict[tuple[str, str], int] = {}
        self.reset()

    # --- control --------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.state = demo_state()
            self.faults: list[Fault] = []
            self.zone = ""  # path prefix of the tenant's zone; "" = the server root
            self.threshold = DEFAULT_THRESHOLD
            self.request_count = 0
            self.window_start = time.monotonic()
            self.latency_50 = 0.0
            self.latency_75 = 0.0
            self.retry_after = 1
        with self._log_lock:
            self.log: list[RecordedRequest] = []

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no API request is being served (e.g. one still sleeping in a fault)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._flight_lock:
                if not any(self.in_flight.values()):
                    return True
            time.sleep(0.02)
        return False

    def inject_fault(self, path: str, **kwargs: Any) -> Fault:
        fault = Fault(path=path, **kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def set_threshold(self, limit: int | None = None, *, count: int | None = None,
                      latency_50: float | None = None, latency_75: float | None = None) -> None:
        with self._lock:
            if limit is not None:
                self.threshold = int(limit)
            if count is not None:
                self.request_count = int(count)
                self.window_start = time.monotonic()
            if latency_50 is not None:
                self.latency_50 = float(latency_50)
            if latency_75 is not None:
                self.latency_75 = float(latency_75)

    def move_tenant(self, zone: str) -> None:
        """Move the tenant to another zone: its old address then answers 401."""
        with self._lock:
            self.zone = "/" + zone.strip("/") if zone.strip("/") else ""

    def seed(self, tickets: int = 0, time_entries: int = 0, **kwargs: Any) -> dict[str, int]:
        with self._lock:
            seed_bulk(self.state, tickets, time_entries, **kwargs)
            return self.summary()

    def summary(self) -> dict[str, int]:
        with self._lock:
            return {name.lower(): len(rows) for name, rows in self.state.tables.items()}

    def requests(self) -> list[RecordedRequest]:
        with self._log_lock:
            return list(self.log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self.log.clear()

    @property
    def base_url(self) -> str:
        return f"{self.url}{self.zone}{API_ROOT}"

    @property
    def zone_lookup_url(self) -> str:
        return f"{self.url}{API_ROOT}/zoneInformation"

    # --- entry point ----------------------------------------------------

    def handle(
        self, method: str, raw_path: str, headers: Mapping[str, str], raw: bytes
    ) -> Response:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query)
        if parts.path.startswith("/_sim/") or parts.path == "/_sim":
            return self._control(method, parts.path, query, raw)
        if parts.path.lower().startswith("/web/"):
            return self._web(parts.path, query)
        masked = {k: ("***" if k.lower() == "secret" else v) for k, v in headers.items()}
        zone, path = self._split(parts.path)
        record = RecordedRequest(method=method, path=path or parts.path, query=query,
                                 headers=masked, body=None, zone=zone, at=time.time())
        try:
            record.body = json.loads(raw) if raw else None
        except ValueError:
            record.body = raw.decode("utf-8", "replace")
        with self._log_lock:
            self.log.append(record)
        response = self._api(method, zone, path, parts.path, query, headers, record.body, raw)
        record.status = None if response.drop else response.status
        return response

    def _split(self, path: str) -> tuple[str, str | None]:
        match = re.match(r"^(/[^/]+)?/atservicesrest/v1\.0(/.*)?$", path, re.IGNORECASE)
        if not match:
            return "", None
        prefix = match.group(1) or ""
        if prefix.lower() == "/atservicesrest":  # matched the root without a zone prefix
            return "", None
        return prefix, (match.group(2) or "/")

    def _api(self, method: str, zone: str, path: str | None, full: str,
             query: dict[str, list[str]], headers: Mapping[str, str], body: Any,
             raw: bytes) -> Response:
        if path is None:
            return self._error(_no_route(full))
        if path.lower() == "/zoneinformation":
            return self._zone_information(method, zone, query)
        denied = self._authenticate(headers, zone)
        if denied is not None:
            return denied
        endpoint = path.strip("/").split("/")[0].lower()
        flight = (self.integration_code.lower(), endpoint)
        with self._flight_lock:
            if self.in_flight.get(flight, 0) >= MAX_THREADS:
                return Response(429, {"errors": [
                    f"Request denied: the thread threshold of {MAX_THREADS} threads has been "
                    f"exceeded for this integration code and endpoint ({endpoint})."
                ]}, {"Retry-After": str(self.retry_after)})
            self.in_flight[flight] = self.in_flight.get(flight, 0) + 1
        try:
            return self._api_in_flight(method, zone, path, query, headers, body, raw)
        finally:
            with self._flight_lock:
                self.in_flight[flight] = max(0, self.in_flight.get(flight, 0) - 1)

    def _api_in_flight(self, method: str, zone: str, path: str, query: dict[str, list[str]],
                       headers: Mapping[str, str], body: Any, raw: bytes) -> Response:
        if path.lower() != "/thresholdinformation":
            refused = self._count_request()
            if refused is not None:
                return refused
        fault = self._take_fault(method, path)
        if fault is not None and fault.sleep and not fault.drop_response:
            time.sleep(fault.sleep)
        if fault is not None and fault.status is not None:
            default = {"errors": ["Simulated failure."]}
            return Response(fault.status, default if fault.body is None else fault.body,
                            dict(fault.headers))
        if raw and body is not None and not isinstance(body, dict | list):
            response = self._error(SimError(500, "The request body is not valid JSON."))
        else:
            try:
                response = self._route(method, zone, path, query, headers, body)
            except SimError as exc:
                response = self._error(exc)
            except Exception as exc:  # a simulator bug: answer it loudly, keep serving
                traceback.print_exc()
                response = Response(500, {"errors": [
                    f"Simulator internal error: {type(exc).__name__}: {exc}"]})
        if fault is not None and fault.drop_response:
            time.sleep(fault.sleep)
            return Response(response.status, drop=True)
        return response

    @staticmethod
    def _error(exc: SimError) -> Response:
        return Response(exc.status, exc.body)

    # --- connection rules (contract A) ------------------------------------

    def _zone_information(self, method: str, zone: str, query: dict[str, list[str]]) -> Response:
        if method != "GET" or zone:
            return self._error(_method_not_allowed(method) if not zone else _no_route("zone"))
        user = (query.get("user") or [""])[0]
        if user.strip().lower() != self.username.lower():
            return Response(500, {"errors": ["Zone information could not be determined"]})
        return Response(200, {
            "zoneName": "Simulator" + (f" {self.zone.strip('/')}" if self.zone else ""),
            "url": f"{self.url}{self.zone}/ATServicesRest/",
            "webUrl": f"{self.url}/web/",
            "ci": 12345,
        })

    def _authenticate(self, headers: Mapping[str, str], zone: str) -> Response | None:
        user = headers.get("UserName") or ""
        secret = headers.get("Secret") or ""
        code = headers.get("ApiIntegrationCode") or ""
        if user.strip().lower() != self.username.lower() or secret != self.secret:
            return Response(401, {"Message": "Authorization has been denied for this request."})
        if zone.lower() != self.zone.lower():
            # The tenant lives in another zone now: this zone does not know the user.
            return Response(401, {"Message": "Authorization has been denied for this request."})
        if code != self.integration_code:
            return Response(500, {"errors": ["IntegrationCode is invalid."]})
        return None

    def _count_request(self) -> Response | None:
        with self._lock:
            now = time.monotonic()
            if now - self.window_start >= TIMEFRAME_SECONDS:
                self.window_start, self.request_count = now, 0
            if self.request_count >= self.threshold:
                wait = max(1, int(TIMEFRAME_SECONDS - (now - self.window_start)))
                return Response(429, {"errors": [
                    f"The request threshold of {self.threshold} requests per 60 minutes has "
                    "been exceeded; API access is suspended until usage drops."
                ]}, {"Retry-After": str(wait)})
            self.request_count += 1
            used = self.request_count / max(1, self.threshold)
            delay = self.latency_75 if used > 0.75 else self.latency_50 if used > 0.5 else 0.0
        if delay:
            time.sleep(delay)
        return None

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.count > 0 and fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # --- routes -----------------------------------------------------------

    def _route(self, method: str, zone: str, path: str, query: dict[str, list[str]],
               headers: Mapping[str, str], body: Any) -> Response:
        segments = [s for s in path.split("/") if s]
        if segments and segments[0].lower() == "thresholdinformation" and len(segments) == 1:
            if method != "GET":
                raise _method_not_allowed(method)
            return Response(200, self.threshold_information())
        entity = _ENTITY_BY_LOWER.get(segments[0].lower()) if segments else None
        if entity is None:
            raise _no_route(path)
        rest = [s.lower() for s in segments[1:]]
        if method == "PATCH":
            raise _method_not_allowed("PATCH")  # contract B3: Tickets never take PATCH
        if rest[:1] == ["query"]:
            token = (query.get("paging") or [""])[0]
            return self._query_route(method, zone, entity, rest[1:], token, body)
        if rest == ["entityinformation", "fields"]:
            if method != "GET":
                raise _method_not_allowed(method)
            return Response(200, {"fields": _fields_info(entity)})
        if rest == ["entityinformation"]:
            return Response(200, {"info": {"name": SINGULAR[entity], "canCreate": True,
                                           "canUpdate": entity == "Tickets", "canQuery": True,
                                           "canDelete": False, "hasUserDefinedFields": False}})
        if not rest:
            return self._collection(method, entity, headers, body)
        if len(rest) == 1 and rest[0].isdigit():
            if method != "GET":
                raise _method_not_allowed(method)
            return self._get(entity, int(rest[0]))
        if entity == "Tickets" and len(rest) == 2 and rest[0].isdigit() and rest[1] == "notes":
            if method != "POST":
                raise _method_not_allowed(method)
            return self._create_note(int(rest[0]), headers, body)
        raise _no_route(path)

    def _collection(self, method: str, entity: str, headers: Mapping[str, str],
                    body: Any) -> Response:
        if entity == "Tickets" and method == "POST":
            return self._create_ticket(body)
        if entity == "Tickets" and method == "PUT":
            return self._update_ticket(body)
        if entity == "TimeEntries" and method == "POST":
            return self._create_time_entry(body)
        if entity == "TicketNotes":
            # Notes are created under their ticket only (contract C).
            raise _no_route(f"/{entity}")
        raise _method_not_allowed(method)

    def _get(self, entity: str, item_id: int) -> Response:
        with self._lock:
            row = self.state.tables[entity].get(item_id)
            if row is None:
                raise SimError(404, f"{SINGULAR[entity]} {item_id} was not found.")
            return Response(200, {"item": copy.deepcopy(row)})

    def threshold_information(self) -> dict[str, int]:
        with self._lock:
            return {"externalRequestThreshold": self.threshold,
                    "requestThresholdTimeframe": TIMEFRAME_SECONDS // 60,
                    "currentTimeframeRequestCount": self.request_count}

    # --- queries (contract D) --------------------------------------------

    def _query_route(self, method: str, zone: str, entity: str, rest: list[str], token: str,
                     body: Any) -> Response:
        if method != "POST":
            raise _method_not_allowed(method)
        body = self._keys_lower(body)
        if rest == ["count"]:
            with self._lock:
                predicate = FilterCompiler(entity).compile_all(body.get("filter"))
                count = sum(1 for row in self.state.tables[entity].values() if predicate(row))
            return Response(200, {"queryCount": count})
        if rest == []:
            return Response(200, self._query_page(zone, entity, body, after=None, page=1))
        if rest == ["next"]:
            return self._next_page(zone, entity, token, body)
        raise _no_route(f"/{entity}/query/{'/'.join(rest)}")

    def _next_page(self, zone: str, entity: str, token: str, body: Any) -> Response:
        try:
            paging = json.loads(base64.urlsafe_b64decode(token.encode()))
        except ValueError:
            raise SimError(500, "The paging token is not valid.") from None
        if paging.get("h") != self._filter_hash(body):
            raise SimError(500, "A next page must repeat the first page's body (same filter).")
        return Response(200, self._query_page(zone, entity, body, after=int(paging["after"]),
                                              page=int(paging.get("page", 1)) + 1))

    @staticmethod
    def _keys_lower(body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise SimError(500, "A query requires a filter.")
        return {str(k).lower(): v for k, v in body.items()}

    @staticmethod
    def _filter_hash(body: dict[str, Any]) -> str:
        canonical = json.dumps([body.get("filter"), body.get("maxrecords"),
                                body.get("includefields")], sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def _query_page(self, zone: str, entity: str, body: dict[str, Any], *, after: int | None,
                    page: int) -> dict[str, Any]:
        filters = body.get("filter")
        compiler = FilterCompiler(entity)
        predicate = compiler.compile_all(filters)
        size = body.get("maxrecords", MAX_PAGE)
        if not isinstance(size, int) or not 1 <= size <= MAX_PAGE:
            raise SimError(500, f"MaxRecords must be between 1 and {MAX_PAGE}.")
        include = body.get("includefields") or None
        if include is not None:
            include = ["id", *(compiler.field(name) for name in include)]
        with self._lock:
            table = self.state.tables[entity]
            candidates = _candidate_ids(filters)
            keys = sorted(candidates & table.keys()) if candidates is not None else list(table)
            start = bisect.bisect_right(keys, after) if after is not None else 0
            items: list[dict[str, Any]] = []
            more = False
            for key in keys[start:]:
                row = table[key]
                if not predicate(row):
                    continue
                if len(items) == size:
                    more = True
                    break
                items.append({f: row.get(f) for f in include} if include else dict(row))
            items = copy.deepcopy(items)
        next_url = None
        if more:
            token = base64.urlsafe_b64encode(json.dumps(
                {"after": items[-1]["id"], "page": page, "h": self._filter_hash(body)}
            ).encode()).decode()
            next_url = f"{self.url}{zone}{API_ROOT}/{entity}/query/next?paging={quote(token)}"
        return {"items": items, "pageDetails": {
            "count": len(items), "requestCount": size,
            "prevPageUrl": None if page == 1 else f"{self.url}{zone}{API_ROOT}/{entity}/query",
            "nextPageUrl": next_url,
        }}

    # --- writes -------------------------------------------------------------

    def _canonical(self, entity: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise SimError(500, f"The request body must be a {SINGULAR[entity]} object.")
        names = {n.lower(): n for n in SCHEMAS[entity]}
        out = {}
        for key, value in body.items():
            name = names.get(str(key).lower())
            if name is not None:  # unknown properties are ignored, as the API does
                out[name] = value
        return out

    def _check_values(self, entity: str, values: dict[str, Any]) -> list[str]:
        """Type and picklist checks; coerces numeric strings to ints."""
        errors = []
        picks = PICKLISTS.get(entity, {})
        for name, value in list(values.items()):
            data_type = SCHEMAS[entity][name][0]
            if value is None:
                continue
            if data_type in ("integer", "long"):
                try:
                    values[name] = int(str(value))
                except ValueError:
                    errors.append(f"{name}: '{value}' is not a whole number.")
                    continue
            if name in picks:
                allowed = {p[0] for p in picks[name] if p[2]}
                if values[name] not in allowed:
                    errors.append(f"{name}: value {value} is not a valid (active) picklist value.")
            if data_type == "datetime" and not SCHEMAS[entity][name][2]:
                try:
                    parse_date(str(value))
                except ValueError:
                    errors.append(f"{name}: '{value}' is not a date and time.")
        return errors

    def _check_ticket(self, ticket: dict[str, Any], errors: list[str]) -> None:
        company = ticket.get("companyID")
        if company is not None and company not in self.state.companies:
            errors.append(f"companyID: company {company} does not exist.")
        sub, parent = ticket.get("subIssueType"), ticket.get("issueType")
        if sub is not None:
            owners = {p[0]: p[4] for p in PICKLISTS["Tickets"]["subIssueType"]}
            if parent is None or owners.get(sub) != str(parent):
                errors.append(f"subIssueType: {sub} does not belong to issueType {parent}.")
        if len(str(ticket.get("title") or "")) > 255:
            errors.append("title: at most 255 characters.")
        if len(str(ticket.get("resolution") or "")) > 32000:
            errors.append("resolution: at most 32000 characters.")

    def _create_ticket(self, body: Any) -> Response:
        values = self._canonical("Tickets", body)
        errors = self._check_values("Tickets", values)
        for name in ("companyID", "title", "status", "priority"):
            if values.get(name) in (None, ""):
                errors.append(f"Missing required field: {name}.")
        if values.get("queueID") is None and not (
            values.get("assignedResourceID") and values.get("assignedResourceRoleID")
        ):
            errors.append("A ticket needs a queueID, or an assigned resource with a role.")
        writable = {k: v for k, v in values.items() if not SCHEMAS["Tickets"][k][2]}
        with self._lock:
            self._check_ticket(writable, errors)
            if errors:
                raise SimError(500, "; ".join(errors))
            now = datetime.now(UTC)
            writable.setdefault("ticketType", 1)
            if not writable.get("dueDateTime"):  # the category's default due time
                writable["dueDateTime"] = iso(now + timedelta(days=1))
            row = self.state.add_ticket(now, **writable)
        return Response(200, {"itemId": row["id"]})

    def _update_ticket(self, body: Any) -> Response:
        values = self._canonical("Tickets", body)
        if values.get("id") in (None, ""):
            raise SimError(500, "An update requires the ticket's id.")
        errors = self._check_values("Tickets", values)
        with self._lock:
            current = self.state.tickets.get(values["id"])
            if current is None:
                raise SimError(404, f"Ticket {values['id']} was not found.")
            # Full update: a required field left out fails the call...
            for name in REQUIRED_ON_UPDATE:
                if values.get(name) in (None, ""):
                    errors.append(f"Missing required field: {name}.")
            updated = dict(current)
            # ...and an optional stabilising field left out is cleared.
            for name in CLEARED_WHEN_OMITTED:
                if name not in values:
                    updated[name] = None
            for name, value in values.items():
                if name in ("completedDate", "resolvedDateTime") or not SCHEMAS["Tickets"][name][2]:
                    updated[name] = value
            self._check_ticket(updated, errors)
            if errors:
                raise SimError(500, "; ".join(errors))
            now = iso(datetime.now(UTC))
            completing = self.state.completing_statuses
            if updated["status"] in completing and current["status"] not in completing:
                updated["completedDate"] = updated["resolvedDateTime"] = now
            elif updated["status"] not in completing and current["status"] in completing:
                updated["completedDate"] = updated["resolvedDateTime"] = None
            updated["lastTrackedModificationDateTime"] = updated["lastActivityDate"] = now
            current.clear()
            current.update(updated)
        return Response(200, {"itemId": current["id"]})

    def _create_note(self, ticket_id: int, headers: Mapping[str, str], body: Any) -> Response:
        values = self._canonical("TicketNotes", body)
        errors = self._check_values("TicketNotes", values)
        for name in ("title", "description", "noteType", "publish"):
            if values.get(name) in (None, ""):
                errors.append(f"Missing required field: {name}.")
        if len(str(values.get("description") or "")) > 32000:
            errors.append("description: at most 32000 characters.")
        if len(str(values.get("title") or "")) > 250:
            errors.append("title: at most 250 characters.")
        with self._lock:
            ticket = self.state.tickets.get(ticket_id)
            if ticket is None:
                raise SimError(404, f"Ticket {ticket_id} was not found.")
            if errors:
                raise SimError(500, "; ".join(errors))
            now = iso(datetime.now(UTC))
            impersonate = headers.get("ImpersonationResourceId")
            note = self.state.add("TicketNotes", {
                **{k: v for k, v in values.items() if not SCHEMAS["TicketNotes"][k][2]},
                "ticketID": ticket_id, "createDateTime": now, "lastActivityDate": now,
                "creatorResourceID": int(impersonate) if impersonate else None,
            })
            ticket["lastActivityDate"] = now
        return Response(200, {"itemId": note["id"]})

    def _create_time_entry(self, body: Any) -> Response:
        values = self._canonical("TimeEntries", body)
        errors = self._check_values("TimeEntries", values)
        for name in ("resourceID", "dateWorked", "hoursWorked"):
            if values.get(name) in (None, ""):
                errors.append(f"Missing required field: {name}.")
        with self._lock:
            if values.get("ticketID") not in self.state.tickets:
                errors.append("ticketID: ticket does not exist.")
            if errors:
                raise SimError(500, "; ".join(errors))
            row = self.state.add("TimeEntries", {k: v for k, v in values.items() if k != "id"})
        return Response(200, {"itemId": row["id"]})

    # --- browser links and control endpoints -----------------------------

    def _web(self, path: str, query: dict[str, list[str]]) -> Response:
        ticket_id = (query.get("ticketId") or [""])[0]
        with self._lock:
            ticket = self.state.tickets.get(int(ticket_id)) if ticket_id.isdigit() else None
        if ticket is None:
            return Response(404, html="<h1>Not found</h1>")
        title = str(ticket["title"]).replace("&", "&amp;").replace("<", "&lt;")
        return Response(200, html=f"<h1>{ticket['ticketNumber']}</h1><p>{title}</p>"
                                  f"<p>Status {ticket['status']} (Autotask simulator)</p>")

    def _control(self, method: str, path: str, query: dict[str, list[str]],
                 raw: bytes) -> Response:
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return Response(400, {"errors": ["Body is not JSON."]})
        route = (method, path.rstrip("/"))
        if route == ("GET", "/_sim/requests"):
            return Response(200, {"requests": [asdict(r) for r in self.requests()]})
        if route in (("DELETE", "/_sim/requests"), ("POST", "/_sim/requests/clear")):
            self.clear_requests()
            return Response(200, {"ok": True})
        if route == ("POST", "/_sim/reset"):
            self.reset()
            return Response(200, {"ok": True})
        if route == ("POST", "/_sim/faults"):
            allowed = {"path", "method", "count", "status", "body", "headers", "sleep",
                       "drop_response"}
            if not isinstance(body, dict) or "path" not in body or set(body) - allowed:
                return Response(400, {"errors": [f"Give 'path' and any of {sorted(allowed)}."]})
            self.inject_fault(**body)
            return Response(200, {"ok": True})
        if route == ("DELETE", "/_sim/faults"):
            self.clear_faults()
            return Response(200, {"ok": True})
        if route == ("POST", "/_sim/seed"):
            return Response(200, self.seed(int(body.get("tickets", 0)),
                                           int(body.get("time_entries", 0)),
                                           days=int(body.get("days", 91))))
        if route == ("POST", "/_sim/threshold"):
            self.set_threshold(body.get("limit"), count=body.get("count"),
                               latency_50=body.get("latency_50"),
                               latency_75=body.get("latency_75"))
            return Response(200, self.threshold_information())
        if route == ("POST", "/_sim/zone"):
            self.move_tenant(str(body.get("zone", "")))
            return Response(200, {"base_url": self.base_url})
        if route == ("GET", "/_sim/state"):
            return Response(200, self.summary())
        return Response(404, {"errors": [f"No simulator control at {method} {path}."]})


# ------------------------------------------------------------------ HTTP

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API behind a load balancer
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle plus
        # delayed ACKs add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        response = self.server.sim.handle(method, self.path, self.headers, raw)
        if response.drop:
            self.close_connection = True
            return
        if response.html is not None:
            payload, kind = response.html.encode(), "text/html; charset=utf-8"
        else:
            payload = b"" if response.body is None else json.dumps(response.body).encode()
            kind = "application/json; charset=utf-8"
        self.send_response(response.status)
        self.send_header("Content-Type", kind)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is the record; stderr noise helps nobody in tests


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a dropped/sleeping handler must not block stop()
    allow_reuse_address = True
    sim: AutotaskSimulator


class SimulatorServer:
    """Run the simulator on a loopback port (``port=0``: pick a free one)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 username: str = DEMO_USERNAME, secret: str = DEMO_SECRET,
                 integration_code: str = DEMO_INTEGRATION_CODE) -> None:
        self.host = host
        self.port = port
        self.sim = AutotaskSimulator(username=username, secret=secret,
                                     integration_code=integration_code)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SimulatorServer:
        if self._httpd is not None:
            return self
        httpd = _Server((self.host, self.port), _Handler)
        httpd.sim = self.sim
        host, port = httpd.server_address[:2]
        self.port = int(port)
        shown = f"[{host}]" if ":" in str(host) else str(host)
        self.sim.url = f"http://{shown}:{self.port}"
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="autotask-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what tests use ---------------------------------------------------

    @property
    def url(self) -> str:
        return self.sim.url

    @property
    def base_url(self) -> str:
        return self.sim.base_url

    @property
    def zone_lookup_url(self) -> str:
        return self.sim.zone_lookup_url

    @property
    def state(self) -> SimState:
        return self.sim.state

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.sim.requests()

    def api_calls(self) -> list[tuple[str, str]]:
        """(method, path) of every recorded API request, zone lookups excluded."""
        return [(r.method, r.path) for r in self.sim.requests() if r.path != "/zoneInformation"]

    def clear_requests(self) -> None:
        self.sim.clear_requests()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        return self.sim.wait_idle(timeout)

    def inject_fault(self, path: str, **kwargs: Any) -> Fault:
        return self.sim.inject_fault(path, **kwargs)

    def clear_faults(self) -> None:
        self.sim.clear_faults()

    def reset(self) -> None:
        self.sim.reset()

    def seed(self, tickets: int = 0, time_entries: int = 0, **kwargs: Any) -> dict[str, int]:
        return self.sim.seed(tickets, time_entries, **kwargs)

    def set_threshold(self, limit: int | None = None, **kwargs: Any) -> None:
        self.sim.set_threshold(limit, **kwargs)

    def move_tenant(self, zone: str) -> None:
        self.sim.move_tenant(zone)

    def credentials(self, **overrides: Any) -> AutotaskCredentials:
        values: dict[str, Any] = {
            "username": self.sim.username, "secret": self.sim.secret,
            "integration_code": self.sim.integration_code,
            "zone_lookup_url": self.zone_lookup_url,
        }
        values.update(overrides)
        return AutotaskCredentials(**values)


def serve(host: str = "127.0.0.1", port: int = 8089, *, username: str = DEMO_USERNAME,
          secret: str = DEMO_SECRET, integration_code: str = DEMO_INTEGRATION_CODE,
          tickets: int = 0, time_entries: int = 0,
          echo: Callable[[str], None] = print) -> None:
    """Run until Ctrl-C (``backupchecks autotask simulator --port 8089``)."""
    server = SimulatorServer(host, port, username=username, secret=secret,
                             integration_code=integration_code).start()
    if tickets or time_entries:
        server.seed(tickets, time_entries)
    echo(f"Autotask simulator on {server.url}")
    echo(f"  zone lookup URL : {server.zone_lookup_url}")
    echo(f"  API user        : {username}")
    echo(f"  integration code: {integration_code}")
    if secret == DEMO_SECRET:
        echo(f"  secret          : {DEMO_SECRET} (the demo default)")
    echo("  control         : GET /_sim/requests, POST /_sim/reset|faults|seed|threshold")
    try:
        while server._thread is not None and server._thread.is_alive():
            server._thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


__all__ = [
    "DEMO_INTEGRATION_CODE", "DEMO_SECRET", "DEMO_USERNAME", "AutotaskSimulator", "Fault",
    "RecordedRequest", "SimState", "SimulatorServer", "serve",
]
