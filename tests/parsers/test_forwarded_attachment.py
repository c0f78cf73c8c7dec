"""A report forwarded "as attachment" is read through the attached mail."""

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP

from backupchecks.demo.mailgen import generate_mail
from backupchecks.parsers import parse_mail


def _forwarded(inner: bytes) -> bytes:
    outer = EmailMessage()
    outer["From"] = "Helpdesk <helpdesk@customer.example>"
    outer["To"] = "backupreports@msp.example"
    outer["Subject"] = "FW: backup report"
    outer["Message-ID"] = "<fw-1@customer.example>"
    outer.set_content("See the attached report.\n")
    outer.add_attachment(inner, maintype="message", subtype="rfc822")
    return outer.as_bytes(policy=SMTP)


def test_report_forwarded_as_attachment_is_parsed_from_the_inner_mail():
    inner = generate_mail("veeam_backup", "failed", job_name="Daily VMs", host="veeam01",
                          customer="Acme", started_at=datetime(2026, 11, 20, 22, 0, tzinfo=UTC))
    outcome = parse_mail(_forwarded(inner))
    assert outcome.parser == "veeam"
    assert outcome.result.job_name == "Daily VMs" and outcome.result.status == "failed"


def test_forwarded_mail_nobody_knows_stays_unclaimed():
    outcome = parse_mail(_forwarded(b"From: a@b.example\r\nSubject: hello\r\n\r\njust a note\r\n"))
    assert outcome.result is None


def test_a_claimed_outer_mail_is_not_replaced_by_its_attachment():
    import email
    from email.policy import default

    outer = email.message_from_bytes(generate_mail(
        "duplicati", "success", job_name="Office NAS", host="nas", customer="X",
        started_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC)), policy=default)
    inner = generate_mail("veeam_backup", "failed", job_name="Daily VMs", host="veeam01",
                          customer="Acme", started_at=datetime(2026, 11, 20, 22, 0, tzinfo=UTC))
    outer.add_attachment(inner, maintype="message", subtype="rfc822")
    outcome = parse_mail(outer.as_bytes(policy=SMTP))
    assert outcome.parser == "duplicati" and outcome.result.job_name == "Office NAS"
