"""The update queue and ``getUpdates`` (long polling: offsets, limits, allowed updates, a newer poll ending an
older one with 409)."""

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from collections import deque
from typing import Any

from bot.sandbox.spec import ApiError

_UPDATE_TYPES_DEFAULT_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}


class UpdatesMixin:
    """The queue of updates for the bot and long polling. A part of :class:`BotAPIEmulator` (its state is set
    in ``BotAPIEmulator.__init__``)."""

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    def _queue_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._updates.append(update)
        self._notify()
        return update

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
