"""The import pipeline: store raw first, dedupe, parse, file under a job or the Inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from backupchecks.extensions import db
from backupchecks.mail import inbox
from backupchecks.mail.keys import content_hash
from backupchecks.mail.pipeline import Importer, SourceMail, import_mails
from backupchecks.models.jobs import Customer, Job, Run, RunObject
from backupchecks.models.mail import Mail
from tests.mail.conftest import (
    START,
    count,
    junk_mail,
    mails_and_runs,
    make_mail,
    run_import,
    summary_mail,
)


def approve_all(customer: str = "Acme") -> list[Job]:
    jobs = []
    for group in inbox.waiting_jobs(db.session):
        job, _ = inbox.approve(db.session, group.job_key, new_customer=customer)
        jobs.append(job)
    db.session.commit()
    return jobs


def test_new_job_waits_in_the_inbox_then_later_mails_file_as_runs(app):
    stats = run_import(make_mail(status="failed"))
    assert (stats.imported, stats.waiting, stats.filed) == (1, 1, 0)
    mail = db.session.scalar(select(Mail).options(undefer(Mail.result)))
    assert mail.state == "parsed" and mail.run_id is None and mail.job_name == "Daily VMs"
    assert mail.result["status"] == "failed"
    [job] = approve_all()
    assert job.job_name == "Daily VMs" and job.customer.name == "Acme"
    stats = run_import(make_mail(status="success", start=START + timedelta(days=1)))
    assert stats.filed == 1 and stats.waiting == 0
    statuses = db.session.scalars(select(Run.status).order_by(Run.started_at)).all()
    assert statuses == ["failed", "success"]


def test_same_mail_twice_is_one_mail_and_one_run(app):
    raw = make_mail(status="warning")
    run_import(raw)
    approve_all()
    assert mails_and_runs() == (1, 1)
    again = run_import(raw)
    assert (again.imported, again.duplicates) == (0, 1)
    # Within one batch too, and with IMAP's CRLF versus an mbox's LF line ends.
    again = run_import(raw, raw.replace(b"\r\n", b"\n"))
    assert again.duplicates == 2
    assert mails_and_runs() == (1, 1)


def test_same_message_id_with_different_bytes_is_a_duplicate(app):
    raw = make_mail(message_id="<same-id@mail.example>")
    run_import(raw)
    redelivered = b"Received: from relay.example by mx.example; Tue, 3 Nov 2026\r\n" + raw
    assert content_hash(redelivered) != content_hash(raw)
    stats = run_import(redelivered)
    assert (stats.imported, stats.duplicates) == (0, 1)
    assert count(Mail) == 1


def test_two_importers_at_once_store_each_mail_once(app):
    raws = [make_mail(job=f"Job {i}") for i in range(5)]
    first, second = Importer(db.session), Importer(db.session)
    a = first.import_batch([SourceMail(r) for r in raws[:3]])
    b = second.import_batch([SourceMail(r) for r in raws])
    assert a.imported == 3 and b.imported == 2 and b.duplicates == 3
    assert count(Mail) == 5


def test_unparsed_mail_is_kept_with_the_reason(app):
    stats = run_import(junk_mail())
    assert stats.unparsed == 1
    mail = db.session.scalar(select(Mail).options(undefer(Mail.raw)))
    assert mail.state == "unparsed"
    assert mail.reason == "No parser recognised this mail."
    assert mail.subject == "Lunch on Friday? 1" and mail.sender == "someone@example.org"
    assert b"Anyone up for lunch?" in mail.raw


def test_parser_crash_is_stored_as_error(app, monkeypatch):
    class Broken:
        NAME = "broken"

        @staticmethod
        def parse(view):
            raise ZeroDivisionError("parser bug")

    monkeypatch.setattr("backupchecks.parsers.registry.PARSERS", (Broken,))
    stats = run_import(make_mail())
    assert stats.errors == 1
    mail = db.session.scalar(select(Mail))
    assert mail.state == "error"
    assert "ZeroDivisionError: parser bug" in mail.reason


def test_raw_mail_is_committed_before_the_parsers_run(app, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr("backupchecks.mail.pipeline.parse_view", crash)
    with pytest.raises(RuntimeError):
        run_import(make_mail())
    db.session.rollback()
    mail = db.session.scalar(select(Mail))
    assert mail is not None and mail.state == "unparsed"
    assert mail.reason == "Stored, not parsed yet."
    monkeypatch.undo()
    stats = inbox.reparse(db.session)
    db.session.commit()
    assert stats.waiting == 1
    assert db.session.scalar(select(Mail.state)) == "parsed"


def test_summary_mail_is_ignored_not_a_run(app):
    stats = run_import(summary_mail())
    assert stats.ignored == 1
    mail = db.session.scalar(select(Mail))
    assert mail.state == "ignored" and "Summary" in mail.reason
    assert inbox.waiting_jobs(db.session) == []
    assert count(Run) == 0


def test_retry_updates_the_run_and_keeps_the_last_result(app):
    run_import(make_mail(status="failed"))
    [job] = approve_all()
    first = db.session.scalar(select(Run))
    assert first.status == "failed"
    run_import(make_mail(status="warning", retry=1, start=START + timedelta(minutes=30)))
    run_import(make_mail(status="success", retry=2, start=START + timedelta(minutes=60)))
    runs = db.session.scalars(select(Run)).all()
    assert len(runs) == 1
    run = runs[0]
    db.session.refresh(run)
    assert run.status == "success" and run.is_retry and run.retry_number == 2
    assert run.started_at == START
    assert count(Mail, Mail.run_id == run.id) == 3
    latest = db.session.scalar(select(Mail).where(Mail.id == run.mail_id))
    assert "(Retry 2)" in latest.subject or latest.result["retry_number"] == 2
    # The next day's mail is a new run, not a retry of this one.
    run_import(make_mail(status="success", start=START + timedelta(days=1)))
    assert count(Run, Run.job_id == job.id) == 2


def test_original_arriving_after_its_retry_does_not_override_it(app):
    run_import(make_mail(status="failed", job="Seed"))  # another job, to have one approved
    approve_all()
    retry = make_mail(status="success", retry=1, start=START + timedelta(minutes=45))
    original = make_mail(status="failed")
    run_import(retry)  # unknown job yet: waits
    run_import(original)
    approve_all()
    runs = db.session.scalars(select(Run).join(Job).where(Job.job_name == "Daily VMs")).all()
    assert len(runs) == 1
    assert runs[0].status == "success" and runs[0].started_at == START


def test_objects_are_stored_per_run(app):
    objects = [("DC01", "success", None), ("SQL01", "failed", "Disk full")]
    from backupchecks.demo.mailgen import generate_mail

    raw = generate_mail("veeam_backup", "failed", job_name="Daily VMs", host="hv01",
                        customer="Acme", started_at=START, objects=objects,
                        message_id="<objects@x>", seed=1)
    run_import(raw)
    approve_all()
    rows = db.session.execute(select(RunObject.name, RunObject.status, RunObject.message)
                              .order_by(RunObject.name)).all()
    assert [tuple(r) for r in rows] == [("DC01", "success", None), ("SQL01", "failed", "Disk full")]


def test_every_product_imports_and_files(app):
    from backupchecks.demo.mailgen import PRODUCTS, SUPPORTED_STATUSES

    raws = [make_mail(p, SUPPORTED_STATUSES[p][-1], job=f"Job-{i}", host=f"host{i}")
            for i, p in enumerate(PRODUCTS)]
    stats = import_mails(db.session, [SourceMail(r) for r in raws], batch_size=7)
    assert stats.imported == len(PRODUCTS)
    assert stats.unparsed == stats.errors == 0, db.session.execute(
        select(Mail.subject, Mail.reason).where(Mail.state != "parsed")).all()
    approve_all()
    assert count(Run) == len(PRODUCTS)
    assert count(Mail, Mail.run_id.is_(None)) == 0


def test_approval_during_an_import_is_picked_up_at_the_end(app):
    run_import(make_mail(job="Nightly"))
    importer = Importer(db.session)  # loads the (empty) job keys now
    group = inbox.waiting_jobs(db.session)[0]
    inbox.approve(db.session, group.job_key, new_customer="Acme")
    db.session.commit()
    stats = importer.run([SourceMail(make_mail(job="Nightly", start=START + timedelta(days=1)))])
    assert stats.waiting == 1  # the batch did not know the job yet …
    assert count(Mail, Mail.run_id.is_(None)) == 0  # … the sweep at the end filed it
    assert count(Customer) == 1
