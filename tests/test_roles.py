"""Roles are enforced on the server, not only hidden in menus."""

import pytest
from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.models.users import User


@pytest.mark.parametrize("path", ["/settings/general", "/settings/users/", "/settings/audit/"])
def test_viewer_and_operator_are_refused_admin_pages(as_viewer, as_operator, path):
    assert as_viewer.get(path).status_code == 403
    assert as_operator.get(path).status_code == 403


def test_admin_sees_admin_pages(as_admin):
    for path in ("/settings/general", "/settings/mail", "/settings/autotask", "/settings/users/",
                 "/settings/audit/"):
        assert as_admin.get(path).status_code == 200, path


def test_viewer_posting_to_admin_form_changes_nothing(as_viewer, operator):
    response = as_viewer.post(f"/settings/users/{operator.id}/role", data={"role": "admin"})
    assert response.status_code == 403
    assert db.session.get(User, operator.id).role == "operator"


def test_operator_cannot_create_users(as_operator):
    response = as_operator.post("/settings/users/", data={
        "email": "new@example.com", "role": "admin", "password": "long enough password"})
    assert response.status_code == 403
    assert db.session.scalar(select(User).where(User.email == "new@example.com")) is None


def test_forbidden_page_leaks_nothing(as_viewer):
    response = as_viewer.get("/settings/general")
    assert b"Not allowed" in response.data
    assert b"Traceback" not in response.data


def test_viewer_can_change_own_password_page(as_viewer):
    assert as_viewer.get("/account").status_code == 200


def test_menu_hides_settings_from_non_admins(as_viewer, as_admin):
    assert b'href="/settings/"' not in as_viewer.get("/").data
    assert b'href="/settings/"' in as_admin.get("/").data
