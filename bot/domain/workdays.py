"""Working-day calendar, member-local dates and date-range parsing.

Rules
-----
* A *working day* is Monday–Friday that is neither a public holiday of the
  member's country nor one of the member's personal days off.
* Public holidays come from the ``holidays`` package (including the
  "substituted" bridge days it lists, e.g. 2026-12-31 in RU).

Known limitation: Russia (and a few other countries) sometimes moves a working
day onto a Saturday (e.g. Saturday 2027-02-20 in exchange for Monday
2027-02-22).  The ``holidays`` package lists the day off (the Monday) but not
the working Saturday, and this module never treats a Saturday or Sunday as
working.  In such months the available-day count is one lower than the
official production calendar.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DATE_RANGE_ERROR_CODES",
    "MAX_RANGE_DAYS",
    "DateRangeError",
    "is_working_day",
    "local_now",
    "local_today",
    "month_bounds",
    "parse_date_range",
    "public_holidays",
    "working_days",
]

#: Longest accepted inclusive range in :func:`parse_date_range`, in days.
MAX_RANGE_DAYS = 366


def month_bounds(month: date) -> tuple[date, date]:
    """Return the first and the last day of the month containing ``month``."""
    first = date(month.year, month.month, 1)
    if month.month == 12:
        next_first = date(month.year + 1, 1, 1)
    else:
        next_first = date(month.year, month.month + 1, 1)
    return first, next_first - timedelta(days=1)


@lru_cache(maxsize=256)
def _public_holidays_cached(year: int, country: str) -> frozenset[date]:
    import holidays  # at the first use, not at the bot's start (docs/performance.md, "Memory")

    entity = _country_class(country)
    try:
        calendar = entity(years=year) if entity is not None else holidays.country_holidays(country, years=year)
    except NotImplementedError as exc:
        raise ValueError(
            f"Unknown country code {country!r} for public holidays; "
            "use an ISO 3166-1 alpha-2 code supported by the 'holidays' package, e.g. 'RU'"
        ) from exc
    return frozenset(calendar.keys())


@lru_cache(maxsize=8)
def _country_class(country: str) -> type | None:
    """The ``holidays`` class of one country, loaded from that country's own module.

    ``holidays.country_holidays`` imports ``holidays.countries``, whose ``__init__`` imports the modules
    of all ~250 countries (~8 MiB kept for the process's life) to use one. The file named by the
    package's registry is executed alone, under a private module name; ``None`` (then
    ``country_holidays`` is used, same result) when the registry does not know the code or the module
    cannot be loaded alone (it imports another country, say). ``tests/test_workdays.py`` checks that both
    give the same days."""
    import importlib.util
    from pathlib import Path

    import holidays
    from holidays.registry import COUNTRIES

    name = next((module for module, codes in COUNTRIES.items() if country in codes[1:]), None)
    if name is None:
        return None
    path = Path(holidays.__file__).parent / "countries" / f"{name}.py"
    try:
        spec = importlib.util.spec_from_file_location(f"_teamdesk_holidays_{name}", path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        entity = getattr(module, country)
    except (ImportError, OSError, AttributeError):
        return None
    return entity if isinstance(entity, type) else None


#: holidays computed elsewhere, by (year, country): see :func:`remember_public_holidays`
_KNOWN: dict[tuple[int, str], frozenset[date]] = {}


def remember_public_holidays(country: str, days_by_year: Mapping[int, Iterable[date]]) -> None:
    """Take the holidays of ``country`` for these years as computed elsewhere: the bot computes the
    coming years' in a child process at start-up (``bot.__main__``), so the ``holidays`` package (~4 MiB)
    is loaded into the bot only for another year or country."""
    code = country.strip().upper()
    for year, days in days_by_year.items():
        _KNOWN[(int(year), code)] = frozenset(days)


def public_holidays(year: int, country: str = "RU") -> frozenset[date]:
    """Public holidays (incl. substituted days off) of ``country`` in ``year``.

    The country code is case-insensitive.  Results are cached per
    ``(year, country)``.  An unknown code raises :class:`ValueError`.
    """
    code = country.strip().upper()
    if not code:
        raise ValueError("Country code for public holidays must not be empty, e.g. 'RU'")
    known = _KNOWN.get((year, code))
    return known if known is not None else _public_holidays_cached(year, code)


def is_working_day(
    d: date,
    holidays_set: AbstractSet[date],
    days_off: AbstractSet[date] = frozenset(),
) -> bool:
    """True when ``d`` is Mon–Fri, not a public holiday and not a personal day off."""
    return d.weekday() < 5 and d not in holidays_set and d not in days_off


def working_days(
    start: date,
    end: date,
    *,
    country: str = "RU",
    days_off: Iterable[date] = (),
) -> list[date]:
    """All working days in the inclusive range ``start..end``, in order.

    The range may span several years; the holidays of every touched year are
    used.  ``start`` after ``end`` raises :class:`ValueError` (an empty range
    is almost always a caller bug).
    """
    if start > end:
        raise ValueError(f"working_days: start {start} is after end {end}")
    holidays_set: set[date] = set()
    for year in range(start.year, end.year + 1):
        holidays_set |= public_holidays(year, country)
    off = frozenset(days_off)
    result: list[date] = []
    day = start
    while day <= end:
        if is_working_day(day, holidays_set, off):
            result.append(day)
        day += timedelta(days=1)
    return result


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown time zone {tz!r}; use an IANA name such as 'Europe/Moscow'") from exc


def local_now(now_utc: datetime, tz: str) -> datetime:
    """Convert an aware ``now_utc`` to the member's IANA time zone ``tz``.

    Naive datetimes are rejected with :class:`ValueError`: guessing their zone
    is exactly the bug that shifts a report to the wrong day.  Any aware
    datetime is accepted (it need not be in UTC).
    """
    if now_utc.tzinfo is None or now_utc.utcoffset() is None:
        raise ValueError("local_now requires a timezone-aware datetime (got a naive one)")
    return now_utc.astimezone(_zone(tz))


def local_today(now_utc: datetime, tz: str) -> date:
    """The member's calendar date at instant ``now_utc`` (see :func:`local_now`).

    E.g. 2026-11-10 14:30 UTC is already 2026-11-11 00:30 in Asia/Vladivostok
    (UTC+10) while it is still 2026-11-10 17:30 in Europe/Moscow.
    """
    return local_now(now_utc, tz).date()


def utc_range(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """The local days ``first``..``last`` (inclusive) in zone ``tz`` as a UTC ``[start, end)``."""
    zone = _zone(tz)
    start = datetime.combine(first, time.min, zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, zone).astimezone(UTC)
    return start, end


# ---------------------------------------------------------------------------
# Date-range parsing
# ---------------------------------------------------------------------------

#: Codes carried by :class:`DateRangeError`; the caller maps them to messages.
DATE_RANGE_ERROR_CODES = frozenset({"format", "invalid_date", "order", "too_long"})


class DateRangeError(ValueError):
    """A user-typed date range could not be accepted.

    ``code`` is one of :data:`DATE_RANGE_ERROR_CODES`:

    * ``"format"`` – text matches none of the accepted shapes;
    * ``"invalid_date"`` – well-formed but not a real date (``31.02.2026``);
    * ``"order"`` – start is after end;
    * ``"too_long"`` – more than :data:`MAX_RANGE_DAYS` days inclusive.
    """

    def __init__(self, code: str, message: str, start: date | None = None, end: date | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.start, self.end = start, end  # the parsed ends, for ``"order"``


_ISO = r"\d{4}-\d{1,2}-\d{1,2}"
_DMY = r"\d{1,2}\.\d{1,2}\.\d{4}"
_DM = r"\d{1,2}\.\d{1,2}"
_DATE = rf"(?:{_ISO}|{_DMY}|{_DM})"
_SEP = r"(?:\.\.|-|–|—)"
_SINGLE_RE = re.compile(rf"({_DATE})", re.ASCII)
_RANGE_RE = re.compile(rf"({_DATE})\s*{_SEP}\s*({_DATE})", re.ASCII)


def _parse_one(token: str, today: date) -> tuple[date, bool]:
    """Parse one date token; return the date and whether the year was given."""
    try:
        if "-" in token:
            y, m, d = (int(p) for p in token.split("-"))
            return date(y, m, d), True
        parts = [int(p) for p in token.split(".")]
        if len(parts) == 3:
            d, m, y = parts
            return date(y, m, d), True
        d, m = parts
        return date(today.year, m, d), False
    except ValueError as exc:
        raise DateRangeError("invalid_date", f"Not a real date: {token!r}") from exc


def parse_date_range(text: str, today: date) -> tuple[date, date]:
    """Parse a user-typed inclusive date range.

    Accepted shapes (whitespace around the separator is allowed; the range
    separator may be ``..``, ``-``, ``–`` or ``—``)::

        2026-11-10..2026-11-14      ISO dates
        2026-11-10                  single day (start == end)
        10.11.2026-14.11.2026       day.month.year
        10.11..14.11                day.month, year of ``today``
        10.11                       single day.month, year of ``today``

    A year-less date is in ``today``'s year.  Start after end is an ``"order"``
    error, also when the years were omitted (``20.12-10.12``): a period across
    New Year is typed with its years (``28.12.2026-05.01.2027``).  Ranges
    longer than :data:`MAX_RANGE_DAYS` days (inclusive) are ``"too_long"``.  See :class:`DateRangeError` for codes.
    """
    cleaned = text.strip()
    single = _SINGLE_RE.fullmatch(cleaned)
    if single:
        day, _ = _parse_one(single.group(1), today)
        return day, day
    match = _RANGE_RE.fullmatch(cleaned)
    if not match:
        raise DateRangeError("format", f"Unrecognised date range: {text!r}")
    start, _ = _parse_one(match.group(1), today)
    end, _ = _parse_one(match.group(2), today)
    if start > end:
        raise DateRangeError("order", f"Start {start} is after end {end}", start, end)
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise DateRangeError("too_long", f"Range {start}..{end} is longer than {MAX_RANGE_DAYS} days")
    return start, end
