"""The Tickets & remarks page's data, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from backupchecks.extensions import db
from backupchecks.models.checks import Remark
from backupchecks.models.jobs import Customer, Job
from backupchecks.models.tickets import RunTicket, Ticket
from backupchecks.models.users import User
from backupchecks.timeutil import today_local

PAGE_SIZE = 200


@dataclass
class TicketRow:
    ticket: Ticket
    customer: Customer | None
    job: Job | None
    run_ids: list[int] = field(default_factory=list)
    created_by: str = ""


def ticket_rows(state: str = "open", customer_id: int | None = None) -> list[TicketRow]:
    query = select(Ticket).order_by(Ticket.created_at.desc()).limit(PAGE_SIZE)
    if state == "open":
        query = query.where(Ticket.completed_at.is_(None), Ticket.resolved_at.is_(None),
                            Ticket.missing.is_(False))
    elif state == "closed":
        query = query.where(or_(Ticket.completed_at.is_not(None), Ticket.resolved_at.is_not(None),
                                Ticket.missing.is_(True)))
    if customer_id:
        query = query.where(Ticket.customer_id == customer_id)
    tickets = db.session.scalars(query).all()
    if not tickets:
        return []
    ids = [t.id for t in tickets]
    customers = {c.id: c for c in db.session.scalars(
        select(Customer).where(Customer.id.in_({t.customer_id for t in tickets if t.customer_id})))}
    jobs = {j.id: j for j in db.session.scalars(
        select(Job).where(Job.id.in_({t.job_id for t in tickets if t.job_id})))}
    users = dict(db.session.execute(select(User.id, User.email).where(
        User.id.in_({t.created_by_id for t in tickets if t.created_by_id}))).all())
    runs: dict[int, list[int]] = defaultdict(list)
    for ticket_id, run_id in db.session.execute(
            select(RunTicket.ticket_id, RunTicket.run_id).where(RunTicket.ticket_id.in_(ids))
            .order_by(RunTicket.run_id)):
        runs[ticket_id].append(run_id)
    return [TicketRow(t, customers.get(t.customer_id), jobs.get(t.job_id), runs.get(t.id, []),
                      users.get(t.created_by_id, "") if t.created_by_id else "") for t in tickets]


def active_remarks() -> list[tuple[Remark, Job]]:
    today = today_local()
    return list(db.session.execute(
        select(Remark, Job).join(Job, Job.id == Remark.job_id)
        .where(or_(Remark.ends_on.is_(None), Remark.ends_on >= today))
        .options(selectinload(Job.customer)).order_by(Remark.created_at.desc()).limit(PAGE_SIZE)
    ).tuples().all())


def open_ticket_count() -> int:
    return db.session.scalar(select(func.count(Ticket.id)).where(
        Ticket.completed_at.is_(None), Ticket.resolved_at.is_(None), Ticket.missing.is_(False))) or 0
