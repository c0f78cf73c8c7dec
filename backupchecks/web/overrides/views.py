from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from backupchecks.checks import overrides, review
from backupchecks.extensions import db
from backupchecks.models.checks import Override
from backupchecks.models.jobs import Customer, Job
from backupchecks.web.forms import FormError, optional_date, optional_int, text
from backupchecks.web.overrides import bp


@bp.route("/")
def index() -> str:
    rules = db.session.execute(
        select(Override, Job).join(Job, Job.id == Override.job_id)
        .options(selectinload(Job.customer)).order_by(Override.active.desc(), Override.id.desc())
    ).tuples().all()
    counts = review.override_counts([r.id for r, _ in rules])
    jobs = db.session.execute(
        select(Job.id, Job.job_name, Customer.name).join(Customer, Customer.id == Job.customer_id)
        .where(Job.archived.is_(False)).order_by(Customer.name, Job.job_name)).all()
    return render_template("overrides/index.html", rules=rules, counts=counts, jobs=jobs)


@bp.route("/", methods=["POST"])
def create() -> Response | tuple[str, int]:
    try:
        job_id = optional_int("job_id")
        if job_id is None or db.session.get(Job, job_id) is None:
            raise FormError("Choose a job.")
        rule = overrides.create_override(
            job_id=job_id, user_id=current_user.id, object_name=text("object_name", 500) or None,
            match_status=text("match_status", 16) or None, match_kind=text("match_kind", 16) or "contains",
            match_text=text("match_text", 1000) or None, valid_from=optional_date("valid_from"),
            valid_until=optional_date("valid_until"), note=text("note", 2000))
    except (FormError, overrides.OverrideError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("overrides.index"))
    db.session.commit()
    flash(f"Override saved; it matched {rule.matched_count} waiting run(s) so far.", "success")
    return redirect(url_for("overrides.index"))


@bp.route("/<int:rule_id>/active", methods=["POST"])
def toggle(rule_id: int) -> Response:
    rule = db.session.get(Override, rule_id)
    if rule is None:
        abort(404)
    overrides.set_active(rule, request.form.get("active") == "1")
    db.session.commit()
    flash(f"Override {'switched on' if rule.active else 'switched off'}.", "success")
    return redirect(url_for("overrides.index"))
