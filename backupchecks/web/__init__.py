"""Blueprints, error pages, security headers: the web layer's wiring."""

from __future__ import annotations

from flask import Flask

from backupchecks.models.users import Role
from backupchecks.security.roles import enforce_login_and_write_role
from backupchecks.web import errors, session
from backupchecks.web.headers import add_security_headers


def register_web(app: Flask) -> None:
    from backupchecks.web.api import bp as api_bp
    from backupchecks.web.areas import bp as areas_bp
    from backupchecks.web.audit import bp as audit_bp
    from backupchecks.web.auth import bp as auth_bp
    from backupchecks.web.dashboard import bp as dashboard_bp
    from backupchecks.web.settings import bp as settings_bp
    from backupchecks.web.users import bp as users_bp

    session.init_login(app)
    app.before_request(enforce_login_and_write_role)
    for bp in (auth_bp, dashboard_bp, settings_bp, users_bp, audit_bp, api_bp, areas_bp):
        app.register_blueprint(bp)
    app.after_request(add_security_headers)
    errors.register(app)
    app.jinja_env.globals["nav_items"] = NAV_ITEMS
    app.jinja_env.globals["roles"] = Role


# (endpoint, label) in menu order. Areas not built yet point at their
# placeholder page in web/areas.
NAV_ITEMS: list[tuple[str, str]] = [
    ("dashboard.index", "Dashboard"),
    ("areas.inbox", "Inbox"),
    ("areas.run_checks", "Run Checks"),
    ("areas.jobs", "Jobs"),
    ("areas.customers", "Customers"),
    ("areas.tickets", "Tickets"),
    ("areas.reports", "Reports"),
    ("settings.index", "Settings"),
]
