"""No update lost: every update is stored before Telegram is told it arrived, handled from the store,
marked done, answered, and what a dead process left behind is handled (or answered) by the next one — each
once.

* polling (:mod:`bot.runtime`): a batch from ``getUpdates`` is stored (one transaction) before the next
  ``getUpdates`` call carries the offset that confirms it;
* webhook (:mod:`bot.web`): the update is stored before the request is answered 200 (a failed insert
  answers 500, so Telegram delivers it again).

The replica that stores an update claims it (``claimed_by``/``claimed_at``) and renews its claims every
third of ``LEADER_LEASE_SECONDS`` while it runs; :meth:`Inbox.sweep` (at start and then periodically, on
every replica) takes over unanswered updates whose claim was not renewed for two leases — their process
died — oldest first. On SQLite there is one process, so at start everything left unanswered is its own to
finish, at once.

One user's updates are handled in order: in a process they are chained per sender; across replicas an
update waits (bounded) while an earlier update of the same sender is still unhandled, and Redis event
isolation (``bot.app``) keeps two of them from running at the same time. Replays (below) are chained the
same way.

**Done: in the commit of its effects.** While an update is handled :data:`bot.db.UPDATE_COMMIT` holds its
:class:`bot.db.CommitMark`, and the update's first write transaction (``Database.writing``) also sets
``done_at`` — so its effects happen once: a process that dies before that commit leaves nothing to undo
(the update is handled again), and a transaction that finds the update already done (another replica took
it over and committed first, or this is a replay) is rolled back (``UpdateHandledElsewhere``). A handler
that writes nothing (or whose write failed) is marked done and answered after it returned, as one small
batched transaction. Later write transactions of the same update are not covered by the mark: a crash
between them loses the later ones.

**Answered: after the handler returned.** ``answered_at`` is set (batched, :class:`GroupCommit`; off the
handler's path: nothing waits for it) once the handler returned, i.e. its replies went out. A process
killed between the commit and the reply leaves the update done and unanswered. So that such an update is
answered once — neither lost nor repeated — :class:`ReplyStarted` (a request middleware of the bot's
session) records, just before the first Bot API request an update makes after its commit, that its reply
has started (:class:`ReplyMarks`: a Redis key for a day with ``REDIS_URL``, shared by the replicas;
without Redis an append-only journal file, ``os.write`` on an ``O_APPEND`` descriptor, which survives the
process's death in the page cache; rotated hourly to the ids still unanswered). The sweep, for a done and
unanswered update:

* its reply had started → it is marked answered: the answer may or may not have reached the user, it is
  never repeated;
* it had not → the update is handled again (a *replay*) and then marked answered. A replay cannot repeat
  effects: a write that reaches its commit finds the update done and is rolled back (the handler then
  says nothing: the update is just marked answered); a write keyed by ``Service.create_once`` (a one-line
  report, a plan, an invite, a lead, a task, a project, …) finds its key saved and returns the saved object,
  so the reply is the one the first handling would have sent. Requests of a replay are marked the same way.

What is left: a kill between the marker and the request's bytes leaving the process (a sub-millisecond
window; with Redis, the marker's round trip) loses that answer; a reply made of several requests whose
first one went out is not completed. Requests that change nothing the user sees (``get*``,
``sendChatAction``) do not mark. A 429 (nothing delivered) withdraws the marker while no other request of
the update may have gone out: a process killed while its reply waits out the hold leaves it to be
answered by the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, SendChatAction, TelegramMethod
from aiogram.types import Update

import bot.metrics as metrics
from bot.db import UPDATE_COMMIT, CommitMark, Database, UpdateHandledElsewhere
from bot.logs import UPDATE_ID
from models import service_repo as repo

log = logging.getLogger(__name__)

KEEP_DONE = timedelta(hours=24)  # handled rows are pruned after this long
ORDER_WAIT_SECONDS = 5.0  # how long an update waits for an earlier one of the same sender
REPLY_MARK_SECONDS = 24 * 3600  # a "reply started" marker in Redis lives a day (the rows are pruned by then)
ANSWER_BATCH_SECONDS = 0.5  # answered marks made while other updates are in hand wait this long, batched
ROTATE_SECONDS = 3600.0  # the reply journal is rotated (and the handled rows pruned) this often


def replica_id() -> str:
    """This process, for claims and the leader lease: host, pid and a random tail (a restarted pid differs)."""
    return f"{socket.gethostname()[:32]}-{os.getpid()}-{secrets.token_hex(3)}"


def sender_of(payload: dict[str, Any]) -> int | None:
    """Whose update this is (the user, else the chat): their updates are handled in order."""
    for key, value in payload.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        user = value.get("from") or value.get("user")
        if isinstance(user, dict) and isinstance(user.get("id"), int):
            return user["id"]
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return chat["id"]
    return None


def update_type(payload: dict[str, Any]) -> str:
    return next((k for k in payload if k != "update_id"), "unknown")


# --- "the reply has started": the marker that keeps a reply from being repeated -------------------------
class ReplyMarks:
    """Where "the reply of update N has started" is kept. This base keeps it in memory (a process's own
    tests; an in-memory SQLite database does not outlive the process either)."""

    def __init__(self) -> None:
        self._ids: set[int] = set()

    async def note(self, update_id: int) -> None:
        self._ids.add(update_id)

    async def retract(self, update_id: int) -> None:
        """The request was refused before anything was delivered (429): its reply has not started."""
        self._ids.discard(update_id)

    async def started(self, update_ids: list[int]) -> set[int]:
        return self._ids.intersection(update_ids)

    async def rotate(self, unanswered: Callable[[list[int]], Awaitable[set[int]]]) -> None:
        self._ids &= await unanswered(sorted(self._ids))

    async def close(self) -> None:
        return None


class ReplyJournal(ReplyMarks):
    """An append-only file of update ids, one a line: ``os.write`` on an ``O_APPEND`` descriptor is in the
    page cache when it returns, so it survives ``kill -9`` of the process (not a crash of the machine, which
    loses the inbox's own recent commits too with ``synchronous=NORMAL``). One process writes it (SQLite, or
    PostgreSQL without Redis). :meth:`rotate` rewrites it with the ids still unanswered."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    async def note(self, update_id: int) -> None:
        os.write(self._fd, b"%d\n" % update_id)  # a few microseconds, no thread hand-off

    async def retract(self, update_id: int) -> None:
        os.write(self._fd, b"-%d\n" % update_id)

    def _read(self) -> set[int]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return set()
        ids: set[int] = set()
        for line in data.split(b"\n"):
            if line.isdigit():
                ids.add(int(line))
            elif line[:1] == b"-" and line[1:].isdigit():
                ids.discard(int(line[1:]))
        return ids

    async def started(self, update_ids: list[int]) -> set[int]:
        return self._read().intersection(update_ids)

    async def rotate(self, unanswered: Callable[[list[int]], Awaitable[set[int]]]) -> None:
        before = self._read()
        keep = await unanswered(sorted(before)) if before else set()
        # from here on nothing awaits: no note can come between the read and the swap
        keep |= self._read() - before
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_bytes(b"".join(b"%d\n" % uid for uid in sorted(keep)))
        os.replace(tmp, self.path)
        old, self._fd = self._fd, os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.close(old)

    async def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)


class RedisReplyMarks(ReplyMarks):
    """A key per update in Redis (``REDIS_URL``), for a day: every replica sees what every other marked."""

    def __init__(self, redis: Any, bot_id: int) -> None:
        super().__init__()
        self.redis = redis
        self.prefix = f"teamdesk:reply-started:{bot_id}:"

    @classmethod
    def from_url(cls, url: str, bot_id: int) -> RedisReplyMarks:
        from redis.asyncio import Redis

        return cls(Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2), bot_id)

    async def note(self, update_id: int) -> None:
        await self.redis.set(f"{self.prefix}{update_id}", b"1", ex=REPLY_MARK_SECONDS)

    async def retract(self, update_id: int) -> None:
        await self.redis.delete(f"{self.prefix}{update_id}")

    async def started(self, update_ids: list[int]) -> set[int]:
        if not update_ids:
            return set()
        found = await self.redis.mget([f"{self.prefix}{uid}" for uid in update_ids])
        return {uid for uid, value in zip(update_ids, found, strict=True) if value is not None}

    async def rotate(self, unanswered: Callable[[list[int]], Awaitable[set[int]]]) -> None:
        return None  # the keys expire

    async def close(self) -> None:
        await self.redis.aclose()


def reply_marks_for(database_url: str, redis_url: str, bot_id: int) -> ReplyMarks:
    """Redis when configured (several replicas share it); else a journal next to the SQLite file, or in
    ``data/`` for PostgreSQL without Redis (one process); in memory for an in-memory SQLite database."""
    if redis_url:
        return RedisReplyMarks.from_url(redis_url, bot_id)
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
            return ReplyMarks()
        path = Path(f"{url.database}.replies").expanduser()
    else:
        path = Path("data") / f"replies-{url.database or 'teamdesk'}.journal"
    try:
        return ReplyJournal(path)
    except OSError as exc:  # a read-only folder: the bot runs, a reply cut by a kill may be lost or repeated
        log.warning("reply journal %s not writable (%s): reply markers kept in memory only", path, exc.strerror)
        return ReplyMarks()


class ReplyTrack:
    """The update a task is handling, for :class:`ReplyStarted` (in :data:`REPLYING`)."""

    __slots__ = ("_noting", "commit", "flying", "maybe_delivered", "noted", "open", "replay", "update_id")

    def __init__(self, update_id: int, commit: CommitMark, replay: bool) -> None:
        self.update_id = update_id
        self.commit = commit
        self.replay = replay  # handled again after a restart: every commit refused, every request marked
        self.noted = False
        self.flying = 0  # its requests on their way now
        self.maybe_delivered = False  # one of its requests ended otherwise than by a 429
        self.open = True  # closed when the handler returned (tasks it started no longer mark)
        self._noting: asyncio.Event | None = None

    async def reply_starts(self, marks: ReplyMarks) -> None:
        if self._noting is not None:  # a concurrent request of the same update is writing it
            await self._noting.wait()
            return
        self._noting = asyncio.Event()
        try:
            await marks.note(self.update_id)
        except Exception as exc:  # (Redis down) the reply matters more than the marker
            log.warning("update %s: the reply's start not recorded (%s); answering anyway",
                        self.update_id, type(exc).__name__)
        finally:
            self.noted = True
            self._noting.set()

    async def reply_refused(self, marks: ReplyMarks) -> None:
        """A 429: nothing was delivered. The marker is withdrawn (the retry writes it again), so a process
        killed while it waits to retry leaves the update to be answered by the next one."""
        if not self.noted or self._noting is None or self.flying or self.maybe_delivered:
            return  # (another of its requests may have been delivered: the marker stays)
        await self._noting.wait()
        self.noted, self._noting = False, None
        try:
            await marks.retract(self.update_id)
        except Exception as exc:
            log.warning("update %s: the reply's marker not withdrawn (%s)", self.update_id, type(exc).__name__)


#: set by the inbox while it handles an update (a task's own copy)
REPLYING: contextvars.ContextVar[ReplyTrack | None] = contextvars.ContextVar("replying", default=None)


class ReplyStarted(BaseRequestMiddleware):
    """Bot API request middleware: before the first request an update makes after its effects were
    committed (or in a replay), record that its reply started. Everything else passes untouched."""

    def __init__(self, marks: ReplyMarks) -> None:
        self.marks = marks

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod) -> Any:
        track = REPLYING.get()
        if track is None:
            return await make_request(bot, method)
        armed = track.open and (track.commit.done or track.replay) \
            and not (method.__api_method__.startswith("get") or isinstance(method, SendChatAction))
        if armed and not track.noted:
            await track.reply_starts(self.marks)
        track.flying += armed
        refused = False
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter:
            refused = True
            raise
        except TelegramBadRequest:
            # a replayed callback query is too old to answer (Telegram allows seconds): the rest goes on
            if track.replay and isinstance(method, AnswerCallbackQuery):
                log.info("update %s: the callback query is too old to answer after the restart", track.update_id)
                return True
            raise
        finally:
            if armed:
                track.flying -= 1
                if not refused:
                    track.maybe_delivered = True
                elif track.noted:
                    await track.reply_refused(self.marks)


class GroupCommit:
    """Calls that arrive while a flush runs are flushed together by the next one: one transaction for
    many webhook requests (or many handled updates) instead of one each, without waiting on a timer."""

    def __init__(self, flush: Callable[[list], Awaitable[Any]]) -> None:
        self.flush = flush
        self.pending: list[tuple[list, asyncio.Future]] = []
        self.running = False
        self._task: asyncio.Task | None = None

    async def submit(self, items: list) -> Any:
        return await self.post(items)

    def post(self, items: list) -> asyncio.Future:
        """Queue ``items`` for the next flush without waiting for it: the future tells how it went."""
        future = asyncio.get_running_loop().create_future()
        self.pending.append((items, future))
        if not self.running:
            self.running = True
            self._task = asyncio.create_task(self._drain())
        return future

    async def idle(self, within: float | None = None) -> None:
        """Wait (bounded) until everything queued was flushed."""
        while self._task is not None and not self._task.done():
            _done, pending = await asyncio.wait({self._task}, timeout=within)
            if pending:
                return

    async def _drain(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                try:
                    result = await self.flush([item for items, _ in batch for item in items])
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    for _, future in batch:
                        if not future.done():
                            future.set_result(result)
        finally:
            self.running = False


class Inbox:
    def __init__(self, db: Database, dispatcher: Dispatcher, bot: Bot, *, me: str, lease_seconds: float,
                 clock: Any, single_process: bool, replies: ReplyMarks | None = None) -> None:
        self.db = db
        self.dp = dispatcher
        self.bot = bot
        self.me = me
        self.lease = timedelta(seconds=lease_seconds)
        # a claim not renewed for two leases belongs to a dead process (renewed every third of a lease)
        self.claim_ttl = 2 * self.lease
        self.clock = clock
        self.single_process = single_process
        self.tasks: set[asyncio.Task] = set()
        self._last_of: dict[int, asyncio.Task] = {}  # sender -> their latest task in this process
        self._accepting = True
        self._maintain_task: asyncio.Task | None = None
        self._last_prune: float | None = None
        self._started: set[int] = set()  # updates being handled here
        self.started_total = 0  # updates taken in hand since start (bot.runtime.trim_when_idle watches it)
        self._stores = GroupCommit(self._store)
        self._marks = GroupCommit(self._mark)
        self._answering: set[int] = set()  # handled here, the answered mark not written yet
        self._to_answer: list[int] = []  # of those, the ones not posted to ``_marks`` yet
        self._answer_timer: asyncio.TimerHandle | None = None
        self.answer_delay = ANSWER_BATCH_SECONDS
        self.replies = replies if replies is not None else ReplyMarks()
        if not any(isinstance(m, ReplyStarted) for m in bot.session.middleware):
            bot.session.middleware(ReplyStarted(self.replies))

    # --- taking updates in ------------------------------------------------------------------------
    async def accept(self, updates: Iterable[dict[str, Any]]) -> int:
        """Store ``updates`` (raw dicts) and start handling those stored now; returns how many were new.
        Raises when the database refuses: the caller must not confirm them to Telegram. Concurrent calls
        (webhook requests) are stored together, in one transaction (group commit)."""
        by_id = {int(u["update_id"]): u for u in updates}
        if not by_id:
            return 0
        rows = [(uid, json.dumps(u, ensure_ascii=False, separators=(",", ":")), sender_of(u))
                for uid, u in sorted(by_id.items())]
        stored = await self._stores.submit(rows)
        new = [uid for uid in by_id if uid in stored and uid not in self._started]
        for uid in sorted(new):
            self._start(uid, by_id[uid])
        return len(new)

    async def _store(self, rows: list[tuple[int, str, int | None]]) -> set[int]:
        unique = sorted({r[0]: r for r in rows}.values())
        async with self.db.session() as session, self.db.writing(session):
            return set(await repo.store(session, unique, self.me, self.clock.now()))

    async def _mark_in(self, update_id: int, session: Any) -> bool:
        return await repo.mark_done_if_open(session, update_id, self.clock.now())

    async def _mark(self, update_ids: list[int]) -> None:
        async with self.db.session() as session, self.db.writing(session):
            await repo.mark_done(session, sorted(set(update_ids)), self.clock.now())

    def _start(self, update_id: int, payload: dict[str, Any], replay: bool = False) -> asyncio.Task:
        sender = sender_of(payload)
        before = self._last_of.get(sender) if sender is not None else None
        task = asyncio.create_task(self._handle(update_id, payload, sender, before, replay),
                                   name=f"update-{update_id}")
        self.started_total += 1
        self._started.add(update_id)
        task.add_done_callback(lambda _t, u=update_id: self._started.discard(u))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        if sender is not None:
            self._last_of[sender] = task
            task.add_done_callback(lambda t, s=sender: self._last_of.get(s) is t and self._last_of.pop(s))
        return task

    @property
    def accepting(self) -> bool:
        return self._accepting

    # --- handling -----------------------------------------------------------------------------------
    async def _handle(self, update_id: int, payload: dict[str, Any], sender: int | None,
                      before: asyncio.Task | None, replay: bool = False) -> None:
        UPDATE_ID.set(update_id)  # on the log lines of this update (LOG_FORMAT=json)
        if before is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(before)
        if sender is not None and not self.single_process:
            await self._wait_for_earlier(sender, update_id)
        kind = update_type(payload)
        started = time.perf_counter()
        outcome = "error"
        mark = CommitMark(update_id, lambda session: self._mark_in(update_id, session))
        token = UPDATE_COMMIT.set(mark)  # the handler's first commit marks the update done (bot.db)
        track = ReplyTrack(update_id, mark, replay)
        replying = REPLYING.set(track)  # its first request after that commit marks the reply started
        try:
            update = Update.model_validate(payload, context={"bot": self.bot})
            result = await self.dp.feed_update(self.bot, update)
            if isinstance(result, TelegramMethod):
                await self.dp.silent_call_request(bot=self.bot, result=result)
            outcome = "unhandled" if result is UNHANDLED else "handled"
        except asyncio.CancelledError:
            raise
        except UpdateHandledElsewhere:
            log.info("update %s was handled by another replica; this handling rolled back", update_id)
        except Exception:
            log.exception("update %s failed", update_id)
        finally:
            UPDATE_COMMIT.reset(token)
            REPLYING.reset(replying)
            committed, mark.done = mark.done, True  # (tasks the handler started no longer carry the mark)
            track.open = False
            metrics.HANDLER_SECONDS.observe(time.perf_counter() - started)
            metrics.UPDATES.labels(type=kind, outcome=outcome).inc()
        if committed or replay:
            self._answered(update_id)  # done in the handler's commit (or before the restart): now answered
        elif mark.refused:
            pass  # done by another replica, which answers it (or, if it died, the sweep does)
        else:
            await self._mark_done(update_id)  # wrote nothing: done and answered

    def _answered(self, *update_ids: int) -> None:
        """Mark updates answered, batched: at once when nothing else is in hand, else within
        ``answer_delay`` (a burst: one small write for many). Nothing waits for it (the handler's path, and
        the sender's next update, go on). If it fails the rows stay unanswered: the sweep finds the replies'
        markers after two leases and marks them then."""
        self._answering.update(update_ids)
        self._to_answer.extend(update_ids)
        current = asyncio.current_task()
        if all(t is current or t.done() for t in self.tasks):
            self._flush_answered()
        elif self._answer_timer is None:
            self._answer_timer = asyncio.get_running_loop().call_later(self.answer_delay, self._flush_answered)

    def _flush_answered(self) -> None:
        if self._answer_timer is not None:
            self._answer_timer.cancel()
            self._answer_timer = None
        ids, self._to_answer = self._to_answer, []
        if not ids:
            return

        def done(future: asyncio.Future) -> None:
            self._answering.difference_update(ids)
            if not future.cancelled() and future.exception() is not None:
                log.warning("%d update(s) answered but not marked so: %s", len(ids), type(future.exception()).__name__)

        self._marks.post(ids).add_done_callback(done)

    async def flushed(self, within: float | None = None) -> None:
        """Write the answered marks queued so far and wait (bounded) until they are written."""
        self._flush_answered()
        await self._marks.idle(within)

    async def _wait_for_earlier(self, sender: int, update_id: int) -> None:
        """Wait (bounded) while an earlier update of ``sender`` is unhandled on another replica (one in this
        process is already ahead of this one in the sender's chain, or queued behind it: not waited for)."""
        deadline = time.monotonic() + ORDER_WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                async with self.db.session() as session:
                    earlier = await repo.earlier_unhandled(session, sender, update_id)
            except Exception:  # the handler will meet (and report) the outage
                return
            mine = {t.get_name() for t in self.tasks}
            if all(f"update-{uid}" in mine for uid in earlier):
                return
            await asyncio.sleep(0.05)
        log.warning("update %s: an earlier update of the same user is still unhandled after %.0f s; going on",
                    update_id, ORDER_WAIT_SECONDS)

    async def _mark_done(self, update_id: int) -> None:
        for attempt in range(3):
            try:
                await self._marks.submit([update_id])
                return
            except Exception as exc:
                if attempt == 2:
                    # stays claimed: after the claim expires a replica handles it again
                    log.error("update %s handled but not marked done: %s", update_id, type(exc).__name__)
                    return
                await asyncio.sleep(0.5 * (attempt + 1))

    # --- what others (or a previous run) left -------------------------------------------------------
    async def sweep(self, *, everything: bool = False, wait: bool = True) -> int:
        """Take over unhandled updates whose claim expired (``everything``: all unhandled ones, for the
        single process at start) and handle them in order (``wait``: until handled). Returns how many
        were taken."""
        taken = 0
        while self._accepting:
            now = self.clock.now()
            stale_before = now + timedelta(days=1) if everything else now - self.claim_ttl
            mine = {t.get_name() for t in self.tasks} | {f"update-{uid}" for uid in self._answering}
            async with self.db.session() as session, self.db.writing(session):
                rows = await repo.claimable(session, stale_before)
                claimed = []
                for row in rows:
                    if f"update-{row.update_id}" in mine:
                        continue
                    if await repo.claim(session, row.update_id, self.me, now, stale_before):
                        claimed.append((row.update_id, json.loads(row.payload), row.done_at is not None))
            if not claimed:
                break
            done = [uid for uid, _payload, was_done in claimed if was_done]
            try:
                replied, later = await self.replies.started(done), set()
            except Exception as exc:  # unknown: neither repeat nor drop; claimed, so tried again in two leases
                log.warning("inbox: the reply markers could not be read (%s); later", type(exc).__name__)
                replied, later = set(), set(done)
            if replied:  # their answer was on its way when the process died: never repeated
                self._answered(*sorted(replied))
            todo = [c for c in claimed if c[0] not in replied and c[0] not in later]
            replays = sum(1 for c in todo if c[2])
            log.info("inbox: %d update(s) left unanswered: %d to handle, %d to answer (handled before, the answer "
                     "not sent), %d whose answer had started", len(claimed), len(todo) - replays, replays,
                     len(replied))
            started = [self._start(uid, payload, replay=was_done) for uid, payload, was_done in todo]
            taken += len(claimed)
            if not wait:
                break
            await asyncio.gather(*started, return_exceptions=True)
            if len(rows) < 100:
                break
        return taken

    async def maintain_once(self) -> None:
        now = self.clock.now()
        async with self.db.session() as session, self.db.writing(session):
            in_hand = [int(t.get_name().removeprefix("update-")) for t in self.tasks
                       if not t.done() and t.get_name().startswith("update-")]
            await repo.renew_claims(session, self.me, in_hand, now)
            rotate = self._last_prune is None or time.monotonic() - self._last_prune > ROTATE_SECONDS
            if rotate:
                self._last_prune = time.monotonic()
                pruned = await repo.prune(session, now - KEEP_DONE)
                if pruned:
                    log.info("inbox: pruned %d handled update(s)", pruned)
        if rotate:
            await self._rotate_replies()
        # (never waits for handlers: the claims above must be renewed on time)
        await self.sweep(wait=False)
        async with self.db.session() as session:
            metrics.INBOX_PENDING.set(await repo.unhandled_count(session))

    async def _rotate_replies(self) -> None:
        """Keep only the reply markers of updates still unanswered (the journal does not grow forever)."""
        async def unanswered(update_ids: list[int]) -> set[int]:
            async with self.db.session() as session:
                return await repo.unanswered_among(session, update_ids)

        try:
            await self.replies.rotate(unanswered)
        except Exception as exc:
            log.warning("inbox: the reply journal was not rotated: %s", type(exc).__name__)

    async def _maintain(self) -> None:
        interval = max(0.5, self.lease.total_seconds() / 3)
        while self._accepting:
            await asyncio.sleep(interval)
            try:
                await self.maintain_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("inbox maintenance failed: %s", type(exc).__name__)

    def start(self) -> None:
        if self._maintain_task is None:
            self._maintain_task = asyncio.create_task(self._maintain())

    async def stop(self, grace: float) -> bool:
        """Take nothing new; let the updates in hand finish (bounded). True if none was left."""
        self._accepting = False
        if self._maintain_task is not None:
            self._maintain_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maintain_task
        tasks = [t for t in self.tasks if not t.done()]
        if not tasks:
            await self.flushed(grace)
            return True
        _done, pending = await asyncio.wait(tasks, timeout=grace)
        if pending:
            log.warning("shutdown: %d update(s) still being handled after %.0f s (handled again by the next "
                        "process)", len(pending), grace)
            for task in pending:
                task.cancel()
        else:
            await self.flushed(grace)  # (if not written, the next process finds the markers)
        return not pending
