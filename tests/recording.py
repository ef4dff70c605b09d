"""Fast in-process harness: the production dispatcher fed updates, with a session that records requests.

Modelled on aiogram's ``tests/mocked_bot.py``: no network; each bot request is recorded and
answered with a plausible result, so handlers run exactly as in production.
"""

from __future__ import annotations

import itertools
import types
import typing
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Chat, Document, File, InlineKeyboardMarkup, Message, Update, User

BOT_ID = 4242424
BOT_TOKEN = f"{BOT_ID}:TEST_TOKEN_abcdefghijklmnopqrstuvwxyz"


@dataclass
class Sent:
    method: str
    params: dict[str, Any]
    result: Any = None

    @property
    def text(self) -> str | None:
        return self.params.get("text") or self.params.get("caption")

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        m = self.params.get("reply_markup")
        return m if isinstance(m, InlineKeyboardMarkup) else None

    def buttons(self) -> list[tuple[str, str]]:
        if self.markup is None:
            return []
        return [(b.text, b.callback_data or b.url or "") for row in self.markup.inline_keyboard for b in row]

    def button(self, text_part: str) -> str:
        """callback_data of the first button whose text contains ``text_part``."""
        for text, data in self.buttons():
            if text_part in text:
                return data
        raise AssertionError(f"no button {text_part!r} in {self.buttons()}")


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Sent] = []
        self.violations: list[str] = []
        self.int_results: dict[str, int] = {}  # what a method returning an integer answers (getChatMemberCount)
        self.files: dict[str, bytes] = {}  # file_id → bytes users sent (Harness.send_document); getFile + download
        self._ids = itertools.count(1000)

    async def close(self) -> None:
        pass

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:  # noqa: ASYNC109
        params = {k: v for k, v in method.model_dump(exclude_none=False).items() if v is not None}
        params = {k: getattr(method, k) for k in params}
        self._validate(bot, method)
        sent = Sent(type(method).__name__, params)
        sent.result = self._result(bot, method, params)
        self.requests.append(sent)
        return sent.result

    def _validate(self, bot: Bot, method: TelegramMethod[Any]) -> None:
        """Check the request as it would go over the wire against the official Bot API spec."""
        from bot.sandbox.spec import ApiError, UploadedFile, load_spec

        raw: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            value = self.prepare_value(value, bot=bot, files=files)
            if value:
                raw[key] = value
        uploads = {k: UploadedFile(field=k, filename=v.filename or k, content_type="application/octet-stream",
                                   data=b"") for k, v in files.items()}
        try:
            load_spec().validate_call(method.__api_method__, raw, uploads)
        except ApiError as exc:
            self.violations.append(f"{method.__api_method__}: {exc.description}")

    def _result(self, bot: Bot, method: TelegramMethod[Any], params: dict[str, Any]) -> Any:
        returning = method.__returning__
        if returning is bool:
            return True
        if returning is int:
            return self.int_results.get(type(method).__name__, 0)
        options = typing.get_args(returning) if isinstance(returning, types.UnionType) else (returning,)
        if Message in options:
            chat_id = params.get("chat_id") or 0
            text = params.get("text")
            mid = params.get("message_id") or next(self._ids)
            poll = None
            if type(method).__name__ == "SendPoll":  # a poll gets an id, as Telegram gives it
                from aiogram.types import Poll, PollOption

                poll = Poll(id=f"poll{mid}", question=params["question"], total_voter_count=0, is_closed=False,
                            is_anonymous=bool(params.get("is_anonymous", True)), type=params.get("type", "regular"),
                            allows_multiple_answers=False, allows_revoting=False, members_only=False,
                            correct_option_ids=params.get("correct_option_ids"),
                            options=[PollOption(text=o.text, voter_count=0, persistent_id=str(i))
                                     for i, o in enumerate(params["options"])])
            return Message(
                message_id=mid,
                date=datetime.now(UTC),
                chat=Chat(id=int(chat_id), type="private"),
                from_user=User(id=BOT_ID, is_bot=True, first_name="teamdesk", username="teamdesk_bot"),
                text=text,
                caption=params.get("caption"),
                reply_markup=params.get("reply_markup"),
                poll=poll,
            ).as_(bot)
        if returning is File:
            return File(file_id=params["file_id"], file_unique_id=f"u{params['file_id']}",
                        file_size=len(self.files.get(params["file_id"], b"")), file_path=f"documents/{params['file_id']}")
        if returning is User:
            return User(id=BOT_ID, is_bot=True, first_name="teamdesk", username="teamdesk_bot")
        if returning is list or str(returning).startswith("list"):
            return []
        return True

    async def stream_content(self, url: str, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        yield self.files.get(url.rsplit("/", 1)[-1], b"")


def make_bot() -> tuple[Bot, RecordingSession]:
    session = RecordingSession()
    bot = Bot(BOT_TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    return bot, session


@dataclass
class Person:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "ru"

    @property
    def user(self) -> User:
        return User(id=self.id, is_bot=False, first_name=self.first_name, last_name=self.last_name,
                    username=self.username, language_code=self.language_code)


@dataclass
class Harness:
    dp: Dispatcher
    bot: Bot
    session: RecordingSession
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _msg_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def send(self, person: Person, text: str) -> list[Sent]:
        """The person sends ``text`` in the private chat; returns the bot's requests it caused."""
        from aiogram.types import MessageEntity

        entities = None
        if text.startswith("/"):
            cmd = text.split()[0]
            entities = [MessageEntity(type="bot_command", offset=0, length=len(cmd))]
        msg = Message(message_id=next(self._msg_ids), date=datetime.now(UTC),
                      chat=Chat(id=person.id, type="private", first_name=person.first_name),
                      from_user=person.user, text=text, entities=entities)
        return await self._feed(Update(update_id=next(self._update_ids), message=msg))

    async def send_document(self, person: Person, data: bytes, filename: str, caption: str | None = None) -> list[Sent]:
        """The person sends a file (the bot can getFile and download it)."""
        file_id = f"doc{next(self._msg_ids)}"
        self.session.files[file_id] = data
        msg = Message(message_id=next(self._msg_ids), date=datetime.now(UTC),
                      chat=Chat(id=person.id, type="private", first_name=person.first_name), from_user=person.user,
                      document=Document(file_id=file_id, file_unique_id=f"u{file_id}", file_name=filename,
                                        file_size=len(data)), caption=caption)
        return await self._feed(Update(update_id=next(self._update_ids), message=msg))

    async def press(self, person: Person, sent: Sent, data: str) -> list[Sent]:
        """The person presses the button with callback ``data`` under the bot message ``sent``."""
        message = sent.result if isinstance(sent.result, Message) else None
        query = CallbackQuery(id=str(next(self._update_ids)), from_user=person.user, chat_instance="ci",
                              message=message, data=data)
        return await self._feed(Update(update_id=next(self._update_ids), callback_query=query))

    async def _feed(self, update: Update) -> list[Sent]:
        start = len(self.session.requests)
        await self.dp.feed_update(self.bot, update)
        return self.session.requests[start:]

    def messages(self, sent: list[Sent]) -> list[Sent]:
        return [s for s in sent if s.method in ("SendMessage", "EditMessageText", "SendPhoto", "SendDocument")]

    @staticmethod
    def answers(sent: list[Sent]) -> list[Sent]:
        return [s for s in sent if s.method == "AnswerCallbackQuery"]
