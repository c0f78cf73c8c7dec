"""Retention: mails and runs past their period are removed, with what hangs off them."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backupchecks.extensions import db
from backupchecks.models.checks import Remark, RunOverride
from backupchecks.models.jobs import Run, RunObject
from backupchecks.models.mail import Mail
from backupchecks.models.tickets import RunTicket, Ticket
from backupchecks.settings import set_setting
from tests.factories import make_customer, make_job, make_run


def _mail(received, n):
    mail = Mail(raw=b"Subject: x\r\n\r\nbody", size=17, content_hash=f"{n:064d}", received_at=received,
                state="parsed")
    db.session.add(mail)
    db.session.flush()
    return mail


def test_purge_removes_old_runs_and_mails_only(app, runner):
    set_setting("general.retention_run_days", "30")
    set_setting("general.retention_mail_days", "10")
    now = datetime.now(UTC)
    job = make_job(make_customer("Old BV"), "Nightly")
    old_mail, new_mail = _mail(now - timedelta(days=40), 1), _mail(now - timedelta(days=1), 2)
    old_run = make_run(job, "failed", started_at=now - timedelta(days=40), mail_id=old_mail.id)
    kept_run = make_run(job, "failed", started_at=now - timedelta(days=20), mail_id=old_mail.id)
    make_run(job, "success", started_at=now - timedelta(days=1), mail_id=new_mail.id)
    ticket = Ticket(autotask_id=1, job_id=job.id)
    db.session.add(ticket)
    db.session.flush()
    db.session.add_all([RunTicket(run_id=old_run.id, ticket_id=ticket.id),
                        RunOverride(run_id=old_run.id, by_name="x"),
                        Remark(job_id=job.id, run_id=old_run.id, text="kept")])
    db.session.commit()
    old_id = old_run.id
    result = runner.invoke(args=["mail", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 mail(s) and 1 run(s)" in result.output
    assert db.session.get(Run, old_id) is None
    assert db.session.scalar(select(func.count(RunObject.id)).where(RunObject.run_id == old_id)) == 0
    assert db.session.scalar(select(RunTicket)) is None and db.session.scalar(select(RunOverride)) is None
    assert db.session.scalar(select(Remark)).run_id is None  # the remark on the job stays
    assert db.session.get(Run, kept_run.id).mail_id is None  # its mail is gone, the run stays
    assert db.session.scalar(select(func.count(Mail.id))) == 1
    assert db.session.scalar(select(func.count(Run.id))) == 2
