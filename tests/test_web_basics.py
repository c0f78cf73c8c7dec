"""Health, security headers, error pages."""

from backupchecks import create_app
from tests.conftest import base_config


def test_health_returns_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(base_config("postgresql://nobody@127.0.0.1:1/none"))
    response = app.test_client().get("/api/health")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    assert "127.0.0.1:1" not in response.get_data(as_text=True)


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_in_pages(as_admin):
    for path in ("/", "/settings/general", "/settings/users/"):
        html = as_admin.get(path).get_data(as_text=True)
        assert "<script>" not in html and "onclick=" not in html, path


def test_404_page_leaks_nothing(as_viewer):
    response = as_viewer.get("/no/such/page")
    assert response.status_code == 404
    assert b"There is nothing at this address." in response.data


def test_500_page_leaks_nothing(app, viewer):
    from tests.conftest import login

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    as_viewer = app.test_client()
    login(as_viewer, viewer)

    app.testing = False  # let the error handler answer instead of raising into the test
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = as_viewer.get("/boom")
    assert response.status_code == 500
    assert b"secret internals" not in response.data
    assert b"Something went wrong" in response.data


def test_api_errors_are_json(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.json["error"]


def test_too_large_request_gets_413(app, as_admin):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = as_admin.post("/settings/general", data={"general.company_name": "z" * 5000})
    assert response.status_code == 413
    assert b"larger than Backupchecks accepts" in response.data


def test_daily_dashboard_visit_is_required_when_set(app, as_operator):
    from backupchecks.extensions import db
    from backupchecks.settings import set_setting

    set_setting("general.require_dashboard_visit", True)
    db.session.commit()
    response = as_operator.get("/run-checks/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert as_operator.get("/").status_code == 200
    assert as_operator.get("/run-checks/").status_code == 200
