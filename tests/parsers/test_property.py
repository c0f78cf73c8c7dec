"""parse_mail never raises, whatever bytes arrive: random, mutated, truncated."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backupchecks.demo.mailgen import PRODUCTS, SUPPORTED_STATUSES, generate_mail
from backupchecks.parsers import GenericRule, parse_mail
from backupchecks.parsers.base import STATUSES
from backupchecks.parsers.message import decode_body_only, decode_mail

from .conftest import FIXTURES

_START = datetime(2026, 1, 12, 21, 0, tzinfo=UTC)
_SEEDS = [
    generate_mail(p, SUPPORTED_STATUSES[p][-1], job_name="job", host="h.example", customer="C",
                  started_at=_START, seed=1)
    for p in PRODUCTS
] + [f.read_bytes() for f in sorted(FIXTURES.glob("*.eml"))]

_RULES = [GenericRule(name="r", product="P", subject_pattern=r"(?P<job>\w+)",
                      body_pattern=r"(a|b)*c", success_words=("ok",), failure_words=("fail",))]
_SETTINGS = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(raw: bytes) -> None:
    outcome = parse_mail(raw, _RULES)
    assert outcome.error is None, outcome.error  # no parser may crash on any input
    if outcome.result is not None:
        result = outcome.result
        assert result.status in STATUSES or (result.status is None and result.is_summary)
        assert result.job_name
        for moment in (result.started_at, result.ended_at):
            assert moment is None or moment.utcoffset().total_seconds() == 0
        result.to_dict()


@_SETTINGS
@given(st.binary(max_size=4000))
def test_random_bytes(raw):
    _check(raw)
    decode_body_only(raw)


@_SETTINGS
@given(st.sampled_from(_SEEDS), st.data())
def test_mutated_real_mails(seed, data):
    raw = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 12))):
        action = data.draw(st.sampled_from(("flip", "cut", "insert", "delete")))
        pos = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if action == "flip" and raw:
            raw[pos] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del raw[pos:]
        elif action == "insert":
            raw[pos:pos] = data.draw(st.sampled_from(
                (b"\r\n\r\n", b"<table>", b"</td>", b"=?utf-8?b?", b"--", b"\x00", b"\xff\xfe",
                 b"Content-Type: multipart/mixed; boundary=x\r\n", b"(Retry 99999999999)",
                 b"Start time", b"1/1/0001 99:99:99")))
        else:
            del raw[pos:pos + data.draw(st.integers(1, 200))]
    _check(bytes(raw))


@_SETTINGS
@given(st.text(max_size=300), st.text(max_size=2000))
def test_random_subject_and_body(subject, body):
    raw = ("From: x@y.example\r\nSubject: " + subject.replace("\r", " ").replace("\n", " ")
           + "\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body).encode("utf-8",
                                                                                 "surrogatepass")
    _check(raw)
    decode_mail(raw)
