"""Chats: a private chat exists once its user wrote ("chat not found" otherwise), blocked users (403), the
flood limits (429 with ``retry_after``), ``getChat``, and channels (the bot made an administrator or removed,
``getChatMemberCount``)."""

from __future__ import annotations

import math
import time
from typing import Any

from bot.sandbox.spec import ApiError

# methods that send a new message and therefore count against the flood limits
_COUNTED_PREFIXES = ("send", "copymessage", "forwardmessage")
_NOT_COUNTED = {"sendchataction", "sendmessagedraft"}


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` stored."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.last = time.monotonic()

    def take(self) -> float | None:
        """Consume a token; return None on success or the seconds to wait."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / self.rate


class ChatsMixin:
    """Private chats, channels and the flood limits. A part of :class:`BotAPIEmulator` (its state is set in
    ``BotAPIEmulator.__init__``)."""

    def add_channel(self, chat_id: int, title: str, username: str | None = None, member_count: int = 0) -> None:
        """A channel (``chat_id`` negative, as Telegram's) the bot is not a member of yet."""
        if chat_id >= 0:
            raise ValueError("channel ids are negative")
        self.channels[chat_id] = {"title": title, "username": username, "member_count": member_count,
                                  "bot_status": "left"}

    def set_channel_members(self, chat_id: int, count: int) -> None:
        self.channels[chat_id]["member_count"] = count

    def set_bot_status_in_channel(self, chat_id: int, status: str, by_user_id: int) -> dict[str, Any]:
        """The channel's owner ``by_user_id`` makes the bot an ``administrator``, or removes it (``left``,
        ``kicked``): a ``my_chat_member`` update is queued, as Telegram sends it."""
        ch = self.channels[chat_id]
        old, ch["bot_status"] = ch["bot_status"], status
        user = self.users.get(by_user_id)
        sender = user.user_api() if user is not None else {"id": by_user_id, "is_bot": False, "first_name": "Owner"}
        chat = {"id": chat_id, "type": "channel", "title": ch["title"]}
        if ch["username"]:
            chat["username"] = ch["username"]
        return self._queue_update("my_chat_member", {
            "chat": chat, "from": sender, "date": int(time.time()),
            "old_chat_member": self._channel_member(old), "new_chat_member": self._channel_member(status)})

    def _channel_member(self, status: str) -> dict[str, Any]:
        member: dict[str, Any] = {"status": status, "user": self._bot_user()}
        if status == "administrator":  # every right the spec requires, as a channel admin that may post
            tdef = self.spec.types.get("ChatMemberAdministrator") or {}
            for f in tdef.get("fields", []):
                if f.get("required") and f["name"] not in member:
                    member[f["name"]] = f["name"] in ("can_manage_chat", "can_post_messages", "can_invite_users")
            member["can_post_messages"] = True
            # sent by Bot API versions newer than the bundled spec (aiogram requires it)
            member.setdefault("can_send_welcome_messages", False)
        elif status == "kicked":
            member["until_date"] = 0
        return member

    async def _api_getchatmembercount(self, params: dict, files: dict) -> int:
        chat_id = params["chat_id"]
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            chat_id = next((cid for cid, ch in self.channels.items()
                            if ch["username"] and ch["username"].lower() == chat_id[1:].lower()), chat_id)
        ch = self.channels.get(chat_id) if isinstance(chat_id, int) else None
        if ch is None:
            self._resolve_chat(chat_id)
            return 2  # a private chat: the user and the bot
        if ch["bot_status"] in ("left", "kicked"):
            raise ApiError("Forbidden: bot is not a member of the channel chat", 403)
        return ch["member_count"]

    def block_user(self, user_id: int) -> None:
        """The user blocks the bot: further calls to that chat get 403."""
        self.blocked.add(user_id)

    def unblock_user(self, user_id: int) -> None:
        self.blocked.discard(user_id)

    def _resolve_chat(self, chat_id: Any) -> int:
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for u in self.users.values():
                    if u.username and "@" + u.username.lower() == chat_id.lower() and u.started:
                        return self._resolve_chat(u.id)
            raise ApiError("Bad Request: chat not found")
        user = self.users.get(chat_id)
        if user is None or not user.started:
            raise ApiError("Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError("Forbidden: bot was blocked by the user", 403)
        return chat_id

    def _flood_check(self, method: str, chat_id: int) -> None:
        low = method.lower()
        if low in _NOT_COUNTED or not low.startswith(_COUNTED_PREFIXES):
            return
        waits = []
        if self.global_rate:
            if self._global_bucket is None:
                self._global_bucket = TokenBucket(self.global_rate, self.global_burst or self.global_rate)
            waits.append(self._global_bucket.take())
        if self.per_chat_rate:
            bucket = self._chat_buckets.get(chat_id)
            if bucket is None:
                bucket = self._chat_buckets[chat_id] = TokenBucket(self.per_chat_rate, self.per_chat_burst)
            waits.append(bucket.take())
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            retry = max(1, math.ceil(wait))
            raise ApiError(f"Too Many Requests: retry after {retry}", 429, retry_after=retry)

    def _private_chat(self, chat_id: int) -> dict[str, Any]:
        return self.users[chat_id].chat_api()

    async def _api_getchat(self, params: dict, files: dict) -> dict:
        chat_id = self._resolve_chat(params["chat_id"])
        return {
            **self._private_chat(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
