from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from backupchecks.extensions import db
from backupchecks.settings.definitions import SECTIONS, in_section, timezone_choices
from backupchecks.settings.store import MASK, SettingsError, get_all, save_settings
from backupchecks.web.settings import bp

SECTION_NAMES = dict(SECTIONS)
# Sections with a page of their own beyond the generic form.
EXTRA_TEMPLATES = {"users": "settings/_users.html", "mail": "settings/_mail.html",
                   "autotask": "settings/_autotask.html"}


@bp.route("/")
def index() -> Response:
    return redirect(url_for("settings.section", section="general"))


@bp.route("/<section>", methods=["GET", "POST"])
def section(section: str) -> str | Response | tuple[str, int]:
    if section not in SECTION_NAMES:
        abort(404)
    errors: dict[str, str] = {}
    values = get_all(section)
    if request.method == "POST":
        clear = frozenset(request.form.getlist("clear_secret"))
        submitted = {d.key: request.form.get(d.key) for d in in_section(section)}
        try:
            changed = save_settings(section, submitted, user_id=current_user.id, clear_secrets=clear)
        except SettingsError as exc:
            db.session.rollback()
            errors = exc.errors
            # Show what was typed, except secrets, which are never echoed.
            values.update({k: v for k, v in submitted.items() if v is not None})
            for d in in_section(section):
                if d.is_secret:
                    values[d.key] = get_all(section)[d.key]
        else:
            db.session.commit()
            flash(f"Saved {len(changed)} change(s)." if changed else "Nothing changed.", "success")
            return redirect(url_for("settings.section", section=section))
    status = 400 if errors else 200
    return render_template(
        "settings/section.html",
        sections=SECTIONS,
        section=section,
        definitions=in_section(section),
        values=values,
        errors=errors,
        mask=MASK,
        timezones=timezone_choices() if section == "general" else [],
        extra_template=EXTRA_TEMPLATES.get(section),
    ), status
