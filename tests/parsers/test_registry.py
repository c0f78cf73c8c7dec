"""parse_mail: order, crashes, generic rules."""

from __future__ import annotations

import pytest

from backupchecks.parsers import PARSERS, GenericRule, parse_mail, registry
from backupchecks.parsers import veeam as veeam_module

from .conftest import fixture_bytes


def test_product_parsers_first_generic_last():
    names = [p.NAME for p in PARSERS]
    assert names[-1] == "generic"
    assert names.index("veeam_m365") < names.index("veeam")
    assert all(hasattr(p, "parse") and isinstance(p.VERSION, int) for p in PARSERS)


def test_order_decides_when_two_parsers_claim():
    raw = fixture_bytes("veeam-backup-copy-subject-success-body-warning.eml")
    greedy = GenericRule(name="anything veeam", product="Custom", sender_pattern=r"acme\.example",
                         success_words=("Success",), warning_words=("Warning",))
    # Alone, the rule claims the Veeam mail...
    from backupchecks.parsers.generic import parse_with_rules
    from backupchecks.parsers.message import decode_mail

    assert parse_with_rules(decode_mail(raw), [greedy]).product == "Custom"
    # ...but through the registry the Veeam parser comes first.
    outcome = parse_mail(raw, [greedy])
    assert outcome.parser == "veeam" and outcome.result.product == "Veeam Backup & Replication"


def test_crashing_parser_is_reported_and_others_still_run(monkeypatch):
    def boom(mail):
        raise RuntimeError("kaputt")

    monkeypatch.setattr(veeam_module, "parse", boom)
    outcome = parse_mail(fixture_bytes("pbs-gc-success.eml"))
    assert outcome.parser == "proxmox_backup_server" and outcome.result is not None
    assert outcome.error == "veeam: RuntimeError: kaputt"


def test_crash_on_unclaimed_mail_gives_error_and_no_result(monkeypatch):
    monkeypatch.setattr(veeam_module, "parse", lambda mail: 1 / 0)
    outcome = parse_mail(b"From: x@y.example\r\nSubject: hello\r\n\r\nnothing")
    assert outcome.result is None
    assert outcome.parser == "veeam"
    assert outcome.error.startswith("veeam: ZeroDivisionError:")


def test_decode_failure_is_an_outcome(monkeypatch):
    def broken(raw):
        raise MemoryError("no")

    monkeypatch.setattr(registry, "decode_mail", broken)
    outcome = parse_mail(b"x")
    assert outcome.result is None and outcome.error == "message: MemoryError: no"


@pytest.mark.parametrize("raw", [b"", b"\x00\xff" * 100, b"Subject: \r\n\r\n", b"\r\n\r\n\r\n"])
def test_garbage_is_unclaimed(raw):
    outcome = parse_mail(raw)
    assert outcome.result is None and outcome.error is None


@pytest.mark.parametrize("subject", ["Garbage Collect Datastore 'x' successful",
                                     "vzdump backup status (pve1): backup successful"])
def test_look_alike_subject_alone_is_not_enough(subject):
    raw = (f"From: someone@else.example\r\nSubject: {subject}\r\n\r\n"
           "Our newsletter about backups.\r\n").encode()
    assert parse_mail(raw).result is None
