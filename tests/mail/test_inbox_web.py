"""Inbox pages and actions, the safe mail view, and who may do what."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.mail import inbox
from backupchecks.models.jobs import Customer, Job, Run
from backupchecks.models.mail import Mail, ParserRule
from backupchecks.models.settings import AuditEntry
from tests.mail.conftest import START, count, junk_mail, make_mail, run_import

EVIL_HTML = (
    b"From: Veeam Backup <veeam@msp.example>\r\nTo: b@msp.example\r\n"
    b"Subject: [Success] Evil job (1 objects)\r\nMessage-ID: <evil@x>\r\n"
    b"Date: Tue, 03 Nov 2026 06:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b"<html><body><h1>Report</h1><script>document.title='pwned'</script>"
    b"<img src=x onerror=\"alert(1)\"><a href=\"javascript:alert(2)\">click</a>"
    b"<iframe src=\"https://evil.example/\"></iframe><p style=\"color:red\">kept</p>"
    b"</body></html>\r\n"
)


def waiting_key() -> str:
    return inbox.waiting_jobs(db.session)[0].job_key


def test_inbox_lists_waiting_jobs_and_unparsed_mails(as_viewer):
    run_import(make_mail(status="failed"), make_mail(start=START + timedelta(days=1)),
               junk_mail())
    page = as_viewer.get("/inbox/").get_data(as_text=True)
    assert "Daily VMs" in page and "2 mail(s)" in page
    assert 'class="approve-form' not in page  # a viewer gets no action buttons
    unparsed = as_viewer.get("/inbox/?tab=unparsed").get_data(as_text=True)
    assert "Lunch on Friday? 1" in unparsed
    assert "No parser recognised this mail." in unparsed


def test_operator_approves_with_a_new_customer_and_waiting_mails_are_filed(as_operator):
    run_import(make_mail(status="failed"), make_mail(start=START + timedelta(days=1)))
    response = as_operator.post("/inbox/approve", data={"job_key": waiting_key(),
                                                       "new_customer": "Bakkerij Jansen"})
    assert response.status_code == 302
    job = db.session.scalar(select(Job))
    assert job.customer.name == "Bakkerij Jansen" and job.job_name == "Daily VMs"
    assert count(Run, Run.job_id == job.id) == 2
    assert inbox.waiting_jobs(db.session) == []
    assert db.session.scalar(select(AuditEntry.actor).where(AuditEntry.action == "job.approved")) \
        == "operator@example.com"
    # Later mails of the job go straight to a run.
    stats = run_import(make_mail(start=START + timedelta(days=2)))
    assert stats.filed == 1


def test_approve_for_an_existing_customer_and_refusals(as_operator):
    customer = Customer(name="Acme")
    db.session.add(customer)
    db.session.commit()
    run_import(make_mail())
    key = waiting_key()
    refused = as_operator.post("/inbox/approve", data={"job_key": key}, follow_redirects=True)
    assert "Choose a customer" in refused.get_data(as_text=True)
    assert count(Job) == 0
    as_operator.post("/inbox/approve", data={"job_key": key, "customer_id": str(customer.id)})
    assert db.session.scalar(select(Job.customer_id)) == customer.id
    unknown = as_operator.post("/inbox/approve", data={"job_key": "0" * 64, "new_customer": "X"},
                               follow_redirects=True)
    assert "No mail of that job is waiting" in unknown.get_data(as_text=True)


def test_viewer_cannot_approve_ignore_delete_or_reparse(as_viewer):
    run_import(make_mail())
    key = waiting_key()
    mail_id = db.session.scalar(select(Mail.id))
    for path, data in (("/inbox/approve", {"job_key": key, "new_customer": "X"}),
                       ("/inbox/ignore", {"job_key": key}), ("/inbox/delete", {"job_key": key}),
                       ("/inbox/reparse", {"mail_id": mail_id}),
                       ("/inbox/restore", {"mail_id": mail_id})):
        assert as_viewer.post(path, data=data).status_code == 403, path
    assert count(Job) == 0 and db.session.scalar(select(Mail.deleted)) is False


def test_ignore_and_delete_and_only_an_admin_restores(as_operator, as_admin):
    run_import(make_mail(job="A"), make_mail(job="B"), junk_mail())
    groups = {g.job_name: g.job_key for g in inbox.waiting_jobs(db.session)}
    as_operator.post("/inbox/ignore", data={"job_key": groups["A"]})
    junk_id = db.session.scalar(select(Mail.id).where(Mail.state == "unparsed"))
    as_operator.post("/inbox/delete", data={"mail_id": junk_id})
    states = dict(db.session.execute(select(Mail.job_name, Mail.state)).all())
    assert states["A"] == "ignored"
    assert db.session.get(Mail, junk_id).deleted is True
    assert [g.job_name for g in inbox.waiting_jobs(db.session)] == ["B"]
    assert as_operator.get("/inbox/?tab=deleted").get_data(as_text=True).count(
        "Lunch on Friday") == 0  # the deleted tab is for admins
    assert as_operator.post("/inbox/restore", data={"mail_id": junk_id}).status_code == 403
    assert "Lunch on Friday" in as_admin.get("/inbox/?tab=deleted").get_data(as_text=True)
    as_admin.post("/inbox/restore", data={"mail_id": junk_id})
    db.session.expire_all()
    assert db.session.get(Mail, junk_id).deleted is False


def test_reparse_all_applies_a_new_generic_rule(as_operator):
    run_import(junk_mail(1), junk_mail(2))
    db.session.add(ParserRule(name="Lunch", product="Lunch Backup", subject_pattern=r"Lunch on",
                              success_words="lunch", job_name_template="Lunch job"))
    db.session.commit()
    response = as_operator.post("/inbox/reparse", follow_redirects=True)
    assert "Re-parsed 2 mail(s)" in response.get_data(as_text=True)
    [group] = inbox.waiting_jobs(db.session)
    assert (group.product, group.job_name, group.count) == ("Lunch Backup", "Lunch job", 2)


def test_reparse_one_mail_files_it_when_its_job_exists(as_operator):
    run_import(make_mail())
    inbox.approve(db.session, waiting_key(), new_customer="Acme")
    db.session.commit()
    raw = make_mail(start=START + timedelta(days=1))
    run_import(raw)
    mail = db.session.scalar(select(Mail).where(Mail.run_id.is_(None)).order_by(Mail.id.desc()))
    assert mail is None  # filed on import already; make one unparsed to reparse
    with db.session.begin_nested():
        latest = db.session.scalar(select(Mail).order_by(Mail.id.desc()))
        run_id = latest.run_id
        latest.run_id, latest.state = None, "unparsed"
        db.session.delete(db.session.get(Run, run_id))
    db.session.commit()
    as_operator.post("/inbox/reparse", data={"mail_id": latest.id})
    db.session.expire_all()
    assert db.session.get(Mail, latest.id).run_id is not None


def test_mail_page_shows_the_facts_and_downloads_the_raw_mail(as_viewer):
    raw = make_mail(status="failed")
    run_import(raw)
    mail = db.session.scalar(select(Mail))
    page = as_viewer.get(f"/inbox/mail/{mail.id}").get_data(as_text=True)
    assert mail.subject in page and "veeam" in page.lower() and "Daily VMs" in page
    assert f'src="/inbox/mail/{mail.id}/view"' in page and "sandbox" in page
    download = as_viewer.get(f"/inbox/mail/{mail.id}/raw")
    assert download.status_code == 200 and download.data == raw
    assert download.headers["Content-Type"] == "message/rfc822"
    assert "attachment" in download.headers["Content-Disposition"]


def test_script_in_a_mail_never_reaches_our_page(as_viewer):
    run_import(EVIL_HTML)
    mail_id = db.session.scalar(select(Mail.id))
    page = as_viewer.get(f"/inbox/mail/{mail_id}").get_data(as_text=True)
    assert "pwned" not in page and "onerror" not in page
    frame = as_viewer.get(f"/inbox/mail/{mail_id}/view")
    body = frame.get_data(as_text=True)
    assert "<h1>Report</h1>" in body and "kept" in body
    for bad in ("<script", "pwned", "onerror", "javascript:", "<iframe", "evil.example"):
        assert bad not in body, bad
    csp = frame.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'; img-src data:; style-src 'unsafe-inline'")
    assert "script-src" not in csp and "sandbox" in csp
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"
    # Every other page keeps the strict app policy.
    assert "script-src 'self'" in as_viewer.get("/inbox/").headers["Content-Security-Policy"]


def test_inbox_list_uses_a_fixed_number_of_queries(as_viewer, queries):
    run_import(*[make_mail(job=f"Job {i}") for i in range(3)])
    as_viewer.get("/inbox/")
    queries.statements.clear()
    as_viewer.get("/inbox/")
    few = queries.count
    run_import(*[make_mail(job=f"Job {i}") for i in range(3, 30)], junk_mail())
    queries.statements.clear()
    page = as_viewer.get("/inbox/").get_data(as_text=True)
    assert len(re.findall(r'class="inbox-group"', page)) == 30
    assert queries.count == few
