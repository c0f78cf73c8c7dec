from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from backupchecks import audit
from backupchecks.extensions import db
from backupchecks.mail import rules as rule_service
from backupchecks.mail.imap import ImapError, list_folders
from backupchecks.mail.poller import imap_settings
from backupchecks.models.mail import ImapFolderState, ParserRule
from backupchecks.settings.definitions import SECTIONS
from backupchecks.web.mailadmin import bp


@bp.app_context_processor
def _mail_status() -> dict[str, Any]:
    """For settings/_mail.html: how the last polls went (read only when the page asks)."""

    def mail_import_status() -> list[ImapFolderState]:
        return list(db.session.scalars(select(ImapFolderState)
                                       .order_by(ImapFolderState.last_poll_at.desc())))

    return {"mail_import_status": mail_import_status}


@bp.route("/mail/test", methods=["POST"])
def test_connection() -> str:
    """Log in with the stored mail settings and list the folders."""
    settings = imap_settings()
    folders: list[str] = []
    error = None
    if settings is None:
        error = "Enter and save the IMAP host first."
    else:
        try:
            folders = list_folders(settings)
        except ImapError as exc:
            error = str(exc)
    audit.record("mail.test_connection", settings.account if settings else "",
                 "ok" if error is None else "failed")
    db.session.commit()
    return render_template("settings/mail_test.html", sections=SECTIONS, section="mail",
                           settings=settings, folders=folders, error=error)


@bp.route("/parsers", methods=["GET", "POST"])
def parsers() -> tuple[str, int] | Response:
    errors: dict[str, str] = {}
    form: dict[str, str] = {"enabled": "on", "job_type": "Backup"}
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            rule = rule_service.save_rule(db.session, None, form)
        except rule_service.RuleError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash(f"Rule {rule.name} added. Re-parse the Inbox to apply it to stored mails.",
                  "success")
            return redirect(url_for("mailadmin.parsers"))
    return _render_list(form, errors)


def _render_list(form: dict[str, str], errors: dict[str, str]) -> tuple[str, int]:
    from backupchecks.parsers import PARSERS

    rules = db.session.scalars(select(ParserRule).order_by(ParserRule.position,
                                                           ParserRule.id)).all()
    builtin = [getattr(m, "NAME", m.__name__.rsplit(".", 1)[-1]) for m in PARSERS]
    return render_template("settings/parsers.html", sections=SECTIONS, section="parsers",
                           rules=rules, builtin=builtin, form=form, errors=errors,
                           editing=None), 400 if errors else 200


def _rule_or_404(rule_id: int) -> ParserRule:
    rule = db.session.get(ParserRule, rule_id)
    if rule is None:
        abort(404)
    return rule


@bp.route("/parsers/<int:rule_id>", methods=["GET", "POST"])
def edit_parser(rule_id: int) -> tuple[str, int] | Response:
    rule = _rule_or_404(rule_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            rule_service.save_rule(db.session, rule, form)
        except rule_service.RuleError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash(f"Rule {rule.name} saved.", "success")
            return redirect(url_for("mailadmin.parsers"))
    else:
        form = {f: getattr(rule, f) or "" for f in rule_service.RULE_FIELDS}
        form.update(position=str(rule.position), enabled="on" if rule.enabled else "")
    return render_template("settings/parser_edit.html", sections=SECTIONS, section="parsers",
                           rule=rule, form=form, errors=errors), 400 if errors else 200


@bp.route("/parsers/<int:rule_id>/toggle", methods=["POST"])
def toggle_parser(rule_id: int) -> Response:
    rule = _rule_or_404(rule_id)
    rule.enabled = not rule.enabled
    audit.record("parser_rule.changed", f"parser rule {rule.id}",
                 f"{rule.name} {'enabled' if rule.enabled else 'disabled'}")
    db.session.commit()
    flash(f"Rule {rule.name} {'enabled' if rule.enabled else 'disabled'}.", "success")
    return redirect(url_for("mailadmin.parsers"))


@bp.route("/parsers/<int:rule_id>/delete", methods=["POST"])
def delete_parser(rule_id: int) -> Response:
    rule = _rule_or_404(rule_id)
    audit.record("parser_rule.deleted", f"parser rule {rule.id}", rule.name)
    db.session.delete(rule)
    db.session.commit()
    flash(f"Rule {rule.name} deleted.", "success")
    return redirect(url_for("mailadmin.parsers"))
