"""Locale dates, durations and the sender's UTC offset."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from backupchecks.parsers.dates import (
    month_number,
    parse_date,
    parse_datetime,
    parse_duration,
    sender_offset,
    to_utc,
)


@pytest.mark.parametrize("text, expected", [
    ("Monday, 05 October 2026 21:00:00", datetime(2026, 10, 5, 21, 0, 0)),
    ("maandag 5 oktober 2026 21:00:00", datetime(2026, 10, 5, 21, 0, 0)),
    ("Montag, 5. Oktober 2026 21:00:00", datetime(2026, 10, 5, 21, 0, 0)),
    ("lundi 5 octobre 2026 21:00:00", datetime(2026, 10, 5, 21, 0, 0)),
    ("Sa, 25 Jan 2025 02:00:01", datetime(2025, 1, 25, 2, 0, 1)),
    ("Do, 06 Mär 2025 23:59:59", datetime(2025, 3, 6, 23, 59, 59)),
    ("mrt 3 2025", datetime(2025, 3, 3, 0, 0)),
    ("3 mrt 2025 7:05", datetime(2025, 3, 3, 7, 5, 0)),
    ("1/8/2018 10:09:16 PM", datetime(2018, 1, 8, 22, 9, 16)),
    ("13/8/2018 10:09:16", datetime(2018, 8, 13, 10, 9, 16)),
    ("05.10.2026 21:00:00", datetime(2026, 10, 5, 21, 0, 0)),
    ("5-10-2026 21:00", datetime(2026, 10, 5, 21, 0, 0)),
    ("Tue, Jan 21, 2025 at 12:30:00 AM", datetime(2025, 1, 21, 0, 30, 0)),
    ("2024-01-10 00:00:02", datetime(2024, 1, 10, 0, 0, 2)),
    ("2024-01-10T10:00:00+02:00", datetime(2024, 1, 10, 8, 0, 0, tzinfo=UTC)),
    ("no date here 12:00", None),
    ("31 februari 2025", None),
])
def test_parse_datetime(text, expected):
    assert parse_datetime(text) == expected


def test_month_names():
    assert [month_number(m) for m in ("März", "mei", "août", "Okt.", "dec", "foo")] == [
        3, 5, 8, 10, 12, None]
    assert parse_date("1/8/2018", dayfirst=True) == date(2018, 8, 1)


@pytest.mark.parametrize("text, seconds", [
    ("0:03:34", 214), ("1.02:00:00", 93600), ("00:00:00.2339903", 0),
    ("14 Minuten 26 Sekunden", 866), ("1 Stunde(n) 2 Minute(n) 3 Sekunde(n)", 3723),
    ("1 Hour(s) 2 Minutes 5 Seconds", 3725), ("1h 2m 3s", 3723), ("2 uur 5 minuten", 7500),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_parse_duration_nothing():
    assert parse_duration("soon") is None and parse_duration(None) is None


def test_to_utc():
    assert to_utc(datetime(2026, 1, 1, 1, 0), timedelta(hours=1)) == datetime(2026, 1, 1, tzinfo=UTC)
    assert to_utc(datetime(2026, 1, 1, 1, 0), None) == datetime(2026, 1, 1, 1, tzinfo=UTC)


def test_sender_offset_keeps_a_consistent_header_offset():
    mail_date = datetime(2026, 1, 12, 21, 48, tzinfo=UTC)
    end_local = datetime(2026, 1, 12, 22, 47, 51)
    assert sender_offset(end_local, mail_date, timedelta(hours=1)) == timedelta(hours=1)


def test_sender_offset_inferred_when_relay_rewrote_date():
    # Date 11:03:36 -0700 = 18:03:36Z, job ended 21:03:35 local: the sender is at +03:00.
    mail_date = datetime(2026, 10, 5, 18, 3, 36, tzinfo=UTC)
    end_local = datetime(2026, 10, 5, 21, 3, 35)
    assert sender_offset(end_local, mail_date, timedelta(hours=-7)) == timedelta(hours=3)
    # A half-hour zone (India) is found too.
    assert sender_offset(datetime(2026, 10, 5, 23, 33, 30), mail_date,
                         timedelta(0)) == timedelta(hours=5, minutes=30)


def test_sender_offset_without_information():
    assert sender_offset(None, None, None) is None
    assert sender_offset(datetime(2026, 1, 1), None, timedelta(hours=2)) == timedelta(hours=2)
