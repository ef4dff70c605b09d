"""No update lost: every update is stored before Telegram is told it arrived, handled from the store,
marked done, and what a dead process left behind is handled by the next one — each once.

* polling (:mod:`bot.runtime`): a batch from ``getUpdates`` is stored (one transaction) before the next
  ``getUpdates`` call carries the offset that confirms it;
* webhook (:mod:`bot.web`): the update is stored before the request is answered 200 (a failed insert
  answers 500, so Telegram delivers it again).

The replica that stores an update claims it (``claimed_by``/``claimed_at``) and renews its claims every
third of ``LEADER_LEASE_SECONDS`` while it runs; :meth:`Inbox.sweep` (at start and then periodically, on
every replica) takes over updates whose claim was not renewed for two leases — their process died —
oldest first. On SQLite there is one process, so at start everything left unhandled is its own to finish,
at once.

One user's updates are handled in order: in a process they are chained per sender; across replicas an
update waits (bounded) while an earlier update of the same sender is still unhandled, and Redis event
isolation (``bot.app``) keeps two of them from running at the same time.

An update is marked done in the same commit as its effects: while it is handled :data:`bot.db.UPDATE_COMMIT`
holds its :class:`bot.db.CommitMark`, and the update's first write transaction (``Database.writing``) also
sets ``done_at`` — so a process that dies after that commit leaves the update done (not handled again: its
effects happen once; the reply, sent after the commit, is lost rather than repeated), and one that dies
before it leaves nothing to undo. A transaction that finds the update already done (another replica took
it over and committed first) is rolled back. A handler that writes nothing (or whose write failed) is
marked done after it returned, as its own small transaction (a failure is answered and logged, never
retried forever). Later write transactions of the same update are not covered by the mark: a crash between
them loses the later ones. Idempotency keys (``Service.create_once``) still make a unit, a plan, a
project or an invite unique per form.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.methods import TelegramMethod
from aiogram.types import Update

import bot.metrics as metrics
from bot.db import UPDATE_COMMIT, CommitMark, Database, UpdateHandledElsewhere
from bot.logs import UPDATE_ID
from models import service_repo as repo

log = logging.getLogger(__name__)

KEEP_DONE = timedelta(hours=24)  # handled rows are pruned after this long
ORDER_WAIT_SECONDS = 5.0  # how long an update waits for an earlier one of the same sender


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


class GroupCommit:
    """Calls that arrive while a flush runs are flushed together by the next one: one transaction for
    many webhook requests (or many handled updates) instead of one each, without waiting on a timer."""

    def __init__(self, flush: Callable[[list], Awaitable[Any]]) -> None:
        self.flush = flush
        self.pending: list[tuple[list, asyncio.Future]] = []
        self.running = False
        self._task: asyncio.Task | None = None

    async def submit(self, items: list) -> Any:
        future = asyncio.get_running_loop().create_future()
        self.pending.append((items, future))
        if not self.running:
            self.running = True
            self._task = asyncio.create_task(self._drain())
        return await future

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
                 clock: Any, single_process: bool) -> None:
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
        self._stores = GroupCommit(self._store)
        self._marks = GroupCommit(self._mark)

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

    def _start(self, update_id: int, payload: dict[str, Any]) -> asyncio.Task:
        sender = sender_of(payload)
        before = self._last_of.get(sender) if sender is not None else None
        task = asyncio.create_task(self._handle(update_id, payload, sender, before), name=f"update-{update_id}")
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
                      before: asyncio.Task | None) -> None:
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
            committed, mark.done = mark.done, True  # (tasks the handler started no longer carry the mark)
            metrics.HANDLER_SECONDS.observe(time.perf_counter() - started)
            metrics.UPDATES.labels(type=kind, outcome=outcome).inc()
        if not committed:
            await self._mark_done(update_id)

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
            mine = {t.get_name() for t in self.tasks}
            async with self.db.session() as session, self.db.writing(session):
                rows = await repo.claimable(session, stale_before)
                claimed = []
                for row in rows:
                    if f"update-{row.update_id}" in mine:
                        continue
                    if await repo.claim(session, row.update_id, self.me, now, stale_before):
                        claimed.append((row.update_id, json.loads(row.payload)))
            if not claimed:
                break
            log.info("inbox: handling %d update(s) left unhandled", len(claimed))
            started = [self._start(uid, payload) for uid, payload in claimed]
            taken += len(claimed)
            if not wait:
                break
            await asyncio.gather(*started, return_exceptions=True)
            if len(claimed) < 100:
                break
        return taken

    async def maintain_once(self) -> None:
        now = self.clock.now()
        async with self.db.session() as session, self.db.writing(session):
            in_hand = [int(t.get_name().removeprefix("update-")) for t in self.tasks
                       if not t.done() and t.get_name().startswith("update-")]
            await repo.renew_claims(session, self.me, in_hand, now)
            if self._last_prune is None or time.monotonic() - self._last_prune > 3600:
                self._last_prune = time.monotonic()
                pruned = await repo.prune(session, now - KEEP_DONE)
                if pruned:
                    log.info("inbox: pruned %d handled update(s)", pruned)
        # (never waits for handlers: the claims above must be renewed on time)
        await self.sweep(wait=False)
        async with self.db.session() as session:
            metrics.INBOX_PENDING.set(await repo.unhandled_count(session))

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
            return True
        _done, pending = await asyncio.wait(tasks, timeout=grace)
        if pending:
            log.warning("shutdown: %d update(s) still being handled after %.0f s (handled again by the next "
                        "process)", len(pending), grace)
            for task in pending:
                task.cancel()
        return not pending
