"""The `backupchecks` command: Flask's CLI group plus our own commands.

Feature areas add their subgroups in register_commands().
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from backupchecks.config import ConfigError


def _create_app():  # type: ignore[no-untyped-def]
    from backupchecks import create_app

    return create_app()


def upgrade_database() -> None:
    from flask_migrate import upgrade

    upgrade()


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@with_appcontext
def run_command(host: str, port: int) -> None:
    """Migrate the database, then serve the app (small installs; use gunicorn in production)."""
    from werkzeug.serving import run_simple

    from backupchecks.users.service import count_users

    upgrade_database()
    if count_users() == 0:
        click.echo(
            "No users yet. Create the first admin in another terminal with:\n"
            "  backupchecks users create you@example.com --role admin\n"
        )
    click.echo(f"Backupchecks on http://{host}:{port}/  (Ctrl+C to stop)")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


def register_commands(group: click.Group) -> None:
    from backupchecks.autotask import cli as autotask_cli
    from backupchecks.demo import cli as demo_cli
    from backupchecks.mail import cli as mail_cli
    from backupchecks.settings.cli import settings_group
    from backupchecks.users.cli import users_group

    group.add_command(run_command, "run")
    group.add_command(users_group)
    group.add_command(settings_group)
    mail_cli.register(group)
    autotask_cli.register(group)
    demo_cli.register(group)


cli = FlaskGroup(
    create_app=_create_app,
    add_version_option=True,
    load_dotenv=False,
    set_debug_flag=False,
    help="Backupchecks: backup report mails in, checked runs and Autotask tickets out.",
)
register_commands(cli)


def main() -> None:
    try:
        cli.main(prog_name="backupchecks")
    except ConfigError as exc:
        click.echo(f"backupchecks: configuration error: {exc}", err=True)
        sys.exit(2)
