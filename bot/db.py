"""Engine, sessions and the write path.

SQLite has a single writer: concurrent writers on separate connections end up
sleeping in ``busy_timeout`` and throughput collapses. Every write use case
therefore runs inside :meth:`Database.writing`, which (on SQLite only) takes a
process-wide lock, so writes queue in the event loop instead of fighting for the
file lock. PostgreSQL needs no such lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict = {"echo": echo, "pool_pre_ping": not self.is_sqlite}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _sqlite_pragmas(self.engine)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write_lock: asyncio.Lock | None = None

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    @contextlib.asynccontextmanager
    async def _lock(self) -> AsyncIterator[None]:
        if not self.is_sqlite:
            yield
            return
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        async with self._write_lock:
            yield

    @contextlib.asynccontextmanager
    async def writing(self, session: AsyncSession) -> AsyncIterator[AsyncSession]:
        """Run one write use case and commit it once; roll back on any error."""
        async with self._lock():
            if session.in_transaction():
                # End a read transaction started before the lock was taken, so the
                # write starts from a fresh snapshot (no stale-snapshot upgrade).
                await session.commit()
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()


# --- dialect-specific: the only SQLite-only statements in the project -------------
def _sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        # SQLite's lower()/upper() only fold ASCII; make them Unicode-aware like PostgreSQL's, so
        # case-insensitive lookups of Cyrillic names ("Клиент" = "клиент") agree on both backends.
        dbapi_conn.create_function("lower", 1, _lower, deterministic=True)
        dbapi_conn.create_function("upper", 1, _upper, deterministic=True)


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


async def sync_id_sequences(conn, tables) -> None:
    """PostgreSQL only: after rows were inserted with explicit ids (bulk demo data), move each
    table's id sequence past the largest id so later inserts do not collide. SQLite needs nothing."""
    if conn.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    for table in tables:
        await conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
