"""Quality signals based on revisions per content unit.

The revision rate of a member for a month is ``revisions ÷ units`` (units
counted by the "done" rule of ``pace``).  A member is *flagged* when the rate
rose sharply compared with the previous month on a sample big enough to mean
something:

* the current month has at least ``min_units`` units, and
* the previous month has a rate (``prev_units > 0``), and
* current rate ≥ previous rate × (1 + ``rise_share``) and the current rate is
  above zero.  A previous rate of 0 followed by any positive rate is an
  infinite rise and flags.

Comparisons are exact (fractions), so "exactly +50 %" with ``rise_share=0.5``
flags even where float division would give 0.4999….
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["QualityFlag", "median", "quality_flag", "revisions_per_unit"]


def revisions_per_unit(revisions: int, units: int) -> float | None:
    """Revisions per unit, or ``None`` when there are no units (rate undefined)."""
    if revisions < 0 or units < 0:
        raise ValueError(f"revisions and units must be non-negative (got {revisions}, {units})")
    if units == 0:
        return None
    return revisions / units


def median(values: Iterable[float | None]) -> float | None:
    """Median of the given values, ignoring ``None``; ``None`` if nothing is left.

    Intended for the team median of revision rates, where members without
    units have rate ``None``.  Even count → mean of the two middle values.
    """
    data = sorted(v for v in values if v is not None)
    n = len(data)
    if n == 0:
        return None
    mid = n // 2
    if n % 2:
        return float(data[mid])
    return (data[mid - 1] + data[mid]) / 2


@dataclass(frozen=True, slots=True)
class QualityFlag:
    """Result of :func:`quality_flag`.

    ``change`` is the relative change of the rate (0.5 = +50 %), ``None``
    when not computable (no previous rate, no current rate, or previous rate
    0 with a positive current rate — an infinite rise).  Both rates 0 → 0.0.
    ``reason`` is a machine code: ``"rise"`` (flagged), ``"no_rise"``,
    ``"too_few_units"``, ``"no_previous"`` (previous month had no units).
    """

    flagged: bool
    current_rate: float | None
    previous_rate: float | None
    change: float | None
    current_units: int
    reason: str


def _share(value: float) -> Fraction:
    # str() gives the shortest repr, so 0.3 becomes exactly 3/10, not 0.29999…
    return Fraction(str(value))


def quality_flag(
    current_revisions: int,
    current_units: int,
    prev_revisions: int,
    prev_units: int,
    *,
    rise_share: float = 0.5,
    min_units: int = 5,
) -> QualityFlag:
    """Flag a sharp month-over-month rise of the revision rate (see module doc)."""
    if rise_share < 0:
        raise ValueError(f"rise_share must be non-negative (got {rise_share})")
    if min_units < 0:
        raise ValueError(f"min_units must be non-negative (got {min_units})")
    current_rate = revisions_per_unit(current_revisions, current_units)
    previous_rate = revisions_per_unit(prev_revisions, prev_units)

    cur = Fraction(current_revisions, current_units) if current_units else None
    prev = Fraction(prev_revisions, prev_units) if prev_units else None
    change: Fraction | None
    if cur is None or prev is None:
        change = None
    elif prev == 0:
        change = Fraction(0) if cur == 0 else None
    else:
        change = (cur - prev) / prev

    if current_units < min_units or cur is None:
        flagged, reason = False, "too_few_units"
    elif prev is None:
        flagged, reason = False, "no_previous"
    elif prev == 0:
        flagged = cur > 0
        reason = "rise" if flagged else "no_rise"
    else:
        flagged = cur >= prev * (1 + _share(rise_share))
        reason = "rise" if flagged else "no_rise"

    return QualityFlag(
        flagged=flagged,
        current_rate=current_rate,
        previous_rate=previous_rate,
        change=None if change is None else float(change),
        current_units=current_units,
        reason=reason,
    )
