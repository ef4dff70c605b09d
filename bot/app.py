"""Assembly: the one :func:`create_dispatcher` used by ``python -m bot`` and by the tests."""

from __future__ import annotations

import gc
import logging
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import LinkPreviewOptions
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from bot.clock import Clock
from bot.commands import set_member_commands, setup_default_commands
from bot.config import Settings
from bot.db import Database
from bot.health import Outage
from bot.i18n import Catalog, member_language
from bot.inbox import replica_id
from bot.leader import Leadership
from bot.middlewares import (
    AccessMiddleware,
    ContextMiddleware,
    PrivateChatsOnly,
    UserErrorMiddleware,
    on_error,
)
from bot.sender import BindSender, Sender, SharedLimits
from bot.services import build_services
from bot.telegram import RetryAfter
from handlers import create_routers
from scheduler.render_pool import ChartRenderer

log = logging.getLogger(__name__)


def create_bot(settings: Settings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(RetryAfter())
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        # link_preview (not link_preview_is_disabled, which also sends the removed
        # disable_web_page_preview parameter)
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview=LinkPreviewOptions(is_disabled=True)),
    )


def create_storage(settings: Settings) -> BaseStorage:
    """Conversation state: in memory by default; in Redis (JSON) when ``REDIS_URL`` is set, so a
    half-filled form survives a restart."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        # a half-filled form (e.g. an anonymous rating draft) is forgotten after FORM_TTL_HOURS
        ttl = settings.form_ttl_hours * 3600
        return RedisStorage.from_url(settings.redis_url, state_ttl=ttl, data_ttl=ttl)
    return MemoryStorage()


def _is_redis_storage(storage: BaseStorage) -> bool:
    # without REDIS_URL nothing imported redis (3 MiB): the storage cannot be a RedisStorage
    module = sys.modules.get("aiogram.fsm.storage.redis")
    return module is not None and isinstance(storage, module.RedisStorage)


def create_dispatcher(
    settings: Settings,
    db: Database,
    *,
    clock: Clock | None = None,
    storage: BaseStorage | None = None,
    catalog: Catalog | None = None,
) -> Dispatcher:
    clock = clock or Clock()
    catalog = catalog or Catalog()
    storage = storage or create_storage(settings)
    # two updates of one user never run at once, across replicas too (Redis lock per user and chat)
    isolation = storage.create_isolation() if _is_redis_storage(storage) else None
    dp = Dispatcher(storage=storage, events_isolation=isolation)
    # the chart renderer is owned by the app: created here (cheap, nothing started),
    # started on start-up, shut down on shutdown
    renderer = ChartRenderer(settings.chart_workers, mode=settings.chart_mode)  # type: ignore[arg-type]
    # the one sender of the process (bot/sender.py): handlers' notifications, /digest, jobs, campaigns;
    # bound to the bot on start-up (or by the first update)
    # with REDIS_URL every replica's Sender shares the token's limits and 429 holds through Redis
    shared = SharedLimits.from_url(settings.redis_url, rate=settings.send_rate,
                                   chat_interval=settings.send_chat_interval) if settings.redis_url else None
    sender = Sender(None, db, rate=settings.send_rate, chat_interval=settings.send_chat_interval, shared=shared)
    dp.workflow_data.update(settings=settings, db=db, clock=clock, catalog=catalog, renderer=renderer,
                            scheduler=None, digest_busy=set(), outage=Outage(), sender=sender,
                            leadership=Leadership(db, replica_id(), settings.leader_lease_seconds, clock))

    dp.update.outer_middleware(BindSender(sender))
    dp.message.outer_middleware(PrivateChatsOnly())
    dp.update.outer_middleware(ContextMiddleware(db, settings, clock, catalog))
    # inner middlewares apply to every nested router; order: answer callbacks last,
    # turn user errors into replies/alerts, then check access
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    for observer in (dp.message, dp.callback_query):
        observer.middleware(UserErrorMiddleware())
        observer.middleware(AccessMiddleware())

    dp.include_routers(*create_routers())
    inline_sync_filters(dp)
    dp.errors.register(on_error)
    dp.startup.register(_on_startup)
    dp.startup.register(_start_scheduler)
    dp.shutdown.register(_stop_scheduler)
    return dp


def inline_sync_filters(dp: Dispatcher) -> int:
    """Evaluate the filters that are not coroutines in the event loop.

    aiogram calls a filter that is not a coroutine through ``asyncio.to_thread``: magic filters
    (``F.text``, ``F.forward_origin``: their ``resolve`` is a plain method), states used as filters and
    plain predicates. Every update tried against one went to a worker thread and back (one hand-off
    per one-line report before its router was reached, waiting for a core on a loaded machine). The
    project's filters are predicates on the update (attribute lookups, a split of the text): cheaper
    than the hand-off. A filter that needs I/O is written as a coroutine. Returns how many changed."""
    changed = 0
    for router in dp.chain_tail:
        for observer in router.observers.values():
            for handler in (getattr(observer, "_handler", None), *observer.handlers):
                for filter_ in (handler.filters or ()) if handler is not None else ():
                    if not filter_.awaitable:
                        filter_.callback = _in_loop(filter_.callback)
                        filter_.awaitable = True
                        changed += 1
    return changed


def _in_loop(predicate):
    async def call(*args, **kwargs):
        return predicate(*args, **kwargs)

    return call


async def _start_scheduler(bot: Bot, dispatcher: Dispatcher, db: Database, settings: Settings, clock: Clock,
                           catalog: Catalog, renderer: ChartRenderer, sender: Sender) -> None:
    from scheduler.jobs import Jobs
    from scheduler.service import SchedulerService

    renderer.start()
    # everything imported and built so far lives as long as the process: keep it out of the
    # garbage collector's full passes (a full pass over it stalled the loop in bench/digest.py)
    gc.collect()
    gc.freeze()
    if not settings.scheduler_enabled:
        log.info("scheduler disabled (SCHEDULER_ENABLED=false)")
        return
    sender.bind(bot)
    service = SchedulerService(Jobs(db, settings, catalog, sender, renderer, clock), settings)
    dispatcher.workflow_data["scheduler"] = service
    # the jobs run on one replica only: the holder of the scheduler lease (bot/leader.py)
    leadership: Leadership = dispatcher.workflow_data["leadership"]
    await leadership.start(on_gain=service.start, on_loss=lambda: service.stop(grace=settings.shutdown_seconds))


async def _stop_scheduler(dispatcher: Dispatcher, renderer: ChartRenderer, sender: Sender,
                          settings: Settings) -> None:
    # polling has stopped; let the updates still being handled finish their replies (bounded) before
    # the session closes, instead of failing them with tracebacks
    grace = settings.shutdown_seconds
    handling = [t for t in getattr(dispatcher, "_handle_update_tasks", ()) if not t.done()]
    if handling:
        import asyncio

        _done, pending = await asyncio.wait(handling, timeout=grace)
        if pending:
            log.warning("shutdown: %d update(s) still being handled after %.0f s", len(pending), grace)
    # the leader stops its jobs (the send in hand finishes) and hands the lease over
    await dispatcher.workflow_data["leadership"].stop()
    dispatcher.workflow_data["scheduler"] = None
    await sender.drain(grace)
    await sender.aclose()
    await renderer.aclose()


async def _on_startup(bot: Bot, db: Database, settings: Settings, clock: Clock, catalog: Catalog,
                      sender: Sender) -> None:
    sender.bind(bot)
    await setup_default_commands(bot, catalog, settings.default_language)
    async with db.session() as session:
        holders = await build_services(session, db, settings, clock).org.command_holders()
    for member in holders:
        await set_member_commands(bot, catalog, member, member_language(member, settings.default_language),
                                  web_base_url=settings.web_base_url)
    me = await bot.me()
    log.info("teamdesk started as @%s", me.username)
