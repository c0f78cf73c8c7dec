from __future__ import annotations

import logging
from typing import Any

from flask import current_app, jsonify
from flask_login import current_user
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from backupchecks.autotask.filters import format_datetime
from backupchecks.extensions import db
from backupchecks.health import autotask_configured
from backupchecks.models.mail import ImapFolderState
from backupchecks.reports.fetch import autotask_health
from backupchecks.web.api import bp

log = logging.getLogger(__name__)


@bp.route("/health")
def health() -> tuple[Response, int]:
    """For load balancers and Docker's HEALTHCHECK: no login, no secrets."""
    body = {"status": "ok", "database": "ok", "version": current_app.config["VERSION"]}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        # The driver's message may carry a connection string: log the type only.
        log.error("health: database unreachable (%s)", type(exc).__name__)
        body.update(status="error", database="unreachable", autotask="unknown")
        return jsonify(body), 503
    body["autotask"] = "configured" if autotask_configured() else "not configured"
    # Facts, not verdicts: an Autotask or mailbox outage must not make a load
    # balancer restart Backupchecks, so these never change the status code.
    # Error texts only for logged-in people: this endpoint is public.
    show_errors = current_user.is_authenticated
    try:
        body["autotask_last_fetch"] = _autotask_fetch(show_errors)
        body["mail_import"] = _mail_import(show_errors)
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("health: import/Autotask facts unavailable (%s)", type(exc).__name__)
    return jsonify(body), 200


def _when(value: Any) -> str | None:
    return format_datetime(value) if value is not None else None


def _autotask_fetch(show_errors: bool) -> dict[str, Any]:
    """How the last report fetch from Autotask went (the scorecard records each one)."""
    last = autotask_health()
    if last is None:
        return {"state": "never"}
    out: dict[str, Any] = {"state": "ok" if last["ok"] else "error", "at": _when(last["at"])}
    if show_errors and last["error"]:
        out["error"] = last["error"]
    return out


def _mail_import(show_errors: bool) -> dict[str, Any]:
    """The most recently polled mailbox folder: when it last worked, and its last error."""
    state = db.session.scalar(
        select(ImapFolderState)
        .order_by(ImapFolderState.last_poll_at.is_(None), ImapFolderState.last_poll_at.desc())
        .limit(1)
    )
    if state is None:
        return {"state": "never"}
    out: dict[str, Any] = {
        "state": "error" if state.last_error else "ok",
        "last_poll_at": _when(state.last_poll_at),
        "last_success_at": _when(state.last_success_at),
        "last_imported": state.last_imported,
    }
    if show_errors and state.last_error:
        out["last_error"] = state.last_error
    return out
