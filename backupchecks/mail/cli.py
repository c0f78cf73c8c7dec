"""`backupchecks mail …`: poll, import, parse, reparse, check-missed."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from backupchecks.extensions import db


@click.group("mail")
def mail_group() -> None:
    """Read report mails: from the mailbox, from files, and re-parse stored ones."""


def register(group: click.Group) -> None:
    group.add_command(mail_group)


def _check_missed() -> str:
    from backupchecks.mail.schedules import check_missed
    from backupchecks.timeutil import configured_zone

    result = check_missed(db.session, configured_zone())
    db.session.commit()
    return f"{result.missed} missed run(s) recorded, {result.learned} schedule(s) learned"


def _poll_once(stop: threading.Event | None) -> bool:
    """One poll and missed-run check; True when the poll went well."""
    from backupchecks.mail.poller import imap_settings, poll

    settings = imap_settings()
    if settings is None:
        click.echo("IMAP is not configured (Settings → Mail, or `backupchecks settings set "
                   "mail.imap_host …`).", err=True)
        return False
    result = poll(db.session, settings, stop=stop)
    click.echo(f"{settings.account} {settings.folder}: {result.stats.summary()}"
               + (f"; {result.moved} moved" if result.moved else ""))
    if result.uidvalidity_changed:
        click.echo("UIDVALIDITY changed: the folder was read again from the start.")
    if result.error:
        click.echo(f"Error: {result.error}", err=True)
    click.echo(_check_missed())
    return result.ok


@mail_group.command("poll")
@click.option("--loop", is_flag=True, help="Keep polling until stopped (SIGTERM or Ctrl+C).")
@click.option("--interval", type=click.IntRange(min=1), default=None,
              help="Seconds between polls with --loop (default: the mail.poll_interval setting).")
@with_appcontext
def poll_command(loop: bool, interval: int | None) -> None:
    """Import new mail from the IMAP mailbox, then record missed runs."""
    if not loop:
        if not _poll_once(None):
            raise SystemExit(1)
        return
    from backupchecks.settings import get_setting

    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        click.echo(f"Signal {signal.Signals(signum).name}: stopping after the current batch.")
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    last_purge = 0.0
    while not stop.is_set():
        try:
            _poll_once(stop)
            if time.monotonic() - last_purge > PURGE_EVERY:
                click.echo(_purge())
                last_purge = time.monotonic()
        except Exception as exc:  # noqa: BLE001 - a bad cycle must not end the service
            db.session.rollback()
            click.echo(f"Poll failed: {type(exc).__name__}: {exc}", err=True)
        finally:
            db.session.remove()
        wait = interval or int(get_setting("mail.poll_interval") or 300)
        stop.wait(wait)
    click.echo("Stopped.")


# The poller applies the retention settings once a day.
PURGE_EVERY = 24 * 3600


def _purge() -> str:
    from backupchecks.mail.retention import purge

    return purge(db.session).summary()


@mail_group.command("purge")
@with_appcontext
def purge_command() -> None:
    """Remove mails and runs older than the retention set under Settings → General."""
    click.echo(_purge())


@mail_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def import_command(paths: tuple[Path, ...]) -> None:
    """Import .eml files, mbox files and folders of them through the pipeline."""
    from backupchecks.mail.files import iter_paths
    from backupchecks.mail.pipeline import import_mails

    stats = import_mails(db.session, iter_paths(paths))
    click.echo(stats.summary())
    click.echo(_check_missed())


@mail_group.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False,
                                                                   path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@with_appcontext
def parse_command(files: tuple[Path, ...], as_json: bool) -> None:
    """Show what the parsers make of mail files, without storing anything."""
    from backupchecks.mail.rules import load_generic_rules
    from backupchecks.parsers.inspect import describe

    rules = load_generic_rules(db.session)
    for path in files:
        info = describe(path, rules)
        if as_json:
            click.echo(json.dumps(info, ensure_ascii=False, sort_keys=True))
            continue
        if info.get("status") is None and not info.get("is_summary"):
            why = info.get("error") or "no parser recognised it"
            click.echo(f"{path}: not parsed ({why})")
            continue
        click.echo(f"{path}: {info['parser']} · {info['product']} · {info['job_type']} · "
                   f"{info['job_name']} · host {info['host'] or '-'} · {info['status']}"
                   + (" · retry" if info.get("is_retry") else "")
                   + (" · summary" if info.get("is_summary") else ""))
        for obj in info.get("objects") or []:
            message = f" — {obj['message']}" if obj.get("message") else ""
            click.echo(f"    {obj['status']:<8} {obj['name']}{message}")


@mail_group.command("reparse")
@click.option("--mail", "mail_ids", type=int, multiple=True, help="Only this mail id (repeatable).")
@click.option("--include-filed", is_flag=True,
              help="Also mails already filed as runs (their runs take the new result).")
@with_appcontext
def reparse_command(mail_ids: tuple[int, ...], include_filed: bool) -> None:
    """Run the parsers again on stored mails (unparsed, in error, or waiting in the Inbox)."""
    from backupchecks import audit
    from backupchecks.mail.inbox import reparse

    stats = reparse(db.session, mail_ids=list(mail_ids) or None, include_filed=include_filed)
    audit.record("mail.reparsed", f"{stats.seen} mails", stats.summary(), actor="cli")
    db.session.commit()
    click.echo(f"Re-parsed {stats.seen} mail(s): {stats.filed} filed as runs, "
               f"{stats.waiting} waiting in the Inbox, {stats.unparsed} unparsed, "
               f"{stats.ignored} ignored, {stats.errors} errors")


@mail_group.command("check-missed")
@with_appcontext
def check_missed_command() -> None:
    """Learn schedules and record missed runs (safe to run any number of times)."""
    click.echo(_check_missed())
