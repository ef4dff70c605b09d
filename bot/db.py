"""Engine, sessions and the write path.

SQLite has a single writer: concurrent writers on separate connections end up
sleeping in ``busy_timeout`` and throughput collapses. Every write use case
therefore runs inside :meth:`Database.writing`, which (on SQLite only) takes a
process-wide lock, so writes queue in the event loop instead of fighting for the
file lock. PostgreSQL needs no such lock.

Connections are not pinged at every check-out (that was a round trip per check-out on
PostgreSQL): a connection idle in the pool for longer than ``PING_IDLE_SECONDS`` is pinged
before use (and replaced when dead), and connections are recycled after ``POOL_RECYCLE_SECONDS``.
A connection that dies while in use fails that one update (the user is told, nothing is
half-saved) and SQLAlchemy then replaces every pooled connection of the same age.

``Database.cache`` (:class:`models.cache.RowCache`) holds rows that rarely change; the session
events below clear a table's entries after every commit that wrote to it.

While the inbox (:mod:`bot.inbox`) handles an update it sets :data:`UPDATE_COMMIT` to a
:class:`CommitMark`: the update's first write transaction also marks the update done, in the same commit
as its effects (a transaction that finds it already done is refused: :class:`UpdateHandledElsewhere`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import itertools
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiosqlite
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from models.cache import RowCache

POOL_RECYCLE_SECONDS = 1800
PING_IDLE_SECONDS = 30.0
CACHED_TABLES = frozenset({"members", "streams", "projects"})


class UpdateHandledElsewhere(Exception):
    """The update being handled was marked done by another transaction (another replica took it over and
    committed first): this transaction is rolled back, its effects would be the second ones."""


class CommitMark:
    """The update being handled (set by the inbox in :data:`UPDATE_COMMIT`): ``mark(session)`` marks it
    done in the open transaction and returns False when it already was. Runs in the update's first write
    transaction only; ``done`` (set by that commit, or by the inbox once the update is handled) means the
    mark is taken care of: later writes of the update (or of tasks it started) commit without it."""

    __slots__ = ("_running", "done", "mark", "update_id")

    def __init__(self, update_id: int, mark: Callable[[AsyncSession], Awaitable[bool]]) -> None:
        self.update_id = update_id
        self.mark = mark
        self.done = False
        self._running = False


#: set by the inbox while it handles an update (a task's own copy: concurrent updates do not share it)
UPDATE_COMMIT: contextvars.ContextVar[CommitMark | None] = contextvars.ContextVar("update_commit", default=None)


class Database:
    def __init__(self, url: str, *, echo: bool = False, cache_ttl: float | None = None) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict = {"echo": echo}
        if self.is_sqlite:
            # each statement one trip to the driver's thread instead of three (_OneTripConnection);
            # it uses aiosqlite's ``Connection._execute`` (not public API): without it, plain aiosqlite
            if one_trip_supported():
                kwargs["async_creator"] = _sqlite_connector(url, timeout=30)
            # the pool's rollback at every check-in is a round trip to the driver's thread; only a
            # connection still in a transaction needs it (see _sqlite_pragmas)
            kwargs["pool_reset_on_return"] = None
        else:
            kwargs["pool_recycle"] = POOL_RECYCLE_SECONDS
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _sqlite_pragmas(self.engine)
        else:
            _ping_when_idle(self.engine)
        self.cache = RowCache() if cache_ttl is None else RowCache(cache_ttl)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False,
                                               sync_session_class=CachingSession, info={"row_cache": self.cache})
        self._write_lock: asyncio.Lock | None = None
        self._writers = 0  # use cases inside writing(), running or waiting for the lock

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
        """Run one write use case and commit it once; roll back on any error.

        Reads made before it in the same session are not committed first: the write continues on the
        session's connection (no return to the pool and new check-out mid-update). Neither backend holds
        a snapshot across them: SQLite's driver opens its transaction at the first write statement, and
        PostgreSQL at READ COMMITTED takes a fresh snapshot per statement.

        One exception, SQLite under contention: a use case that must wait for the write lock first gives
        its connection back. Waiting writers holding pooled connections could leave none for the lock's
        holder (a deadlock until the pool's timeout, seen with 50 updates in flight).

        The first write transaction of an update the inbox handles also marks the update done (see
        :class:`CommitMark`): its effects and the mark commit together, or neither does."""
        if self.is_sqlite and self._writers and session.in_transaction():
            await session.commit()
        self._writers += 1
        try:
            async with self._lock():
                mark = UPDATE_COMMIT.get()
                if mark is not None and (mark.done or mark._running):
                    mark = None  # a later (or concurrent) write of the same update: marked by the first
                if mark is not None:
                    mark._running = True
                try:
                    yield session
                    if mark is not None:
                        if not await mark.mark(session):
                            raise UpdateHandledElsewhere(f"update {mark.update_id} was handled elsewhere")
                    await session.commit()
                    if mark is not None:
                        mark.done = True
                except Exception:
                    await _rollback_keeping_loaded(session)
                    raise
                except BaseException:
                    await session.rollback()
                    raise
                finally:
                    if mark is not None:
                        mark._running = False
        finally:
            self._writers -= 1

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _rollback_keeping_loaded(session: AsyncSession) -> None:
    """Roll back, then reload the rows the caller had loaded.

    A rollback expires every object in the session, and reading an expired attribute later (a
    handler rendering the acting member after a refused write, or a service going on after a lost
    race in ``create_once``) would be hidden IO outside the async context: ``MissingGreenlet``. Only
    failed writes pay for the reload, one primary-key read per object; a row deleted meanwhile is
    dropped from the session."""
    loaded = [obj for obj in session.identity_map.values() if obj not in session.new]
    await session.rollback()
    for obj in loaded:
        try:
            await session.refresh(obj)
        except exc.InvalidRequestError:  # deleted meanwhile, or no longer in the session
            if obj in session:
                session.expunge(obj)


class CachingSession(Session):
    """The sessions of :class:`Database`: note which cached tables a transaction writes (see below)."""


def _touch(session: Session, table: str | None) -> None:
    if table in CACHED_TABLES:
        session.info.setdefault("cached_tables_written", set()).add(table)


@event.listens_for(CachingSession, "after_flush")
def _after_flush(session: Session, _context) -> None:
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        _touch(session, getattr(obj, "__tablename__", None))


@event.listens_for(CachingSession, "do_orm_execute")
def _on_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _touch(state.session, getattr(table, "name", None))


@event.listens_for(CachingSession, "after_commit")
def _after_commit(session: Session) -> None:
    written = session.info.pop("cached_tables_written", None)
    cache = session.info.get("row_cache")
    if written and cache is not None:
        cache.invalidate(*written)


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a connection at check-out only when it sat in the pool longer than ``PING_IDLE_SECONDS``
    (a busy bot never pings; one that was quiet finds a dead connection before using it)."""

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _checkin(_dbapi_conn, record) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _checkout(dbapi_conn, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return
        try:
            alive = engine.sync_engine.dialect.do_ping(dbapi_conn)
        except Exception:
            alive = False
        if not alive:
            raise exc.DisconnectionError("connection idle in the pool is gone")  # the pool retries


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

    @event.listens_for(engine.sync_engine.pool, "reset")
    def _on_reset(dbapi_conn, record, state) -> None:
        # SQLAlchemy has already rolled back or committed the transactions it began; roll back only
        # what is still open (the pool's own rollback-on-return is off, see Database)
        if state.asyncio_safe and not state.transaction_was_reset and record is not None \
                and record.driver_connection is not None and record.driver_connection.in_transaction:
            dbapi_conn.rollback()


def one_trip_supported() -> bool:
    """Whether the installed aiosqlite has what :class:`_OneTripConnection` relies on (a coroutine
    ``Connection._execute(fn, *args)`` run in the connection's thread: aiosqlite 0.20–0.22)."""
    return inspect.iscoroutinefunction(getattr(aiosqlite.Connection, "_execute", None))


def _sqlite_connector(url: str, **connect_args: object):
    """``async_creator`` for the engine: the connection SQLAlchemy's aiosqlite dialect would open for
    ``url`` (same file, same arguments), as a :class:`_OneTripConnection`."""
    from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
    from sqlalchemy.engine import make_url

    args, params = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    params = {**params, **connect_args}

    def connect():
        def connector() -> sqlite3.Connection:
            return sqlite3.connect(*args, **params)

        conn = _OneTripConnection(connector, 64)
        worker = getattr(conn, "_thread", conn)  # aiosqlite < 0.22: the connection is the thread
        worker.daemon = True  # as SQLAlchemy's dialect does: an unclosed connection does not block exit
        return conn

    return connect


class _OneTripConnection(aiosqlite.Connection):
    """aiosqlite's connection whose cursors execute a statement in one trip to its thread.

    SQLAlchemy's aiosqlite adapter opens a cursor, executes, fetches the rows and closes the cursor
    for every statement; aiosqlite makes each of those a hand-off to the connection's thread and back
    (a queue put, a thread wake-up, a wake-up of the event loop): 3–4 trips per statement, ~35 µs of
    CPU each and much more wall time on a loaded machine. :class:`_OneTripCursor` does all of it in
    one trip; only a result longer than ``FIRST_ROWS`` is fetched further in later trips."""

    def cursor(self) -> _OneTripCursor:  # type: ignore[override]  # not a trip: the cursor is lazy
        return _OneTripCursor(self)


FIRST_ROWS = 1000


class _OneTripCursor:
    """The part of aiosqlite's cursor SQLAlchemy's adapter uses (``async with``, ``execute``,
    ``executemany``, ``fetch*``, ``close``, ``description``, ``rowcount``, ``lastrowid``)."""

    def __init__(self, conn: _OneTripConnection) -> None:
        self._conn = conn
        self._cursor: sqlite3.Cursor | None = None  # kept open (in the thread) while rows remain
        self._rows: list = []
        self.description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def __await__(self):  # ``await connection.cursor()`` as with aiosqlite
        async def itself() -> _OneTripCursor:
            return self

        return itself().__await__()

    async def __aenter__(self) -> _OneTripCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters=None) -> _OneTripCursor:
        await self._run(_execute, sql, parameters if parameters is not None else ())
        return self

    async def executemany(self, sql: str, parameters) -> _OneTripCursor:
        await self._run(_executemany, sql, parameters)
        return self

    async def _run(self, fn, sql, parameters) -> None:
        await self.close()
        (self._cursor, self._rows, self.description, self.rowcount,
         self.lastrowid) = await self._conn._execute(fn, self._conn._conn, sql, parameters)

    async def fetchall(self) -> list:
        rows, self._rows = self._rows, []
        if self._cursor is not None:
            rows += await self._conn._execute(_fetch_rest, self._cursor)
            self._cursor = None
        return rows

    async def fetchmany(self, size: int | None = None) -> list:
        size = size or self.arraysize
        if len(self._rows) < size and self._cursor is not None:
            more = await self._conn._execute(self._cursor.fetchmany, FIRST_ROWS)
            if len(more) < FIRST_ROWS:
                more += await self._conn._execute(_fetch_rest, self._cursor)
                self._cursor = None
            self._rows += more
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def fetchone(self):
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def close(self) -> None:
        self._rows = []
        if self._cursor is not None:
            cursor, self._cursor = self._cursor, None
            await self._conn._execute(cursor.close)


def _execute(conn: sqlite3.Connection, sql: str, parameters):
    """In the connection's thread: execute, take the first rows; close the cursor unless rows remain."""
    cursor = conn.cursor()
    try:
        cursor.execute(sql, parameters)
        rows = cursor.fetchmany(FIRST_ROWS) if cursor.description else []
    except BaseException:
        cursor.close()
        raise
    if len(rows) == FIRST_ROWS and cursor.rowcount >= 0:  # INSERT/UPDATE/DELETE … RETURNING: all, and
        rows += cursor.fetchall()  # the row count when every row is done
    done = len(rows) < FIRST_ROWS or cursor.rowcount >= 0
    out = (None if done else cursor, rows, cursor.description, cursor.rowcount, cursor.lastrowid)
    if done:
        cursor.close()
    return out


def _executemany(conn: sqlite3.Connection, sql: str, parameters):
    cursor = conn.cursor()
    try:
        cursor.executemany(sql, parameters)
        return None, [], cursor.description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _fetch_rest(cursor: sqlite3.Cursor) -> list:
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


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
