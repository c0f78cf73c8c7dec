"""Login, logout, throttling, sessions, CSRF."""

from datetime import timedelta

from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.models.settings import AuditEntry
from backupchecks.models.users import LoginThrottle, User
from tests.conftest import PASSWORD, login


def test_every_page_but_login_and_health_needs_login(app, client):
    skipped = {"static", "auth.login", "api.health"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in skipped or "GET" not in rule.methods or rule.arguments:
            continue
        response = client.get(rule.rule)
        assert response.status_code in (302, 401), rule.rule
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], rule.rule
        checked += 1
    assert checked >= 8  # dashboard, settings, users, audit and the menu areas


def test_login_with_right_password_lands_on_dashboard(client, operator):
    response = login(client, operator)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert b"Dashboard" in page.data
    assert db.session.get(User, operator.id).last_login_at is not None


def test_wrong_password_is_refused_with_a_message(client, operator):
    response = login(client, operator, "wrong password!")
    assert response.status_code == 401
    assert b"Wrong e-mail address or password." in response.data
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_message(client):
    response = client.post("/login", data={"email": "nobody@example.com", "password": "whatever123"})
    assert response.status_code == 401
    assert b"Wrong e-mail address or password." in response.data


def test_login_is_throttled_after_repeated_failures(app, client, operator):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, operator, "bad-password-1").status_code == 401
    response = login(client, operator)  # even the right password is refused now
    assert response.status_code == 401
    assert b"Too many failed attempts" in response.data
    row = db.session.get(LoginThrottle, f"email:{operator.email}")
    assert row.locked_until is not None
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("login.failed") == app.config["LOGIN_MAX_FAILURES"]
    assert "login.throttled" in actions


def test_throttle_lock_expires(app, client, operator):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, operator, "bad-password-1")
    row = db.session.get(LoginThrottle, f"email:{operator.email}")
    row.locked_until = row.locked_until - timedelta(hours=1)
    row.first_failure_at = row.first_failure_at - timedelta(hours=1)
    ip_row = db.session.get(LoginThrottle, "ip:127.0.0.1")
    ip_row.locked_until = None
    db.session.commit()
    assert login(client, operator).status_code == 302


def test_deactivated_user_cannot_log_in(client, operator):
    operator.active = False
    db.session.commit()
    response = login(client, operator)
    assert response.status_code == 401
    assert b"deactivated" in response.data


def test_logout_ends_the_session(as_viewer):
    response = as_viewer.post("/logout")
    assert response.status_code == 302
    assert as_viewer.get("/").status_code == 302


def test_logout_is_not_possible_by_get(as_viewer):
    assert as_viewer.get("/logout").status_code == 405
    assert as_viewer.get("/").status_code == 200


def test_forged_csrf_token_is_refused_and_changes_nothing(app, as_admin):
    response = as_admin.post(
        "/settings/general",
        data={"general.company_name": "Evil Corp", "csrf_token": "forged"},
        headers={"X-CSRFToken": "forged"},
        csrf=False,
    )
    assert response.status_code == 400
    assert b"Reload the page and try again" in response.data
    from backupchecks.settings import get_setting

    assert get_setting("general.company_name") == ""


def test_missing_csrf_token_on_login_is_refused(client, operator):
    response = client.post("/login", data={"email": operator.email, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_password_change_signs_out_other_sessions(app, as_operator, operator):
    other = app.test_client()
    assert login(other, operator).status_code == 302
    response = as_operator.post(
        "/account",
        data={"current": PASSWORD, "new": "a brand new password", "confirm": "a brand new password"},
    )
    assert response.status_code == 302
    assert as_operator.get("/").status_code == 200  # this session stays
    assert other.get("/").status_code == 302  # the other one is signed out


def test_password_change_with_wrong_current_password_is_refused(as_operator):
    response = as_operator.post(
        "/account", data={"current": "not mine at all", "new": "another password 1",
                          "confirm": "another password 1"}
    )
    assert b"This is not your current password." in response.data


def test_expired_session_sends_to_login(app, operator):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)
    c = app.test_client()
    login(c, operator)
    assert c.get("/").status_code == 302


def test_open_redirect_after_login_is_refused(client, operator):
    response = client.post("/login?next=//evil.example/x",
                           data={"email": operator.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_next_path_on_same_site_is_followed(client, operator):
    response = client.post("/login?next=/settings/",
                           data={"email": operator.email, "password": PASSWORD})
    assert response.headers["Location"] == "/settings/"


def test_oversized_login_field_gets_a_clear_answer(client, operator):
    response = client.post("/login", data={"email": operator.email, "password": "x" * 5000})
    assert response.status_code == 401
    assert b"Enter your e-mail address and password." in response.data
