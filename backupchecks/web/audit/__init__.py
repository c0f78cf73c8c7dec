from flask import Blueprint

from backupchecks.security.roles import admin_blueprint_guard

bp = Blueprint("audit", __name__, url_prefix="/settings/audit")
bp.before_request(admin_blueprint_guard)

from backupchecks.web.audit import views  # noqa: E402,F401
