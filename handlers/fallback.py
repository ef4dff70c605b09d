"""Last router: anything no feature handled gets a clear answer."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.i18n import Translator


async def unknown_message(message: Message, t: Translator) -> None:
    await message.answer(t("unknown-command"))


async def stale_button(query: CallbackQuery, t: Translator, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = t("button-outdated")


def create_router() -> Router:
    router = Router(name="fallback")
    router.message.register(unknown_message)
    router.callback_query.register(stale_button)
    return router
