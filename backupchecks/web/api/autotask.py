"""JSON API over the PSA figures: GET /api/autotask/tickets, /scorecard/weekly, /scorecard/quarterly.

Answers come from the short-lived report cache; API tokens or a session (see
security.api_tokens). Nested in the ``api`` blueprint so endpoints are
``api.autotask.*`` (the dashboard-visit rule leaves ``api.`` alone).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from backupchecks.reports import fetch, psa

bp = Blueprint("autotask", __name__, url_prefix="/autotask")


def _error(message: str, status: int) -> tuple[Response, int]:
    return jsonify({"error": message, "status": status}), status


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in ("1", "true", "yes", "on")


def _scorecard(view: str) -> tuple[Response, int]:
    try:
        start, end = psa.parse_period(request.args.get("start_date"), request.args.get("end_date"),
                                      **_defaults(view))
        ref = fetch.load_reference()
        queue = psa.resolve_queue(request.args.get("queue"), ref)
        assert queue is not None
        card = psa.build_scorecard(queue, start, end, with_resources=_flag("resources"), ref=ref)
    except psa.InvalidRequest as exc:
        return _error(str(exc), 400)
    except fetch.ReportUnavailable as exc:
        return _error(f"Autotask could not be reached and nothing is cached: {exc}", 503)
    body: dict[str, Any] = card.envelope()
    if view == "weekly":
        body["weeks"] = card.weekly
    else:
        body["quarters"] = card.quarterly
    if card.resources is not None:
        body["resources"] = card.resources
    body["by_status"] = dict(card.by_status)
    body["by_priority"] = dict(card.by_priority)
    return jsonify(body), 200


def _defaults(view: str) -> dict[str, Any]:
    start, end = psa.default_period(view, psa.today())
    return {"default_start": start, "default_end": end}


@bp.get("/scorecard/weekly")
def scorecard_weekly() -> tuple[Response, int]:
    return _scorecard("weekly")


@bp.get("/scorecard/quarterly")
def scorecard_quarterly() -> tuple[Response, int]:
    return _scorecard("quarterly")


@bp.get("/tickets")
def tickets() -> tuple[Response, int]:
    today = psa.today()
    try:
        start, end = psa.parse_period(request.args.get("start_date"), request.args.get("end_date"),
                                      default_start=today, default_end=today)
        ref = fetch.load_reference()
        # No queue: every queue (the default queue is the scorecard's).
        queue_text = request.args.get("queue", "").strip()
        queue = psa.resolve_queue(queue_text, ref) if queue_text else None
        body = psa.tickets_report(start, end, queue, ref)
    except psa.InvalidRequest as exc:
        return _error(str(exc), 400)
    except fetch.ReportUnavailable as exc:
        return _error(f"Autotask could not be reached and nothing is cached: {exc}", 503)
    return jsonify(body), 200
