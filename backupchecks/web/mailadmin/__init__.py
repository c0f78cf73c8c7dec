"""Admin pages of mail ingestion: IMAP *Test connection* and the generic parser rules."""

from flask import Blueprint

from backupchecks.security.roles import admin_blueprint_guard

bp = Blueprint("mailadmin", __name__, url_prefix="/settings")
bp.before_request(admin_blueprint_guard)

from backupchecks.web.mailadmin import views  # noqa: E402,F401
