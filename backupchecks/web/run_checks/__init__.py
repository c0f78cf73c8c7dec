from flask import Blueprint

bp = Blueprint("run_checks", __name__, url_prefix="/run-checks")

from backupchecks.web.run_checks import views  # noqa: E402,F401
