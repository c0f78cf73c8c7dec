from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from backupchecks.web.reports import views  # noqa: E402,F401
