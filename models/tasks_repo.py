"""Queries for tasks. Functions take a session and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.tasks import DONE, OPEN, Task


async def task_by_id(session: AsyncSession, task_id: int) -> Task | None:
    return await session.get(Task, task_id)


async def open_of(session: AsyncSession, member_ids: Sequence[int], *, before: datetime | None = None,
                  limit: int = 500) -> list[Task]:
    """Open tasks assigned to these members (due before ``before`` when given), by due time."""
    if not member_ids:
        return []
    q = select(Task).where(Task.status == OPEN, Task.assignee_id.in_(list(member_ids)))
    if before is not None:
        q = q.where(Task.due_at < before)
    return list(await session.scalars(q.order_by(Task.due_at, Task.id).limit(limit)))


async def open_related(session: AsyncSession, member_id: int, *, limit: int = 500) -> list[Task]:
    """Open tasks assigned to or created by the member, by due time (/tasks)."""
    q = (select(Task).where(Task.status == OPEN, or_(Task.assignee_id == member_id, Task.creator_id == member_id))
         .order_by(Task.due_at, Task.id).limit(limit))
    return list(await session.scalars(q))


async def done_related_since(session: AsyncSession, member_id: int, since: datetime, *, limit: int = 200) -> list[Task]:
    q = (select(Task).where(Task.status == DONE, Task.done_at >= since,
                            or_(Task.assignee_id == member_id, Task.creator_id == member_id))
         .order_by(Task.done_at, Task.id).limit(limit))
    return list(await session.scalars(q))


async def open_due_between(session: AsyncSession, since: datetime, before: datetime) -> list[Task]:
    """Open tasks due in [since, before) (the scheduler's reminders), oldest first."""
    q = (select(Task).where(Task.status == OPEN, Task.due_at >= since, Task.due_at < before)
         .order_by(Task.due_at, Task.id))
    return list(await session.scalars(q))


async def assignees_with_open_before(session: AsyncSession, before: datetime) -> dict[int, datetime]:
    """Members with open tasks due before ``before`` → when the earliest of those was created."""
    q = (select(Task.assignee_id, func.min(Task.created_at)).where(Task.status == OPEN, Task.due_at < before)
         .group_by(Task.assignee_id))
    out: dict[int, datetime] = {}
    for member_id, created in (await session.execute(q)).all():
        if created is not None and created.tzinfo is None:  # an aggregate skips the column type on SQLite
            created = created.replace(tzinfo=UTC)
        out[member_id] = created
    return out


async def complete(session: AsyncSession, task_id: int, by: int, now: datetime) -> bool:
    """open → done, once: False when it was done already (a second press, a concurrent one)."""
    result = await session.execute(update(Task).where(Task.id == task_id, Task.status == OPEN)
                                   .values(status=DONE, done_at=now, done_by=by, updated_at=now))
    return result.rowcount == 1


async def move(session: AsyncSession, task_id: int, due_at: datetime, now: datetime) -> bool:
    """A new due time for an open task (False when it is done meanwhile)."""
    result = await session.execute(update(Task).where(Task.id == task_id, Task.status == OPEN)
                                   .values(due_at=due_at, updated_at=now))
    return result.rowcount == 1


async def reassign(session: AsyncSession, task_id: int, assignee_id: int, now: datetime) -> bool:
    result = await session.execute(update(Task).where(Task.id == task_id, Task.status == OPEN)
                                   .values(assignee_id=assignee_id, updated_at=now))
    return result.rowcount == 1
