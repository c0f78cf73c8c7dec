"""PSA scorecard figures: pure functions over Autotask ticket and time-entry rows.

No database, no network: rows in (as the API gives them, dates as ISO strings
in UTC), figures out. Definitions (weeks run Monday–Sunday in the configured
time zone ``zone``):

- opened: tickets whose createDate falls in the week;
- closed: tickets whose completedDate falls in the week (a status labelled
  "Completed" that sets no completedDate does not count: labels lie);
- same-day close rate: of the tickets opened in the week, the share whose
  completedDate is on the same local calendar day as their createDate;
- average / median resolution hours: completedDate − createDate over the
  tickets closed in the week;
- utilisation: billable hours / all hours (hoursWorked; billable unless
  isNonBillable) of the time entries whose dateWorked falls in the week.

Rates are percentages (0–100). Quarterly figures are averages of the weekly
figures of the quarter's weeks; a week belongs to the quarter that holds its
Thursday (most of its days), so the week of 29 December counts for Q1.
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

Row = Mapping[str, Any]
LabelFor = Callable[[str, Any], "str | None"]

#: The longest period a report may span, in days (inclusive range).
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    higher_is_better: bool
    unit: str = ""


#: The figures that get a red/amber/green rating, in display order.
METRICS: tuple[Metric, ...] = (
    Metric("opened", "Tickets opened", higher_is_better=False),
    Metric("closed", "Tickets closed", higher_is_better=True),
    Metric("same_day_close_rate", "Same-day close rate", higher_is_better=True, unit="%"),
    Metric("avg_resolution_hours", "Average resolution", higher_is_better=False, unit="h"),
    Metric("median_resolution_hours", "Median resolution", higher_is_better=False, unit="h"),
    Metric("utilisation", "Utilisation", higher_is_better=True, unit="%"),
)
METRIC_KEYS = tuple(m.key for m in METRICS)


# ------------------------------------------------------------------ dates

def parse_instant(value: Any) -> datetime | None:
    """An Autotask date (``2025-10-24T08:15:00.000Z``, with or without ms) as aware UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None  # one malformed row must not take the whole scorecard down
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_starts(start: date, end: date) -> list[date]:
    """The Mondays of every week that overlaps ``start``..``end`` (inclusive)."""
    first, last = monday_of(start), monday_of(end)
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` starts in ``zone`` (DST-correct)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def period_bounds_utc(weeks: Sequence[date], zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants from the first Monday's start to the start of the Monday after the last."""
    return (local_midnight_utc(weeks[0], zone),
            local_midnight_utc(weeks[-1] + timedelta(weeks=1), zone))


def work_day(value: Any, zone: ZoneInfo) -> date | None:
    """The calendar day a time entry was worked.

    Autotask often stores dateWorked as a bare date at midnight UTC; turning
    that into, say, New York time would move the work to the day before. So a
    value at exactly 00:00:00 UTC is read as a date; any other value is an
    instant, shown in the configured time zone like every other date.
    """
    instant = parse_instant(value)
    if instant is None:
        return None
    if instant.time() == time.min:
        return instant.date()
    return instant.astimezone(zone).date()


class WeekIndex:
    """Finds the week of an instant or a day with a bisect over precomputed bounds."""

    def __init__(self, weeks: Sequence[date], zone: ZoneInfo) -> None:
        self.weeks = list(weeks)
        self.zone = zone
        bounds = [local_midnight_utc(w, zone) for w in self.weeks]
        if self.weeks:
            bounds.append(local_midnight_utc(self.weeks[-1] + timedelta(weeks=1), zone))
        self._bounds = [b.timestamp() for b in bounds]

    def of_instant(self, instant: datetime | None) -> int | None:
        if instant is None or not self.weeks:
            return None
        position = bisect_right(self._bounds, instant.timestamp()) - 1
        return position if 0 <= position < len(self.weeks) else None

    def of_day(self, day: date | None) -> int | None:
        if day is None or not self.weeks:
            return None
        position = (day - self.weeks[0]).days // 7
        return position if 0 <= position < len(self.weeks) else None


# ---------------------------------------------------------------- figures

def _pct(part: float, whole: float) -> float | None:
    return None if not whole else 100.0 * part / whole


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@dataclass
class WeekFigures:
    week_start: date
    opened: int = 0
    closed: int = 0
    same_day_closed: int = 0
    billable_hours: float = 0.0
    total_hours: float = 0.0
    resolution_hours: list[float] = field(default_factory=list)

    @property
    def same_day_close_rate(self) -> float | None:
        return _pct(self.same_day_closed, self.opened)

    @property
    def avg_resolution_hours(self) -> float | None:
        return statistics.fmean(self.resolution_hours) if self.resolution_hours else None

    @property
    def median_resolution_hours(self) -> float | None:
        return statistics.median(self.resolution_hours) if self.resolution_hours else None

    @property
    def utilisation(self) -> float | None:
        return _pct(self.billable_hours, self.total_hours)

    def as_dict(self) -> dict[str, Any]:
        return {
            "week_start": self.week_start.isoformat(),
            "opened": self.opened,
            "closed": self.closed,
            "same_day_closed": self.same_day_closed,
            "same_day_close_rate": _round(self.same_day_close_rate, 1),
            "avg_resolution_hours": _round(self.avg_resolution_hours, 2),
            "median_resolution_hours": _round(self.median_resolution_hours, 2),
            "billable_hours": round(self.billable_hours, 2),
            "total_hours": round(self.total_hours, 2),
            "utilisation": _round(self.utilisation, 1),
        }


def unique_rows(rows: Iterable[Row]) -> list[Row]:
    """Drop rows seen twice (same id), keeping the first: a ticket is counted once."""
    seen: set[Any] = set()
    out = []
    for row in rows:
        key = row.get("id")
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(row)
    return out


def weekly_figures(
    tickets: Iterable[Row], time_entries: Iterable[Row], weeks: Sequence[date], zone: ZoneInfo
) -> list[WeekFigures]:
    """Figures per week (see the module docstring for the definitions)."""
    index = WeekIndex(weeks, zone)
    figures = [WeekFigures(week) for week in weeks]
    for ticket in unique_rows(tickets):
        created = parse_instant(ticket.get("createDate"))
        completed = parse_instant(ticket.get("completedDate"))
        opened_in = index.of_instant(created)
        if opened_in is not None:
            figures[opened_in].opened += 1
            if completed is not None and created is not None and (
                completed.astimezone(zone).date() == created.astimezone(zone).date()
            ):
                figures[opened_in].same_day_closed += 1
        closed_in = index.of_instant(completed)
        if closed_in is not None and completed is not None:
            figures[closed_in].closed += 1
            if created is not None:
                # A completedDate before the createDate is bad data, not negative work.
                seconds = max(0.0, (completed - created).total_seconds())
                figures[closed_in].resolution_hours.append(seconds / 3600.0)
    for entry in unique_rows(time_entries):
        week = index.of_day(work_day(entry.get("dateWorked"), zone))
        if week is None:
            continue
        hours = _hours(entry.get("hoursWorked"))
        figures[week].total_hours += hours
        if not _truthy(entry.get("isNonBillable")):
            figures[week].billable_hours += hours
    return figures


def _hours(value: Any) -> float:
    try:
        return float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * (quarter - 1) + 1, 1)


def quarter_end(year: int, quarter: int) -> date:
    if quarter == 4:
        return date(year, 12, 31)
    return quarter_start(year, quarter + 1) - timedelta(days=1)


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def quarterly_figures(weeks: Sequence[WeekFigures]) -> list[dict[str, Any]]:
    """Per quarter: the average of each weekly figure (weeks without a value are left out)."""
    groups: dict[tuple[int, int], list[WeekFigures]] = {}
    for week in weeks:
        groups.setdefault(quarter_of(week.week_start + timedelta(days=3)), []).append(week)
    out = []
    for (year, quarter), members in sorted(groups.items()):
        out.append({
            "quarter": f"{year}-Q{quarter}",
            "quarter_start": quarter_start(year, quarter).isoformat(),
            "quarter_end": quarter_end(year, quarter).isoformat(),
            "weeks": len(members),
            "opened_total": sum(w.opened for w in members),
            "closed_total": sum(w.closed for w in members),
            "opened": _round(_mean(w.opened for w in members), 2),
            "closed": _round(_mean(w.closed for w in members), 2),
            "same_day_closed": _round(_mean(w.same_day_closed for w in members), 2),
            "same_day_close_rate": _round(_mean(w.same_day_close_rate for w in members), 1),
            "avg_resolution_hours": _round(_mean(w.avg_resolution_hours for w in members), 2),
            "median_resolution_hours": _round(
                _mean(w.median_resolution_hours for w in members), 2),
            "billable_hours": _round(_mean(w.billable_hours for w in members), 2),
            "total_hours": _round(_mean(w.total_hours for w in members), 2),
            "utilisation": _round(_mean(w.utilisation for w in members), 1),
        })
    return out


def opened_in_period(tickets: Iterable[Row], start: datetime, end: datetime) -> list[Row]:
    """Tickets whose createDate lies in [start, end)."""
    out = []
    for ticket in unique_rows(tickets):
        created = parse_instant(ticket.get("createDate"))
        if created is not None and start <= created < end:
            out.append(ticket)
    return out


def label_or_unknown(label_for: LabelFor, name: str, value: Any) -> str:
    """A picklist label; never a bare id (an id the reference data lacks says so)."""
    if value in (None, ""):
        return "(none)"
    label = label_for(name, value)
    return label if label else f"Unknown ({value})"


def breakdown(tickets: Iterable[Row], name: str, label_for: LabelFor) -> list[tuple[str, int]]:
    """Count per picklist label of field ``name``, largest first, then by label."""
    counts = Counter(label_or_unknown(label_for, name, t.get(name)) for t in tickets)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def resource_utilisation(
    time_entries: Iterable[Row], weeks: Sequence[date], zone: ZoneInfo
) -> list[dict[str, Any]]:
    """Per resource: billable and total hours per week and over the period."""
    index = WeekIndex(weeks, zone)
    per: dict[Any, list[list[float]]] = {}
    for entry in unique_rows(time_entries):
        week = index.of_day(work_day(entry.get("dateWorked"), zone))
        if week is None:
            continue
        cells = per.setdefault(entry.get("resourceID"), [[0.0, 0.0] for _ in weeks])
        hours = _hours(entry.get("hoursWorked"))
        cells[week][1] += hours
        if not _truthy(entry.get("isNonBillable")):
            cells[week][0] += hours
    rows = []
    for resource, cells in per.items():
        billable = sum(c[0] for c in cells)
        total = sum(c[1] for c in cells)
        rows.append({
            "resource_id": resource,
            "weeks": [{"week_start": w.isoformat(), "billable_hours": round(c[0], 2),
                       "total_hours": round(c[1], 2), "utilisation": _round(_pct(*c), 1)}
                      for w, c in zip(weeks, cells, strict=True)],
            "billable_hours": round(billable, 2),
            "total_hours": round(total, 2),
            "utilisation": _round(_pct(billable, total), 1),
        })
    rows.sort(key=lambda r: (-r["total_hours"], str(r["resource_id"])))
    return rows


def ticket_summary(tickets: Sequence[Row], label_for: LabelFor) -> dict[str, Any]:
    """Totals for the tickets API: count, per status and priority label, mean resolution."""
    hours = []
    for ticket in tickets:
        created = parse_instant(ticket.get("createDate"))
        completed = parse_instant(ticket.get("completedDate"))
        if created is not None and completed is not None:
            hours.append(max(0.0, (completed - created).total_seconds()) / 3600.0)
    return {
        "total": len(tickets),
        "by_status": dict(breakdown(tickets, "status", label_for)),
        "by_priority": dict(breakdown(tickets, "priority", label_for)),
        "avg_resolution_hours": _round(statistics.fmean(hours), 2) if hours else None,
    }


# ---------------------------------------------------------------- targets

@dataclass(frozen=True)
class Targets:
    """An admin's target per metric (None: not rated) and the amber band in percent."""

    values: Mapping[str, float | None]
    amber_margin: float = 10.0

    def rate(self, key: str, value: float | None) -> str | None:
        metric = next((m for m in METRICS if m.key == key), None)
        target = self.values.get(key)
        if metric is None or target is None or value is None:
            return None
        return rag(value, target, metric.higher_is_better, self.amber_margin)

    def rate_all(self, figures: Mapping[str, Any]) -> dict[str, str | None]:
        return {key: self.rate(key, figures.get(key)) for key in METRIC_KEYS}


def rag(value: float, target: float, higher_is_better: bool, amber_margin: float) -> str:
    """green when the target is met; amber within ``amber_margin`` percent of it; else red."""
    band = abs(target) * amber_margin / 100.0
    if higher_is_better:
        if value >= target:
            return "green"
        return "amber" if value >= target - band else "red"
    if value <= target:
        return "green"
    return "amber" if value <= target + band else "red"


# ------------------------------------------------------------------ queues

def find_queue(wanted: str, queues: Sequence[Any]) -> Any | None:
    """The picklist value whose id or (case-insensitive) label is ``wanted``."""
    text = (wanted or "").strip()
    if not text:
        return None
    for queue in queues:
        if str(queue.value) == text:
            return queue
    lowered = text.casefold()
    for queue in queues:
        if str(queue.label).casefold() == lowered:
            return queue
    return None
