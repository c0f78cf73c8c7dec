"""Backupchecks: every backup of every customer, checked every morning."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

__version__ = "0.1.0"

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides what the environment gives (tests)."""
    from backupchecks.config import load_config
    from backupchecks.extensions import csrf, db, login_manager, migrate

    app = Flask(
        __name__,
        instance_path=os.environ.get("BACKUPCHECKS_INSTANCE")
        or os.path.join(PROJECT_ROOT, "instance"),
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
    )
    overrides = dict(config or {})
    environ = dict(os.environ)
    # Tests hand in every key they need; don't let them write keys to instance/.
    for name, key in (("SECRET_KEY", "SECRET_KEY"), ("BACKUPCHECKS_ENCRYPTION_KEY", "ENCRYPTION_KEY")):
        if key in overrides:
            environ[name] = overrides[key]
    if "SQLALCHEMY_DATABASE_URI" in overrides:
        environ["DATABASE_URL"] = overrides["SQLALCHEMY_DATABASE_URI"]
    app.config.update(load_config(environ, app.instance_path))
    app.config.update(overrides)
    app.config["VERSION"] = __version__

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from backupchecks import models  # noqa: F401  (register every table)
    from backupchecks.autotask import config as _autotask_config  # noqa: F401  (its settings)
    from backupchecks.web import register_web

    register_web(app)

    if not app.debug and not app.testing:
        logging.basicConfig(
            level=os.environ.get("BACKUPCHECKS_LOG_LEVEL", "INFO").upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    return app
