"""Fixtures: the app on SQLite and on PostgreSQL, clients, users per role, CLI.

Every test that asks for ``app`` (or anything built on it) runs twice: once
on a SQLite file and once on PostgreSQL. PostgreSQL comes from
TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432, database
backupchecks_test, created when missing). Locally a missing server skips
those tests with the reason; in CI (CI=true) it fails them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backupchecks import create_app
from backupchecks.extensions import db
from backupchecks.models.users import Role, User
from backupchecks.security.passwords import hash_password

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/backupchecks_test"
)
# Under pytest-xdist every worker gets a database of its own.
if os.environ.get("PYTEST_XDIST_WORKER"):
    _url = make_url(PG_URL)
    PG_URL = _url.set(database=f"{_url.database}_{os.environ['PYTEST_XDIST_WORKER']}").render_as_string(
        hide_password=False)
SECRET_KEY = "test-secret-key-" + "x" * 32
ENCRYPTION_KEY = Fernet.generate_key().decode()
PASSWORD = "correct horse battery"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def need(reason: str) -> None:
    """Skip locally, fail in CI: CI must run everything."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def _ensure_pg_database(url: str) -> str | None:
    """Create the test database if needed; returns why it cannot be used, or None."""
    parsed = make_url(url)
    try:
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return f"PostgreSQL not reachable at {parsed.render_as_string()}: {type(exc).__name__}"
    return None


def _reset_schema(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()


def base_config(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "ENCRYPTION_KEY": ENCRYPTION_KEY,
        "SQLALCHEMY_DATABASE_URI": url,
        "SERVER_NAME": None,
        **extra,
    }


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """One migrated database per backend, built once per test session."""
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    urls: dict[str, str | None] = {"sqlite": sqlite_url}
    problem = _ensure_pg_database(PG_URL)
    urls["postgresql"] = None if problem else PG_URL
    urls["postgresql_problem"] = problem
    for backend in ("sqlite", "postgresql"):
        if urls[backend]:
            setup_app = create_app(base_config(urls[backend]))
            _reset_schema(setup_app)
            with setup_app.app_context():
                db.engine.dispose()
    return urls


def _truncate_all(app: Flask) -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    with app.app_context(), db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - names from our metadata


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(backend: str, database_urls: dict[str, str | None]) -> Iterator[Flask]:
    url = database_urls[backend]
    if url is None:
        need(str(database_urls.get("postgresql_problem")))
    application = create_app(base_config(url))
    application.test_client_class = CSRFClient
    _truncate_all(application)
    with application.app_context():
        yield application
        db.session.remove()
        # Every test builds its own app and engine: close its pool now, not at some
        # later garbage collection, or PostgreSQL runs out of connection slots.
        db.engine.dispose()


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token with every POST, like a browser form.

    Pass ``csrf=False`` to send none (to prove the check works).
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        send_token = kwargs.pop("csrf", True)
        method = (kwargs.get("method") or "GET").upper()
        if send_token and method not in ("GET", "HEAD", "OPTIONS"):
            token = self.csrf_token()
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", token)
            kwargs["headers"] = headers
        # A fresh app context per request, as in production: otherwise the test's
        # context (and its g.current_user) would leak from one request to the next.
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # The request wrote through its own session; let the test's session re-read.
        if has_app_context():
            db.session.expire_all()
        return response

    def csrf_token(self) -> str:
        raw = "raw-test-csrf-token"
        with self.session_transaction() as sess:
            sess.setdefault("csrf_token", raw)
            raw = sess["csrf_token"]
        serializer = URLSafeTimedSerializer(self.application.config["SECRET_KEY"], salt="wtf-csrf-token")
        return serializer.dumps(raw)


@pytest.fixture(scope="session")
def password_hash() -> str:
    # scrypt is slow on purpose; hash the shared test password once.
    return hash_password(PASSWORD)


def make_user(role: Role, password_hash: str, email: str | None = None, **kw: Any) -> User:
    user = User(email=email or f"{role.value}@example.com", name=f"{role.value.title()} Person",
                password_hash=password_hash, role=role.value, **kw)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def admin(app: Flask, password_hash: str) -> User:
    return make_user(Role.ADMIN, password_hash)


@pytest.fixture
def operator(app: Flask, password_hash: str) -> User:
    return make_user(Role.OPERATOR, password_hash)


@pytest.fixture
def viewer(app: Flask, password_hash: str) -> User:
    return make_user(Role.VIEWER, password_hash)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"email": user.email, "password": password})


@pytest.fixture
def as_admin(app: Flask, admin: User) -> FlaskClient:
    c = app.test_client()
    assert login(c, admin).status_code == 302
    return c


@pytest.fixture
def as_operator(app: Flask, operator: User) -> FlaskClient:
    c = app.test_client()
    assert login(c, operator).status_code == 302
    return c


@pytest.fixture
def as_viewer(app: Flask, viewer: User) -> FlaskClient:
    c = app.test_client()
    assert login(c, viewer).status_code == 302
    return c


class BackupchecksRunner(FlaskCliRunner):
    """Invokes the `backupchecks` command group against the test app."""

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        from backupchecks.cli import cli as backupchecks_cli

        return super().invoke(cli or backupchecks_cli, args, **kwargs)


@pytest.fixture
def runner(app: Flask) -> Any:
    return BackupchecksRunner(app)


def form_errors(html: str) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]+)<', html)


# Browser fixtures live in their own module; re-exported so every test can use them.
from tests.browser_support import browser, live_server, page  # noqa: E402,F401

# ---------------------------------------------------------------- Autotask

@pytest.fixture(scope="session")
def autotask_sim_server() -> Iterator[Any]:
    from backupchecks.autotask.simulator import SimulatorServer

    with SimulatorServer() as server:
        yield server


@pytest.fixture
def autotask_sim(app: Flask, autotask_sim_server: Any) -> Any:
    """The simulator, reset, with the app's settings pointing at it and reference data synced.

    Ticket defaults are set from the simulator's picklists (queue, priority,
    new status, source) and status 5 "Complete" completes tickets.
    """
    from backupchecks.autotask import cache, clear_zone_cache
    from backupchecks.autotask.config import make_client
    from backupchecks.settings import set_setting

    server = autotask_sim_server
    assert server.wait_idle()
    server.reset()
    clear_zone_cache()
    creds = server.credentials()
    set_setting("autotask.username", creds.username)
    set_setting("autotask.secret", creds.secret)
    set_setting("autotask.integration_code", creds.integration_code)
    set_setting("autotask.zone_lookup_url", server.zone_lookup_url)
    db.session.commit()
    with make_client() as client:
        ref = cache.refresh(client)
    for key, field in (("autotask.default_queue", "queueID"), ("autotask.default_priority", "priority"),
                       ("autotask.default_source", "source")):
        first = next(v for v in ref.picklist(field) if v.is_active)
        set_setting(key, first.value)
    set_setting("autotask.default_status", "1")
    set_setting("autotask.completing_status", "5")
    db.session.commit()
    server.reset()  # an empty request log for the test itself
    clear_zone_cache()
    return server
