"""decode_mail / decode_body_only on the mails that arrive in real mailboxes."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

from backupchecks.parsers import parse_mail
from backupchecks.parsers.message import (
    decode_body_only,
    decode_mail,
    html_to_text,
    looks_like_mail,
)

from .conftest import fixture_bytes


def test_headers_decoded():
    mail = decode_mail(fixture_bytes("veeam-backup-warning-nl-forwarded.eml"))
    assert mail.sender == "veeam@klant.example"  # lower-cased
    assert mail.sender_name == "Veeam Backup"
    assert mail.message_id == "<fw-0001@klant.example>"
    assert mail.date == datetime(2026, 1, 12, 21, 47, 58, tzinfo=UTC)
    assert mail.date_offset == timedelta(hours=1)
    assert mail.html and "Dagelijkse" in mail.text


def test_missing_message_id_and_date():
    mail = decode_mail(b"From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n")
    assert mail.message_id is None and mail.date is None
    assert mail.text.strip() == "body"


def test_unknown_charset_falls_back():
    raw = (b"From: a@b.example\r\nSubject: =?x-made-up?q?Gr=FC=DFe?=\r\n"
           b"Content-Type: text/plain; charset=x-made-up\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           ) + "Größe: 1,2 GB\r\n".encode()
    mail = decode_mail(raw)
    assert mail.subject == "Grüße"  # not utf-8: read as cp1252
    assert "Größe: 1,2 GB" in mail.text  # utf-8 bytes decode as utf-8


def test_latin1_body_that_is_not_utf8():
    raw = (b"From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           b"Dauer: 14 Minuten \xfcber\r\n")
    assert "Minuten über" in decode_mail(raw).text


def test_raw_8bit_utf8_subject():
    raw = "From: a@b.example\r\nSubject: Sicherung erfolgreich – Größe\r\n\r\nx".encode()
    assert decode_mail(raw).subject == "Sicherung erfolgreich – Größe"


def test_malformed_mime_does_not_raise():
    raw = (b"From: a@b.example\r\nSubject: broken\r\nContent-Type: multipart/mixed; "
           b"boundary=\"nope\"\r\n\r\nno boundary ever appears\r\n--other\r\nContent-Type: "
           b"text/html\r\n\r\n<p>x")
    mail = decode_mail(raw)
    assert mail.subject == "broken"
    assert parse_mail(raw).result is None


def test_truncated_mail_keeps_what_arrived():
    raw = fixture_bytes("veeam-backup-failed-retry2-de.eml")
    cut = raw[: len(raw) // 2]
    mail = decode_mail(cut)
    assert mail.subject.startswith("[Failed]")
    outcome = parse_mail(cut)  # may or may not be claimed, must not raise
    assert outcome.error is None


def test_bad_base64_and_quoted_printable():
    raw = (b"From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64 at all===\r\n")
    assert isinstance(decode_mail(raw).text, str)
    raw = (b"From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\nbad =ZZ escape =\r\n")
    assert "bad" in decode_mail(raw).text


def test_big_attachment_is_recorded_not_decoded():
    payload = base64.encodebytes(b"\x00" * (30 * 1024 * 1024))
    raw = (b"From: veeam@x.example\r\nSubject: [Success] big\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\n"
           b"Content-Type: text/plain\r\n\r\nsee attachment\r\n--BB\r\n"
           b"Content-Type: application/octet-stream; name=\"log.bin\"\r\n"
           b"Content-Disposition: attachment; filename=\"log.bin\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + payload + b"\r\n--BB--\r\n")
    began = time.perf_counter()
    mail = decode_mail(raw)
    elapsed = time.perf_counter() - began
    assert mail.text.strip() == "see attachment"
    assert mail.attachments == [("log.bin", "application/octet-stream", 30 * 1024 * 1024)]
    assert elapsed < 10  # recorded, not decoded into text


def test_inline_text_attachment_with_filename_is_an_attachment():
    raw = (b"From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           b"--B\r\nContent-Type: text/plain\r\n\r\nbody\r\n--B\r\nContent-Type: text/html; "
           b"name=report.html\r\nContent-Disposition: attachment; filename=report.html\r\n\r\n"
           b"<p>detailed</p>\r\n--B--\r\n")
    mail = decode_mail(raw)
    assert mail.html is None and mail.text.strip() == "body"
    assert mail.attachments[0][:2] == ("report.html", "text/html")


def test_html_with_scripts_and_styles():
    html = ("<html><head><style>td{color:red}</style><script>var x='<td>Failed</td>';</script>"
            "</head><body><table><tr><td>Name</td><td>Status</td></tr><tr><td>VM1</td><td>"
            "Success</td></tr></table><!-- <td>Error</td> --></body></html>")
    text = html_to_text(html)
    assert text == "Name\tStatus\nVM1\tSuccess"


def test_pre_blocks_keep_their_lines():
    assert html_to_text("<p>a</p><pre>1: x\n2:  y</pre><p>b &amp; c</p>") == "a\n1: x\n2:  y\nb & c"


def test_looks_like_mail():
    assert looks_like_mail(fixture_bytes("pbs-gc-success.eml"))
    assert not looks_like_mail(b"<html><body>x</body></html>")
    assert not looks_like_mail(b"Duplicati Backup report for test\n\nParsedResult: Success\n")
    assert not looks_like_mail(b"")
    mbox = b"From MAILER-DAEMON Mon Jan 12 22:00:00 2026\n" + fixture_bytes("pbs-gc-success.eml")
    assert looks_like_mail(mbox)
    assert decode_mail(mbox).subject == "Garbage Collect Datastore 'backup-store' successful"


def test_body_only_reads_typed_header_lines():
    mail = decode_body_only(b"Van: NAS <sns@synologynotification.com>\nOnderwerp: Taak x\n\n"
                            b"<p>body</p>")
    assert (mail.sender, mail.subject) == ("sns@synologynotification.com", "Taak x")
    assert mail.html == "\n<p>body</p>" and mail.text == "body"


def test_body_only_plain_text():
    mail = decode_body_only(b"just text\nParsedResult: Success\n")
    assert mail.html is None and mail.subject == "" and "ParsedResult" in mail.text


def test_str_input_is_accepted():
    assert decode_mail("From: a@b.example\r\nSubject: s\r\n\r\nx").subject == "s"  # type: ignore[arg-type]


def test_stdlib_fallback_gives_the_same_view(monkeypatch):
    from backupchecks.parsers import message

    names = ["veeam-backup-warning-nl-forwarded.eml", "proxmox-ve-legacy-failed.eml",
             "veeam-replica-success-midnight.eml", "synology-abb-warning-de.eml"]
    fast = [message.decode_mail(fixture_bytes(n)) for n in names]

    def broken(raw):
        raise ValueError("fast path unavailable")

    monkeypatch.setattr(message, "_decode_fast", broken)
    slow = [message.decode_mail(fixture_bytes(n)) for n in names]
    for a, b in zip(fast, slow, strict=True):
        assert (a.subject, a.sender, a.sender_name, a.message_id, a.date, a.date_offset) == (
            b.subject, b.sender, b.sender_name, b.message_id, b.date, b.date_offset)
        assert (a.text.strip(), (a.html or "").strip()) == (b.text.strip(), (b.html or "").strip())


def test_multipart_boundaries():
    raw = (b"From: a@b.example\r\nSubject: s\r\nContent-Type: multipart/alternative; "
           b"boundary=\"abc\"\r\n\r\npreamble --abc not a delimiter\r\n--abc\r\n"
           b"Content-Type: text/plain\r\n\r\nfirst --abc inline\r\n--abcdef\r\nstill first\r\n"
           b"--abc\r\nContent-Type: text/html\r\n\r\n<p>second</p>\r\n--abc--\r\nepilogue\r\n")
    mail = decode_mail(raw)
    assert mail.text == "first --abc inline\r\n--abcdef\r\nstill first"
    assert mail.html == "<p>second</p>"


def test_missing_closing_boundary_keeps_last_part():
    raw = (b"From: a@b.example\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           b"--B\r\nContent-Type: text/plain\r\n\r\ncut off here")
    assert decode_mail(raw).text == "cut off here"


def test_nested_multipart_and_rfc2231_filename():
    raw = (b"From: a@b.example\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=O\r\n\r\n"
           b"--O\r\nContent-Type: multipart/alternative; boundary=I\r\n\r\n--I\r\n"
           b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: "
           b"quoted-printable\r\n\r\nGr=FC=DFe\r\n--I--\r\n--O\r\nContent-Type: application/pdf\r\n"
           b"Content-Disposition: attachment; filename*=utf-8''Bericht%20M%C3%A4rz.pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--O--\r\n")
    mail = decode_mail(raw)
    assert mail.text.strip() == "Grüße"
    assert mail.attachments == [("Bericht März.pdf", "application/pdf", 9)]
