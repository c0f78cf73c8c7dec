"""Jobs list, job page with run history, run page; archive; schedule by hand; parser rules."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.mail import inbox
from backupchecks.models.jobs import Job
from backupchecks.models.mail import ParserRule
from backupchecks.models.types import utcnow
from tests.mail.conftest import START, junk_mail, make_mail, run_import


def approved_job(job: str = "Daily VMs", runs: int = 3, start: datetime = START) -> Job:
    run_import(*[make_mail(status=("success", "failed", "warning")[i % 3], job=job,
                           start=start + timedelta(days=i)) for i in range(runs)])
    key = next(g.job_key for g in inbox.waiting_jobs(db.session) if g.job_name == job)
    approved, _ = inbox.approve(db.session, key, new_customer="Acme")
    db.session.commit()
    return approved


def test_jobs_list_shows_customer_product_last_run_and_rate(as_viewer):
    approved_job(start=utcnow().replace(microsecond=0) - timedelta(days=5))
    page = as_viewer.get("/jobs/").get_data(as_text=True)
    assert "Acme" in page and "Daily VMs" in page and "Veeam Backup &amp; Replication" in page
    assert "status-warning" in page  # the last run
    assert "33%" in page  # 1 of the 3 runs of the last 30 days succeeded


def test_jobs_list_uses_a_fixed_number_of_queries(as_viewer, queries):
    approved_job("Job 0")
    as_viewer.get("/jobs/")
    queries.statements.clear()
    as_viewer.get("/jobs/")
    few = queries.count
    for i in range(1, 6):
        approved_job(f"Job {i}", runs=2)
    queries.statements.clear()
    page = as_viewer.get("/jobs/").get_data(as_text=True)
    assert len(re.findall(r"data-job-id=", page)) == 6
    assert queries.count == few


def test_job_page_shows_runs_objects_strip_and_the_mail(as_viewer):
    job = approved_job()
    page = as_viewer.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert page.count("data-run-id=") == 3
    assert 'id="calendar-strip"' in page
    run_id = re.search(r'data-run-id="(\d+)"', page).group(1)
    run_page = as_viewer.get(f"/jobs/runs/{run_id}").get_data(as_text=True)
    assert 'id="run-objects"' in run_page
    assert re.search(r'<iframe class="mail" sandbox src="/inbox/mail/\d+/view"', run_page)
    assert as_viewer.get("/jobs/999999").status_code == 404


def test_job_page_query_count_does_not_grow_with_runs(as_viewer, queries):
    small = approved_job("Small", runs=2)
    big = approved_job("Big", runs=12)
    queries.statements.clear()
    as_viewer.get(f"/jobs/{small.id}")
    few = queries.count
    queries.statements.clear()
    as_viewer.get(f"/jobs/{big.id}")
    assert queries.count == few


def test_archive_and_unarchive(as_operator, as_viewer):
    job = approved_job()
    assert as_viewer.post(f"/jobs/{job.id}/archive", data={"archived": "1"}).status_code == 403
    as_operator.post(f"/jobs/{job.id}/archive", data={"archived": "1"})
    db.session.expire_all()
    assert db.session.get(Job, job.id).archived is True
    assert f'data-job-id="{job.id}"' not in as_operator.get("/jobs/").get_data(as_text=True)
    assert f'data-job-id="{job.id}"' in as_operator.get("/jobs/?archived=1").get_data(as_text=True)
    # Runs of an archived job are still filed.
    assert run_import(make_mail(start=START + timedelta(days=9))).filed == 1
    as_operator.post(f"/jobs/{job.id}/archive", data={"archived": "0"})
    db.session.expire_all()
    assert db.session.get(Job, job.id).archived is False


def test_schedule_set_by_hand_and_errors(as_operator):
    job = approved_job()
    response = as_operator.post(f"/jobs/{job.id}/schedule", data={
        "kind": "weekly", "days": ["0", "3"], "at": "21:30", "grace_hours": "4",
        "missed_check": "on"}, follow_redirects=True)
    assert "Weekly on Mon, Thu at 21:30 (set by hand)" in response.get_data(as_text=True)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.schedule_kind, job.schedule_days, job.schedule_minute, job.grace_hours) == (
        "weekly", "0,3", 21 * 60 + 30, 4)
    bad = as_operator.post(f"/jobs/{job.id}/schedule", data={"kind": "monthly", "day": "40",
                                                             "at": "01:00"},
                           follow_redirects=True)
    assert "Monthly: give one day of the month" in bad.get_data(as_text=True)
    as_operator.post(f"/jobs/{job.id}/schedule", data={"kind": "none"})
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.schedule_kind is None and job.missed_check is False


def test_parser_rules_page_is_admin_only_and_rules_are_used(as_admin, as_operator):
    assert as_operator.get("/settings/parsers").status_code == 403
    page = as_admin.get("/settings/parsers").get_data(as_text=True)
    assert "veeam" in page and "generic" in page
    bad = as_admin.post("/settings/parsers", data={"name": "x", "product": "P",
                                                   "subject_pattern": "([", "success_words": ""})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Not a valid regular expression" in text and "Give at least one word" in text
    ok = as_admin.post("/settings/parsers", data={
        "name": "Lunch", "product": "Lunch Backup", "subject_pattern": "Lunch on",
        "success_words": "lunch\nfine", "job_name_template": "Lunch job", "enabled": "on",
        "position": "1"})
    assert ok.status_code == 302
    rule = db.session.scalar(select(ParserRule))
    assert rule.success_words == "lunch\nfine" and rule.enabled
    stats = run_import(junk_mail())
    assert stats.waiting == 1
    as_admin.post(f"/settings/parsers/{rule.id}/toggle")
    assert run_import(junk_mail(2)).unparsed == 1
    edit = as_admin.post(f"/settings/parsers/{rule.id}", data={
        "name": "Lunch", "product": "Lunch Backup 2", "subject_pattern": "Lunch on",
        "success_words": "lunch", "position": "1"})
    assert edit.status_code == 302
    db.session.expire_all()
    assert db.session.get(ParserRule, rule.id).product == "Lunch Backup 2"
    as_admin.post(f"/settings/parsers/{rule.id}/delete")
    assert db.session.scalar(select(ParserRule)) is None


def test_settings_mail_page_has_test_connection_and_status(as_admin):
    page = as_admin.get("/settings/mail").get_data(as_text=True)
    assert 'id="test-connection"' in page and "not been polled yet" in page
    assert 'href="/settings/parsers"' in page
    result = as_admin.post("/settings/mail/test").get_data(as_text=True)
    assert "Enter and save the IMAP host first." in result


def test_jobs_list_is_paged(app, as_viewer, monkeypatch):
    from backupchecks.extensions import db
    from backupchecks.mail import jobs as service
    from tests.factories import make_customer, make_job

    monkeypatch.setattr(service, "PAGE_SIZE", 2)
    customer = make_customer("Paging BV")
    for name in ("A job", "B job", "C job"):
        make_job(customer, name)
    db.session.commit()
    first = as_viewer.get("/jobs/").get_data(as_text=True)
    assert "page 1 of 2" in first and "A job" in first and "C job" not in first
    second = as_viewer.get("/jobs/?page=2").get_data(as_text=True)
    assert "C job" in second and "A job" not in second
