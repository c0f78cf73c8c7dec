"""The PSA scorecard and the tickets report as the pages and the JSON API use them.

Parameters are checked here (one set of messages for the page and the API),
rows come through ``fetch`` (cached), figures from ``scorecard`` (pure).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backupchecks.autotask.cache import CachedReference
from backupchecks.autotask.filters import format_datetime
from backupchecks.models.types import utcnow
from backupchecks.reports import fetch
from backupchecks.reports import scorecard as sc
from backupchecks.reports.targets import cache_seconds, load_targets
from backupchecks.settings.store import get_setting
from backupchecks.timeutil import configured_zone, today_local

ENV_DEFAULT_QUEUE = "AUTOTASK_ROC_QUEUE_NAME"
VIEWS = ("weekly", "quarterly")


class InvalidRequest(ValueError):
    """A parameter the report cannot work with; the message names it (shown as a 400)."""


# ---------------------------------------------------------------- params

def parse_day(name: str, text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRequest(f"{name} must be a date written as YYYY-MM-DD, not {text.strip()!r}.") \
            from None


def parse_period(start_text: str | None, end_text: str | None, *, default_start: date,
                 default_end: date) -> tuple[date, date]:
    """The inclusive local period asked for, checked: real dates, in order, at most a year."""
    start = parse_day("start_date", start_text) or default_start
    end = parse_day("end_date", end_text) or default_end
    if end < start:
        raise InvalidRequest(f"end_date {end} is before start_date {start}.")
    if (end - start).days + 1 > sc.MAX_PERIOD_DAYS:
        raise InvalidRequest(
            f"The range {start} to {end} is longer than a year (at most {sc.MAX_PERIOD_DAYS} days)."
        )
    return start, end


def default_period(view: str, today: date) -> tuple[date, date]:
    """Weekly: this week and the seven before it. Quarterly: this quarter and the three before."""
    if view == "quarterly":
        year, quarter = sc.quarter_of(today)
        for _ in range(3):
            year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
        return sc.quarter_start(year, quarter), today
    return sc.monday_of(today) - timedelta(weeks=7), today


# ---------------------------------------------------------------- queues

@dataclass(frozen=True)
class Queue:
    id: int
    name: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}


def queue_options(ref: CachedReference) -> list[Queue]:
    """Every queue of the tenant (inactive ones too: old figures may live there)."""
    try:
        values = ref.picklist("queueID")
    except KeyError:
        return []
    return [Queue(int(v.value), v.label) for v in values]


def default_queue_text() -> str:
    """The environment (AUTOTASK_ROC_QUEUE_NAME) wins over the setting, like the other
    Autotask environment names."""
    return (os.environ.get(ENV_DEFAULT_QUEUE) or get_setting("autotask.roc_queue") or "").strip()


def resolve_queue(text: str | None, ref: CachedReference, *, required: bool = True) -> Queue | None:
    wanted = (text or "").strip() or default_queue_text()
    if not wanted:
        if required:
            raise InvalidRequest(
                "queue is required: give a queue id or name (no default queue is set in "
                f"{ENV_DEFAULT_QUEUE} or Settings → Autotask)."
            )
        return None
    try:
        values = ref.picklist("queueID")
    except KeyError:
        values = []
    found = sc.find_queue(wanted, values)
    if found is None:
        raise InvalidRequest(f"Unknown queue {wanted!r}: it is not in the Autotask reference data.")
    return Queue(int(found.value), found.label)


def labeller(ref: CachedReference | None) -> sc.LabelFor:
    """Picklist labels from one dict per field (the reference's own lookup re-sorts per call)."""
    tables: dict[str, dict[str, str]] = {}

    def label(name: str, value: Any) -> str | None:
        if ref is None:
            return None
        if name not in tables:
            try:
                tables[name] = {v.value: v.label for v in ref.picklist(name)}
            except KeyError:
                tables[name] = {}
        return tables[name].get(str(value))

    return label


# ------------------------------------------------------------- scorecard

@dataclass
class Scorecard:
    queue: Queue
    zone: ZoneInfo
    start: date  # the period asked for
    end: date
    weeks: list[dict[str, Any]]
    quarters: list[dict[str, Any]]
    by_status: list[tuple[str, int]]
    by_priority: list[tuple[str, int]]
    resources: list[dict[str, Any]] | None
    fetched_at: datetime
    cached: bool
    stale: bool = False
    error: str | None = None
    targets: sc.Targets = field(default_factory=lambda: sc.Targets({}))

    def rated(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**row, "rag": self.targets.rate_all(row)} for row in rows]

    @property
    def weekly(self) -> list[dict[str, Any]]:
        return self.rated(self.weeks)

    @property
    def quarterly(self) -> list[dict[str, Any]]:
        return self.rated(self.quarters)

    def envelope(self) -> dict[str, Any]:
        """The keys every scorecard API answer shares."""
        return {
            "queue": self.queue.as_dict(),
            "timezone": self.zone.key,
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "generated_at": format_datetime(self.fetched_at),
            "cached": self.cached,
            "stale": self.stale,
            "notice": self.error,
        }


def build_scorecard(
    queue: Queue, start: date, end: date, *, refresh: bool = False, with_resources: bool = False,
    client_factory: fetch.ClientFactory = fetch.default_client, zone: ZoneInfo | None = None,
    ref: CachedReference | None = None,
) -> Scorecard:
    """Figures for ``queue`` over the whole weeks that overlap ``start``..``end``.

    A repeat within the cache time reads one small row (the computed figures);
    after that, the rows are fetched again only if their own cache entry has
    expired too. Raises fetch.ReportUnavailable when Autotask fails and
    nothing was cached.
    """
    zone = zone or configured_zone()
    weeks = sc.week_starts(start, end)
    start_utc, end_utc = sc.period_bounds_utc(weeks, zone)
    ttl = cache_seconds()
    figures_key = fetch.period_key("figures", queue.id, start_utc, end_utc, zone.key,
                                   "resources" if with_resources else "")
    targets = load_targets()
    previous = fetch.read(figures_key)
    if previous is not None and not refresh:
        value, fetched_at = previous
        if (utcnow() - fetched_at).total_seconds() < ttl:
            return _from_figures(queue, zone, start, end, value, fetched_at, True, targets)

    def produce() -> dict[str, Any]:
        with client_factory() as client:
            return fetch.queue_period_rows(client, queue.id, start_utc, end_utc)

    rows = fetch.cached(fetch.period_key("rows", queue.id, start_utc, end_utc), produce,
                        ttl_seconds=ttl, refresh=refresh)
    stamp = rows.fetched_at.isoformat()  # microseconds: two fetches in one second differ
    if previous is not None and previous[0].get("rows_fetched_at") == stamp:
        value = previous[0]  # the same rows as last time: no need to compute again
    else:
        if ref is None:
            ref = fetch.load_reference(client_factory)
        value = compute_figures(rows.value, weeks, zone, ref, start_utc, end_utc)
        value["rows_fetched_at"] = stamp
        if with_resources:
            value["resources"] = _with_names(value["resources"], client_factory, ttl, refresh)
        else:
            value["resources"] = None
        fetch.write(figures_key, value, rows.fetched_at)
    card = _from_figures(queue, zone, start, end, value, rows.fetched_at, rows.cached, targets)
    card.stale, card.error = rows.stale, rows.error
    return card


def compute_figures(rows: Mapping[str, Any], weeks: list[date], zone: ZoneInfo,
                    ref: CachedReference | None, start_utc: datetime,
                    end_utc: datetime) -> dict[str, Any]:
    """Everything the scorecard shows, as JSON-ready values (cached as such)."""
    tickets = rows.get("tickets") or []
    entries = rows.get("time_entries") or []
    weekly = sc.weekly_figures(tickets, entries, weeks, zone)
    opened = sc.opened_in_period(tickets, start_utc, end_utc)
    label = labeller(ref)
    return {
        "weeks": [w.as_dict() for w in weekly],
        "quarters": sc.quarterly_figures(weekly),
        "by_status": sc.breakdown(opened, "status", label),
        "by_priority": sc.breakdown(opened, "priority", label),
        "resources": sc.resource_utilisation(entries, weeks, zone),
    }


def _with_names(resources: list[dict[str, Any]], client_factory: fetch.ClientFactory,
                ttl: int, refresh: bool) -> list[dict[str, Any]]:
    ids = sorted(str(r["resource_id"]) for r in resources if r["resource_id"] is not None)
    names: dict[str, str] = {}
    if ids:
        def produce() -> dict[str, str]:
            with client_factory() as client:
                return fetch.resource_names(client, ids)

        try:
            names = fetch.cached("resources:" + ",".join(ids), produce, ttl_seconds=ttl,
                                 refresh=refresh).value
        except fetch.ReportUnavailable:
            names = {}  # the hours still count; the name falls back to the id
    for row in resources:
        rid = row["resource_id"]
        row["name"] = names.get(str(rid)) or (f"Resource {rid}" if rid is not None else "(none)")
    return resources


def _from_figures(queue: Queue, zone: ZoneInfo, start: date, end: date, value: Mapping[str, Any],
                  fetched_at: datetime, cached: bool, targets: sc.Targets) -> Scorecard:
    return Scorecard(
        queue=queue, zone=zone, start=start, end=end,
        weeks=list(value["weeks"]), quarters=list(value["quarters"]),
        by_status=[tuple(x) for x in value["by_status"]],  # type: ignore[misc]
        by_priority=[tuple(x) for x in value["by_priority"]],  # type: ignore[misc]
        resources=value.get("resources"), fetched_at=fetched_at, cached=cached, targets=targets,
    )


# --------------------------------------------------------------- tickets

def tickets_report(
    start: date, end: date, queue: Queue | None, ref: CachedReference, *, refresh: bool = False,
    client_factory: fetch.ClientFactory = fetch.default_client, zone: ZoneInfo | None = None,
) -> dict[str, Any]:
    """Tickets created from ``start`` to ``end`` (local days, inclusive) with their totals."""
    zone = zone or configured_zone()
    start_utc = sc.local_midnight_utc(start, zone)
    end_utc = sc.local_midnight_utc(end + timedelta(days=1), zone)

    def produce() -> dict[str, Any]:
        with client_factory() as client:
            return fetch.created_tickets(client, start_utc, end_utc,
                                         queue.id if queue else None)

    key = fetch.period_key("tickets", queue.id if queue else "all", start_utc, end_utc)
    got = fetch.cached(key, produce, ttl_seconds=cache_seconds(), refresh=refresh)
    tickets = got.value["tickets"]
    companies = got.value.get("companies") or {}
    label = labeller(ref)
    listed = []
    for t in sorted(tickets, key=lambda t: (str(t.get("createDate") or ""), t.get("id") or 0)):
        created = sc.parse_instant(t.get("createDate"))
        completed = sc.parse_instant(t.get("completedDate"))
        company = t.get("companyID")
        listed.append({
            "id": t.get("id"),
            "number": t.get("ticketNumber"),
            "title": t.get("title"),
            "status": t.get("status"),
            "status_label": sc.label_or_unknown(label, "status", t.get("status")),
            "priority": t.get("priority"),
            "priority_label": sc.label_or_unknown(label, "priority", t.get("priority")),
            "queue": t.get("queueID"),
            "queue_label": sc.label_or_unknown(label, "queueID", t.get("queueID")),
            "company": {"id": company,
                        "name": companies.get(str(company)) if company is not None else None},
            "create_date": format_datetime(created) if created else None,
            "complete_date": format_datetime(completed) if completed else None,
        })
    return {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "queue": queue.as_dict() if queue else None,
        "timezone": zone.key,
        **sc.ticket_summary(tickets, label),
        "tickets": listed,
        "generated_at": format_datetime(got.fetched_at),
        "cached": got.cached,
        "stale": got.stale,
        "notice": got.error,
    }


def today() -> date:
    return today_local()


# ------------------------------------------------------------------ page

@dataclass
class ScorecardPage:
    """What the scorecard page (and its CSV export) needs, errors included."""

    view: str
    start: date
    end: date
    queues: list[Queue]
    queue: Queue | None = None
    card: Scorecard | None = None
    with_resources: bool = False
    problem: str | None = None  # a parameter was wrong: the page says which (400)
    unavailable: str | None = None  # Autotask failed and nothing was cached (503)


def scorecard_page(args: Mapping[str, str], *, refresh: bool = False,
                   client_factory: fetch.ClientFactory = fetch.default_client) -> ScorecardPage:
    view = args.get("view") if args.get("view") in VIEWS else "weekly"
    default_start, default_end = default_period(view, today())
    page = ScorecardPage(view=view, start=default_start, end=default_end, queues=[],
                         with_resources=args.get("resources", "") in ("1", "on", "true"))
    try:
        page.start, page.end = parse_period(args.get("start_date"), args.get("end_date"),
                                            default_start=default_start, default_end=default_end)
    except InvalidRequest as exc:
        page.problem = str(exc)
    try:
        ref = fetch.load_reference(client_factory)
    except fetch.ReportUnavailable as exc:
        page.unavailable = str(exc)
        return page
    page.queues = queue_options(ref)  # the form offers the queues even when a date was wrong
    try:
        page.queue = resolve_queue(args.get("queue"), ref, required=False)
    except InvalidRequest as exc:
        page.problem = page.problem or str(exc)
    if page.problem:
        return page
    if page.queue is None:
        return page  # nothing chosen yet and no default: the form asks for a queue
    try:
        page.card = build_scorecard(page.queue, page.start, page.end, refresh=refresh,
                                    with_resources=page.with_resources,
                                    client_factory=client_factory, ref=ref)
    except fetch.ReportUnavailable as exc:
        page.unavailable = str(exc)
    return page


RAG_COLUMNS = ("opened", "closed", "same_day_close_rate", "avg_resolution_hours",
               "median_resolution_hours", "utilisation")
WEEK_COLUMNS = ("week_start", "opened", "closed", "same_day_closed", "same_day_close_rate",
                "avg_resolution_hours", "median_resolution_hours", "billable_hours", "total_hours",
                "utilisation")
QUARTER_COLUMNS = ("quarter", "quarter_start", "quarter_end", "weeks", "opened_total",
                   "closed_total", "opened", "closed", "same_day_closed", "same_day_close_rate",
                   "avg_resolution_hours", "median_resolution_hours", "billable_hours",
                   "total_hours", "utilisation")
CSV_TABLES = ("weeks", "quarters", "status", "priority", "resources")


def csv_table(card: Scorecard, table: str) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of one scorecard table, as shown on the page."""
    if table in ("weeks", "quarters"):
        columns = WEEK_COLUMNS if table == "weeks" else QUARTER_COLUMNS
        rows = card.weekly if table == "weeks" else card.quarterly
        header = [*columns, *(f"{c}_rag" for c in RAG_COLUMNS)]
        return header, [[row.get(c) for c in columns] + [row["rag"].get(c) for c in RAG_COLUMNS]
                        for row in rows]
    if table in ("status", "priority"):
        pairs = card.by_status if table == "status" else card.by_priority
        return [table, "tickets_opened"], [[label, count] for label, count in pairs]
    if table == "resources":
        resources = card.resources or []
        weeks = [w["week_start"] for w in card.weeks]
        header = ["resource_id", "name", *(f"utilisation_{w}" for w in weeks),
                  "billable_hours", "total_hours", "utilisation"]
        return header, [[r["resource_id"], r.get("name"),
                         *(cell["utilisation"] for cell in r["weeks"]),
                         r["billable_hours"], r["total_hours"], r["utilisation"]]
                        for r in resources]
    raise InvalidRequest(f"Unknown table {table!r}: one of {', '.join(CSV_TABLES)}.")
