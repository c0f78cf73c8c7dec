"""Odd input gets a clear answer, never a 500 or a redirect off the site."""

import pytest

from backupchecks.web.forms import safe_local_path


@pytest.mark.parametrize("target", [
    "//evil.example/x", "/\\evil.example", "/\t/evil.example", "/\n/evil.example",
    "https://evil.example/", "evil.example", "/%09/evil.example", None, "",
])
def test_safe_local_path_refuses_ways_off_the_site(target):
    assert safe_local_path(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/run-checks/?status=failed&page=2", "/inbox/?tab=unparsed"])
def test_safe_local_path_keeps_our_own_paths(target):
    assert safe_local_path(target, "/home") == target


def test_unicode_digits_are_not_numbers(as_operator):
    assert as_operator.get("/run-checks/?customer=²").status_code == 200
    assert as_operator.post("/run-checks/review", data={"run_id": "²"}).status_code == 302
    assert as_operator.post("/inbox/ignore", data={"mail_id": "²"}).status_code == 302
    assert as_operator.get("/reports/?customer=²").status_code in (200, 400)


def test_inbox_next_cannot_leave_the_site(as_operator):
    response = as_operator.post("/inbox/ignore", data={"next": "/\t/evil.example"})
    assert response.headers["Location"] == "/inbox/"


def test_deleted_mail_is_hidden_from_non_admins_everywhere(app, as_viewer, as_admin):
    from backupchecks.extensions import db
    from backupchecks.models.mail import Mail

    mail = Mail(raw=b"Subject: secret\r\n\r\nbody", size=24, content_hash="f" * 64, deleted=True,
                state="unparsed")
    db.session.add(mail)
    db.session.commit()
    for path in (f"/inbox/mail/{mail.id}", f"/inbox/mail/{mail.id}/view", f"/inbox/mail/{mail.id}/raw"):
        assert as_viewer.get(path).status_code == 404, path
        assert as_admin.get(path).status_code == 200, path
