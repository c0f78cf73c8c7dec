"""Jinja filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g

from backupchecks.autotask import cache
from backupchecks.autotask.config import ON_SUCCESS_CHOICES, TICKET_DEFAULTS
from backupchecks.timeutil import configured_zone


def _zone():  # type: ignore[no-untyped-def]
    if "bc_zone" not in g:
        g.bc_zone = configured_zone()
    return g.bc_zone


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time shown in the configured time zone."""
    if value is None:
        return ""
    return value.astimezone(_zone()).strftime(fmt)


def autotask_ticket_url(autotask_id: int) -> str | None:
    """Link that opens a ticket in Autotask's web UI (reference data read once per request)."""
    if "bc_reference" not in g:
        g.bc_reference = cache.load()
    ref = g.bc_reference
    return ref.ticket_url(autotask_id) if ref else None


def _autotask_defaults() -> dict[str, object]:
    from backupchecks.autotask.admin import current_defaults

    return current_defaults()


def dict_without(values: dict[str, object], *keys: str) -> dict[str, object]:
    """Query arguments minus some (to rebuild a link with another page number)."""
    return {k: v for k, v in values.items() if k not in keys}


def _company_name() -> str:
    from backupchecks.settings.store import get_setting

    return get_setting("general.company_name") or ""


def register(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["dict_without"] = dict_without
    app.jinja_env.globals["company_name"] = _company_name
    app.jinja_env.globals["autotask_ticket_url"] = autotask_ticket_url
    app.jinja_env.globals["autotask_reference"] = cache.load
    app.jinja_env.globals["autotask_defaults"] = _autotask_defaults
    app.jinja_env.globals["ticket_default_fields"] = TICKET_DEFAULTS
    app.jinja_env.globals["on_success_choices"] = ON_SUCCESS_CHOICES

    @app.context_processor
    def _endpoints() -> dict[str, object]:
        endpoints = current_app.view_functions.keys()
        mail_view = next((e for e in ("mails.view", "inbox.mail_view", "jobs.mail_view",
                                      "mail.view") if e in endpoints), None)
        return {"url_endpoints": endpoints, "mail_view_endpoint": mail_view}
