"""The Run Checks list and its actions: review, mark as success, remarks.

The list is read in a fixed number of queries however many runs wait: runs
with job and customer (one), objects (one), overrides (one), tickets (one),
remarks (one), recent history (one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from backupchecks import audit
from backupchecks.extensions import db
from backupchecks.models.checks import Remark, RunOverride
from backupchecks.models.jobs import Customer, Job, Run
from backupchecks.models.tickets import RunTicket, Ticket
from backupchecks.models.types import utcnow
from backupchecks.timeutil import configured_zone, local_day_bounds, today_local

# Worst first: the order the operator should look at things.
STATUS_RANK = {"failed": 0, "missed": 1, "warning": 2, "override": 3, "success": 4}
# One page holds whole customers, worst first, until about this many runs.
PAGE_RUNS = 150
HISTORY_DAYS = 14


class ReviewError(ValueError):
    """A refused action; the message is shown to the person."""


@dataclass(frozen=True)
class Filters:
    statuses: tuple[str, ...] = ()
    customer_id: int | None = None
    product: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class RunRow:
    run: Run
    override: RunOverride | None
    tickets: list[Ticket]

    @property
    def shown_status(self) -> str:
        return "override" if self.override is not None else self.run.status


@dataclass
class JobGroup:
    job: Job
    rows: list[RunRow] = field(default_factory=list)
    history: list[tuple[date, str]] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)
    open_tickets: list[Ticket] = field(default_factory=list)

    @property
    def worst(self) -> str:
        return min((r.shown_status for r in self.rows), key=STATUS_RANK.__getitem__)


@dataclass
class CustomerGroup:
    customer: Customer
    jobs: list[JobGroup] = field(default_factory=list)

    @property
    def worst(self) -> str:
        return min((j.worst for j in self.jobs), key=STATUS_RANK.__getitem__)

    @property
    def run_count(self) -> int:
        return sum(len(j.rows) for j in self.jobs)


@dataclass
class Worklist:
    customers: list[CustomerGroup]
    total: int
    page: int = 1
    pages: int = 1

    @property
    def tickets(self) -> list[Ticket]:
        seen: dict[int, Ticket] = {}
        for c in self.customers:
            for j in c.jobs:
                for t in j.open_tickets:
                    seen[t.id] = t
                for r in j.rows:
                    for t in r.tickets:
                        seen[t.id] = t
        return list(seen.values())


def _filtered(query, filters: Filters):  # type: ignore[no-untyped-def]
    if filters.statuses:
        wanted = [s for s in filters.statuses if s in ("success", "warning", "failed", "missed")]
        if wanted:
            query = query.where(Run.status.in_(wanted))
    if filters.customer_id:
        query = query.where(Job.customer_id == filters.customer_id)
    if filters.product:
        query = query.where(Job.product == filters.product)
    zone = configured_zone()
    if filters.date_from:
        query = query.where(Run.started_at >= local_day_bounds(filters.date_from, zone)[0])
    if filters.date_to:
        query = query.where(Run.started_at < local_day_bounds(filters.date_to, zone)[1])
    return query


def _rank_expression():  # type: ignore[no-untyped-def]
    return case(
        (RunOverride.run_id.is_not(None), STATUS_RANK["override"]),
        *[(Run.status == status, rank) for status, rank in STATUS_RANK.items()
          if status != "override"],
        else_=STATUS_RANK["success"],
    )


def _pages(customer_rows: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Whole customers per page, worst first, about PAGE_RUNS runs a page."""
    pages: list[list[int]] = [[]]
    runs_on_page = 0
    for customer_id, count in customer_rows:
        if pages[-1] and runs_on_page + count > PAGE_RUNS:
            pages.append([])
            runs_on_page = 0
        pages[-1].append(customer_id)
        runs_on_page += count
    return pages


def worklist(filters: Filters = Filters(), page: int = 1) -> Worklist:  # noqa: B008 - frozen
    waiting = (
        select(Job.customer_id, Customer.name, func.min(_rank_expression()), func.count(Run.id))
        .select_from(Run).join(Run.job).join(Job.customer)
        .outerjoin(RunOverride, RunOverride.run_id == Run.id)
        .where(Run.reviewed_at.is_(None), Job.archived.is_(False))
        .group_by(Job.customer_id, Customer.name)
    )
    rows = db.session.execute(_filtered(waiting, filters)).all()
    if not rows:
        return Worklist([], 0)
    rows = sorted(rows, key=lambda r: (r[2], r[1].lower()))
    pages = _pages([(r[0], r[3]) for r in rows])
    page = min(max(page, 1), len(pages))
    total = sum(r[3] for r in rows)
    base = (
        select(Run).join(Run.job).join(Job.customer)
        .where(Run.reviewed_at.is_(None), Job.archived.is_(False),
               Job.customer_id.in_(pages[page - 1]))
        .options(contains_eager(Run.job).contains_eager(Job.customer), selectinload(Run.objects))
    )
    runs = db.session.scalars(
        _filtered(base, filters).order_by(Customer.name, Job.job_name, Run.started_at.desc())
    ).unique().all()
    run_ids = [r.id for r in runs]
    job_ids = {r.job_id for r in runs}

    overrides = {o.run_id: o for o in db.session.scalars(
        select(RunOverride).where(RunOverride.run_id.in_(run_ids)))}
    tickets_by_run: dict[int, list[Ticket]] = defaultdict(list)
    open_by_job: dict[int, list[Ticket]] = defaultdict(list)
    rows = db.session.execute(
        select(RunTicket.run_id, Ticket).join(Ticket, Ticket.id == RunTicket.ticket_id)
        .where(RunTicket.run_id.in_(run_ids))
    ).all()
    for run_id, ticket in rows:
        tickets_by_run[run_id].append(ticket)
    for ticket in db.session.scalars(select(Ticket).where(
            Ticket.job_id.in_(job_ids), Ticket.completed_at.is_(None),
            Ticket.resolved_at.is_(None), Ticket.missing.is_(False))):
        open_by_job[ticket.job_id].append(ticket)  # type: ignore[index]

    today = today_local()
    remarks_by_job: dict[int, list[Remark]] = defaultdict(list)
    for remark in db.session.scalars(select(Remark).where(
            Remark.job_id.in_(job_ids), or_(Remark.ends_on.is_(None), Remark.ends_on >= today))
            .order_by(Remark.created_at.desc())):
        remarks_by_job[remark.job_id].append(remark)

    zone = configured_zone()
    since = local_day_bounds(today - timedelta(days=HISTORY_DAYS - 1), zone)[0]
    history: dict[int, dict[date, str]] = defaultdict(dict)
    for job_id, started_at, status in db.session.execute(
        select(Run.job_id, Run.started_at, Run.status)
        .where(Run.job_id.in_(job_ids), Run.started_at >= since).order_by(Run.started_at)
    ):
        day = started_at.astimezone(zone).date()
        previous = history[job_id].get(day)
        # A day with a failure shows red even if a later run succeeded.
        if previous is None or STATUS_RANK[status] < STATUS_RANK[previous]:
            history[job_id][day] = status

    customers: dict[int, CustomerGroup] = {}
    jobs: dict[int, JobGroup] = {}
    for run in runs:
        group = jobs.get(run.job_id)
        if group is None:
            days = [today - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
            group = JobGroup(
                job=run.job,
                history=[(d, history[run.job_id].get(d, "none")) for d in days],
                remarks=remarks_by_job.get(run.job_id, []),
                open_tickets=open_by_job.get(run.job_id, []),
            )
            jobs[run.job_id] = group
            customer = customers.setdefault(run.job.customer_id, CustomerGroup(run.job.customer))
            customer.jobs.append(group)
        group.rows.append(RunRow(run, overrides.get(run.id), tickets_by_run.get(run.id, [])))
    ordered = sorted(customers.values(), key=lambda c: (STATUS_RANK[c.worst], c.customer.name.lower()))
    for c in ordered:
        c.jobs.sort(key=lambda j: (STATUS_RANK[j.worst], j.job.job_name.lower()))
    return Worklist(ordered, total, page, len(pages))


def filter_choices() -> dict[str, list]:
    """Customers and products that have runs waiting, for the filter form (two queries)."""
    waiting = select(Job.id).join(Run, Run.job_id == Job.id).where(Run.reviewed_at.is_(None))
    customers = db.session.execute(
        select(Customer.id, Customer.name).join(Job, Job.customer_id == Customer.id)
        .where(Job.id.in_(waiting)).distinct().order_by(Customer.name)).all()
    products = db.session.scalars(
        select(Job.product).where(Job.id.in_(waiting)).distinct().order_by(Job.product)).all()
    return {"customers": customers, "products": list(products)}


def count_waiting() -> int:
    return db.session.scalar(
        select(func.count(Run.id)).join(Run.job)
        .where(Run.reviewed_at.is_(None), Job.archived.is_(False))) or 0


# ------------------------------------------------------------------- actions

def mark_reviewed(run_ids: Iterable[int], user: object) -> int:
    ids = sorted({int(i) for i in run_ids})
    if not ids:
        raise ReviewError("Select at least one run.")
    runs = db.session.scalars(select(Run).where(Run.id.in_(ids), Run.reviewed_at.is_(None))).all()
    now = utcnow()
    for run in runs:
        run.reviewed_at = now
        run.reviewed_by_id = getattr(user, "id", None)
    if runs:
        audit.record("run.reviewed", f"{len(runs)} run(s)", ", ".join(str(r.id) for r in runs)[:2000])
    db.session.commit()
    return len(runs)


def mark_success(run_id: int, user: object) -> Run:
    """Show this run as success (by hand) and mark it reviewed."""
    run = db.session.get(Run, run_id)
    if run is None:
        raise ReviewError("This run does not exist (any more).")
    if run.status == "success":
        raise ReviewError("This run already succeeded.")
    if db.session.get(RunOverride, run.id) is None:
        db.session.add(RunOverride(run_id=run.id, by_user_id=getattr(user, "id", None),
                                   by_name=getattr(user, "email", None)))
    run.reviewed_at = utcnow()
    run.reviewed_by_id = getattr(user, "id", None)
    audit.record("run.marked_success", f"run {run.id}", f"job {run.job_id}, was {run.status}")
    db.session.commit()
    return run


def add_remark(*, job_id: int, user: object, text: str, run_id: int | None = None,
               object_name: str | None = None, ends_on: date | None = None) -> Remark:
    text = (text or "").strip()
    if not text:
        raise ReviewError("Write the remark first.")
    if len(text) > 4000:
        raise ReviewError("A remark is limited to 4,000 characters.")
    if ends_on is not None and ends_on < today_local():
        raise ReviewError("The end date lies in the past.")
    if db.session.get(Job, job_id) is None:
        raise ReviewError("This job does not exist (any more).")
    remark = Remark(job_id=job_id, run_id=run_id, object_name=(object_name or None), text=text,
                    ends_on=ends_on, created_by_id=getattr(user, "id", None),
                    created_by_name=getattr(user, "email", "") or "")
    db.session.add(remark)
    audit.record("remark.added", f"job {job_id}", text[:200])
    db.session.commit()
    return remark


def override_counts(rule_ids: Sequence[int]) -> dict[int, int]:
    if not rule_ids:
        return {}
    return dict(db.session.execute(
        select(RunOverride.override_id, func.count()).where(RunOverride.override_id.in_(rule_ids))
        .group_by(RunOverride.override_id)).all())


def reviewed_between(start: datetime, end: datetime) -> int:
    return db.session.scalar(select(func.count(Run.id)).where(
        and_(Run.reviewed_at >= start, Run.reviewed_at < end))) or 0


