"""The bot's client waits out flood control (429) for every request, handlers included."""

from __future__ import annotations

from aiogram.exceptions import TelegramRetryAfter

from bot.app import create_bot
from bot.config import Settings
from tests.emulator import BotAPIEmulator


async def test_retry_after_is_waited_out() -> None:
    async with BotAPIEmulator() as emu:
        user = emu.user(id=500, first_name="Ann", started=True)
        bot = create_bot(Settings(_env_file=None, bot_token=emu.token, telegram_api_url=emu.url))
        try:
            emu.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
            msg = await bot.send_message(user.id, "после паузы")
            assert msg.text == "после паузы"
            assert [m.text for m in user.messages] == ["после паузы"]
            for _ in range(4):
                emu.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
            try:
                await bot.send_message(user.id, "never")
            except TelegramRetryAfter:
                pass
            else:
                raise AssertionError("gave up after the last attempt")
        finally:
            await bot.session.close()
        assert emu.violations == []


async def test_a_burst_of_replies_to_one_chat_all_arrive() -> None:
    """Nine replies at once into one chat (Telegram allows a burst of about five, then one a second):
    after the first 429 the waiting replies go one at a time instead of all retrying together at the
    end of every hold until their attempts run out (QA of issue 8: replies to a fast user were lost)."""
    import asyncio

    async with BotAPIEmulator() as emu:
        user = emu.user(id=501, first_name="Ann", started=True)
        bot = create_bot(Settings(_env_file=None, bot_token=emu.token, telegram_api_url=emu.url))
        try:
            await asyncio.gather(*(bot.send_message(user.id, f"reply {i}") for i in range(9)))
        finally:
            await bot.session.close()
        assert sorted(m.text for m in user.messages) == sorted(f"reply {i}" for i in range(9))
        assert any(e.get("error_code") == 429 for e in emu.errors)
        assert emu.violations == []
