"""The embedded SQLite database is set up for a web server and a poller at once."""

from sqlalchemy import text

from backupchecks import create_app
from backupchecks.extensions import db
from tests.conftest import base_config


def test_sqlite_uses_wal_and_waits_when_busy(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'wal.db'}"))
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10000
