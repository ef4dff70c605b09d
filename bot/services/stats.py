"""The read side of plans and pace: one place computes every member's month.

Used by ``/me``, ``/team``, digests and lag warnings, so the numbers agree everywhere.

Rules (also in README):
- A unit counts as **done** once it is sent for approval (states in ``DONE_STATES``: sent, revision,
  approved), and it counts toward the month in which it was *first* sent for approval.
- Month boundaries for counting are in the team's time zone (``TIMEZONE``); "today" for pace is the
  member's own local date (their ``/settings`` zone, else the team's).
- Revisions per unit = revisions received in the month ÷ units done in the month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.domain.pace import DONE_STATES, Pace, compute_pace
from bot.domain.quality import QualityFlag, median, quality_flag, revisions_per_unit
from bot.domain.workdays import local_today, month_bounds, utc_range
from models import reporting_repo as repo
from models.org import Member


@dataclass(frozen=True, slots=True)
class StreamStat:
    stream_id: int
    code: str
    name_ru: str
    name_en: str
    plan: int
    done: int

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_ru


@dataclass(frozen=True, slots=True)
class MemberMonth:
    member_id: int
    display_name: str
    department_id: int
    month: date
    today: date
    plan: int
    done: int
    streams: tuple[StreamStat, ...]
    states: dict[str, int]  # written, sent, revision, approved (this month)
    revisions: int
    revisions_per_unit: float | None
    quality: QualityFlag
    pace: Pace
    days_off: frozenset[date] = field(default_factory=frozenset)


def month_start(d: date) -> date:
    return d.replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_range_utc(month: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of the month in UTC, the month being taken in time zone ``tz``."""
    return utc_range(*month_bounds(month), tz)


async def month_stats(
    session: AsyncSession,
    members: Sequence[Member],
    month: date,
    now: datetime,
    settings: Settings,
    *,
    quality_rise: float = 0.5,
    quality_min_units: int = 5,
) -> list[MemberMonth]:
    """Plan, done, states, revisions, quality and pace of each member for ``month``."""
    if not members:
        return []
    month = month_start(month)
    ids = [m.id for m in members]
    start, end = month_range_utc(month, settings.timezone)
    prev_start, prev_end = month_range_utc(previous_month(month), settings.timezone)
    first, last = month_bounds(month)

    streams = await repo.list_streams(session, active_only=False)
    plan: dict[tuple[int, int], int] = {(p.member_id, p.stream_id): p.units for p in
                                        await repo.plans_for_month(session, ids, month)}
    done: dict[tuple[int, int], int] = defaultdict(int)
    states: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(("written", "sent", "revision",
                                                                            "approved"), 0))
    for author, stream, state, n in await repo.done_counts(session, ids, start, end, sorted(DONE_STATES)):
        done[(author, stream)] += n
        states[author][state] += n
    for author, _stream, n in await repo.written_counts(session, ids, start, end):
        states[author]["written"] += n
    revisions = await repo.revision_counts(session, ids, start, end)
    prev_revisions = await repo.revision_counts(session, ids, prev_start, prev_end)
    prev_done: dict[int, int] = defaultdict(int)
    for author, _stream, _state, n in await repo.done_counts(session, ids, prev_start, prev_end,
                                                             sorted(DONE_STATES)):
        prev_done[author] += n
    days_off: dict[int, set[date]] = defaultdict(set)
    for member_id, day in await repo.days_off_between(session, ids, first, last):
        days_off[member_id].add(day)

    out = []
    for m in members:
        stream_stats = tuple(
            StreamStat(s.id, s.code, s.name_ru, s.name_en, plan.get((m.id, s.id), 0), done.get((m.id, s.id), 0))
            for s in streams
            if s.active or plan.get((m.id, s.id)) or done.get((m.id, s.id))
        )
        total_plan = sum(s.plan for s in stream_stats)
        total_done = sum(s.done for s in stream_stats)
        today = local_today(now, m.timezone or settings.timezone)
        pace = compute_pace(total_plan, total_done, today, country=settings.holiday_country,
                            days_off=days_off[m.id], month=month)
        rev = revisions.get(m.id, 0)
        out.append(MemberMonth(
            member_id=m.id,
            display_name=m.display_name,
            department_id=m.department_id,
            month=month,
            today=today,
            plan=total_plan,
            done=total_done,
            streams=stream_stats,
            states=dict(states[m.id]),
            revisions=rev,
            revisions_per_unit=revisions_per_unit(rev, total_done),
            quality=quality_flag(rev, total_done, prev_revisions.get(m.id, 0), prev_done.get(m.id, 0),
                                 rise_share=quality_rise, min_units=quality_min_units),
            pace=pace,
            days_off=frozenset(days_off[m.id]),
        ))
    return out


def team_median_rate(stats: Sequence[MemberMonth]) -> float | None:
    return median(s.revisions_per_unit for s in stats)


def sort_by_lag(stats: Sequence[MemberMonth]) -> list[MemberMonth]:
    """Most behind first (largest lag in days), then by name."""
    return sorted(stats, key=lambda s: (-s.pace.lag_days, s.display_name.lower()))
