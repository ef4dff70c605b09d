"""Conversation state storage: memory by default, Redis (JSON) when REDIS_URL is set."""

from __future__ import annotations

import os

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from bot.app import create_storage
from bot.config import Settings
from tests.recording import BOT_ID, BOT_TOKEN

REDIS = os.environ.get("TEST_REDIS_URL")


def test_memory_by_default() -> None:
    assert isinstance(create_storage(Settings(_env_file=None, bot_token=BOT_TOKEN)), MemoryStorage)


@pytest.mark.skipif(not REDIS, reason="set TEST_REDIS_URL to run against Redis (.ci/run does)")
async def test_redis_state_survives_a_restart() -> None:
    settings = Settings(_env_file=None, bot_token=BOT_TOKEN, redis_url=REDIS)
    key = StorageKey(bot_id=BOT_ID, chat_id=777, user_id=777)
    first = create_storage(settings)
    await first.set_state(key, "Report:title")
    await first.set_data(key, {"stream": 1, "project": 2, "title": "Пост"})
    await first.close()
    second = create_storage(settings)  # a new process would build a new one
    try:
        assert await second.get_state(key) == "Report:title"
        assert await second.get_data(key) == {"stream": 1, "project": 2, "title": "Пост"}
    finally:
        await second.set_state(key, None)
        await second.set_data(key, {})
        await second.close()
