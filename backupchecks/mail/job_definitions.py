"""Export and import of job definitions (JSON), for moving between installs.

A definition is what makes mails land on a job: customer, product, type, name,
host, and the schedule settings. The match key is recomputed on import, so a
file from another install files that install's mails here too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from backupchecks import audit
from backupchecks.mail.keys import job_key
from backupchecks.models.jobs import SCHEDULE_KINDS, Customer, Job

FORMAT = "backupchecks.jobs/1"
MAX_JOBS = 20_000


class DefinitionsError(ValueError):
    """A refused file; the message says which entry and why."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    customers_created: int = 0


def export_definitions(session: Session) -> dict[str, Any]:
    jobs = session.scalars(select(Job).options(joinedload(Job.customer))
                           .order_by(Job.customer_id, Job.job_name)).all()
    return {"format": FORMAT, "jobs": [{
        "customer": j.customer.name, "product": j.product, "job_type": j.job_type,
        "job_name": j.job_name, "host": j.host, "archived": j.archived,
        "schedule": {"kind": j.schedule_kind, "days": j.schedule_days,
                     "minute": j.schedule_minute, "source": j.schedule_source,
                     "missed_check": j.missed_check, "grace_hours": j.grace_hours},
    } for j in jobs]}


def _text(entry: dict[str, Any], name: str, index: int, *, required: bool = True,
          max_length: int = 300) -> str | None:
    value = entry.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DefinitionsError(f"Job {index}: '{name}' is missing.")
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise DefinitionsError(f"Job {index}: '{name}' must be text of at most {max_length} characters.")
    return value.strip()


def _schedule(entry: dict[str, Any], index: int) -> dict[str, Any]:
    raw = entry.get("schedule") or {}
    if not isinstance(raw, dict):
        raise DefinitionsError(f"Job {index}: 'schedule' must be an object.")
    kind = raw.get("kind")
    if kind not in (None, *SCHEDULE_KINDS):
        raise DefinitionsError(f"Job {index}: schedule kind {kind!r} is not one of "
                               f"{', '.join(SCHEDULE_KINDS)}.")
    minute = raw.get("minute")
    if minute is not None and not (isinstance(minute, int) and 0 <= minute < 1440):
        raise DefinitionsError(f"Job {index}: schedule minute must be 0-1439.")
    grace = raw.get("grace_hours", 6)
    if not (isinstance(grace, int) and 1 <= grace <= 168):
        raise DefinitionsError(f"Job {index}: grace_hours must be 1-168.")
    days = raw.get("days")
    if days is not None and (not isinstance(days, str) or len(days) > 40):
        raise DefinitionsError(f"Job {index}: schedule days must be text like '0,3'.")
    return {"schedule_kind": kind, "schedule_days": days, "schedule_minute": minute,
            "schedule_source": "manual" if raw.get("source") == "manual" else "learned",
            "missed_check": bool(raw.get("missed_check", True)), "grace_hours": grace}


def import_definitions(session: Session, data: bytes | str) -> ImportResult:
    """Create or update jobs from an exported file: all or nothing (the caller commits)."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise DefinitionsError("The file is not JSON (export one from the Jobs page).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DefinitionsError(f"The file is not a Backupchecks job export ({FORMAT}).")
    entries = document.get("jobs")
    if not isinstance(entries, list) or len(entries) > MAX_JOBS:
        raise DefinitionsError(f"'jobs' must be a list of at most {MAX_JOBS} entries.")
    customers = {c.name.casefold(): c for c in session.scalars(select(Customer))}
    jobs = {j.match_key: j for j in session.scalars(select(Job))}
    result = ImportResult()
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise DefinitionsError(f"Job {index}: not an object.")
        customer_name = _text(entry, "customer", index, max_length=200)
        product = _text(entry, "product", index, max_length=100)
        job_type = _text(entry, "job_type", index, required=False, max_length=100) or ""
        job_name = _text(entry, "job_name", index)
        host = _text(entry, "host", index, required=False, max_length=255)
        values = _schedule(entry, index)
        customer = customers.get(customer_name.casefold())  # type: ignore[union-attr]
        if customer is None:
            customer = Customer(name=customer_name, active=True)
            session.add(customer)
            customers[customer_name.casefold()] = customer  # type: ignore[union-attr]
            result.customers_created += 1
        key = job_key(product, job_type, job_name, host)
        job = jobs.get(key)
        if job is None:
            job = Job(customer=customer, product=product, job_type=job_type, job_name=job_name,
                      host=host, match_key=key, archived=bool(entry.get("archived", False)))
            session.add(job)
            jobs[key] = job
            result.created += 1
        else:
            job.customer = customer
            result.updated += 1
        for name, value in values.items():
            setattr(job, name, value)
    session.flush()
    audit.record("jobs.imported", "", f"{result.created} created, {result.updated} updated, "
                                      f"{result.customers_created} customer(s) created")
    return result
