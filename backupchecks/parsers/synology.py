"""Synology DSM notifications of Hyper Backup and Active Backup for Business, English
and German.

DSM puts a configurable prefix (by default the server name) in brackets before the
subject and writes the body in the DSM language. Hyper Backup reports one task: name,
destination, start time, duration. Active Backup for Business reports a task and each
device it backed up, which become the objects.
"""

from __future__ import annotations

import re

from backupchecks.parsers.base import ParsedObject, ParseResult, Status, clean, worst
from backupchecks.parsers.dates import localize_span, parse_datetime, parse_duration
from backupchecks.parsers.message import MailView

NAME = "synology"
VERSION = 1

_STRONG_MARKERS = ("synology", "hyper backup", "active backup", "datensicherungsaufgabe",
                   "sicherungsaufgabe")
_KEYS = {
    "task": ("datensicherungsaufgabe", "backup task", "sicherungsaufgabe", "task", "aufgabe"),
    "start": ("startzeit", "start time", "gestartet"),
    "end": ("endzeit", "end time", "beendet", "abgeschlossen um"),
    "duration": ("dauer", "duration"),
}
_LINE_RE = re.compile(r"^\s*([^:\n\t]{2,60}?)\s*:\s*(.+?)\s*$", re.MULTILINE)
# "... Cloud-Backup zu Hetzner erfolgreich auf DiskStation" / "... failed on DiskStation"
_SUBJECT_HOST_RE = re.compile(r"\s(?:auf|on|op)\s+(?P<host>[\w.\-]+)\s*\.?$", re.IGNORECASE)
_FOOTER_HOST_RE = re.compile(r"^\s*(?:Von|From|Van)\s+(?P<host>[\w.\-]+)\s*$",
                             re.IGNORECASE | re.MULTILINE)
_BRACKET_RE = re.compile(r"^\s*\[(?P<prefix>[^\]]+)\]")
_SENTENCE_TASK_RE = re.compile(
    r"(?:Datensicherungsaufgabe|Sicherungsaufgabe|backup task)\s+(?P<task>.+?)\s+"
    r"(?:ist|wurde|is|has|on|auf)\b",
    re.IGNORECASE,
)
# Device table of Active Backup for Business: "Device<TAB>Status<TAB>Details" rows.
_DEVICE_HEADER_RE = re.compile(r"^(?:Device|Gerät|Geraet|Apparaat)\t(?:Status)\b", re.I | re.M)

_FAILED = re.compile(r"fehlgeschlagen|failed|\bfehler\b|\berror\b|abgebrochen|cancel+ed|mislukt",
                     re.IGNORECASE)
_WARNING = re.compile(r"teilweise|partially|\bwarnung|\bwarning|gedeeltelijk", re.IGNORECASE)
_SUCCESS = re.compile(r"erfolgreich|successful|succeeded|abgeschlossen|complete|geslaagd|"
                      r"voltooid", re.IGNORECASE)


def _claims(mail: MailView) -> bool:
    if "synology" in mail.sender:
        return True
    head = (mail.subject + "\n" + mail.text[:3000]).lower()
    if any(marker in head for marker in _STRONG_MARKERS):
        return True
    # "Backup task ..." alone is too common: also want DSM's "From <host>" signature.
    return "backup task" in head and _FOOTER_HOST_RE.search(mail.text[-500:]) is not None


def _status(text: str) -> Status | None:
    if _FAILED.search(text):
        return "failed"
    if _WARNING.search(text):
        return "warning"
    if _SUCCESS.search(text):
        return "success"
    return None


def _fields(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _LINE_RE.finditer(text):
        key = match.group(1).strip().lower()
        for name, aliases in _KEYS.items():
            if name not in found and key in aliases:
                found[name] = match.group(2)
    return found


def parse(mail: MailView) -> ParseResult | None:
    if not _claims(mail):
        return None
    text = mail.text
    fields = _fields(text)
    task = clean(fields.get("task", ""))
    if not task:
        sentence = _SENTENCE_TASK_RE.search(text)
        task = clean(sentence.group("task")) if sentence else ""
    if not task:
        return None
    abb = "active backup" in (mail.subject + text[:3000]).lower()
    objects = _devices(text) if abb else []
    # The first sentence and the subject carry the verdict; the rest of the body holds
    # sizes and labels ("Größe gelöschter Daten") that must not be read as a result.
    lead = text.split("\n", 1)[0]
    subject_status = _status(_BRACKET_RE.sub("", mail.subject).replace(task, " "))
    lead_status = _status(lead.replace(task, " "))
    status = worst([subject_status, lead_status, *(o.status for o in objects)])
    if status is None:
        return None
    start = parse_datetime(fields.get("start"), dayfirst=True)
    end = parse_datetime(fields.get("end"), dayfirst=True)
    duration = parse_duration(fields.get("duration"))
    if end is None and start is not None and duration is not None:
        end = start + duration
    started_at, ended_at = localize_span(start, end, mail.date, mail.date_offset)
    return ParseResult(
        parser=NAME,
        parser_version=VERSION,
        product="Synology Active Backup for Business" if abb else "Synology Hyper Backup",
        job_type="Backup",
        job_name=task,
        host=_host(mail),
        status=status,
        started_at=started_at,
        ended_at=ended_at,
        objects=objects,
        subject=mail.subject,
    )


def _host(mail: MailView) -> str | None:
    footers = _FOOTER_HOST_RE.findall(mail.text)
    if footers:
        return footers[-1]  # the last "Von <host>" line is DSM's signature
    subject = _SUBJECT_HOST_RE.search(mail.subject)
    if subject:
        return subject.group("host")
    bracket = _BRACKET_RE.match(mail.subject)
    return clean(bracket.group("prefix")) if bracket else None


def _devices(text: str) -> list[ParsedObject]:
    header = _DEVICE_HEADER_RE.search(text)
    if not header:
        return []
    objects = []
    for line in text[header.end():].split("\n")[1:]:
        cells = [clean(c) for c in line.split("\t")]
        if len(cells) < 2 or not cells[0]:
            break
        status = _status(cells[1])
        if status is None:
            break
        message = cells[2] if len(cells) > 2 and cells[2] and cells[2] != "-" else None
        objects.append(ParsedObject(name=cells[0], status=status, message=message, type="device"))
    return objects

