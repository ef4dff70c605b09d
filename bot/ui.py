"""Small rendering helpers shared by handlers: pagination and keyboards (text limits: :mod:`bot.text`)."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.text import TEXT_BUDGET, fit, truncate  # noqa: F401 - text fitting lives in bot.text; handlers reach it as ui.*

PER_PAGE = 8


def pages_of(total: int, per_page: int = PER_PAGE) -> int:
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int = PER_PAGE) -> int:
    return min(max(page, 0), pages_of(total, per_page) - 1)


def nav_row(page: int, pages: int, make: Callable[[int], str]) -> list[InlineKeyboardButton]:
    """« page/pages » buttons; empty when everything fits on one page."""
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(text="«", callback_data=make(page - 1)))
    row.append(InlineKeyboardButton(text=f"{page + 1}/{pages}", callback_data=make(page)))
    if page < pages - 1:
        row.append(InlineKeyboardButton(text="»", callback_data=make(page + 1)))
    return row


def builder() -> InlineKeyboardBuilder:
    return InlineKeyboardBuilder()


async def on_not_text(message: Message, t) -> None:
    """A form waiting for text got a photo, a sticker...: ask for text (registered by several features)."""
    await message.answer(t("flow-send-text"))


async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Show ``text`` in the message under the pressed button; a no-op when nothing changed."""
    message = query.message
    if message is None or not isinstance(message, Message):
        return  # an inaccessible (too old) message: nothing to edit
    if message.html_text == text and message.reply_markup == markup:
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            raise
