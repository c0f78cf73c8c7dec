"""Thin views over backupchecks.checks.customers: parse the request, call, commit, answer.

Writes need an operator (the app-wide hook refuses viewers already; the
decorators say it again where the view is). Searching Autotask costs API calls
of a shared hourly budget, so it is for operators too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from backupchecks.autotask.client import AutotaskClient
from backupchecks.autotask.config import credentials, make_client
from backupchecks.autotask.errors import AutotaskConfigError, AutotaskError
from backupchecks.checks import customers as service
from backupchecks.checks.customers import CustomerError, ImportRejected
from backupchecks.extensions import db
from backupchecks.models.jobs import Customer
from backupchecks.models.users import Role
from backupchecks.security.roles import require_role
from backupchecks.web.customers import bp

logger = logging.getLogger(__name__)

RACE_MESSAGE = "Someone changed the customers at the same moment; nothing was saved. Try again."


def _customer_or_404(customer_id: int) -> Customer:
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    return customer


def _wants_json() -> bool:
    # The page's script asks for JSON; a plain form post gets a redirect.
    return request.accept_mimetypes.best == "application/json"


def _back(customer: Customer | None = None) -> Response:
    """Back to where the form was: the customer's page, or the list."""
    if customer is not None and request.form.get("back") == "edit":
        return redirect(url_for("customers.edit", customer_id=customer.id))
    return redirect(url_for("customers.index"))


def _autotask_status(exc: AutotaskError) -> int:
    return 503 if isinstance(exc, AutotaskConfigError) else 502


def _commit() -> bool:
    """Commit; False (rolled back) when a concurrent change broke a unique name."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _autotask_ready() -> bool:
    return credentials() is not None


# ------------------------------------------------------------------- pages


def _render_index(import_errors: list[str] | None = None, status: int = 200) -> tuple[str, int]:
    rows = service.list_customers()
    counts = {
        "mapped": sum(1 for r in rows if r.state != "unmapped"),
        "attention": sum(1 for r in rows if r.state in ("renamed", "missing", "unchecked")),
        "inactive": sum(1 for r in rows if not r.customer.active),
    }
    return render_template(
        "customers/index.html", rows=rows, counts=counts, import_errors=import_errors,
        autotask_ready=_autotask_ready(), csv_columns=service.CSV_COLUMNS,
        name_max=service.NAME_MAX,
        suggest_queries={r.customer.id: service.suggestion_query(r.customer.name) for r in rows},
    ), status


@bp.get("", strict_slashes=False)
def index() -> tuple[str, int]:
    return _render_index()


@bp.get("/<int:customer_id>")
def edit(customer_id: int) -> tuple[str, int]:
    customer = _customer_or_404(customer_id)
    row = service.customer_row(customer)
    query = " ".join((request.args.get("q") or "").split())
    hits: list[service.CompanyHit] = []
    suggestion = None
    search_error = None
    if query:
        # The no-script way to search: the form posts back here with ?q=.
        if not _is_operator():
            search_error = "Only operators can search Autotask."
        else:
            try:
                with service.autotask_client(**service.SEARCH_CLIENT_OPTIONS) as client:
                    hits = service.search_companies(client, query)
                suggestion = _suggestion_for(customer, hits)
            except CustomerError as exc:
                search_error = str(exc)
            except AutotaskError as exc:
                logger.warning("Autotask company search failed: %r", exc)
                search_error = f"Autotask search failed: {exc}"
    return render_template(
        "customers/edit.html", row=row, customer=customer, jobs=customer.jobs, q=query,
        hits=hits, suggestion=suggestion, search_error=search_error,
        suggest_q=service.suggestion_query(customer.name), autotask_ready=_autotask_ready(),
        name_max=service.NAME_MAX,
        # The jobs page belongs to another blueprint: link to it only when it is there.
        job_endpoint="jobs.job" if "jobs.job" in current_app.view_functions else None,
    ), 200


def _is_operator() -> bool:
    return bool(current_user.is_authenticated and current_user.has_role(Role.OPERATOR))


def _suggestion_for(customer: Customer | None,
                    hits: list[service.CompanyHit]) -> service.Suggestion | None:
    if customer is None:
        return None
    found = service.suggest(customer.name, hits)
    # Suggesting the company it is already mapped to says nothing.
    if found is not None and found.company.id == customer.autotask_company_id:
        return None
    return found


# ------------------------------------------------------------ add and edit


@bp.post("/add")
@require_role(Role.OPERATOR)
def create() -> Response:
    try:
        customer = service.create(request.form.get("name", ""))
    except CustomerError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("customers.index"))
    if not _commit():
        flash(RACE_MESSAGE, "error")
        return redirect(url_for("customers.index"))
    flash(f"Customer {customer.name} added.", "success")
    return redirect(url_for("customers.index"))


@bp.post("/<int:customer_id>/rename")
@require_role(Role.OPERATOR)
def rename(customer_id: int) -> Response:
    customer = _customer_or_404(customer_id)
    old = customer.name
    try:
        changed = service.rename(customer, request.form.get("name", ""))
    except CustomerError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(customer)
    if not _commit():
        flash(RACE_MESSAGE, "error")
    elif changed:
        flash(f"{old} is now called {customer.name}.", "success")
    return _back(customer)


def _set_active(customer_id: int, active: bool) -> Response:
    customer = _customer_or_404(customer_id)
    if service.set_active(customer, active):
        db.session.commit()
        flash(f"{customer.name} {'reactivated' if active else 'deactivated'}.", "success")
    return _back(customer)


@bp.post("/<int:customer_id>/deactivate")
@require_role(Role.OPERATOR)
def deactivate(customer_id: int) -> Response:
    return _set_active(customer_id, False)


@bp.post("/<int:customer_id>/activate")
@require_role(Role.OPERATOR)
def activate(customer_id: int) -> Response:
    return _set_active(customer_id, True)


# ----------------------------------------------------------------- mapping


@bp.get("/companies")
@require_role(Role.OPERATOR)
def companies() -> tuple[Response, int]:
    """JSON search of Autotask companies for the mapping box (one query per call)."""
    try:
        query = service.clean_query(request.args.get("q"))
    except CustomerError as exc:
        return jsonify({"error": str(exc)}), 400
    customer = None
    raw_id = request.args.get("customer", "")
    if raw_id.isascii() and raw_id.isdigit():
        customer = db.session.get(Customer, int(raw_id))
    try:
        with service.autotask_client(**service.SEARCH_CLIENT_OPTIONS) as client:
            hits = service.search_companies(client, query)
    except AutotaskError as exc:
        logger.warning("Autotask company search for %r failed: %r", query, exc)
        return jsonify({"error": f"Autotask search failed: {exc}"}), _autotask_status(exc)
    suggestion = _suggestion_for(customer, hits)
    return jsonify({
        "query": query,
        "companies": [h.as_json() for h in hits],
        "suggestion": suggestion.as_json() if suggestion else None,
    }), 200


def _autotask_action(customer: Customer, action: str,
                     work: Callable[[AutotaskClient], object], done: str) -> Any:
    """Run ``work(client)``; commit on success, else roll back and audit the failure."""
    try:
        with service.autotask_client(**service.SEARCH_CLIENT_OPTIONS) as client:
            result = work(client)
        db.session.commit()
    except (CustomerError, AutotaskError) as exc:
        db.session.rollback()
        message = service.record_failure(action, service.target(customer), exc)
        db.session.commit()
        status = _autotask_status(exc) if isinstance(exc, AutotaskError) else 400
        if _wants_json():
            return jsonify({"error": message}), status
        flash(message, "error")
        return _back(customer)
    message = done.format(customer=customer, result=result)
    flash(message, "success")  # the script reloads the page, which shows it
    if _wants_json():
        return jsonify({"ok": True, "message": message, "state": customer.mapping_state,
                        "company": {"id": customer.autotask_company_id,
                                    "name": customer.autotask_company_name}}), 200
    return _back(customer)


@bp.post("/<int:customer_id>/map")
@require_role(Role.OPERATOR)
def map_company(customer_id: int) -> Any:
    customer = _customer_or_404(customer_id)
    company_id = request.form.get("company_id", "")
    return _autotask_action(
        customer, "customer.map_failed",
        lambda client: service.map_company(customer, company_id, client),
        "{customer.name} is mapped to {customer.autotask_company_name} "
        "(Autotask company {customer.autotask_company_id}).",
    )


@bp.post("/<int:customer_id>/accept-name")
@require_role(Role.OPERATOR)
def accept_name(customer_id: int) -> Any:
    customer = _customer_or_404(customer_id)
    return _autotask_action(
        customer, "customer.accept_name_failed",
        lambda client: service.accept_new_name(customer, client),
        "{customer.name}: the Autotask name is now {result}.",
    )


@bp.post("/<int:customer_id>/unmap")
@require_role(Role.OPERATOR)
def unmap(customer_id: int) -> Response:
    customer = _customer_or_404(customer_id)
    if service.unmap(customer):
        db.session.commit()
        flash(f"{customer.name} is no longer mapped to an Autotask company.", "success")
    return _back(customer)


@bp.post("/refresh-mappings")
@require_role(Role.OPERATOR)
def refresh_mappings() -> Response:
    try:
        with service.autotask_client(**service.BATCH_CLIENT_OPTIONS) as client:
            result = service.refresh_mappings(client)
        db.session.commit()
    except AutotaskError as exc:
        db.session.rollback()
        message = service.record_failure("customer.mappings_refresh_failed",
                                         "all mapped customers", exc)
        db.session.commit()
        flash(f"Refresh all mappings failed: {message} Nothing was changed.", "error")
        return redirect(url_for("customers.index"))
    flash(result.summary(), "warning" if result.renamed or result.missing else "success")
    return redirect(url_for("customers.index"))


# --------------------------------------------------------------------- CSV


@bp.get("/export.csv")
def export_csv() -> Response:
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return Response(
        service.export_csv().encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="customers-{stamp}.csv"',
                 "Content-Type": "text/csv; charset=utf-8"},
    )


@bp.post("/import")
@require_role(Role.OPERATOR)
def import_csv() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a CSV file to import.", "error")
        return redirect(url_for("customers.index"))
    data = upload.read(service.CSV_MAX_BYTES + 1)
    try:
        result = service.import_csv(data, lambda: make_client(**service.BATCH_CLIENT_OPTIONS))
    except ImportRejected as exc:
        db.session.rollback()
        if exc.autotask_failed:
            service.record_failure("customer.import_failed", upload.filename[:200], exc)
            db.session.commit()
        return _render_index(exc.errors, 400)
    if not _commit():
        return _render_index([RACE_MESSAGE], 409)
    flash(result.summary(), "success")
    return redirect(url_for("customers.index"))
