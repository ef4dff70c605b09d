"""A strict Telegram Bot API emulator for end-to-end tests.

The implementation lives in the product, ``bot/sandbox/`` (``botapi``, ``spec``, ``tghtml``, ``state``,
``users``): the sandbox (``python -m bot sandbox``) runs the very same server, so it is as strict as the
tests.  This package only re-exports it for the tests.

The emulator is an aiohttp server speaking the Bot API for one bot.  Every request is
validated against the official specification (``bot/sandbox/api.json.gz``, vendored from
``../shared/telegram-bot-api/api.json``; override with ``$TELEGRAM_API_SPEC``): unknown methods/parameters, wrong types, missing
required fields, broken HTML markup and documented limits (text 1-4096, caption 0-1024
characters after entities parsing, callback_data 1-64 bytes, ...) are answered with a
Telegram-style 400 error AND recorded in ``emu.violations``.  End every test with
``assert emu.violations == []``.

Running the real bot process against it::

    async with BotAPIEmulator(bot_username="teamdesk_test_bot") as emu:
        env = {**os.environ, "BOT_TOKEN": emu.token, "TELEGRAM_API_URL": emu.url}
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", env=env)
        ann = emu.user(id=1001, first_name="Ann", username="ann", language_code="ru")
        await ann.send("/start")
        menu = await ann.wait_message()            # next bot message after the action
        assert "Welcome" in menu.text              # plain text as a client shows it
        await ann.press(menu, "Reports")           # by button text or callback_data
        edited = await ann.wait_edit(menu)         # the bot edited that message
        await emu.wait_idle()                      # bot fetched everything and went quiet
        assert emu.unanswered_callbacks() == []
        assert emu.violations == []

In-process with aiogram::

    bot = Bot(emu.token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.url)))
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    ...
    await dp.stop_polling()

Main objects:

* ``BotAPIEmulator(token=None, bot_username=..., global_rate=30, per_chat_rate=1.0,
  per_chat_burst=5, ...)`` - ``token=None`` accepts the first well-formed token
  (``\\d+:[A-Za-z0-9_-]{30,}``) and then only that one (others get 401);
  ``emu.token`` is a ready default token.  ``url``, ``start()``, ``stop()``,
  ``user(...)``, ``block_user(id)``, ``fail_next(method, error_code, description,
  retry_after)``, ``unanswered_callbacks()``, ``get_commands(scope, language_code)``,
  ``wait_idle(quiet=0.3, timeout=10)``, ``wait_for(predicate)``, ``api_call(method,
  params)`` (in-process call without HTTP), and state: ``violations``, ``errors``,
  ``requests``, ``calls(method)``, ``chats``, ``files``, ``callbacks``, ``commands``,
  ``descriptions``, ``short_descriptions``, ``menu_buttons``, ``chat_actions``.
  Channels: ``add_channel(chat_id, title, username, member_count)``, ``set_channel_members(chat_id, n)``,
  ``set_bot_status_in_channel(chat_id, "administrator" | "left" | "kicked", by_user_id)`` (queues the
  ``my_chat_member`` update); ``getChatMemberCount`` answers the channel's count (403 once the bot left).
* ``FakeUser`` (``emu.user(...)``): ``send(text)``, ``send_document(bytes, filename,
  mime_type, caption)``, ``press(message, text_or_callback_data) -> query id``,
  ``wait_message(predicate=None, timeout=10)``, ``wait_edit(message, timeout=10)``,
  ``messages`` (bot messages, current state), ``last``, ``block()``.
* ``EmuMessage``: ``message_id``, ``chat_id``, ``text`` (plain; caption for media),
  ``html`` (as sent), ``entities``, ``reply_markup``, ``buttons``, ``button_texts``,
  ``document``/``photo`` (Bot API shapes), ``files`` / ``raw_bytes`` (uploaded bytes),
  ``edited``, ``edit_count``, ``history``, ``deleted``, ``method``, ``to_api()``.

Behaviour like Telegram: a chat exists only after the user sent something ("chat not
found" otherwise); a blocked user gives 403 "Forbidden: bot was blocked by the user";
editing to identical content gives "message is not modified"; answering an unknown or
already answered callback query gives "query is too old ..."; sending faster than the
flood limits gives 429 with ``retry_after``.  Spec methods without an emulator
implementation return ``true`` if they return Boolean, otherwise a 400 "method not
implemented in emulator" violation, so nothing silently passes.
"""

from bot.sandbox.botapi import BotAPIEmulator
from bot.sandbox.spec import ApiError, ApiSpec, load_spec
from bot.sandbox.state import CallbackRecord, EmuFile, EmuMessage
from bot.sandbox.tghtml import HtmlParseError, parse_html, utf16_len
from bot.sandbox.users import FakeUser

__all__ = [
    "ApiError",
    "ApiSpec",
    "BotAPIEmulator",
    "CallbackRecord",
    "EmuFile",
    "EmuMessage",
    "FakeUser",
    "HtmlParseError",
    "load_spec",
    "parse_html",
    "utf16_len",
]
