"""`backupchecks demo`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from backupchecks.extensions import db


@click.command("demo")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 120))
@with_appcontext
def demo_command(days: int) -> None:
    """Fill an empty database with demo customers, jobs and a month of runs.

    Autotask is pointed at the simulator: run `backupchecks autotask simulator`
    in another terminal, then `backupchecks autotask sync`.
    """
    from backupchecks.cli import upgrade_database
    from backupchecks.demo.seed import SIMULATOR_URL, DemoError, seed_demo

    upgrade_database()
    try:
        figures = seed_demo(days)
    except DemoError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Imported {figures['mails']} report mails: {figures['customers']} customers, "
               f"{figures['runs']} runs ({figures['missed']} missed).")
    click.echo(f"Autotask points at the simulator on {SIMULATOR_URL}. Start it with\n"
               "  backupchecks autotask simulator\n"
               "then load its picklists with\n"
               "  backupchecks autotask sync")


def register(group: click.Group) -> None:
    group.add_command(demo_command)
