"""Issue 14, fast tests: the inbox (stored before confirmed, handled once, leftovers taken over), the
leader lease, the web server (forged webhooks refused, readiness, metrics), JSON logs and redaction,
settings, backup/restore, migrating an old database, migrations under a lock."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select, text

from bot.config import Settings
from bot.db import UPDATE_COMMIT, Database
from bot.inbox import Inbox, RedisReplyMarks, ReplyJournal, ReplyMarks, reply_marks_for, sender_of
from bot.leader import Leadership
from bot.logs import MEMBER_ID, UPDATE_ID, JsonFormatter, Redactor, TextFormatter, secrets_of
from bot.web import create_web_app
from models import service_repo as repo
from models.org import AuditEntry, Member
from models.reporting import Unit
from models.service import InboundUpdate
from tests.conftest import ADMIN_ID, PG_URL
from tests.recording import BOT_TOKEN, make_bot

SECRET = "webhook-secret-0123456789abcdef"
REDIS_URL = os.environ.get("TEST_REDIS_URL")


def _head() -> str:
    """The code's one head revision (whatever migration is newest)."""
    from bot.migrate import head_revisions

    (head,) = head_revisions()
    return head


def message_update(update_id: int, user_id: int, text: str, message_id: int | None = None) -> dict:
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else None
    msg = {"message_id": message_id or update_id, "date": 1_763_283_600,
           "chat": {"id": user_id, "type": "private", "first_name": "Olga"},
           "from": {"id": user_id, "is_bot": False, "first_name": "Olga", "language_code": "en"}, "text": text}
    if entities:
        msg["entities"] = entities
    return {"update_id": update_id, "message": msg}


@pytest.fixture
def service_settings(database_url: str) -> Settings:
    return Settings(_env_file=None, bot_token=BOT_TOKEN, database_url=database_url,
                    admin_ids=frozenset({ADMIN_ID}), telegram_api_url="http://127.0.0.1:1",
                    webhook_url="https://bot.example.com/tg/hook", webhook_secret=SECRET,
                    scheduler_enabled=False)


def make_inbox(settings: Settings, db: Database, clock, me: str = "replica-a", replies: ReplyMarks | None = None):
    from bot.app import create_dispatcher

    bot, session = make_bot()
    dp = create_dispatcher(settings, db, clock=clock)
    inbox = Inbox(db, dp, bot, me=me, lease_seconds=30, clock=clock, single_process=db.is_sqlite, replies=replies)
    return inbox, dp, bot, session


async def rows(db: Database) -> list[InboundUpdate]:
    async with db.session() as s:
        return list(await s.scalars(select(InboundUpdate).order_by(InboundUpdate.update_id)))


# --- the inbox -------------------------------------------------------------------------------------
async def test_an_update_is_stored_handled_once_and_a_redelivery_is_ignored(service_settings, db, clock) -> None:
    inbox, _dp, bot, session = make_inbox(service_settings, db, clock)
    update = message_update(10, ADMIN_ID, "/start")
    assert await inbox.accept([update]) == 1
    await asyncio.gather(*inbox.tasks)
    answered = [r for r in session.requests if r.method == "SendMessage"]
    assert answered and answered[0].params["chat_id"] == ADMIN_ID
    (row,) = await rows(db)
    assert row.update_id == 10 and row.done_at is not None and row.claimed_by == "replica-a"
    assert json.loads(row.payload) == update and row.sender_id == ADMIN_ID
    # Telegram sends it again (the confirmation was lost): stored once, handled once
    before = len(session.requests)
    assert await inbox.accept([update]) == 0
    await asyncio.gather(*inbox.tasks)
    assert len(session.requests) == before
    await bot.session.close()


async def test_what_a_dead_replica_left_is_handled_once_by_the_next(service_settings, db, clock) -> None:
    now = clock.now()
    async with db.session() as s, db.writing(s):
        # a batch the dead process stored and never finished; one it had finished
        await repo.store(s, [(21, json.dumps(message_update(21, ADMIN_ID, "/start")), ADMIN_ID),
                             (22, json.dumps(message_update(22, ADMIN_ID, "/help")), ADMIN_ID)],
                         "dead-replica", now - timedelta(minutes=5))
        await repo.store(s, [(20, json.dumps(message_update(20, ADMIN_ID, "/help")), ADMIN_ID)],
                         "dead-replica", now - timedelta(minutes=5))
        await repo.mark_done(s, [20], now - timedelta(minutes=5))
    inbox, _dp, bot, session = make_inbox(service_settings, db, clock, me="replica-b")
    assert await inbox.sweep() == 2  # the claims are older than the lease: taken over
    replies = [r for r in session.requests if r.method == "SendMessage"]
    assert len(replies) == 2
    assert all(r.done_at is not None for r in await rows(db))
    assert await inbox.sweep() == 0  # nothing twice
    assert len([r for r in session.requests if r.method == "SendMessage"]) == 2
    await bot.session.close()


async def test_a_live_replicas_claim_is_not_taken_over(service_settings, db, clock) -> None:
    async with db.session() as s, db.writing(s):
        await repo.store(s, [(30, json.dumps(message_update(30, ADMIN_ID, "/start")), ADMIN_ID)],
                         "live-replica", clock.now() - timedelta(seconds=5))
    inbox, _dp, bot, _session = make_inbox(service_settings, db, clock, me="replica-b")
    assert await inbox.sweep() == 0  # claimed 5 s ago, lease 30 s (a claim lives two leases)
    clock.advance(seconds=61)
    assert await inbox.sweep() == 1
    await bot.session.close()


async def test_old_handled_rows_are_pruned(service_settings, db, clock) -> None:
    inbox, _dp, bot, _ = make_inbox(service_settings, db, clock)
    await inbox.accept([message_update(40, ADMIN_ID, "/start")])
    await asyncio.gather(*inbox.tasks)
    clock.advance(hours=25)
    await inbox.maintain_once()
    assert await rows(db) == []
    await bot.session.close()


async def test_one_users_updates_are_handled_in_order(service_settings, db, clock) -> None:
    inbox, dp, bot, _ = make_inbox(service_settings, db, clock)
    seen: list[int] = []

    @dp.update.outer_middleware()
    async def record(handler, event, data):
        seen.append(event.update_id)
        await asyncio.sleep(0.05 if event.update_id == 50 else 0)  # the first one is slow
        return await handler(event, data)

    await inbox.accept([message_update(50, ADMIN_ID, "/start")])
    await inbox.accept([message_update(51, ADMIN_ID, "/help")])
    await asyncio.gather(*inbox.tasks)
    assert seen == [50, 51]
    await bot.session.close()


# --- the done mark rides in the handler's commit -------------------------------------------------------
async def admins(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count(Member.id)).where(Member.telegram_id == ADMIN_ID)))


def die_at(session, method: str) -> None:
    """The process dies (its task is cancelled, as by kill -9: nothing after runs) when ``method`` is sent."""
    make_request = session.make_request

    async def dying(bot, call, timeout=None):  # noqa: ASYNC109
        if type(call).__name__ == method:
            raise asyncio.CancelledError
        return await make_request(bot, call, timeout)

    session.make_request = dying


# --- a crash between the commit and the reply: answered once after the restart ----------------------------
@pytest.fixture(params=["journal", "redis"])
async def reply_marks(request, tmp_path: Path):
    """A factory of "reply started" stores, one per process, on the same journal file (or Redis database)."""
    made: list[ReplyMarks] = []
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("TEST_REDIS_URL not set")
        from redis.asyncio import Redis

        async with Redis.from_url(REDIS_URL) as redis:
            await redis.flushdb()

    def new() -> ReplyMarks:
        marks = (ReplyJournal(tmp_path / "teamdesk.db.replies") if request.param == "journal"
                 else RedisReplyMarks.from_url(REDIS_URL, 4242424))
        made.append(marks)
        return marks

    yield new
    for marks in made:
        await marks.close()


class Stuck:
    """A request that never returns: the process is "killed" while it waits (its tasks are cancelled then,
    and nothing after the request runs — as with kill -9). ``before_marker``: it blocks in a request
    middleware registered before the inbox's, i.e. before the reply's marker was written."""

    def __init__(self, session, method: str, *, before_marker: bool) -> None:
        self.method, self.calls, self.reached = method, [], asyncio.Event()
        if before_marker:
            async def outer(make_request, bot, call):
                if type(call).__name__ == self.method:
                    await self.block(call)
                return await make_request(bot, call)

            session.middleware._middlewares.insert(0, outer)  # outermost: before the inbox's marker
        else:
            make_request = session.make_request

            async def blocking(bot, call, timeout=None):  # noqa: ASYNC109
                if type(call).__name__ == self.method:
                    await self.block(call)
                return await make_request(bot, call, timeout)

            session.make_request = blocking

    async def block(self, call) -> None:
        self.calls.append(call)
        self.reached.set()
        await asyncio.Event().wait()


async def kill(inbox: Inbox) -> None:
    """The process dies: its tasks stop where they are (the stuck request never returns)."""
    for task in list(inbox.tasks):
        task.cancel()
    await asyncio.gather(*inbox.tasks, return_exceptions=True)


async def restart(settings, db, clock, reply_marks):
    """The next process on the same database and marker store: it takes over what is left (SQLite: at
    start, everything; PostgreSQL: the dead process's claims, two leases later) and handles it."""
    inbox, _dp, bot, session = make_inbox(settings, db, clock, me="replica-b", replies=reply_marks())
    clock.advance(seconds=61)
    taken = await inbox.sweep(everything=db.is_sqlite)
    await asyncio.gather(*inbox.tasks)
    await inbox.flushed()
    return inbox, bot, session, taken


async def admin_with_project(settings, db, clock) -> None:
    inbox, _dp, bot, _session = make_inbox(settings, db, clock)
    await inbox.accept([message_update(1, ADMIN_ID, "/start")])
    await inbox.accept([message_update(2, ADMIN_ID, "/projects add Alpha")])
    await asyncio.gather(*inbox.tasks)
    await inbox.flushed()
    await bot.session.close()


def texts(session, method: str = "SendMessage") -> list[str]:
    return [r.params["text"] for r in session.requests if r.method == method]


async def test_a_report_committed_and_not_answered_is_answered_once_after_the_restart(
        service_settings, db, clock, reply_marks) -> None:
    """kill -9 after the unit's commit and before the reply left (before its marker): the next process
    handles the update again; the unit's key is saved, so it writes nothing and answers with the unit —
    the same text the first answer had. One unit, one answer."""
    await admin_with_project(service_settings, db, clock)
    inbox, _dp, bot, session = make_inbox(service_settings, db, clock, replies=reply_marks())
    stuck = Stuck(session, "SendMessage", before_marker=True)
    await inbox.accept([message_update(10, ADMIN_ID, "/report smm Alpha Launch post")])
    await asyncio.wait_for(stuck.reached.wait(), 30)
    await kill(inbox)
    (row,) = [r for r in await rows(db) if r.update_id == 10]
    assert row.done_at is not None and row.answered_at is None  # committed with the unit, not answered
    assert texts(session) == []  # the reply never left
    first_answer = stuck.calls[0].text

    _other, bot2, session2, taken = await restart(service_settings, db, clock, reply_marks)
    assert taken == 1
    assert texts(session2) == [first_answer]  # the unit's view: the answer the first handling was sending
    async with db.session() as s:
        assert await s.scalar(select(func.count(Unit.id)).where(Unit.title == "Launch post")) == 1
    (row,) = [r for r in await rows(db) if r.update_id == 10]
    assert row.answered_at is not None
    # a third process: nothing left
    _third, bot3, session3, taken = await restart(service_settings, db, clock, reply_marks)
    assert taken == 0 and texts(session3) == []
    for b in (bot, bot2, bot3):
        await b.session.close()


async def test_a_reply_whose_request_had_started_is_not_repeated(service_settings, db, clock, reply_marks) -> None:
    """kill -9 while the reply's request was on its way (after its marker): the answer may have reached the
    user, so the next process only marks the update answered — no second answer, no second unit."""
    await admin_with_project(service_settings, db, clock)
    inbox, _dp, bot, session = make_inbox(service_settings, db, clock, replies=reply_marks())
    stuck = Stuck(session, "SendMessage", before_marker=False)
    await inbox.accept([message_update(11, ADMIN_ID, "/report smm Alpha Second post")])
    await asyncio.wait_for(stuck.reached.wait(), 30)
    await kill(inbox)
    assert (await rows(db))[-1].answered_at is None

    _other, bot2, session2, taken = await restart(service_settings, db, clock, reply_marks)
    assert taken == 1 and texts(session2) == []
    assert [r.answered_at is not None for r in await rows(db)] == [True, True, True]
    async with db.session() as s:
        assert await s.scalar(select(func.count(Unit.id)).where(Unit.title == "Second post")) == 1
    for b in (bot, bot2):
        await b.session.close()


async def test_a_reply_refused_with_429_is_answered_after_the_restart(service_settings, db, clock,
                                                                      reply_marks) -> None:
    """A 429 means nothing was delivered: the marker is withdrawn, and a process killed while its reply
    waits to be tried again leaves the report to be answered by the next one (once)."""
    from aiogram.exceptions import TelegramRetryAfter

    from bot.telegram import RetryAfter

    await admin_with_project(service_settings, db, clock)
    inbox, _dp, bot, session = make_inbox(service_settings, db, clock, replies=reply_marks())
    session.middleware._middlewares.insert(0, RetryAfter())  # outermost, as bot.app.create_bot has it
    refused = asyncio.Event()
    make_request = session.make_request

    async def flooded(bot_, call, timeout=None):  # noqa: ASYNC109
        if type(call).__name__ == "SendMessage":
            refused.set()
            raise TelegramRetryAfter(call, "Too Many Requests: retry after 30", 30)
        return await make_request(bot_, call, timeout)

    session.make_request = flooded
    await inbox.accept([message_update(13, ADMIN_ID, "/report smm Alpha Flooded")])
    await asyncio.wait_for(refused.wait(), 30)
    await asyncio.sleep(0.05)  # (waiting the 30 s out)
    await kill(inbox)
    assert texts(session) == []

    _other, bot2, session2, taken = await restart(service_settings, db, clock, reply_marks)
    assert taken == 1
    assert len(texts(session2)) == 1 and "Flooded" in texts(session2)[0]
    for b in (bot, bot2):
        await b.session.close()


async def test_a_handler_without_a_key_is_replayed_silently(service_settings, db, clock, reply_marks) -> None:
    """An effect without an idempotency key (here: an audit entry) committed, the reply not sent: the
    replay's write finds the update done and is rolled back, the handler says nothing; the update is marked
    answered. The effect happened once (its answer is lost)."""
    await admin_with_project(service_settings, db, clock)

    def with_bump(dp) -> None:
        from aiogram.filters import Command

        async def bump(message, svc) -> None:
            async with db.session() as s, db.writing(s):
                s.add(AuditEntry(action="test.bump", object_type="member", created_at=clock.now()))
            await message.answer("bumped")

        dp.message.register(bump, Command("bump"))

    inbox, dp, bot, session = make_inbox(service_settings, db, clock, replies=reply_marks())
    with_bump(dp)
    stuck = Stuck(session, "SendMessage", before_marker=True)
    await inbox.accept([message_update(12, ADMIN_ID, "/bump")])
    await asyncio.wait_for(stuck.reached.wait(), 30)
    await kill(inbox)

    other, dp2, bot2, session2 = make_inbox(service_settings, db, clock, me="replica-b", replies=reply_marks())
    with_bump(dp2)
    clock.advance(seconds=61)
    assert await other.sweep(everything=db.is_sqlite) == 1
    await other.flushed()
    assert texts(session2) == []
    async with db.session() as s:
        assert await s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "test.bump")) == 1
    assert all(r.answered_at is not None for r in await rows(db))
    for b in (bot, bot2):
        await b.session.close()


async def test_replays_keep_one_senders_order_and_fresh_updates_wait(service_settings, db, clock,
                                                                     reply_marks) -> None:
    """Two reports committed and unanswered, one stored and unhandled: the next process answers them in
    the order they came."""
    await admin_with_project(service_settings, db, clock)
    inbox, _dp, bot, session = make_inbox(service_settings, db, clock, replies=reply_marks())
    stuck = Stuck(session, "SendMessage", before_marker=True)
    for uid, title in ((20, "One"), (21, "Two")):
        await inbox.accept([message_update(uid, ADMIN_ID, f"/report smm Alpha {title}")])
        await asyncio.wait_for(stuck.reached.wait(), 30)
        stuck.reached.clear()
        await kill(inbox)
    async with db.session() as s, db.writing(s):
        await repo.store(s, [(22, json.dumps(message_update(22, ADMIN_ID, "/report smm Alpha Three")), ADMIN_ID)],
                         "replica-a", clock.now())
    _other, bot2, session2, taken = await restart(service_settings, db, clock, reply_marks)
    assert taken == 3
    answers = texts(session2)
    assert len(answers) == 3 and [t for t in answers if "One" in t] == [answers[0]]
    assert "Two" in answers[1] and "Three" in answers[2]
    async with db.session() as s:
        assert Counter(await s.scalars(select(Unit.title))) == {"One": 1, "Two": 1, "Three": 1}
    for b in (bot, bot2):
        await b.session.close()


async def test_the_answered_mark_costs_no_statement_in_the_handler(service_settings, db, clock) -> None:
    """A burst of reports through the inbox: each report's writes are the unit's (with the done mark in the
    same transaction), as before; the answered marks come after, off the handler's path, in one batch."""
    await admin_with_project(service_settings, db, clock)
    inbox, _dp, bot, session = make_inbox(service_settings, db, clock)
    inbox.answer_delay = 600  # (only the end of the burst writes them: deterministic)
    writes: Counter[str] = Counter()

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("SELECT", "SAVEPOINT", "RELEASE")):
            writes[" ".join(statement.split()[:3])] += 1

    sqlalchemy_event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    n = 20
    for i in range(n):
        await inbox.accept([message_update(100 + i, ADMIN_ID, f"/report smm Alpha Burst {i}")])
    await asyncio.gather(*inbox.tasks)
    await inbox.flushed()
    sqlalchemy_event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len(texts(session)) == n
    assert all(r.answered_at is not None for r in await rows(db))
    inbox_writes = {k: v for k, v in writes.items() if "inbound_updates" in k}
    # stored (one per accept call here); n done marks, each in its report's transaction, and one batch of
    # answered marks after them
    assert inbox_writes == {"INSERT INTO inbound_updates": n, "UPDATE inbound_updates SET": n + 1}, writes
    assert all(v == n for k, v in writes.items() if k not in inbox_writes), writes  # the report's own writes
    await bot.session.close()


async def test_the_reply_journal_survives_the_process_and_is_rotated(service_settings, db, clock,
                                                                     tmp_path: Path) -> None:
    path = tmp_path / "j.replies"
    first = ReplyJournal(path)
    await first.note(7)
    await first.note(8)
    # (the process dies without closing; the bytes were written)
    second = ReplyJournal(path)
    assert await second.started([7, 8, 9]) == {7, 8}

    async def unanswered(ids):
        return {8}

    await second.rotate(unanswered)
    await second.note(10)
    assert path.read_text() == "8\n10\n"
    await first.close()
    await second.close()
    beside = reply_marks_for(f"sqlite+aiosqlite:///{tmp_path}/x.db", "", 1)  # next to the SQLite file
    assert isinstance(beside, ReplyJournal) and beside.path == tmp_path / "x.db.replies"
    await beside.close()
    assert type(reply_marks_for("sqlite+aiosqlite://", "", 1)) is ReplyMarks


async def test_a_crash_before_the_commit_leaves_the_update_to_be_handled_once(service_settings, db, clock,
                                                                               monkeypatch) -> None:
    """Dying inside the handler's transaction (at the mark, just before the commit) rolls back the effect
    and the mark together: the next replica handles the update, once."""
    inbox, _dp, bot, _session = make_inbox(service_settings, db, clock)

    async def dies(*_a, **_k):
        raise asyncio.CancelledError

    monkeypatch.setattr(repo, "mark_done_if_open", dies)
    await inbox.accept([message_update(61, ADMIN_ID, "/start")])
    await asyncio.gather(*inbox.tasks, return_exceptions=True)
    monkeypatch.undo()
    assert await admins(db) == 0 and (await rows(db))[0].done_at is None
    other, _dp2, bot2, session2 = make_inbox(service_settings, db, clock, me="replica-b")
    clock.advance(seconds=61)
    assert await other.sweep() == 1
    assert await admins(db) == 1 and (await rows(db))[0].done_at is not None
    assert len([r for r in session2.requests if r.method == "SendMessage"]) == 1
    assert await other.sweep() == 0
    await bot.session.close()
    await bot2.session.close()


async def test_a_handling_that_finds_its_update_done_elsewhere_is_rolled_back(service_settings, db, clock) -> None:
    """A slow replica whose update was taken over and handled meanwhile: its transaction is refused (the
    update is already done), so its effects are not a second copy and it does not answer."""
    inbox, dp, bot, session = make_inbox(service_settings, db, clock)

    @dp.update.outer_middleware()
    async def taken_over_meanwhile(handler, event, data):
        async with db.session() as s, db.writing(s):  # (another replica's commit; not this update's)
            token = UPDATE_COMMIT.set(None)
            await repo.mark_done(s, [event.update_id], clock.now())
            UPDATE_COMMIT.reset(token)
        return await handler(event, data)

    await inbox.accept([message_update(62, ADMIN_ID, "/start")])
    await asyncio.gather(*inbox.tasks)
    assert await admins(db) == 0
    assert [r for r in session.requests if r.method == "SendMessage"] == []
    await bot.session.close()


async def test_an_update_that_commits_twice_is_marked_by_the_first_commit(service_settings, db, clock) -> None:
    inbox, dp, bot, session = make_inbox(service_settings, db, clock)
    marked_at: list = []

    @dp.update.outer_middleware()
    async def second_write(handler, event, data):
        result = await handler(event, data)  # /start registers the admin: the first commit, with the mark
        marked_at.append((await rows(db))[0].done_at)
        async with db.session() as s, db.writing(s):  # a later write of the same update: no mark, no refusal
            s.add(AuditEntry(action="test.second", object_type="member", created_at=clock.now()))
        return result

    await inbox.accept([message_update(63, ADMIN_ID, "/start")])
    await asyncio.gather(*inbox.tasks)
    assert marked_at[0] is not None and await admins(db) == 1
    async with db.session() as s:
        assert await s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "test.second")) == 1
    assert len([r for r in session.requests if r.method == "SendMessage"]) == 1
    assert (await rows(db))[0].done_at == marked_at[0]  # not marked again after handling
    await bot.session.close()


def test_sender_of_an_update() -> None:
    assert sender_of(message_update(1, 77, "hi")) == 77
    assert sender_of({"update_id": 2, "callback_query": {"id": "1", "from": {"id": 78}}}) == 78
    assert sender_of({"update_id": 3, "my_chat_member": {"chat": {"id": 79}, "from": {"id": 80}}}) == 80


# --- the leader lease ------------------------------------------------------------------------------
async def test_the_lease_has_one_holder_and_passes_on_expiry_or_release(db) -> None:
    t0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    lease = timedelta(seconds=30)
    async with db.session() as s, db.writing(s):
        assert await repo.acquire_lease(s, "scheduler", "a", t0, t0 + lease)
        assert not await repo.acquire_lease(s, "scheduler", "b", t0 + timedelta(seconds=10), t0 + lease * 2)
        assert await repo.acquire_lease(s, "scheduler", "a", t0 + timedelta(seconds=10), t0 + lease + lease)
        assert await repo.lease_holder(s, "scheduler", t0 + timedelta(seconds=20)) == "a"
        # a dies: its lease expires and b takes it
        later = t0 + timedelta(seconds=71)
        assert await repo.acquire_lease(s, "scheduler", "b", later, later + lease)
        assert not await repo.acquire_lease(s, "scheduler", "a", later, later + lease)
        # b shuts down and releases: a takes it at once
        await repo.release_lease(s, "scheduler", "b", later + timedelta(seconds=1))
        assert await repo.acquire_lease(s, "scheduler", "a", later + timedelta(seconds=2), later + lease)


class StepClock:
    def __init__(self, now: datetime) -> None:
        self.t = now

    def now(self) -> datetime:
        return self.t


async def test_leadership_gains_loses_and_hands_over(db) -> None:
    clock = StepClock(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    events: list[str] = []
    a, b = Leadership(db, "a", 30, clock), Leadership(db, "b", 30, clock)
    a._on_gain, a._on_loss = (lambda: events.append("a+")), (lambda: events.append("a-"))
    b._on_gain, b._on_loss = (lambda: events.append("b+")), (lambda: events.append("b-"))
    a.single_process = b.single_process = False  # the lease itself, on either backend
    assert await a.try_once() and not await b.try_once()
    clock.t += timedelta(seconds=31)  # a stopped renewing (killed)
    assert await b.try_once()
    assert not await a.try_once()  # a comes back: b leads, a steps down
    assert events == ["a+", "b+", "a-"]
    assert a.role == "follower" and b.role == "leader"
    await b.stop()  # graceful: released at once
    assert await a.try_once()
    assert events == ["a+", "b+", "a-", "b-", "a+"]


# --- the web server --------------------------------------------------------------------------------
async def web_client(settings, db, clock, **kw):
    inbox, dp, bot, session = make_inbox(settings, db, clock)
    app = create_web_app(settings, db, dp, bot, inbox)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client, inbox, dp, bot, session


async def test_a_forged_webhook_request_is_refused_and_handles_nothing(service_settings, db, clock) -> None:
    client, inbox, _dp, bot, session = await web_client(service_settings, db, clock)
    try:
        body = message_update(60, ADMIN_ID, "/start")
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-0123456789"}):
            response = await client.post("/tg/hook", json=body, headers=headers)
            assert response.status in (401, 403)
        assert await rows(db) == [] and session.requests == []
        response = await client.post("/tg/hook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert response.status == 200
        (row,) = await rows(db)  # stored before the 200
        assert row.update_id == 60
        await asyncio.gather(*inbox.tasks)
        assert [r for r in session.requests if r.method == "SendMessage"]
        # shutting down: not taken (Telegram retries, on another replica)
        await inbox.stop(1)
        response = await client.post("/tg/hook", json=message_update(61, ADMIN_ID, "/help"),
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert response.status == 503
    finally:
        await client.close()
        await bot.session.close()


async def test_health_readiness_and_metrics(service_settings, db, clock) -> None:
    client, inbox, _dp, bot, _ = await web_client(service_settings, db, clock)
    try:
        assert (await client.get("/healthz")).status == 200
        response = await client.get("/readyz")
        ready = await response.json()
        assert response.status == 200, ready
        assert ready["database"] == "ok" and ready["migrations"] == "current" and ready["role"] == "follower"
        await inbox.accept([message_update(70, ADMIN_ID, "/start")])
        await asyncio.gather(*inbox.tasks)
        metrics = await (await client.get("/metrics")).text()
        assert 'teamdesk_updates_total{outcome="handled",type="message"}' in metrics
        assert "teamdesk_handler_seconds_bucket" in metrics
        assert "teamdesk_deliveries_pending 0.0" in metrics and "teamdesk_leader 0.0" in metrics
        await inbox.stop(1)
        response = await client.get("/readyz")
        assert response.status == 503 and (await response.json())["accepting_updates"] is False
    finally:
        await client.close()
        await bot.session.close()


async def test_metrics_need_the_token_when_one_is_set(service_settings, db, clock) -> None:
    settings = service_settings.model_copy(update={"metrics_token": Settings(
        _env_file=None, bot_token=BOT_TOKEN, metrics_token="metrics-token-0123456789").metrics_token})
    client, _inbox, _dp, bot, _ = await web_client(settings, db, clock)
    try:
        assert (await client.get("/metrics")).status == 401
        ok = await client.get("/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"})
        assert ok.status == 200 and "teamdesk_leader" in await ok.text()
    finally:
        await client.close()
        await bot.session.close()


# --- settings --------------------------------------------------------------------------------------
def test_webhook_mode_needs_a_secret() -> None:
    from pydantic import ValidationError

    from bot.config import format_settings_error

    with pytest.raises(ValidationError) as err:
        Settings(_env_file=None, bot_token=BOT_TOKEN, webhook_url="https://bot.example.com/hook")
    assert "WEBHOOK_SECRET is required" in format_settings_error(err.value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None, bot_token=BOT_TOKEN, webhook_url="https://x/hook", webhook_secret="short")
    s = Settings(_env_file=None, bot_token=BOT_TOKEN, webhook_url="https://x.example/tg/hook", webhook_secret=SECRET)
    assert s.webhook_path == "/tg/hook"
    assert Settings(_env_file=None, bot_token=BOT_TOKEN).webhook_url == ""  # polling by default


# --- logs ------------------------------------------------------------------------------------------
def _record(msg: str, *args) -> logging.LogRecord:
    return logging.LogRecord("teamdesk.test", logging.INFO, __file__, 1, msg, args, None)


def test_json_log_lines_carry_the_update_and_member_and_no_secret() -> None:
    settings = Settings(_env_file=None, bot_token=BOT_TOKEN, webhook_url="https://x.example/hook",
                        webhook_secret=SECRET, rating_secret="rating-secret-0123456789",
                        database_url="postgresql+asyncpg://bot:db-password-42@db/teamdesk")
    fmt = JsonFormatter(Redactor(secrets_of(settings)))
    u, m = UPDATE_ID.set(123), MEMBER_ID.set(7)
    try:
        line = fmt.format(_record("POST https://api.telegram.org/bot%s/sendMessage secret=%s rs=%s pw=%s "
                                  "phone +7 912 345-67-89, 8 (912) 345-67-89 mail anna.p@example.com",
                                  BOT_TOKEN, SECRET, "rating-secret-0123456789", "db-password-42"))
    finally:
        UPDATE_ID.reset(u)
        MEMBER_ID.reset(m)
    out = json.loads(line)
    assert set(out) >= {"time", "level", "logger", "message", "update_id", "member_id"}
    assert out["update_id"] == 123 and out["member_id"] == 7 and out["level"] == "INFO"
    for leaked in (BOT_TOKEN, BOT_TOKEN.split(":")[1], SECRET, "rating-secret-0123456789", "db-password-42",
                   "912 345-67-89", "anna.p@example.com"):
        assert leaked not in line
    # ordinary numbers stay readable
    plain = TextFormatter(Redactor())
    kept = plain.format(_record("update 2026-12-03 08:00:00 id=123456789 chat 1234567890 took 12.5 ms"))
    assert "2026-12-03 08:00:00" in kept and "123456789" in kept and "1234567890" in kept


# --- backup, restore, migrate ----------------------------------------------------------------------
@pytest.mark.skipif(bool(PG_URL), reason="SQLite online backup (PostgreSQL: test_pg_backup_and_restore)")
def test_sqlite_backup_restore_refusals(tmp_path: Path, database_url: str) -> None:
    from bot.backup import BackupError, backup, restore

    source = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
    with sqlite3.connect(source) as conn:
        conn.execute("INSERT INTO departments (name, created_at) VALUES ('Backup dept', '2026-12-01 10:00:00')")
    out = tmp_path / "copy.db"
    summary = backup(database_url, out)
    assert f"schema {_head()}" in summary
    target = tmp_path / "restored" / "teamdesk.db"
    restore(f"sqlite+aiosqlite:///{target}", out)
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM departments WHERE name = 'Backup dept'").fetchone()[0] == 1
    with pytest.raises(BackupError, match="not empty"):
        restore(f"sqlite+aiosqlite:///{target}", out)
    with sqlite3.connect(out) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(BackupError, match="newer than this code"):
        restore(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}", out)


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only")
async def test_pg_backup_and_restore(tmp_path: Path, db: Database) -> None:
    import shutil

    from bot.backup import backup, restore

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed")
    async with db.session() as s, db.writing(s):
        await s.execute(text("INSERT INTO departments (name, created_at) VALUES ('PG backup', now())"))
    out = tmp_path / "teamdesk.dump"
    await asyncio.to_thread(backup, PG_URL, out)
    async with fresh_pg_database("restore") as url:
        await asyncio.to_thread(restore, url, out)
        check = Database(url)
        async with check.session() as s:
            assert await s.scalar(text("SELECT count(*) FROM departments WHERE name = 'PG backup'")) == 1
        await check.dispose()


def test_migrate_upgrades_a_0001_database_with_data(tmp_path: Path) -> None:
    from bot.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0001")
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("INSERT INTO departments (id, name, created_at) VALUES (1, 'Old dept', '2026-01-01 10:00:00')")
        conn.execute("INSERT INTO members (telegram_id, display_name, username, role, department_id, language, "
                     "timezone, active, unreachable, created_at) VALUES (555, 'Old Admin', 'old', 'admin', 1, "
                     "'ru', NULL, 1, 0, '2026-01-01 10:00:00')")
    upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == _head()
        assert conn.execute("SELECT display_name, role FROM members WHERE telegram_id = 555").fetchone() == (
            "Old Admin", "admin")
        assert conn.execute("SELECT count(*) FROM inbound_updates").fetchone()[0] == 0


class fresh_pg_database:
    """A new, empty PostgreSQL database next to TEST_DATABASE_URL's, dropped afterwards."""

    def __init__(self, tag: str) -> None:
        from sqlalchemy.engine import make_url

        base = make_url(PG_URL)
        self.name = f"{base.database}_{tag}"
        self.admin = base.render_as_string(hide_password=False)
        self.url = base.set(database=self.name).render_as_string(hide_password=False)

    async def _exec(self, sql: str) -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(self.admin, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    async def __aenter__(self) -> str:
        await self._exec(f'DROP DATABASE IF EXISTS "{self.name}"')
        await self._exec(f'CREATE DATABASE "{self.name}"')
        return self.url

    async def __aexit__(self, *exc) -> None:
        await self._exec(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.mark.skipif(not PG_URL, reason="the advisory lock is PostgreSQL's")
async def test_two_replicas_migrating_an_empty_database_together_both_succeed() -> None:
    from bot.migrate import upgrade_in_subprocess

    async with fresh_pg_database("lock") as url:
        codes = await asyncio.gather(*(asyncio.to_thread(upgrade_in_subprocess, url) for _ in range(3)))
        assert codes == [0, 0, 0]
        check = Database(url)
        async with check.session() as s:
            assert await s.scalar(text("SELECT version_num FROM alembic_version")) == _head()
            assert await s.scalar(select(func.count()).select_from(InboundUpdate)) == 0
        await check.dispose()


# --- deployment files --------------------------------------------------------------------------------
def test_deploy_files_and_docs_match() -> None:
    import re

    repo_root = Path(__file__).resolve().parents[1]
    doc = (repo_root / "docs" / "deploy.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in (repo_root / "deploy").iterdir())
    assert files == ["Caddyfile", "Dockerfile", "docker-compose.yml", "teamdesk.service"]
    assert all(f"deploy/{name}" in doc for name in files)
    compose = (repo_root / "deploy" / "docker-compose.yml").read_text(encoding="utf-8")
    for service in ("postgres:", "redis:", "bot1:", "bot2:", "proxy:"):
        assert f"\n  {service}" in compose
    caddy = (repo_root / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "bot1:8080 bot2:8080" in caddy and "/tg/webhook" in caddy and "/tg/webhook" in compose
    assert "python -m bot run" in (repo_root / "deploy" / "teamdesk.service").read_text(encoding="utf-8")
    settings = {n.upper() for n in Settings.model_fields}
    named = set(re.findall(r"`([A-Z][A-Z_]{3,})(?:=|`)", doc)) - {"DOMAIN"}
    assert named <= settings, named - settings


async def test_claims_are_renewed_only_while_the_update_is_in_hand(service_settings, db, clock) -> None:
    inbox, dp, bot, _ = make_inbox(service_settings, db, clock)
    release = asyncio.Event()

    @dp.update.outer_middleware()
    async def slow(handler, event, data):
        if event.update_id == 80:
            await release.wait()
        return await handler(event, data)

    await inbox.accept([message_update(80, ADMIN_ID, "/start"), message_update(81, 99, "/start")])
    await asyncio.sleep(0.2)  # 81 is handled; 80 waits
    async with db.session() as s, db.writing(s):  # as if 81's mark had failed (database blip)
        await s.execute(InboundUpdate.__table__.update().where(InboundUpdate.update_id == 81).values(done_at=None))
    clock.advance(seconds=50)
    await inbox.maintain_once()
    by_id = {r.update_id: r for r in await rows(db)}
    assert by_id[80].claimed_at == clock.now()  # in hand: renewed
    assert by_id[81].claimed_at < clock.now() - timedelta(seconds=40)  # not in hand: left to expire
    release.set()
    await asyncio.gather(*inbox.tasks)
    await bot.session.close()


def test_backup_on_postgresql_without_pg_dump_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.backup as backup_module

    monkeypatch.setattr(backup_module.shutil, "which", lambda _name: None)
    with pytest.raises(backup_module.BackupError, match="pg_dump not found: install the PostgreSQL client tools"):
        backup_module.backup("postgresql+asyncpg://teamdesk:pw@db.example/teamdesk", tmp_path / "x.dump")
