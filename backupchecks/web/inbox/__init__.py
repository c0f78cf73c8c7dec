from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

from backupchecks.web.inbox import views  # noqa: E402,F401
