"""Backup report: per job over a period, runs per status, success rate, time to resolve.

Read in a fixed number of queries whatever the number of jobs, runs or
tickets: the database counts (GROUP BY), Python only arranges the rows.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, union
from sqlalchemy.orm import Session

from backupchecks.models.checks import RunOverride
from backupchecks.models.jobs import RUN_STATUSES, Customer, Job, Run
from backupchecks.models.tickets import RunTicket, Ticket
from backupchecks.models.types import UTCDateTime
from backupchecks.reports.scorecard import local_midnight_utc


@dataclass
class JobRow:
    job_id: int
    customer_id: int
    customer: str
    product: str
    job_type: str
    job_name: str
    archived: bool
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RUN_STATUSES, 0))
    overridden: int = 0  # runs not successful but shown as success by an override
    ticket_hours: list[float] = field(default_factory=list)
    tickets: int = 0  # linked tickets created in the period (resolved or not)

    @property
    def runs(self) -> int:
        return sum(self.counts.values())

    @property
    def success_rate(self) -> float | None:
        """Share of runs shown as success: real successes plus overridden runs."""
        if not self.runs:
            return None
        return 100.0 * (self.counts["success"] + self.overridden) / self.runs

    @property
    def mttr_hours(self) -> float | None:
        return statistics.fmean(self.ticket_hours) if self.ticket_hours else None


@dataclass
class RunsReport:
    start: date
    end: date
    zone: ZoneInfo
    customer_id: int | None
    rows: list[JobRow]
    days: list[date]
    per_day: dict[date, dict[str, int]]
    totals: JobRow

    CSV_HEADER = ("customer", "product", "job_type", "job", "runs", "success", "warning",
                  "failed", "missed", "overridden", "success_rate_pct", "tickets",
                  "mean_time_to_resolve_hours")

    def csv_rows(self) -> list[list[Any]]:
        return [[r.customer, r.product, r.job_type, r.job_name, r.runs, r.counts["success"],
                 r.counts["warning"], r.counts["failed"], r.counts["missed"], r.overridden,
                 _fmt(r.success_rate, 1), r.tickets, _fmt(r.mttr_hours, 2)]
                for r in self.rows]


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def local_day_expr(column: Any, dialect: str, zone: ZoneInfo, start: datetime,
                   end: datetime) -> ColumnElement[Any]:
    """SQL for the local calendar day of a UTC timestamp column, as 'YYYY-MM-DD' text.

    PostgreSQL converts with the zone itself. SQLite knows no zones, so the
    offsets in force during the period (they change at DST) become a CASE of
    '+N minutes' modifiers: still one query, grouped in the database.
    """
    if dialect == "postgresql":
        return func.to_char(func.timezone(zone.key, column), "YYYY-MM-DD")
    modifiers = _offset_segments(zone, start, end)
    if len(modifiers) == 1:
        return func.date(column, modifiers[0][1])
    whens = [(column < literal(until, UTCDateTime), mod) for until, mod in modifiers[:-1]]
    return func.date(column, case(*whens, else_=modifiers[-1][1]))


def _offset_segments(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """[(until, '+N minutes')]: the UTC offset up to each change within [start, end]."""
    def modifier(at: datetime) -> str:
        offset = at.astimezone(zone).utcoffset() or timedelta(0)
        return f"{int(offset.total_seconds() // 60):+d} minutes"

    segments: list[tuple[datetime, str]] = []
    current = modifier(start)
    probe = start
    # Hourly steps find every change (zones change on the hour or half hour;
    # a change is found within the hour and located by bisection).
    while probe < end:
        step = min(probe + timedelta(hours=1), end)
        if modifier(step) != current:
            low, high = probe, step
            while (high - low) > timedelta(minutes=1):
                mid = low + (high - low) / 2
                if modifier(mid) == current:
                    low = mid
                else:
                    high = mid
            change = high.replace(second=0, microsecond=0)
            segments.append((change, current))
            current = modifier(step)
        probe = step
    segments.append((end, current))
    return segments


def build_runs_report(session: Session, start: date, end: date, zone: ZoneInfo,
                      customer_id: int | None = None) -> RunsReport:
    """Per job of one customer (or all): counts over local days ``start``..``end``."""
    start_utc = local_midnight_utc(start, zone)
    end_utc = local_midnight_utc(end + timedelta(days=1), zone)
    in_period = and_(Run.started_at >= start_utc, Run.started_at < end_utc)
    job_filter = [] if customer_id is None else [Job.customer_id == customer_id]

    # 1. Runs per job and status.
    counts = session.execute(
        select(Run.job_id, Run.status, func.count())
        .join(Job, Job.id == Run.job_id)
        .where(in_period, *job_filter)
        .group_by(Run.job_id, Run.status)
    ).all()

    # 2. The jobs: every active job of the scope, and archived ones that ran in the period.
    job_rows = session.execute(
        select(Job.id, Job.customer_id, Customer.name, Job.product, Job.job_type, Job.job_name,
               Job.host, Job.archived)
        .join(Customer, Customer.id == Job.customer_id)
        .where(*job_filter)
        .where(or_(Job.archived.is_(False), Job.id.in_(select(Run.job_id).where(in_period))))
        .order_by(func.lower(Customer.name), func.lower(Job.job_name), Job.id)
    ).all()
    rows: dict[int, JobRow] = {}
    for job_id, cust_id, cust_name, product, job_type, job_name, host, archived in job_rows:
        rows[job_id] = JobRow(job_id, cust_id, cust_name, product, job_type or "",
                              f"{job_name} ({host})" if host else job_name, bool(archived))
    for job_id, status, number in counts:
        if job_id in rows and status in rows[job_id].counts:
            rows[job_id].counts[status] += int(number)

    # 3. Runs shown as success by an override.
    for job_id, number in session.execute(
        select(Run.job_id, func.count())
        .join(RunOverride, RunOverride.run_id == Run.id)
        .join(Job, Job.id == Run.job_id)
        .where(in_period, Run.status != "success", *job_filter)
        .group_by(Run.job_id)
    ):
        if job_id in rows:
            rows[job_id].overridden = int(number)

    # 4. Tickets of the jobs created in the period: set on the ticket, or linked to a run.
    ticket_jobs = union(
        select(Ticket.id.label("ticket_id"), Ticket.job_id.label("job_id"))
        .where(Ticket.job_id.is_not(None)),
        select(RunTicket.ticket_id, Run.job_id).join(Run, Run.id == RunTicket.run_id),
    ).subquery()
    for job_id, created, completed, resolved in session.execute(
        select(ticket_jobs.c.job_id, Ticket.created_at, Ticket.completed_at, Ticket.resolved_at)
        .join(Ticket, Ticket.id == ticket_jobs.c.ticket_id)
        .join(Job, Job.id == ticket_jobs.c.job_id)
        .where(Ticket.created_at >= start_utc, Ticket.created_at < end_utc, *job_filter)
    ):
        row = rows.get(job_id)
        if row is None:
            continue
        row.tickets += 1
        # Resolved = completed in Autotask, or resolved from Backupchecks, whichever came first.
        done = min((d for d in (completed, resolved) if d is not None), default=None)
        if done is not None:
            row.ticket_hours.append(max(0.0, (done - created).total_seconds()) / 3600.0)

    # 5. Runs per local day and status, for the chart.
    day = local_day_expr(Run.started_at, session.get_bind().dialect.name, zone, start_utc, end_utc)
    per_day: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(RUN_STATUSES, 0))
    for day_text, status, number in session.execute(
        select(day, Run.status, func.count())
        .join(Job, Job.id == Run.job_id)
        .where(in_period, *job_filter)
        .group_by(day, Run.status)
    ):
        if status in RUN_STATUSES and day_text:
            per_day[date.fromisoformat(str(day_text)[:10])][status] += int(number)

    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    totals = JobRow(0, 0, "", "", "", "All jobs", False)
    for row in rows.values():
        for status in RUN_STATUSES:
            totals.counts[status] += row.counts[status]
        totals.overridden += row.overridden
        totals.tickets += row.tickets
        totals.ticket_hours.extend(row.ticket_hours)
    return RunsReport(start, end, zone, customer_id, list(rows.values()), days,
                      {d: per_day[d] for d in days}, totals)


def customers_for_filter(session: Session) -> list[tuple[int, str]]:
    return [(cid, name) for cid, name in
            session.execute(select(Customer.id, Customer.name).order_by(func.lower(Customer.name)))]
