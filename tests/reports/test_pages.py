"""Scorecard page, its CSV exports and targets form; the API-token page."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select, update

from backupchecks.extensions import db
from backupchecks.models.api import ApiToken, ReportCache
from backupchecks.models.settings import AuditEntry
from backupchecks.models.types import utcnow
from backupchecks.settings import get_setting
from tests.reports import scenario as s

PAGE = f"/reports/scorecard?queue={s.ROC}&start_date=2025-03-03&end_date=2025-03-16"


def test_viewer_sees_the_weekly_scorecard(app, tenant, as_viewer):
    response = as_viewer.get(PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="scorecard-weeks"' in html and 'data-week="2025-03-03"' in html
    assert 'class="num rag rag-red" data-metric="same_day_close_rate"' in html
    assert "<td>Completed</td>" in html and "<td>Medium</td>" in html  # labels, not ids
    assert 'id="targets-form"' not in html  # targets are for admins
    assert "figures from" in html and "(cached)" not in html
    assert "(cached)" in as_viewer.get(PAGE + "&table=x&refresh=0").get_data(as_text=True)


def test_quarterly_view_and_per_resource_table(app, tenant, as_viewer):
    html = as_viewer.get(PAGE + "&view=quarterly&resources=1").get_data(as_text=True)
    assert 'data-quarter="2025-Q1"' in html and 'id="scorecard-weeks"' not in html
    assert 'id="by-resource"' in html and "Sanne Bakker" in html


def test_without_a_queue_the_page_asks_for_one(app, tenant, as_viewer):
    html = as_viewer.get("/reports/scorecard").get_data(as_text=True)
    assert 'id="choose-queue"' in html and "Backup (ROC)" in html and "Service Desk" in html
    assert tenant.api_calls() == []


def test_refresh_asks_autotask_again_then_drops_the_flag(app, tenant, as_operator):
    as_operator.get(PAGE)
    tenant.clear_requests()
    response = as_operator.get(PAGE + "&refresh=1")
    assert response.status_code == 302 and "refresh" not in response.headers["Location"]
    assert ("POST", "/Tickets/query") in tenant.api_calls()
    tenant.clear_requests()
    assert as_operator.get(response.headers["Location"]).status_code == 200
    assert tenant.api_calls() == []


def test_viewers_cannot_spend_the_api_budget_on_refreshes(app, tenant, as_viewer):
    as_viewer.get(PAGE)
    tenant.clear_requests()
    assert as_viewer.get(PAGE + "&refresh=1").status_code == 200  # served from the cache
    assert tenant.api_calls() == []


def test_autotask_down_shows_old_figures_with_a_notice(app, tenant, as_viewer):
    as_viewer.get(PAGE)
    db.session.execute(update(ReportCache).values(fetched_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    tenant.inject_fault("/Tickets/query", status=429, count=10, headers={"Retry-After": "0"})
    html = as_viewer.get(PAGE).get_data(as_text=True)
    assert 'id="stale-notice"' in html and "2.0 hours ago" in html
    assert 'data-week="2025-03-03"' in html


def test_autotask_down_and_nothing_cached_says_so(app, tenant, as_viewer):
    tenant.inject_fault("/Tickets/query", status=503, count=10)
    response = as_viewer.get(PAGE)
    assert response.status_code == 503
    assert 'id="scorecard-unavailable"' in response.get_data(as_text=True)


def test_bad_period_on_the_page_is_a_400_with_the_reason(app, tenant, as_viewer):
    response = as_viewer.get(f"/reports/scorecard?queue={s.ROC}&start_date=2025-03-09&end_date=2025-03-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "is before start_date" in html
    assert "Service Desk" in html  # the form still offers the queues
    assert tenant.api_calls() == []


def _csv(client, table: str, extra: str = "") -> list[list[str]]:
    url = PAGE.replace("/reports/scorecard?", f"/reports/scorecard/{table}.csv?") + extra
    response = client.get(url)
    assert response.status_code == 200, table
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csv_export_of_each_table(app, tenant, as_viewer):
    weeks = _csv(as_viewer, "weeks")
    assert weeks[0][:3] == ["week_start", "opened", "closed"] and weeks[0][-1] == "utilisation_rag"
    assert weeks[1][:4] == ["2025-03-03", "3", "3", "1"] and weeks[1][-1] == "amber"
    quarters = _csv(as_viewer, "quarters")
    assert quarters[1][0] == "2025-Q1" and quarters[1][3] == "2"
    assert _csv(as_viewer, "status")[1:] == [["Complete", "4"], ["Completed", "1"]]
    assert _csv(as_viewer, "priority")[1] == ["Medium", "3"]
    resources = _csv(as_viewer, "resources", "&resources=1")
    assert resources[0][2:4] == ["utilisation_2025-03-03", "utilisation_2025-03-10"]
    assert resources[1][1:4] == ["Sanne Bakker", "100.0", "100.0"]
    assert as_viewer.get(PAGE.replace("scorecard?", "scorecard/nope.csv?")).status_code == 404


def test_admin_sets_targets_and_the_colours_follow(app, tenant, as_admin, as_operator):
    form = {"scorecard.target_utilisation": "80", "scorecard.target_same_day_close_rate": "off",
            "scorecard.amber_margin": "5", "back": PAGE}
    assert as_operator.post("/reports/scorecard/targets", data=form).status_code == 403
    response = as_admin.post("/reports/scorecard/targets", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE.split("/reports")[1])
    assert get_setting("scorecard.target_utilisation") == "80"
    html = as_admin.get(PAGE).get_data(as_text=True)
    assert 'id="targets-form"' in html
    # Week 2: 75 % against 80 % with a 5 % band (76 %) is red; same-day is no longer rated.
    row = re.search(r'data-week="2025-03-10">(.*?)</tr>', html).group(1)
    assert 'rag-red" data-metric="utilisation"' in row
    assert 'class="num" data-metric="same_day_close_rate"' in row
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.target == "scorecard.target_utilisation"))


def test_invalid_targets_are_refused_whole(app, as_admin):
    response = as_admin.post("/reports/scorecard/targets", data={
        "scorecard.target_utilisation": "lots", "scorecard.amber_margin": "7",
        "back": "https://evil.example/"})
    assert response.headers["Location"] == "/reports/scorecard"  # never off-site
    html = as_admin.get("/reports/scorecard").get_data(as_text=True)
    assert "Enter a number" in html and "Nothing was saved" in html
    assert get_setting("scorecard.amber_margin") == 10


def test_admin_creates_lists_and_revokes_tokens(app, as_admin, viewer):
    page = as_admin.get("/settings/general").get_data(as_text=True)
    assert 'href="/settings/api-tokens/"' in page
    response = as_admin.post("/settings/api-tokens/", data={"name": "Grafana", "user_id": str(viewer.id)})
    html = response.get_data(as_text=True)
    token = re.search(r'id="new-token">(bct_[^<]+)<', html).group(1)
    row = db.session.scalar(select(ApiToken))
    assert row.user_id == viewer.id and row.name == "Grafana"
    listing = as_admin.get("/settings/api-tokens/").get_data(as_text=True)
    assert token not in listing and row.prefix in listing and "viewer@example.com" in listing
    as_admin.post(f"/settings/api-tokens/{row.id}/revoke")
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    assert "revoked" in as_admin.get("/settings/api-tokens/").get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"api_token.created", "api_token.revoked"} <= actions
    blank = as_admin.post("/settings/api-tokens/", data={"name": " ", "user_id": str(viewer.id)})
    assert blank.status_code == 400


def test_only_admins_manage_tokens(app, as_operator, as_viewer):
    assert as_operator.get("/settings/api-tokens/").status_code == 403
    assert as_viewer.get("/settings/api-tokens/").status_code == 403
    assert as_operator.post("/settings/api-tokens/", data={"name": "x", "user_id": "1"}).status_code == 403
