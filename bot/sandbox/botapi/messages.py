"""Messages the bot sends and changes: ``sendMessage``, ``sendChatAction``, ``copyMessage``,
``forwardMessage``, the edits ("message is not modified" like Telegram) and deletions; the text fields of a
message (its parse mode applied)."""

from __future__ import annotations

import copy
import itertools
import time
from typing import Any

from bot.sandbox.spec import ApiError, formatted_text
from bot.sandbox.state import EmuMessage

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class MessagesMixin:
    """Sending, copying, editing and deleting messages. A part of :class:`BotAPIEmulator` (its state is set in
    ``BotAPIEmulator.__init__``)."""

    def _next_message_id(self, chat_id: int) -> int:
        if chat_id not in self._message_ids:
            self._message_ids[chat_id] = itertools.count(1)
        return next(self._message_ids[chat_id])

    def _edit_target(self, params: dict[str, Any], what: str = "edit") -> EmuMessage:
        if "inline_message_id" in params:
            raise ApiError(
                f"Bad Request: inline messages are not supported by the emulator ({what})", violation=True
            )
        if "chat_id" not in params or "message_id" not in params:
            raise ApiError(
                f"Bad Request: chat_id and message_id are required to {what} a message", violation=True
            )
        chat_id = self._resolve_chat(params["chat_id"])
        msg = self.find_message(chat_id, params["message_id"])
        if msg is None or msg.deleted:
            raise ApiError(f"Bad Request: message to {what} not found")
        return msg

    def _new_bot_message(
        self, chat_id: int, method: str, params: dict[str, Any], **fields: Any
    ) -> EmuMessage:
        reply_to = None
        rp = params.get("reply_parameters")
        if isinstance(rp, dict):
            target = self.find_message(rp.get("chat_id", chat_id), rp["message_id"])
            if target is None or target.deleted:
                if not rp.get("allow_sending_without_reply"):
                    raise ApiError("Bad Request: message to be replied not found")
            else:
                reply_to = target.message_id
        msg = EmuMessage(
            message_id=self._next_message_id(chat_id),
            chat_id=chat_id,
            from_bot=True,
            method=method,
            date=int(time.time()),
            chat=self._private_chat(chat_id),
            sender=self._bot_user(),
            reply_to_message_id=reply_to,
            params=params,
            **fields,
        )
        if reply_to is not None:
            target = self.find_message(chat_id, reply_to)
            if target is not None:
                msg.extra["reply_to_message"] = target.to_api()
        self.chats[chat_id].append(msg)
        return msg

    def _text_fields(self, text: str | None, parse_mode: str | None, entities: list | None) -> dict[str, Any]:
        if text is None:
            return {"text": None, "html": None, "entities": [], "parse_mode": None}
        if entities is not None and not parse_mode:
            return {"text": text, "html": text, "entities": list(entities), "parse_mode": None}
        plain, ents = formatted_text(text, parse_mode)
        return {"text": plain, "html": text, "entities": ents, "parse_mode": parse_mode}

    async def _api_sendchataction(self, params: dict, files: dict) -> bool:
        chat_id = self._resolve_chat(params["chat_id"])
        self.chat_actions.append({"chat_id": chat_id, "action": params["action"], "time": time.time()})
        return True

    async def _api_sendmessage(self, params: dict, files: dict) -> dict:
        chat_id = self._resolve_chat(params["chat_id"])
        self._flood_check("sendMessage", chat_id)
        fields = self._text_fields(params["text"], params.get("parse_mode"), params.get("entities"))
        msg = self._new_bot_message(
            chat_id, "sendMessage", params, reply_markup=params.get("reply_markup"), **fields
        )
        return msg.to_api()

    async def _api_copymessage(self, params: dict, files: dict) -> dict:
        msg = self._copy(params, forward=False)
        return {"message_id": msg.message_id}

    async def _api_forwardmessage(self, params: dict, files: dict) -> dict:
        return self._copy(params, forward=True).to_api()

    def _copy(self, params: dict, forward: bool) -> EmuMessage:
        chat_id = self._resolve_chat(params["chat_id"])
        from_chat = self._resolve_chat(params["from_chat_id"])
        src = self.find_message(from_chat, params["message_id"])
        if src is None or src.deleted:
            raise ApiError("Bad Request: message to copy not found")
        method = "forwardMessage" if forward else "copyMessage"
        self._flood_check(method, chat_id)
        fields: dict[str, Any] = {"text": src.text, "html": src.html, "entities": copy.deepcopy(src.entities)}
        if not forward and "caption" in params:
            fields = self._text_fields(
                params["caption"], params.get("parse_mode"), params.get("caption_entities")
            )
        msg = self._new_bot_message(
            chat_id,
            method,
            params,
            files=list(src.files),
            document=src.document,
            photo=src.photo,
            reply_markup=params.get("reply_markup") if not forward else None,
            **fields,
        )
        if forward:
            msg.extra["forward_origin"] = {"type": "user", "sender_user": src.sender, "date": src.date}
        return msg

    def _apply_edit(self, msg: EmuMessage, new: dict[str, Any]) -> dict:
        # like Telegram, compare what the user sees: plain text, entities and keyboard
        visible = ("text", "entities", "reply_markup")
        if all(getattr(msg, k) == new[k] for k in visible if k in new):
            raise ApiError(NOT_MODIFIED)
        msg.history.append(msg.snapshot())
        for k, v in new.items():
            setattr(msg, k, v)
        msg.edited = True
        msg.edit_count += 1
        msg.edit_date = int(time.time())
        return msg.to_api()

    async def _api_editmessagetext(self, params: dict, files: dict) -> dict:
        msg = self._edit_target(params)
        if not msg.from_bot:
            raise ApiError("Bad Request: message can't be edited")
        if msg.is_media:
            raise ApiError("Bad Request: there is no text in the message to edit")
        return self._edit_text(msg, params, params["text"], params.get("entities"))

    async def _api_editmessagecaption(self, params: dict, files: dict) -> dict:
        msg = self._edit_target(params)
        if not msg.from_bot:
            raise ApiError("Bad Request: message can't be edited")
        if not msg.is_media:
            raise ApiError("Bad Request: there is no caption in the message to edit")
        return self._edit_text(msg, params, params.get("caption"), params.get("caption_entities"))

    def _edit_text(self, msg, params: dict, text, entities) -> dict:
        """editMessageText / editMessageCaption: the new text (or caption) checked as a send checks it."""
        fields = self._text_fields(text, params.get("parse_mode"), entities)
        return self._apply_edit(msg, {"text": fields["text"], "entities": fields["entities"],
                                      "reply_markup": params.get("reply_markup"), "html": fields["html"],
                                      "parse_mode": fields["parse_mode"]})

    async def _api_editmessagereplymarkup(self, params: dict, files: dict) -> dict:
        msg = self._edit_target(params)
        if not msg.from_bot:
            raise ApiError("Bad Request: message can't be edited")
        return self._apply_edit(msg, {"reply_markup": params.get("reply_markup")})

    async def _api_deletemessage(self, params: dict, files: dict) -> bool:
        msg = self._edit_target(params, "delete")
        msg.deleted = True
        return True

    async def _api_deletemessages(self, params: dict, files: dict) -> bool:
        chat_id = self._resolve_chat(params["chat_id"])
        for mid in params["message_ids"]:
            msg = self.find_message(chat_id, mid)
            if msg is not None:
                msg.deleted = True
        return True
