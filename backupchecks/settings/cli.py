"""`backupchecks settings …`"""

from __future__ import annotations

import sys

import click
from cryptography.fernet import Fernet
from flask import current_app
from flask.cli import with_appcontext

from backupchecks import audit
from backupchecks.extensions import db
from backupchecks.security.crypto import SecretDecryptError
from backupchecks.settings.definitions import DEFINITIONS
from backupchecks.settings.store import SettingsError, get_setting, rotate_key, set_setting


@click.group("settings")
def settings_group() -> None:
    """Read, change and re-key stored settings."""


@settings_group.command("new-key")
def new_key() -> None:
    """Print a fresh key for BACKUPCHECKS_ENCRYPTION_KEY."""
    click.echo(Fernet.generate_key().decode())


# Fernet keys may begin with "-": keep such words as arguments, not options.
@settings_group.command("rotate-key", context_settings={"ignore_unknown_options": True})
@click.argument("old_key")
@click.argument("new_key")
@with_appcontext
def rotate(old_key: str, new_key: str) -> None:
    """Re-encrypt every stored secret from OLD_KEY to NEW_KEY.

    Then set BACKUPCHECKS_ENCRYPTION_KEY to NEW_KEY and restart.
    """
    for name, key in (("OLD_KEY", old_key), ("NEW_KEY", new_key)):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise click.ClickException(f"{name} is not a Fernet key.") from None
    try:
        count = rotate_key(old_key, new_key)
    except SecretDecryptError:
        db.session.rollback()
        raise click.ClickException("OLD_KEY does not decrypt the stored secrets; nothing changed.") from None
    audit.record("settings.key_rotated", "", f"{count} secret(s) re-encrypted")
    db.session.commit()
    click.echo(f"Re-encrypted {count} secret(s). Now set BACKUPCHECKS_ENCRYPTION_KEY to the new key.")
    if current_app.config["ENCRYPTION_KEY"] != new_key:
        click.echo("Reminder: this process still runs with the old key.")


@settings_group.command("get")
@click.argument("key")
@with_appcontext
def get(key: str) -> None:
    """Print a setting (secrets only say whether they are set)."""
    definition = DEFINITIONS.get(key)
    if definition is None:
        raise click.ClickException(f"Unknown setting {key}.")
    if definition.is_secret:
        from backupchecks.settings.store import is_set

        click.echo("(set)" if is_set(key) else "(not set)")
    else:
        click.echo(get_setting(key))


@settings_group.command("set")
@click.argument("key")
@click.argument("value", required=False)
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the value from standard input.")
@with_appcontext
def set_(key: str, value: str | None, from_stdin: bool) -> None:
    """Set a setting; secrets must come from --stdin so they stay out of shell history."""
    definition = DEFINITIONS.get(key)
    if definition is None:
        raise click.ClickException(f"Unknown setting {key}.")
    if from_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
    elif definition.is_secret:
        raise click.ClickException(f"{key} is a secret: pass it with --stdin.")
    try:
        set_setting(key, value, actor="cli")
    except SettingsError as exc:
        db.session.rollback()
        raise click.ClickException(exc.errors[key]) from None
    db.session.commit()
    click.echo(f"{key} saved.")
