"""Proxmox Backup Server job notifications: garbage collection, verify, prune, sync and
tape backup, each ``successful`` or ``failed`` in the subject with a key/value body.

The job name is the (local) datastore; the job type tells GC from verify from prune on
the same datastore. The host is the FQDN in the body's web interface link.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from backupchecks.parsers.base import ParsedObject, ParseResult, Status, clean, key_values
from backupchecks.parsers.message import MailView

NAME = "proxmox_backup_server"
VERSION = 1
PRODUCT = "Proxmox Backup Server"

_SUBJECTS = (
    ("Garbage Collect", re.compile(r"Garbage Collect Datastore '(?P<store>[^']+)' (?P<r>\w+)", re.I)),
    ("Verify", re.compile(r"Verify Datastore '(?P<store>[^']+)' (?P<r>\w+)", re.I)),
    ("Prune", re.compile(r"Prun(?:e|ing) datastore '(?P<store>[^']+)' (?P<r>\w+)", re.I)),
    ("Sync", re.compile(r"Sync (?:remote '(?P<remote>[^']+)' )?(?:local )?datastore "
                        r"'(?P<store>[^']+)' (?P<r>\w+)", re.I)),
    ("Tape Backup", re.compile(r"Tape Backup (?:'(?P<id>[^']+)' )?datastore '(?P<store>[^']+)' "
                               r"(?P<r>\w+)", re.I)),
)
_URL_RE = re.compile(r"https://(?P<host>[A-Za-z0-9.\-]+):\d+/#")
_FAILED_LINE_RE = re.compile(r"^(?:Garbage collection|Verification|Pruning|Synchronization|"
                             r"Tape backup)[^:\n]* failed:?\s*(?P<error>.*)$", re.I | re.M)
_UPID_RE = re.compile(r"UPID:[^:\s]+:[0-9A-Fa-f]+:[0-9A-Fa-f]+:[0-9A-Fa-f]+:(?P<start>[0-9A-Fa-f]{8}):")


def parse(mail: MailView) -> ParseResult | None:
    subject = mail.subject
    if "datastore" not in subject.lower():
        return None
    found = next(((kind, m) for kind, p in _SUBJECTS if (m := p.search(subject))), None)
    if found is None:
        return None
    job_type, match = found
    text = mail.text
    fields = key_values(text)
    # PBS bodies always name the datastore or point to the web UI; a foreign mail with a
    # look-alike subject does not.
    if "datastore" not in fields and not _URL_RE.search(text):
        return None
    result = match.group("r").lower()
    status: Status = "success" if result.startswith("success") else "failed"
    store = clean(fields.get("datastore") or match.group("store"))
    objects = _objects(text, store, status)
    url = _URL_RE.search(text)
    started = _upid_start(fields.get("task id", ""))
    return ParseResult(
        parser=NAME,
        parser_version=VERSION,
        product=PRODUCT,
        job_type=job_type,
        job_name=store,
        host=url.group("host") if url else (mail.sender.partition("@")[2] or None),
        status=status,
        started_at=started,
        ended_at=None,
        objects=objects,
        subject=subject,
    )


def _objects(text: str, store: str, status: Status) -> list[ParsedObject]:
    """Verify failures list the bad snapshots/groups; otherwise the datastore itself."""
    if status == "failed" and "snapshots/groups:" in text:
        tail = text.split("snapshots/groups:", 1)[1]
        names = []
        for line in tail.splitlines():
            if line.lower().startswith("please visit"):
                break
            if line.strip():
                names.append(clean(line))
        if names:
            return [ParsedObject(name=n, status="failed", message="verification failed",
                                 type="snapshot") for n in names]
    error = _FAILED_LINE_RE.search(text)
    message = clean(error.group("error")) or None if error else None
    return [ParsedObject(name=store, status=status, message=message, type="datastore")]


def _upid_start(upid: str) -> datetime | None:
    """A UPID carries the task's start as hex epoch seconds."""
    match = _UPID_RE.search(upid)
    if not match:
        return None
    try:
        return datetime.fromtimestamp(int(match.group("start"), 16), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
