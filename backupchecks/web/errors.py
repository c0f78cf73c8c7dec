"""Error pages that say what happened and leak nothing."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "Your role does not allow this. Ask an admin if you need it."),
    404: ("Not found", "There is nothing at this address."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than Backupchecks accepts."),
    429: ("Too many requests", "Slow down and try again in a minute."),
    500: ("Something went wrong", "The error has been logged. Try again, or ask an admin."),
    503: ("Unavailable", "A service Backupchecks needs is not answering. Try again shortly."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(code: int, detail: str | None = None) -> tuple[object, int]:
    title, text = MESSAGES.get(code, MESSAGES[500])
    if detail:
        text = detail
    if _wants_json():
        return jsonify({"error": text, "status": code}), code
    return render_template("errors/error.html", code=code, title=title, text=text), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_: CSRFError) -> tuple[object, int]:
        return render_error(
            400, "The form was out of date or not sent from this site. Reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[object, int]:
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def _unhandled(exc: Exception) -> tuple[object, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        from backupchecks.extensions import db

        db.session.rollback()
        return render_error(500)
