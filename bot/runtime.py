"""``python -m bot run``: one replica's life — start-up, taking updates (long polling, or a webhook when
``WEBHOOK_URL`` is set), the web server (health, readiness, metrics), and the graceful shutdown.

Updates go through the inbox (:mod:`bot.inbox`): polling stores each ``getUpdates`` batch before the next
call confirms it (aiogram's own polling confirms a batch before its updates are handled), and the webhook
stores each update before answering 200.

SIGTERM (or SIGINT): stop taking updates (the long poll is cancelled, its batch was not confirmed; the
webhook answers 503 so Telegram retries on another replica), let the updates in hand finish within
``SHUTDOWN_SECONDS`` (what is left stays in the inbox for the next process), stop the scheduler if this
replica leads and release the lease, let the sends in flight finish, exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import signal
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import GetUpdates

from bot.config import Settings
from bot.db import Database
from bot.inbox import Inbox, reply_marks_for
from bot.web import create_web_app, start_web

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds a getUpdates call waits for updates
IDLE_CHECK_SECONDS = 0.5  # how often trim_when_idle looks whether the bot went idle


async def serve(settings: Settings, check_telegram: Callable[[Bot, Settings], Awaitable[None]]) -> int:
    from bot.app import create_bot, create_dispatcher
    from bot.services.stats import ensure_timezone

    db = Database(settings.database_url)
    await ensure_timezone(db, settings)  # counters computed in another TIMEZONE are recomputed
    bot = create_bot(settings)
    dp = create_dispatcher(settings, db)
    runner = None
    replies = None
    try:
        await check_telegram(bot, settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        leadership = dp.workflow_data["leadership"]
        # "the reply has started" markers: Redis, or a journal next to the SQLite file (bot.inbox)
        replies = reply_marks_for(settings.database_url, settings.redis_url, bot.id)
        inbox = Inbox(db, dp, bot, me=leadership.me, lease_seconds=settings.leader_lease_seconds,
                      clock=dp.workflow_data["clock"], single_process=db.is_sqlite, replies=replies)
        dp.workflow_data["inbox"] = inbox
        workflow = {"dispatcher": dp, "bots": (bot,), **dp.workflow_data}
        await dp.emit_startup(bot=bot, **workflow)
        try:
            if settings.web_port:
                runner = await start_web(create_web_app(settings, db, dp, bot, inbox), settings.web_host,
                                         settings.web_port)
            # what the last run (or, past its lease, a dead replica) left unhandled or unanswered, before
            # anything new; the claims it takes are renewed meanwhile (maintenance first), else another
            # replica would take them over while they wait for their sender's earlier updates
            inbox.start()
            left = await inbox.sweep(everything=db.is_sqlite)
            if left:
                log.info("inbox: %d update(s) left by the previous run handled", left)
            trimmer = asyncio.create_task(trim_when_idle(inbox, malloc_trim()))
            allowed = dp.resolve_used_update_types()
            if settings.webhook_url:
                assert settings.webhook_secret is not None
                await bot.set_webhook(url=settings.webhook_url, secret_token=settings.webhook_secret.get_secret_value(),
                                      allowed_updates=allowed, max_connections=settings.webhook_max_connections)
                log.info("webhook mode: Telegram posts updates to %s", settings.webhook_url)
                await stop.wait()
            else:
                await bot.delete_webhook(drop_pending_updates=False)  # (a webhook left set refuses getUpdates)
                log.info("polling mode")
                poller = asyncio.create_task(poll(bot, inbox, allowed))
                stopper = asyncio.create_task(stop.wait())
                await asyncio.wait({poller, stopper}, return_when=asyncio.FIRST_COMPLETED)
                for task in (poller, stopper):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            trimmer.cancel()
            log.info("stopping: no new updates; finishing the %d in hand (up to %.0f s)",
                     sum(not t.done() for t in inbox.tasks), settings.shutdown_seconds)
            await inbox.stop(settings.shutdown_seconds)
        finally:
            await dp.emit_shutdown(bot=bot, **workflow)
    finally:
        if runner is not None:
            await runner.cleanup()
        await dp.storage.close()
        await dp.fsm.events_isolation.close()
        await bot.session.close()
        if replies is not None:
            await replies.close()
        await db.dispose()
    log.info("stopped")
    return 0


def malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (``None`` where the C library has none: musl, macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


async def trim_when_idle(inbox: Inbox, trim: Callable[[int], int] | None, every: float = IDLE_CHECK_SECONDS) -> None:
    """Give the heap memory freed while updates were handled back to the OS once the bot is idle again.

    glibc keeps freed memory in its arenas (one per thread that allocated: the event loop, the SQLite
    driver's thread, the executor's) for reuse, so a burst leaves the resident size at its peak; an idle
    bot calls ``malloc_trim(0)`` after the start and after each busy spell (in a thread: it walks the
    heap without the GIL). docs/performance.md, "Memory"."""
    if trim is None:
        return
    seen = -1
    while True:
        if inbox.started_total != seen and not any(not t.done() for t in inbox.tasks):
            seen = inbox.started_total
            await asyncio.to_thread(trim, 0)
        await asyncio.sleep(every)


async def poll(bot: Bot, inbox: Inbox, allowed: list[str]) -> None:
    """Long polling that confirms nothing unstored: a batch is stored in the inbox before the next
    ``getUpdates`` carries the offset past it; a batch the database refused is fetched again."""
    offset: int | None = None
    failures = 0
    while True:
        try:
            updates = await bot(GetUpdates(offset=offset, timeout=POLL_TIMEOUT, allowed_updates=allowed),
                                request_timeout=POLL_TIMEOUT + 30)
        except TelegramRetryAfter as exc:
            await asyncio.sleep(exc.retry_after)
            continue
        except (TelegramNetworkError, TelegramAPIError) as exc:
            failures += 1
            log.warning("getUpdates failed (%s); retrying", type(exc).__name__)
            await asyncio.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)))
            continue
        failures = 0
        if not updates:
            continue
        raw = [u.model_dump(mode="json", by_alias=True, exclude_none=True) for u in updates]
        while True:
            try:
                await inbox.accept(raw)
                break
            except Exception as exc:  # not stored: not confirmed; try again (the outage is logged once)
                failures += 1
                log.error("updates %s..%s not stored (%s); retrying", raw[0]["update_id"], raw[-1]["update_id"],
                          type(exc).__name__)
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)))
        failures = 0
        offset = updates[-1].update_id + 1
