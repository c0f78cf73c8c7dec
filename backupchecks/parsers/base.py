"""Result types and small helpers shared by every parser.

Parsers are pure functions of a decoded :class:`~backupchecks.parsers.message.MailView`;
everything here is free of I/O so a parser can be run on any mail, any number of times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Status = Literal["success", "warning", "failed"]

STATUSES: tuple[Status, ...] = ("success", "warning", "failed")
_RANK: dict[str, int] = {"success": 0, "warning": 1, "failed": 2}


@dataclass(frozen=True, slots=True)
class ParsedObject:
    """One protected thing inside a run: a VM, a server, a mailbox, a datastore..."""

    name: str
    status: Status
    message: str | None = None
    type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": self.message,
                "type": self.type}


@dataclass(slots=True)
class ParseResult:
    """What one report mail says about one run of one job."""

    parser: str
    parser_version: int
    product: str
    job_type: str
    job_name: str
    host: str | None
    status: Status | None
    started_at: datetime | None
    ended_at: datetime | None
    is_retry: bool = False
    retry_number: int | None = None
    is_summary: bool = False
    objects: list[ParsedObject] = field(default_factory=list)
    subject: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "parser": self.parser,
            "parser_version": self.parser_version,
            "product": self.product,
            "job_type": self.job_type,
            "job_name": self.job_name,
            "host": self.host,
            "status": self.status,
            "started_at": iso_utc(self.started_at),
            "ended_at": iso_utc(self.ended_at),
            "is_retry": self.is_retry,
            "retry_number": self.retry_number,
            "is_summary": self.is_summary,
            "objects": [o.to_dict() for o in self.objects],
            "subject": self.subject,
        }


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` suffix; naive datetimes are taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def worst(statuses: Iterable[str | None]) -> Status | None:
    """The most severe status in ``statuses`` (failed > warning > success)."""
    best: Status | None = None
    for status in statuses:
        if status in _RANK and (best is None or _RANK[status] > _RANK[best]):
            best = status  # type: ignore[assignment]
    return best


# Words products use for a result, in the languages MSP customers run them in.
# Order matters in status_from_words: the more severe meaning is looked for first,
# so "Succeeded with warnings" is a warning and "Erfolgreich mit Fehlern" a failure.
_FAILED_WORDS = (
    "failed", "failure", "error", "errors", "fatal", "fehlgeschlagen", "fehler", "mislukt",
    "fout", "échec", "echec", "erreur", "abgebrochen", "cancelled", "canceled", "aborted",
    "err",
)
_WARNING_WORDS = (
    "warning", "warnings", "warn", "with warnings", "partially", "partial", "teilweise",
    "warnung", "warnungen", "waarschuwing", "waarschuwingen", "avertissement", "gedeeltelijk",
)
_SUCCESS_WORDS = (
    "success", "successful", "successfully", "succeeded", "ok", "completed", "complete",
    "erfolgreich", "abgeschlossen", "geslaagd", "voltooid", "succès", "succes", "réussi",
    "reussi",
)


def _word_re(words: Iterable[str]) -> re.Pattern[str]:
    alts = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)


_FAILED_RE = _word_re(_FAILED_WORDS)
_WARNING_RE = _word_re(_WARNING_WORDS)
_SUCCESS_RE = _word_re(_SUCCESS_WORDS)


def status_from_words(text: str | None) -> Status | None:
    """Map a short result phrase ("Succeeded with warnings", "fehlgeschlagen") to a status.

    Meant for a result *field*, not a whole body: a body that says "0 errors" would
    otherwise read as failed.
    """
    if not text:
        return None
    if _FAILED_RE.search(text):
        return "failed"
    if _WARNING_RE.search(text):
        return "warning"
    if _SUCCESS_RE.search(text):
        return "success"
    return None


def clean(text: str | None) -> str:
    """Collapse whitespace (incl. non-breaking spaces) and strip."""
    if not text:
        return ""
    return " ".join(text.split())  # str.split() knows every Unicode space, nbsp included


def key_values(text: str, sep: str = ":") -> dict[str, str]:
    """``Key: value`` lines of a text body, keys lower-cased; the first occurrence wins."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, found, value = line.partition(sep)
        if not found:
            continue
        key = clean(key).lower()
        if key and len(key) <= 60 and key not in out:
            out[key] = value.strip()
    return out
