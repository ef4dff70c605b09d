"""Deadlines counted in working hours.

A *working hour* is a clock hour that falls on a working day (Monday–Friday that is not a
public holiday of the country), in the given time zone.  All 24 hours of a working day count;
weekends and holidays do not.  So a 24-working-hour deadline for something received on Friday
at 15:00 is Monday at 15:00, and one received on Saturday is Tuesday 00:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.workdays import public_holidays

__all__ = ["add_working_hours", "revision_due"]


def add_working_hours(start: datetime, hours: int, tz: str, country: str = "RU") -> datetime:
    """The instant (aware UTC) ``hours`` working hours after aware ``start``."""
    if start.tzinfo is None:
        raise ValueError("add_working_hours needs an aware datetime")
    if hours < 0:
        raise ValueError(f"hours must be non-negative (got {hours})")
    zone = ZoneInfo(tz)
    cursor = start.astimezone(zone)
    remaining = timedelta(hours=hours)
    cache: dict[int, frozenset[date]] = {}

    def working(d: date) -> bool:
        if d.year not in cache:
            cache[d.year] = public_holidays(d.year, country)
        return d.weekday() < 5 and d not in cache[d.year]

    for _ in range(3700):  # ten years of days: a hard bound, never reached with sane settings
        day = cursor.date()
        day_end = datetime.combine(day + timedelta(days=1), time.min, zone)
        if working(day):
            available = day_end.astimezone(UTC) - cursor.astimezone(UTC)
            if remaining <= available:
                return cursor.astimezone(UTC) + remaining
            remaining -= available
        cursor = day_end
    raise ValueError("deadline too far away")


def revision_due(received_at: datetime, hours: int, tz: str, country: str = "RU") -> datetime:
    """When a revision received at ``received_at`` is due: ``hours`` working hours later in the writer's
    time zone. The one rule for the unit card, the writer's reminder and the manager's notice."""
    return add_working_hours(received_at, hours, tz, country)
