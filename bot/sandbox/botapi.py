"""The HTTP Bot API emulator (see the package docstring for usage)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import math
import mimetypes
import re
import struct
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sandbox.spec import ApiError, ApiSpec, UploadedFile, formatted_text, load_spec
from bot.sandbox.state import CallbackRecord, EmuFile, EmuMessage
from bot.sandbox.users import FakeUser

__all__ = ["BotAPIEmulator", "TokenBucket"]

TOKEN_RE = re.compile(r"(\d+):[A-Za-z0-9_-]{30,}")
DEFAULT_TOKEN = "123456789:TEST-teamdesk-emulator-token-0123456789"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
# methods that send a new message and therefore count against the flood limits
_COUNTED_PREFIXES = ("send", "copymessage", "forwardmessage")
_NOT_COUNTED = {"sendchataction", "sendmessagedraft"}
_UPDATE_TYPES_DEFAULT_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}
PHOTO_MAX = 10 * 1024 * 1024
FILE_MAX = 50 * 1024 * 1024


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


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image; None if not an image."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        if data[12:16] == b"VP8X":
            return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
        if data[12:16] == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        return 1, 1
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return w, h
            seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
            i += 2 + seg_len
        return None
    return None


class BotAPIEmulator:
    """A strict in-process Telegram Bot API server for one bot.

    Rate limits (token buckets, counted for every method that sends a new message:
    ``send*`` except ``sendChatAction``, ``copyMessage``, ``forwardMessage``):

    * ``global_rate`` messages per second across all chats (burst = ``global_burst``,
      default equal to the rate), default 30/s like Telegram's broadcast limit;
    * ``per_chat_rate`` messages per second in one chat with a burst of
      ``per_chat_burst``, default 1/s with a burst of 5: a bot may answer one user
      action with a few messages, but a loop that spams one chat gets 429.

    Pass ``None`` to disable a limit.  Exceeding a limit answers 429 with an integer
    ``retry_after`` (at least 1).
    """

    def __init__(
        self,
        token: str | None = None,
        bot_username: str = "teamdesk_test_bot",
        *,
        bot_first_name: str = "TeamDesk Test",
        host: str = "127.0.0.1",
        port: int = 0,
        spec: ApiSpec | None = None,
        global_rate: float | None = 30,
        global_burst: float | None = None,
        per_chat_rate: float | None = 1.0,
        per_chat_burst: float = 5,
        callback_timeout: float | None = None,
        keep_requests: int | None = None,
    ) -> None:
        if token is not None and not TOKEN_RE.fullmatch(token):
            raise ValueError(f"token {token!r} does not look like a bot token")
        self.token = token or DEFAULT_TOKEN
        self._accept_any_token = token is None
        self.bot_id = int(self.token.split(":")[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.host = host
        self.port = port
        self.spec = spec or load_spec()
        self.global_rate = global_rate
        self.global_burst = global_burst
        self.per_chat_rate = per_chat_rate
        self.per_chat_burst = per_chat_burst
        self.callback_timeout = callback_timeout
        # a long-running sandbox keeps only the last ``keep_requests`` requests and errors (tests keep all)
        self.keep_requests = keep_requests

        # --- observable state for tests
        self.violations: list[dict[str, Any]] = []  # spec/markup/limit violations
        self.errors: list[dict[str, Any]] = []  # every non-ok answer (incl. violations)
        self.requests: list[dict[str, Any]] = []  # every call: method, params, ok
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, list[EmuMessage]] = defaultdict(list)
        self.files: dict[str, EmuFile] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.commands: dict[tuple[str, str], list[dict]] = {}  # (scope json, language) -> commands
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.menu_buttons: dict[int | None, dict] = {}
        self.chat_actions: list[dict[str, Any]] = []
        self.webhook_url: str = ""
        self.webhook_secret: str | None = None
        self.webhook_max_connections = 40
        # every webhook POST: update_id, HTTP status (or the connection error), time
        self.webhook_posts: list[dict[str, Any]] = []
        self.blocked: set[int] = set()
        self.channels: dict[int, dict[str, Any]] = {}  # chat id → title, username, member_count, bot_status

        self._runner: web.AppRunner | None = None
        self._updates: deque[dict] = deque()
        self._update_ids = itertools.count(1)
        self._delivered_upto = 0
        self._allowed_updates: list[str] | None = None
        self._message_ids: dict[int, itertools.count] = {}
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._media_groups = itertools.count(1)
        self._failures: dict[str, deque[ApiError]] = defaultdict(deque)
        self._global_bucket: TokenBucket | None = None
        self._chat_buckets: dict[int, TokenBucket] = {}
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self.polls: dict[str, tuple[int, int]] = {}  # poll id → (chat id, message id) of sendPoll
        self.poll_votes: dict[str, dict[int, list[int]]] = {}  # poll id → user id → the options they chose
        self.inline_answers: dict[str, dict[str, Any]] = {}  # inline query id → answerInlineQuery params
        self._poll_ids = itertools.count(1)
        self._inline_ids = itertools.count(1)
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._stopping = False
        self._webhook_task: asyncio.Task | None = None
        self._webhook_inflight: dict[int, asyncio.Task] = {}  # update_id -> POST in flight
        self._webhook_retry_at: dict[int, float] = {}  # update_id -> monotonic time of the next try

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> BotAPIEmulator:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._http_handler)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        self._stopping = False
        return self

    async def stop(self) -> None:
        self._stopping = True
        self._notify()
        await self._stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test API
    def user(
        self,
        id: int,
        first_name: str = "User",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
        *,
        started: bool = False,
    ) -> FakeUser:
        """Create (or return the existing) fake user with this id.

        The private chat exists for the bot only after the user sent something; pass
        ``started=True`` for a user who talked to the bot before the test began (e.g. a
        user seeded in the database who should receive scheduled messages).
        """
        if id in self.users:
            return self.users[id]
        u = FakeUser(self, id, first_name, last_name, username, language_code)
        u.started = started
        self.users[id] = u
        return u

    # ------------------------------------------------------------------ channels
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

    def fail_next(
        self,
        method: str,
        error_code: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next call of ``method`` fail with this error (queued, one per call)."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {
                400: "Bad Request: injected failure",
                403: "Forbidden: bot was blocked by the user",
                429: f"Too Many Requests: retry after {retry_after}",
            }.get(error_code, "Internal Server Error")
        self._failures[method.lower()].append(ApiError(description, error_code, retry_after=retry_after))

    def unanswered_callbacks(self) -> list[CallbackRecord]:
        return [c for c in self.callbacks.values() if not c.answered]

    def get_commands(self, scope: dict | None = None, language_code: str = "") -> list[dict] | None:
        """Commands stored by setMyCommands for this scope (default scope when None) and language."""
        return self.commands.get((self._scope_key(scope), language_code or ""))

    def messages(self, chat_id: int) -> list[EmuMessage]:
        return self.chats.get(chat_id, [])

    def bot_messages(self, chat_id: int | None = None) -> list[EmuMessage]:
        chats = [chat_id] if chat_id is not None else list(self.chats)
        return [m for c in chats for m in self.chats.get(c, []) if m.from_bot]

    def find_message(self, chat_id: int, message_id: int) -> EmuMessage | None:
        for m in self.chats.get(chat_id, []):
            if m.message_id == message_id:
                return m
        return None

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Successful calls of ``method`` (decoded params)."""
        low = method.lower()
        return [r for r in self.requests if r["method"].lower() == low and r["ok"]]

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - part of the documented API
        """Wait until the bot fetched every queued update and sent nothing for ``quiet`` s."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if self.webhook_url:
                undelivered = bool(self._updates) or bool(self._webhook_inflight)
            else:
                undelivered = any(u["update_id"] > self._delivered_upto for u in self._updates)
            if not undelivered and self._inflight == 0 and now - self._last_activity >= quiet:
                return
            if now > deadline:
                raise AssertionError(
                    f"emulator not idle after {timeout}s: undelivered updates={undelivered}, "
                    f"requests in flight={self._inflight}"
                )
            await asyncio.sleep(0.02)

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 10.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every state change)."""
        deadline = time.monotonic() + timeout
        while True:
            changed = self._changed
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            try:
                await asyncio.wait_for(changed.wait(), min(remaining, 0.2))
            except TimeoutError:
                pass

    # ------------------------------------------------------------- internal helpers
    async def wait_change(self, timeout: float) -> None:  # noqa: ASYNC109 - a bounded wait by design
        """Return at the next request, update or answer, or after ``timeout`` s (the web chat's live view)."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _next_message_id(self, chat_id: int) -> int:
        if chat_id not in self._message_ids:
            self._message_ids[chat_id] = itertools.count(1)
        return next(self._message_ids[chat_id])

    def _queue_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._updates.append(update)
        self._notify()
        return update

    def _new_file(self, kind: str, upload: UploadedFile | None = None, url: str | None = None) -> EmuFile:
        n = next(self._file_ids)
        ext = ""
        if upload is not None and "." in upload.filename:
            ext = "." + upload.filename.rsplit(".", 1)[1]
        elif kind == "photo":
            ext = ".jpg"
        folder = {"photo": "photos", "document": "documents"}.get(kind, kind + "s")
        f = EmuFile(
            file_id=f"EMU{kind[:3].upper()}{n:06d}{hashlib.sha1(str(n).encode()).hexdigest()[:20]}",
            file_unique_id=f"U{n:08d}",
            file_path=f"{folder}/file_{n}{ext}",
            kind=kind,
            filename=upload.filename if upload else None,
            content_type=upload.content_type if upload else None,
            raw_bytes=upload.data if upload else None,
            url=url,
        )
        self.files[f.file_id] = f
        return f

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    @staticmethod
    def _scope_key(scope: dict | None) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    # ------------------------------------------------------------------ HTTP layer
    async def _http_handler(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        m = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if m:
            return self._download(m.group(1), m.group(2))
        m = re.fullmatch(r"/bot([^/]+)/([A-Za-z0-9_]+)/?", path)
        if not m:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        token, method = m.group(1), m.group(2)
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        ctype = request.content_type
        if request.method == "POST" and request.can_read_body:
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    return web.json_response(
                        {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON body"},
                        status=400,
                    )
                raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        filename = value.filename or key
                        content_type = value.content_type or "application/octet-stream"
                        if content_type == "application/octet-stream":
                            # Telegram derives the MIME type from the file name
                            content_type = mimetypes.guess_type(filename)[0] or content_type
                        files[key] = UploadedFile(
                            field=key, filename=filename, content_type=content_type, data=value.file.read()
                        )
                    else:
                        raw[key] = value
        status, payload = await self._dispatch(token, method, raw, files)
        return web.json_response(payload, status=status)

    def _download(self, token: str, file_path: str) -> web.Response:
        if not self._token_ok(token):
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        for f in self.files.values():
            if f.file_path == file_path and f.raw_bytes is not None:
                return web.Response(
                    body=f.raw_bytes, content_type=f.content_type or "application/octet-stream"
                )
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    def _token_ok(self, token: str) -> bool:
        if self._accept_any_token:
            if not TOKEN_RE.fullmatch(token):
                return False
            # the first well-formed token used becomes the bot's token (getMe reports its id)
            self.token = token
            self.bot_id = int(token.split(":")[0])
            self._accept_any_token = False
            return True
        return token == self.token

    async def api_call(
        self, method: str, params: dict[str, Any] | None = None, files: dict[str, UploadedFile] | None = None
    ) -> dict[str, Any]:
        """Call the emulated API in-process (no HTTP); returns the JSON answer."""
        _, payload = await self._dispatch(None, method, dict(params or {}), files or {})
        return payload

    async def _dispatch(
        self, token: str | None, method: str, raw: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[int, dict[str, Any]]:
        if token is not None and not self._token_ok(token):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        is_poll = method.lower() == "getupdates"
        record: dict[str, Any] = {"method": method, "params": raw, "ok": False, "time": time.time()}
        self.requests.append(record)
        if self.keep_requests is not None:
            for log in (self.requests, self.errors, self.violations):
                if len(log) > 2 * self.keep_requests:
                    del log[: len(log) - self.keep_requests]
        if not is_poll:
            self._inflight += 1
            self._last_activity = time.monotonic()
        try:
            call = self.spec.validate_call(method, raw, files)
            record["method"] = call.method
            record["params"] = call.params
            failures = self._failures.get(call.method.lower())
            if failures:
                raise failures.popleft()
            handler = getattr(self, f"_api_{call.method.lower()}", None)
            if handler is not None:
                result = await handler(call.params, files)
            elif call.returns == ["Boolean"]:
                result = True
            else:
                raise ApiError(
                    f"Bad Request: method not implemented in emulator: {call.method}", violation=True
                )
            record["ok"] = True
            return 200, {"ok": True, "result": result}
        except ApiError as e:
            entry = {"method": record["method"], "params": record["params"], "description": e.description}
            record["error"] = e.description
            self.errors.append({**entry, "error_code": e.error_code})
            if e.violation:
                self.violations.append(entry)
            return e.error_code, e.payload()
        finally:
            if not is_poll:
                self._inflight -= 1
            self._last_activity = time.monotonic()
            self._notify()

    # ----------------------------------------------------------- chat-level checks
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

    def _resolve_input_file(self, value: Any, kind: str, files: dict[str, UploadedFile]) -> EmuFile:
        if isinstance(value, UploadedFile):
            upload = value
        elif isinstance(value, str) and value.startswith("attach://"):
            key = value[len("attach://") :]
            if key not in files:
                raise ApiError(f'Bad Request: file "{value}" was not uploaded', violation=True)
            upload = files[key]
        elif isinstance(value, str) and re.match(r"https?://", value):
            return self._new_file(kind, url=value)
        elif isinstance(value, str) and value in self.files:
            return self.files[value]
        else:
            raise ApiError("Bad Request: wrong file identifier/HTTP URL specified")
        if not upload.data:
            raise ApiError("Bad Request: file must be non-empty", violation=True)
        limit = PHOTO_MAX if kind == "photo" else FILE_MAX
        if len(upload.data) > limit:
            raise ApiError("Request Entity Too Large", 413, violation=True)
        f = self._new_file(kind, upload)
        if kind == "photo":
            size = image_size(upload.data)
            if size is None:
                raise ApiError(
                    "Bad Request: IMAGE_PROCESS_FAILED (photo is not a PNG/JPEG/GIF/WebP image)",
                    violation=True,
                )
            w, h = size
            if w + h > 10000 or max(w, h) > 20 * max(1, min(w, h)):
                raise ApiError("Bad Request: PHOTO_INVALID_DIMENSIONS", violation=True)
            f.width, f.height = w, h
        return f

    @staticmethod
    def _media_fields(f: EmuFile) -> dict[str, Any]:
        if f.kind == "photo":
            w, h = f.width or 100, f.height or 100
            size = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "width": w, "height": h}
            if f.size is not None:
                size["file_size"] = f.size
            return {"photo": [size]}
        doc: dict[str, Any] = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.filename:
            doc["file_name"] = f.filename
        if f.content_type:
            doc["mime_type"] = f.content_type
        if f.size is not None:
            doc["file_size"] = f.size
        return {"document": doc}

    def _text_fields(self, text: str | None, parse_mode: str | None, entities: list | None) -> dict[str, Any]:
        if text is None:
            return {"text": None, "html": None, "entities": [], "parse_mode": None}
        if entities is not None and not parse_mode:
            return {"text": text, "html": text, "entities": list(entities), "parse_mode": None}
        plain, ents = formatted_text(text, parse_mode)
        return {"text": plain, "html": text, "entities": ents, "parse_mode": parse_mode}

    # ------------------------------------------------------------------ methods
    async def _api_getme(self, params: dict, files: dict) -> dict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getupdates(self, params: dict, files: dict) -> list[dict]:
        if self.webhook_url:
            raise ApiError(
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                "the webhook first",
                409,
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # wakes (and terminates) an older long poll
        if "allowed_updates" in params:
            self._allowed_updates = params["allowed_updates"] or None
        offset = params.get("offset")
        if offset is not None:
            if offset < 0:
                while len(self._updates) > -offset:
                    self._updates.popleft()
            else:
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
        limit = max(1, min(100, params.get("limit", 100)))
        deadline = time.monotonic() + max(0, params.get("timeout", 0))
        while True:
            changed = self._changed
            if self._allowed_updates is not None:
                allowed = set(self._allowed_updates)
                self._updates = deque(u for u in self._updates if (set(u) - {"update_id"}) & allowed)
            else:
                self._updates = deque(
                    u for u in self._updates if not (set(u) - {"update_id"}) & _UPDATE_TYPES_DEFAULT_EXCLUDED
                )
            batch = list(itertools.islice(self._updates, limit))
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._stopping:
                break
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                pass
            if generation != self._poll_generation:
                raise ApiError(
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
                    "is running",
                    409,
                )
        if batch:
            self._delivered_upto = max(self._delivered_upto, batch[-1]["update_id"])
            self._last_activity = time.monotonic()
        return copy.deepcopy(batch)

    async def _api_getwebhookinfo(self, params: dict, files: dict) -> dict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _api_setwebhook(self, params: dict, files: dict) -> bool:
        self.webhook_url = params.get("url", "")
        self.webhook_secret = params.get("secret_token") or None
        self.webhook_max_connections = int(params.get("max_connections") or 40)
        if "allowed_updates" in params:
            self._allowed_updates = params["allowed_updates"] or None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if self.webhook_url and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.create_task(self._webhook_loop())
        self._notify()
        return True

    async def _api_deletewebhook(self, params: dict, files: dict) -> bool:
        self.webhook_url = ""
        self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._notify()
        return True

    # ------------------------------------------------------------- webhook delivery
    @staticmethod
    def _update_sender(update: dict[str, Any]) -> Any:
        for key, value in update.items():
            if key != "update_id" and isinstance(value, dict):
                user = value.get("from") or {}
                return user.get("id", (value.get("chat") or {}).get("id"))
        return None

    def _update_allowed(self, update: dict[str, Any]) -> bool:
        kinds = set(update) - {"update_id"}
        if self._allowed_updates is not None:
            return bool(kinds & set(self._allowed_updates))
        return not kinds & _UPDATE_TYPES_DEFAULT_EXCLUDED

    async def _webhook_loop(self) -> None:
        """Like Telegram: POST each queued update to the webhook URL as JSON (with the secret header), up to
        ``max_connections`` at a time, one update of a user at a time and in order; an update is dropped
        from the queue once answered 2xx, else retried later."""
        import aiohttp

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            while self.webhook_url and not self._stopping:
                changed = self._changed
                self._updates = deque(u for u in self._updates if self._update_allowed(u))
                busy = {self._update_sender(u) for u in self._updates if u["update_id"] in self._webhook_inflight}
                now = time.monotonic()
                for update in list(self._updates):
                    if len(self._webhook_inflight) >= self.webhook_max_connections:
                        break
                    uid, sender = update["update_id"], self._update_sender(update)
                    if uid in self._webhook_inflight or sender in busy:
                        busy.add(sender)
                        continue
                    busy.add(sender)  # later updates of this user wait for this one
                    if self._webhook_retry_at.get(uid, 0) > now:
                        continue
                    self._webhook_inflight[uid] = asyncio.create_task(self._webhook_post(http, update))
                retry = [t for t in self._webhook_retry_at.values() if t > now]
                wait = min(retry) - now if retry else 1.0
                try:
                    await asyncio.wait_for(changed.wait(), max(0.01, min(wait, 1.0)))
                except TimeoutError:
                    pass

    async def _webhook_post(self, http: Any, update: dict[str, Any]) -> None:
        uid = update["update_id"]
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret} if self.webhook_secret else {}
        entry: dict[str, Any] = {"update_id": uid, "time": time.time()}
        try:
            async with http.post(self.webhook_url, json=update, headers=headers) as response:
                await response.read()
                entry["status"] = response.status
        except Exception as exc:  # the replica is down: try again later
            entry["status"] = None
            entry["error"] = type(exc).__name__
        self.webhook_posts.append(entry)
        self._webhook_inflight.pop(uid, None)
        if entry["status"] is not None and 200 <= entry["status"] < 300:
            self._webhook_retry_at.pop(uid, None)
            self._updates = deque(u for u in self._updates if u["update_id"] != uid)
            self._delivered_upto = max(self._delivered_upto, uid)
        else:
            self._webhook_retry_at[uid] = time.monotonic() + 0.2
        self._last_activity = time.monotonic()
        self._notify()

    async def _stop_webhook(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        pending = [t for t in (task, *self._webhook_inflight.values()) if t is not None]
        for t in pending:
            t.cancel()
        for t in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._webhook_inflight.clear()

    async def _api_setmycommands(self, params: dict, files: dict) -> bool:
        key = (self._scope_key(params.get("scope")), params.get("language_code", ""))
        self.commands[key] = params["commands"]
        return True

    async def _api_getmycommands(self, params: dict, files: dict) -> list[dict]:
        return self.commands.get((self._scope_key(params.get("scope")), params.get("language_code", "")), [])

    async def _api_deletemycommands(self, params: dict, files: dict) -> bool:
        self.commands.pop((self._scope_key(params.get("scope")), params.get("language_code", "")), None)
        return True

    async def _api_setmydescription(self, params: dict, files: dict) -> bool:
        self.descriptions[params.get("language_code", "")] = params.get("description", "")
        return True

    async def _api_setmyshortdescription(self, params: dict, files: dict) -> bool:
        self.short_descriptions[params.get("language_code", "")] = params.get("short_description", "")
        return True

    async def _api_getmydescription(self, params: dict, files: dict) -> dict:
        return {"description": self.descriptions.get(params.get("language_code", ""), "")}

    async def _api_getmyshortdescription(self, params: dict, files: dict) -> dict:
        return {"short_description": self.short_descriptions.get(params.get("language_code", ""), "")}

    async def _api_setchatmenubutton(self, params: dict, files: dict) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._resolve_chat(chat_id)
        self.menu_buttons[chat_id] = params.get("menu_button") or {"type": "default"}
        return True

    async def _api_getchatmenubutton(self, params: dict, files: dict) -> dict:
        chat_id = params.get("chat_id")
        return self.menu_buttons.get(chat_id, self.menu_buttons.get(None, {"type": "default"}))

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

    async def _send_media(self, method: str, kind: str, params: dict, files: dict) -> dict:
        chat_id = self._resolve_chat(params["chat_id"])
        self._flood_check(method, chat_id)
        f = self._resolve_input_file(params[kind], kind, files)
        fields = self._text_fields(
            params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
        )
        msg = self._new_bot_message(
            chat_id,
            method,
            params,
            reply_markup=params.get("reply_markup"),
            files=[f],
            **fields,
            **self._media_fields(f),
        )
        return msg.to_api()

    def _poll_text(self, text: str, parse_mode: str | None, entities: list | None, what: str,
                   limit: tuple[int, int]) -> tuple[str, list[dict]]:
        """A poll's question, option or explanation as Telegram shows it (its parse mode applied), its length
        checked after parsing as the spec says."""
        if entities is not None and not parse_mode:
            plain, ents = text, list(entities)
        else:
            plain, ents = formatted_text(text, parse_mode)
        low, high = limit
        if not low <= len(plain) <= high:
            raise ApiError(f"Bad Request: {what} length must be {low}-{high}", violation=True)
        return plain, ents

    async def _api_sendpoll(self, params: dict, files: dict) -> dict:
        """A poll kept in the chat as a poll message (question, options, type, correct option ids, explanation,
        anonymity, multiple answers, closed); answered by :meth:`vote` (the web chat) or
        :meth:`FakeUser.answer_poll` (tests)."""
        chat_id = self._resolve_chat(params["chat_id"])
        self._flood_check("sendPoll", chat_id)
        options = params["options"]
        if not 1 <= len(options) <= 12:
            raise ApiError("Bad Request: poll must have 1-12 options", violation=True)
        question, question_entities = self._poll_text(params["question"], params.get("question_parse_mode"),
                                                      params.get("question_entities"), "poll question", (1, 300))
        shown = []
        for o in options:
            o = o if isinstance(o, dict) else {"text": str(o)}
            text, _ = self._poll_text(o["text"], o.get("text_parse_mode"), o.get("text_entities"), "poll option",
                                      (1, 100))
            shown.append(text)
        if len(set(shown)) != len(shown):
            raise ApiError("Bad Request: poll options must be different", violation=True)
        kind = params.get("type") or "regular"
        if kind not in ("regular", "quiz"):
            raise ApiError("Bad Request: wrong poll type specified", violation=True)
        correct = params.get("correct_option_ids")
        if kind == "quiz":
            if not correct or any(not 0 <= int(i) < len(options) for i in correct) or \
                    list(correct) != sorted(set(correct)):
                raise ApiError("Bad Request: wrong correct option ids for a quiz", violation=True)
        elif correct is not None:
            raise ApiError("Bad Request: correct option ids are for quizzes only", violation=True)
        explanation, explanation_entities = None, []
        if params.get("explanation"):
            if kind != "quiz":
                raise ApiError("Bad Request: an explanation is for quizzes only", violation=True)
            explanation, explanation_entities = self._poll_text(
                params["explanation"], params.get("explanation_parse_mode"), params.get("explanation_entities"),
                "quiz explanation", (0, 200))
            if explanation.count("\n") > 2:
                raise ApiError("Bad Request: quiz explanation has more than 2 line feeds", violation=True)
        if "open_period" in params and "close_date" in params:
            raise ApiError("Bad Request: open_period and close_date can't be used together", violation=True)
        poll_id = f"5{next(self._poll_ids):018d}"
        poll: dict[str, Any] = {
            "id": poll_id, "question": question,
            "options": [{"persistent_id": str(i), "text": text, "voter_count": 0} for i, text in enumerate(shown)],
            "total_voter_count": 0, "is_closed": bool(params.get("is_closed", False)),
            "is_anonymous": bool(params.get("is_anonymous", True)), "type": kind,
            "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
            # the spec: revoting defaults to False for quizzes and True for regular polls
            "allows_revoting": bool(params.get("allows_revoting", kind != "quiz")),
            "members_only": False,
        }
        if question_entities:
            poll["question_entities"] = question_entities
        if correct is not None:
            poll["correct_option_ids"] = [int(i) for i in correct]
        if explanation:
            poll["explanation"] = explanation
            if explanation_entities:
                poll["explanation_entities"] = explanation_entities
        msg = self._new_bot_message(chat_id, "sendPoll", params, reply_markup=params.get("reply_markup"))
        msg.extra["poll"] = poll
        self.polls[poll_id] = (chat_id, msg.message_id)
        return msg.to_api()

    async def _api_stoppoll(self, params: dict, files: dict) -> dict:
        """Close a poll the bot sent: nobody may answer it any more; returns the final poll."""
        chat_id = self._resolve_chat(params["chat_id"])
        msg = self.find_message(chat_id, params["message_id"])
        poll = msg.extra.get("poll") if msg is not None and not msg.deleted else None
        if poll is None:
            raise ApiError("Bad Request: message with poll to stop not found")
        if not msg.from_bot:
            raise ApiError("Bad Request: poll can't be stopped")
        if poll["is_closed"]:
            raise ApiError("Bad Request: poll has already been closed")
        poll["is_closed"] = True
        if "reply_markup" in params:
            msg.reply_markup = params.get("reply_markup")
        return copy.deepcopy(poll)

    def poll_message(self, poll_id: str) -> EmuMessage | None:
        where = self.polls.get(poll_id)
        return self.find_message(*where) if where is not None else None

    def poll_choice(self, poll_id: str, user_id: int) -> list[int] | None:
        """The options this person chose in this poll (None: not answered, or the vote was retracted)."""
        return self.poll_votes.get(poll_id, {}).get(user_id)

    def vote(self, user: FakeUser, poll_id: str, option_ids: list[int]) -> None:
        """``user`` answers a poll as a Telegram client would let them, or :class:`ApiError` says why not: a
        closed poll, an option that does not exist, several options where one is allowed, a second answer to a
        quiz (or to any poll that does not allow revoting). The answer updates the counts and queues a
        ``poll_answer`` update (non-anonymous polls) and a ``poll`` update with the new state (delivered when
        the bot's allowed updates include it, as Telegram does for polls the bot sent)."""
        msg = self.poll_message(poll_id)
        poll = msg.extra.get("poll") if msg is not None else None
        if poll is None or msg.deleted or msg.chat_id != user.id:
            raise ApiError("Bad Request: poll not found")
        if poll["is_closed"]:
            raise ApiError("Bad Request: the poll is closed")
        option_ids = [int(i) for i in option_ids]
        if len(set(option_ids)) != len(option_ids) or any(not 0 <= i < len(poll["options"]) for i in option_ids):
            raise ApiError("Bad Request: wrong option ids")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise ApiError("Bad Request: the poll allows one answer")
        votes = self.poll_votes.setdefault(poll_id, {})
        before = votes.get(user.id)
        if before is not None and not poll["allows_revoting"]:
            raise ApiError("Bad Request: the answer can't be changed" if poll["type"] == "quiz"
                           else "Bad Request: the poll doesn't allow revoting")
        if not option_ids and before is None:
            raise ApiError("Bad Request: nothing to retract")
        for i in before or []:
            poll["options"][i]["voter_count"] -= 1
        for i in option_ids:
            poll["options"][i]["voter_count"] += 1
        if option_ids:
            votes[user.id] = sorted(option_ids)
        else:
            votes.pop(user.id, None)
        poll["total_voter_count"] = len(votes)
        user._mark_action()
        if not poll["is_anonymous"]:
            self._queue_update("poll_answer", {"poll_id": poll_id, "user": user.user_api(),
                                               "option_ids": sorted(option_ids),
                                               "option_persistent_ids": [str(i) for i in sorted(option_ids)]})
        self._queue_update("poll", copy.deepcopy(poll))

    async def _api_answerinlinequery(self, params: dict, files: dict) -> bool:
        if params["inline_query_id"] in self.inline_answers:
            raise ApiError("Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.inline_answers[params["inline_query_id"]] = params
        self._notify()
        return True

    async def _api_sendphoto(self, params: dict, files: dict) -> dict:
        return await self._send_media("sendPhoto", "photo", params, files)

    async def _api_senddocument(self, params: dict, files: dict) -> dict:
        return await self._send_media("sendDocument", "document", params, files)

    async def _api_sendmediagroup(self, params: dict, files: dict) -> list[dict]:
        chat_id = self._resolve_chat(params["chat_id"])
        self._flood_check("sendMediaGroup", chat_id)
        group_id = str(10**15 + next(self._media_groups))
        prepared = []
        for item in params["media"]:
            kind = "photo" if item["type"] == "photo" else "document"
            f = self._resolve_input_file(item["media"], kind, files)
            fields = self._text_fields(
                item.get("caption"), item.get("parse_mode"), item.get("caption_entities")
            )
            prepared.append((item, f, fields))
        result = []
        for item, f, fields in prepared:
            msg = self._new_bot_message(
                chat_id,
                "sendMediaGroup",
                {**params, "media": item},
                files=[f],
                media_group_id=group_id,
                **fields,
                **self._media_fields(f),
            )
            result.append(msg.to_api())
        return result

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
        fields = self._text_fields(params["text"], params.get("parse_mode"), params.get("entities"))
        return self._apply_edit(
            msg,
            {
                "text": fields["text"],
                "entities": fields["entities"],
                "reply_markup": params.get("reply_markup"),
                "html": fields["html"],
                "parse_mode": fields["parse_mode"],
            },
        )

    async def _api_editmessagecaption(self, params: dict, files: dict) -> dict:
        msg = self._edit_target(params)
        if not msg.from_bot:
            raise ApiError("Bad Request: message can't be edited")
        if not msg.is_media:
            raise ApiError("Bad Request: there is no caption in the message to edit")
        fields = self._text_fields(
            params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
        )
        return self._apply_edit(
            msg,
            {
                "text": fields["text"],
                "entities": fields["entities"],
                "reply_markup": params.get("reply_markup"),
                "html": fields["html"],
                "parse_mode": fields["parse_mode"],
            },
        )

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

    async def _api_answercallbackquery(self, params: dict, files: dict) -> bool:
        rec = self.callbacks.get(params["callback_query_id"])
        if rec is None or rec.answered:
            raise ApiError(QUERY_TOO_OLD)
        if self.callback_timeout is not None and time.monotonic() - rec.created > self.callback_timeout:
            raise ApiError(QUERY_TOO_OLD)
        rec.answered = True
        rec.answer = dict(params)
        return True

    async def _api_getfile(self, params: dict, files: dict) -> dict:
        f = self.files.get(params["file_id"])
        if f is None:
            raise ApiError("Bad Request: invalid file_id")
        if f.size is not None and f.size > 20 * 1024 * 1024:
            raise ApiError("Bad Request: file is too big")
        return f.file_api()
