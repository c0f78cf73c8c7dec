from flask import Blueprint

bp = Blueprint("tickets", __name__, url_prefix="/tickets")

from backupchecks.web.tickets import views  # noqa: E402,F401
