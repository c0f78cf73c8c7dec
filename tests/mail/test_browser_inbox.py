"""Inbox approval and the job page in a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backupchecks.extensions import db
from backupchecks.mail import inbox
from backupchecks.models.mail import ParserRule
from tests.browser_support import browser_login
from tests.conftest import PASSWORD
from tests.mail.conftest import START, make_mail, run_import
from tests.mail.test_inbox_web import EVIL_HTML

pytestmark = pytest.mark.browser


def test_operator_approves_a_new_job_and_finds_it_under_jobs(page, operator):
    run_import(make_mail(status="failed"), make_mail(start=START + timedelta(days=1)))
    browser_login(page, operator.email, PASSWORD)
    page.wait_for_url("**/")
    page.click("header >> text=Inbox")
    group = page.locator("article.inbox-group")
    assert group.count() == 1
    assert "Daily VMs" in group.inner_text() and "2 mail(s)" in group.inner_text()
    group.locator("input[name=new_customer]").fill("Bakkerij Jansen")
    group.locator("button:has-text('Approve')").click()
    assert "approved for Bakkerij Jansen: 2 run(s) filed" in page.locator(".flash").inner_text()
    assert page.locator("#inbox-empty").is_visible()
    page.click("header >> text=Jobs")
    row = page.locator("#jobs tbody tr")
    assert row.count() == 1 and "Bakkerij Jansen" in row.inner_text()
    row.locator("a").first.click()
    assert page.locator("#runs tbody tr").count() == 2
    assert page.locator("#calendar-strip > span").count() == 30


def test_job_page_shows_the_mail_sandboxed_and_its_script_never_runs(page, operator):
    # A rule so the hostile mail becomes a run of a job.
    db.session.add(ParserRule(name="Evil", product="Evil Backup", subject_pattern="Evil job",
                              success_words="Success"))
    db.session.commit()
    run_import(EVIL_HTML)
    job, _ = inbox.approve(db.session, inbox.waiting_jobs(db.session)[0].job_key,
                           new_customer="Acme")
    db.session.commit()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    browser_login(page, operator.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/jobs/{job.id}")
    page.locator("#runs tbody tr a").first.click()
    frame_element = page.locator("iframe.mail")
    assert frame_element.get_attribute("sandbox") == ""
    frame = page.frame_locator("iframe.mail")
    assert frame.locator("h1").inner_text() == "Report"
    assert frame.locator("p").inner_text() == "kept"
    assert frame.locator("script").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []
    assert all(f.title() != "pwned" for f in page.frames)
    # The job page itself shows the strip and offers archive.
    page.goto(f"/jobs/{job.id}")
    page.click("#archive-toggle")
    assert "archived" in page.locator(".flash").inner_text()
