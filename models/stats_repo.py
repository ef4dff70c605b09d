"""Counter tables: bumps (in the caller's transaction) and reads. Never commits."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import Date, Integer, bindparam, cast, delete, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import dialect_of, few_ids, upsert_insert
from models.ratings import Rating, RatingPolicy
from models.reporting import DayOff, Plan, Project, Revision
from models.stats import MemberDayStat, MemberMonthStat, ProjectMonthStat, RatingStat, StatsMeta

#: counter table name → (model, its key columns in order)
TABLES = {
    "member_month": (MemberMonthStat, ("month", "member_id", "stream_id")),
    "member_day": (MemberDayStat, ("day", "member_id")),
    "project_month": (ProjectMonthStat, ("month", "member_id", "project_id")),
    "rating": (RatingStat, ("period", "policy_id", "rated_id")),
}

Key = tuple[str, tuple]  # (table name, key values)


async def bump(session: AsyncSession, changes: Mapping[Key, Mapping[str, int]]) -> None:
    """Add ``changes`` (per row: column → delta) to the counters, creating missing rows.

    One statement per row, on both backends: ``INSERT … ON CONFLICT (key) DO UPDATE SET c = c + delta``.
    The row is created or added to atomically, so two writers creating the same row on PostgreSQL need
    no savepoint and no retry. Rows are touched in key order (no deadlock between two writers).
    """
    dialect = dialect_of(session)
    for name, values, deltas in bump_rows(changes):
        _model, cols = TABLES[name]
        await session.execute(_bump_statement(dialect, name, tuple(sorted(deltas))),
                              {**dict(zip(cols, values, strict=True)), **deltas})


@functools.cache
def _bump_statement(dialect: str, name: str, deltas: tuple[str, ...]):
    """The upsert for one counter table and set of columns, built once (its compiled form is cached by
    SQLAlchemy under the statement's own cache key, which a reused statement does not recompute)."""
    model, cols = TABLES[name]
    table = model.__table__
    stmt = upsert_insert(dialect, table)
    return stmt.on_conflict_do_update(index_elements=[table.c[c] for c in cols],
                                      set_={c: table.c[c] + stmt.excluded[c] for c in deltas})


def bump_rows(changes: Mapping[Key, Mapping[str, int]]) -> list[tuple[str, tuple, dict[str, int]]]:
    """The rows :func:`bump` would write, in its order: (table name, key values, nonzero deltas)."""
    rows = []
    for (name, values) in sorted(changes):
        deltas = {c: d for c, d in changes[(name, values)].items() if d}
        if deltas:
            rows.append((name, values, deltas))
    return rows


def bump_cte(dialect: str, name: str, deltas: tuple[str, ...], prefix: str):
    """:func:`bump`'s upsert for one row as a ``WITH`` part of a larger statement (PostgreSQL), its
    values bound as ``{prefix}{column}`` (see :func:`bump_params`)."""
    model, cols = TABLES[name]
    table = model.__table__
    stmt = upsert_insert(dialect, table)
    given = {c: bindparam(f"{prefix}{c}", type_=table.c[c].type) for c in (*cols, *deltas)}
    # the columns' Python-side defaults (0): SQLAlchemy fills them in for a statement, not for a WITH part
    given.update({c.name: literal(c.default.arg, c.type) for c in table.columns
                  if c.name not in given and c.default is not None and c.default.is_scalar})
    stmt = stmt.values(given)
    return stmt.on_conflict_do_update(index_elements=[table.c[c] for c in cols],
                                      set_={c: table.c[c] + stmt.excluded[c] for c in deltas}).cte(prefix.rstrip("_"))


def bump_params(name: str, values: tuple, deltas: Mapping[str, int], prefix: str) -> dict[str, object]:
    _model, cols = TABLES[name]
    return {**{f"{prefix}{c}": v for c, v in zip(cols, values, strict=True)},
            **{f"{prefix}{c}": d for c, d in deltas.items()}}


async def revision_times(session: AsyncSession, unit_id: int) -> list:
    """When each revision of the unit was received (a deleted unit's revisions leave the counters)."""
    return list(await session.scalars(select(Revision.received_at).where(Revision.unit_id == unit_id)))


async def ratings_of_rater(session: AsyncSession, policy_id: int, rated_id: int, period: str, rater_key: str) -> int:
    """How many ratings one rater (by key) gave one person in a period under a policy."""
    return int(await session.scalar(select(func.count(Rating.id)).where(
        Rating.rater_key == rater_key, Rating.policy_id == policy_id, Rating.rated_id == rated_id,
        Rating.period == period)) or 0)


# -- reads ------------------------------------------------------------------------------------------
async def member_months(session: AsyncSession, member_ids: Sequence[int], months: Sequence[date]) -> list:
    """Rows (with the columns of :class:`MemberMonthStat` as attributes; plain rows, no ORM objects)."""
    t = MemberMonthStat.__table__
    q = select(t).where(t.c.month.in_(list(months)))
    few = few_ids(member_ids)
    if few is not None:
        return list((await session.execute(q.where(t.c.member_id.in_(few)))).all())
    wanted = set(member_ids)
    return [r for r in (await session.execute(q)).all() if r.member_id in wanted]


async def month_inputs(session: AsyncSession, member_ids: Sequence[int], month: date, previous: date, first: date,
                       last: date) -> tuple[list[tuple[int, int, int]], list, list[tuple[int, date]]]:
    """What :func:`bot.services.stats.month_stats` reads, in one statement (a ``UNION ALL``, each part through its
    period's index): the month's plans ``(member_id, stream_id, units)``, the member-month counter rows of
    ``month`` and ``previous`` (as :func:`member_months`) and the days off in [first, last] ``(member_id, day)``.
    More than ``MANY_IDS`` members are kept in Python, as in ``reporting_repo.plans_for_month``."""
    few = few_ids(member_ids)
    zero = literal(0)
    m = MemberMonthStat
    parts = [
        select(literal("p").label("kind"), Plan.member_id, Plan.stream_id, Plan.month.label("day"),
               Plan.units.label("a"), zero.label("b"), zero.label("c"), zero.label("d"), zero.label("e"))
        .where(Plan.month == month),
        select(literal("c"), m.member_id, m.stream_id, m.month, m.written, m.sent, m.revision, m.approved, m.revisions)
        .where(m.month.in_([month, previous])),
        select(literal("d"), DayOff.member_id, cast(null(), Integer), DayOff.day, zero, zero, zero, zero, zero)
        .where(DayOff.day >= first, DayOff.day <= last),
    ]
    if few is not None:
        parts = [q.where(col.in_(few)) for q, col in zip(parts, (Plan.member_id, m.member_id, DayOff.member_id),
                                                          strict=True)]
    wanted = set(member_ids)
    plans, counters, days_off = [], [], []
    for kind, member_id, stream_id, day, a, b, c, d, e in (await session.execute(union_all(*parts))).all():
        if member_id not in wanted:
            continue
        if kind == "p":
            plans.append((member_id, stream_id, a))
        elif kind == "c":
            counters.append(MonthRow(day, member_id, stream_id, a, b, c, d, e))
        else:
            days_off.append((member_id, day))
    return plans, counters, days_off


class MonthRow(NamedTuple):
    """A member-month counter row as :func:`month_inputs` returns it (the columns of :class:`MemberMonthStat`)."""

    month: date
    member_id: int
    stream_id: int
    written: int
    sent: int
    revision: int
    approved: int
    revisions: int


async def done_per_day(session: AsyncSession, member_ids: Sequence[int], first: date, last: date
                       ) -> dict[date, int]:
    """Units first sent on each day of [first, last] (and still done), summed over the members."""
    q = (select(MemberDayStat.day, func.sum(MemberDayStat.done))
         .where(MemberDayStat.day >= first, MemberDayStat.day <= last,
                MemberDayStat.member_id.in_(list(member_ids)))
         .group_by(MemberDayStat.day))
    return {d: int(n or 0) for d, n in (await session.execute(q)).all()}


def _not_for_order(column):
    """``column + 0``: the same values, but SQLite no longer walks the ``(member_id, day)`` index in member order
    (a skip-scan over every member, 20–50 ms on the big database) to avoid sorting a week of rows; it reads
    the week's days through the covering ``(day, member_id, done)`` index (about 1 ms)."""
    return column + 0


async def done_per_member(session: AsyncSession, member_ids: Sequence[int], first: date, last: date
                          ) -> dict[int, int]:
    """Units first sent in [first, last] (and still done) per member."""
    member = _not_for_order(MemberDayStat.member_id)
    q = select(member, func.sum(MemberDayStat.done)).where(MemberDayStat.day >= first, MemberDayStat.day <= last)
    few = few_ids(member_ids)
    if few is not None:
        q = q.where(MemberDayStat.member_id.in_(few))
    wanted = set(member_ids)
    return {m: int(n or 0) for m, n in (await session.execute(q.group_by(member))).all() if m in wanted}


async def done_per_day_and_member(session: AsyncSession, member_ids: Sequence[int], days: tuple[date, date] | None,
                                  week: tuple[date, date] | None) -> tuple[dict[date, int], dict[int, int]]:
    """:func:`done_per_day` over ``days`` and :func:`done_per_member` over ``week`` (either may be ``None``)
    in one statement (a ``UNION ALL`` of the two sums, each through its index: one round trip)."""
    parts = []
    if days is not None:
        parts.append(select(MemberDayStat.day, cast(null(), Integer).label("member_id"), func.sum(MemberDayStat.done))
                     .where(MemberDayStat.day >= days[0], MemberDayStat.day <= days[1],
                            MemberDayStat.member_id.in_(list(member_ids)))
                     .group_by(MemberDayStat.day))
    if week is not None:
        few = few_ids(member_ids)
        member = _not_for_order(MemberDayStat.member_id)
        q = (select(cast(null(), Date).label("day"), member.label("member_id"), func.sum(MemberDayStat.done))
             .where(MemberDayStat.day >= week[0], MemberDayStat.day <= week[1]))
        if few is not None:
            q = q.where(MemberDayStat.member_id.in_(few))
        parts.append(q.group_by(member))
    per_day: dict[date, int] = {}
    per_member: dict[int, int] = {}
    if not parts:
        return per_day, per_member
    wanted = set(member_ids)
    rows = (await session.execute(parts[0] if len(parts) == 1 else union_all(*parts))).all()
    for day, member_id, n in rows:
        if member_id is None:
            per_day[day] = int(n or 0)
        elif member_id in wanted:
            per_member[member_id] = int(n or 0)
    return per_day, per_member


async def project_month(session: AsyncSession, member_ids: Sequence[int], month: date
                        ) -> list[tuple[int, str, int, int]]:
    """(project_id, name, units done, revisions received) in the month over the members, for projects
    with either."""
    sums = (select(ProjectMonthStat.project_id, func.sum(ProjectMonthStat.done).label("done"),
                   func.sum(ProjectMonthStat.revisions).label("revisions"))
            .where(ProjectMonthStat.month == month, ProjectMonthStat.member_id.in_(list(member_ids)))
            .group_by(ProjectMonthStat.project_id).subquery())
    q = (select(sums.c.project_id, Project.name, sums.c.done, sums.c.revisions)
         .join(Project, Project.id == sums.c.project_id))
    return [(p, name, int(d or 0), int(r or 0)) for p, name, d, r in (await session.execute(q)).all()
            if d or r]


async def rating_stats(session: AsyncSession, policy_ids: Iterable[int], periods: Iterable[str],
                       rated_ids: Sequence[int] | None = None) -> list:
    """Rows with the columns of :class:`RatingStat` as attributes (plain rows, no ORM objects)."""
    t = RatingStat.__table__
    q = select(t).where(t.c.period.in_(list(periods)), t.c.policy_id.in_(list(policy_ids)), t.c["count"] > 0)
    if rated_ids is not None:
        q = q.where(t.c.rated_id.in_(list(rated_ids)))
    return list((await session.execute(q)).all())


async def rating_stats_with_mode(session: AsyncSession, period: str) -> list:
    """The period's rating counter rows (``count > 0``) of every policy, each with its policy's ``mode``: one
    statement where ``list_policies`` + :func:`rating_stats` take two (the digests' averages)."""
    t = RatingStat.__table__
    q = (select(t, RatingPolicy.mode).join(RatingPolicy, RatingPolicy.id == t.c.policy_id)
         .where(t.c.period == period, t.c["count"] > 0))
    return list((await session.execute(q)).all())


# -- meta and rebuild ----------------------------------------------------------------------------
async def meta(session: AsyncSession, key: str) -> str | None:
    return await session.scalar(select(StatsMeta.value).where(StatsMeta.key == key))


def clear_statements() -> list:
    return [delete(model) for model, _cols in TABLES.values()]


def all_counters_query(name: str):
    model, cols = TABLES[name]
    return select(model), cols


def recount_statements(dialect: str) -> list:
    """PostgreSQL: the counters of :mod:`models.stats` recomputed from the units, revisions and ratings by
    set-based ``INSERT … SELECT`` statements (bind ``tz``: the team's time zone), into emptied tables.

    The same rules as :func:`bot.services.stats.unit_counters` / ``rating_counters`` (a deleted unit counts
    nowhere; a written one by the local month it was reported; a done one by the local day and month it was
    first sent; a revision by the local month it was received; a rating row counts scores and distinct
    raters); :func:`bot.services.stats.rebuild_set_based` is checked against the Python recount by
    ``tests/test_stats_counters.py``. ``[]`` on other databases (SQLite has no time zones)."""
    if dialect != "postgresql":
        return []
    from sqlalchemy import text

    local_month = "date_trunc('month', {} AT TIME ZONE :tz)::date"
    done = "state IN ('sent', 'revision', 'approved') AND sent_at IS NOT NULL"
    return [text(f"""
        INSERT INTO member_month_stats (month, member_id, stream_id, written, sent, revision, approved, revisions)
        SELECT month, member_id, stream_id, sum(written), sum(sent), sum(revision), sum(approved), sum(revisions)
        FROM (
            SELECT {local_month.format('created_at')} AS month, author_id AS member_id, stream_id,
                   count(*) AS written, 0 AS sent, 0 AS revision, 0 AS approved, 0 AS revisions
            FROM units WHERE state = 'written' GROUP BY 1, 2, 3
            UNION ALL
            SELECT {local_month.format('sent_at')}, author_id, stream_id, 0, count(*) FILTER (WHERE state = 'sent'),
                   count(*) FILTER (WHERE state = 'revision'), count(*) FILTER (WHERE state = 'approved'), 0
            FROM units WHERE {done} GROUP BY 1, 2, 3
            UNION ALL
            SELECT {local_month.format('r.received_at')}, u.author_id, u.stream_id, 0, 0, 0, 0, count(*)
            FROM revisions r JOIN units u ON u.id = r.unit_id WHERE u.state <> 'deleted' GROUP BY 1, 2, 3
        ) AS parts GROUP BY month, member_id, stream_id"""),
        text(f"""
        INSERT INTO member_day_stats (day, member_id, done)
        SELECT (sent_at AT TIME ZONE :tz)::date, author_id, count(*) FROM units WHERE {done} GROUP BY 1, 2"""),
        text(f"""
        INSERT INTO project_month_stats (month, member_id, project_id, done, revisions)
        SELECT month, member_id, project_id, sum(done), sum(revisions)
        FROM (
            SELECT {local_month.format('sent_at')} AS month, author_id AS member_id, project_id,
                   count(*) AS done, 0 AS revisions
            FROM units WHERE {done} GROUP BY 1, 2, 3
            UNION ALL
            SELECT {local_month.format('r.received_at')}, u.author_id, u.project_id, 0, count(*)
            FROM revisions r JOIN units u ON u.id = r.unit_id WHERE u.state <> 'deleted' GROUP BY 1, 2, 3
        ) AS parts GROUP BY month, member_id, project_id"""),
        text("""
        INSERT INTO rating_stats (period, policy_id, rated_id, count, raters, total, s1, s2, s3, s4, s5)
        SELECT period, policy_id, rated_id, count(score), count(DISTINCT rater_key), coalesce(sum(score), 0),
               count(*) FILTER (WHERE score = 1), count(*) FILTER (WHERE score = 2),
               count(*) FILTER (WHERE score = 3), count(*) FILTER (WHERE score = 4),
               count(*) FILTER (WHERE score = 5)
        FROM ratings GROUP BY period, policy_id, rated_id"""),
    ]
