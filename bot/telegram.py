"""Bot API client behaviour shared by handlers and jobs: flood control on every request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from bot.sender import FloodControl

log = logging.getLogger(__name__)


def chat_of(method: TelegramMethod[Any]) -> int | str | None:
    """The chat a request is about, or ``None`` (getMe, setMyCommands, answerCallbackQuery...)."""
    chat_id = getattr(method, "chat_id", None)
    return chat_id if isinstance(chat_id, int | str) else None


class RetryAfter(BaseRequestMiddleware):
    """Flood control for every request of the bot, in the process-wide :class:`bot.sender.FloodControl`
    (shared with the :class:`bot.sender.Sender`, which binds it): a request waits while its chat (or
    every chat) is held; a 429 holds the chat — every chat when the request names none — for
    ``retry_after``. A plain request (a reply) is then tried again, a few times; a request made by the
    Sender is left to the Sender (re-raised), which counts the attempt and waits the hold itself.

    Requests to a held chat queue up and go one at a time (a lock per chat): woken all together at
    the end of a hold, a burst of replies would hit 429 again together until their attempts ran out.
    Requests that name no chat do not queue (a long poll would hold up everything behind it)."""

    def __init__(self, attempts: int = 4, max_wait: float = 60.0, *, flood: FloodControl | None = None) -> None:
        from bot.sender import FloodControl

        self.attempts = attempts
        self.max_wait = max_wait
        self.flood = flood or FloodControl()
        self._queues: weakref.WeakValueDictionary[int | str | None, asyncio.Lock] = weakref.WeakValueDictionary()

    def _queue(self, chat: int | str | None) -> asyncio.Lock:
        lock = self._queues.get(chat)
        if lock is None:
            lock = self._queues[chat] = asyncio.Lock()
        return lock

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Any:
        from bot.sender import SENDER_OWNS_REQUEST

        chat = chat_of(method)
        if SENDER_OWNS_REQUEST.get():  # the Sender waits, paces and counts attempts itself
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                self.flood.hold(chat, exc.retry_after)
                raise
        # requests naming no chat (getUpdates' long poll among them) do not queue behind each other
        queue = self._queue(chat) if chat is not None else contextlib.nullcontext()
        if not (chat is not None and queue.locked()) and not self.flood.held_for(chat):
            try:
                return await make_request(bot, method)  # the usual case: no flood, no waiting
            except TelegramRetryAfter as exc:
                self.flood.hold(chat, exc.retry_after)
                if self.attempts == 1 or exc.retry_after > self.max_wait:
                    raise
                log.info("flood control on %s (chat %s): holding %s s (attempt 1)", method.__api_method__,
                         chat if chat is not None else "all", exc.retry_after)
        async with queue:  # the chat is flooded: one request at a time, each after the hold
            for attempt in range(2, self.attempts + 1):
                if self.flood.held_for(chat) > self.max_wait:
                    break
                await self.flood.wait(chat)
                try:
                    return await make_request(bot, method)
                except TelegramRetryAfter as exc:
                    self.flood.hold(chat, exc.retry_after)
                    if attempt == self.attempts or exc.retry_after > self.max_wait:
                        raise
                    log.info("flood control on %s (chat %s): holding %s s (attempt %s)", method.__api_method__,
                             chat if chat is not None else "all", exc.retry_after, attempt)
            return await make_request(bot, method)  # held too long to wait: let Telegram say so
