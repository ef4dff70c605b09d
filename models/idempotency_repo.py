"""Queries for idempotency keys. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.idempotency import IdempotencyKey


async def find(session: AsyncSession, key: str) -> IdempotencyKey | None:
    return await session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key))


def claim(session: AsyncSession, key: str, kind: str, object_id: int | None, at: datetime) -> None:
    session.add(IdempotencyKey(key=key, kind=kind, object_id=object_id, created_at=at))


async def prune(session: AsyncSession, before: datetime) -> int:
    """Forget keys saved before ``before``: no form or redelivered update can come back that late."""
    result = await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < before))
    return result.rowcount or 0
