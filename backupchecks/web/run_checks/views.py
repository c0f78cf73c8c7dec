from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from backupchecks.autotask import cache
from backupchecks.autotask.config import credentials
from backupchecks.checks import overrides, review, tickets
from backupchecks.extensions import db
from backupchecks.models.checks import Remark, RunOverride
from backupchecks.models.jobs import Job, Run
from backupchecks.models.tickets import RunTicket, Ticket
from backupchecks.web.forms import FormError, optional_date, optional_int, safe_local_path, text
from backupchecks.web.run_checks import bp

TICKET_FIELD_LABELS = (("queueID", "Queue"), ("priority", "Priority"), ("status", "Status"),
                       ("source", "Source"), ("issueType", "Issue type"),
                       ("subIssueType", "Sub-issue type"), ("ticketCategory", "Category"))


def _filters() -> review.Filters:
    return review.Filters(
        statuses=tuple(request.args.getlist("status")),
        customer_id=optional_int("customer", request.args),
        product=(request.args.get("product") or None),
        date_from=optional_date("from", request.args),
        date_to=optional_date("to", request.args),
    )


def _back() -> str:
    target = safe_local_path(request.form.get("next"), url_for("run_checks.index"))
    return target if target.startswith("/run-checks") else url_for("run_checks.index")


@bp.route("/")
def index() -> str | tuple[str, int]:
    try:
        filters = _filters()
    except FormError as exc:
        flash(str(exc), "error")
        filters = review.Filters()
    page = request.args.get("page", 1, type=int) or 1
    work = review.worklist(filters, page)
    autotask_ready = credentials() is not None
    notice = tickets.refresh_statuses(work.tickets) if (work.tickets and autotask_ready) else None
    return render_template("run_checks/index.html", work=work, filters=filters,
                           choices=review.filter_choices(), notice=notice,
                           autotask_ready=autotask_ready)


@bp.route("/review", methods=["POST"])
def mark_reviewed() -> Response:
    ids = [i for i in request.form.getlist("run_id") if (i.isascii() and i.isdigit())]
    try:
        count = review.mark_reviewed(ids, current_user)
    except review.ReviewError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{count} run(s) marked reviewed.", "success")
    return redirect(_back())


def _run_or_404(run_id: int) -> Run:
    run = db.session.scalar(select(Run).where(Run.id == run_id).options(
        selectinload(Run.objects), selectinload(Run.job).selectinload(Job.customer)))
    if run is None:
        abort(404)
    return run


@bp.route("/runs/<int:run_id>")
def run_detail(run_id: int) -> str:
    run = _run_or_404(run_id)
    history = db.session.scalars(select(Run).where(Run.job_id == run.job_id)
                                 .order_by(Run.started_at.desc()).limit(30)).all()
    linked = db.session.scalars(select(Ticket).join(RunTicket, RunTicket.ticket_id == Ticket.id)
                                .where(RunTicket.run_id == run.id)).all()
    open_ticket = tickets.open_ticket_for_job(run.job_id)
    remarks = db.session.scalars(select(Remark).where(Remark.job_id == run.job_id)
                                 .order_by(Remark.created_at.desc()).limit(20)).all()
    override = db.session.get(RunOverride, run.id)
    notice = None
    visible = list({t.id: t for t in [*linked, *([open_ticket] if open_ticket else [])]}.values())
    autotask_ready = credentials() is not None  # reads and decrypts the settings: once
    if visible and autotask_ready:
        notice = tickets.refresh_statuses(visible)
    draft = tickets.draft_for_run(run) if run.status != "success" else None
    ref = cache.load()
    picklists = {name: [v for v in ref.picklist(name) if v.is_active] for name, _ in TICKET_FIELD_LABELS} \
        if ref else {}
    return render_template(
        "run_checks/run.html", run=run, history=history, linked=linked, open_ticket=open_ticket,
        remarks=remarks, override=override, draft=draft, picklists=picklists,
        field_labels=TICKET_FIELD_LABELS, reference_age=ref.refreshed_at if ref else None,
        autotask_ready=autotask_ready, notice=notice)


@bp.route("/runs/<int:run_id>/success", methods=["POST"])
def mark_success(run_id: int) -> Response:
    run = _run_or_404(run_id)
    try:
        review.mark_success(run.id, current_user)
    except review.ReviewError as exc:
        flash(str(exc), "error")
        return redirect(url_for("run_checks.run_detail", run_id=run_id))
    if request.form.get("with_override"):
        return redirect(url_for("run_checks.new_override", run_id=run_id))
    flash("Run marked as success and reviewed.", "success")
    return redirect(_back())


@bp.route("/runs/<int:run_id>/override", methods=["GET", "POST"])
def new_override(run_id: int) -> str | Response | tuple[str, int]:
    run = _run_or_404(run_id)
    error = None
    if request.method == "POST":
        try:
            rule = overrides.create_override(
                job_id=run.job_id, user_id=current_user.id,
                object_name=text("object_name", 500) or None,
                match_status=text("match_status", 16) or None,
                match_kind=text("match_kind", 16) or "contains",
                match_text=text("match_text", 1000) or None,
                valid_from=optional_date("valid_from"), valid_until=optional_date("valid_until"),
                note=text("note", 2000))
        except (FormError, overrides.OverrideError) as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(f"Override saved; it matched {rule.matched_count} waiting run(s) so far.", "success")
            return redirect(url_for("run_checks.index"))
    problems = [o for o in run.objects if o.status != "success"]
    return render_template("run_checks/override.html", run=run, problems=problems, error=error), \
        (400 if error else 200)


@bp.route("/runs/<int:run_id>/remark", methods=["POST"])
def add_remark(run_id: int) -> Response:
    run = _run_or_404(run_id)
    try:
        review.add_remark(job_id=run.job_id, run_id=run.id, user=current_user,
                          text=text("text", 4000), object_name=text("object_name", 500) or None,
                          ends_on=optional_date("ends_on"))
    except (FormError, review.ReviewError) as exc:
        flash(str(exc), "error")
    else:
        flash("Remark added.", "success")
    return redirect(url_for("run_checks.run_detail", run_id=run_id))


@bp.route("/runs/<int:run_id>/ticket", methods=["POST"])
def create_ticket(run_id: int) -> Response:
    run = _run_or_404(run_id)
    fields = {name: request.form.get(name, "") for name, _ in TICKET_FIELD_LABELS}
    try:
        title, description = text("title", 255), text("description", 8000)
        if not title:
            # The one-click button on the list sends nothing: use the prefilled draft.
            draft = tickets.draft_for_run(run)
            title, description = draft.title, description or draft.description
        result = tickets.create_for_run(run.id, user=current_user, title=title,
                                        description=description, fields=fields)
    except FormError as exc:
        flash(str(exc), "error")
    except tickets.TicketActionError as exc:
        flash(exc.message, "error")
        if exc.map_customer_id:
            flash("Map the customer on the Customers page, then try again.", "info")
    else:
        flash(result.message, "success")
    if request.form.get("from_list"):
        return redirect(_back())
    return redirect(url_for("run_checks.run_detail", run_id=run_id))


@bp.route("/runs/<int:run_id>/link", methods=["POST"])
def link_ticket(run_id: int) -> Response:
    run = _run_or_404(run_id)
    try:
        result = tickets.link_existing(run.id, user=current_user, reference=text("reference", 300))
    except FormError as exc:
        flash(str(exc), "error")
    except tickets.TicketActionError as exc:
        flash(exc.message, "error")
    else:
        flash(result.message, "success")
    return redirect(url_for("run_checks.run_detail", run_id=run_id))
