"""`backupchecks demo` fills an empty database through the real import pipeline."""

from sqlalchemy import func, select

from backupchecks.extensions import db
from backupchecks.models.jobs import Customer, Job, Run
from backupchecks.models.mail import Mail
from backupchecks.settings import get_setting


def test_demo_fills_an_empty_database_once(runner):
    result = runner.invoke(args=["demo", "--days", "6"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Customer.id))) >= 6
    assert db.session.scalar(select(func.count(Job.id))) == 10
    runs = db.session.scalar(select(func.count(Run.id)))
    mails = db.session.scalar(select(func.count(Mail.id)))
    assert runs >= 40 and mails >= 40
    # every run came from a stored mail (or is a missed run)
    assert db.session.scalar(select(func.count(Run.id)).where(
        Run.mail_id.is_(None), Run.status != "missed")) == 0
    acme = db.session.scalar(select(Customer).where(Customer.name == "Acme Logistics"))
    assert acme.autotask_company_id == 101 and acme.autotask_company_name == "Acme Logistics BV"
    assert get_setting("autotask.zone_lookup_url").startswith("http://127.0.0.1:8089/")
    waiting = db.session.scalar(select(func.count(Run.id)).where(Run.reviewed_at.is_(None)))
    failed = db.session.scalar(select(func.count(Run.id)).where(
        Run.reviewed_at.is_(None), Run.status == "failed"))
    assert waiting > 0 and failed >= 2
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 1
    assert "only fills an empty one" in again.output
