"""Delivery under Telegram's limits: one :class:`Sender` for every scheduled message.

* at most ``rate`` messages a second overall (default 30) and one message per
  ``chat_interval`` seconds per chat (default 1 s), by slot reservation: each send reserves the
  next free slot of its chat and then of the whole bot, so concurrent senders never burst;
* a 429 ``TelegramRetryAfter`` is waited out (``retry_after`` seconds) and retried, at most
  ``max_attempts`` attempts in all; network and 5xx errors are retried with a short back-off;
* a 403 ``TelegramForbiddenError`` (the user blocked the bot) — or "chat not found" (the user
  never opened the bot) — marks the member ``unreachable`` and returns; it never raises;
* any other error is logged and counted and returns ``failed``: one failure never stops the rest;
* every send is logged with its outcome (logger ``scheduler.delivery``).
"""

from __future__ import annotations

import asyncio
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
from aiogram.types import BufferedInputFile, InputMediaPhoto

from bot.db import Database
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


class RateLimiter:
    """Slot reservation: ``rate`` slots a second for the bot, one per ``chat_interval`` per chat."""

    def __init__(self, rate: float = 30.0, chat_interval: float = 1.0, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.interval = 1.0 / rate
        self.chat_interval = chat_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_global = 0.0
        self._next_chat: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
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
        if len(self._next_chat) > 10_000:  # forget chats whose slot has passed
            cutoff = self._monotonic()
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > cutoff}

    def hold_chat(self, chat_id: int, seconds: float) -> None:
        """No message to this chat for ``seconds`` (after a 429 for it)."""
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), self._monotonic() + seconds)


class Sender:
    def __init__(self, bot: Bot, db: Database | None, *, rate: float = 30.0, chat_interval: float = 1.0,
                 max_attempts: int = 5, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.bot = bot
        self.db = db
        self.max_attempts = max_attempts
        self.limiter = RateLimiter(rate, chat_interval, monotonic=monotonic, sleep=sleep)
        self._sleep = sleep
        self.stats: Counter[str] = Counter()

    # --- what is sent -------------------------------------------------------------------
    async def send_text(self, chat_id: int, text: str, *, kind: str = "message") -> Outcome:
        text = cut(text, TEXT_LIMIT)  # a cut that keeps the HTML valid
        method = SendMessage(chat_id=chat_id, text=text, parse_mode="HTML")
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
        error: str | None = None
        attempt = 0
        while attempt < self.max_attempts:
            attempt += 1
            await self.limiter.wait(chat_id)
            try:
                await self.bot(method)
            except TelegramRetryAfter as exc:
                error = f"429 retry after {exc.retry_after}"
                log.warning("send %s to %s: 429, waiting %s s (attempt %d)", kind, chat_id, exc.retry_after,
                            attempt)
                self.stats["retry_after"] += 1
                self.limiter.hold_chat(chat_id, exc.retry_after)
                await self._sleep(exc.retry_after)
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
            return self._done(chat_id, kind, Outcome(SENT, attempt))
        return self._done(chat_id, kind, Outcome(FAILED, attempt, error or "too many attempts"))

    async def _unreachable(self, chat_id: int, kind: str, attempt: int, error: str) -> Outcome:
        if self.db is not None:
            try:
                async with self.db.session() as session, self.db.writing(session):
                    await repo.mark_unreachable(session, chat_id)
            except Exception:
                log.exception("could not mark chat %s unreachable", chat_id)
        return self._done(chat_id, kind, Outcome(UNREACHABLE, attempt, error))

    def _done(self, chat_id: int, kind: str, outcome: Outcome) -> Outcome:
        self.stats[outcome.status] += 1
        level = logging.INFO if outcome.ok else logging.WARNING
        log.log(level, "send %s to %s: %s after %d attempt(s)%s", kind, chat_id, outcome.status,
                outcome.attempts, f" ({outcome.error})" if outcome.error else "")
        return outcome

