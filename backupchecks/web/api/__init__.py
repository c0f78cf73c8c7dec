from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from backupchecks.web.api import views  # noqa: E402,F401
from backupchecks.web.api.autotask import bp as autotask_bp  # noqa: E402

# Nested: endpoints are api.autotask.*, URLs /api/autotask/*.
bp.register_blueprint(autotask_bp)
