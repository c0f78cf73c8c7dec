"""Configuration from the environment: defaults, *_FILE secrets, one-line errors."""

import pytest
from cryptography.fernet import Fernet

from backupchecks.config import ConfigError, load_config


def test_development_defaults_generate_and_keep_keys(tmp_path):
    first = load_config({}, tmp_path)
    second = load_config({}, tmp_path)
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["ENCRYPTION_KEY"] == second["ENCRYPTION_KEY"]
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'backupchecks.db'}"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_requires_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="^SECRET_KEY: required"):
        load_config({"BACKUPCHECKS_ENV": "production"}, tmp_path)


def test_production_requires_encryption_key(tmp_path):
    env = {"BACKUPCHECKS_ENV": "production", "SECRET_KEY": "s" * 40}
    with pytest.raises(ConfigError, match="^BACKUPCHECKS_ENCRYPTION_KEY: required"):
        load_config(env, tmp_path)


def test_file_variants_are_read(tmp_path):
    key = Fernet.generate_key().decode()
    (tmp_path / "sk").write_text("a-very-long-secret-key-from-a-file\n")
    (tmp_path / "ek").write_text(key)
    env = {"BACKUPCHECKS_ENV": "production", "SECRET_KEY_FILE": str(tmp_path / "sk"),
           "BACKUPCHECKS_ENCRYPTION_KEY_FILE": str(tmp_path / "ek")}
    config = load_config(env, tmp_path / "instance")
    assert config["SECRET_KEY"] == "a-very-long-secret-key-from-a-file"
    assert config["ENCRYPTION_KEY"] == key
    assert config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "not a url"}, "^DATABASE_URL: not a database URL"),
        ({"DATABASE_URL": "mysql://x/y"}, "^DATABASE_URL: unsupported database 'mysql'"),
        ({"BACKUPCHECKS_ENCRYPTION_KEY": "short"}, "^BACKUPCHECKS_ENCRYPTION_KEY: not a Fernet key"),
        ({"SECRET_KEY": "short"}, "^SECRET_KEY: too short"),
        ({"BACKUPCHECKS_ENV": "staging"}, "^BACKUPCHECKS_ENV: expected one of"),
        ({"SECRET_KEY_FILE": "/nonexistent/file"}, "^SECRET_KEY_FILE: cannot read"),
        ({"SECRET_KEY": "x" * 20, "SECRET_KEY_FILE": "/x"}, "^SECRET_KEY: set either"),
        ({"BACKUPCHECKS_SESSION_HOURS": "twelve"}, "^BACKUPCHECKS_SESSION_HOURS: expected a whole"),
    ],
)
def test_bad_values_name_the_variable_in_one_line(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_config(env, tmp_path)
    assert "\n" not in str(info.value)


def test_postgres_alias_is_normalised(tmp_path):
    config = load_config({"DATABASE_URL": "postgres://u@h/db"}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql://u@h/db"


def test_cli_prints_config_error_and_exits_2(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "backupchecks", "users", "list"],
        env={"BACKUPCHECKS_ENV": "production", "BACKUPCHECKS_INSTANCE": str(tmp_path),
             "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "backupchecks: configuration error: SECRET_KEY: required when BACKUPCHECKS_ENV=production"
    )
