"""Middlewares: DB session + services per update, current member, i18n, errors, access."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject, User

from bot import access
from bot.clock import Clock
from bot.config import Settings
from bot.db import Database, UpdateHandledElsewhere
from bot.errors import NotAllowed, UserError
from bot.health import failed_dependency
from bot.i18n import Catalog, Html, member_language
from bot.logs import MEMBER_ID
from bot.services import build_services
from bot.text import plain_fit
from models import org_repo

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
log = logging.getLogger(__name__)


class ContextMiddleware(BaseMiddleware):
    """Outer, per update: a DB session, the services, the current member and a translator."""

    def __init__(self, db: Database, settings: Settings, clock: Clock, catalog: Catalog) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.catalog = catalog

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        async with self.db.session() as session:
            member = None
            if user is not None:
                member = await org_repo.cached_member_by_telegram_id(session, user.id)
            if member is not None:
                MEMBER_ID.set(member.id)  # on the log lines of this update (LOG_FORMAT=json)
            lang = member_language(member, self.settings.default_language,
                                   user.language_code if user is not None else None)
            svc = build_services(session, self.db, self.settings, self.clock)
            if member is not None and user is not None:
                await svc.org.note_telegram_language(member, user.language_code)
            data.update(
                session=session,
                svc=svc,
                member=member if member is not None and member.active else None,
                known_member=member,
                lang=lang,
                t=self.catalog.translator(lang),
                catalog=self.catalog,
                settings=self.settings,
                clock=self.clock,
            )
            result = await handler(event, data)
        outage = data.get("outage")
        if outage is not None:
            outage.recovered()  # the database and the FSM storage both answered
        return result


class UserErrorMiddleware(BaseMiddleware):
    """Inner: show a :class:`UserError` to the user in their language."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except UserError as exc:
            text = data["t"](exc.key, **_short_args(exc.args_))
            if isinstance(event, CallbackQuery):
                answer = data.get("callback_answer")
                if answer is not None and not answer.answered and not answer.disabled:
                    answer.text = plain_fit(text)
                    answer.show_alert = True
                else:
                    await event.answer(plain_fit(text), show_alert=True)
            elif isinstance(event, Message):
                await event.answer(text)
            return None


class AccessMiddleware(BaseMiddleware):
    """Inner: handlers are for active members unless flagged ``public``; ``role`` flag sets the minimum."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if get_flag(data, "public"):
            return await handler(event, data)
        member = data.get("member")
        if member is None:
            known = data.get("known_member")
            raise UserError("start-inactive" if known is not None else "start-refused")
        if not access.allowed_by_flag(member, get_flag(data, "role"), bool(get_flag(data, "client"))):
            if access.is_client(member):
                raise UserError("client-not-available")
            raise NotAllowed()
        return await handler(event, data)


class PrivateChatsOnly(BaseMiddleware):
    """Outer, on messages: the bot works in private chats only; groups are ignored."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message) and event.chat.type != "private":
            return None
        return await handler(event, data)


async def on_error(event: ErrorEvent, **data: Any) -> bool:
    """Last resort: log the failure and tell the user something went wrong (nothing was half-saved:
    services commit once, at the end). When the database or Redis is down, the user is told the bot is
    temporarily unavailable and the log says why once per outage (:class:`bot.health.Outage`)."""
    dependency = failed_dependency(event.exception)
    if dependency is not None:
        outage = data.get("outage")
        if outage is not None:
            outage.report(dependency, event.exception)
        await _tell_unavailable(event, data)
        return True
    if isinstance(event.exception, UpdateHandledElsewhere):  # its effects (and answer) came from the other
        # handling: another replica's, or this update's before a restart (bot.inbox: a replay says nothing)
        log.info("update %s: already handled (another replica, or before a restart); rolled back here",
                 event.update.update_id)
        return True
    if isinstance(event.exception, TelegramForbiddenError | TelegramRetryAfter):
        # the user blocked the bot while the update was on its way, or Telegram kept the chat flooded past
        # the retries: not a bug, and nothing more can be said in that chat; one line, no traceback
        log.warning("update %s: could not answer: %s", event.update.update_id, event.exception.message)
        return True
    log.error("update %s failed", event.update.update_id, exc_info=event.exception)
    t = data.get("t")
    bot = data.get("bot")
    chat_id = None
    if event.update.message is not None:
        chat_id = event.update.message.chat.id
    elif event.update.callback_query is not None:
        query = event.update.callback_query
        chat_id = query.from_user.id
        answer = data.get("callback_answer")
        if answer is not None and not answer.answered and not answer.disabled:
            answer.text = plain_fit(t("error-internal")) if t else None
    if t is not None and bot is not None and chat_id is not None:
        try:
            await bot.send_message(chat_id, t("error-internal"))
        except Exception:
            log.warning("could not report the error to chat %s", chat_id)
    return True


async def _tell_unavailable(event: ErrorEvent, data: dict[str, Any]) -> None:
    """ "Temporarily unavailable", in the user's language as far as it is known without the database."""
    update, bot = event.update, data.get("bot")
    t = data.get("t")
    if t is None:
        catalog, settings = data.get("catalog"), data.get("settings")
        if catalog is None or settings is None:
            return
        user = data.get("event_from_user")
        t = catalog.translator(member_language(None, settings.default_language,
                                               user.language_code if user else None))
    text = t("error-unavailable")
    if bot is None:
        return
    try:
        if update.callback_query is not None:
            answer = data.get("callback_answer")
            if answer is None:  # failed before the callback answer middleware: answer it here
                await bot.answer_callback_query(update.callback_query.id, text=plain_fit(text), show_alert=True)
            elif not answer.answered and not answer.disabled:
                answer.text, answer.show_alert = plain_fit(text), True
            else:  # already answered (empty): say it in the chat
                await bot.send_message(update.callback_query.from_user.id, text)
        elif update.message is not None:
            await bot.send_message(update.message.chat.id, text)
    except Exception as exc:  # Telegram unreachable too: nothing more to do
        log.debug("could not tell the user the bot is unavailable: %s", exc)


ERROR_ARG_MAX = 1000


def _short_args(args: dict[str, Any]) -> dict[str, Any]:
    """An error may echo what the user typed (an unknown time zone, stream or project): keep the echo
    short, so that the reply stays far below Telegram's 4096 characters whatever was sent."""
    return {k: v[: ERROR_ARG_MAX - 1] + "…" if isinstance(v, str) and not isinstance(v, Html)
            and len(v) > ERROR_ARG_MAX else v for k, v in args.items()}

