"""Realistic backup report mails, as the products send them.

``generate_mail("veeam_backup", "warning", job_name=..., host=..., ...)`` returns the raw
RFC 822 bytes of one report: the product's subject, sender, HTML/text layout, locale
dates and numbers, folded headers. Every mail generated here is parsed back by
:mod:`backupchecks.parsers` to the same job, host, status and objects (tested).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

ObjectSpec = tuple[str, str, str | None]  # (name, status, message)

STATUSES = ("success", "warning", "failed")

# Products without a "warning" outcome in their mails: PBS jobs are successful or failed.
_ONLY_OK_FAILED = ("success", "failed")

PRODUCTS: tuple[str, ...] = (
    "veeam_backup",
    "veeam_backup_copy",
    "veeam_replica",
    "veeam_config_backup",
    "veeam_agent_windows",
    "veeam_agent_linux",
    "veeam_m365",
    "synology_hyperbackup",
    "synology_hyperbackup_de",
    "synology_abb",
    "synology_abb_de",
    "nakivo",
    "proxmox_ve",
    "proxmox_ve_legacy",
    "pbs_gc",
    "pbs_verify",
    "pbs_prune",
    "pbs_sync",
    "acronis",
    "duplicati",
)

SUPPORTED_STATUSES: dict[str, tuple[str, ...]] = {
    p: (_ONLY_OK_FAILED if p.startswith("pbs_") else STATUSES) for p in PRODUCTS
}
# Products whose mails do not name the host (Veeam B&R job mails do not name their
# server, Duplicati and NAKIVO reports neither): they parse back with host None.
HOSTLESS = frozenset({"veeam_backup", "veeam_backup_copy", "veeam_replica",
                      "veeam_config_backup", "nakivo", "duplicati"})
# Products that send one mail per retry with "(Retry N)" in the title.
RETRY_PRODUCTS = frozenset({"veeam_backup", "veeam_backup_copy", "veeam_replica",
                            "veeam_agent_windows", "veeam_agent_linux", "veeam_m365"})
# Products whose mails list no objects (the task itself is the unit).
OBJECTLESS = frozenset({"synology_hyperbackup", "synology_hyperbackup_de", "duplicati",
                        "veeam_config_backup"})


@dataclass
class _Ctx:
    product: str
    status: str
    job: str
    host: str
    customer: str
    start: datetime   # sender-local, aware
    end: datetime     # sender-local, aware
    objects: list[ObjectSpec]
    retry: int | None
    rng: random.Random

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.customer.lower()).strip("-") or "customer"


def generate_mail(
    product: str,
    status: str,
    *,
    job_name: str,
    host: str,
    customer: str,
    started_at: datetime,
    objects: list[ObjectSpec] | None = None,
    retry: int | None = None,
    message_id: str | None = None,
    seed: int | None = None,
) -> bytes:
    """One report mail of ``product`` for a run that ended in ``status``.

    ``objects`` defaults to :func:`default_objects` with the same seed. ``retry`` only
    shows in products that report retries (:data:`RETRY_PRODUCTS`).
    """
    if product not in _BUILDERS:
        raise ValueError(f"unknown product {product!r}; known: {', '.join(PRODUCTS)}")
    if status not in SUPPORTED_STATUSES[product]:
        raise ValueError(f"{product} mails cannot report {status!r}")
    rng = random.Random(seed if seed is not None else _stable_seed(product, job_name, host))
    if started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=UTC)
    # The sender's zone: report bodies print local wall-clock time, Date carries the offset.
    zone = timezone(timedelta(hours=rng.choice((0, 1, 2, -5, 10))))
    start = started_at.astimezone(zone).replace(microsecond=0)
    end = start + timedelta(seconds=rng.randint(90, 5400))
    if objects is None:
        objects = default_objects(product, status, host=host, seed=seed)
    ctx = _Ctx(product, status, job_name, host, customer, start, end, list(objects),
               retry if product in RETRY_PRODUCTS else None, rng)
    subject, sender, parts = _BUILDERS[product](ctx)
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = f"backups@{ctx.slug}.msp.example"
    msg["Date"] = format_datetime(end + timedelta(seconds=rng.randint(1, 20)))
    msg["Message-ID"] = message_id or f"<{rng.getrandbits(64):016x}.{ctx.slug}@mail.example>"
    text, html = parts
    if text is not None:
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    else:
        msg.set_content(html or "", subtype="html")
    return msg.as_bytes(policy=policy.SMTP)


def _stable_seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x00".join(parts).encode()).digest()[:8], "big")


# --- default objects ---------------------------------------------------------------------

_VM_NAMES = ("DC01", "FS01", "SQL01", "EXCH01", "APP01", "RDS01", "WEB01", "PRINT01")
_MAILBOXES = ("info", "finance", "j.jansen", "m.mueller", "support", "sales")
_MESSAGES = {
    "veeam": {
        "warning": "Changed block tracking cannot be enabled: one or more snapshots present.",
        "failed": "Error: Failed to create VM snapshot. The operation is not allowed in the "
                  "current state.",
    },
    "m365": {"warning": "Item skipped: message size exceeds the limit of 150 MB.",
             "failed": "Error: Mailbox is not accessible: access token expired."},
    "nakivo": {"warning": "Application-aware mode could not be enabled.",
               "failed": "The VM snapshot could not be created."},
    "pve": {"warning": "no efidisk configured! Using temporary efivars disk.",
            "failed": "Backup of VM failed - unable to create temporary directory - "
                      "Permission denied"},
    "abb": {"warning": "Some files could not be backed up because they are in use.",
            "failed": "The device is offline."},
    "abb_de": {"warning": "Einige Dateien konnten nicht gesichert werden.",
               "failed": "Das Gerät ist offline."},
    "acronis": {"warning": "Some files were skipped because they are locked.",
                "failed": "Failed to connect to the backup location."},
}


def _message_family(product: str) -> str | None:
    if product.startswith("veeam_m365"):
        return "m365"
    if product.startswith("veeam"):
        return "veeam"
    if product.startswith("proxmox_ve"):
        return "pve"
    if product == "synology_abb_de":
        return "abb_de"
    if product == "synology_abb":
        return "abb"
    return {"nakivo": "nakivo", "acronis": "acronis"}.get(product)


def default_objects(product: str, status: str, *, host: str = "host",
                    seed: int | None = None) -> list[ObjectSpec]:
    """The objects a run of ``product`` reports when the caller names none.

    All succeed for a successful run; the last one carries the warning or failure.
    Products that list no objects get an empty list; Acronis and Veeam agents report
    the machine itself.
    """
    if product in OBJECTLESS or product.startswith("pbs_"):
        return []
    rng = random.Random(_stable_seed(product, status, host, str(seed)))
    family = _message_family(product)
    if product in ("veeam_agent_windows", "veeam_agent_linux", "acronis"):
        names = [host]
    elif product == "veeam_m365":
        names = [f"{m}@{host.split('.')[0]}.example" for m in rng.sample(_MAILBOXES, 3)]
    elif product.startswith("proxmox_ve"):
        base = rng.randrange(100, 900, 100)
        names = [f"{base + i} {n.lower()}" for i, n in enumerate(rng.sample(_VM_NAMES, 3))]
    elif product.startswith("synology_abb"):
        names = [f"PC-{n}" for n in rng.sample(("ANNA", "BERT", "CLAUS", "DIRK", "EVA"), 2)]
    else:
        names = rng.sample(_VM_NAMES, 3)
    objects: list[ObjectSpec] = [(name, "success", None) for name in names]
    if status != "success" and family:
        name = names[-1]
        objects[-1] = (name, status, _MESSAGES[family][status])
    return objects


# --- shared bits -----------------------------------------------------------------------

_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
}
_DE_SHORT_DAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
_DE_SHORT_MONTHS = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt",
                    "Nov", "Dez")


def _long_date(moment: datetime, locale: str) -> str:
    """Veeam's session line in the server's locale."""
    day = _WEEKDAYS[locale][moment.weekday()]
    month = _MONTHS[locale][moment.month - 1]
    clock = moment.strftime("%H:%M:%S")
    if locale == "en":
        return f"{day}, {moment.day:02d} {month} {moment.year} {clock}"
    if locale == "de":
        return f"{day}, {moment.day}. {month} {moment.year} {clock}"
    return f"{day} {moment.day} {month} {moment.year} {clock}"


def _size(rng: random.Random, locale: str, low: float = 1, high: float = 900) -> str:
    value = f"{rng.uniform(low, high):.1f}"
    return (value.replace(".", ",") if locale in ("nl", "de") else value) + " GB"


def _hms(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _title_status(status: str) -> str:
    return {"success": "Success", "warning": "Warning", "failed": "Failed"}[status]


# --- Veeam ----------------------------------------------------------------------------

_VEEAM_COLORS = {"success": "#00B050", "warning": "#ffd96c", "failed": "#fb9895"}
_CELL = ("padding: 2px 3px 2px 3px;vertical-align: top;border: 1px solid #a7a9ac;"
         "font-family: Tahoma;font-size: 12px;")
_HEAD = ("color: White;font-weight: bold;font-size: 16px;height: 70px;vertical-align: bottom;"
         "padding: 0 0 17px 15px;font-family: Tahoma;")
_VEEAM_KIND = {"veeam_backup": "Backup", "veeam_backup_copy": "Backup Copy",
               "veeam_replica": "Replication", "veeam_config_backup": "Configuration Backup",
               "veeam_agent_windows": "Agent Backup", "veeam_agent_linux": "Agent Backup",
               "veeam_m365": "Backup"}
_VEEAM_FOOTER = {"veeam_agent_windows": "Veeam Agent for Microsoft Windows 6.1.2.134",
                 "veeam_agent_linux": "Veeam Agent for Linux 6.1.0.1498",
                 "veeam_m365": "Veeam Backup for Microsoft 365 8.1.0.331"}


def _veeam(ctx: _Ctx) -> tuple[str, str, tuple[str | None, str | None]]:
    rng, status = ctx.rng, ctx.status
    locale = rng.choice(("en", "nl", "de"))
    kind = _VEEAM_KIND[ctx.product]
    m365 = ctx.product == "veeam_m365"
    agent = ctx.product.startswith("veeam_agent")
    config = ctx.product == "veeam_config_backup"
    footer = _VEEAM_FOOTER.get(ctx.product, "Veeam Backup & Replication 12.3.1.1139")
    title = "Configuration Backup" if config else f"{kind} job: {ctx.job}"
    if ctx.retry:
        title += f" (Retry {ctx.retry})"
    if agent:
        description = footer.rsplit(" ", 1)[0]
    else:
        description = f"Created by {ctx.slug.upper()[:15]}\\Administrator at {ctx.start:%d-%m-%Y}."
    counts = {s: sum(1 for o in ctx.objects if o[1] == s) for s in STATUSES}
    color = _VEEAM_COLORS[status]
    processed = (f'<div style="margin-top: 5px;font-size: 12px;">{len(ctx.objects)} of '
                 f"{len(ctx.objects)} {'objects' if m365 else 'VMs'} processed</div>")
    counters = [
        ("Success", str(counts["success"]), "Start time", f"{ctx.start:%H:%M:%S}",
         "Total size", _size(rng, locale), "Backup size", _size(rng, locale, 1, 50)),
        ("Warning", str(counts["warning"]), "End time", f"{ctx.end:%H:%M:%S}",
         "Data read", _size(rng, locale, 1, 90), "Dedupe", "1,3x" if locale != "en" else "1.3x"),
        ("Error", str(counts["failed"]), "Duration", _hms(ctx.end - ctx.start),
         "Transferred", _size(rng, locale, 1, 40), "Compression", "2,1x" if locale != "en"
         else "2.1x"),
    ]
    if m365:
        counters.insert(0, ("Organization", escape(ctx.host), "Processed", str(len(ctx.objects)),
                            "", "", "", ""))
    counter_rows = "".join(
        '<tr style="height: 17px;">' + "".join(
            f'<td nowrap style="{_CELL}">{"<b>" + escape(c) + "</b>" if i % 2 == 0 else c}</td>'
            for i, c in enumerate(row)) + "</tr>\n"
        for row in counters
    )
    if m365:
        header_cols = ("Name", "Type", "Status", "Start time", "End time", "Duration", "Details")
    else:
        header_cols = ("Name", "Status", "Start time", "End time", "Size", "Read",
                       "Transferred", "Duration", "Details")
    detail_rows = ""
    clock = ctx.start
    for name, obj_status, message in ([] if config else ctx.objects):
        began = clock + timedelta(seconds=rng.randint(1, 30))
        clock = began + timedelta(seconds=rng.randint(20, 600))
        if m365:
            cells = (escape(name), "Mailbox", _span(obj_status), f"{began:%H:%M:%S}",
                     f"{clock:%H:%M:%S}", _hms(clock - began), escape(message or ""))
        else:
            cells = (escape(name), _span(obj_status), f"{began:%H:%M:%S}", f"{clock:%H:%M:%S}",
                     _size(rng, locale), _size(rng, locale, 1, 90), _size(rng, locale, 1, 40),
                     _hms(clock - began), escape(message or ""))
        detail_rows += '<tr style="height: 17px;">' + "".join(
            f'<td nowrap style="{_CELL}">{c}</td>' for c in cells) + "</tr>\n"
    session_style = ("border-style: solid; border-color:#a7a9ac; border-width: 1px 1px 0 1px;"
                     "height: 35px;background-color: #f3f4f4;font-size: 16px;"
                     "vertical-align: middle;padding: 5px 0 0 15px;color: #626365; "
                     "font-family: Tahoma;")
    table = ('<table cellspacing="0" cellpadding="0" width="100%" border="0" '
             'style="border-collapse: collapse;">')
    header_row = "".join(f'<td nowrap style="background-color: #e3e3e3;{_CELL}"><b>{c}</b></td>'
                         for c in header_cols)
    result_extra = processed if not (agent or config) else ""
    html = "\n".join((
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        "</head>",
        "<body>",
        table,
        '<tr><td style="border:none; padding: 0px;font-family: Tahoma;font-size: 12px;">',
        table,
        '<tr style="height:70px">',
        f'<td style="width: 80%;border: none;background-color: {color};{_HEAD}">'
        f'{escape(title)} <div class="jobDescription" style="margin-top: 5px;font-size: 12px;">'
        f"{escape(description)}</div></td>",
        f'<td style="background-color: {color};{_HEAD}padding-bottom: 42px;">'
        f"{_title_status(status)}{result_extra}</td>",
        "</tr>",
        '<tr><td colspan="2" style="border: none; padding: 0px;font-family: Tahoma;'
        'font-size: 12px;">',
        '<table width="100%" cellspacing="0" cellpadding="0" class="inner" border="0" '
        'style="margin: 0px;border-collapse: collapse;">',
        f'<tr style="height: 17px;"><td colspan="9" class="sessionDetails" '
        f'style="{session_style}"><span>{_long_date(ctx.start, locale)}</span></td></tr>',
        f'{counter_rows}<tr style="height: 17px;"><td colspan="9" nowrap '
        f'style="{session_style}border: 1px solid #a7a9ac;">Details</td></tr>',
        f'<tr class="processObjectsHeader" style="height: 23px">{header_row}</tr>',
        f"{detail_rows}</table>",
        "</td></tr>",
        "</table>",
        "</td></tr>",
        "<tr><td>&nbsp;</td></tr>",
        '<tr><td style="font-size:12px;color:#626365;padding: 2px 3px 2px 3px;'
        f'vertical-align: top;font-family: Tahoma;">{footer}</td></tr>',
        "</table>",
        "</body></html>",
        "",
    ))
    result = _title_status(status)
    if agent:
        subject = f"[{result}] {ctx.host} - {ctx.job} - {_long_date(ctx.end, 'en')}"
        sender = f"Veeam Agent <veeam-agent@{ctx.slug}.example>"
    elif m365:
        subject = f"[{result}] {ctx.job} - {ctx.host} ({len(ctx.objects)} mailboxes)"
        sender = f"Veeam Backup for Microsoft 365 <vb365@{ctx.slug}.example>"
    else:
        issues = {"success": "", "warning": f" {counts['warning']} warning",
                  "failed": f" {counts['failed']} failed"}[status]
        label = ctx.job if not config else "Configuration Backup"
        subject = f"[{result}] {label} ({len(ctx.objects)} objects){issues}"
        sender = f"Veeam Backup & Replication <veeam@{ctx.slug}.example>"
    return subject, sender, (None, html)


def _span(status: str) -> str:
    return f'<span style="color: {_VEEAM_COLORS[status]};">{_title_status(status)}</span>'


# --- Synology ---------------------------------------------------------------------------

def _synology_hyperbackup(ctx: _Ctx) -> tuple[str, str, tuple[str | None, str | None]]:
    german = ctx.product.endswith("_de")
    duration = ctx.end - ctx.start
    minutes, seconds = divmod(int(duration.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    if german:
        lead = {"success": "ist jetzt abgeschlossen.", "warning": "wurde teilweise abgeschlossen.",
                "failed": "ist fehlgeschlagen."}[ctx.status]
        verdict = {"success": "erfolgreich", "warning": "teilweise abgeschlossen",
                   "failed": "fehlgeschlagen"}[ctx.status]
        day = _DE_SHORT_DAYS[ctx.start.weekday()]
        month = _DE_SHORT_MONTHS[ctx.start.month - 1]
        when = f"{day}, {ctx.start.day:02d} {month} {ctx.start.year} {ctx.start:%H:%M:%S}"
        took = (f"{hours} Stunde(n) " if hours else "") + f"{minutes} Minuten {seconds} Sekunden"
        body = (f"Ihre Datensicherungsaufgabe {escape(ctx.job)} {lead}<BR><BR>"
                f"Datensicherungsaufgabe: {escape(ctx.job)}<BR>"
                f"Datensicherungsziel: {escape(ctx.host)}-HyperBackup / {escape(ctx.host)}_1.hbk<BR>"
                f"Startzeit: {when}<BR>Dauer: {took} <BR><BR>"
                f"Quellgröße gesamt:<BR>- Freigegebener Ordner: 2.3 TB<BR>"
                f"Erhöhte Zielgröße: 136.4 MB<BR><BR>Von {escape(ctx.host)}<BR><BR><BR>")
        subject = f"[{ctx.customer}] WebDAV cloud backup - {ctx.job} {verdict} auf {ctx.host}"
    else:
        lead = {"success": "is now complete.", "warning": "has partially completed.",
                "failed": "has failed."}[ctx.status]
        verdict = {"success": "completed successfully", "warning": "partially completed",
                   "failed": "failed"}[ctx.status]
        when = ctx.start.strftime("%a, %d %b %Y %H:%M:%S")
        took = (f"{hours} Hour(s) " if hours else "") + f"{minutes} Minutes {seconds} Seconds"
        body = (f"Your backup task {escape(ctx.job)} {lead}<BR><BR>"
                f"Backup Task: {escape(ctx.job)}<BR>"
                f"Backup Destination: {escape(ctx.host)}-HyperBackup / {escape(ctx.host)}_1.hbk<BR>"
                f"Start Time: {when}<BR>Duration: {took} <BR><BR>"
                f"Total source size:<BR>- Shared Folder: 1.1 TB<BR>"
                f"Increased target size: 84.2 MB<BR><BR>From {escape(ctx.host)}<BR><BR><BR>")
        subject = f"[{ctx.customer}] Hyper Backup - {ctx.job} {verdict} on {ctx.host}"
    return subject, f"{ctx.host} <sns@synologynotification.com>", (None, body)


def _synology_abb(ctx: _Ctx) -> tuple[str, str, tuple[str | None, str | None]]:
    german = ctx.product.endswith("_de")
    if german:
        lead = {"success": "wurde abgeschlossen.", "warning": "wurde teilweise abgeschlossen.",
                "failed": "ist fehlgeschlagen."}[ctx.status]
        words = {"success": "Erfolgreich", "warning": "Warnung", "failed": "Fehlgeschlagen"}
        verdict = {"success": "abgeschlossen", "warning": "teilweise abgeschlossen",
                   "failed": "fehlgeschlagen"}[ctx.status]
        first = f"Die Sicherungsaufgabe {escape(ctx.job)} auf {escape(ctx.host)} {lead}"
        labels = ("Aufgabe", "Startzeit", "Endzeit", "Gerät", "Von")
        subject = (f"[{ctx.customer}] Active Backup for Business - Sicherungsaufgabe {ctx.job} "
                   f"auf {ctx.host} {verdict}")
        fmt = "%d.%m.%Y %H:%M:%S"
    else:
        lead = {"success": "has completed.", "warning": "has partially completed.",
                "failed": "has failed."}[ctx.status]
        words = {"success": "Succeeded", "warning": "Warning", "failed": "Failed"}
        verdict = {"success": "completed", "warning": "partially completed",
                   "failed": "failed"}[ctx.status]
        first = f"The backup task {escape(ctx.job)} on {escape(ctx.host)} {lead}"
        labels = ("Task", "Start time", "End time", "Device", "From")
        subject = (f"[{ctx.customer}] Active Backup for Business - Backup task {ctx.job} "
                   f"{verdict} on {ctx.host}")
        fmt = "%Y-%m-%d %H:%M:%S"
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{words[st]}</td><td>{escape(msg or '-')}</td></tr>"
        for name, st, msg in ctx.objects)
    body = (f"<html><body><p>{first}</p>"
            f"<p>{labels[0]}: {escape(ctx.job)}<br>{labels[1]}: {ctx.start.strftime(fmt)}<br>"
            f"{labels[2]}: {ctx.end.strftime(fmt)}</p>"
            f"<table border=1><tr><th>{labels[3]}</th><th>Status</th><th>Details</th></tr>{rows}"
            f"</table><p>{labels[4]} {escape(ctx.host)}</p></body></html>")
    return subject, f"{ctx.host} <sns@synologynotification.com>", (None, body)


# --- NAKIVO --------------------------------------------------------------------------------

def _us_time(moment: datetime) -> str:
    return f"{moment:%a}, {moment:%b} {moment.day}, {moment.year} at " + moment.strftime(
        "%I:%M:%S %p").lstrip("0")


def _nakivo(ctx: _Ctx) -> tuple[str, str, tuple[str | None, str | None]]:
    words = {"success": "Successful", "warning": "Succeeded with warnings", "failed": "Failed"}
    rows = "".join(
        f"<tr><td>{escape(n)}</td><td>{words[s]}</td><td>{ctx.rng.uniform(0.1, 40):.1f} GB</td>"
        f"<td>{escape(m or '-')}</td></tr>" for n, s, m in ctx.objects)
    body = f"""<html><body style="font-family: Arial">
<h2>NAKIVO Backup &amp; Replication</h2>
<p>Job report</p>
<table>
<tr><td>Job name:</td><td>{escape(ctx.job)}</td></tr>
<tr><td>Job type:</td><td>Backup</td></tr>
<tr><td>Status:</td><td>{words[ctx.status]}</td></tr>
<tr><td>Started:</td><td>{_us_time(ctx.start)}</td></tr>
<tr><td>Finished:</td><td>{_us_time(ctx.end)}</td></tr>
<tr><td>Duration:</td><td>{_hms(ctx.end - ctx.start)}</td></tr>
<tr><td>Data transferred:</td><td>{ctx.rng.uniform(1, 90):.1f} GB</td></tr>
</table>
<table border="1"><tr><th>VM</th><th>Status</th><th>Transferred</th><th>Details</th></tr>
{rows}</table>
<p>This report was generated by NAKIVO Backup &amp; Replication.</p>
</body></html>
"""
    subject = f'Job "{ctx.job}" finished: {words[ctx.status]}'
    return subject, f"NAKIVO Backup & Replication <nakivo@{ctx.slug}.example>", (None, body)


# --- Proxmox VE ------------------------------------------------------------------------

def _pve_guests(ctx: _Ctx) -> list[tuple[str, str, str, ObjectSpec]]:
    guests = []
    for index, spec in enumerate(ctx.objects):
        name = spec[0]
        vmid, _, guest = name.partition(" ")
        if not vmid.isdigit():
            vmid, guest = str(100 + index), name
        guests.append((vmid, guest or f"VM {vmid}", "ok" if spec[1] != "failed" else "err", spec))
    return guests


def _pve_log(ctx: _Ctx, guests, cmdline: str) -> str:
    lines = [cmdline, ""]
    clock = ctx.start
    for vmid, _guest, state, (_name, status, message) in guests:
        stamp = clock.strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"{vmid}: {stamp} INFO: Starting Backup of VM {vmid} (qemu)")
        if status == "warning":
            lines.append(f"{vmid}: {stamp} WARN: {message}")
        if state == "err":
            lines.append(f"{vmid}: {stamp} ERROR: {message}")
        clock = min(clock + timedelta(seconds=ctx.rng.randint(10, 300)), ctx.end)
        if vmid == guests[-1][0]:
            clock = ctx.end  # the last guest ends the job
        lines.append(f"{vmid}: {clock:%Y-%m-%d %H:%M:%S} INFO: Finished Backup of VM {vmid} "
                     f"({_hms(timedelta(seconds=60))})")
        lines.append("")
    return "\n".join(lines)


def _proxmox_ve(ctx: _Ctx) -> tuple[str, str, tuple[str | None, str | None]]:
    legacy = ctx.product == "proxmox_ve_legacy"
    guests = _pve_guests(ctx)
    failed = any(g[2] == "err" for g in guests) or ctx.status == "failed"
    status_text = "backup failed" if failed else "backup successful"
    cmdline = f"vzdump {' '.join(g[0] for g in guests)} --mode snapshot --storage {ctx.job} --quiet 1"
    log = _pve_log(ctx, guests, cmdline)
    stamp = ctx.start.strftime("%Y_%m_%d-%H_%M_%S")
    if legacy:
        text = "{:<10} {:<20} {:<6} {:>10} {:>10}  {}\n".format(
            "VMID", "NAME", "STATUS", "TIME", "SIZE", "FILENAME")
        html_rows = ""
        for vmid, guest, state, _ in guests:
            filename = f"/mnt/pve/{ctx.job}/dump/vzdump-qemu-{vmid}-{stamp}.vma.zst"
            size = "4.21GB" if state == "ok" else "0"
            text += (f"{vmid:<10} {guest[:20]:<20} {state:<6} {'00:01:23':>10} {size:>10}  "
                     f"{filename if state == 'ok' else '-'}\n")
            cell = "OK" if state == "ok" else "<font color=red>FAILED"
            html_rows += f"<tr><td>{vmid}<td>{escape(guest)}<td>{cell}<td>00:01:23<td>{size}<td>" \
                         f"{escape(filename)}</tr>\n"
        text += "\nDetailed backup logs:\n\n" + log
        html = ("<html><body>\n<table border=1 cellpadding=3>\n<tr><td>VMID<td>NAME<td>STATUS"
                f"<td>TIME<td>SIZE<td>FILENAME</tr>\n{html_rows}</table><br><br>\n"
                f"Detailed backup logs:<br /><br />\n<pre>\n{escape(log)}</pre>\n</body></html>\n")
        subject = f"vzdump backup status ({ctx.host}) : {status_text}"
        sender = f"vzdump backup tool <root@{ctx.host}>"
        return subject, sender, (text, html)
    header = f"{'VMID':<8}{'Name':<20}{'Status':<10}{'Time':<10}{'Size':<14}Filename"
    rows, html_rows = [], ""
    for vmid, guest, state, _ in guests:
        filename = f"vzdump-qemu-{vmid}-{stamp}.vma.zst" if state == "ok" else "null"
        size = "4.207 GiB" if state == "ok" else "0 B"
        rows.append(f"{vmid:<8}{guest:<20}{state:<10}{'1m 23s':<10}{size:<14}{filename}")
        html_rows += ("<tr>" + "".join(f"<td style=\"border: 1px solid;\">{escape(v)}</td>"
                                        for v in (vmid, guest, state, "1m 23s", size, filename))
                      + "</tr>\n")
    error = "job errors\n" if failed else ""
    text = (f"{error}Details\n=======\n{header}\n" + "\n".join(rows)
            + f"\n\nTotal running time: {_hms(ctx.end - ctx.start)}\nTotal size: 12.6 GiB\n\n"
            f"Logs\n====\n{log}")
    html = (f"<html>\n<body>\n{escape(error)}<h1 style=\"font-size: 1.2em\">Details</h1>\n"
            "<table style=\"border: 1px solid;\">\n<tr>" + "".join(
                f"<th>{c}</th>" for c in ("VMID", "Name", "Status", "Time", "Size", "Filename"))
            + f"</tr>\n{html_rows}</table>\n<br/>\nTotal running time: "
            f"{_hms(ctx.end - ctx.start)}<br/>\nTotal size: 12.6 GiB<br/>\n"
            f"<h1 style=\"font-size: 1.2em\">Logs</h1>\n<pre>{escape(log)}</pre>\n</body>\n</html>\n")
    subject = f"vzdump backup status ({ctx.host}): {status_text}"
    return subject, f"Proxmox VE <root@{ctx.host}>", (text, html)


# --- Proxmox Backup Server ------------------------------------------------------------

def _pbs(ctx: _Ctx) -> tuple[str, str, tuple[str | None, str | None]]:
    kind = ctx.product.removeprefix("pbs_")
    ok = ctx.status == "success"
    store, url = ctx.job, f"<https://{ctx.host}:8007/#DataStore-{ctx.job}>"
    error = "unable to acquire lock on datastore - EWOULDBLOCK"
    visit = "\n\nPlease visit the web interface for further details:\n\n"
    if kind == "gc":
        subject = f"Garbage Collect Datastore '{store}' {'successful' if ok else 'failed'}"
        if ok:
            upid = (f"UPID:{ctx.host.split('.')[0]}:00000A3C:0001F2B4:00000005:"
                    f"{int(ctx.start.timestamp()):08X}:garbage_collection:{store}:root@pam:")
            body = (f"Datastore:            {store}\nTask ID:              {upid}\n"
                    "Index file count:     1042\n\nRemoved garbage:      12.4 GiB\n"
                    "Removed chunks:       5120\nRemoved bad chunks:   0\n\n"
                    "Leftover bad chunks:  0\nPending removals:     1.2 GiB (in 410 chunks)\n\n"
                    "Original Data usage:  8.1 TiB\nOn-Disk usage:        412.3 GiB (4.97%)\n"
                    "On-Disk chunks:       201345\n\nDeduplication Factor: 20.12\n\n"
                    f"Garbage collection successful.{visit}{url}\n")
        else:
            body = f"Datastore: {store}\n\nGarbage collection failed: {error}{visit}" \
                   f"<https://{ctx.host}:8007/#pbsServerAdministration:tasks>\n"
    elif kind == "verify":
        subject = f"Verify Datastore '{store}' {'successful' if ok else 'failed'}"
        head = f"\nJob ID:    v-{ctx.rng.getrandbits(32):08x}\nDatastore: {store}\n\n"
        body = head + ("Verification successful." if ok else
                       f"Verification failed on these snapshots/groups:\n\n    vm/101/"
                       f"{ctx.start:%Y-%m-%dT%H:%M:%SZ}\n") + visit + url + "\n"
    elif kind == "prune":
        subject = f"Pruning datastore '{store}' {'successful' if ok else 'failed'}"
        body = (f"\nJob ID:       {store}-daily\nDatastore:    {store}\n\n"
                + ("Pruning successful." if ok else f"Pruning failed: {error}") + visit + url + "\n")
    else:
        remote = f"{ctx.slug}-offsite"
        subject = f"Sync remote '{remote}' datastore 'backup' {'successful' if ok else 'failed'}"
        body = (f"Job ID:             s-{ctx.rng.getrandbits(32):08x}\nDatastore:          {store}\n"
                f"Remote:             {remote}\nRemote Store:       backup\n"
                + ("Synchronization successful." if ok else f"Synchronization failed: {error}")
                + visit + url + "\n")
    return subject, f"Proxmox Backup Server <root@{ctx.host}>", (body, None)


# --- Acronis ----------------------------------------------------------------------------

def _acronis(ctx: _Ctx) -> tuple[str, str, tuple[str | None, str | None]]:
    words = {"success": "succeeded", "warning": "succeeded with warnings", "failed": "failed"}
    message = next((m for _n, _s, m in ctx.objects if m), None)
    fmt = "%b %d, %Y, %I:%M:%S %p"
    rows = [("Protection plan", ctx.job), ("Machine", ctx.host),
            ("Status", words[ctx.status].capitalize()), ("Start time", ctx.start.strftime(fmt)),
            ("End time", ctx.end.strftime(fmt))]
    if message:
        rows.append(("Error" if ctx.status == "failed" else "Warning", message))
    table = "".join(f"<tr><td>{k}:</td><td>{escape(v)}</td></tr>" for k, v in rows)
    body = (f"<html><body><p>Acronis Cyber Protect Cloud</p><h2>Backup {words[ctx.status]}</h2>"
            f"<table>{table}</table><p>You received this message because backup notifications "
            f"are enabled for your account.</p></body></html>")
    subject = f'Backup {words[ctx.status]}: "{ctx.host}" (plan "{ctx.job}")'
    return subject, "Acronis Cyber Protect Cloud <noreply-abc@cloud.acronis.com>", (None, body)


# --- Duplicati --------------------------------------------------------------------------

def _duplicati(ctx: _Ctx) -> tuple[str, str, tuple[str | None, str | None]]:
    result = {"success": "Success", "warning": "Warning", "failed": "Error"}[ctx.status]

    def stamp(moment: datetime) -> str:
        clock = moment.strftime("%I:%M:%S %p").lstrip("0")
        return f"{moment.month}/{moment.day}/{moment.year} {clock} ({int(moment.timestamp())})"

    warnings = ('[\n    2024-01-10 22:00:05 +01 - [Warning-Duplicati.Library.Main.Operation.'
                'Backup.FileEnumerationProcess-FileAccessError]: Error reported while accessing '
                'file: C:\\pagefile.sys\n]') if ctx.status == "warning" else "[]"
    errors = ("[\n    Failed to connect: The remote server returned an error: (401) Unauthorized."
              "\n]") if ctx.status == "failed" else "[]"
    body = (
        f"DeletedFiles: 0\nDeletedFolders: 0\nModifiedFiles: {ctx.rng.randint(0, 40)}\n"
        f"ExaminedFiles: {ctx.rng.randint(100, 90000)}\nOpenedFiles: 12\nAddedFiles: 3\n"
        f"SizeOfModifiedFiles: 1048576\nSizeOfAddedFiles: 4096\nNotProcessedFiles: 0\n"
        f"FilesWithError: {1 if ctx.status != 'success' else 0}\nPartialBackup: False\n"
        f"Dryrun: False\nMainOperation: Backup\nParsedResult: {result}\n"
        f"Version: 2.0.8.1 (2.0.8.1_beta_2024-05-07)\nEndTime: {stamp(ctx.end)}\n"
        f"BeginTime: {stamp(ctx.start)}\nDuration: 00:{_hms(ctx.end - ctx.start)[-5:]}.1234567\n"
        f"Messages: [\n    No remote filesets were deleted\n]\nWarnings: {warnings}\n"
        f"Errors: {errors}\n"
    )
    subject = f"Duplicati Backup report for {ctx.job}"
    return subject, f"Duplicati <duplicati@{ctx.slug}.example>", (body, None)


_Builder = Callable[[_Ctx], tuple[str, str, tuple[str | None, str | None]]]
_BUILDERS: dict[str, _Builder] = {
    **{p: _veeam for p in PRODUCTS if p.startswith("veeam")},
    "synology_hyperbackup": _synology_hyperbackup,
    "synology_hyperbackup_de": _synology_hyperbackup,
    "synology_abb": _synology_abb,
    "synology_abb_de": _synology_abb,
    "nakivo": _nakivo,
    "proxmox_ve": _proxmox_ve,
    "proxmox_ve_legacy": _proxmox_ve,
    **{p: _pbs for p in PRODUCTS if p.startswith("pbs_")},
    "acronis": _acronis,
    "duplicati": _duplicati,
}


def expected_host(product: str, host: str) -> str | None:
    """The host the parsers read back from a generated mail of ``product``."""
    return None if product in HOSTLESS else host


def expected_job_name(product: str, job_name: str) -> str:
    """The job name the parsers read back: Veeam's configuration backup has no name."""
    return "Configuration Backup" if product == "veeam_config_backup" else job_name


def sample_mails(count: int, *, seed: int = 0) -> Sequence[bytes]:
    """``count`` mails cycling over every product and supported status (benchmarks, demos)."""
    rng = random.Random(seed)
    combos = [(p, s) for p in PRODUCTS for s in SUPPORTED_STATUSES[p]]
    base = datetime(2026, 1, 12, 21, 0, tzinfo=UTC)
    mails = []
    for index in range(count):
        product, status = combos[index % len(combos)]
        mails.append(generate_mail(
            product, status, job_name=f"job-{index % 7}", host=f"srv{index % 5}.example.net",
            customer=rng.choice(("Koller GmbH", "De Vries BV", "Acme Ltd")),
            started_at=base + timedelta(hours=index), seed=index))
    return mails
