"""The emulator: :class:`BotAPIEmulator`, its state and the test API (users, injected failures, what was sent,
waiting for the bot), made of one part per concern (the other modules of this package)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sandbox.botapi.callbacks import CallbacksMixin
from bot.sandbox.botapi.chats import ChatsMixin, TokenBucket
from bot.sandbox.botapi.files import FilesMixin
from bot.sandbox.botapi.http import DEFAULT_TOKEN, TOKEN_RE, HttpMixin
from bot.sandbox.botapi.messages import MessagesMixin
from bot.sandbox.botapi.polls import PollsMixin
from bot.sandbox.botapi.profile import ProfileMixin
from bot.sandbox.botapi.updates import UpdatesMixin
from bot.sandbox.botapi.webhook import WebhookMixin
from bot.sandbox.spec import ApiError, ApiSpec, load_spec
from bot.sandbox.state import CallbackRecord, EmuFile, EmuMessage
from bot.sandbox.users import FakeUser


class BotAPIEmulator(HttpMixin, UpdatesMixin, WebhookMixin, MessagesMixin, FilesMixin, PollsMixin,
                     CallbacksMixin, ChatsMixin, ProfileMixin):
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

    async def wait_change(self, timeout: float) -> None:  # noqa: ASYNC109 - a bounded wait by design
        """Return at the next request, update or answer, or after ``timeout`` s (the web chat's live view)."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
