"""Small builders for domain rows in tests (runs normally come from the mail import)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from backupchecks.extensions import db
from backupchecks.models.jobs import Customer, Job, Run, RunObject


def make_customer(name: str = "Acme Logistics", **kw: Any) -> Customer:
    customer = Customer(name=name, **kw)
    db.session.add(customer)
    db.session.flush()
    return customer


def make_job(customer: Customer, name: str = "Daily VMs", product: str = "Veeam Backup & Replication",
             **kw: Any) -> Job:
    key = hashlib.sha256(f"{customer.id}|{product}|{name}|{kw.get('host')}".encode()).hexdigest()
    job = Job(customer_id=customer.id, product=product, job_type=kw.pop("job_type", "Backup"),
              job_name=name, match_key=key, **kw)
    db.session.add(job)
    db.session.flush()
    return job


def make_run(job: Job, status: str = "failed", *, started_at: datetime | None = None,
             objects: list[tuple[str, str, str | None]] | None = None, **kw: Any) -> Run:
    started = started_at or datetime.now(UTC) - timedelta(hours=2)
    run = Run(job_id=job.id, status=status, started_at=started,
              ended_at=started + timedelta(minutes=20), **kw)
    for name, obj_status, message in objects or [("VM01", status if status != "missed" else "failed",
                                                   None if status == "success" else "Disk full")]:
        run.objects.append(RunObject(name=name, status=obj_status, message=message, type="vm"))
    db.session.add(run)
    db.session.flush()
    return run
