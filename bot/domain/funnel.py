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
from datetime import date, datetime, timedelta

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
#: cohort: created that month · entered: entered the stage that month (once per lead and month) · entries: below ·
#: set: the set of
#: stages the lead ever entered, by its creation month (reached and lost follow from it under the order of the
#: day, so editing the stages needs no rebuild) · stay: a stay in the stage that ended that month, its length as a
#: histogram bucket · first: the time from creation to the first change, by the creation month
COHORT, ENTERED, SET, STAY, FIRST = "cohort", "entered", "set", "stay", "first"
#: entries: each day a lead entered a stage, the bucket holding the previous such day (0: none) — the facts'
#: form of *entered*, summed by month too, for periods other than one whole month
ENTRIES = "entries"
#: histogram buckets grow by this ratio; they only locate a median: its exact value is read from the lead's facts
#: (:func:`facts`) inside the bucket
RATIO = 1.04
_LOG = math.log(RATIO)

CountKey = tuple[int, str, int, str, int]


def bucket(seconds: float) -> int:
    """The histogram bucket of a duration: 0 for under a second, else 1 + floor(log_RATIO(seconds))."""
    return 0 if seconds < 1 else 1 + math.floor(math.log(seconds) / _LOG + 1e-9)


def signature(stage_ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(set(stage_ids)))


#: one fact of a lead (``lead_facts``): (metric, stage id, signature, at, bucket, seconds)
Fact = tuple[str, int, str, datetime, int, float]


def facts(p: Path, day_of: Callable[[datetime], int]) -> list[Fact]:
    """A lead's facts, each at its instant (``day_of``: an instant → yyyymmdd in the team's time zone):

    * cohort and set (the signature of the stages it ever entered) at its creation;
    * entries: once per stage and day it entered the stage, the bucket holding the previous such day (0: none),
      so the distinct leads that entered a stage in a period starting on day d are the entries in the period
      whose bucket is before d;
    * stay: a stay in a stage that ended, at its end, with its histogram bucket and exact length in seconds;
    * first: the first change, at the creation, with its bucket and length (stage id 0).

    Counters are these facts summed by month (:func:`contributions`); a period's figures are the facts in it."""
    steps = p.steps
    out: list[Fact] = [(COHORT, 0, "", p.created_at, 0, 0.0),
                       (SET, 0, signature(s for s, _ in steps), p.created_at, 0, 0.0)]
    last_day: dict[int, int] = {}
    for stage_id, at in steps:
        day = day_of(at)
        prev = last_day.get(stage_id, 0)
        if prev == day:
            continue
        out.append((ENTRIES, stage_id, "", at, prev, 0.0))
        last_day[stage_id] = day
    for (stage_id, at), (_, left) in itertools.pairwise(steps):
        seconds = (left - at).total_seconds()
        out.append((STAY, stage_id, "", left, bucket(seconds), seconds))
    if len(steps) > 1:
        seconds = (steps[1][1] - p.created_at).total_seconds()
        out.append((FIRST, 0, "", p.created_at, bucket(seconds), seconds))
    return out


def contributions(p: Path, month_of: Callable[[datetime], int],
                  day_of: Callable[[datetime], int]) -> Counter[CountKey]:
    """What one lead's path adds to the month counters (``month_of``: an instant → its month key, ``day_of``: →
    yyyymmdd, in the team's time zone): its :func:`facts` summed by month, and *entered* once per stage and
    month (what one whole month reads instead of the entries)."""
    out: Counter[CountKey] = Counter()
    for metric, stage_id, sig, at, b, _ in facts(p, day_of):
        month = month_of(at)
        out[(month, metric, stage_id, sig, b)] += 1
        if metric == ENTRIES:
            out[(month, ENTERED, stage_id, "", 0)] = 1
    return out


#: a median's middle values to read: (bucket, offset inside the bucket in ascending order, how many)
Pick = tuple[int, int, int]


def middle_picks(hist: Counter[int]) -> list[Pick]:
    """Where a histogram's middle value(s) lie: the one middle rank of an odd count, the two of an even one, as
    (bucket, offset in the bucket, count). Reading those values in ascending order inside their buckets gives the
    exact median (:func:`middle_median`)."""
    n = sum(hist.values())
    if n <= 0:
        return []
    ranks = (n // 2,) if n % 2 else (n // 2 - 1, n // 2)
    picks: list[Pick] = []
    seen = 0
    for b in sorted(hist):
        c = hist[b]
        inside = [r - seen for r in ranks if seen <= r < seen + c]
        if inside:
            picks.append((b, inside[0], len(inside)))
        seen += c
    return picks


def middle_median(seconds: Sequence[float]) -> float | None:
    """The median in days from the middle value(s) in seconds (one, or the two of an even count): the same
    arithmetic as :func:`median` over every value, so the result is the same number."""
    return median([s / DAY for s in seconds])


def histograms(rows: Iterable[tuple[str, int, str, int, int]]) -> dict[tuple[str, int], Counter[int]]:
    """The stay histograms by (STAY, stage id) and the first-change one under (FIRST, 0) from counter rows."""
    out: dict[tuple[str, int], Counter[int]] = {}
    for metric, stage_id, _sig, b, n in rows:
        if metric in (STAY, FIRST) and n:
            out.setdefault((metric, stage_id if metric == STAY else 0), Counter())[b] += n
    return out


def from_counts(stages: Iterable[Stage], rows: Iterable[tuple[str, int, str, int, int]], since: int,
                middles: dict[tuple[str, int], Sequence[float]] | None = None) -> Funnel:
    """The figures of a period starting on day ``since`` (yyyymmdd) from its facts summed over a scope (month
    counters and facts of days): rows of (metric, stage id, signature, bucket, count); an entry counts when the
    lead's previous entry into the stage (its bucket) was before ``since``. Counts equal :func:`compute`'s. The
    medians come from ``middles``: (STAY, stage id) or
    (FIRST, 0) → the middle value(s) in seconds read at :func:`middle_picks` of :func:`histograms`; then they
    equal :func:`compute`'s too. A median without its middles is ``None``."""
    middles = middles or {}
    all_stages = list(stages)
    ordered = order(all_stages)
    index = {s.id: i for i, s in enumerate(ordered)}
    lost_ids = {s.id for s in all_stages if s.kind == LOST}
    entered = [0] * len(ordered)
    reached = [0] * len(ordered)
    cohort = lost = 0
    for metric, stage_id, sig, b, n in rows:
        if metric == COHORT:
            cohort += n
        elif metric in (ENTERED, ENTRIES):  # read one or the other: entered for one whole month, else entries
            if (k := index.get(stage_id)) is not None and b < since:
                entered[k] += n
        elif metric == SET:
            ids = [int(x) for x in sig.split(",") if x]
            furthest = max((index[i] for i in ids if i in index), default=-1)
            for k in range(furthest + 1):
                reached[k] += n
            if any(i in lost_ids for i in ids):
                lost += n
    figures = tuple(
        StageFigure(s.id, entered[k], reached[k], share(reached[k], reached[k - 1]) if k else None,
                    middle_median(middles.get((STAY, s.id), ())))
        for k, s in enumerate(ordered))
    won = [f for f, s in zip(figures, ordered, strict=True) if s.kind == WON]
    return Funnel(cohort, figures, lost, share(sum(f.reached for f in won), cohort) if won else None,
                  middle_median(middles.get((FIRST, 0), ())))


def period_parts(first: date, last: date) -> tuple[list[int], list[tuple[date, date]], list[tuple[date, date]]]:
    """How a period of days [first, last] is read: (whole months as yyyymm from the counters, day ranges of facts
    to add, day ranges of facts to take away). A month the period covers partly is read as its days when they are
    at most half of it, else as the month less the days outside the period, so no more than half a month of
    facts is read at either end."""
    months: list[int] = []
    plus: list[tuple[date, date]] = []
    minus: list[tuple[date, date]] = []
    start = date(first.year, first.month, 1)
    while start <= last:
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1) - timedelta(days=1)
        lo, hi = max(first, start), min(last, end)
        if (lo, hi) == (start, end):
            months.append(start.year * 100 + start.month)
        elif ((hi - lo).days + 1) * 2 <= (end - start).days + 1:
            plus.append((lo, hi))
        else:
            months.append(start.year * 100 + start.month)
            if lo > start:
                minus.append((start, lo - timedelta(days=1)))
            if hi < end:
                minus.append((hi + timedelta(days=1), end))
        start = end + timedelta(days=1)
    return months, plus, minus
