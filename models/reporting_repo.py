"""Aggregate queries over units, revisions, plans and days off. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.reporting import DayOff, Plan, Revision, Stream, Unit


async def list_streams(session: AsyncSession, *, active_only: bool = True) -> list[Stream]:
    q = select(Stream).order_by(Stream.position, Stream.id)
    if active_only:
        q = q.where(Stream.active.is_(True))
    return list(await session.scalars(q))


async def done_counts(
    session: AsyncSession, member_ids: Sequence[int], start: datetime, end: datetime, done_states: Sequence[str]
) -> list[tuple[int, int, str, int]]:
    """(author_id, stream_id, state, count) of units first sent for approval in [start, end)."""
    q = (
        select(Unit.author_id, Unit.stream_id, Unit.state, func.count(Unit.id))
        .where(Unit.author_id.in_(list(member_ids)), Unit.sent_at >= start, Unit.sent_at < end,
               Unit.state.in_(list(done_states)))
        .group_by(Unit.author_id, Unit.stream_id, Unit.state)
    )
    return [tuple(r) for r in (await session.execute(q)).all()]


async def written_counts(
    session: AsyncSession, member_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[int, int, int]]:
    """(author_id, stream_id, count) of units reported in [start, end) and not yet sent."""
    q = (
        select(Unit.author_id, Unit.stream_id, func.count(Unit.id))
        .where(Unit.author_id.in_(list(member_ids)), Unit.created_at >= start, Unit.created_at < end,
               Unit.state == "written")
        .group_by(Unit.author_id, Unit.stream_id)
    )
    return [tuple(r) for r in (await session.execute(q)).all()]


async def revision_counts(
    session: AsyncSession, member_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, int]:
    """Revisions received in [start, end) per author (units not deleted)."""
    q = (
        select(Unit.author_id, func.count(Revision.id))
        .join(Unit, Unit.id == Revision.unit_id)
        .where(Unit.author_id.in_(list(member_ids)), Revision.received_at >= start, Revision.received_at < end,
               Unit.state != "deleted")
        .group_by(Unit.author_id)
    )
    return {a: n for a, n in (await session.execute(q)).all()}


async def plans_for_month(session: AsyncSession, member_ids: Sequence[int], month: date) -> list[Plan]:
    q = select(Plan).where(Plan.member_id.in_(list(member_ids)), Plan.month == month)
    return list(await session.scalars(q))


async def days_off_between(
    session: AsyncSession, member_ids: Sequence[int], first: date, last: date
) -> list[tuple[int, date]]:
    q = select(DayOff.member_id, DayOff.day).where(
        DayOff.member_id.in_(list(member_ids)), DayOff.day >= first, DayOff.day <= last
    )
    return [tuple(r) for r in (await session.execute(q)).all()]
