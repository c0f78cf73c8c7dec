"""Dates, times and durations as report mails write them.

Report mails print local wall-clock times in the sending server's locale
("Monday, 05 October 2026 21:00:00", "maandag 5 oktober 2026", "Sa, 25 Jan 2025 02:00:01",
"1/8/2018 10:09:16 PM") and almost never a zone. :func:`to_utc` turns such a naive
time into UTC with the help of the mail's Date header.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta

# Month names and abbreviations in English, Dutch, German and French. Keys are
# accent-free lower case; a trailing dot is stripped before lookup.
_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    (
        "january jan januari januar janvier janv jänner janner",
        "february feb febr februari februar fevrier fevr fev",
        "march mar mrt maart marz mars mrz maerz",
        "april apr avril avr",
        "may mei mai",
        "june jun juni juin",
        "july jul juli juillet juil",
        "august aug augustus aout",
        "september sep sept septembre",
        "october oct okt oktober octobre",
        "november nov novembre",
        "december dec dez dezember decembre",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _num


def _fold(word: str) -> str:
    """Lower case without accents: 'März' -> 'marz', 'août' -> 'aout'."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def month_number(word: str) -> int | None:
    return _MONTHS.get(_fold(word).rstrip("."))


_TIME_RE = re.compile(
    r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:\s*([AaPp])\.?[Mm]\.?)?(?!\d)"
)
_ISO_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
# "5 oktober 2026", "5. Oktober 2026", "05 Oct 2026", "25 Jan. 2025"
_DMY_NAMED_RE = re.compile(r"(?<!\d)(\d{1,2})\.?\s+([^\W\d_]{3,12}\.?)\s+(\d{4})(?!\d)")
# "October 5, 2026", "Oct 5 2026"
_MDY_NAMED_RE = re.compile(r"([^\W\d_]{3,12}\.?)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
# "1/8/2018", "05.10.2026", "5-10-2026"
_NUMERIC_RE = re.compile(r"(?<!\d)(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?!\d)")


def parse_time(text: str) -> time | None:
    """First clock time in ``text`` ("21:03:35", "10:09 PM")."""
    m = _TIME_RE.search(text)
    if not m:
        return None
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    meridiem = (m.group(4) or "").lower()
    if meridiem == "p" and hour < 12:
        hour += 12
    elif meridiem == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def parse_date(text: str, *, dayfirst: bool | None = None) -> date | None:
    """First calendar date in ``text``, in any of the layouts report mails use.

    ``dayfirst`` settles 1/8/2018 (None: "/" is US month-first, "." and "-" day-first,
    unless a number above 12 says otherwise).
    """
    m = _ISO_RE.search(text)
    if m:
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in _DMY_NAMED_RE.finditer(text):
        month = month_number(m.group(2))
        if month:
            return _safe_date(int(m.group(3)), month, int(m.group(1)))
    for m in _MDY_NAMED_RE.finditer(text):
        month = month_number(m.group(1))
        if month:
            return _safe_date(int(m.group(3)), month, int(m.group(2)))
    m = _NUMERIC_RE.search(text)
    if m:
        first, sep, second, year = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        day_first = dayfirst if dayfirst is not None else sep != "/"
        if first > 12:
            day_first = True
        elif second > 12:
            day_first = False
        day, month = (first, second) if day_first else (second, first)
        return _safe_date(year, month, day)
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_datetime(text: str | None, *, dayfirst: bool | None = None) -> datetime | None:
    """A wall-clock date and time from ``text``; aware only if the text names an offset."""
    if not text:
        return None
    m = _ISO_RE.search(text)
    if m and m.group(4):
        d = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d is None:
            return None
        hour, minute = int(m.group(4)), int(m.group(5))
        if hour > 23 or minute > 59:
            return None
        value = datetime(d.year, d.month, d.day, hour, minute, int(m.group(6) or 0))
        zone = m.group(7)
        if zone:
            value = value.replace(tzinfo=UTC) - _offset(zone)
        return value
    d = parse_date(text, dayfirst=dayfirst)
    if d is None:
        return None
    # Look for the clock time after the date so "10:00 report of 1/1/2020" is not mixed up.
    t = parse_time(text) or time(0, 0)
    return datetime.combine(d, t)


def _offset(zone: str) -> timedelta:
    if zone.upper() == "Z":
        return timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))


_DURATION_UNITS = (
    (re.compile(r"(\d+)\s*(?:d|days?|tage?n?|dagen|dag|jours?)\b", re.I), 86400),
    (re.compile(r"(\d+)\s*(?:h|hours?|hrs?|stunden?|stunde\(n\)|uur|uren|heures?)\b", re.I), 3600),
    (re.compile(r"(\d+)\s*(?:m|mins?|minutes?|minuten?|minute\(n\))\b", re.I), 60),
    (re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:s|secs?|seconds?|sekunden?|sekunde\(n\)|seconden?|"
                r"secondes?)\b", re.I), 1),
)
_HMS_RE = re.compile(r"(?<![\d:])(?:(\d+)\.)?(\d{1,3}):(\d{2}):(\d{2})(?:\.\d+)?(?![\d:])")


def parse_duration(text: str | None) -> timedelta | None:
    """'0:03:34', '1.02:03:04', '00:00:00.2339903', '14 Minuten 26 Sekunden', '1h 2m 3s'."""
    if not text:
        return None
    m = _HMS_RE.search(text)
    if m:
        days = int(m.group(1) or 0)
        return timedelta(days=days, hours=int(m.group(2)), minutes=int(m.group(3)),
                         seconds=int(m.group(4)))
    total = 0.0
    found = False
    for pattern, factor in _DURATION_UNITS:
        for m in pattern.finditer(text):
            total += float(m.group(1).replace(",", ".")) * factor
            found = True
    return timedelta(seconds=total) if found else None


def to_utc(value: datetime | None, offset: timedelta | None) -> datetime | None:
    """A wall-clock time at UTC ``offset`` (UTC if unknown) as an aware UTC datetime."""
    if value is None:
        return None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return (value - (offset or timedelta(0))).replace(tzinfo=UTC)


# A report is mailed when its job ends; give a slow mail server and a clock a little slack.
_SENT_BEFORE_END = timedelta(minutes=15)
_SENT_AFTER_END = timedelta(hours=3)


def sender_offset(
    local_end: datetime | None, mail_date: datetime | None, header_offset: timedelta | None
) -> timedelta | None:
    """The UTC offset the report's local times are written in.

    Normally that of the Date header. But relays (Gmail, Exchange Online) rewrite Date in
    their own zone: then the header offset would put the end of the job after the mail
    was sent, or hours before it. In that case the offset is inferred from the gap
    between the local end time and the Date instant, rounded to a quarter hour.
    """
    if local_end is None or mail_date is None or local_end.tzinfo is not None:
        return header_offset
    offset = header_offset or timedelta(0)
    end_utc = (local_end - offset).replace(tzinfo=UTC)
    if mail_date - _SENT_AFTER_END <= end_utc <= mail_date + _SENT_BEFORE_END:
        return header_offset
    gap = local_end - mail_date.astimezone(UTC).replace(tzinfo=None)
    quarter = timedelta(minutes=15)
    inferred = round(gap / quarter) * quarter
    if abs(inferred) <= timedelta(hours=14):
        return inferred
    return header_offset


def localize_span(
    start: datetime | None,
    end: datetime | None,
    mail_date: datetime | None,
    header_offset: timedelta | None,
) -> tuple[datetime | None, datetime | None]:
    """Convert a report's local start/end to UTC using :func:`sender_offset`."""
    offset = sender_offset(end or start, mail_date, header_offset)
    return to_utc(start, offset), to_utc(end, offset)
