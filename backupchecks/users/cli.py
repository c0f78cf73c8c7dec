"""`backupchecks users …`"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.models.users import Role, User
from backupchecks.users import service


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group("users")
def users_group() -> None:
    """Manage the people who log in."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a user (the password is asked for, never an argument)."""
    password = _read_password(password_stdin)
    try:
        service.create_user(email, password, role, name)
    except service.UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {service.normalise_email(email)} ({role}).")


@users_group.command("list")
@with_appcontext
def list_users() -> None:
    """List users with role and state."""
    users = db.session.scalars(select(User).order_by(User.email)).all()
    if not users:
        click.echo("No users. Create one with: backupchecks users create EMAIL --role admin")
        return
    for user in users:
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.email}\t{user.role}\t{state}")


@users_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password(email: str, password_stdin: bool) -> None:
    """Set a user's password (signs out their sessions)."""
    user = service.get_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {service.normalise_email(email)}.")
    try:
        service.set_password(user, _read_password(password_stdin))
    except service.UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Password of {user.email} set.")
