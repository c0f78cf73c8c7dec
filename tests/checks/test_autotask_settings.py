"""Settings → Autotask: connection test in words, reference data, validated ticket defaults."""

import re

from backupchecks.autotask import clear_zone_cache
from backupchecks.extensions import db
from backupchecks.settings import get_setting, set_setting


def _flashes(html):
    return re.findall(r'class="flash flash-(\w+)"[^>]*>([^<]*)<', html)


def test_connection_test_says_what_worked(as_admin, autotask_sim):
    html = as_admin.post("/settings/autotask/test", follow_redirects=True).get_data(as_text=True)
    flashes = dict((text.split(":")[0], kind) for kind, text in _flashes(html))
    assert flashes == {"Zone": "success", "Login": "success", "Permissions": "success",
                       "API usage": "success"}
    assert "requests this hour" in html


def test_connection_test_with_a_bad_secret_says_why(as_admin, autotask_sim):
    set_setting("autotask.secret", "not-the-secret")
    db.session.commit()
    clear_zone_cache()
    html = as_admin.post("/settings/autotask/test", follow_redirects=True).get_data(as_text=True)
    kinds = _flashes(html)
    assert kinds[0][0] == "error" and kinds[0][1].startswith("Login:")
    assert "not-the-secret" not in html


def test_connection_test_reports_high_api_usage(as_admin, autotask_sim):
    autotask_sim.sim.set_threshold(1000, count=700)
    html = as_admin.post("/settings/autotask/test", follow_redirects=True).get_data(as_text=True)
    assert any(k == "error" and t.startswith("API usage:") for k, t in _flashes(html))


def test_not_configured_is_said_plainly(as_admin):
    html = as_admin.post("/settings/autotask/test", follow_redirects=True).get_data(as_text=True)
    assert "Autotask is not configured" in html


def test_reference_refresh_shows_its_age_and_lists(as_admin, autotask_sim):
    html = as_admin.post("/settings/autotask/reference", follow_redirects=True).get_data(as_text=True)
    assert "Reference data refreshed" in html
    assert 'id="reference-age"' in html and "Backup (ROC)" in html  # a queue from the tenant
    calls = [r for r in autotask_sim.requests if r.path != "/zoneInformation"]
    assert [(r.method, r.path) for r in calls] == [("GET", "/Tickets/entityInformation/fields")]


def test_defaults_are_validated_against_reference_data(as_admin, autotask_sim):
    form = {"autotask.default_queue": "29682969", "autotask.default_priority": "2",
            "autotask.default_status": "1", "autotask.completing_status": "5",
            "autotask.on_success": "note"}
    html = as_admin.post("/settings/autotask/defaults", data=form, follow_redirects=True).get_data(
        as_text=True)
    assert "Ticket defaults saved" in html
    assert get_setting("autotask.default_queue") == "29682969"
    assert get_setting("autotask.on_success") == "note"
    html = as_admin.post("/settings/autotask/defaults", data={**form, "autotask.completing_status": "77"},
                         follow_redirects=True).get_data(as_text=True)
    assert "is not an active value in Autotask" in html
    assert get_setting("autotask.completing_status") == "5"  # nothing changed


def test_inactive_queue_is_refused(as_admin, autotask_sim):
    html = as_admin.post("/settings/autotask/defaults", data={"autotask.default_queue": "29683100"},
                         follow_redirects=True).get_data(as_text=True)
    assert "not an active value" in html


def test_operator_cannot_touch_autotask_settings(as_operator, autotask_sim):
    assert as_operator.post("/settings/autotask/reference").status_code == 403
    assert as_operator.post("/settings/autotask/defaults", data={}).status_code == 403


def test_environment_overrides_stored_credentials(app, autotask_sim, monkeypatch):
    from backupchecks.autotask.config import credentials

    monkeypatch.setenv("AUTOTASK_USERNAME", "env-user@msp.example")
    monkeypatch.setenv("AUTOTASK_SECRET", "env-secret")
    monkeypatch.setenv("AUTOTASK_INTEGRATION_CODE", "ENVCODE")
    monkeypatch.setenv("AUTOTASK_ZONE_URL", "https://webservices3.autotask.net")
    creds = credentials()
    assert (creds.username, creds.secret, creds.integration_code) == (
        "env-user@msp.example", "env-secret", "ENVCODE")
    assert creds.base_url == "https://webservices3.autotask.net"
    assert "env-secret" not in repr(creds)
