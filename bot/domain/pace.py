"""Monthly pace of one member against a plan.

What counts as done
-------------------
A unit counts as done once it has been *sent* for approval: states ``"sent"``,
``"revision"`` (sent, revision requested, being fixed) and ``"approved"``.
``"written"`` (not yet sent) and ``"deleted"`` do not count.  This is the only
definition of "done" in the product; use :func:`counts_as_done` /
:func:`count_done` everywhere.

Pace arithmetic (all in the member's working days, see ``workdays``)
-------------------------------------------------------------------
* ``available_total``   – working days in the month;
* ``available_elapsed`` – working days strictly *before* today (today is in
  progress and not owed yet);
* ``available_left``    – working days from today (inclusive) to month end;
* ``expected``  = plan × elapsed ÷ total (0 when total is 0);
* ``lag_units`` = expected − done (negative means ahead);
* ``lag_days``  = lag_units ÷ (plan ÷ total), i.e. lag measured in days of the
  planned daily rate (0 when plan or total is 0);
* ``forecast``  = done + rate × left with rate = done ÷ elapsed: the month-end
  total if the member keeps the rate of the elapsed working days (``None``
  before the first working day has elapsed: no rate yet);
* ``needed_per_day`` = (plan − done) ÷ left; 0 when the plan is met; ``None``
  when the plan is not met and no working days are left;
* ``percent`` = done ÷ plan × 100 (``None`` when plan is 0).

For a past month every working day has elapsed; for a future month none has.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

from bot.domain.workdays import month_bounds, working_days

__all__ = [
    "DONE_STATES",
    "UNIT_STATES",
    "Pace",
    "PaceStatus",
    "compute_pace",
    "count_done",
    "counts_as_done",
    "round1",
]

#: Every state a content unit can be in.
UNIT_STATES = frozenset({"written", "sent", "revision", "approved", "deleted"})

#: States in which a unit counts towards the plan (it has been sent).
DONE_STATES = frozenset({"sent", "revision", "approved"})


def counts_as_done(state: str) -> bool:
    """True when a unit in ``state`` counts towards the plan.

    Unknown states raise :class:`ValueError` so that a typo never silently
    drops units from everybody's pace.
    """
    if state not in UNIT_STATES:
        raise ValueError(f"Unknown unit state {state!r}; expected one of {sorted(UNIT_STATES)}")
    return state in DONE_STATES


def count_done(states: Iterable[str]) -> int:
    """Number of units among ``states`` that count as done."""
    return sum(1 for state in states if counts_as_done(state))


class PaceStatus(StrEnum):
    """Headline verdict; values are plain strings (``PaceStatus.AHEAD == "ahead"``)."""

    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    DONE = "done"
    NO_PLAN = "no_plan"
    NO_DAYS_LEFT = "no_days_left"


#: Lag (in days of pace) from which a member is "behind" (or, negated, "ahead").
DEFAULT_TOLERANCE_DAYS = 1.0


@dataclass(frozen=True, slots=True)
class Pace:
    """Snapshot of a member's progress in one month (see module docstring)."""

    month: date  # first day of the month
    today: date  # the member's local date the snapshot was computed for
    plan: int
    done: int
    available_total: int
    available_elapsed: int
    available_left: int
    expected: float
    lag_units: float
    lag_days: float
    forecast: float | None
    needed_per_day: float | None
    percent: float | None
    status: PaceStatus


def _status(
    plan: int,
    done: int,
    left: int,
    lag_units: Fraction,
    lag_days: Fraction,
    tolerance_days: Fraction,
) -> PaceStatus:
    """Decide the headline status; first matching rule wins.

    1. plan 0 → ``no_plan``;  2. done ≥ plan → ``done``;
    3. no working days left → ``no_days_left`` (plan missed, nothing to do);
    4. ``behind`` when lag ≥ 1 whole unit AND ≥ ``tolerance_days`` days of pace;
    5. ``ahead`` symmetrically (≥ 1 unit and ≥ tolerance days ahead);
    6. otherwise ``on_track``.

    Requiring both a whole unit and a day of pace keeps small plans (0.2
    units/day: being 0.4 of a unit short is meaningless) and large plans
    (5 units/day: 3 units short is less than a day) from flapping.
    """
    if plan == 0:
        return PaceStatus.NO_PLAN
    if done >= plan:
        return PaceStatus.DONE
    if left == 0:
        return PaceStatus.NO_DAYS_LEFT
    if lag_units >= 1 and lag_days >= tolerance_days:
        return PaceStatus.BEHIND
    if lag_units <= -1 and lag_days <= -tolerance_days:
        return PaceStatus.AHEAD
    return PaceStatus.ON_TRACK


@lru_cache(maxsize=1024)
def _month_working_days(first: date, last: date, country: str, days_off: frozenset[date]) -> tuple[date, ...]:
    """The month's working days (sorted); cached: a team's pace asks the same month for every member."""
    return tuple(working_days(first, last, country=country, days_off=days_off))


def compute_pace(
    plan: int,
    done: int,
    today: date,
    *,
    country: str = "RU",
    days_off: Iterable[date] = (),
    month: date | None = None,
    tolerance_days: float = DEFAULT_TOLERANCE_DAYS,
) -> Pace:
    """Compute the :class:`Pace` of a member for ``month`` as seen on ``today``.

    ``today`` must be the member's *local* date (``workdays.local_today``).
    ``month`` (any day of it) defaults to today's month.  ``days_off`` are the
    member's personal days off; days outside the month are ignored.  Negative
    ``plan``/``done`` raise :class:`ValueError`.  Arithmetic is exact
    (fractions) and converted to ``float`` only in the result.
    """
    if plan < 0 or done < 0:
        raise ValueError(f"plan and done must be non-negative (plan={plan}, done={done})")
    if tolerance_days < 0:
        raise ValueError(f"tolerance_days must be non-negative (got {tolerance_days})")
    first, last = month_bounds(month if month is not None else today)
    days = _month_working_days(first, last, country, frozenset(d for d in days_off if first <= d <= last))
    total = len(days)
    if today > last:  # past month: everything has elapsed
        elapsed = total
    elif today < first:  # future month: nothing has
        elapsed = 0
    else:
        elapsed = bisect_left(days, today)  # working days before today
    left = total - elapsed

    expected = Fraction(plan * elapsed, total) if total else Fraction(0)
    lag_units = expected - done
    lag_days = lag_units * total / plan if plan and total else Fraction(0)
    forecast = done + Fraction(done, elapsed) * left if elapsed else None
    remaining = plan - done
    if remaining <= 0:
        needed: Fraction | None = Fraction(0)
    elif left == 0:
        needed = None
    else:
        needed = Fraction(remaining, left)
    percent = Fraction(done * 100, plan) if plan else None
    status = _status(plan, done, left, lag_units, lag_days, Fraction(str(tolerance_days)))

    return Pace(
        month=first,
        today=today,
        plan=plan,
        done=done,
        available_total=total,
        available_elapsed=elapsed,
        available_left=left,
        expected=float(expected),
        lag_units=float(lag_units),
        lag_days=float(lag_days),
        forecast=None if forecast is None else float(forecast),
        needed_per_day=None if needed is None else float(needed),
        percent=None if percent is None else float(percent),
        status=status,
    )


def round1(x: float | None) -> float | None:
    """Round to one decimal for display, half away from zero; ``None`` passes through.

    Rounds the shortest decimal repr of the float, i.e. what a person reads:
    ``round1(0.25) == 0.3`` and ``round1(0.35) == 0.4``, where Python's
    ``round`` gives 0.2 (banker's rounding) and 0.3 (binary 0.34999…).
    Negative zero is normalised to ``0.0`` so "-0.0 days" is never shown;
    non-finite values are returned unchanged.
    """
    if x is None:
        return None
    if not math.isfinite(x):
        return x
    value = float(Decimal(repr(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return value + 0.0  # -0.0 + 0.0 == 0.0
