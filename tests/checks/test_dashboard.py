"""The dashboard's figures."""

from datetime import UTC, datetime, timedelta

from backupchecks.extensions import db
from backupchecks.models.checks import RunOverride
from backupchecks.settings import set_setting
from tests.factories import make_customer, make_job, make_run


def test_counts_today_per_status_and_failing_customers(as_operator):
    set_setting("general.timezone", "UTC")
    now = datetime.now(UTC).replace(hour=12, minute=0)
    acme = make_job(make_customer("Acme Logistics"), "Daily VMs")
    brouwer = make_job(make_customer("Brouwer Accountants"), "Files")
    make_run(acme, "success", started_at=now - timedelta(hours=1))
    make_run(acme, "failed", started_at=now - timedelta(hours=2))
    overridden = make_run(brouwer, "warning", started_at=now - timedelta(hours=3))
    make_run(brouwer, "missed", started_at=now - timedelta(days=1))
    db.session.add(RunOverride(run_id=overridden.id, by_name="x"))
    db.session.commit()
    html = as_operator.get("/").get_data(as_text=True)

    def card(status):
        part = html.split(f'data-status="{status}"')[1]
        return int(part.split('class="num">')[1].split("<")[0])

    assert (card("success"), card("failed"), card("warning"), card("override")) == (1, 1, 0, 1)
    assert "yesterday 1" in html.split('data-status="missed"')[1][:300]
    failing = html.split('id="failing-customers"')[1]
    assert "Acme Logistics" in failing and "Brouwer Accountants" in failing
    to_review = html.split('id="to-review"')[1]
    assert 'class="num">4<' in to_review


def test_announcement_and_not_configured_autotask(as_viewer):
    set_setting("general.announcement", "Maintenance window Friday 22:00")
    db.session.commit()
    html = as_viewer.get("/").get_data(as_text=True)
    assert "Maintenance window Friday 22:00" in html
    assert "not configured" in html.split('id="health"')[1]
