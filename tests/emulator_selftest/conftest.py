"""Fixtures for the emulator self-tests: an emulator and an in-process aiogram bot."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from tests.emulator import BotAPIEmulator


@pytest.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.url))
    b = Bot(emu.token, session=session)
    try:
        yield b
    finally:
        # AiohttpSession.close() sleeps 0.25 s for graceful SSL shutdown; plain HTTP to
        # the local emulator does not need it, so close the aiohttp session directly
        if session._session is not None and not session._session.closed:
            await session._session.close()


@contextlib.asynccontextmanager
async def polling(dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    """Run ``dp.start_polling`` as a task for the duration of the block."""
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))
    try:
        yield
    finally:
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        await asyncio.wait_for(task, 5)
