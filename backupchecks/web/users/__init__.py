from flask import Blueprint

from backupchecks.security.roles import admin_blueprint_guard

bp = Blueprint("users", __name__, url_prefix="/settings/users")
bp.before_request(admin_blueprint_guard)

from backupchecks.web.users import views  # noqa: E402,F401
