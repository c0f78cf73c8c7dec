"""Jobs: the list, one job's run history, one run."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from backupchecks.extensions import db
from backupchecks.mail import job_definitions
from backupchecks.mail import jobs as service
from backupchecks.mail.schedules import DAY_NAMES, schedule_of
from backupchecks.models.jobs import Customer, Job, Run
from backupchecks.models.mail import Mail
from backupchecks.models.users import Role
from backupchecks.security.roles import require_role
from backupchecks.timeutil import configured_zone, today_local
from backupchecks.web.jobs import bp

PAGE = 100


def _job_or_404(job_id: int) -> Job:
    job = db.session.scalar(select(Job).options(joinedload(Job.customer)).where(Job.id == job_id))
    if job is None:
        abort(404)
    return job


@bp.route("/")
def index() -> str:
    archived = request.args.get("archived") == "1"
    customer_id = request.args.get("customer", type=int)
    total = service.count_jobs(db.session, archived=archived, customer_id=customer_id)
    pages = max(1, -(-total // service.PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = service.job_rows(db.session, archived=archived, customer_id=customer_id, page=page)
    customers = db.session.scalars(select(Customer).order_by(Customer.name)).all()
    return render_template("jobs/index.html", rows=rows, archived=archived,
                           customers=customers, customer_id=customer_id, page=page,
                           pages=pages, total=total)


@bp.route("/<int:job_id>")
def job(job_id: int) -> str:
    j = _job_or_404(job_id)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    runs = service.job_runs(db.session, j.id, limit=PAGE + 1, offset=(page - 1) * PAGE)
    zone = configured_zone()
    return render_template(
        "jobs/job.html", job=j, runs=runs[:PAGE], has_next=len(runs) > PAGE, page=page,
        strip=service.strip_for(db.session, j.id, today_local(zone=zone), zone),
        schedule=schedule_of(j), schedule_text=service.describe(j), day_names=DAY_NAMES,
    )


@bp.route("/runs/<int:run_id>")
def run(run_id: int) -> str:
    r = db.session.scalar(select(Run).options(selectinload(Run.objects),
                                              joinedload(Run.job).joinedload(Job.customer))
                          .where(Run.id == run_id))
    if r is None:
        abort(404)
    mails = db.session.scalars(select(Mail).where(Mail.run_id == r.id)
                               .order_by(Mail.received_at)).all()
    return render_template("jobs/run.html", run=r, job=r.job, mails=mails)


@bp.route("/<int:job_id>/archive", methods=["POST"])
def archive(job_id: int) -> Response:
    j = _job_or_404(job_id)
    service.set_archived(j, request.form.get("archived", "1") == "1")
    db.session.commit()
    flash(f"{j.display_name} {'archived' if j.archived else 'back in the job list'}.", "success")
    return redirect(url_for("jobs.job", job_id=j.id))


@bp.route("/<int:job_id>/schedule", methods=["POST"])
def schedule(job_id: int) -> Response:
    j = _job_or_404(job_id)
    grace = request.form.get("grace_hours", "").strip()
    try:
        service.set_schedule(
            j, kind=request.form.get("kind", ""),
            days=",".join(request.form.getlist("days")) or request.form.get("day", ""),
            at=request.form.get("at", ""), missed_check=request.form.get("missed_check") == "on",
            grace_hours=int(grace) if (grace.isascii() and grace.isdigit()) else None)
    except service.JobError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("jobs.job", job_id=j.id))
    db.session.commit()
    flash(f"Schedule: {service.describe(j)}.", "success")
    return redirect(url_for("jobs.job", job_id=j.id))


@bp.route("/export.json")
def export_json() -> Response:
    body = json.dumps(job_definitions.export_definitions(db.session), indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="backupchecks-jobs.json"'
    return response


@bp.route("/import", methods=["POST"])
@require_role(Role.ADMIN)
def import_json() -> Response:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a job export file (.json).", "error")
        return redirect(url_for("jobs.index"))
    try:
        result = job_definitions.import_definitions(db.session, upload.read())
    except job_definitions.DefinitionsError as exc:
        db.session.rollback()
        flash(f"Nothing imported: {exc}", "error")
        return redirect(url_for("jobs.index"))
    db.session.commit()
    flash(f"Jobs imported: {result.created} new, {result.updated} updated, "
          f"{result.customers_created} new customer(s).", "success")
    return redirect(url_for("jobs.index"))
