"""Webhooks: ``setWebhook`` / ``deleteWebhook`` / ``getWebhookInfo`` and the delivery loop that POSTs the
queued updates as Telegram does (the secret header, ``max_connections``, one update of a user at a time, retries)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import Any

from bot.sandbox.botapi.updates import _UPDATE_TYPES_DEFAULT_EXCLUDED


class WebhookMixin:
    """Webhook delivery of the queued updates. A part of :class:`BotAPIEmulator` (its state is set in
    ``BotAPIEmulator.__init__``)."""

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
