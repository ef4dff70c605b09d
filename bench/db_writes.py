"""SQLite write path: concurrent write use cases with the process-wide write lock vs without.

Each simulated update opens a session, reads the member, then in one transaction writes a row,
flushes it for its id, reads, writes a second row and commits, like a real use case. 10 updates run concurrently on a pool of 10 connections.
Prints updates/s for both and their ratio (same machine, same run). No asserts on time.

    .venv/bin/python bench/db_writes.py [--updates 2000] [--concurrency 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from bot.db import Database
from bot.migrate import upgrade
from models.org import AuditEntry, Department, Member


class UnlockedDatabase(Database):
    """The naive variant: every writer goes straight to SQLite (busy_timeout decides)."""

    @contextlib.asynccontextmanager
    async def _lock(self):
        yield


async def seed(db: Database) -> int:
    async with db.session() as s:
        async with db.writing(s):
            d = Department(name="Bench", created_at=datetime.now(UTC))
            s.add(d)
            await s.flush()
            m = Member(telegram_id=1, display_name="Bench", role="writer", department_id=d.id,
                       active=True, unreachable=False, created_at=datetime.now(UTC))
            s.add(m)
            await s.flush()
            return m.id


async def one_update(db: Database, member_id: int) -> None:
    async with db.session() as s:
        member = await s.scalar(select(Member).where(Member.id == member_id))
        async with db.writing(s):
            # like a real use case: write, flush for an id, read, write again, commit once
            entry = AuditEntry(actor_id=member.id, action="bench", object_type="member", object_id=member.id,
                               details={}, created_at=datetime.now(UTC))
            s.add(entry)
            await s.flush()
            await s.scalar(select(Member.display_name).where(Member.id == member_id))
            s.add(AuditEntry(actor_id=member.id, action="bench.after", object_type="audit",
                             object_id=entry.id, details={}, created_at=datetime.now(UTC)))


async def run(db: Database, member_id: int, updates: int, concurrency: int) -> float:
    queue = iter(range(updates))

    async def worker() -> None:
        for _ in queue:
            await one_update(db, member_id)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return updates / (time.perf_counter() - start)


async def measure(cls: type[Database], path: Path, updates: int, concurrency: int) -> float:
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    db = cls(url)
    try:
        member_id = await seed(db)
        await run(db, member_id, 50, concurrency)  # warm-up: connections, statement cache
        return await run(db, member_id, updates, concurrency)
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        locked = asyncio.run(measure(Database, Path(tmp) / "locked.db", args.updates, args.concurrency))
        unlocked = asyncio.run(measure(UnlockedDatabase, Path(tmp) / "unlocked.db", args.updates,
                                       args.concurrency))
    print(f"{args.updates} write use cases, {args.concurrency} concurrent, SQLite WAL")
    print(f"  with the write lock (bot.db.Database): {locked:8.0f} updates/s")
    print(f"  without it (busy_timeout only):        {unlocked:8.0f} updates/s")
    print(f"  ratio locked / unlocked:               {locked / unlocked:8.2f}x")


if __name__ == "__main__":
    main()
