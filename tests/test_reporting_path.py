"""The one-line /report path (issue 9, point 4): what one report costs the database, and the row cache
(models/cache.py) that makes it cheap staying true to every change of a member, a stream or a project."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import event, func, select, text, update

import bot.db
from bot.db import Database
from handlers.settings import SettingsCb
from models.cache import RowCache
from models.org import Member
from models.reporting import Project, Unit, UnitEvent
from tests.recording import Harness
from tests.test_reporting import ADMIN, WRITER, count, setup_team

SAVED = "Единица сохранена"
UNIT_INSERT = re.compile(r"^\s*(WITH\s+\w+\s+AS\s*\(\s*)?INSERT INTO units\b", re.I)
READS_CACHED = re.compile(r"^\s*SELECT\b.*\bFROM\s+(members|streams|projects|units)\b", re.I | re.S)


class Recorder:
    """SQL statements, commits and pool check-outs on one engine while it listens."""

    def __init__(self, db: Database) -> None:
        self.statements: list[str] = []
        self.commits = self.checkouts = 0
        self._targets = [(db.engine.sync_engine, "before_cursor_execute", self._stmt),
                         (db.engine.sync_engine, "commit", self._commit),
                         (db.engine.sync_engine.pool, "checkout", self._checkout)]
        for target, name, fn in self._targets:
            event.listen(target, name, fn)

    def _stmt(self, _conn, _cursor, statement, *_args) -> None:
        self.statements.append(statement)

    def _commit(self, *_args) -> None:
        self.commits += 1

    def _checkout(self, *_args) -> None:
        self.checkouts += 1

    def stop(self) -> None:
        for target, name, fn in self._targets:
            event.remove(target, name, fn)


async def test_one_line_report_is_one_transaction_without_reads(harness: Harness, db) -> None:
    """Before: 7 statements in 3 transactions (the member, every stream, the project, two inserts, then
    the unit read back with its revision count for the reply)."""
    h = harness
    await setup_team(h, "Bakery")
    assert SAVED in h.messages(await h.send(WRITER, "/report smm Bakery First"))[0].text
    rec = Recorder(db)
    try:
        card = h.messages(await h.send(WRITER, "/report smm bakery Post about the launch"))[0]
    finally:
        rec.stop()
    assert SAVED in card.text and "Bakery" in card.text
    assert [s for s in rec.statements if READS_CACHED.match(s)] == []
    assert [s for s in rec.statements if UNIT_INSERT.match(s)] == rec.statements[:1]
    # the unit, its event, the counter and the form's key: four statements on SQLite (one trip to the
    # driver's thread each), one on PostgreSQL (WITH parts: one round trip)
    assert len(rec.statements) == (4 if db.is_sqlite else 1)
    assert rec.commits == 1 and rec.checkouts == 1
    # the card built from the inserted row is the one the unit's own view shows
    uid = (await h_units(db))[-1].id
    shown = h.messages(await h.press(WRITER, card, f"u:open:{uid}:"))[0]
    assert shown.text == card.text.split("\n\n", 1)[1]
    assert shown.buttons() == card.buttons()
    assert [b for b, _ in card.buttons()] == ["Отправлена на согласование", "Изменить", "Удалить"]


async def h_units(db) -> list[Unit]:
    async with db.session() as s:
        return list(await s.scalars(select(Unit).order_by(Unit.id)))


async def test_fifty_reports_in_flight_all_saved(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Bakery")
    await h.send(WRITER, "/report smm Bakery Warm-up")
    start = len(h.session.requests)
    await asyncio.gather(*(h.send(WRITER, f"/report smm Bakery Post {i}") for i in range(50)))
    replies = [r for r in h.session.requests[start:] if r.method == "SendMessage"]
    assert len(replies) == 50 and all(SAVED in r.text for r in replies)
    assert await count(db, Unit) == 51
    assert await count(db, UnitEvent, UnitEvent.kind == "created") == 51
    titles = {u.title for u in await h_units(db)}
    assert {f"Post {i}" for i in range(50)} <= titles


async def test_project_rename_and_archive_are_seen_at_once(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Bakery")
    assert SAVED in h.messages(await h.send(WRITER, "/report smm Bakery One"))[0].text  # cached now
    async with db.session() as s:
        pid = await s.scalar(select(Project.id))
    await h.send(ADMIN, f"/projects rename {pid} Cakes")
    assert "Нет проекта «Bakery»" in h.messages(await h.send(WRITER, "/report smm Bakery Two"))[0].text
    card = h.messages(await h.send(WRITER, "/report smm Cakes Two"))[0]
    assert SAVED in card.text and "Cakes" in card.text
    await h.send(ADMIN, f"/projects archive {pid}")
    assert "Нет проекта «Cakes»" in h.messages(await h.send(WRITER, "/report smm Cakes Three"))[0].text
    assert await count(db, Unit) == 2


async def test_new_stream_is_seen_at_once(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Bakery")
    assert "Нет направления «video»" in h.messages(await h.send(WRITER, "/report video Bakery Clip"))[0].text
    await h.send(ADMIN, "/streams add video Видео | Clips")
    assert SAVED in h.messages(await h.send(WRITER, "/report clips Bakery Clip"))[0].text


async def test_member_changes_are_seen_at_once(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Bakery")
    assert SAVED in h.messages(await h.send(WRITER, "/report smm Bakery One"))[0].text  # member cached
    # their own language change
    menu = h.messages(await h.send(WRITER, "/settings"))[0]
    await h.press(WRITER, menu, SettingsCb(action="lang", value="en").pack())
    assert "Unit saved" in h.messages(await h.send(WRITER, "/report smm Bakery Two"))[0].text
    # an admin switches them off through /members
    msg = h.messages(await h.send(ADMIN, "/members"))[0]
    card = h.messages(await h.press(ADMIN, msg, msg.button("Anna")))[0]
    confirm = h.messages(await h.press(ADMIN, card, card.button("Отключить")))[0]
    await h.press(ADMIN, confirm, confirm.button("Да, отключить"))
    reply = h.messages(await h.send(WRITER, "/report smm Bakery Three"))[0].text
    assert SAVED not in reply and "Unit saved" not in reply
    assert await count(db, Unit) == 2


async def test_write_through_any_session_clears_the_cache(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Bakery")
    assert SAVED in h.messages(await h.send(WRITER, "/report smm Bakery One"))[0].text
    async with db.session() as s:  # a bulk UPDATE statement, not an ORM change
        await s.execute(update(Member).where(Member.telegram_id == WRITER.id).values(active=False))
        await s.commit()
    assert SAVED not in h.messages(await h.send(WRITER, "/report smm Bakery Two"))[0].text
    async with db.session() as s:  # an ORM change
        member = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
        member.active = True
        await s.commit()
    assert SAVED in h.messages(await h.send(WRITER, "/report smm Bakery Three"))[0].text


async def test_other_process_writes_are_seen_within_the_ttl(harness: Harness, db, database_url) -> None:
    """Another process's commit cannot clear this process's cache: the entry's time to live bounds it."""
    h = harness
    now = [1000.0]
    db.cache.clock = lambda: now[0]
    await setup_team(h, "Bakery")
    assert SAVED in h.messages(await h.send(WRITER, "/report smm Bakery One"))[0].text
    other = Database(database_url)  # a second process: its own cache
    try:
        async with other.session() as s:
            async with other.writing(s):
                await s.execute(update(Member).where(Member.telegram_id == WRITER.id).values(active=False))
    finally:
        await other.dispose()
    assert SAVED in h.messages(await h.send(WRITER, "/report smm Bakery Two"))[0].text  # still cached
    now[0] += db.cache.ttl + 1
    assert SAVED not in h.messages(await h.send(WRITER, "/report smm Bakery Three"))[0].text
    assert await count(db, Unit) == 2


def test_row_cache_ttl_generation_and_bound() -> None:
    now = [0.0]
    cache = RowCache(10, clock=lambda: now[0])
    cache.put("members", 1, {"id": 1}, cache.generation("members"))
    assert cache.get("members", 1) == {"id": 1}
    now[0] = 11
    assert cache.get("members", 1) is None
    # a reader that began before a commit does not store what it read
    generation = cache.generation("projects")
    cache.invalidate("projects")
    cache.put("projects", 1, {"id": 1}, generation)
    assert cache.get("projects", 1) is None
    cache.put("projects", 1, {"id": 1}, cache.generation("projects"))
    assert cache.get("projects", 1) == {"id": 1}
    cache.clear()
    assert cache.get("projects", 1) is None
    for i in range(25_000):
        cache.put("members", i, i, cache.generation("members"))
    assert cache.get("members", 24_999) == 24_999 and cache.get("members", 0) is None


async def test_sqlite_writers_waiting_for_the_lock_hold_no_connection(db) -> None:
    """15 use cases read (each holding one of the pool's 15 connections) and then wait for the write lock,
    whose holder still needs a connection: before, it waited for the pool's 30 s timeout and failed."""
    from models.reporting import Stream

    if not db.is_sqlite:
        pytest.skip("SQLite: PostgreSQL takes no write lock")
    gate, readers_done = asyncio.Event(), []

    async def holder() -> None:
        async with db.session() as s, db.writing(s):
            await gate.wait()
            await s.execute(update(Stream).where(Stream.code == "smm").values(position=9))

    async def reader_then_writer(i: int) -> None:
        async with db.session() as s:
            await s.scalar(select(Stream.id).limit(1))  # a read: the session holds a connection
            readers_done.append(i)
            if len(readers_done) == 15:
                gate.set()
            async with db.writing(s):
                await s.execute(update(Stream).where(Stream.code == "smm").values(position=i))

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)  # the holder takes the lock
    await asyncio.gather(first, *(reader_then_writer(i) for i in range(15)))
    async with db.session() as s:
        assert await s.scalar(select(Stream.position).where(Stream.code == "smm")) in range(15)


async def test_dead_idle_connection_is_replaced_before_use(db, monkeypatch) -> None:
    """No pre-ping at every check-out: a connection that sat idle is pinged, and a dead one replaced."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL: SQLite connections do not die")
    monkeypatch.setattr(bot.db, "PING_IDLE_SECONDS", 0.0)
    async with db.session() as s:
        pid = await s.scalar(text("SELECT pg_backend_pid()"))
    killer = Database(db.url)
    try:
        async with killer.engine.connect() as conn:
            assert await conn.scalar(select(func.pg_terminate_backend(pid))) is True
    finally:
        await killer.dispose()
    async with db.session() as s:
        assert await s.scalar(text("SELECT pg_backend_pid()")) != pid


async def _counters_match_a_recount(db, tz: str) -> bool:
    from bot.services.stats import recount, stored

    async with db.engine.connect() as conn:
        return await conn.run_sync(stored) == await conn.run_sync(recount, tz)


async def test_a_repeated_line_is_rolled_back_whole(harness: Harness, db, settings, clock) -> None:
    """The key of a one-line report is claimed after the unit (one statement, ``create_once(claim_last=
    True)``): a repeat of the same message writes the unit, its event and its counter and then finds the
    key taken, so all of it is rolled back and the first unit is shown. A repeat whose stream or project
    was archived in between (a Save pressed again) shows the saved unit too, not "no such project"."""
    from bot.services import build_services
    from tests.test_idempotency import redeliver

    h = harness
    await setup_team(h, "Bakery")
    first = h.messages(await redeliver(h, WRITER, "/report smm Bakery Post", 7001))[0]
    assert SAVED in first.text
    again = h.messages(await redeliver(h, WRITER, "/report smm Bakery Post", 7001))[0]
    assert again.text == first.text
    assert await count(db, Unit) == 1 and await count(db, UnitEvent) == 1
    async with db.session() as s:
        svc = build_services(s, db, settings, clock)
        writer = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
        unit = await s.scalar(select(Unit))
        await svc.reporting.archive_project(await s.scalar(select(Member).where(Member.telegram_id == ADMIN.id)),
                                            unit.project_id)
        view = await svc.reporting.create_unit(writer, unit.stream_id, unit.project_id, "Post",
                                               key=f"unit-line:{WRITER.id}:7001")
        assert view.unit.id == unit.id
    assert await count(db, Unit) == 1 and await count(db, UnitEvent) == 1
    assert await _counters_match_a_recount(db, settings.timezone)


async def test_concurrent_repeats_of_one_line_store_one_unit(harness: Harness, db, settings) -> None:
    """Five deliveries of one message at once (on PostgreSQL the key's ``ON CONFLICT DO NOTHING`` waits for
    the first transaction and then does nothing): one unit, one event, counters equal to a recount."""
    from tests.test_idempotency import redeliver

    h = harness
    await setup_team(h, "Bakery")
    sent = await asyncio.gather(*(redeliver(h, WRITER, "/report smm Bakery Post", 7002) for _ in range(5)))
    texts = {h.messages(s)[0].text for s in sent}
    assert len(texts) == 1 and SAVED in texts.pop()
    assert await count(db, Unit) == 1 and await count(db, UnitEvent) == 1
    assert await _counters_match_a_recount(db, settings.timezone)


def test_no_filter_goes_to_a_thread(settings, db) -> None:
    """aiogram runs a filter that is not a coroutine in a worker thread (``asyncio.to_thread``); the app
    makes every filter run in the loop (``bot.app.inline_sync_filters``)."""
    from bot.app import create_dispatcher

    dp = create_dispatcher(settings, db)
    filters = [f for router in dp.chain_tail for observer in router.observers.values()
               for handler in (observer._handler, *observer.handlers) for f in handler.filters or ()]
    assert len(filters) > 50 and all(f.awaitable for f in filters)


async def test_sqlite_statement_is_one_trip_and_long_results_come_whole(db) -> None:
    """bot.db._OneTripConnection: a statement (execute, rows, close) is one hand-off to the driver's thread;
    a result longer than FIRST_ROWS is fetched in further trips, buffered or streamed."""
    if not db.is_sqlite:
        pytest.skip("SQLite's driver thread")
    from bot.db import FIRST_ROWS, _OneTripConnection

    n = FIRST_ROWS * 2 + 7
    numbers = text(f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) SELECT i FROM n")
    async with db.engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert isinstance(driver, _OneTripConnection)
        trips = []
        original = driver._execute

        async def counting(fn, *args, **kwargs):
            trips.append(fn)
            return await original(fn, *args, **kwargs)

        driver._execute = counting
        assert (await conn.execute(text("SELECT 1"))).scalar() == 1
        assert len(trips) == 1
        assert [r[0] for r in (await conn.execute(numbers)).all()] == list(range(1, n + 1))
        streamed = await conn.stream(numbers)
        got = [r[0] async for r in streamed]
        assert got == list(range(1, n + 1))
        with pytest.raises(Exception, match="no such table"):
            await conn.execute(text("SELECT * FROM no_such_table"))
        assert (await conn.execute(text("SELECT 2"))).scalar() == 2


async def test_sqlite_without_aiosqlites_private_execute_falls_back(tmp_path, monkeypatch) -> None:
    """_OneTripConnection relies on aiosqlite's ``Connection._execute`` (a coroutine run in the connection's
    thread); an aiosqlite without it gets the plain driver (slower, same results) instead of failing at the
    first statement."""
    from bot.db import _OneTripConnection, one_trip_supported

    assert one_trip_supported()  # the installed aiosqlite has it (pyproject pins the versions that do)
    monkeypatch.setattr(bot.db, "one_trip_supported", lambda: False)
    fallback = Database(f"sqlite+aiosqlite:///{tmp_path / 'plain.db'}")
    try:
        async with fallback.engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert not isinstance(driver, _OneTripConnection)
            assert (await conn.execute(text("SELECT 41 + 1"))).scalar() == 42
    finally:
        await fallback.engine.dispose()
