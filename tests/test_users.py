"""The admin's user management page."""

from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.models.users import User
from tests.conftest import PASSWORD, form_errors, login


def test_admin_creates_a_user_who_can_log_in(app, as_admin):
    response = as_admin.post("/settings/users/", data={
        "email": "New.Person@Example.com", "name": "New", "role": "viewer",
        "password": "a long password"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user.role == "viewer"
    assert login(app.test_client(), user, "a long password").status_code == 302


def test_duplicate_email_is_refused_on_the_form(as_admin, operator):
    response = as_admin.post("/settings/users/", data={
        "email": operator.email, "role": "viewer", "password": "a long password"})
    assert response.status_code == 400
    assert any("already exists" in e for e in form_errors(response.get_data(as_text=True)))


def test_short_password_is_refused(as_admin):
    response = as_admin.post("/settings/users/", data={
        "email": "x@example.com", "role": "viewer", "password": "short"})
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.email == "x@example.com")) is None


def test_change_role(as_admin, operator):
    as_admin.post(f"/settings/users/{operator.id}/role", data={"role": "viewer"})
    assert db.session.get(User, operator.id).role == "viewer"


def test_deactivation_signs_the_user_out(app, as_admin, operator):
    other = app.test_client()
    login(other, operator)
    assert other.get("/").status_code == 200
    as_admin.post(f"/settings/users/{operator.id}/deactivate")
    assert db.session.get(User, operator.id).active is False
    assert other.get("/").status_code == 302


def test_last_admin_cannot_be_demoted_or_deactivated(as_admin, admin):
    response = as_admin.post(f"/settings/users/{admin.id}/role", data={"role": "viewer"},
                             follow_redirects=True)
    assert b"last active admin" in response.data
    as_admin.post(f"/settings/users/{admin.id}/deactivate")
    admin_row = db.session.get(User, admin.id)
    assert admin_row.role == "admin" and admin_row.active


def test_reset_password(app, as_admin, operator):
    as_admin.post(f"/settings/users/{operator.id}/password", data={"password": "reset password 1"})
    c = app.test_client()
    assert login(c, operator, PASSWORD).status_code == 401
    assert login(app.test_client(), operator, "reset password 1").status_code == 302
