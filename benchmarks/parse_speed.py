"""Parse speed: mails per second through parse_mail over generated mails of every product.

Run: .venv/bin/python benchmarks/parse_speed.py [count]
Reports CPU time (stable on a busy machine) and wall time.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backupchecks.demo.mailgen import PRODUCTS, SUPPORTED_STATUSES, sample_mails  # noqa: E402
from backupchecks.parsers import parse_mail  # noqa: E402


def main(count: int = 2000) -> None:
    combos = [(p, s) for p in PRODUCTS for s in SUPPORTED_STATUSES[p]]
    mails = sample_mails(count)
    for raw in mails[: len(combos)]:  # warm up: regex compilation, imports
        parse_mail(raw)
    per_product: dict[str, float] = defaultdict(float)
    per_count: dict[str, int] = defaultdict(int)
    unclaimed = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for index, raw in enumerate(mails):
        began = time.process_time()
        if parse_mail(raw).result is None:
            unclaimed += 1
        product = combos[index % len(combos)][0]
        per_product[product] += time.process_time() - began
        per_count[product] += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    size = sum(len(m) for m in mails) / len(mails)
    print(f"{len(mails)} mails, {len(PRODUCTS)} products, avg {size / 1024:.1f} KiB, "
          f"{unclaimed} unclaimed")
    print(f"CPU:  {len(mails) / cpu:,.0f} mails/s ({cpu / len(mails) * 1e6:.0f} µs/mail)")
    print(f"wall: {len(mails) / wall:,.0f} mails/s ({wall / len(mails) * 1e6:.0f} µs/mail)")
    for product in PRODUCTS:
        print(f"  {product:<26} {per_product[product] / per_count[product] * 1e6:6.0f} µs/mail")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
