"""Queries for the scheduler. Functions take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.org import Member
from models.reporting import Revision, Unit
from models.scheduling import PENDING, RESENDING, Delivery, DigestPreference, JobRun, LagState


@dataclass(frozen=True, slots=True)
class DeliveryKey:
    member_id: int
    kind: str
    period_key: str


async def existing_keys(session: AsyncSession, kinds: Iterable[str], since: datetime) -> set[DeliveryKey]:
    """Keys of deliveries of these kinds planned at or after ``since``."""
    q = select(Delivery.member_id, Delivery.kind, Delivery.period_key).where(
        Delivery.kind.in_(list(kinds)), Delivery.planned_at >= since
    )
    return {DeliveryKey(*row) for row in (await session.execute(q)).all()}


async def keys_exist(session: AsyncSession, keys: Sequence[DeliveryKey]) -> set[DeliveryKey]:
    """Which of ``keys`` are already recorded (any planned time).

    One query per kind with expanding IN lists (cheap to compile, unlike a long OR), filtered exactly here.
    """
    wanted = set(keys)
    by_kind: dict[str, list[DeliveryKey]] = {}
    for k in wanted:
        by_kind.setdefault(k.kind, []).append(k)
    found: set[DeliveryKey] = set()
    for kind, group in by_kind.items():
        periods = sorted({k.period_key for k in group})
        members = sorted({k.member_id for k in group})
        for i in range(0, len(members), 1000):
            q = select(Delivery.member_id, Delivery.kind, Delivery.period_key).where(
                Delivery.kind == kind, Delivery.period_key.in_(periods),
                Delivery.member_id.in_(members[i:i + 1000]))
            found.update(k for k in (DeliveryKey(*row) for row in (await session.execute(q)).all()) if k in wanted)
    return found


async def insert_deliveries(session: AsyncSession, rows: Sequence[dict]) -> None:
    """Insert claimed deliveries (``member_id, kind, period_key, planned_at, created_at``)."""
    if rows:
        await session.execute(insert(Delivery), [{"payload": None, **r, "status": PENDING, "attempts": 0}
                                                 for r in rows])


async def set_outcome(session: AsyncSession, key: DeliveryKey, status: str, attempts: int,
                      sent_at: datetime | None, error: str | None) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.member_id == key.member_id, Delivery.kind == key.kind,
               Delivery.period_key == key.period_key)
        .values(status=status, attempts=attempts, sent_at=sent_at, error=(error or None) and error[:200])
    )


async def unfinished_deliveries(session: AsyncSession, *, before: datetime) -> list[Delivery]:
    """Deliveries claimed before ``before`` and never finished (``pending``, or ``resending``)."""
    q = (select(Delivery).where(Delivery.status.in_([PENDING, RESENDING]), Delivery.created_at <= before)
         .order_by(Delivery.id))
    return list(await session.scalars(q))


async def deliveries(session: AsyncSession, *, kind: str | None = None) -> list[Delivery]:
    q = select(Delivery).order_by(Delivery.id)
    if kind is not None:
        q = q.where(Delivery.kind == kind)
    return list(await session.scalars(q))


# --- preferences ---------------------------------------------------------------------
async def preferences(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, DigestPreference]:
    if not member_ids:
        return {}
    q = select(DigestPreference).where(DigestPreference.member_id.in_(list(member_ids)))
    return {p.member_id: p for p in await session.scalars(q)}


async def preference(session: AsyncSession, member_id: int) -> DigestPreference | None:
    return await session.get(DigestPreference, member_id)


# --- lag states ------------------------------------------------------------------------
async def lag_states(session: AsyncSession, member_ids: Sequence[int], month: date) -> dict[int, LagState]:
    if not member_ids:
        return {}
    q = select(LagState).where(LagState.member_id.in_(list(member_ids)), LagState.month == month)
    return {s.member_id: s for s in await session.scalars(q)}


# --- job runs ---------------------------------------------------------------------------
async def job_run(session: AsyncSession, kind: str, period_key: str) -> JobRun | None:
    return await session.scalar(select(JobRun).where(JobRun.kind == kind, JobRun.period_key == period_key))


# --- reminders --------------------------------------------------------------------------
async def authors_with_units_since(session: AsyncSession, member_ids: Sequence[int], since: datetime) -> set[int]:
    """Members who reported (created) at least one unit at or after ``since``."""
    if not member_ids:
        return set()
    q = select(Unit.author_id).where(Unit.author_id.in_(list(member_ids)), Unit.created_at >= since).distinct()
    return set(await session.scalars(q))


async def overdue_revisions(session: AsyncSession, received_before: datetime) -> list[tuple[Revision, Unit]]:
    """Open revisions (not done, unit still in revision) received before ``received_before``."""
    q = (
        select(Revision, Unit)
        .join(Unit, Unit.id == Revision.unit_id)
        .where(Revision.done_at.is_(None), Revision.received_at < received_before, Unit.state == "revision")
        .order_by(Revision.id)
    )
    return [(r, u) for r, u in (await session.execute(q)).all()]


async def sent_times(session: AsyncSession, member_ids: Sequence[int], start: datetime, end: datetime,
                     done_states: Sequence[str]) -> list[datetime]:
    """``sent_at`` of units first sent in [start, end) (for the cumulative chart)."""
    if not member_ids:
        return []
    q = select(Unit.sent_at).where(Unit.author_id.in_(list(member_ids)), Unit.sent_at >= start,
                                   Unit.sent_at < end, Unit.state.in_(list(done_states)))
    return list(await session.scalars(q))


async def mark_unreachable(session: AsyncSession, telegram_id: int) -> None:
    await session.execute(update(Member).where(Member.telegram_id == telegram_id).values(unreachable=True))
