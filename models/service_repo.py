"""Queries for the inbox of updates and the service leases. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import UTCDateTime
from models.scheduling import PENDING, RESENDING, Delivery
from models.service import InboundUpdate, ServiceLease


# --- the inbox ------------------------------------------------------------------------------------
async def store(session: AsyncSession, rows: list[tuple[int, str, int | None]], me: str,
                now: datetime) -> list[int]:
    """Insert ``(update_id, payload, sender_id)`` rows claimed by ``me``; an update already stored (a
    redelivery) is skipped. Returns the ids inserted now."""
    if not rows:
        return []
    ids = [r[0] for r in rows]
    known = set(await session.scalars(select(InboundUpdate.update_id).where(InboundUpdate.update_id.in_(ids))))
    new = [r for r in rows if r[0] not in known]
    for update_id, payload, sender_id in new:
        session.add(InboundUpdate(update_id=update_id, payload=payload, sender_id=sender_id, received_at=now,
                                  claimed_by=me, claimed_at=now))
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:  # another replica stored one of them meanwhile: one by one
        inserted = []
        for update_id, payload, sender_id in new:
            try:
                async with session.begin_nested():
                    session.add(InboundUpdate(update_id=update_id, payload=payload, sender_id=sender_id,
                                              received_at=now, claimed_by=me, claimed_at=now))
                    await session.flush()
                inserted.append(update_id)
            except IntegrityError:
                pass
        return inserted
    return [r[0] for r in new]


async def claimable(session: AsyncSession, stale_before: datetime, limit: int = 100) -> list[InboundUpdate]:
    """Unanswered updates nobody holds (their claim is older than ``stale_before``), oldest first: the
    unhandled ones (``done_at`` null) and those whose effects were committed and whose handler did not
    return (``done_at`` set: its process died before or while answering)."""
    return list(await session.scalars(
        select(InboundUpdate)
        .where(InboundUpdate.answered_at.is_(None),
               or_(InboundUpdate.claimed_at.is_(None), InboundUpdate.claimed_at < stale_before))
        .order_by(InboundUpdate.update_id).limit(limit)))


async def claim(session: AsyncSession, update_id: int, me: str, now: datetime, stale_before: datetime) -> bool:
    """Take over one unanswered update whose claim expired (compare and set: one replica wins)."""
    result = await session.execute(
        update(InboundUpdate)
        .where(InboundUpdate.update_id == update_id, InboundUpdate.answered_at.is_(None),
               or_(InboundUpdate.claimed_at.is_(None), InboundUpdate.claimed_at < stale_before))
        .values(claimed_by=me, claimed_at=now))
    return result.rowcount == 1  # type: ignore[attr-defined]


async def renew_claims(session: AsyncSession, me: str, update_ids: list[int], now: datetime) -> int:
    """Keep the claims on the updates still being handled, committed or not (one whose mark failed is left
    to expire)."""
    if not update_ids:
        return 0
    result = await session.execute(
        update(InboundUpdate).where(InboundUpdate.claimed_by == me, InboundUpdate.answered_at.is_(None),
                                    InboundUpdate.update_id.in_(update_ids))
        .values(claimed_at=now))
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


async def mark_done(session: AsyncSession, update_ids: list[int], now: datetime) -> None:
    """Handled and answered (one statement for both kinds): an update whose effects were committed keeps
    the ``done_at`` of that commit and is marked answered; one that wrote nothing is marked both."""
    at = literal(now, UTCDateTime())
    await session.execute(update(InboundUpdate).where(InboundUpdate.update_id.in_(update_ids))
                          .values(done_at=func.coalesce(InboundUpdate.done_at, at),
                                  answered_at=func.coalesce(InboundUpdate.answered_at, at)))


async def mark_done_if_open(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Mark one update done inside the transaction of its effects; False when it already was (another
    replica handled it): the caller then rolls its transaction back."""
    result = await session.execute(update(InboundUpdate)
                                   .where(InboundUpdate.update_id == update_id, InboundUpdate.done_at.is_(None))
                                   .values(done_at=now))
    return result.rowcount == 1  # type: ignore[attr-defined]


async def earlier_unhandled(session: AsyncSession, sender_id: int, update_id: int) -> list[int]:
    """Earlier updates of the same sender still waiting to be handled (keep one user's updates in order)."""
    return list(await session.scalars(
        select(InboundUpdate.update_id)
        .where(InboundUpdate.sender_id == sender_id, InboundUpdate.done_at.is_(None),
               InboundUpdate.update_id < update_id).order_by(InboundUpdate.update_id).limit(50)))


async def unhandled_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(InboundUpdate)
                                    .where(InboundUpdate.done_at.is_(None))) or 0)


async def unanswered_among(session: AsyncSession, update_ids: list[int]) -> set[int]:
    """Which of ``update_ids`` are still stored and not answered (the reply journal keeps only those)."""
    found: set[int] = set()
    for i in range(0, len(update_ids), 500):
        found.update(await session.scalars(
            select(InboundUpdate.update_id).where(InboundUpdate.update_id.in_(update_ids[i:i + 500]),
                                                  InboundUpdate.answered_at.is_(None))))
    return found


async def prune(session: AsyncSession, done_before: datetime) -> int:
    result = await session.execute(delete(InboundUpdate).where(InboundUpdate.done_at < done_before))
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


async def pending_deliveries(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Delivery)
                                    .where(Delivery.status.in_((PENDING, RESENDING)))) or 0)


# --- leases ---------------------------------------------------------------------------------------
async def acquire_lease(session: AsyncSession, name: str, me: str, now: datetime, until: datetime) -> bool:
    """Take or renew the lease ``name`` until ``until``: free, expired, or already ours."""
    result = await session.execute(
        update(ServiceLease)
        .where(ServiceLease.name == name, or_(ServiceLease.holder == me, ServiceLease.expires_at <= now))
        .values(holder=me, expires_at=until))
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return True
    if await session.get(ServiceLease, name) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(ServiceLease(name=name, holder=me, expires_at=until))
            await session.flush()
    except IntegrityError:  # another replica created it first
        return False
    return True


async def release_lease(session: AsyncSession, name: str, me: str, now: datetime) -> None:
    await session.execute(update(ServiceLease).where(and_(ServiceLease.name == name, ServiceLease.holder == me))
                          .values(expires_at=now))


async def lease_holder(session: AsyncSession, name: str, now: datetime) -> str | None:
    row = await session.get(ServiceLease, name, populate_existing=True)
    return row.holder if row is not None and row.expires_at > now else None
