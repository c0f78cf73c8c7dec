from __future__ import annotations

import logging

from flask import current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from backupchecks.extensions import db
from backupchecks.health import autotask_configured
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
    return jsonify(body), 200
