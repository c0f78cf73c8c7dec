"""Job definitions round-trip between installs; bad files change nothing."""

import io
import json

from sqlalchemy import func, select

from backupchecks.extensions import db
from backupchecks.mail.keys import job_key
from backupchecks.models.jobs import Customer, Job
from tests.factories import make_customer, make_job


def _export(client):
    response = client.get("/jobs/export.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    return response.get_data()


def _import(client, payload: bytes):
    return client.post("/jobs/import", data={"file": (io.BytesIO(payload), "jobs.json")},
                       content_type="multipart/form-data", follow_redirects=True)


def test_export_then_import_recreates_jobs_with_their_keys_and_schedule(as_admin):
    job = make_job(make_customer("Acme Logistics"), "Daily VMs", host="veeam01")
    job.schedule_kind, job.schedule_minute, job.schedule_source = "daily", 22 * 60, "manual"
    db.session.commit()
    exported = _export(as_admin)
    db.session.delete(job)
    db.session.delete(db.session.scalar(select(Customer)))
    db.session.commit()
    html = _import(as_admin, exported).get_data(as_text=True)
    assert "1 new, 0 updated, 1 new customer(s)" in html
    again = db.session.scalar(select(Job))
    assert again.customer.name == "Acme Logistics"
    assert again.match_key == job_key("Veeam Backup & Replication", "Backup", "Daily VMs", "veeam01")
    assert (again.schedule_kind, again.schedule_minute, again.schedule_source) == ("daily", 1320, "manual")
    assert "0 new, 1 updated" in _import(as_admin, exported).get_data(as_text=True)


def test_bad_file_is_refused_with_the_reason_and_changes_nothing(as_admin):
    bad = {"format": "backupchecks.jobs/1", "jobs": [
        {"customer": "New BV", "product": "Veeam", "job_name": "ok"},
        {"customer": "New BV", "product": "Veeam", "job_name": "x", "schedule": {"kind": "hourly"}}]}
    html = _import(as_admin, json.dumps(bad).encode()).get_data(as_text=True)
    assert "Nothing imported: Job 2: schedule kind &#39;hourly&#39; is not one of" in html
    assert db.session.scalar(select(func.count(Job.id))) == 0
    assert db.session.scalar(select(func.count(Customer.id))) == 0
    html = _import(as_admin, b"not json").get_data(as_text=True)
    assert "The file is not JSON" in html


def test_only_admins_import_but_viewers_may_export(as_viewer, as_operator):
    assert as_viewer.get("/jobs/export.json").status_code == 200
    assert as_operator.post("/jobs/import", data={}).status_code == 403
