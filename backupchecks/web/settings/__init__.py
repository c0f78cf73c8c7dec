from flask import Blueprint

from backupchecks.security.roles import admin_blueprint_guard

bp = Blueprint("settings", __name__, url_prefix="/settings")
bp.before_request(admin_blueprint_guard)

from backupchecks.web.settings import autotask, views  # noqa: E402,F401
