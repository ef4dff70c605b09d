"""Counter tables: bumps (in the caller's transaction) and reads. Never commits."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import dialect_of, few_ids, upsert_insert
from models.ratings import Rating
from models.reporting import Project, Revision
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
    for (name, values) in sorted(changes):
        deltas = {c: d for c, d in changes[(name, values)].items() if d}
        if not deltas:
            continue
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


async def done_per_day(session: AsyncSession, member_ids: Sequence[int], first: date, last: date
                       ) -> dict[date, int]:
    """Units first sent on each day of [first, last] (and still done), summed over the members."""
    q = (select(MemberDayStat.day, func.sum(MemberDayStat.done))
         .where(MemberDayStat.day >= first, MemberDayStat.day <= last,
                MemberDayStat.member_id.in_(list(member_ids)))
         .group_by(MemberDayStat.day))
    return {d: int(n or 0) for d, n in (await session.execute(q)).all()}


async def done_per_member(session: AsyncSession, member_ids: Sequence[int], first: date, last: date
                          ) -> dict[int, int]:
    """Units first sent in [first, last] (and still done) per member."""
    q = select(MemberDayStat.member_id, func.sum(MemberDayStat.done)).where(MemberDayStat.day >= first,
                                                                           MemberDayStat.day <= last)
    few = few_ids(member_ids)
    if few is not None:
        q = q.where(MemberDayStat.member_id.in_(few))
    wanted = set(member_ids)
    return {m: int(n or 0) for m, n in (await session.execute(q.group_by(MemberDayStat.member_id))).all()
            if m in wanted}


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


# -- meta and rebuild ----------------------------------------------------------------------------
async def meta(session: AsyncSession, key: str) -> str | None:
    return await session.scalar(select(StatsMeta.value).where(StatsMeta.key == key))


def clear_statements() -> list:
    return [delete(model) for model, _cols in TABLES.values()]


def all_counters_query(name: str):
    model, cols = TABLES[name]
    return select(model), cols
