"""Conversion figures of the lead funnel (pure; defined in docs/leads.md).

A lead's *path* is its stage changes in time order, the first one being its creation. For a period
[start, end):

* **entered** (stage): distinct leads that entered the stage in the period (created in it, or moved into it);
* **cohort**: leads created in the period;
* **reached** (stage): cohort leads that got at least as far as the stage, at any time up to now: a lead that
  entered a later stage of the order counts for every earlier one (skipped stages included). *Lost* is not in the
  order: a lost lead counts for the stages it reached before;
* **conversion** (stage): reached(stage) / reached(previous stage); **first → won**: reached(won) / cohort;
* **median days** (stage): the median of the times spent in the stage, over stays that ended in the period (the
  lead left the stage for any other);
* **days to first change**: the median, over cohort leads that changed stage at least once, of the time from
  creation to their first change.

Medians of an empty set, and shares of zero, are ``None`` (shown as "—").
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

OPEN, WON, LOST = "open", "won", "lost"
DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Stage:
    id: int
    kind: str  # open | won | lost
    position: int


@dataclass(frozen=True, slots=True)
class Path:
    lead_id: int
    created_at: datetime
    steps: tuple[tuple[int, datetime], ...]  # (stage id, at), time order; the first is the creation
    owner_id: int | None = None
    source: str | None = None
    product_id: int | None = None


@dataclass(frozen=True, slots=True)
class StageFigure:
    stage_id: int
    entered: int
    reached: int
    conversion: float | None  # from the previous stage of the order; None for the first
    median_days: float | None


@dataclass(frozen=True, slots=True)
class Funnel:
    cohort: int
    stages: tuple[StageFigure, ...]  # the order: open stages by position, then won
    lost: int  # cohort leads whose path entered a lost stage
    won_rate: float | None  # first → won
    days_to_first_change: float | None

    def stage(self, stage_id: int) -> StageFigure | None:
        return next((s for s in self.stages if s.stage_id == stage_id), None)


def order(stages: Iterable[Stage]) -> list[Stage]:
    """The funnel order: open stages by position, then the won stage(s); lost stages are outside it."""
    stages = list(stages)
    return (sorted((s for s in stages if s.kind == OPEN), key=lambda s: (s.position, s.id))
            + sorted((s for s in stages if s.kind == WON), key=lambda s: (s.position, s.id)))


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _in(at: datetime, start: datetime, end: datetime) -> bool:
    return start <= at < end


def compute(stages: Iterable[Stage], paths: Iterable[Path], start: datetime, end: datetime) -> Funnel:
    """The figures of the period for these paths (pass every lead with a stage change in the period)."""
    all_stages = list(stages)
    ordered = order(all_stages)
    index = {s.id: i for i, s in enumerate(ordered)}
    lost_ids = {s.id for s in all_stages if s.kind == LOST}
    entered = [set() for _ in ordered]
    reached = [0] * len(ordered)
    stays: list[list[float]] = [[] for _ in ordered]
    cohort = lost = 0
    first_change: list[float] = []
    for p in paths:
        steps = p.steps
        for i, (stage_id, at) in enumerate(steps):
            k = index.get(stage_id)
            if k is not None and _in(at, start, end):
                entered[k].add(p.lead_id)
            if k is not None and i + 1 < len(steps):
                left = steps[i + 1][1]
                if _in(left, start, end):
                    stays[k].append((left - at).total_seconds() / DAY)
        if not _in(p.created_at, start, end):
            continue
        cohort += 1
        furthest = max((index[s] for s, _ in steps if s in index), default=-1)
        for k in range(furthest + 1):
            reached[k] += 1
        if any(s in lost_ids for s, _ in steps):
            lost += 1
        if len(steps) > 1:
            first_change.append((steps[1][1] - p.created_at).total_seconds() / DAY)
    figures = tuple(
        StageFigure(s.id, len(entered[k]), reached[k], share(reached[k], reached[k - 1]) if k else None,
                    median(stays[k]))
        for k, s in enumerate(ordered))
    won = [f for f, s in zip(figures, ordered, strict=True) if s.kind == WON]
    return Funnel(cohort, figures, lost, share(sum(f.reached for f in won), cohort) if won else None,
                  median(first_change))


def grouped(stages: Iterable[Stage], paths: Iterable[Path], start: datetime, end: datetime,
            key: Callable[[Path], Hashable]) -> dict[Hashable, Funnel]:
    """:func:`compute` per group (by owner, by source, by product: ``key`` picks it from the path)."""
    stages = list(stages)
    groups: dict[Hashable, list[Path]] = {}
    for p in paths:
        groups.setdefault(key(p), []).append(p)
    return {k: compute(stages, ps, start, end) for k, ps in groups.items()}


# -- counters (the /funnel figures of a month without reading the month's paths) ------------------------------------
#: a lead's contribution to the month counters: (month, metric, stage id, signature, bucket) → count
#: cohort: created that month · entered: entered the stage that month (once per lead and month) · set: the set of
#: stages the lead ever entered, by its creation month (reached and lost follow from it under the order of the
#: day, so editing the stages needs no rebuild) · stay: a stay in the stage that ended that month, its length as a
#: histogram bucket · first: the time from creation to the first change, by the creation month
COHORT, ENTERED, SET, STAY, FIRST = "cohort", "entered", "set", "stay", "first"
#: histogram buckets grow by this ratio: a median read from them is within ±2 % of the exact one
RATIO = 1.04
_LOG = math.log(RATIO)

CountKey = tuple[int, str, int, str, int]


def bucket(seconds: float) -> int:
    """The histogram bucket of a duration: 0 for under a second, else 1 + floor(log_RATIO(seconds))."""
    return 0 if seconds < 1 else 1 + math.floor(math.log(seconds) / _LOG + 1e-9)


def bucket_seconds(b: int) -> float:
    """A bucket's representative duration: the geometric middle of [RATIO^(b-1), RATIO^b)."""
    return 0.0 if b <= 0 else RATIO ** (b - 1) * math.sqrt(RATIO)


def signature(stage_ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(set(stage_ids)))


def contributions(p: Path, month_of: Callable[[datetime], int]) -> Counter[CountKey]:
    """What one lead's path adds to the month counters (``month_of``: an instant → its month key, in the team's
    time zone)."""
    out: Counter[CountKey] = Counter()
    steps = p.steps
    created = month_of(p.created_at)
    out[(created, COHORT, 0, "", 0)] += 1
    out[(created, SET, 0, signature(s for s, _ in steps), 0)] += 1
    for stage_id, at in steps:
        out[(month_of(at), ENTERED, stage_id, "", 0)] = 1  # distinct leads: once per lead, stage and month
    for (stage_id, at), (_, left) in itertools.pairwise(steps):
        out[(month_of(left), STAY, stage_id, "", bucket((left - at).total_seconds()))] += 1
    if len(steps) > 1:
        out[(created, FIRST, 0, "", bucket((steps[1][1] - p.created_at).total_seconds()))] += 1
    return out


def histogram_median(hist: Counter[int]) -> float | None:
    """The median (days) of the durations in a histogram, each read as its bucket's representative value."""
    n = sum(hist.values())
    if not n:
        return None
    ranks = (n // 2,) if n % 2 else (n // 2 - 1, n // 2)
    values, seen = [], 0
    for b in sorted(hist):
        seen += hist[b]
        while len(values) < len(ranks) and ranks[len(values)] < seen:
            values.append(bucket_seconds(b))
    return sum(values) / len(values) / DAY


def from_counts(stages: Iterable[Stage], rows: Iterable[tuple[str, int, str, int, int]]) -> Funnel:
    """The figures of a month from its counters summed over a scope: rows of (metric, stage id, signature,
    bucket, count). Counts equal :func:`compute`'s; medians are within the histogram's ±2 %."""
    all_stages = list(stages)
    ordered = order(all_stages)
    index = {s.id: i for i, s in enumerate(ordered)}
    lost_ids = {s.id for s in all_stages if s.kind == LOST}
    entered = [0] * len(ordered)
    reached = [0] * len(ordered)
    stays: list[Counter[int]] = [Counter() for _ in ordered]
    first: Counter[int] = Counter()
    cohort = lost = 0
    for metric, stage_id, sig, b, n in rows:
        if metric == COHORT:
            cohort += n
        elif metric == ENTERED:
            if (k := index.get(stage_id)) is not None:
                entered[k] += n
        elif metric == SET:
            ids = [int(x) for x in sig.split(",") if x]
            furthest = max((index[i] for i in ids if i in index), default=-1)
            for k in range(furthest + 1):
                reached[k] += n
            if any(i in lost_ids for i in ids):
                lost += n
        elif metric == STAY:
            if (k := index.get(stage_id)) is not None:
                stays[k][b] += n
        elif metric == FIRST:
            first[b] += n
    figures = tuple(
        StageFigure(s.id, entered[k], reached[k], share(reached[k], reached[k - 1]) if k else None,
                    histogram_median(stays[k]))
        for k, s in enumerate(ordered))
    won = [f for f, s in zip(figures, ordered, strict=True) if s.kind == WON]
    return Funnel(cohort, figures, lost, share(sum(f.reached for f in won), cohort) if won else None,
                  histogram_median(first))
