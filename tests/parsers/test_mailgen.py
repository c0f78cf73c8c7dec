"""Every generated mail parses back to what it was generated from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backupchecks.demo.mailgen import (
    PRODUCTS,
    RETRY_PRODUCTS,
    SUPPORTED_STATUSES,
    default_objects,
    expected_host,
    expected_job_name,
    generate_mail,
    sample_mails,
)
from backupchecks.parsers import parse_mail
from backupchecks.parsers.message import decode_mail

START = datetime(2026, 1, 12, 21, 0, 5, tzinfo=UTC)
COMBOS = [(p, s) for p in PRODUCTS for s in SUPPORTED_STATUSES[p]]


def _job(product: str) -> str:
    # vzdump jobs are named after their storage, PBS jobs after their datastore.
    return "backup-store" if product.startswith(("pbs_", "proxmox_ve")) else "Nightly Servers"


@pytest.mark.parametrize("product, status", COMBOS)
def test_round_trip(product, status):
    host = "srv01.koller.example"
    raw = generate_mail(product, status, job_name=_job(product), host=host,
                        customer="Koller GmbH", started_at=START, seed=7)
    outcome = parse_mail(raw)
    assert outcome.error is None
    r = outcome.result
    assert r is not None, f"{product}/{status} not claimed"
    assert r.job_name == expected_job_name(product, _job(product))
    assert r.host == expected_host(product, host)
    assert r.status == status
    assert not r.is_summary and not r.is_retry
    if product.startswith("pbs_"):
        assert [o.status for o in r.objects] == [status] * len(r.objects) and r.objects
    else:
        expected = default_objects(product, status, host=host, seed=7)
        assert [(o.name, o.status, o.message) for o in r.objects] == expected
    if r.started_at is not None:
        assert r.started_at == START  # local time in a random zone, back to the same UTC
    if r.ended_at is not None:
        assert r.ended_at > START


def test_every_product_carries_start_times_where_the_product_prints_them():
    undated = {p for p in PRODUCTS if p in ("pbs_verify", "pbs_prune", "pbs_sync")}
    for product in PRODUCTS:
        if product in undated:
            continue
        status = SUPPORTED_STATUSES[product][0]
        raw = generate_mail(product, status, job_name=_job(product), host="h1.example",
                            customer="C", started_at=START, seed=1)
        assert parse_mail(raw).result.started_at == START, product


@pytest.mark.parametrize("product", ["veeam_backup", "veeam_m365", "nakivo", "proxmox_ve",
                                     "proxmox_ve_legacy", "synology_abb", "synology_abb_de"])
def test_explicit_objects_round_trip(product):
    objects = [("101 alpha", "success", None), ("102 beta", "warning", "disk almost full"),
               ("103 gamma", "failed", "snapshot failed: timeout")]
    raw = generate_mail(product, "failed", job_name="pool-a", host="h1.example", customer="C",
                        started_at=START, objects=objects, seed=3)
    result = parse_mail(raw).result
    assert [(o.name, o.status, o.message) for o in result.objects] == objects


@pytest.mark.parametrize("product", sorted(RETRY_PRODUCTS))
def test_retry_round_trip(product):
    raw = generate_mail(product, "failed", job_name="Nightly", host="h1.example", customer="C",
                        started_at=START, retry=3, seed=2)
    result = parse_mail(raw).result
    assert (result.is_retry, result.retry_number, result.job_name) == (True, 3, "Nightly")


def test_retry_ignored_where_the_product_has_none():
    raw = generate_mail("duplicati", "success", job_name="Docs", host="h", customer="C",
                        started_at=START, retry=2)
    assert not parse_mail(raw).result.is_retry


def test_deterministic_with_seed_and_distinct_without():
    kwargs = dict(job_name="J", host="h.example", customer="C", started_at=START)
    assert generate_mail("nakivo", "success", seed=5, **kwargs) == generate_mail(
        "nakivo", "success", seed=5, **kwargs)
    assert generate_mail("nakivo", "success", seed=5, **kwargs) != generate_mail(
        "nakivo", "success", seed=6, **kwargs)


def test_headers_and_message_id():
    raw = generate_mail("veeam_backup", "success", job_name="A very long job name " * 4,
                        host="h", customer="Koller GmbH", started_at=START,
                        message_id="<given@id.example>", seed=1)
    mail = decode_mail(raw)
    assert mail.message_id == "<given@id.example>"
    assert b"\r\n " in raw.split(b"\r\n\r\n", 1)[0]  # long subject folded
    assert mail.subject.startswith("[Success] A very long job name A very long")
    assert mail.date is not None and mail.date > START


def test_naive_start_is_utc():
    raw = generate_mail("duplicati", "success", job_name="Docs", host="h", customer="C",
                        started_at=START.replace(tzinfo=None), seed=1)
    assert parse_mail(raw).result.started_at == START


def test_unknown_product_and_unsupported_status():
    with pytest.raises(ValueError, match="unknown product"):
        generate_mail("tape-o-matic", "success", job_name="j", host="h", customer="c",
                      started_at=START)
    with pytest.raises(ValueError, match="cannot report"):
        generate_mail("pbs_gc", "warning", job_name="j", host="h", customer="c",
                      started_at=START)


def test_sample_mails_cover_all_products():
    mails = sample_mails(len(COMBOS))
    parsers = {parse_mail(m).result.parser for m in mails}
    assert parsers == {"veeam", "veeam_m365", "synology", "nakivo", "proxmox_ve",
                       "proxmox_backup_server", "acronis", "duplicati"}
    assert len(set(mails)) == len(mails)
