"""A generous guard against gross slowdowns (the real figure: benchmarks/parse_speed.py)."""

from __future__ import annotations

import time

from backupchecks.demo.mailgen import sample_mails
from backupchecks.parsers import parse_mail


def test_parse_mail_is_fast():
    mails = sample_mails(120)
    for raw in mails[:20]:
        parse_mail(raw)
    began = time.process_time()
    for raw in mails:
        assert parse_mail(raw).result is not None
    per_mail = (time.process_time() - began) / len(mails)
    # Typically well under 1 ms; 10 ms leaves room for a loaded CI machine.
    assert per_mail < 0.010, f"{per_mail * 1000:.2f} ms per mail"
