"""'Today' in the configured time zone; everything stored is UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backupchecks.settings.store import get_setting


def configured_zone() -> ZoneInfo:
    return ZoneInfo(get_setting("general.timezone") or "UTC")


def today_local(now: datetime | None = None, zone: ZoneInfo | None = None) -> date:
    zone = zone or configured_zone()
    return (now or datetime.now(UTC)).astimezone(zone).date()


def local_day_bounds(day: date, zone: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """The UTC instants where a local calendar day starts and ends."""
    zone = zone or configured_zone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)
