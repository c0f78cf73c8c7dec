"""Page speed at MSP scale: Run Checks, Dashboard and Customers with 500 customers,
2,000 jobs and 90 days of runs. Prints server time and SQL query count per page.

    python benchmarks/run_checks.py [--database-url URL] [--customers 500] [--jobs 2000] [--days 90]

Goal: each page under 300 ms server time, a query count that does not grow with rows.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402

from backupchecks import create_app  # noqa: E402
from backupchecks.extensions import db  # noqa: E402
from backupchecks.models.jobs import Customer, Job, Run, RunObject  # noqa: E402
from backupchecks.models.users import User  # noqa: E402
from backupchecks.security.passwords import hash_password  # noqa: E402

PRODUCTS = ["Veeam Backup & Replication", "Synology Hyper Backup", "Proxmox VE",
            "NAKIVO Backup & Replication", "Acronis Cyber Protect Cloud", "Duplicati"]


def build(customers: int, jobs: int, days: int, unreviewed_days: int) -> int:
    rng = random.Random(1)
    now = datetime.now(UTC)
    db.session.execute(insert(Customer), [
        {"id": i + 1, "name": f"Customer {i:04d}", "active": True, "created_at": now,
         "autotask_company_id": 1000 + i if i % 3 else None} for i in range(customers)])
    db.session.execute(insert(Job), [
        {"id": j + 1, "customer_id": j % customers + 1, "product": PRODUCTS[j % len(PRODUCTS)],
         "job_type": "Backup", "job_name": f"Job {j:05d}", "host": f"host{j % 97}",
         "match_key": f"{j:064d}", "archived": False, "created_at": now, "schedule_source": "learned",
         "missed_check": True, "grace_hours": 6} for j in range(jobs)])
    run_id = 0
    object_id = 0
    total = 0
    for day in range(days, 0, -1):
        runs, objects = [], []
        for j in range(jobs):
            run_id += 1
            roll = rng.random()
            status = "failed" if roll < 0.04 else "warning" if roll < 0.1 else "success"
            started = now - timedelta(days=day, hours=-rng.randint(0, 3))
            reviewed = None if day <= unreviewed_days else started + timedelta(hours=10)
            runs.append({"id": run_id, "job_id": j + 1, "status": status, "started_at": started,
                         "ended_at": started + timedelta(minutes=30), "is_retry": False,
                         "retry_number": 0, "created_at": started, "reviewed_at": reviewed})
            for k in range(3):
                object_id += 1
                objects.append({"id": object_id, "run_id": run_id, "name": f"VM{k}",
                                "type": "vm", "status": status if k == 0 else "success",
                                "message": "Snapshot failed" if k == 0 and status != "success" else None})
        db.session.execute(insert(Run), runs)
        db.session.execute(insert(RunObject), objects)
        total += len(runs)
    db.session.commit()
    return total


def measure(client, path: str, repeat: int = 5) -> tuple[float, int, int]:
    counter = {"n": 0}

    def before(*_a, **_k):
        counter["n"] += 1

    times = []
    for _ in range(repeat):
        counter["n"] = 0
        event.listen(db.engine, "before_cursor_execute", before)
        t0 = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        event.remove(db.engine, "before_cursor_execute", before)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times), counter["n"], len(response.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--unreviewed-days", type=int, default=1)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    app = create_app({"SECRET_KEY": "bench-secret-key-0123456789", "TESTING": True,
                      "ENCRYPTION_KEY": Fernet.generate_key().decode(), "SQLALCHEMY_DATABASE_URI": url,
                      "WTF_CSRF_ENABLED": False})
    os.environ.setdefault("BACKUPCHECKS_LOG_LEVEL", "WARNING")
    with app.app_context():
        from flask_migrate import upgrade

        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        t0 = time.perf_counter()
        runs = build(args.customers, args.jobs, args.days, args.unreviewed_days)
        print(f"built {args.customers} customers, {args.jobs} jobs, {runs} runs, {runs * 3} objects "
              f"in {time.perf_counter() - t0:.1f} s on {db.engine.dialect.name}")
        db.session.add(User(email="bench@example.com", password_hash=hash_password("bench password"),
                            role="operator"))
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.com", "password": "bench password"})
    print(f"{'page':<34} {'median ms':>10} {'queries':>8} {'KiB':>8}")
    with app.app_context():
        for path in ("/run-checks/", "/run-checks/?status=failed", "/", "/customers/", "/jobs/"):
            ms, queries, size = measure(client, path)
            print(f"{path:<34} {ms:>10.1f} {queries:>8} {size / 1024:>8.0f}")


if __name__ == "__main__":
    main()
