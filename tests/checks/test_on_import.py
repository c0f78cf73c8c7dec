"""Run Checks reacts to the mail import: overrides apply, failures join the open ticket."""

from datetime import UTC, datetime

from sqlalchemy import select

from backupchecks.demo.mailgen import generate_mail
from backupchecks.extensions import db
from backupchecks.mail.inbox import approve, waiting_jobs
from backupchecks.mail.pipeline import SourceMail, import_mails
from backupchecks.models.checks import Override, RunOverride
from backupchecks.models.jobs import Job, Run
from backupchecks.models.tickets import RunTicket, Ticket


def _mail(status, day, message_id):
    return SourceMail(raw=generate_mail(
        "veeam_backup", status, job_name="Daily VMs", host="veeam01", customer="Acme Logistics",
        started_at=datetime(2026, 11, day, 22, 0, tzinfo=UTC), message_id=message_id,
        objects=[("SQL01", status, None if status == "success" else "Snapshot failed: disk full")]))


def _approved_job():
    import_mails(db.session, [_mail("success", 1, "<m1@example>")])
    key = waiting_jobs(db.session)[0].job_key
    job, _ = approve(db.session, key, new_customer="Acme Logistics")
    db.session.commit()
    return db.session.get(Job, job.id)


def test_imported_run_matching_an_override_shows_as_override(app):
    job = _approved_job()
    rule = Override(job_id=job.id, match_kind="contains", match_text="disk full", active=True)
    db.session.add(rule)
    db.session.commit()
    import_mails(db.session, [_mail("failed", 2, "<m2@example>")])
    run = db.session.scalar(select(Run).where(Run.status == "failed"))
    assert db.session.get(RunOverride, run.id).override_id == rule.id
    assert db.session.get(Override, rule.id).matched_count == 1


def test_imported_failure_joins_the_open_ticket_of_its_job(app):
    job = _approved_job()
    ticket = Ticket(autotask_id=5001, number="T20261101.0001", job_id=job.id,
                    customer_id=job.customer_id, status="1")
    db.session.add(ticket)
    db.session.commit()
    import_mails(db.session, [_mail("failed", 3, "<m3@example>")])
    run = db.session.scalar(select(Run).where(Run.status == "failed"))
    assert db.session.get(RunTicket, (run.id, ticket.id)) is not None


def test_nothing_configured_costs_nothing(app):
    job = _approved_job()
    import_mails(db.session, [_mail("failed", 4, "<m4@example>")])
    assert db.session.scalar(select(RunOverride)) is None
    assert db.session.scalar(select(Run).where(Run.job_id == job.id, Run.status == "failed"))

