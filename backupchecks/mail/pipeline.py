"""One import pipeline for every source: store raw, dedupe, parse, file under a job or the Inbox.

Per batch:
1. decode each mail once and INSERT the raw bytes ... ON CONFLICT DO NOTHING, so the
   unique Message-ID and content hash make a second import (or a second poller at the
   same moment) a no-op; COMMIT - from here on the mail cannot be lost;
2. run the parsers on the mails that were new;
3. file runs of known jobs in bulk (see filing.py), leave the others waiting in the
   Inbox, and write every mail's parse state in one bulk UPDATE; COMMIT.
Job match keys are loaded once per import into a dict.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from backupchecks.checks.on_import import process_filed
from backupchecks.mail.filing import Filing, file_runs, filing_from_result
from backupchecks.mail.keys import clean_message_id, content_hash, job_key
from backupchecks.mail.rules import load_generic_rules
from backupchecks.models.jobs import Job
from backupchecks.models.mail import Mail
from backupchecks.models.types import utcnow
from backupchecks.parsers import GenericRule, MailView, ParseOutcome, decode_mail, parse_view

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # mails per transaction: fewer commits, still small in memory
NO_PARSER = "No parser recognised this mail."
SUMMARY = "Summary report, not a run of a job."


@dataclass(slots=True)
class SourceMail:
    """Raw bytes of one mail and where they came from."""

    raw: bytes
    source: str = "file"
    mailbox: str | None = None
    folder: str | None = None
    uid: int | None = None
    uidvalidity: int | None = None
    received_at: datetime | None = None


@dataclass
class ImportStats:
    seen: int = 0
    imported: int = 0
    duplicates: int = 0
    filed: int = 0
    waiting: int = 0
    unparsed: int = 0
    ignored: int = 0
    errors: int = 0

    def add(self, other: ImportStats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def summary(self) -> str:
        return (f"{self.seen} seen, {self.imported} new, {self.duplicates} already known; "
                f"{self.filed} filed as runs, {self.waiting} waiting in the Inbox, "
                f"{self.unparsed} unparsed, {self.ignored} ignored, {self.errors} errors")


@dataclass(slots=True)
class ParsedState:
    """How a mail's parse outcome is written onto its row."""

    values: dict[str, Any]
    filing_result: dict[str, Any] | None = None  # to_dict() when it may become a run
    key: str | None = None
    counter: str = "unparsed"


def insert_ignoring_duplicates(session: Session, table: Table) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


def outcome_state(outcome: ParseOutcome) -> ParsedState:
    """Map a parser outcome to the mail's columns. Pure; shared with re-parse."""
    result = outcome.result
    if result is None:
        # Every state carries the same columns: the bulk UPDATE needs one shape.
        empty = dict.fromkeys(("parser_version", "result", "product", "job_type", "job_name",
                               "host", "status", "job_key"))
        if outcome.error:
            return ParsedState({**empty, "state": "error", "reason": outcome.error[:4000],
                                "parser": outcome.parser}, counter="errors")
        return ParsedState({**empty, "state": "unparsed", "reason": NO_PARSER, "parser": None})
    data = result.to_dict()
    values: dict[str, Any] = {
        "parser": result.parser, "parser_version": result.parser_version, "result": data,
        "product": (result.product or "")[:100] or None,
        "job_type": (result.job_type or "")[:100] or None,
        "job_name": (result.job_name or "")[:300] or None,
        "host": (result.host or "")[:255] or None, "status": result.status,
        "reason": None, "job_key": None,
    }
    if result.is_summary:
        return ParsedState({**values, "state": "ignored", "reason": SUMMARY}, counter="ignored")
    if not result.status or not result.job_name:
        missing = "result" if not result.status else "job name"
        values.update(state="unparsed",
                      reason=f"Recognised as {result.product} but the mail has no {missing}.")
        return ParsedState(values)
    key = job_key(result.product, result.job_type, result.job_name, result.host)
    values.update(state="parsed", job_key=key)
    return ParsedState(values, filing_result=data, key=key, counter="waiting")


_STATE_COLUMNS = ("state", "reason", "parser", "parser_version", "result", "product", "job_type",
                  "job_name", "host", "status", "job_key", "run_id")


# PostgreSQL types of the parse columns, for the VALUES list of the bulk UPDATE.
_PG_TYPES = {"state": "varchar", "reason": "text", "parser": "varchar",
             "parser_version": "integer", "result": "json", "product": "varchar",
             "job_type": "varchar", "job_name": "varchar", "host": "varchar",
             "status": "varchar", "job_key": "varchar", "run_id": "integer"}


def write_parse_states(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write the parse columns of many mails, keyed by mail id, in one round trip.

    PostgreSQL: UPDATE … FROM (VALUES …) via psycopg2's execute_values, because a
    plain executemany costs one round trip per row there. SQLite runs in-process, so
    its executemany is already fast.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        from psycopg2.extras import execute_values

        columns = ", ".join(_STATE_COLUMNS)
        assignments = ", ".join(f"{c} = v.{c}" for c in _STATE_COLUMNS)
        template = "(%s::integer, " + ", ".join(f"%s::{_PG_TYPES[c]}" for c in _STATE_COLUMNS) + ")"
        args = [(row["id"], *(json.dumps(row.get(c)) if c == "result" and row.get(c) is not None
                              else row.get(c) for c in _STATE_COLUMNS)) for row in rows]
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            execute_values(cursor, f"UPDATE mails SET {assignments} FROM (VALUES %s) "  # noqa: S608
                           f"AS v(id, {columns}) WHERE mails.id = v.id", args,
                           template=template, page_size=len(args))
        finally:
            cursor.close()
        return
    table = Mail.__table__
    stmt = (update(table).where(table.c.id == bindparam("mail_id"))
            .values({c: bindparam(f"v_{c}") for c in _STATE_COLUMNS}))
    connection.execute(stmt, [
        {"mail_id": row["id"], **{f"v_{c}": row.get(c) for c in _STATE_COLUMNS}} for row in rows
    ])


class Importer:
    """Imports batches of mails; holds what a whole import reuses (job keys, parser rules)."""

    def __init__(self, session: Session, *, rules: Sequence[GenericRule] | None = None,
                 now: datetime | None = None) -> None:
        self.session = session
        self.now = now
        self.rules = list(load_generic_rules(session) if rules is None else rules)
        self.jobs: dict[str, int] = {key: job_id for key, job_id in session.execute(
            select(Job.match_key, Job.id))}
        self.stats = ImportStats()

    def _now(self) -> datetime:
        return self.now or utcnow()

    def _store(self, batch: Sequence[SourceMail]) -> tuple[
            deque[tuple[int, MailView, SourceMail]], int]:
        """Insert the raw mails; returns the new ones (id, decoded view, source) and dupes."""
        rows: list[dict[str, Any]] = []
        views: dict[str, tuple[MailView, SourceMail]] = {}
        seen_ids: set[str] = set()
        now = self._now()
        for item in batch:
            digest = content_hash(item.raw)
            view = decode_mail(item.raw)
            message_id = clean_message_id(view.message_id)
            if digest in views or (message_id is not None and message_id in seen_ids):
                continue
            if message_id is not None:
                seen_ids.add(message_id)
            views[digest] = (view, item)
            rows.append({
                "raw": item.raw, "size": len(item.raw), "message_id": message_id,
                "content_hash": digest, "sender": view.sender[:254],
                "subject": view.subject[:2000], "sent_at": view.date,
                "received_at": item.received_at or view.date or now, "imported_at": now,
                "source": item.source, "mailbox": item.mailbox, "folder": item.folder,
                "uid": item.uid, "uidvalidity": item.uidvalidity, "state": "unparsed",
                "reason": "Stored, not parsed yet.", "deleted": False,
            })
        if not rows:
            return deque(), len(batch)
        table = Mail.__table__
        # executemany with RETURNING: SQLAlchemy sends it as a few multi-row INSERTs
        # ("insertmanyvalues") from one cached compiled statement.
        stmt = insert_ignoring_duplicates(self.session, table).returning(
            table.c.id, table.c.content_hash)
        inserted = self.session.connection().execute(stmt, rows).all()
        # Stored before any parser runs: a crash from here on loses nothing.
        self.session.commit()
        new = sorted(((row.id, *views.pop(row.content_hash)) for row in inserted),
                     key=lambda t: t[0])
        return deque(new), len(batch) - len(new)

    def import_batch(self, batch: Sequence[SourceMail]) -> ImportStats:
        """Store, parse and file one batch; commits twice. Returns this batch's figures."""
        stats = ImportStats(seen=len(batch))
        new, stats.duplicates = self._store(batch)
        stats.imported = len(new)
        if not new:
            return stats
        updates: list[dict[str, Any]] = []
        filings: list[Filing] = []
        while new:
            # Popped, so each decoded mail (and the HTML tree a parser builds on it) is
            # freed right after its parse instead of a whole batch of them living at once.
            mail_id, view, item = new.popleft()
            state = outcome_state(parse_view(view, self.rules))
            updates.append({"id": mail_id, **state.values})
            job_id = self.jobs.get(state.key) if state.key else None
            if job_id is not None and state.filing_result is not None:
                fallback = item.received_at or view.date or self._now()
                filings.append(filing_from_result(mail_id, job_id, state.filing_result, fallback))
                stats.filed += 1
            else:
                setattr(stats, state.counter, getattr(stats, state.counter) + 1)
        mail_to_run = file_runs(self.session, filings, self._now())
        for row in updates:
            row["run_id"] = mail_to_run.get(row["id"])
        write_parse_states(self.session, updates)
        self.session.commit()
        process_filed(self.session)
        return stats

    def run(self, mails: Iterable[SourceMail], batch_size: int = BATCH_SIZE) -> ImportStats:
        """Import a stream of mails batch by batch; memory stays one batch wide."""
        for batch in batched(mails, batch_size):
            self.stats.add(self.import_batch(batch))
        self.file_waiting()
        return self.stats

    def file_waiting(self) -> int:
        """File Inbox mails whose job was approved meanwhile (e.g. during a long import)."""
        from backupchecks.mail.inbox import file_waiting_mails

        filed = file_waiting_mails(self.session, now=self._now())
        self.session.commit()
        process_filed(self.session)
        return filed


def batched(items: Iterable[SourceMail], size: int) -> Iterator[list[SourceMail]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def import_mails(session: Session, mails: Iterable[SourceMail], *,
                 batch_size: int = BATCH_SIZE, now: datetime | None = None) -> ImportStats:
    """Import ``mails`` through the pipeline (commits per batch)."""
    return Importer(session, now=now).run(mails, batch_size)


