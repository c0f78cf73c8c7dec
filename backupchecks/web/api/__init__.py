from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from backupchecks.web.api import views  # noqa: E402,F401
