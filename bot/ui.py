"""Small rendering helpers shared by handlers: pagination and keyboards (text limits: :mod:`bot.text`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from typing import ClassVar, TypeVar

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.text import TEXT_BUDGET, fit, truncate  # noqa: F401 - text fitting lives in bot.text; handlers reach it as ui.*

PER_PAGE = 8
T = TypeVar("T")


def quoted(t: Callable[..., str], name: str) -> str:
    """``name`` in the reader's quotation marks: «…» in Russian, “…” in English (plain text, a translator
    argument)."""
    marks = t("quote-marks")
    return f"{marks[0]}{name}{marks[-1]}"


def pages_of(total: int, per_page: int = PER_PAGE) -> int:
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int = PER_PAGE) -> int:
    return min(max(page, 0), pages_of(total, per_page) - 1)


def page_items(items: Sequence[T], page: int, per_page: int = PER_PAGE) -> Sequence[T]:
    """The items shown on ``page`` (0-based; clamp it first with :func:`clamp_page`)."""
    return items[page * per_page:(page + 1) * per_page]


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


#: kept per Bot instance (its ``vars``: aiogram's Bot compares and hashes by token, so it cannot key a
#: dict): (chat, message) → (what the message looked like when we edited it, what we sent), the last
#: ``_EDITS_KEPT`` edits. A double press delivers two callbacks that both carry the message as it was
#: *before* the first edit, so comparing with the callback's message alone would send the same edit twice.
_EDITS_KEPT = 512
_EDITS_ATTR = "_teamdesk_last_edits"


class _Canon(HTMLParser):
    """HTML as Telegram understands it, reduced to comparable tokens: entities decoded, tag aliases merged."""

    ALIASES: ClassVar[dict[str, str]] = {"strong": "b", "em": "i", "ins": "u", "strike": "s", "del": "s"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = self.ALIASES.get(tag, tag)
        if tag == "span" and ("class", "tg-spoiler") in attrs:
            tag, attrs = "tg-spoiler", []
        self.out.append("<" + tag + "".join(f" {k}={v!r}" for k, v in sorted(attrs, key=lambda a: a[0])) + ">")

    def handle_endtag(self, tag: str) -> None:
        tag = self.ALIASES.get(tag, tag)
        self.out.append(f"</{'tg-spoiler' if tag == 'span' else tag}>")

    def handle_data(self, data: str) -> None:
        if self.out and self.out[-1].startswith("|"):
            self.out[-1] += data
        else:
            self.out.append("|" + data)


def _canonical(html_text: str) -> str:
    parser = _Canon()
    parser.feed(html_text.strip())
    parser.close()
    return "\x00".join(parser.out)


def _markup_key(markup: InlineKeyboardMarkup | None) -> str:
    if markup is None or not markup.inline_keyboard:
        return ""
    return markup.model_dump_json(exclude_none=True)


def _fingerprint(html_text: str, markup: InlineKeyboardMarkup | None) -> str:
    return _canonical(html_text) + "\x01" + _markup_key(markup)


async def on_not_text(message: Message, t) -> None:
    """A form waiting for text got a photo, a sticker...: ask for text (registered by several features)."""
    await message.answer(t("flow-send-text"))


async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Show ``text`` in the message under the pressed button. Every handler edit goes through here.

    No request is sent when nothing would change (Telegram answers 400 "message is not modified"):
    neither when the message already shows this text and keyboard, nor for the second callback of a
    double press, which still carries the message as it was before the first press's edit.
    """
    message = query.message
    if message is None or not isinstance(message, Message):
        return  # an inaccessible (too old) message: nothing to edit
    seen = _fingerprint(message.html_text if message.text is not None else "", message.reply_markup)
    wanted = _fingerprint(text, markup)
    bot = query.bot if query.bot is not None else message.bot
    edits: OrderedDict[tuple[int, int], tuple[str, str]] = (
        vars(bot).setdefault(_EDITS_ATTR, OrderedDict()) if bot is not None else OrderedDict())
    key = (message.chat.id, message.message_id)
    last = edits.get(key)
    # a callback carrying the view we last edited *from* is a stale copy: the message shows our edit
    current = last[1] if last is not None and last[0] == seen else seen
    if current == wanted:
        return
    edits[key] = (seen, wanted)  # recorded before awaiting, so a concurrent second press sees it
    edits.move_to_end(key)
    while len(edits) > _EDITS_KEPT:
        edits.popitem(last=False)
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            edits.pop(key, None)
            raise
    except BaseException:
        edits.pop(key, None)
        raise


async def edit_message(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit a status message the bot sent itself (long work showing its progress); an unchanged text is no error."""
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            raise
