"""Queries for idempotency keys. Never commits."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import dialect_of, upsert_insert
from models.idempotency import IdempotencyKey


async def find(session: AsyncSession, key: str) -> IdempotencyKey | None:
    return await session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key))


def claim(session: AsyncSession, key: str, kind: str, object_id: int | None, at: datetime) -> None:
    session.add(IdempotencyKey(key=key, kind=kind, object_id=object_id, created_at=at))


async def claim_new(session: AsyncSession, key: str, kind: str, object_id: int | None, at: datetime) -> bool:
    """Insert the key unless it is there (``ON CONFLICT DO NOTHING``, one statement): False when it was
    (then the caller rolls back what it wrote). On PostgreSQL a concurrent transaction inserting the same
    key makes this one wait for its outcome."""
    result = await session.execute(_claim_statement(dialect_of(session)),
                                   {"key": key, "kind": kind, "object_id": object_id, "created_at": at})
    return result.rowcount == 1


@functools.cache
def _claim_statement(dialect: str):
    table = IdempotencyKey.__table__
    return upsert_insert(dialect, table).on_conflict_do_nothing(index_elements=[table.c.key])


class Claim(NamedTuple):
    """A key to claim for the object a write creates (see :func:`claim_new`)."""

    key: str
    kind: str
    at: datetime


def claim_cte(object_id):
    """:func:`claim_new` as a ``WITH`` part of a larger statement (PostgreSQL): the key's row, with
    ``object_id`` (a column of an earlier part) as its object, bound as ``claim_key``, ``claim_kind`` and
    ``claim_at``; it returns the key when it was new, no row when it was there."""
    table = IdempotencyKey.__table__
    stmt = upsert_insert("postgresql", table).from_select(
        ["key", "kind", "object_id", "created_at"],
        select(bindparam("claim_key", type_=table.c.key.type), bindparam("claim_kind", type_=table.c.kind.type),
               object_id, bindparam("claim_at", type_=table.c.created_at.type)))
    return stmt.on_conflict_do_nothing(index_elements=[table.c.key]).returning(table.c.key).cte("claimed")


def claim_params(claim: Claim) -> dict[str, object]:
    return {"claim_key": claim.key, "claim_kind": claim.kind, "claim_at": claim.at}


async def prune(session: AsyncSession, before: datetime) -> int:
    """Forget keys saved before ``before``: no form or redelivered update can come back that late."""
    result = await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < before))
    return result.rowcount or 0
