"""One way to send: the process-wide :class:`Sender` every message to someone other than the person
being answered goes through — handlers' notifications, /digest, the scheduler's jobs, the rating
campaign. It is built once in :func:`bot.app.create_dispatcher` (``dp.workflow_data["sender"]``,
handlers take it as ``sender``) and bound to the bot on start-up (and on the first update).

* **Limits.** At most ``rate`` messages a second overall (default 30) and one message per
  ``chat_interval`` seconds per chat (default 1 s), by slot reservation: each send reserves the
  next free slot of its chat and then of the whole bot, so concurrent senders never burst.
* **Across replicas** (``REDIS_URL`` set): Telegram limits the token, not the process, so every
  replica's Sender also reserves its slot in :class:`SharedLimits` in Redis — the bot-wide ``rate`` a
  second and one message per ``chat_interval`` per chat, the next free slots kept in Redis and timed by
  the Redis server's clock — and honours the holds after a 429 kept there (a key per held chat, and one
  for every chat, expiring when the hold ends), so a 429 met on one replica holds that chat on all of
  them. Redis's clock and expiries decide: no clock agreement between hosts is needed. A reply (the
  client middleware) does not ask Redis before it goes, but a 429 it meets is shared the same way. When
  Redis does not answer, the process's limits stand alone (logged once) and sending goes on.
* **Flood control, one layer.** :class:`FloodControl` is the one record of Telegram's 429s in the
  process: a 429 holds that chat (a 429 for a request without a chat — a global flood wait — holds
  every chat) for ``retry_after`` seconds. The Sender waits for the hold before each attempt, and so
  does every other request of the bot (:class:`bot.telegram.RetryAfter`, the client middleware, shares
  the same state): a reply to chat X also waits while X is held. The middleware retries plain
  requests (replies) itself, but a Sender's request is the Sender's: it sees the 429 and counts the
  attempt, so ``attempts`` in the log and the ``deliveries`` table are the real ones.
* Network and 5xx errors are retried with a short back-off; at most ``max_attempts`` attempts in all.
* A 403 ``TelegramForbiddenError`` (the user blocked the bot) — or "chat not found" (the user
  never opened the bot) — marks the member ``unreachable`` and returns; it never raises.
* Any other error is logged and counted and returns ``failed``: one failure never stops the rest.
* Every send is logged with its outcome (logger ``bot.sender``); :meth:`Sender.drain` waits (bounded)
  for the sends in flight, on shutdown.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMediaGroup, SendMessage, SendPhoto
from aiogram.methods.base import TelegramMethod
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, InputMediaPhoto

from bot.db import UPDATE_COMMIT, Database
from bot.metrics import MESSAGES
from bot.text import CAPTION_LIMIT, TEXT_LIMIT, cut, visible_len
from models import scheduling_repo as repo
from models.scheduling import FAILED, SENT, UNREACHABLE

log = logging.getLogger(__name__)

MEDIA_GROUP_LIMIT = 10


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # sent | failed | unreachable
    attempts: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == SENT


class FloodControl:
    """Telegram's 429s, remembered for the whole process: chat -> held until (monotonic seconds);
    ``None`` -> every chat held until."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self._monotonic = monotonic
        self._sleep = sleep
        self._chats: dict[int | str, float] = {}
        self._all = 0.0
        self.shared: SharedLimits | None = None  # set by a Sender with shared limits: holds go there too

    def hold(self, chat_id: int | str | None, seconds: float) -> None:
        """A 429 with ``retry_after=seconds`` for ``chat_id`` (``None``: not about one chat -> all)."""
        if self.shared is not None:
            self.shared.hold(chat_id, seconds)
        until = self._monotonic() + seconds
        if chat_id is None:
            self._all = max(self._all, until)
        else:
            self._chats[chat_id] = max(self._chats.get(chat_id, 0.0), until)
        if len(self._chats) > 10_000:  # forget holds that have passed
            now = self._monotonic()
            self._chats = {c: t for c, t in self._chats.items() if t > now}

    def held_for(self, chat_id: int | str | None) -> float:
        """Seconds until a request to ``chat_id`` may go (0 when it may go now)."""
        until = self._all if chat_id is None else max(self._all, self._chats.get(chat_id, 0.0))
        return max(0.0, until - self._monotonic())

    async def wait(self, chat_id: int | str | None) -> None:
        while (left := self.held_for(chat_id)) > 0:
            await self._sleep(left)


class RateLimiter:
    """Slot reservation: ``rate`` slots a second for the bot, one per ``chat_interval`` per chat;
    a chat (or every chat) held by :class:`FloodControl` gets no slot before the hold ends."""

    def __init__(self, rate: float = 30.0, chat_interval: float = 1.0, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 flood: FloodControl | None = None) -> None:
        self.interval = 1.0 / rate
        self.chat_interval = chat_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self.flood = flood or FloodControl(monotonic=monotonic, sleep=sleep)
        self._next_global = 0.0
        self._next_chat: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        await self.flood.wait(chat_id)
        now = self._monotonic()
        chat_slot = max(now, self._next_chat.get(chat_id, 0.0))
        self._next_chat[chat_id] = chat_slot + self.chat_interval
        if chat_slot > now:
            await self._sleep(chat_slot - now)
            now = self._monotonic()
        slot = max(now, self._next_global)
        self._next_global = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)
        shared = self.flood.shared
        if shared is not None:  # the token's slots, across replicas
            await shared.wait(chat_id, self._sleep)
        # a 429 may have come in for this chat (or all) while waiting for the slot
        await self.flood.wait(chat_id)
        if len(self._next_chat) > 10_000:  # forget chats whose slot has passed
            cutoff = self._monotonic()
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > cutoff}

    def hold_chat(self, chat_id: int, seconds: float) -> None:
        """No message to this chat for ``seconds`` (after a 429 for it)."""
        self.flood.hold(chat_id, seconds)


class SharedLimits:
    """The token's limits in Redis, for every replica (see the module's docstring): the same slot
    reservation as :class:`RateLimiter`, with the next free slots kept in Redis and timed by the Redis
    server's clock. Keys (prefix ``teamdesk:send:``): ``next:all`` (the bot's next free slot),
    ``next:<chat>`` (the chat's), ``hold:<chat>`` and ``hold:all`` after a 429 (expiring with the hold)."""

    # KEYS: hold:all, hold:<chat>, next:<chat>, next:all; ARGV: chat interval, bot interval (microseconds)
    # -> {0, us}: a slot is reserved, send in ``us``; {1, us}: held or the chat's slot is not free, ask again
    TURN = """
local held = math.max(redis.call('PTTL', KEYS[1]), redis.call('PTTL', KEYS[2]))
if held > 0 then return {1, held * 1000} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local chat_next = tonumber(redis.call('GET', KEYS[3]) or '0')
if chat_next > now then return {1, chat_next - now} end
local slot = math.max(now, tonumber(redis.call('GET', KEYS[4]) or '0'))
local chat_until = slot + tonumber(ARGV[1])
local all_until = slot + tonumber(ARGV[2])
redis.call('SET', KEYS[3], string.format('%.0f', chat_until), 'PX', math.ceil((chat_until - now) / 1000) + 1000)
redis.call('SET', KEYS[4], string.format('%.0f', all_until), 'PX', math.ceil((all_until - now) / 1000) + 1000)
return {0, slot - now}
"""
    # KEYS: the hold key; ARGV: hold (ms). Keeps the longer of the hold in place and the new one.
    HOLD = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0
"""

    def __init__(self, redis: Any, *, rate: float = 30.0, chat_interval: float = 1.0,
                 prefix: str = "teamdesk:send:") -> None:
        self.redis = redis
        self.interval_us = int(1_000_000 / rate)
        self.chat_interval_us = int(chat_interval * 1_000_000)
        self.prefix = prefix
        self._turn = redis.register_script(self.TURN)
        self._hold = redis.register_script(self.HOLD)
        self._tasks: set[asyncio.Task] = set()
        self._down = False

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> SharedLimits:
        from redis.asyncio import Redis

        return cls(Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2), **kwargs)

    def _key(self, what: str, chat_id: int | str | None = None) -> str:
        return f"{self.prefix}{what}:{'all' if chat_id is None else chat_id}"

    async def wait(self, chat_id: int | str, sleep: Callable[[float], Awaitable[Any]]) -> None:
        """Wait for this chat's and the bot's next free slot across replicas (and any hold) and take it."""
        keys = [self._key("hold"), self._key("hold", chat_id), self._key("next", chat_id), self._key("next")]
        while True:
            try:
                again, micros = await self._turn(keys=keys, args=[self.chat_interval_us, self.interval_us])
            except Exception as exc:  # Redis down: the process's own limits stand alone
                self._went_down(exc)
                return
            self._came_back()
            if int(micros) > 0:
                await sleep(int(micros) / 1_000_000)
            if not int(again):
                return

    def hold(self, chat_id: int | str | None, seconds: float) -> None:
        """Hold ``chat_id`` (``None``: every chat) on every replica for ``seconds`` (in the background:
        called from the client middleware, which is synchronous there)."""
        try:
            task = asyncio.get_running_loop().create_task(self.hold_now(chat_id, seconds))
        except RuntimeError:  # no event loop (never in the bot): the process's hold stands alone
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def hold_now(self, chat_id: int | str | None, seconds: float) -> None:
        try:
            await self._hold(keys=[self._key("hold", chat_id)], args=[max(1, int(seconds * 1000))])
        except Exception as exc:
            self._went_down(exc)

    def _went_down(self, exc: Exception) -> None:
        if not self._down:
            self._down = True
            log.warning("shared send limits unavailable (%s): this replica paces its sends alone",
                        type(exc).__name__)

    def _came_back(self) -> None:
        if self._down:
            self._down = False
            log.info("shared send limits available again")

    async def aclose(self) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2)
        await self.redis.aclose()


#: set while a :class:`Sender` makes a request: the client middleware then leaves 429s to the Sender
SENDER_OWNS_REQUEST: contextvars.ContextVar[bool] = contextvars.ContextVar("sender_owns_request", default=False)


class Sender:
    def __init__(self, bot: Bot | None, db: Database | None, *, rate: float = 30.0, chat_interval: float = 1.0,
                 max_attempts: int = 5, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 monotonic: Callable[[], float] = time.monotonic, flood: FloodControl | None = None,
                 shared: SharedLimits | None = None) -> None:
        self.db = db
        self.max_attempts = max_attempts
        self.flood = flood or FloodControl(monotonic=monotonic, sleep=sleep)
        if shared is not None:
            self.flood.shared = shared
        self.limiter = RateLimiter(rate, chat_interval, monotonic=monotonic, sleep=sleep, flood=self.flood)
        self._sleep = sleep
        self.stats: Counter[str] = Counter()
        self._in_flight: set[asyncio.Task] = set()
        self.bot: Bot | None = None
        if bot is not None:
            self.bind(bot)

    def bind(self, bot: Bot) -> None:
        """Send through ``bot``, and make its client middleware share this flood-control state (so a
        429 holds the chat for replies too). Idempotent."""
        if self.bot is bot:
            return
        self.bot = bot
        from bot.telegram import RetryAfter

        session = getattr(bot, "session", None)
        if session is None:  # a stand-in bot (tests)
            return
        for middleware in session.middleware:
            if isinstance(middleware, RetryAfter):
                middleware.flood = self.flood
                break
        else:
            session.middleware(RetryAfter(flood=self.flood))

    async def drain(self, grace: float) -> bool:
        """Wait up to ``grace`` seconds for the sends in flight (shutdown). True if none is left."""
        tasks = [t for t in self._in_flight if not t.done() and t is not asyncio.current_task()]
        if not tasks:
            return True
        _done, pending = await asyncio.wait(tasks, timeout=grace)
        if pending:
            log.warning("%d send(s) still in flight after %.0f s", len(pending), grace)
        return not pending

    async def aclose(self) -> None:
        """Close the shared limits' Redis connection (shutdown, after :meth:`drain`)."""
        if self.flood.shared is not None:
            await self.flood.shared.aclose()

    # --- what is sent -------------------------------------------------------------------
    async def send_text(self, chat_id: int, text: str, *, kind: str = "message",
                        reply_markup: InlineKeyboardMarkup | None = None) -> Outcome:
        text = cut(text, TEXT_LIMIT)  # a cut that keeps the HTML valid
        method = SendMessage(chat_id=chat_id, text=text, parse_mode="HTML", reply_markup=reply_markup)
        return await self.deliver(chat_id, method, kind=kind)

    async def send_charts(self, chat_id: int, pngs: Sequence[tuple[str, bytes]], caption: str,
                          *, kind: str = "digest") -> Outcome:
        """One photo, or an album of up to 10, with ``caption`` (≤ 1024) under the first picture.

        A caption over the limit goes as a separate text message after the pictures.
        """
        if not pngs:
            return await self.send_text(chat_id, caption, kind=kind)
        extra = None
        if visible_len(caption) > CAPTION_LIMIT:
            caption, extra = "", caption
        files = [BufferedInputFile(data, filename=name) for name, data in pngs[:MEDIA_GROUP_LIMIT]]
        method: TelegramMethod[Any]
        if len(files) == 1:
            method = SendPhoto(chat_id=chat_id, photo=files[0], caption=caption or None,
                               parse_mode="HTML" if caption else None)
        else:
            media = [InputMediaPhoto(media=f, caption=caption if i == 0 and caption else None,
                                     parse_mode="HTML" if i == 0 and caption else None)
                     for i, f in enumerate(files)]
            method = SendMediaGroup(chat_id=chat_id, media=media)
        outcome = await self.deliver(chat_id, method, kind=kind)
        if outcome.ok and extra:
            second = await self.send_text(chat_id, extra, kind=kind)
            return Outcome(second.status, outcome.attempts + second.attempts, second.error)
        return outcome

    # --- how it is sent -----------------------------------------------------------------
    async def deliver(self, chat_id: int, method: TelegramMethod[Any], *, kind: str = "message") -> Outcome:
        """Send ``method`` within the limits; never raises on a Telegram error."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            return await self._deliver(chat_id, method, kind)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _deliver(self, chat_id: int, method: TelegramMethod[Any], kind: str) -> Outcome:
        if self.bot is None:
            raise RuntimeError("Sender.bind(bot) was not called")
        error: str | None = None
        attempt = 0
        while attempt < self.max_attempts:
            attempt += 1
            await self.limiter.wait(chat_id)  # also waits out a flood-control hold on the chat
            token = SENDER_OWNS_REQUEST.set(True)
            try:
                await self.bot(method)
            except TelegramRetryAfter as exc:
                error = f"429 retry after {exc.retry_after}"
                log.warning("send %s to %s: 429, chat held %s s (attempt %d)", kind, chat_id, exc.retry_after,
                            attempt)
                self.stats["retry_after"] += 1
                MESSAGES.labels(outcome="429").inc()
                self.flood.hold(chat_id, exc.retry_after)  # (the middleware held it already; idempotent)
                continue
            except TelegramForbiddenError as exc:
                return await self._unreachable(chat_id, kind, attempt, f"403 {exc.message}")
            except TelegramBadRequest as exc:
                if "chat not found" in exc.message.lower():
                    return await self._unreachable(chat_id, kind, attempt, f"400 {exc.message}")
                return self._done(chat_id, kind, Outcome(FAILED, attempt, f"400 {exc.message}"))
            except (TelegramNetworkError, TelegramServerError) as exc:
                error = f"{type(exc).__name__}: {exc.message}"
                log.warning("send %s to %s: %s (attempt %d)", kind, chat_id, error, attempt)
                await self._sleep(min(2 ** (attempt - 1), 8))
                continue
            except Exception as exc:  # one failure never stops the rest
                log.exception("send %s to %s failed", kind, chat_id)
                return self._done(chat_id, kind, Outcome(FAILED, attempt, f"{type(exc).__name__}: {exc}"))
            finally:
                SENDER_OWNS_REQUEST.reset(token)
            return self._done(chat_id, kind, Outcome(SENT, attempt))
        return self._done(chat_id, kind, Outcome(FAILED, attempt, error or "too many attempts"))

    async def _unreachable(self, chat_id: int, kind: str, attempt: int, error: str) -> Outcome:
        if self.db is not None:
            # bookkeeping, not the effect of the update being handled: it does not carry the update's mark
            token = UPDATE_COMMIT.set(None)
            try:
                async with self.db.session() as session, self.db.writing(session):
                    await repo.mark_unreachable(session, chat_id)
            except Exception:
                log.exception("could not mark chat %s unreachable", chat_id)
            finally:
                UPDATE_COMMIT.reset(token)
        return self._done(chat_id, kind, Outcome(UNREACHABLE, attempt, error))

    def _done(self, chat_id: int, kind: str, outcome: Outcome) -> Outcome:
        self.stats[outcome.status] += 1
        MESSAGES.labels(outcome="ok" if outcome.ok else "403" if (outcome.error or "").startswith("403")
                        else "other").inc()
        level = logging.INFO if outcome.ok else logging.WARNING
        log.log(level, "send %s to %s: %s after %d attempt(s)%s", kind, chat_id, outcome.status,
                outcome.attempts, f" ({outcome.error})" if outcome.error else "")
        return outcome


class BindSender:
    """Outer update middleware: binds the process-wide Sender to the bot the updates come from (the
    start-up hook binds it too; this covers a dispatcher fed updates without a start-up, as in tests)."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    async def __call__(self, handler, event, data):  # type: ignore[no-untyped-def]
        bot = data.get("bot")
        if bot is not None and self.sender.bot is not bot:
            self.sender.bind(bot)
        return await handler(event, data)
