"""Mail import speed: N realistic report mails through the real pipeline.

    python benchmarks/import_mail.py 5000
    python benchmarks/import_mail.py 5000 --database-url postgresql://postgres@127.0.0.1/bench

Writes N generated mails (every product of backupchecks.demo.mailgen, a share of
retries and failures) into an mbox file, approves their jobs, then times importing
the mbox through files.iter_paths -> pipeline, the same path `backupchecks mail
import` takes. Prints mails/second and the peak memory of the import (tracemalloc
on a second, smaller pass would distort timing, so the import is timed without it and
its memory is measured as the growth of the process's peak RSS). The database is
emptied first: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backupchecks import create_app  # noqa: E402
from backupchecks.demo.mailgen import (  # noqa: E402
    PRODUCTS,
    RETRY_PRODUCTS,
    SUPPORTED_STATUSES,
    generate_mail,  # noqa: E402
)
from backupchecks.extensions import db  # noqa: E402

JOBS_PER_PRODUCT = 10


def job_specs() -> list[tuple[str, str, str, str]]:
    return [(product, f"Job {product} {i}", f"srv{i:02d}", f"Customer {i % 7}")
            for product in PRODUCTS for i in range(JOBS_PER_PRODUCT)]


def mails(n: int, start: datetime, tag: str = "run") -> Iterator[bytes]:
    """N mails spread over the jobs, one run per job per day; every 10th Veeam one retried."""
    specs = job_specs()
    for i in range(n):
        product, job, host, customer = specs[i % len(specs)]
        day = i // len(specs)
        statuses = SUPPORTED_STATUSES[product]
        status = statuses[0] if i % 5 else statuses[-1]
        retry = 1 if product in RETRY_PRODUCTS and i % 10 == 3 else None
        yield generate_mail(product, status, job_name=job, host=host, customer=customer,
                            started_at=start + timedelta(days=day, minutes=i % 50),
                            retry=retry, message_id=f"<bench-{tag}-{i}@bench.example>", seed=i)


def write_mbox(path: Path, raws: Iterator[bytes]) -> int:
    count = 0
    with path.open("wb") as fh:
        for raw in raws:
            fh.write(b"From bench@example Mon Jan  1 00:00:00 2024\n")
            body = raw.replace(b"\r\n", b"\n")
            # mboxrd quoting, so the reader gives back the bytes we wrote.
            lines = [b">" + line if line.lstrip(b">").startswith(b"From ") else line
                     for line in body.split(b"\n")]
            fh.write(b"\n".join(lines))
            if not body.endswith(b"\n"):
                fh.write(b"\n")
            fh.write(b"\n")
            count += 1
    return count


def reset(app) -> None:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade
    from sqlalchemy import text

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()


def approve_all() -> int:
    from backupchecks.mail import inbox

    groups = inbox.waiting_jobs(db.session)
    for i, group in enumerate(groups):
        inbox.approve(db.session, group.job_key, new_customer=f"Customer {i % 40}")
    db.session.commit()
    return len(groups)


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=5000, help="mails to import")
    parser.add_argument("--database-url", default=None,
                        help="scratch database (default: a temporary SQLite file)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--trace-memory", action="store_true",
                        help="also measure Python allocations with tracemalloc (slower)")
    parser.add_argument("--profile", metavar="FILE", help="write cProfile stats of the import")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bc-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 32,
                      "ENCRYPTION_KEY": "u6Wc2n1YAlw9n4WtN4d8tX2mIY1P2uZbKqmu4h0r2Y0="})
    reset(app)
    from backupchecks.mail.files import iter_paths
    from backupchecks.mail.pipeline import Importer

    start = datetime(2026, 1, 5, 21, 0, tzinfo=UTC)
    seed_box = workdir / "seed.mbox"
    box = workdir / "bench.mbox"
    t0 = time.perf_counter()
    write_mbox(seed_box, mails(len(job_specs()), start - timedelta(days=30), "seed"))
    written = write_mbox(box, mails(args.n, start))
    gen_s = time.perf_counter() - t0
    size_mib = box.stat().st_size / 2**20

    with app.app_context():
        Importer(db.session).run(iter_paths([seed_box]))
        jobs = approve_all()
        db.session.remove()

        rss_before = peak_rss_kib()
        if args.trace_memory:
            tracemalloc.start()
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        stats = Importer(db.session).run(iter_paths([box]), batch_size=args.batch_size)
        if args.profile:
            profiler.disable()
            profiler.dump_stats(args.profile)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        traced = tracemalloc.get_traced_memory()[1] if args.trace_memory else None
        rss_growth = max(0, peak_rss_kib() - rss_before)

    backend = url.split(":", 1)[0]
    print(f"backend           {backend}")
    print(f"mails             {written} ({size_mib:.1f} MiB mbox, generated in {gen_s:.1f}s)")
    print(f"jobs approved     {jobs}")
    print(f"result            {stats.summary()}")
    print(f"import time       {elapsed:.2f} s wall, {cpu:.2f} s CPU (this process)")
    print(f"throughput        {written / elapsed:,.0f} mails/s")
    print(f"peak RSS growth   {rss_growth / 1024:.1f} MiB during the import")
    if traced is not None:
        print(f"tracemalloc peak  {traced / 2**20:.1f} MiB (timing above includes its overhead)")
    if not args.database_url:
        os.remove(workdir / "bench.db")


if __name__ == "__main__":
    main()
