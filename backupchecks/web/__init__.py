"""Blueprints, error pages, security headers: the web layer's wiring."""

from __future__ import annotations

from flask import Flask

from backupchecks.models.users import Role
from backupchecks.security.roles import enforce_login_and_write_role
from backupchecks.web import errors, session, template_helpers
from backupchecks.web.headers import add_security_headers


def register_web(app: Flask) -> None:
    from backupchecks.security import api_tokens
    from backupchecks.web.api import bp as api_bp
    from backupchecks.web.api_tokens import bp as api_tokens_bp
    from backupchecks.web.audit import bp as audit_bp
    from backupchecks.web.auth import bp as auth_bp
    from backupchecks.web.customers import bp as customers_bp
    from backupchecks.web.dashboard import bp as dashboard_bp
    from backupchecks.web.inbox import bp as inbox_bp
    from backupchecks.web.jobs import bp as jobs_bp
    from backupchecks.web.mailadmin import bp as mailadmin_bp
    from backupchecks.web.overrides import bp as overrides_bp
    from backupchecks.web.reports import bp as reports_bp
    from backupchecks.web.run_checks import bp as run_checks_bp
    from backupchecks.web.settings import bp as settings_bp
    from backupchecks.web.tickets import bp as tickets_bp
    from backupchecks.web.users import bp as users_bp

    session.init_login(app)
    app.before_request(enforce_login_and_write_role)
    for bp in (auth_bp, dashboard_bp, inbox_bp, run_checks_bp, jobs_bp, customers_bp, tickets_bp,
               overrides_bp, reports_bp, settings_bp, users_bp, audit_bp, mailadmin_bp,
               api_tokens_bp, api_bp):
        app.register_blueprint(bp)
    api_tokens.install(app)  # after the app-wide hooks, but inserted ahead of them
    app.after_request(add_security_headers)
    errors.register(app)
    template_helpers.register(app)
    app.jinja_env.globals["nav_items"] = NAV_ITEMS
    app.jinja_env.globals["roles"] = Role


# (endpoint, label) in menu order.
NAV_ITEMS: list[tuple[str, str]] = [
    ("dashboard.index", "Dashboard"),
    ("inbox.index", "Inbox"),
    ("run_checks.index", "Run Checks"),
    ("jobs.index", "Jobs"),
    ("customers.index", "Customers"),
    ("tickets.index", "Tickets"),
    ("overrides.index", "Overrides"),
    ("reports.index", "Reports"),
    ("settings.index", "Settings"),
]
