"""Veeam specifics: status from the body, retries, summaries, CSS-free layouts, times."""

from __future__ import annotations

from datetime import UTC, datetime

from backupchecks.parsers import parse_mail, veeam, veeam_m365
from backupchecks.parsers.message import decode_mail

from .conftest import fixture_bytes


def _replace(raw: bytes, old: bytes, new: bytes) -> bytes:
    assert old in raw
    return raw.replace(old, new)


def test_body_result_beats_subject():
    mail = decode_mail(fixture_bytes("veeam-backup-copy-subject-success-body-warning.eml"))
    assert "[Success]" in mail.subject
    assert veeam.parse(mail).status == "warning"


def test_subject_result_used_when_body_has_none():
    raw = fixture_bytes("veeam-replica-success-midnight.eml")
    mail = decode_mail(raw)
    mail.html = mail.html.replace(">Success</td></tr>", "></td></tr>", 1)
    mail.subject = "[Failed] DR replica (1 objects)"
    assert veeam.parse(mail).status == "failed"


def test_counters_used_when_body_and_subject_are_silent():
    mail = decode_mail(fixture_bytes("veeam-backup-failed-retry2-de.eml"))
    mail.html = mail.html.replace(">Failed</td></tr>", "></td></tr>", 1)
    mail.subject = "Server Tagessicherung"
    assert veeam.parse(mail).status == "failed"  # "Error 1" in the counters


def test_retry_number_and_clean_job_name():
    result = parse_mail(fixture_bytes("veeam-backup-failed-retry2-de.eml")).result
    assert (result.is_retry, result.retry_number) == (True, 2)
    assert result.job_name == "Server Tagessicherung"


def test_first_run_is_not_a_retry():
    result = parse_mail(fixture_bytes("veeam-backup-warning-nl-forwarded.eml")).result
    assert (result.is_retry, result.retry_number) == (False, None)


def test_layout_without_css_classes():
    raw = fixture_bytes("veeam-backup-warning-nl-forwarded.eml")
    assert b"class=" not in raw
    result = parse_mail(raw).result
    assert len(result.objects) == 3


def test_folded_encoded_subject_is_unfolded():
    result = parse_mail(fixture_bytes("veeam-backup-warning-nl-forwarded.eml")).result
    assert result.subject == "FW: [Warning] Dagelijkse VM's (3 objects) 1 warning"


def test_daily_report_is_a_summary():
    raw = _replace(fixture_bytes("veeam-replica-success-midnight.eml"),
                   b"Subject: [Success] DR replica (1 objects)",
                   b"Subject: Veeam daily report: 12 jobs")
    result = parse_mail(raw).result
    assert result.is_summary and result.status is None


def test_unknown_object_status_needs_a_look():
    mail = decode_mail(fixture_bytes("veeam-replica-success-midnight.eml"))
    mail.html = mail.html.replace(">Success</td><td nowrap", ">Pending</td><td nowrap", 1)
    result = veeam.parse(mail)
    assert result.objects[0].status == "warning"


def test_m365_mail_is_left_to_the_m365_parser():
    mail = decode_mail(fixture_bytes("veeam-m365-warning.eml"))
    assert veeam.parse(mail) is None
    assert veeam_m365.parse(mail).host == "contoso.onmicrosoft.com"
    # ...and the other way round.
    assert veeam_m365.parse(decode_mail(fixture_bytes("veeam-agent-linux-failed.eml"))) is None


def test_times_use_the_date_header_offset_when_it_fits():
    # Session 22:00:14 local, Date +0100 and consistent with the end: 21:00:14Z.
    result = parse_mail(fixture_bytes("veeam-backup-warning-nl-forwarded.eml")).result
    assert result.started_at == datetime(2026, 1, 12, 21, 0, 14, tzinfo=UTC)


def test_times_without_date_header_are_utc():
    raw = fixture_bytes("veeam-backup-warning-nl-forwarded.eml")
    raw = b"\r\n".join(line for line in raw.split(b"\r\n") if not line.startswith(b"Date:"))
    result = parse_mail(raw).result
    assert result.started_at == datetime(2026, 1, 12, 22, 0, 14, tzinfo=UTC)


def test_html_without_veeam_layout_is_not_claimed():
    raw = (b"From: veeam@x.example\r\nSubject: [Success] hello\r\nContent-Type: text/html\r\n\r\n"
           b"<html><body><p>Veeam newsletter: what's new</p></body></html>")
    assert veeam.parse(decode_mail(raw)) is None
