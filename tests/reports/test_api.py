"""The JSON API: answers, errors, and API-token authentication."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.models.api import ApiToken
from backupchecks.models.mail import ImapFolderState
from backupchecks.models.types import utcnow
from backupchecks.models.users import User
from backupchecks.security.api_tokens import create_token, hash_token
from tests.reports import scenario as s

WEEKLY = "/api/autotask/scorecard/weekly?queue=Backup%20(ROC)&start_date=2025-03-03&end_date=2025-03-16"


def _token(user: User, name: str = "Grafana") -> str:
    _row, token = create_token(name, db.session.get(User, user.id))
    db.session.commit()
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_weekly_scorecard_answers_the_documented_shape(app, tenant, as_viewer):
    response = as_viewer.get(WEEKLY)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["queue"] == {"id": s.ROC, "name": "Backup (ROC)"}
    assert body["timezone"] == "Europe/Amsterdam"
    assert body["cached"] is False and body["generated_at"].endswith("Z")
    weeks = body["weeks"]
    assert [{k: w[k] for k in s.AMSTERDAM_WEEKS[0]} for w in weeks] == s.AMSTERDAM_WEEKS
    # Default targets: same-day 50 %, average 24 h, median 8 h, utilisation 70 %.
    assert weeks[0]["rag"] == {"opened": None, "closed": None, "same_day_close_rate": "red",
                               "avg_resolution_hours": "red", "median_resolution_hours": "green",
                               "utilisation": "amber"}
    assert body["by_status"] == {"Complete": 4, "Completed": 1}
    # A repeat comes from the cache.
    again = as_viewer.get(WEEKLY).json
    assert again["cached"] is True and again["weeks"] == weeks


def test_quarterly_scorecard_by_queue_id(app, tenant, as_viewer):
    body = as_viewer.get(f"/api/autotask/scorecard/quarterly?queue={s.ROC}"
                         "&start_date=2025-03-03&end_date=2025-03-16").json
    assert len(body["quarters"]) == 1
    quarter = body["quarters"][0]
    assert {k: quarter[k] for k in s.AMSTERDAM_QUARTER} == s.AMSTERDAM_QUARTER
    assert quarter["rag"]["utilisation"] == "green"


def test_default_queue_from_the_environment_then_the_setting(app, tenant, as_viewer, monkeypatch):
    from backupchecks.settings import set_setting

    url = "/api/autotask/scorecard/weekly?start_date=2025-03-03&end_date=2025-03-16"
    assert as_viewer.get(url).status_code == 400  # no default anywhere
    set_setting("autotask.roc_queue", "Service Desk")
    db.session.commit()
    assert as_viewer.get(url).json["queue"]["name"] == "Service Desk"
    monkeypatch.setenv("AUTOTASK_ROC_QUEUE_NAME", "Backup (ROC)")
    assert as_viewer.get(url).json["queue"]["id"] == s.ROC


def test_tickets_api_lists_tickets_with_labels_and_totals(app, tenant, as_viewer):
    body = as_viewer.get("/api/autotask/tickets?start_date=2025-03-03&end_date=2025-03-09"
                         f"&queue={s.ROC}").json
    assert [t["id"] for t in body["tickets"]] == [1, 2, 3]
    first = body["tickets"][0]
    assert first == {"id": 1, "number": "T20250303.0001", "title": "Ticket 1", "status": 5,
                     "status_label": "Complete", "priority": 1, "priority_label": "High",
                     "queue": s.ROC, "queue_label": "Backup (ROC)",
                     "company": {"id": 101, "name": "Acme Logistics BV"},
                     "create_date": "2025-03-03T09:00:00Z", "complete_date": "2025-03-03T15:00:00Z"}
    assert body["total"] == 3 and body["by_status"] == {"Complete": 3}
    assert body["by_priority"] == {"High": 1, "Low": 1, "Medium": 1}
    assert body["avg_resolution_hours"] == round((6 + 1 + 10) / 3, 2)
    everything = as_viewer.get("/api/autotask/tickets?start_date=2025-03-03&end_date=2025-03-09").json
    assert [t["id"] for t in everything["tickets"]] == [1, 2, 7, 3]


@pytest.mark.parametrize(("path", "query", "message"), [
    ("/api/autotask/tickets", "start_date=2025-02-30&end_date=2025-03-09", "start_date must be a date"),
    ("/api/autotask/scorecard/weekly", "start_date=2025-03-03&end_date=9-3-2025",
     "end_date must be a date"),
    ("/api/autotask/scorecard/quarterly", "start_date=2025-03-09&end_date=2025-03-03",
     "is before start_date"),
    ("/api/autotask/tickets", "start_date=2024-01-01&end_date=2025-03-03", "longer than a year"),
    ("/api/autotask/scorecard/weekly", "start_date=2024-01-01&end_date=2025-03-03",
     "longer than a year"),
    ("/api/autotask/tickets", "queue=Nope", "Unknown queue 'Nope'"),
    ("/api/autotask/scorecard/quarterly", "queue=12345", "Unknown queue '12345'"),
])
def test_bad_parameters_answer_400_naming_the_problem(app, tenant, as_viewer, path, query, message):
    if "queue=" not in query and "scorecard" in path:
        query += f"&queue={s.ROC}"
    response = as_viewer.get(f"{path}?{query}")
    assert response.status_code == 400
    assert message in response.json["error"]
    assert tenant.api_calls() == []  # refused before asking Autotask


def test_autotask_down_and_nothing_cached_is_503_json(app, tenant, as_viewer):
    tenant.inject_fault("/Tickets/query", status=429, count=10, headers={"Retry-After": "0"})
    response = as_viewer.get(WEEKLY)
    assert response.status_code == 503 and "nothing is cached" in response.json["error"]
    assert "refusing requests" in response.json["error"]


def test_a_good_token_reads_without_a_session(app, tenant, client, viewer):
    token = _token(viewer)
    response = client.get(WEEKLY, headers=_bearer(token))
    assert response.status_code == 200 and response.json["weeks"]
    with client.session_transaction() as session:
        assert "_user_id" not in session  # the token logged nobody in
    row = db.session.scalar(select(ApiToken))
    assert row.last_used_at is not None


def test_tokens_are_stored_hashed(app, admin):
    token = _token(admin)
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hash_token(token) and token not in (row.token_hash, row.prefix)
    assert len(row.token_hash) == 64 and token.startswith(row.prefix)


@pytest.mark.parametrize("header", ["Bearer bct_not-a-real-token", "Bearer ", "Basic dXNlcjpwdw==",
                                    "Bearer nonsense"])
def test_a_bad_token_is_401_json(app, client, header):
    response = client.get(WEEKLY, headers={"Authorization": header})
    assert response.status_code == 401 and "error" in response.json
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_or_a_deactivated_user_is_refused(app, tenant, client, viewer, as_admin):
    token = _token(viewer)
    assert client.get(WEEKLY, headers=_bearer(token)).status_code == 200
    row = db.session.scalar(select(ApiToken))
    assert as_admin.post(f"/settings/api-tokens/{row.id}/revoke").status_code == 302
    assert client.get(WEEKLY, headers=_bearer(token)).status_code == 401
    second = _token(viewer, "other")
    db.session.get(User, viewer.id).active = False
    db.session.commit()
    assert client.get(WEEKLY, headers=_bearer(second)).status_code == 401


def test_a_token_opens_nothing_but_the_autotask_api(app, client, admin):
    token = _token(admin)
    assert client.get("/reports/", headers=_bearer(token)).status_code == 302  # to the login page
    assert client.get("/settings/general", headers=_bearer(token)).status_code == 302
    assert client.post("/api/autotask/tickets", headers=_bearer(token)).status_code == 401


def test_without_session_or_token_the_api_is_401(app, client):
    response = client.get("/api/autotask/tickets")
    assert response.status_code == 401 and "Bearer" in response.json["error"]


def test_health_keeps_its_keys_and_adds_autotask_and_mail_import(app, client, tenant, as_viewer):
    body = client.get("/api/health").json
    assert {"status", "database", "version", "autotask"} <= set(body)
    assert body["mail_import"] == {"state": "never"}
    assert body["autotask_last_fetch"] == {"state": "never"}
    as_viewer.get(WEEKLY)
    tenant.inject_fault("/Tickets/query", status=429, count=10, headers={"Retry-After": "0"})
    as_viewer.get(WEEKLY.replace("2025-03-16", "2025-03-09"))
    db.session.add(ImapFolderState(account="backup@msp", folder="INBOX", last_poll_at=utcnow(),
                                   last_success_at=None, last_error="Login failed"))
    db.session.commit()
    public = client.get("/api/health")
    assert public.status_code == 200 and public.json["status"] == "ok"
    assert public.json["autotask_last_fetch"]["state"] == "error"
    assert public.json["mail_import"]["state"] == "error"
    assert "last_error" not in public.json["mail_import"]  # the public answer says no more
    assert "error" not in public.json["autotask_last_fetch"]
    private = as_viewer.get("/api/health").json
    assert private["mail_import"]["last_error"] == "Login failed"
    assert "refusing requests" in private["autotask_last_fetch"]["error"]
