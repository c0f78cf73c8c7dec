"""The Customers page: list, add, edit, (de)activate, Autotask mapping, CSV import/export."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

from backupchecks.web.customers import views  # noqa: E402,F401
