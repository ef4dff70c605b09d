"""Queries for idempotency keys. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.idempotency import IdempotencyKey


async def find(session: AsyncSession, key: str) -> IdempotencyKey | None:
    return await session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key))


def claim(session: AsyncSession, key: str, kind: str, object_id: int | None, at: datetime) -> None:
    session.add(IdempotencyKey(key=key, kind=kind, object_id=object_id, created_at=at))
