"""Answers to what users do with buttons and inline mode: ``answerCallbackQuery`` ("query is too old" like
Telegram) and ``answerInlineQuery``."""

from __future__ import annotations

import time

from bot.sandbox.spec import ApiError
from bot.sandbox.state import CallbackRecord

QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class CallbacksMixin:
    """Callback and inline query answers. A part of :class:`BotAPIEmulator` (its state is set in
    ``BotAPIEmulator.__init__``)."""

    def unanswered_callbacks(self) -> list[CallbackRecord]:
        return [c for c in self.callbacks.values() if not c.answered]

    async def _api_answerinlinequery(self, params: dict, files: dict) -> bool:
        if params["inline_query_id"] in self.inline_answers:
            raise ApiError("Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.inline_answers[params["inline_query_id"]] = params
        self._notify()
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
