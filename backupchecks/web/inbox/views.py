"""Inbox: mails of jobs not seen before, mails no parser understood, and the mail view."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import undefer
from werkzeug.wrappers import Response

from backupchecks import audit
from backupchecks.checks.on_import import process_filed
from backupchecks.extensions import db
from backupchecks.mail import inbox
from backupchecks.mail.sanitize import MAIL_CSP, mail_document
from backupchecks.models.jobs import Customer, Job, Run
from backupchecks.models.mail import Mail
from backupchecks.models.users import Role
from backupchecks.parsers import decode_mail
from backupchecks.security.roles import require_role
from backupchecks.web.forms import safe_local_path
from backupchecks.web.inbox import bp

TABS = {
    "waiting": "New jobs",
    "unparsed": "Unparsed",
    "ignored": "Ignored",
    "deleted": "Deleted",
}
_TAB_STATES = {"unparsed": ("unparsed", "error"), "ignored": ("ignored",)}


def _mail_or_404(mail_id: int, *, raw: bool = False) -> Mail:
    query = select(Mail).where(Mail.id == mail_id)
    query = query.options(undefer(Mail.raw)) if raw else query.options(undefer(Mail.result))
    mail = db.session.scalar(query)
    if mail is None:
        abort(404)
    return mail


def _ids() -> list[int]:
    return [int(v) for v in request.form.getlist("mail_id") if (v.isascii() and v.isdigit())]


def _back() -> Response:
    return redirect(safe_local_path(request.form.get("next"), url_for("inbox.index")))


def _hide_deleted(mail: Mail) -> None:
    """A deleted mail exists only for admins (who may restore it)."""
    if mail.deleted and not current_user.has_role(Role.ADMIN):
        abort(404)


def _customers() -> list[Customer]:
    return list(db.session.scalars(select(Customer).where(Customer.active.is_(True))
                                   .order_by(Customer.name)))


@bp.route("/")
def index() -> str:
    tab = request.args.get("tab", "waiting")
    if tab not in TABS or (tab == "deleted" and not current_user.has_role(Role.ADMIN)):
        tab = "waiting"
    groups = inbox.waiting_jobs(db.session) if tab == "waiting" else []
    mails: list[Mail] = []
    if tab == "deleted":
        mails = inbox.mails_in_state(db.session, (), deleted=True)
    elif tab in _TAB_STATES:
        mails = inbox.mails_in_state(db.session, _TAB_STATES[tab])
    return render_template("inbox/index.html", tab=tab, tabs=TABS, groups=groups, mails=mails,
                           customers=_customers() if groups else [],
                           counts=inbox.counts(db.session))


@bp.route("/mail/<int:mail_id>")
def mail_detail(mail_id: int) -> str:
    m = _mail_or_404(mail_id)
    _hide_deleted(m)
    run = db.session.get(Run, m.run_id) if m.run_id else None
    job = run.job if run else (db.session.scalar(select(Job).where(Job.match_key == m.job_key))
                               if m.job_key else None)
    return render_template("inbox/mail.html", mail=m, result=m.result or {}, run=run, job=job,
                           customers=_customers() if m.waiting and job is None else [])


@bp.route("/mail/<int:mail_id>/view")
def mail_view(mail_id: int) -> Response:
    """The mail, sanitised, for an <iframe sandbox>; its own CSP lets nothing load or run."""
    m = _mail_or_404(mail_id, raw=True)
    _hide_deleted(m)
    view = decode_mail(m.raw)
    response = Response(mail_document(view.html, view.text), mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAIL_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/mail/<int:mail_id>/raw")
def raw(mail_id: int) -> Response:
    m = _mail_or_404(mail_id, raw=True)
    _hide_deleted(m)
    response = Response(m.raw, mimetype="message/rfc822")
    response.headers["Content-Disposition"] = f'attachment; filename="mail-{m.id}.eml"'
    return response


@bp.route("/approve", methods=["POST"])
def approve() -> Response:
    raw_id = request.form.get("customer_id", "")
    try:
        customer_id = int(raw_id) if (raw_id.isascii() and raw_id.isdigit()) else None
        job, filed = inbox.approve(db.session, request.form.get("job_key", ""),
                                   customer_id=customer_id,
                                   new_customer=request.form.get("new_customer"))
    except inbox.InboxError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back()
    db.session.commit()
    process_filed(db.session)
    flash(f"Job {job.display_name} approved for {job.customer.name}: {filed} run(s) filed.",
          "success")
    return _back()


@bp.route("/ignore", methods=["POST"])
def ignore() -> Response:
    count = inbox.ignore(db.session, mail_ids=_ids(), job_key=request.form.get("job_key"),
                         who=current_user.email)
    db.session.commit()
    flash(f"{count} mail(s) ignored.", "success")
    return _back()


@bp.route("/delete", methods=["POST"])
def delete() -> Response:
    count = inbox.delete(db.session, mail_ids=_ids(), job_key=request.form.get("job_key"))
    db.session.commit()
    flash(f"{count} mail(s) deleted. An admin can restore them.", "success")
    return _back()


@bp.route("/restore", methods=["POST"])
@require_role(Role.ADMIN)
def restore() -> Response:
    count = inbox.restore(db.session, _ids())
    db.session.commit()
    flash(f"{count} mail(s) restored.", "success")
    return _back()


@bp.route("/reparse", methods=["POST"])
def reparse() -> Response:
    ids = _ids()
    stats = inbox.reparse(db.session, mail_ids=ids or None)
    audit.record("mail.reparsed", f"mail {ids[0]}" if len(ids) == 1 else f"{stats.seen} mails",
                 stats.summary())
    db.session.commit()
    flash(f"Re-parsed {stats.seen} mail(s): {stats.filed} filed as runs, {stats.waiting} "
          f"waiting for approval, {stats.unparsed + stats.errors} not understood.", "success")
    return _back()
