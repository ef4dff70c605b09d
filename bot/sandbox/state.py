"""Plain data objects the emulator keeps: messages, files, callback queries."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CallbackRecord", "EmuFile", "EmuMessage"]


@dataclass
class EmuFile:
    """A file known to the emulator (uploaded by the bot or sent by a fake user)."""

    file_id: str
    file_unique_id: str
    file_path: str
    kind: str  # "document", "photo", ...
    filename: str | None = None
    content_type: str | None = None
    raw_bytes: bytes | None = None
    url: str | None = None  # when the bot passed an HTTP URL instead of bytes
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int | None:
        return None if self.raw_bytes is None else len(self.raw_bytes)

    def file_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.size is not None:
            data["file_size"] = self.size
        data["file_path"] = self.file_path
        return data


@dataclass
class EmuMessage:
    """A message in a chat, as the emulator stores it.

    ``text`` is what a Telegram client shows (plain text, or the caption of a media
    message); ``html`` is the raw string the bot sent (with markup).  The object is
    updated in place when the bot edits or deletes the message, previous versions
    are kept in ``history``.
    """

    message_id: int
    chat_id: int
    from_bot: bool
    method: str  # "sendMessage", "sendPhoto", ... or "user" for messages of fake users
    date: int
    chat: dict[str, Any]
    sender: dict[str, Any]
    text: str | None = None
    html: str | None = None
    parse_mode: str | None = None
    entities: list[dict] = field(default_factory=list)
    reply_markup: dict | None = None
    document: dict | None = None
    photo: list[dict] | None = None
    files: list[EmuFile] = field(default_factory=list)
    media_group_id: str | None = None
    reply_to_message_id: int | None = None
    edited: bool = False
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False
    history: list[dict] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)  # decoded request parameters
    extra: dict[str, Any] = field(default_factory=dict)  # more Bot API fields (forward_origin...)

    @property
    def is_media(self) -> bool:
        return self.document is not None or self.photo is not None

    @property
    def caption(self) -> str | None:
        return self.text if self.is_media else None

    @property
    def raw_bytes(self) -> bytes | None:
        """Bytes of the (first) attached file, e.g. a PNG chart or a CSV export."""
        return self.files[0].raw_bytes if self.files else None

    @property
    def file(self) -> EmuFile | None:
        return self.files[0] if self.files else None

    @property
    def buttons(self) -> list[dict]:
        """All inline keyboard buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [b for row in rows for b in row]

    @property
    def button_texts(self) -> list[str]:
        return [b.get("text", "") for b in self.buttons]

    def snapshot(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "html": self.html,
            "entities": copy.deepcopy(self.entities),
            "reply_markup": copy.deepcopy(self.reply_markup),
            "edit_date": self.edit_date,
        }

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``Message`` object."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.media_group_id:
            data["media_group_id"] = self.media_group_id
        data.update(self.extra)
        if self.document is not None:
            data["document"] = self.document
        if self.photo is not None:
            data["photo"] = self.photo
        if self.is_media:
            if self.text:
                data["caption"] = self.text
                if self.entities:
                    data["caption_entities"] = self.entities
        elif self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data

    def __repr__(self) -> str:
        flags = "".join(
            [
                " edited" if self.edited else "",
                " deleted" if self.deleted else "",
                " bot" if self.from_bot else "",
            ]
        )
        return (
            f"<EmuMessage #{self.message_id} chat={self.chat_id}{flags} {self.method} "
            f"text={self.text!r} buttons={self.button_texts}>"
        )


@dataclass
class CallbackRecord:
    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    created: float
    answered: bool = False
    answer: dict[str, Any] | None = None  # parameters of answerCallbackQuery
