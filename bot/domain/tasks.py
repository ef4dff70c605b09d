"""Tasks: the due-time parser, recurrence and when a task's notices are due. Pure: no I/O.

Due times are typed in the member's time zone, in Russian or English:

* ``сегодня 18:00`` / ``today 18:00``, ``завтра 15:00`` / ``tomorrow 15:00``;
* ``25.12 10:00`` (this year; a day already past this year means next year), ``25.12.2026 10:00``,
  ``2026-12-25 10:00``;
* ``через 2 часа`` / ``in 2 hours`` (also minutes and days: ``через 30 минут``, ``in 3 days``; ``через час``,
  ``in an hour``).

:func:`parse_due` returns an aware datetime in the zone of ``now``; a time not after ``now`` is
:class:`DueError` ``past``, anything unreadable ``format``. :func:`split_title_due` finds the due time at the
end of a one-line ``/task`` text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

WORKDAYS, WEEK = "workdays", "week"  # every working day; every week (not the digest kinds)
RECURRENCES = (WORKDAYS, WEEK)

MAX_AHEAD_DAYS = 5 * 366  # a due time further ahead is a typo
MAX_AMOUNT = {"minutes": 60 * 24 * 31, "hours": 24 * 366, "days": 5 * 366}
TITLE_MAX = 200

# the notices of one due time (kinds of the delivery log, see scheduler.jobs)
DUE, OVERDUE, ESCALATE = "due", "overdue", "escalate"


class DueError(ValueError):
    def __init__(self, code: str) -> None:  # format | past | far | title (split_title_due: no title)
        super().__init__(code)
        self.code = code


_TIME = r"([0-9]{1,2})[:.]([0-9]{2})"
_RE_DAYWORD = re.compile(rf"(сегодня|today|завтра|tomorrow|послезавтра)\s+(?:в\s+|at\s+)?{_TIME}", re.I)
_RE_DM = re.compile(rf"([0-9]{{1,2}})\.([0-9]{{1,2}})(?:\.([0-9]{{4}}))?\s+{_TIME}", re.ASCII)
_RE_ISO = re.compile(rf"([0-9]{{4}})-([0-9]{{1,2}})-([0-9]{{1,2}})\s+{_TIME}", re.ASCII)
_RE_REL_RU = re.compile(r"через\s+(?:([0-9]{1,6})\s+)?(минуту|минуты|минут|мин|час|часа|часов|день|дня|дней)", re.I)
_RE_REL_EN = re.compile(r"in\s+(?:([0-9]{1,6})|an?)\s+(minutes?|mins?|hours?|h|days?)", re.I)

_UNITS = {
    "мин": "minutes", "минуту": "minutes", "минуты": "minutes", "минут": "minutes",
    "час": "hours", "часа": "hours", "часов": "hours",
    "день": "days", "дня": "days", "дней": "days",
    "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hour": "hours", "hours": "hours", "day": "days", "days": "days",
}
_DAY_OFFSET = {"сегодня": 0, "today": 0, "завтра": 1, "tomorrow": 1, "послезавтра": 2}


def _hm(h: str, m: str) -> time:
    hour, minute = int(h), int(m)
    if hour > 23 or minute > 59:
        raise DueError("format")
    return time(hour, minute)


def _at(day: date, t: time, now: datetime) -> datetime:
    """``day`` at ``t`` in the zone of ``now`` (a wall time skipped by a clock change resolves forward)."""
    local = datetime.combine(day, t, now.tzinfo)
    return local.astimezone(now.tzinfo) if now.tzinfo is not None else local


def _date(y: int, mo: int, d: int) -> date:
    try:
        return date(y, mo, d)
    except ValueError as exc:
        raise DueError("format") from exc


def _read(text: str, now: datetime) -> datetime:
    s = " ".join(text.split()).lower()
    if m := _RE_DAYWORD.fullmatch(s):
        return _at(now.date() + timedelta(days=_DAY_OFFSET[m.group(1)]), _hm(m.group(2), m.group(3)), now)
    if m := _RE_ISO.fullmatch(s):
        return _at(_date(int(m.group(1)), int(m.group(2)), int(m.group(3))), _hm(m.group(4), m.group(5)), now)
    if m := _RE_DM.fullmatch(s):
        d, mo, y = int(m.group(1)), int(m.group(2)), m.group(3)
        t = _hm(m.group(4), m.group(5))
        if y is not None:
            return _at(_date(int(y), mo, d), t, now)
        day = _date(now.year, mo, d) if not (mo == 2 and d == 29) else _leap(now.year, mo, d)
        if day < now.date():  # 25.12 typed in January of the next year... or 05.01 typed in December
            day = _date(now.year + 1, mo, d) if not (mo == 2 and d == 29) else _leap(now.year + 1, mo, d)
        return _at(day, t, now)
    rel = _RE_REL_RU.fullmatch(s) or _RE_REL_EN.fullmatch(s)
    if rel:
        n = int(rel.group(1)) if rel.group(1) is not None else 1
        unit = _UNITS[rel.group(2).lower()]
        if not 1 <= n <= MAX_AMOUNT[unit]:
            raise DueError("far")
        later = now.astimezone(UTC) + timedelta(**{unit: n})  # elapsed time, also across a clock change
        return later.astimezone(now.tzinfo).replace(second=0, microsecond=0)
    raise DueError("format")


def _leap(year: int, mo: int, d: int) -> date:
    while True:  # 29.02: the next year that has it
        try:
            return date(year, mo, d)
        except ValueError:
            year += 1


def parse_due(text: str, now: datetime) -> datetime:
    """The due time ``text`` names, in the zone of ``now`` (the member's local now, aware).

    Raises :class:`DueError`: ``format`` (not one of the shapes), ``past`` (not after ``now``), ``far`` (more
    than five years ahead)."""
    if not text or len(text) > 40:
        raise DueError("format")
    due = _read(text, now)
    if due <= now:
        raise DueError("past")
    if due - now > timedelta(days=MAX_AHEAD_DAYS):
        raise DueError("far")
    return due


def split_title_due(text: str, now: datetime) -> tuple[str, datetime]:
    """A one-line ``/task`` text: the title, then the due time at its end (``Позвонить Анне завтра 15:00``).

    The longest tail of up to four words that reads as a due time wins; a tail that reads but is past (or far)
    raises that error; no tail that reads at all is ``format``; a due time alone is ``title`` (nothing to do)."""
    words = text.split()
    try:
        parse_due(text, now)
    except DueError:
        pass
    else:
        raise DueError("title")  # a due time and nothing to do
    found: DueError | None = None
    for k in range(min(4, len(words) - 1), 0, -1):
        try:
            due = parse_due(" ".join(words[-k:]), now)
        except DueError as exc:
            if exc.code != "format" and found is None:
                found = exc
            continue
        return " ".join(words[:-k]), due
    raise found or DueError("format")


# --- recurrence ------------------------------------------------------------------------------------------
def next_due(due: datetime, rule: str, is_working: Callable[[date], bool], after: datetime | None = None) -> datetime:
    """The next due time of a recurring task after ``due`` (aware, in the member's zone), same wall time:
    ``daily`` — the next working day; ``weekly`` — a week later. With ``after``, the first one after it
    (a routine completed days late does not leave a trail of past occurrences)."""
    if rule not in RECURRENCES:
        raise ValueError(f"unknown recurrence {rule!r}")
    zone, wall = due.tzinfo, due.replace(tzinfo=None)
    step = timedelta(days=1 if rule == WORKDAYS else 7)
    day = wall.date()
    for _ in range(4000):
        day += step
        if rule == WORKDAYS and not is_working(day):
            continue
        nxt = datetime.combine(day, wall.time(), zone)
        if after is None or nxt > after:
            return nxt
    raise ValueError("no working day ahead")  # pragma: no cover - four thousand days off in a row


def working_checker(holidays: AbstractSet[date], days_off: AbstractSet[date] = frozenset()) -> Callable[[date], bool]:
    return lambda d: d.weekday() < 5 and d not in holidays and d not in days_off


# --- notices -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Notices:
    """Which notices of one open task are due at ``now``: the reminder (from the due time until it turns
    overdue), the overdue reminder (after ``overdue_hours``), the escalation to the creator's manager (after
    twice ``overdue_hours``). Each goes once (the delivery log keys them by task and due time)."""

    due: bool
    overdue: bool
    escalate: bool


def notices(due_at: datetime, now: datetime, overdue_hours: int) -> Notices:
    late = now - due_at
    hours = timedelta(hours=overdue_hours)
    return Notices(due=timedelta(0) <= late < hours, overdue=late >= hours, escalate=late >= 2 * hours)


def notice_key(task_id: int, due_at: datetime) -> str:
    """The delivery log's period key of one due time of a task: moving the task starts its notices afresh."""
    return f"t{task_id}:{int(due_at.timestamp())}"


@dataclass(frozen=True, slots=True)
class Buckets:
    overdue: list
    today: list
    upcoming: list
    done_today: list


def bucket(open_tasks: list, done: list, now: datetime, today_end: datetime,
           due_of: Callable[[object], datetime]) -> Buckets:
    """/tasks and the morning agenda: open tasks overdue (due before ``now``), due later today (before
    ``today_end``), upcoming; and those done today (given), each by due time."""
    ordered = sorted(open_tasks, key=due_of)
    return Buckets([x for x in ordered if due_of(x) < now],
                   [x for x in ordered if now <= due_of(x) < today_end],
                   [x for x in ordered if due_of(x) >= today_end],
                   list(done))
