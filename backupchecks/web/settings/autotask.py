"""Settings → Autotask: test connection, reference data, ticket defaults (admins only)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask import request as flask_request
from werkzeug.wrappers import Response

from backupchecks.autotask import admin
from backupchecks.autotask.errors import AutotaskError
from backupchecks.extensions import db
from backupchecks.settings.store import SettingsError
from backupchecks.web.settings import bp


@bp.route("/autotask/test", methods=["POST"])
def autotask_test() -> Response:
    for check in admin.connection_report():
        flash(f"{check.what}: {check.detail}", "success" if check.ok else "error")
    return redirect(url_for("settings.section", section="autotask"))


@bp.route("/autotask/reference", methods=["POST"])
def autotask_reference() -> Response:
    try:
        ref = admin.refresh_reference()
    except AutotaskError as exc:
        db.session.rollback()
        flash(f"Reference data not refreshed: {exc}", "error")
    else:
        count = sum(len(ref.picklist(n)) for n in ("queueID", "priority", "status", "source",
                                                   "issueType", "subIssueType", "ticketCategory"))
        flash(f"Reference data refreshed: {count} values.", "success")
    return redirect(url_for("settings.section", section="autotask"))


@bp.route("/autotask/defaults", methods=["POST"])
def autotask_defaults() -> Response:
    try:
        changed = admin.save_defaults(flask_request.form)
    except SettingsError as exc:
        for message in exc.errors.values():
            flash(message, "error")
        flash("Ticket defaults not saved.", "error")
    else:
        flash(f"Ticket defaults saved ({len(changed)} change(s)).", "success")
    return redirect(url_for("settings.section", section="autotask"))
