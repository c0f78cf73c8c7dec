"""How many Autotask API calls the hot paths cost, and how long they take.

Runs against the local simulator seeded with a quarter of tickets, so the
figures are about call counts (the tenant's hourly budget is 10,000 requests,
shared by every integration), not about network latency.

    python benchmarks/autotask_calls.py [--tickets 20000] [--linked 1000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # runnable without installing the package
    sys.path.insert(0, str(_ROOT))

from backupchecks.autotask.client import AutotaskClient  # noqa: E402
from backupchecks.autotask.filters import F  # noqa: E402
from backupchecks.autotask.simulator import SimulatorServer  # noqa: E402
from backupchecks.autotask.tickets import resolve  # noqa: E402


class Counter:
    """on_request callback: counts API calls, leaving the zone lookup aside."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, method: str, path: str, status: int | None, elapsed: float) -> None:
        if path != "/zoneInformation":
            self.calls.append((method, path))


def measure(
    name: str, goal: str, counter: Counter, sim: SimulatorServer, action: Callable[[], Any]
) -> tuple[str, int, int, float, str]:
    counter.calls.clear()
    sim.clear_requests()
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    # Two independent counts: what the client reported and what the tenant saw.
    return name, len(counter.calls), len(sim.api_calls()), elapsed, goal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--time-entries", type=int, default=30_000)
    parser.add_argument("--linked", type=int, default=1_000)
    args = parser.parse_args(argv)

    rng = random.Random(7)
    with SimulatorServer() as sim:
        t0 = time.perf_counter()
        sizes = sim.seed(tickets=args.tickets, time_entries=args.time_entries)
        print(f"Seeded {sizes['tickets']:,} tickets and {sizes['timeentries']:,} time entries "
              f"over a quarter in {time.perf_counter() - t0:.1f}s\n")
        counter = Counter()
        client = AutotaskClient(sim.credentials(), on_request=counter)
        client.zone_information()  # one lookup per process, cached: not part of the figures

        linked = rng.sample(sorted(sim.state.tickets), args.linked)
        with_time = {e["ticketID"] for e in sim.state.time_entries.values()}
        quiet = next(t for t, row in sim.state.tickets.items()
                     if t not in with_time and row["status"] == 1)
        busy = next(t for t, row in sim.state.tickets.items()
                    if t in with_time and row["status"] == 1)
        queue = 29682969
        quarter = [F.eq("queueID", queue),
                   F.gte("createDate", min(r["createDate"] for r in sim.state.tickets.values()))]

        rows = [
            measure(f"Refresh status of {args.linked:,} linked tickets", "2 queries", counter,
                    sim, lambda: client.get_tickets(
                        linked, include_fields=["status", "ticketNumber", "completedDate"])),
            measure("Full resolution (no time entries -> complete)", "5-6 calls", counter, sim,
                    lambda: resolve(client, quiet, note_title="Resolved", note_text="Backup OK",
                                    resolution="Job succeeded again.", completing_status=5)),
            measure("Resolution left open (time entries)", "4 calls", counter, sim,
                    lambda: resolve(client, busy, note_title="Resolved", note_text="Backup OK",
                                    resolution="Job succeeded again.", completing_status=5)),
            measure("Reference-data sync (all ticket picklists)", "1 call", counter, sim,
                    client.ticket_fields),
            measure("Scorecard: one queue's tickets for the quarter", "1 per 500 rows",
                    counter, sim, lambda: client.query_all(
                        "Tickets", quarter,
                        include_fields=["status", "priority", "createDate", "completedDate"])),
        ]

    width = max(len(r[0]) for r in rows)
    print(f"{'Operation':<{width}}  {'calls':>5}  {'seen':>5}  {'time':>8}  goal")
    for name, calls, seen, elapsed, goal in rows:
        print(f"{name:<{width}}  {calls:>5}  {seen:>5}  {elapsed * 1000:>6.0f}ms  {goal}")
    print("\ncalls = counted by the client (on_request); seen = the simulator's request log")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
