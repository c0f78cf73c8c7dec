"""The quarterly PSA scorecard against a simulator holding a busy quarter.

Seeds 20,000 tickets and 50,000 time entries over 91 days, then computes the
quarterly scorecard of the "Backup (ROC)" queue three times:

1. cold: every row fetched from Autotask (the API calls are the figure to watch),
2. repeat: served from the report cache (goal: 0 API calls, under 50 ms),
3. the computation alone over the cached rows (goal: under 1 s).

    python benchmarks/scorecard.py [--tickets 20000] [--time-entries 50000] [--database URL]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # runnable without installing the package
    sys.path.insert(0, str(_ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from backupchecks import create_app  # noqa: E402
from backupchecks.autotask import cache  # noqa: E402
from backupchecks.autotask.client import AutotaskClient  # noqa: E402
from backupchecks.autotask.filters import MAX_IN_VALUES, chunks  # noqa: E402
from backupchecks.autotask.simulator import SimulatorServer  # noqa: E402
from backupchecks.extensions import db  # noqa: E402
from backupchecks.reports import fetch, psa  # noqa: E402
from backupchecks.reports import scorecard as sc  # noqa: E402
from backupchecks.settings import set_setting  # noqa: E402
from backupchecks.timeutil import configured_zone  # noqa: E402

ROC_QUEUE = 29682969


class Calls:
    """on_request callback: API calls per endpoint, the zone lookup left aside."""

    def __init__(self) -> None:
        self.paths: Counter[str] = Counter()

    def __call__(self, method: str, path: str, status: int | None, elapsed: float) -> None:
        if path != "/zoneInformation":
            self.paths[f"{method} {path}"] += 1

    @property
    def total(self) -> int:
        return sum(self.paths.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--time-entries", type=int, default=50_000)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="bc-scorecard-")
    url = args.database or f"sqlite:///{os.path.join(workdir, 'bench.db')}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark-" + "x" * 32,
                      "ENCRYPTION_KEY": Fernet.generate_key().decode(), "TESTING": True})

    with SimulatorServer() as sim, app.app_context():
        from flask_migrate import upgrade

        upgrade()
        t0 = time.perf_counter()
        sizes = sim.seed(tickets=args.tickets, time_entries=args.time_entries, days=91)
        print(f"Seeded {sizes['tickets']:,} tickets and {sizes['timeentries']:,} time entries "
              f"over 91 days in {time.perf_counter() - t0:.1f}s")
        creds = sim.credentials()
        set_setting("autotask.username", creds.username)
        set_setting("autotask.secret", creds.secret)
        set_setting("autotask.integration_code", creds.integration_code)
        set_setting("autotask.zone_lookup_url", sim.zone_lookup_url)
        db.session.commit()
        calls = Calls()

        def client_factory() -> AutotaskClient:
            return AutotaskClient(sim.credentials(), on_request=calls)

        with client_factory() as client:
            ref = cache.refresh(client)  # reference data: synced once by the admin, not per view
        db.session.commit()
        calls.paths.clear()

        zone = configured_zone()
        today = datetime.now(UTC).astimezone(zone).date()
        start, end = today - timedelta(days=91), today
        queue = psa.Queue(ROC_QUEUE, "Backup (ROC)")

        def card(**kwargs: Any) -> tuple[psa.Scorecard, float]:
            began = time.perf_counter()
            result = psa.build_scorecard(queue, start, end, client_factory=client_factory,
                                         ref=ref, zone=zone, **kwargs)
            return result, time.perf_counter() - began

        cold, cold_time = card()
        cold_calls = dict(calls.paths)
        calls.paths.clear()
        warm, warm_time = card()
        warm_calls = calls.total

        # What the rows need at least: pages of 500, time entries in batches of 498 ids.
        weeks = sc.week_starts(start, end)
        start_utc, end_utc = sc.period_bounds_utc(weeks, zone)
        rows = fetch.read(fetch.period_key("rows", ROC_QUEUE, start_utc, end_utc))
        assert rows is not None
        tickets, entries = rows[0]["tickets"], rows[0]["time_entries"]
        per_ticket = Counter(e["ticketID"] for e in entries)
        ids = sorted(int(t["id"]) for t in tickets)
        batch_pages = sum(max(1, math.ceil(sum(per_ticket[i] for i in batch) / MAX_IN_VALUES))
                          for batch in chunks(ids, MAX_IN_VALUES - 2))
        ticket_pages = max(1, math.ceil(len(tickets) / MAX_IN_VALUES))

        began = time.perf_counter()
        psa.compute_figures(rows[0], weeks, zone, ref, start_utc, end_utc)
        compute_time = time.perf_counter() - began

    ticket_calls = sum(n for p, n in cold_calls.items() if "/Tickets/" in p)
    entry_calls = sum(n for p, n in cold_calls.items() if "/TimeEntries/" in p)
    print(f"\nQueue {queue.name}, {start} to {end} ({len(weeks)} weeks, "
          f"{len(cold.quarters)} quarters), time zone {zone.key}")
    print(f"  rows: {len(tickets):,} tickets, {len(entries):,} time entries")
    print("\nCold (rows fetched from Autotask)")
    print(f"  API calls        {sum(cold_calls.values()):>4}   "
          f"(tickets {ticket_calls}, time entries {entry_calls})")
    print(f"  pages needed     {ticket_pages + batch_pages:>4}   (tickets ⌈{len(tickets)}/500⌉ = "
          f"{ticket_pages}; time entries per 498-id batch = {batch_pages}; "
          f"⌈{len(entries)}/500⌉ = {math.ceil(len(entries) / 500)} if no batching were needed)")
    for path, count in sorted(cold_calls.items()):
        print(f"    {count:>4}  {path}")
    print(f"  wall time        {cold_time * 1000:>7.0f} ms (fetch + compute + cache write)")
    print(f"\nComputation alone  {compute_time * 1000:>7.0f} ms   (goal < 1000 ms)")
    print(f"\nCached repeat      {warm_time * 1000:>7.1f} ms   API calls {warm_calls}   "
          f"(goal < 50 ms, 0 calls)  cached={warm.cached}")
    quarter = cold.quarters[-1]
    print(f"\nLast quarter {quarter['quarter']}: {quarter['weeks']} weeks, opened/week "
          f"{quarter['opened']}, closed/week {quarter['closed']}, same-day "
          f"{quarter['same_day_close_rate']} %, avg resolution {quarter['avg_resolution_hours']} h, "
          f"utilisation {quarter['utilisation']} %")
    ok = warm_calls == 0 and warm_time < 0.05 and compute_time < 1.0 and \
        sum(cold_calls.values()) == ticket_pages + batch_pages
    print("\nAll goals met." if ok else "\nA goal was missed (see above).")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
