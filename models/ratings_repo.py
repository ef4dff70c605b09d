"""Queries for peer ratings. Functions take a session and never commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.org import Member
from models.ratings import Rating, RatingForm, RatingPolicy, RatingThreshold


async def list_policies(session: AsyncSession, *, active_only: bool = False) -> list[RatingPolicy]:
    q = select(RatingPolicy).order_by(RatingPolicy.id)
    if active_only:
        q = q.where(RatingPolicy.active.is_(True))
    return list(await session.scalars(q))


async def policy_by_id(session: AsyncSession, policy_id: int) -> RatingPolicy | None:
    return await session.get(RatingPolicy, policy_id)


async def policy_by_pair(session: AsyncSession, rater_department_id: int, rated_department_id: int) -> RatingPolicy | None:
    return await session.scalar(select(RatingPolicy).where(
        RatingPolicy.rater_department_id == rater_department_id,
        RatingPolicy.rated_department_id == rated_department_id,
    ))


async def policies_for_rater_department(session: AsyncSession, department_id: int) -> list[RatingPolicy]:
    q = select(RatingPolicy).where(RatingPolicy.rater_department_id == department_id,
                                   RatingPolicy.active.is_(True)).order_by(RatingPolicy.id)
    return list(await session.scalars(q))


async def active_members_of(session: AsyncSession, department_id: int) -> list[Member]:
    q = (select(Member).where(Member.department_id == department_id, Member.active.is_(True))
         .order_by(func.lower(Member.display_name), Member.id))
    return list(await session.scalars(q))


async def rating_by_dedup(session: AsyncSession, key: str) -> Rating | None:
    return await session.scalar(select(Rating).where(Rating.dedup_key == key))


async def ratings(
    session: AsyncSession,
    *,
    policy_ids: Sequence[int] | None = None,
    rated_id: int | None = None,
    periods: Sequence[str] | None = None,
    rater_keys: Sequence[str] | None = None,
) -> list[Rating]:
    """Ratings filtered; ordered by id only for determinism (callers re-order for anonymity)."""
    q = select(Rating).order_by(Rating.id)
    if policy_ids is not None:
        q = q.where(Rating.policy_id.in_(list(policy_ids)))
    if rated_id is not None:
        q = q.where(Rating.rated_id == rated_id)
    if periods is not None:
        q = q.where(Rating.period.in_(list(periods)))
    if rater_keys is not None:
        q = q.where(Rating.rater_key.in_(list(rater_keys)))
    return list(await session.scalars(q))


async def count_ratings(session: AsyncSession, policy_id: int, rated_id: int, period: str) -> int:
    return int(await session.scalar(select(func.count(Rating.id)).where(
        Rating.policy_id == policy_id, Rating.rated_id == rated_id, Rating.period == period)) or 0)


async def count_raters(session: AsyncSession, policy_id: int, rated_id: int, period: str) -> int:
    """Distinct raters (pseudonyms) who rated a person in a period: what the aggregate ``k`` counts."""
    return int(await session.scalar(select(func.count(func.distinct(Rating.rater_key))).where(
        Rating.policy_id == policy_id, Rating.rated_id == rated_id, Rating.period == period)) or 0)


async def scrub_rater_ids(session: AsyncSession, policy_id: int) -> None:
    """Forget raw rater ids of a policy that stops being open."""
    await session.execute(update(Rating).where(Rating.policy_id == policy_id).values(rater_id=None))


async def form(session: AsyncSession, policy_id: int, rated_id: int, period: str, rater_key: str) -> RatingForm | None:
    return await session.scalar(select(RatingForm).where(
        RatingForm.policy_id == policy_id, RatingForm.rated_id == rated_id,
        RatingForm.period == period, RatingForm.rater_key == rater_key))


async def threshold(session: AsyncSession, policy_id: int, rated_id: int, period: str) -> RatingThreshold | None:
    return await session.scalar(select(RatingThreshold).where(
        RatingThreshold.policy_id == policy_id, RatingThreshold.rated_id == rated_id,
        RatingThreshold.period == period))


async def members_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Member]:
    if not ids:
        return {}
    return {m.id: m for m in await session.scalars(select(Member).where(Member.id.in_(list(set(ids)))))}


async def open_forms(session: AsyncSession, policy_id: int, period: str) -> list[RatingForm]:
    """Campaign forms of a period that were actually sent and are not filled yet."""
    q = select(RatingForm).where(RatingForm.policy_id == policy_id, RatingForm.period == period,
                                 RatingForm.filled.is_(False), RatingForm.sent_at.is_not(None),
                                 RatingForm.status == "sent")
    return list(await session.scalars(q))


async def unsent_forms(session: AsyncSession) -> list[RatingForm]:
    """Forms whose send or reminder was claimed and never finished (``pending``/``resending``)."""
    unfinished = ("pending", "resending")
    q = select(RatingForm).where(or_(RatingForm.status.in_(unfinished),
                                     RatingForm.reminder_status.in_(unfinished))).order_by(RatingForm.id)
    return list(await session.scalars(q))
