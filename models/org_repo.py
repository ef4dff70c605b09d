"""Queries for the organisation. Functions take a session and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.cache import attach, values
from models.org import AuditEntry, Department, Invite, Member, Role, department_managers


async def member_by_telegram_id(session: AsyncSession, telegram_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.telegram_id == telegram_id))


async def cached_member_by_telegram_id(session: AsyncSession, telegram_id: int) -> Member | None:
    """:func:`member_by_telegram_id` through the row cache (models/cache.py); the member is in ``session``
    either way, so changes to it are saved as usual. Unknown users are not cached."""
    cache = session.info.get("row_cache")
    if cache is None:
        return await member_by_telegram_id(session, telegram_id)
    row = cache.get("members", telegram_id)
    if row is not None:
        return attach(session, Member, row)
    generation = cache.generation("members")
    member = await member_by_telegram_id(session, telegram_id)
    if member is not None:
        cache.put("members", telegram_id, values(member), generation)
    return member


async def member_by_id(session: AsyncSession, member_id: int) -> Member | None:
    return await session.get(Member, member_id)


CLIENT = Role.CLIENT.value  # clients are not in team lists unless asked for


async def count_members(session: AsyncSession, *, active_only: bool = False, clients: bool = False) -> int:
    q = select(func.count(Member.id)).where((Member.role == CLIENT) if clients else (Member.role != CLIENT))
    if active_only:
        q = q.where(Member.active.is_(True))
    return int(await session.scalar(q) or 0)


async def list_members(
    session: AsyncSession,
    *,
    offset: int = 0,
    limit: int | None = None,
    department_ids: Sequence[int] | None = None,
    active_only: bool = False,
    roles: Sequence[str] | None = None,
) -> list[Member]:
    """Members, by default the team only; pass ``roles`` (say ``["client"]``) to select clients."""
    q = select(Member).order_by(Member.active.desc(), func.lower(Member.display_name), Member.id)
    if roles is None:
        q = q.where(Member.role != CLIENT)
    if department_ids is not None:
        q = q.where(Member.department_id.in_(list(department_ids)))
    if active_only:
        q = q.where(Member.active.is_(True))
    if roles is not None:
        q = q.where(Member.role.in_(list(roles)))
    q = q.offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return list(await session.scalars(q))


async def department_by_id(session: AsyncSession, department_id: int) -> Department | None:
    return await session.get(Department, department_id)


async def department_by_name(session: AsyncSession, name: str) -> Department | None:
    return await session.scalar(select(Department).where(func.lower(Department.name) == name.lower()))


async def list_departments(session: AsyncSession, ids: Sequence[int] | None = None) -> list[Department]:
    q = select(Department).order_by(func.lower(Department.name), Department.id)
    if ids is not None:
        q = q.where(Department.id.in_(list(ids)))
    return list(await session.scalars(q))


async def count_departments(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(Department.id))) or 0)


async def managed_department_ids(session: AsyncSession, member_id: int) -> list[int]:
    rows = await session.scalars(
        select(department_managers.c.department_id).where(department_managers.c.member_id == member_id)
    )
    return sorted(rows)


async def add_managed_department(session: AsyncSession, member_id: int, department_id: int) -> None:
    exists = await session.scalar(
        select(func.count()).select_from(department_managers).where(
            department_managers.c.member_id == member_id,
            department_managers.c.department_id == department_id,
        )
    )
    if not exists:
        await session.execute(insert(department_managers).values(member_id=member_id, department_id=department_id))


async def clear_managed_departments(session: AsyncSession, member_id: int) -> None:
    await session.execute(delete(department_managers).where(department_managers.c.member_id == member_id))


async def managers_of_department(session: AsyncSession, department_id: int) -> list[Member]:
    q = (
        select(Member)
        .join(department_managers, department_managers.c.member_id == Member.id)
        .where(department_managers.c.department_id == department_id, Member.active.is_(True))
        .order_by(Member.id)
    )
    return list(await session.scalars(q))


async def invite_by_token(session: AsyncSession, token: str) -> Invite | None:
    return await session.scalar(select(Invite).where(Invite.token == token))


async def invite_by_id(session: AsyncSession, invite_id: int) -> Invite | None:
    return await session.get(Invite, invite_id)


async def consume_invite(session: AsyncSession, invite_id: int, now: datetime) -> bool:
    """Atomically take one use of an invite; False when none is left or it expired."""
    result = await session.execute(
        update(Invite)
        .where(Invite.id == invite_id, Invite.uses_left > 0, Invite.expires_at > now)
        .values(uses_left=Invite.uses_left - 1)
    )
    return result.rowcount == 1


def audit(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    at: datetime,
    **details: object,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
        created_at=at,
    )
    session.add(entry)
    return entry


async def member_by_username(session: AsyncSession, username: str) -> Member | None:
    """An active team member by Telegram username (case-insensitive)."""
    return await session.scalar(select(Member).where(func.lower(Member.username) == username.lower(),
                                                     Member.role != CLIENT, Member.active.is_(True)))
