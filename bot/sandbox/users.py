"""Fake Telegram users who talk to the bot through the emulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.spec import ApiError, UploadedFile
from bot.sandbox.state import CallbackRecord, EmuMessage
from bot.sandbox.tghtml import utf16_len

if TYPE_CHECKING:
    from bot.sandbox.botapi import BotAPIEmulator

__all__ = ["FakeUser"]

MessagePredicate = Callable[[EmuMessage], Any]


class FakeUser:
    """A user in a private chat with the bot (chat id == user id).

    Every action (``send``, ``press``...) queues an update for the bot and resets the
    "since last action" cursor used by :meth:`wait_message` and :meth:`wait_edit`.
    """

    def __init__(
        self,
        emu: BotAPIEmulator,
        id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> None:
        self.emu = emu
        self.id = id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.started = False  # becomes True once the user sent anything to the bot
        self._cursor = 0  # index in the chat history; wait_message looks from here
        self._edit_marks: dict[int, int] = {}

    # ------------------------------------------------------------- Bot API shapes
    def user_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    # ------------------------------------------------------------------ history
    @property
    def chat_history(self) -> list[EmuMessage]:
        """All messages of the chat (the user's and the bot's) in order."""
        return self.emu.chats.get(self.id, [])

    @property
    def messages(self) -> list[EmuMessage]:
        """All bot messages in this chat, in order, in their current state (after edits)."""
        return [m for m in self.chat_history if m.from_bot]

    @property
    def visible_messages(self) -> list[EmuMessage]:
        return [m for m in self.messages if not m.deleted]

    @property
    def last(self) -> EmuMessage | None:
        """The last (not deleted) bot message in this chat."""
        visible = self.visible_messages
        return visible[-1] if visible else None

    def block(self) -> None:
        self.emu.block_user(self.id)

    def unblock(self) -> None:
        self.emu.unblock_user(self.id)

    # ------------------------------------------------------------------ actions
    def _mark_action(self) -> None:
        self.started = True
        self._cursor = len(self.chat_history)
        self._edit_marks = {m.message_id: m.edit_count for m in self.messages}

    def _user_message(self, **fields: Any) -> EmuMessage:
        self._mark_action()
        msg = EmuMessage(
            message_id=self.emu._next_message_id(self.id),
            chat_id=self.id,
            from_bot=False,
            method="user",
            date=int(time.time()),
            chat=self.chat_api(),
            sender=self.user_api(),
            **fields,
        )
        self.emu.chats[self.id].append(msg)
        self._cursor = len(self.chat_history)
        self.emu._queue_update("message", msg.to_api())
        return msg

    async def answer_poll(self, message: EmuMessage, option: int | list[int]) -> None:
        """Answer the poll in a bot message as a Telegram client would (see :meth:`BotAPIEmulator.vote`: a
        ``poll_answer`` update for a non-anonymous poll, the counts updated; a second answer to a quiz is
        refused, here with an AssertionError)."""
        poll = message.extra.get("poll")
        if poll is None:
            raise AssertionError(f"message #{message.message_id} has no poll")
        try:
            self.emu.vote(self, poll["id"], [option] if isinstance(option, int) else list(option))
        except ApiError as e:
            raise AssertionError(f"poll #{message.message_id}: {e.description}") from None
        await asyncio.sleep(0)

    async def inline(self, query: str, timeout: float = 10) -> dict:  # noqa: ASYNC109
        """Type ``@bot query`` in some chat: an ``inline_query`` update; returns the bot's answerInlineQuery
        parameters (``results``, ``is_personal``...)."""
        qid = str(6_000_000_000 + next(self.emu._inline_ids))
        self.emu._queue_update("inline_query", {"id": qid, "from": self.user_api(), "query": query, "offset": "",
                                                "chat_type": "sender"})
        return await self.emu.wait_for(lambda: self.emu.inline_answers.get(qid), timeout, "an inline answer")

    async def send(self, text: str, entities: list[dict] | None = None) -> EmuMessage:
        """Send a text message; a leading ``/command`` gets a ``bot_command`` entity; ``entities``: the
        formatting the user applied (bold, text_link...)."""
        entities = list(entities or [])
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
        msg = self._user_message(text=text, html=text, entities=entities)
        await asyncio.sleep(0)
        return msg

    async def send_document(
        self,
        data: bytes,
        filename: str = "file.bin",
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> EmuMessage:
        """Send a document; the bot can getFile/download it."""
        f = self.emu._new_file("document", UploadedFile("document", filename, mime_type, data))
        msg = self._user_message(text=caption, html=caption, files=[f], **self.emu._media_fields(f))
        await asyncio.sleep(0)
        return msg

    def _find_button(self, msg: EmuMessage, key: str) -> dict:
        for b in msg.buttons:
            if b.get("text") == key:
                return b
        for b in msg.buttons:
            if b.get("callback_data") == key:
                return b
        listing = ", ".join(
            f"{b.get('text')!r}->{b.get('callback_data', b.get('url'))!r}" for b in msg.buttons
        )
        raise AssertionError(
            f"message #{msg.message_id} ({msg.text!r}) has no button {key!r}; available: [{listing}]"
        )

    async def press(self, message: EmuMessage | int, button: str) -> str:
        """Press an inline button (by its text or exact callback_data); return the callback query id."""
        mid = message if isinstance(message, int) else message.message_id
        msg = self.emu.find_message(self.id, mid)
        if msg is None:
            raise AssertionError(f"no message #{mid} in the chat with user {self.id}")
        if msg.deleted:
            raise AssertionError(f"message #{mid} was deleted by the bot; its buttons can't be pressed")
        b = self._find_button(msg, button)
        if "callback_data" not in b:
            raise AssertionError(f"button {b.get('text')!r} is not a callback button: {b}")
        self._mark_action()
        qid = str(4_000_000_000_000_000_000 + next(self.emu._callback_ids))
        self.emu.callbacks[qid] = CallbackRecord(
            id=qid,
            user_id=self.id,
            chat_id=self.id,
            message_id=mid,
            data=b["callback_data"],
            created=time.monotonic(),
        )
        self.emu._queue_update(
            "callback_query",
            {
                "id": qid,
                "from": self.user_api(),
                "message": msg.to_api(),
                "chat_instance": str(-(10**18) - self.id),
                "data": b["callback_data"],
            },
        )
        await asyncio.sleep(0)
        return qid

    # ------------------------------------------------------------------ waiting
    async def wait_message(
        self,
        predicate: MessagePredicate | None = None,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> EmuMessage:
        """Next new bot message in this chat after the last user action (and after the
        messages returned by previous ``wait_message`` calls) that matches ``predicate``."""

        def find() -> EmuMessage | None:
            history = self.chat_history
            for idx in range(self._cursor, len(history)):
                m = history[idx]
                if m.from_bot and (predicate is None or predicate(m)):
                    self._cursor = idx + 1
                    return m
            return None

        try:
            return await self.emu.wait_for(find, timeout, "a bot message")
        except AssertionError:
            recent = self.chat_history[max(0, self._cursor - 3) :]
            raise AssertionError(
                f"user {self.id}: no new bot message{' matching the predicate' if predicate else ''} "
                f"within {timeout}s; recent chat: {recent}; violations: {self.emu.violations}"
            ) from None

    async def wait_edit(
        self,
        message: EmuMessage | int,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> EmuMessage:
        """Wait until the bot edits ``message`` (an edit after the last user action / last wait_edit)."""
        mid = message if isinstance(message, int) else message.message_id
        baseline = self._edit_marks.get(mid, 0)

        def find() -> EmuMessage | None:
            m = self.emu.find_message(self.id, mid)
            if m is not None and m.edit_count > baseline:
                return m
            return None

        try:
            msg = await self.emu.wait_for(find, timeout, "an edit")
        except AssertionError:
            raise AssertionError(
                f"user {self.id}: message #{mid} was not edited within {timeout}s; "
                f"current: {self.emu.find_message(self.id, mid)}; violations: {self.emu.violations}"
            ) from None
        self._edit_marks[mid] = msg.edit_count
        return msg

    def __repr__(self) -> str:
        return f"<FakeUser {self.id} {self.first_name!r} @{self.username}>"
