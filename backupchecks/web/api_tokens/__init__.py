from flask import Blueprint

from backupchecks.security.roles import admin_blueprint_guard

bp = Blueprint("api_tokens", __name__, url_prefix="/settings/api-tokens")
bp.before_request(admin_blueprint_guard)

from backupchecks.web.api_tokens import views  # noqa: E402,F401
