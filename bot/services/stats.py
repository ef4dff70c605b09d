"""The read side of plans and pace: one place computes every member's month.

Used by ``/me``, ``/team``, digests and lag warnings, so the numbers agree everywhere.

Rules (also in README):
- A unit counts as **done** once it is sent for approval (states in ``DONE_STATES``: sent, revision,
  approved), and it counts toward the month in which it was *first* sent for approval.
- Month boundaries for counting are in the team's time zone (``TIMEZONE``); "today" for pace is the
  member's own local date (their ``/settings`` zone, else the team's).
- Revisions per unit = revisions received in the month ÷ units done in the month.

The numbers are read from counters (``models/stats.py``) that every write keeps in step in its own
transaction, through :func:`record_unit_change` and :func:`record_rating`; :func:`unit_counters` and
:func:`rating_counters` say what one unit or rating contributes, and :func:`rebuild` recomputes
every counter from the units, revisions and ratings (``python -m bot rebuild-stats``). So a screen
about one month reads that month's rows, never all-time history.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.domain.pace import DONE_STATES, Pace, compute_pace
from bot.domain.quality import QualityFlag, median, quality_flag, revisions_per_unit
from bot.domain.workdays import local_today, month_bounds, utc_range
from bot.services import lead_counts
from models import learning_repo, stats_repo
from models import reporting_repo as repo
from models.org import Member
from models.ratings import Rating
from models.reporting import DELETED, WRITTEN, Revision, Unit
from models.stats import StatsMeta

if TYPE_CHECKING:
    from bot.db import Database

log = logging.getLogger(__name__)
YIELD_EVERY = 50  # members computed between two yields to the event loop


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
    first, last = month_bounds(month)

    streams = await repo.cached_streams(session)  # the row cache: no statement once warm
    # the month's plans, the counters of this month and the last, and the days off: one statement
    plan_rows, counter_rows, off_rows = await stats_repo.month_inputs(session, ids, month, previous_month(month),
                                                                      first, last)
    plan: dict[tuple[int, int], int] = {(member_id, stream_id): units for member_id, stream_id, units in plan_rows}
    done: dict[tuple[int, int], int] = defaultdict(int)
    states: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(("written", "sent", "revision",
                                                                            "approved"), 0))
    revisions: dict[int, int] = defaultdict(int)
    prev_revisions: dict[int, int] = defaultdict(int)
    prev_done: dict[int, int] = defaultdict(int)
    # the counters (kept with every transition, see record_unit_change) instead of counting units
    for row in counter_rows:
        n_done = row.sent + row.revision + row.approved
        if row.month == month:
            done[(row.member_id, row.stream_id)] += n_done
            st = states[row.member_id]
            st["written"] += row.written
            st["sent"] += row.sent
            st["revision"] += row.revision
            st["approved"] += row.approved
            revisions[row.member_id] += row.revisions
        else:
            prev_done[row.member_id] += n_done
            prev_revisions[row.member_id] += row.revisions
    days_off: dict[int, set[date]] = defaultdict(set)
    for member_id, day in off_rows:
        days_off[member_id].add(day)

    out = []
    for i, m in enumerate(members):
        if i % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)  # hundreds of members: let other updates run between slices
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


# -- counters -----------------------------------------------------------------------------------
assert frozenset(DONE_STATES) == frozenset({"sent", "revision", "approved"}), "counter columns follow DONE_STATES"

Counters = dict[stats_repo.Key, Counter]
PAGE = 20_000


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """What the counters know of a unit: who, where, its state and times, and its revisions' times.

    ``revisions`` may be a *part* of the unit's revisions when a change leaves the unit's deleted-ness
    alone: contributions add up, so revisions present both before and after cancel out."""

    author_id: int
    stream_id: int
    project_id: int
    state: str
    created_at: datetime
    sent_at: datetime | None
    revisions: tuple[datetime, ...] = ()

    @classmethod
    def of(cls, unit: Unit, revisions: Sequence[datetime] = ()) -> UnitFacts:
        return cls(unit.author_id, unit.stream_id, unit.project_id, unit.state, unit.created_at, unit.sent_at,
                   tuple(revisions))


def _add_unit(out: Counters, author: int, stream: int, project: int, state: str, created_at: datetime,
              sent_at: datetime | None, zone: ZoneInfo) -> None:
    if state == WRITTEN:
        month = created_at.astimezone(zone).date().replace(day=1)
        out.setdefault(("member_month", (month, author, stream)), Counter())["written"] += 1
    elif state in DONE_STATES and sent_at is not None:
        day = sent_at.astimezone(zone).date()
        month = day.replace(day=1)
        out.setdefault(("member_month", (month, author, stream)), Counter())[state] += 1
        out.setdefault(("member_day", (day, author)), Counter())["done"] += 1
        out.setdefault(("project_month", (month, author, project)), Counter())["done"] += 1


def _add_revision(out: Counters, author: int, stream: int, project: int, received_at: datetime,
                  zone: ZoneInfo) -> None:
    month = received_at.astimezone(zone).date().replace(day=1)
    out.setdefault(("member_month", (month, author, stream)), Counter())["revisions"] += 1
    out.setdefault(("project_month", (month, author, project)), Counter())["revisions"] += 1


def unit_counters(facts: UnitFacts | None, tz: str) -> Counters:
    """What one unit adds to the counters: nothing when deleted; a written unit to ``written`` of the
    month it was reported; a done one to its state, the day and the project of the month it was first
    sent; each revision to ``revisions`` of the month it was received."""
    out: Counters = {}
    if facts is None or facts.state == DELETED:
        return out
    zone = ZoneInfo(tz)
    _add_unit(out, facts.author_id, facts.stream_id, facts.project_id, facts.state, facts.created_at,
              facts.sent_at, zone)
    for at in facts.revisions:
        _add_revision(out, facts.author_id, facts.stream_id, facts.project_id, at, zone)
    return out


def rating_counters(policy_id: int, rated_id: int, period: str, score: int | None, *,
                    new_rater: bool = False) -> Counters:
    """What one rating adds to its (period, policy, person) row; ``score=None`` for no rating."""
    row: Counter = Counter()
    if score is not None:
        row.update({"count": 1, "total": score, f"s{score}": 1})
    if new_rater:
        row["raters"] += 1
    return {("rating", (period, policy_id, rated_id)): row}


def _difference(before: Counters, after: Counters) -> Counters:
    out: Counters = {}
    for key in set(before) | set(after):
        row = Counter(after.get(key, Counter()))
        row.subtract(before.get(key, Counter()))
        row = Counter({c: d for c, d in row.items() if d})
        if row:
            out[key] = row
    return out


def unit_change(tz: str, before: UnitFacts | None, after: UnitFacts | None) -> Counters:
    """The counter changes (per row: column → delta) that move the counters from what ``before``
    contributed to what ``after`` does; :func:`record_unit_change` applies them."""
    return _difference(unit_counters(before, tz), unit_counters(after, tz))


async def record_unit_change(session: AsyncSession, tz: str, before: UnitFacts | None,
                             after: UnitFacts | None) -> None:
    """Move the counters from what ``before`` contributed to what ``after`` does (same transaction)."""
    await stats_repo.bump(session, unit_change(tz, before, after))


async def record_rating(session: AsyncSession, policy_id: int, rated_id: int, period: str, old_score: int | None,
                        new_score: int, *, new_rater: bool) -> None:
    """A rating stored (``old_score=None``) or its score changed; ``new_rater`` when it is the first
    rating of this rater in the row."""
    before = rating_counters(policy_id, rated_id, period, old_score)
    after = rating_counters(policy_id, rated_id, period, new_score, new_rater=new_rater)
    await stats_repo.bump(session, _difference(before, after))


def recount(conn: Connection, tz: str, progress: Callable[[int], None] | None = None) -> Counters:
    """Every counter computed from the units, revisions and ratings (a sync connection: also usable in
    a migration). Reads in pages by id; ``progress(n)`` is told about each page."""
    zone = ZoneInfo(tz)
    out: Counters = {}
    last = 0
    while True:
        rows = conn.execute(select(Unit.id, Unit.author_id, Unit.stream_id, Unit.project_id, Unit.state,
                                   Unit.created_at, Unit.sent_at)
                            .where(Unit.id > last).order_by(Unit.id).limit(PAGE)).all()
        if not rows:
            break
        for _id, author, stream, project, state, created_at, sent_at in rows:
            if state != DELETED:
                _add_unit(out, author, stream, project, state, created_at, sent_at, zone)
        last = rows[-1][0]
        if progress:
            progress(len(rows))
    last = 0
    while True:
        rows = conn.execute(select(Revision.id, Unit.author_id, Unit.stream_id, Unit.project_id, Unit.state,
                                   Revision.received_at)
                            .join(Unit, Unit.id == Revision.unit_id)
                            .where(Revision.id > last).order_by(Revision.id).limit(PAGE)).all()
        if not rows:
            break
        for _id, author, stream, project, state, received_at in rows:
            if state != DELETED:
                _add_revision(out, author, stream, project, received_at, zone)
        last = rows[-1][0]
        if progress:
            progress(len(rows))
    last = 0
    raters: dict[tuple, set[str]] = defaultdict(set)
    while True:
        rows = conn.execute(select(Rating.id, Rating.policy_id, Rating.rated_id, Rating.period, Rating.score,
                                   Rating.rater_key)
                            .where(Rating.id > last).order_by(Rating.id).limit(PAGE)).all()
        if not rows:
            break
        for _id, policy, rated, period, score, rater_key in rows:
            key = (period, policy, rated)
            new_rater = rater_key not in raters[key]
            raters[key].add(rater_key)
            for k, row in rating_counters(policy, rated, period, score, new_rater=new_rater).items():
                out.setdefault(k, Counter()).update(row)
        last = rows[-1][0]
        if progress:
            progress(len(rows))
    return out


def stored(conn: Connection) -> Counters:
    """The counters as stored (zero columns and all-zero rows left out), to compare with :func:`recount`."""
    out: Counters = {}
    for name, (model, cols) in stats_repo.TABLES.items():
        values = [c.name for c in model.__table__.columns if c.name not in cols]
        for row in conn.execute(select(model.__table__)).mappings():
            counts = Counter({c: row[c] for c in values if row[c]})
            if counts:
                out[(name, tuple(row[c] for c in cols))] = counts
    return out


def rebuild_sync(conn: Connection, tz: str, progress: Callable[[int], None] | None = None) -> int:
    """Replace every counter by a recount (one transaction: the caller's); returns the rows written."""
    counters = recount(conn, tz, progress)
    for statement in stats_repo.clear_statements():
        conn.execute(statement)
    by_table: dict[str, list[dict]] = defaultdict(list)
    for (name, values), counts in counters.items():
        _model, cols = stats_repo.TABLES[name]
        by_table[name].append({**dict(zip(cols, values, strict=True)), **counts})
    written = 0
    for name, rows in by_table.items():
        model, _cols = stats_repo.TABLES[name]
        columns = [c.name for c in model.__table__.columns]
        rows = [{c: r.get(c, 0) for c in columns} for r in rows]
        for i in range(0, len(rows), PAGE):
            conn.execute(insert(model), rows[i:i + PAGE])
        written += len(rows)
    conn.execute(delete(StatsMeta).where(StatsMeta.key == "timezone"))
    conn.execute(insert(StatsMeta), [{"key": "timezone", "value": tz}])
    return written


def rebuild_set_based(conn: Connection, tz: str) -> int | None:
    """:func:`rebuild_sync` done by the database itself, set-based (PostgreSQL: a few ``INSERT … SELECT``,
    seconds instead of minutes for a million units; ``bench/bigdb.py`` builds with it). ``None`` where the
    database cannot (SQLite: no time zones), and the caller recounts in Python. The same counters as
    :func:`recount` (``tests/test_stats_counters.py`` compares them after every hypothesis sequence)."""
    statements = stats_repo.recount_statements(conn.dialect.name)
    if not statements:
        return None
    for statement in stats_repo.clear_statements():
        conn.execute(statement)
    written = 0
    for statement in statements:
        written += conn.execute(statement, {"tz": tz}).rowcount
    conn.execute(delete(StatsMeta).where(StatsMeta.key == "timezone"))
    conn.execute(insert(StatsMeta), [{"key": "timezone", "value": tz}])
    return written


def count_sources(conn: Connection) -> int:
    """Rows :func:`recount` reads (for a progress bar)."""
    return sum(int(conn.scalar(select(func.count()).select_from(t)) or 0)
               for t in (Unit.__table__, Revision.__table__, Rating.__table__))


async def rebuild(db: Database, settings: Settings, progress: Callable[..., Any] | None = None) -> int:
    """``python -m bot rebuild-stats``: recompute every counter in the team time zone.

    ``progress`` is a class like :class:`bot.progress.Progress` (``total``, ``label``) or ``None``."""
    async with db.engine.begin() as conn:
        bar = None
        if progress is not None:
            bar = progress(await conn.run_sync(count_sources), "rebuild-stats")
        written = await conn.run_sync(rebuild_sync, settings.timezone, bar.update if bar else None)
        if bar is not None:
            bar.close()
        written += await conn.run_sync(lead_counts.rebuild_sync, settings.timezone)  # the /funnel counters
    async with db.session() as session, db.writing(session):  # the knowledge base's term counts (search)
        written += await learning_repo.rebuild_term_stats(session)
    return written


async def rebuild_in(session: AsyncSession, tz: str) -> int:
    """:func:`rebuild_sync` inside the session's transaction (after rows were written around the
    services: bulk imports, demo data, test fixtures)."""
    conn = await session.connection()
    return await conn.run_sync(rebuild_sync, tz) + await conn.run_sync(lead_counts.rebuild_sync, tz)


async def stats_timezone(session: AsyncSession) -> str | None:
    """The time zone the counters were computed in (``None``: never)."""
    return await stats_repo.meta(session, "timezone")


async def ensure_timezone(db: Database, settings: Settings) -> bool:
    """At start-up: counters computed in another time zone than ``TIMEZONE`` are recomputed (True)."""
    async with db.session() as session:
        tz = await stats_timezone(session)
        lead_tz = await lead_counts.counts_timezone(session)
    if tz == settings.timezone and lead_tz == settings.timezone:
        return False
    log.warning("counters were computed for time zone %s, TIMEZONE is %s: recomputing them", tz, settings.timezone)
    await rebuild(db, settings)
    return True
