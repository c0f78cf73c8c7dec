"""Job list and run history for the Jobs pages; archive and schedule changes.

Every list is read in a fixed number of queries, whatever the number of jobs or runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.orm import Session, contains_eager, selectinload

from backupchecks import audit
from backupchecks.mail.schedules import Schedule, parse_days, schedule_of
from backupchecks.models.jobs import SCHEDULE_KINDS, Customer, Job, Run
from backupchecks.models.types import utcnow

RATE_DAYS = 30
STRIP_DAYS = 30
_SEVERITY = {"success": 0, "warning": 1, "missed": 2, "failed": 3}


class JobError(Exception):
    """A job change that cannot be made; the message is shown on the form."""


@dataclass(frozen=True)
class JobRow:
    job: Job
    last_run_at: datetime | None
    last_status: str | None
    runs: int
    success_rate: float | None  # 0..1 over RATE_DAYS, None without runs
    schedule: Schedule | None


PAGE_SIZE = 200


def count_jobs(session: Session, *, archived: bool = False, customer_id: int | None = None) -> int:
    query = select(func.count(Job.id)).where(Job.archived.is_(archived))
    if customer_id is not None:
        query = query.where(Job.customer_id == customer_id)
    return session.scalar(query) or 0


def job_rows(session: Session, *, archived: bool = False, customer_id: int | None = None,
             now: datetime | None = None, page: int = 1,
             page_size: int | None = None) -> list[JobRow]:
    """Jobs with customer, schedule, last run and success rate: four queries."""
    now = now or utcnow()
    query = (select(Job).join(Job.customer).options(contains_eager(Job.customer))
             .where(Job.archived.is_(archived))
             .order_by(func.lower(Customer.name), func.lower(Job.job_name), Job.id))
    if customer_id is not None:
        query = query.where(Job.customer_id == customer_id)
    size = page_size or PAGE_SIZE
    jobs = session.scalars(query.offset((max(page, 1) - 1) * size).limit(size)).all()
    if not jobs:
        return []
    ids = [j.id for j in jobs]
    since = now - timedelta(days=RATE_DAYS)
    # Two narrow aggregates: the last start is answered from the (job_id, started_at)
    # index, the rate only reads the last RATE_DAYS of runs.
    last_start = dict(session.execute(
        select(Run.job_id, func.max(Run.started_at)).where(Run.job_id.in_(ids))
        .group_by(Run.job_id)).all())
    recent_counts = {row[0]: row[1:] for row in session.execute(
        select(Run.job_id, func.count(Run.id),
               func.sum(case((Run.status == "success", 1), else_=0)))
        .where(Run.job_id.in_(ids), Run.started_at >= since).group_by(Run.job_id))}
    stats = {job_id: (last, *recent_counts.get(job_id, (0, 0)))
             for job_id, last in last_start.items()}
    latest = [(job_id, row[0]) for job_id, row in stats.items() if row[0] is not None]
    last_status: dict[int, str] = {}
    if latest:
        for job_id, status in session.execute(
            select(Run.job_id, Run.status)
            .where(tuple_(Run.job_id, Run.started_at).in_(latest))
        ):
            last_status[job_id] = status
    rows = []
    for job in jobs:
        last_at, recent, ok = stats.get(job.id, (None, 0, 0))
        rows.append(JobRow(job, last_at, last_status.get(job.id), int(recent or 0),
                           (int(ok or 0) / int(recent)) if recent else None, schedule_of(job)))
    rows.sort(key=lambda r: (r.job.customer.name.lower(), r.job.job_name.lower()))
    return rows


def job_runs(session: Session, job_id: int, *, limit: int = 100,
             offset: int = 0) -> list[Run]:
    """Latest runs of a job with their objects: two queries."""
    return list(session.scalars(
        select(Run).options(selectinload(Run.objects)).where(Run.job_id == job_id)
        .order_by(Run.started_at.desc(), Run.id.desc()).offset(offset).limit(limit)))


def calendar_strip(runs: Sequence[tuple[datetime, str]], today: date, zone: ZoneInfo,
                   days: int = STRIP_DAYS) -> list[tuple[date, str | None, int]]:
    """(day, worst status that day or None, number of runs), oldest first. Pure."""
    per_day: dict[date, list[str]] = defaultdict(list)
    for started, status in runs:
        per_day[started.astimezone(zone).date()].append(status)
    out = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        statuses = per_day.get(day, [])
        worst = max(statuses, key=lambda s: _SEVERITY.get(s, 0)) if statuses else None
        out.append((day, worst, len(statuses)))
    return out


def strip_for(session: Session, job_id: int, today: date, zone: ZoneInfo) -> list[
        tuple[date, str | None, int]]:
    since = utcnow() - timedelta(days=STRIP_DAYS + 1)
    rows = session.execute(select(Run.started_at, Run.status)
                           .where(Run.job_id == job_id, Run.started_at >= since)).all()
    return calendar_strip([(r[0], r[1]) for r in rows], today, zone)


def set_archived(job: Job, archived: bool) -> None:
    if job.archived == archived:
        return
    job.archived = archived
    job.archived_at = utcnow() if archived else None
    audit.record("job.archived" if archived else "job.unarchived", f"job {job.id}",
                 job.display_name)


def set_schedule(job: Job, *, kind: str, days: str = "", at: str = "",
                 missed_check: bool = True, grace_hours: int | None = None) -> None:
    """Set the schedule by hand (kind "learned" hands it back to learning; "none" = none)."""
    if kind not in ("learned", "none", *SCHEDULE_KINDS):
        raise JobError("Choose a schedule.")
    if grace_hours is not None and not 1 <= grace_hours <= 168:
        raise JobError("The grace period is 1 to 168 hours.")
    before = describe(job)
    if kind == "learned":
        job.schedule_source = "learned"
    elif kind == "none":
        job.schedule_source = "manual"
        job.schedule_kind = job.schedule_days = job.schedule_minute = None
    else:
        minute = _minute(at)
        parsed_days = parse_days(days)
        if kind == "weekly" and (not parsed_days or max(parsed_days) > 6):
            raise JobError("Weekly: give weekdays as numbers, Monday = 0 (e.g. 0,3).")
        if kind == "monthly" and (len(parsed_days) != 1 or not 1 <= parsed_days[0] <= 31):
            raise JobError("Monthly: give one day of the month (1-31).")
        schedule = Schedule(kind, parsed_days if kind in ("weekly", "monthly") else (), minute)
        job.schedule_source = "manual"
        job.schedule_kind, job.schedule_days = schedule.kind, schedule.days_text
        job.schedule_minute = schedule.minute
    job.missed_check = missed_check
    if grace_hours is not None:
        job.grace_hours = grace_hours
    audit.record("job.schedule", f"job {job.id}", f"{before} -> {describe(job)}")


def _minute(text: str) -> int:
    try:
        hours, minutes = (int(p) for p in (text or "").strip().split(":"))
    except ValueError:
        raise JobError("Give the time as HH:MM.") from None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise JobError("Give the time as HH:MM.")
    return hours * 60 + minutes


def describe(job: Job) -> str:
    schedule = schedule_of(job)
    text = schedule.describe() if schedule else "no schedule"
    source = "set by hand" if job.schedule_source == "manual" else "learned"
    check = "" if job.missed_check else ", missed-run check off"
    return f"{text} ({source}{check})"
