"""`backupchecks demo`: a realistic month of backups, made through the real import pipeline.

Report mails are generated per job and day (mostly successes, some warnings and
failures, a few nights without a report), imported like mails from the mailbox,
approved in the Inbox, and Autotask is pointed at the local simulator.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from backupchecks.demo.mailgen import SUPPORTED_STATUSES, generate_mail
from backupchecks.extensions import db
from backupchecks.mail.inbox import approve, waiting_jobs
from backupchecks.mail.pipeline import Importer, SourceMail
from backupchecks.models.jobs import Customer, Run
from backupchecks.models.types import utcnow
from backupchecks.settings.store import set_setting

SIMULATOR_URL = "http://127.0.0.1:8089"
DEMO_ZONE = "Europe/Amsterdam"


@dataclass(frozen=True)
class DemoJob:
    customer: str
    company_id: int | None  # the simulator's company id (101 = first company)
    product: str
    job_name: str
    host: str
    hour: int
    failure_rate: float = 0.05
    warning_rate: float = 0.08


DEMO_JOBS: tuple[DemoJob, ...] = (
    DemoJob("Acme Logistics", 101, "veeam_backup", "Daily VMs", "veeam01", 22, 0.10, 0.10),
    DemoJob("Acme Logistics", 101, "veeam_backup_copy", "Offsite copy", "veeam01", 2),
    DemoJob("Acme Logistics", 101, "veeam_m365", "Microsoft 365 mailboxes", "veeam01", 23),
    DemoJob("Brouwer Accountants", 102, "synology_hyperbackup", "Cloud-Backup zu Hetzner",
            "DiskStation", 1, 0.04, 0.05),
    DemoJob("Brouwer Accountants", 102, "veeam_agent_windows", "Laptop backup", "BRW-LT01", 12, 0.08),
    DemoJob("Cornelis Bouw", 103, "proxmox_ve", "Nightly guests", "pve1.cornelis.local", 21, 0.06),
    DemoJob("Cornelis Bouw", 103, "pbs_verify", "store1", "pbs1.cornelis.local", 5),
    DemoJob("De Vries Tandartsen", 104, "nakivo", "Practice servers", "nakivo01", 20, 0.05, 0.1),
    DemoJob("Eikenhof Zorg", 105, "acronis", "Workstations plan", "EZ-WS-014", 19, 0.07),
    DemoJob("Groen & Zonen", None, "duplicati", "Office NAS", "gz-nas", 3, 0.05),
)


class DemoError(Exception):
    pass


def _mails(days: int, now: datetime, zone: ZoneInfo, rng: random.Random) -> Iterator[SourceMail]:
    today = now.astimezone(zone).date()
    for job_index, job in enumerate(DEMO_JOBS):
        for back in range(days, 0, -1):
            day = today - timedelta(days=back - (1 if job.hour < 12 else 0))
            start = datetime.combine(day, time(job.hour, rng.randint(0, 20)), tzinfo=zone)
            if start > now - timedelta(hours=1):
                continue
            roll = rng.random()
            if back == 1 and job_index in (0, 5):
                roll = 0.04  # a failure last night, so the morning has work
            elif roll < 0.03:
                continue  # no report that night: the schedule check calls it missed
            status = ("failed" if roll < 0.03 + job.failure_rate else
                      "warning" if roll < 0.03 + job.failure_rate + job.warning_rate else "success")
            if status not in SUPPORTED_STATUSES[job.product]:
                status = "failed"
            raw = generate_mail(job.product, status, job_name=job.job_name, host=job.host,
                                customer=job.customer, started_at=start,
                                seed=job_index * 1000 + back)
            yield SourceMail(raw=raw, source="file", folder="demo",
                             received_at=start.astimezone(UTC) + timedelta(minutes=40))


def seed_demo(days: int = 30, *, now: datetime | None = None, seed: int = 7) -> dict[str, int]:
    """Fill an empty database; refuses one that already has customers."""
    if db.session.scalar(select(func.count(Customer.id))):
        raise DemoError("The database already has customers; the demo only fills an empty one.")
    now = now or utcnow()
    zone = ZoneInfo(DEMO_ZONE)
    set_setting("general.timezone", DEMO_ZONE, actor="demo")
    set_setting("general.company_name", "Demo MSP", actor="demo")
    db.session.commit()
    rng = random.Random(seed)
    importer = Importer(db.session, now=now)
    stats = importer.run(_mails(days, now, zone, rng))
    customers: dict[str, Customer] = {}
    for waiting in waiting_jobs(db.session):
        # Some products name no job (vzdump): the host tells whose it is then.
        demo = next((j for j in DEMO_JOBS if j.job_name == waiting.job_name), None) or next(
            (j for j in DEMO_JOBS if waiting.host and j.host == waiting.host), None)
        name = demo.customer if demo else "Demo customer"
        customer = customers.get(name) or db.session.scalar(select(Customer).where(Customer.name == name))
        if customer is None:
            job, _filed = approve(db.session, waiting.job_key, new_customer=name, now=now)
            customer = job.customer
            if demo and demo.company_id:
                customer.autotask_company_id = demo.company_id
                customer.autotask_company_name = _simulator_company_name(demo.company_id)
            customers[name] = customer
        else:
            approve(db.session, waiting.job_key, customer_id=customer.id, now=now)
        db.session.commit()
    # Yesterday and today wait for review, as on a real morning; older runs were done.
    cutoff = now - timedelta(hours=36)
    db.session.execute(update(Run).where(Run.started_at < cutoff, Run.reviewed_at.is_(None))
                       .values(reviewed_at=now))
    db.session.commit()
    from backupchecks.mail.schedules import check_missed

    missed = check_missed(db.session, zone, now)
    db.session.commit()
    _point_autotask_at_simulator()
    runs = db.session.scalar(select(func.count(Run.id))) or 0
    return {"mails": stats.imported, "customers": len(customers), "runs": runs,
            "missed": missed.missed}


def _simulator_company_name(company_id: int) -> str | None:
    from backupchecks.autotask.simulator import COMPANIES

    index = company_id - 101  # the simulator numbers its companies from 101
    return COMPANIES[index][0] if 0 <= index < len(COMPANIES) else None


def _point_autotask_at_simulator() -> None:
    from backupchecks.autotask.simulator import (
        DEMO_INTEGRATION_CODE,
        DEMO_SECRET,
        DEMO_USERNAME,
    )

    set_setting("autotask.username", DEMO_USERNAME, actor="demo")
    set_setting("autotask.secret", DEMO_SECRET, actor="demo")
    set_setting("autotask.integration_code", DEMO_INTEGRATION_CODE, actor="demo")
    set_setting("autotask.zone_lookup_url", f"{SIMULATOR_URL}/ATServicesRest/V1.0/zoneInformation",
                actor="demo")
    for key, value in (("autotask.default_queue", "29682969"), ("autotask.default_priority", "2"),
                       ("autotask.default_status", "1"), ("autotask.default_source", "4"),
                       ("autotask.completing_status", "5"), ("autotask.roc_queue", "29682969")):
        set_setting(key, value, actor="demo")
    db.session.commit()
