"""Expected schedules, learned from run history, and the *missed* runs they imply.

The pure part (``learn``, ``slots``, ``missed_slots``) works on datetimes and a time
zone only, so it is tested without a database. ``check_missed`` applies it to every
job: two queries to read, one bulk insert to write.
"""

from __future__ import annotations

import calendar
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backupchecks.models.jobs import Job, Run
from backupchecks.models.types import utcnow

MIN_RUN_DAYS = 4          # days with a run before a schedule is guessed
MIN_SPAN_DAYS = 7         # a week must be seen to tell daily from weekdays from weekly
MIN_MONTHLY_SPAN = 50     # two month boundaries
ACTIVE_RATIO = 0.6        # a weekday with runs on at least 60% of its dates is scheduled
QUIET_RATIO = 0.25        # ... and one with runs on at most 25% is not
LEARN_WINDOW = timedelta(days=60)
LOOKBACK = timedelta(days=7)      # never report missed runs older than this
MATCH_WINDOW = timedelta(hours=12)  # a run this close to a slot fills it
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Schedule:
    kind: str                     # daily | weekdays | weekly | monthly
    days: tuple[int, ...] = ()    # weekly: weekdays (Monday=0); monthly: (day of month,)
    minute: int = 0               # expected start, minutes after local midnight

    def describe(self) -> str:
        at = f"at {self.minute // 60:02d}:{self.minute % 60:02d}"
        if self.kind == "daily":
            return f"Daily {at}"
        if self.kind == "weekdays":
            return f"Weekdays {at}"
        if self.kind == "weekly":
            return f"Weekly on {', '.join(DAY_NAMES[d] for d in self.days)} {at}"
        return f"Monthly on day {self.days[0] if self.days else 1} {at}"

    def runs_on(self, day: date) -> bool:
        if self.kind == "daily":
            return True
        if self.kind == "weekdays":
            return day.weekday() < 5
        if self.kind == "weekly":
            return day.weekday() in self.days
        wanted = self.days[0] if self.days else 1
        # Day 31 in a 30-day month means the month's last day.
        return day.day == min(wanted, calendar.monthrange(day.year, day.month)[1])

    @property
    def days_text(self) -> str | None:
        return ",".join(str(d) for d in self.days) or None


def schedule_of(job: Job) -> Schedule | None:
    if not job.schedule_kind:
        return None
    return Schedule(job.schedule_kind, parse_days(job.schedule_days), job.schedule_minute or 0)


def parse_days(text: str | None) -> tuple[int, ...]:
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if (part.isascii() and part.isdigit()):
            out.append(int(part))
    return tuple(sorted(set(out)))


def _dates_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def learn(starts: Sequence[datetime], zone: ZoneInfo) -> Schedule | None:
    """Guess the schedule behind these run start times, or None when there is no clear one."""
    local = sorted(s.astimezone(zone) for s in starts)
    run_days = sorted({s.date() for s in local})
    if len(run_days) < MIN_RUN_DAYS:
        return None
    minute = int(statistics.median(s.hour * 60 + s.minute for s in local))
    first, last = run_days[0], run_days[-1]
    span = (last - first).days + 1
    if span >= MIN_MONTHLY_SPAN and len({d.day for d in run_days}) == 1:
        return Schedule("monthly", (run_days[0].day,), minute)
    if span < MIN_SPAN_DAYS:
        return None
    possible: dict[int, int] = defaultdict(int)
    for d in _dates_between(first, last):
        possible[d.weekday()] += 1
    seen: dict[int, int] = defaultdict(int)
    for d in run_days:
        seen[d.weekday()] += 1
    ratio = {w: seen[w] / possible[w] for w in range(7)}
    active = tuple(w for w in range(7) if ratio[w] >= ACTIVE_RATIO)
    if not active or any(QUIET_RATIO < ratio[w] < ACTIVE_RATIO for w in range(7)):
        return None  # some weekday is neither clearly on nor clearly off
    if len(active) == 7:
        return Schedule("daily", (), minute)
    if active == (0, 1, 2, 3, 4):
        return Schedule("weekdays", (), minute)
    return Schedule("weekly", active, minute)


def slots(schedule: Schedule, zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Expected start instants (UTC) in [start, end)."""
    out = []
    at = time(schedule.minute // 60 % 24, schedule.minute % 60)
    for day in _dates_between(start.astimezone(zone).date() - timedelta(days=1),
                              end.astimezone(zone).date()):
        if not schedule.runs_on(day):
            continue
        instant = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if start <= instant < end:
            out.append(instant)
    return out


def missed_slots(schedule: Schedule, zone: ZoneInfo, run_starts: Sequence[datetime], *,
                 since: datetime, now: datetime, grace: timedelta) -> list[datetime]:
    """Slots after ``since`` whose grace period is over and that no run filled."""
    starts = sorted(run_starts)
    out = []
    for slot in slots(schedule, zone, since, now - grace + timedelta(seconds=1)):
        if not any(abs(s - slot) <= MATCH_WINDOW for s in starts):
            out.append(slot)
    return out


@dataclass
class MissedResult:
    learned: int = 0
    missed: int = 0


def check_missed(session: Session, zone: ZoneInfo, now: datetime | None = None) -> MissedResult:
    """Re-learn schedules and record missed runs for every active job (idempotent).

    Does not commit.
    """
    from backupchecks.mail.pipeline import insert_ignoring_duplicates

    now = now or utcnow()
    jobs = session.scalars(select(Job).where(Job.archived.is_(False))).all()
    if not jobs:
        return MissedResult()
    runs: dict[int, list[tuple[datetime, str, datetime | None]]] = defaultdict(list)
    for job_id, started, status, expected in session.execute(
        select(Run.job_id, Run.started_at, Run.status, Run.expected_at)
        .where(Run.started_at >= now - LEARN_WINDOW)
    ):
        runs[job_id].append((started, status, expected))
    result = MissedResult()
    rows = []
    for job in jobs:
        real = [s for s, status, _ in runs[job.id] if status != "missed"]
        if job.schedule_source != "manual":
            learned = learn(real, zone)
            if learned is not None and learned != schedule_of(job):
                job.schedule_kind, job.schedule_days = learned.kind, learned.days_text
                job.schedule_minute = learned.minute
                result.learned += 1
        schedule = schedule_of(job)
        if schedule is None or not job.missed_check:
            continue
        since = max(now - LOOKBACK, min(real) if real else job.created_at)
        known = {e for _, status, e in runs[job.id] if status == "missed" and e is not None}
        for slot in missed_slots(schedule, zone, real, since=since, now=now,
                                 grace=timedelta(hours=job.grace_hours)):
            if slot not in known:
                rows.append({"job_id": job.id, "status": "missed", "started_at": slot,
                             "expected_at": slot, "is_retry": False, "retry_number": 0,
                             "created_at": now})
    if rows:
        # ON CONFLICT: a second checker running at the same moment adds nothing.
        inserted = session.execute(
            insert_ignoring_duplicates(session, Run.__table__).values(rows)
            .returning(Run.__table__.c.id)).all()
        result.missed = len(inserted)
    return result
