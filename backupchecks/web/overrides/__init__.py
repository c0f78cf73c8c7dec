from flask import Blueprint

bp = Blueprint("overrides", __name__, url_prefix="/overrides")

from backupchecks.web.overrides import views  # noqa: E402,F401
