"""Settings from the environment, validated once at start-up.

Every problem becomes a ``ConfigError`` whose message is one line naming the
variable, so an admin reading a container log knows what to fix.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENVIRONMENTS = ("development", "production", "testing")


class ConfigError(Exception):
    """A missing or malformed environment variable."""


def read_env(environ: Mapping[str, str], name: str) -> str | None:
    """Value of NAME, or the contents of the file named by NAME_FILE (Docker secrets)."""
    value = environ.get(name)
    file_name = environ.get(f"{name}_FILE")
    if value is not None and file_name:
        raise ConfigError(f"{name}: set either {name} or {name}_FILE, not both")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {file_name} ({exc.strerror})") from None
    if value is not None:
        value = value.strip()
    return value or None


def _persisted_dev_value(instance_path: Path, file_name: str, make: Any) -> str:
    """A value generated once and kept in the instance folder, so restarts keep it."""
    path = instance_path / file_name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = make()
    # Written owner-only: the file holds a key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value)
    return value


def _database_url(environ: Mapping[str, str], instance_path: Path) -> str:
    raw = read_env(environ, "DATABASE_URL")
    if raw is None:
        instance_path.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{instance_path / 'backupchecks.db'}"
    if raw.startswith("postgres://"):  # Heroku-style alias SQLAlchemy no longer accepts
        raw = "postgresql://" + raw[len("postgres://") :]
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError("DATABASE_URL: not a database URL (e.g. postgresql://user@host/db)") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"DATABASE_URL: unsupported database '{url.get_backend_name()}' (use sqlite or postgresql)"
        )
    return raw


def _fernet_key(value: str) -> str:
    try:
        Fernet(value.encode())
    except (ValueError, TypeError):
        raise ConfigError(
            "BACKUPCHECKS_ENCRYPTION_KEY: not a Fernet key (32 url-safe base64 bytes; "
            "make one with `backupchecks settings new-key`)"
        ) from None
    return value


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = read_env(environ, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name}: must be greater than zero")
    return value


def load_config(environ: Mapping[str, str], instance_path: str | Path) -> dict[str, Any]:
    """Build the Flask config from the environment; raises ConfigError on bad input."""
    instance = Path(instance_path)
    env = (read_env(environ, "BACKUPCHECKS_ENV") or "development").lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"BACKUPCHECKS_ENV: expected one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    production = env == "production"

    secret_key = read_env(environ, "SECRET_KEY")
    if secret_key is None:
        if production:
            raise ConfigError("SECRET_KEY: required when BACKUPCHECKS_ENV=production")
        secret_key = _persisted_dev_value(instance, "secret_key", lambda: secrets.token_urlsafe(48))
    elif len(secret_key) < 16:
        raise ConfigError("SECRET_KEY: too short (use at least 16 random characters)")

    encryption_key = read_env(environ, "BACKUPCHECKS_ENCRYPTION_KEY")
    if encryption_key is None:
        if production:
            raise ConfigError("BACKUPCHECKS_ENCRYPTION_KEY: required when BACKUPCHECKS_ENV=production")
        encryption_key = _persisted_dev_value(
            instance, "encryption_key", lambda: Fernet.generate_key().decode()
        )
    _fernet_key(encryption_key)

    session_hours = _positive_int(environ, "BACKUPCHECKS_SESSION_HOURS", 12)
    return {
        "BACKUPCHECKS_ENV": env,
        "SECRET_KEY": secret_key,
        "ENCRYPTION_KEY": encryption_key,
        "SQLALCHEMY_DATABASE_URI": _database_url(environ, instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=session_hours),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        # Uploads (CSV, .eml) are the largest bodies we accept.
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": session_hours * 3600,
        "LOGIN_MAX_FAILURES": _positive_int(environ, "BACKUPCHECKS_LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _positive_int(environ, "BACKUPCHECKS_LOGIN_LOCK_MINUTES", 15),
    }
