"""`backupchecks autotask …`: connection test, reference sync, resolve, simulator."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from backupchecks import audit
from backupchecks.autotask import cache
from backupchecks.autotask.config import make_client
from backupchecks.autotask.errors import AutotaskError
from backupchecks.autotask.reference import TICKET_PICKLISTS
from backupchecks.autotask.tickets import resolve, resolve_ticket_reference
from backupchecks.extensions import db
from backupchecks.settings.store import get_setting


@click.group("autotask")
def autotask_group() -> None:
    """Talk to Autotask PSA (or the built-in simulator)."""


@autotask_group.command("test")
@with_appcontext
def test_command() -> None:
    """Check zone, login, picklists and API usage; exit status 0 when all is well."""
    try:
        with make_client(max_retries=1) as client:
            info = client.test_connection()
            click.echo(f"Zone:      {info['zone_name']} ({info['api_url']})")
            click.echo("Login:     ok")
            fields = client.ticket_fields()
            found = [f.get("name") for f in fields if f.get("isPickList")]
            click.echo(f"Picklists: {len(found)} ticket picklists readable")
            usage = info["threshold"]
            used = usage.get("currentTimeframeRequestCount")
            limit = usage.get("externalRequestThreshold")
            click.echo(f"API usage: {used} of {limit} requests this hour")
    except AutotaskError as exc:
        click.echo(f"Autotask connection failed: {exc}", err=True)
        raise SystemExit(1) from None


@autotask_group.command("sync")
@with_appcontext
def sync_command() -> None:
    """Refresh the cached reference data (queues, priorities, statuses, …): one API call."""
    try:
        with make_client() as client:
            ref = cache.refresh(client)
    except AutotaskError as exc:
        db.session.rollback()
        click.echo(f"Autotask reference sync failed: {exc}", err=True)
        raise SystemExit(1) from None
    audit.record("autotask.reference_synced", "Tickets", actor="cli")
    db.session.commit()
    for name in TICKET_PICKLISTS:
        click.echo(f"{name}: {len(ref.picklist(name))} values")


@autotask_group.command("resolve")
@click.argument("ticket")
@click.option("--note", required=True, help="The note that explains the resolution.")
@click.option("--resolution", default=None, help="Resolution text (default: the note).")
@click.option("--complete-status", default=None,
              help="Status value that completes a ticket (default: the configured one).")
@with_appcontext
def resolve_command(ticket: str, note: str, resolution: str | None, complete_status: str | None) -> None:
    """Resolve TICKET (a number like T20250930.0256 or a numeric id) the safe way."""
    status = complete_status or get_setting("autotask.completing_status") or None
    ref = cache.load()
    label = ref.label("status", status) if (ref and status) else None
    try:
        with make_client() as client:
            ticket_id = resolve_ticket_reference(client, ticket)
            outcome = resolve(client, ticket_id, note_title="Resolved by Backupchecks",
                              note_text=note, resolution=resolution or note,
                              completing_status=status, completing_label=label)
    except (AutotaskError, ValueError) as exc:
        audit.record("autotask.resolve_failed", ticket, str(exc), actor="cli")
        db.session.commit()
        click.echo(f"Not resolved: {exc}", err=True)
        raise SystemExit(1) from None
    audit.record("autotask.ticket_resolved", f"ticket {ticket_id}", outcome.message, actor="cli")
    db.session.commit()
    click.echo(outcome.message)


@autotask_group.command("simulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8089, show_default=True, type=int)
@click.option("--tickets", default=0, type=int, help="Extra generated tickets (for load tests).")
@click.option("--time-entries", default=0, type=int, help="Extra generated time entries.")
def simulator_command(host: str, port: int, tickets: int, time_entries: int) -> None:
    """Run the Autotask simulator: a local test tenant that keeps the contract."""
    from backupchecks.autotask.simulator import serve

    serve(host, port, tickets=tickets, time_entries=time_entries, echo=click.echo)


def register(group: click.Group) -> None:
    group.add_command(autotask_group)
