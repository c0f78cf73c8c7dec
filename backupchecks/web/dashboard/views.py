from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from backupchecks.extensions import db
from backupchecks.models.users import Role
from backupchecks.settings.store import get_setting
from backupchecks.timeutil import today_local
from backupchecks.web.dashboard import bp
from backupchecks.web.dashboard.figures import dashboard_figures

# Pages an operator may open before the daily dashboard visit.
_EXEMPT_PREFIXES = ("dashboard.", "auth.", "api.", "static")


@bp.before_app_request
def require_daily_visit() -> Response | None:
    if not current_user.is_authenticated or request.endpoint is None:
        return None
    if request.endpoint.startswith(_EXEMPT_PREFIXES) or current_user.has_role(Role.ADMIN):
        return None
    if not current_user.has_role(Role.OPERATOR) or request.method != "GET":
        return None
    if get_setting("general.require_dashboard_visit") and (
        current_user.last_dashboard_visit != today_local()
    ):
        return redirect(url_for("dashboard.index"))
    return None


@bp.route("/")
def index() -> str:
    today = today_local()
    if current_user.last_dashboard_visit != today:
        current_user.last_dashboard_visit = today
        db.session.commit()
    return render_template(
        "dashboard/index.html",
        figures=dashboard_figures(today),
        announcement=get_setting("general.announcement"),
        today=today,
    )
