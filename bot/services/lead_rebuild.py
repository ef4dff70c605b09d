"""The set-based rebuild of the /funnel counters and facts (:func:`rebuild`): what :func:`bot.services.lead_counts.
recount` computes lead by lead in Python, done by the database in a few ``INSERT … SELECT``
(:func:`models.leads_repo.rebuild_counts`). The two things SQL cannot do the same way on SQLite and PostgreSQL are
given to it as small tables computed here: the first instant of each day in the team's zone (zoneinfo, DST
included) and the first duration of each histogram bucket (:func:`bot.domain.funnel.bucket` is monotonic, so a
duration's bucket is the last one starting at or below it: the same bucket as in Python, bit for bit)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from bot.domain import funnel as fn
from models import leads_repo as repo

_US = timedelta(microseconds=1)


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def day_start(d: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) whose date in ``zone`` is ``d`` or later (a midnight skipped by DST included)."""
    t = datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC)

    def local(x: datetime) -> date:
        return x.astimezone(zone).date()

    if local(t) >= d and local(t - _US) < d:
        return t
    lo, hi = t - timedelta(days=1), t + timedelta(days=1)  # local(lo) < d <= local(hi)
    while hi - lo > _US:
        mid = lo + (hi - lo) // 2
        if local(mid) >= d:
            hi = mid
        else:
            lo = mid
    return hi


def day_starts(first: datetime, last: datetime, tz: str) -> list[tuple[int, datetime]]:
    """(yyyymmdd, its first instant) for every day of ``tz`` from the day before ``first`` to the day after ``last``."""
    zone = ZoneInfo(tz)
    d = _aware(first).astimezone(zone).date() - timedelta(days=1)
    end = _aware(last).astimezone(zone).date() + timedelta(days=1)
    out = []
    while d <= end:
        out.append((d.year * 10000 + d.month * 100 + d.day, day_start(d, zone)))
        d += timedelta(days=1)
    return out


def bucket_starts(longest_us: int) -> list[tuple[int, int]]:
    """(bucket, the least duration in whole microseconds in it) for buckets 1 up to that of ``longest_us``:
    durations are whole microseconds (``timedelta.total_seconds``), so this is exact."""
    out = []
    top = fn.bucket(max(longest_us, 1_000_000) / 10**6)
    lo = 1_000_000
    for b in range(1, top + 1):
        hi = max(lo, 1_000_000)
        while fn.bucket(hi / 10**6) < b:  # an upper bound
            hi *= 2
        while lo < hi:  # the least m with bucket(m) >= b
            mid = (lo + hi) // 2
            if fn.bucket(mid / 10**6) >= b:
                hi = mid
            else:
                lo = mid + 1
        out.append((b, lo))
    return out


def rebuild(conn: Connection, tz: str, *, days: bool = True) -> int:
    """Replace ``lead_facts`` and ``lead_counts`` (month rows, and day rows when ``days``); the rows written."""
    span = repo.lead_time_range(conn)
    if span is None:
        return repo.rebuild_counts(conn, [], [], fn.signature, days=days)
    first, last = (_aware(x) for x in span)
    longest = (last - first) // _US + 1
    return repo.rebuild_counts(conn, day_starts(first, last, tz), bucket_starts(longest), fn.signature, days=days)
