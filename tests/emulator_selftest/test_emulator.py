"""Self-tests of the Bot API emulator driven by a real aiogram Bot and Dispatcher."""

from __future__ import annotations

import asyncio
import io
import os
import struct
import sys
import zlib

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)

from tests.emulator import BotAPIEmulator, parse_html

from .conftest import polling


def make_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Yes", callback_data="answer:yes")],
            [InlineKeyboardButton(text="No", callback_data="answer:no")],
        ]
    )


async def test_start_press_answer_edit(emu: BotAPIEmulator, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(
            f"Hello, <b>{message.from_user.first_name}</b>! arg={command.args}",
            parse_mode="HTML",
            reply_markup=keyboard(),
        )

    @dp.callback_query(F.data.startswith("answer:"))
    async def answer(cb: CallbackQuery) -> None:
        await cb.answer("Saved")
        await cb.message.edit_text(f"You said {cb.data.split(':')[1]}")

    ann = emu.user(id=1001, first_name="Ann", username="ann")
    async with polling(dp, bot):
        await ann.send("/start abc")
        msg = await ann.wait_message()
        assert msg.text == "Hello, Ann! arg=abc"
        assert msg.html == "Hello, <b>Ann</b>! arg=abc"
        assert msg.entities == [{"type": "bold", "offset": 7, "length": 3}]
        assert msg.button_texts == ["Yes", "No"]

        qid = await ann.press(msg, "Yes")
        edited = await ann.wait_edit(msg)
        assert edited.text == "You said yes"
        assert edited.reply_markup is None  # edit_text without markup drops the keyboard
        assert edited.history[0]["text"] == "Hello, Ann! arg=abc"
        await emu.wait_idle(quiet=0.1)
        assert emu.callbacks[qid].answered and emu.callbacks[qid].answer["text"] == "Saved"
        assert emu.unanswered_callbacks() == []
        assert ann.messages == [msg] and ann.last is msg

        with pytest.raises(AssertionError, match="available"):
            await ann.press(msg, "Maybe")
    assert emu.violations == []


async def test_unanswered_callback_is_reported(emu: BotAPIEmulator, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("pick", reply_markup=keyboard())

    @dp.callback_query()
    async def forgetful(cb: CallbackQuery) -> None:
        await cb.message.edit_reply_markup(reply_markup=None)

    user = emu.user(id=1002, first_name="Bob")
    async with polling(dp, bot):
        await user.send("/start")
        msg = await user.wait_message()
        qid = await user.press(msg, "answer:no")  # by callback_data
        await user.wait_edit(msg)
        await emu.wait_idle(quiet=0.1)
    assert [c.id for c in emu.unanswered_callbacks()] == [qid]
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("12345")


async def test_html_escaping_shows_plain_text(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.user(id=1003, first_name="Ann")
    await user.send("hi")
    await bot.send_message(user.id, "Team: &lt;b&gt;Ann &amp; Co", parse_mode="HTML")
    assert user.last.text == "Team: <b>Ann & Co"
    assert user.last.html == "Team: &lt;b&gt;Ann &amp; Co"
    await bot.send_message(user.id, "a < b & c")  # no parse mode: plain text is fine
    assert user.last.text == "a < b & c"
    assert emu.violations == []


@pytest.mark.parametrize("bad", ["<b>x", "a & b", "<foo>x</foo>", "x < y", "<b><i>x</b></i>"])
async def test_bad_html_refused(emu: BotAPIEmulator, bot: Bot, bad: str) -> None:
    user = emu.user(id=1004, first_name="Ann")
    await user.send("hi")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(user.id, bad, parse_mode="HTML")
    assert len(emu.violations) == 1
    assert emu.violations[0]["method"] == "sendMessage"
    assert user.messages == []


def test_html_parser_entities() -> None:
    text, entities = parse_html(
        '<a href="https://x.y/?a=1&amp;b=2">link</a> 😀 <tg-spoiler>s</tg-spoiler>'
        '<pre><code class="language-python">x</code></pre>'
    )
    assert text == "link 😀 sx"
    assert entities == [
        {"type": "text_link", "url": "https://x.y/?a=1&b=2", "offset": 0, "length": 4},
        {"type": "spoiler", "offset": 8, "length": 1},  # the emoji is 2 UTF-16 code units
        {"type": "pre", "language": "python", "offset": 9, "length": 1},
    ]


async def test_limits(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.user(id=1005, first_name="Ann")
    await user.send("hi")
    await bot.send_message(user.id, "x" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    # markup does not count towards the limit, the emoji counts twice (UTF-16)
    await bot.send_message(user.id, "<b>" + "x" * 4094 + "</b>😀", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            user.id,
            "k",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="ы" * 32 + "z")]]
            ),
        )
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(
            user.id,
            "k",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="b")]]),
        )
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(user.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="0-200"):
        await bot.answer_callback_query("1", text="x" * 201)
    assert len(emu.violations) == 5
    assert len(user.messages) == 2


async def test_unknown_parameter_and_method(emu: BotAPIEmulator) -> None:
    user = emu.user(id=1006, first_name="Ann")
    await user.send("hi")
    answer = await emu.api_call("sendMessage", {"chat_id": "1006", "text": "x", "colour": "red"})
    assert answer == {
        "ok": False,
        "error_code": 400,
        "description": 'Bad Request: unknown parameter "colour" for method sendMessage',
    }
    answer = await emu.api_call("sendMessage", {"chat_id": "1006"})
    assert answer["description"] == "Bad Request: message text is empty"
    answer = await emu.api_call("sendSomething", {})
    assert answer["error_code"] == 404
    answer = await emu.api_call("getChatAdministrators", {"chat_id": "1006"})
    assert "not implemented" in answer["description"]
    answer = await emu.api_call("setMyName", {"name": "Desk"})  # Boolean method: accepted
    assert answer == {"ok": True, "result": True}
    assert len(emu.violations) == 4


async def test_chat_not_found_and_blocked(emu: BotAPIEmulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(2001, "hello")
    user = emu.user(id=2001, first_name="Ann")
    await user.send("/start")
    await bot.send_message(2001, "hello")
    user.block()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(2001, "hello again")
    assert emu.violations == []


async def test_documents_and_photos(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.user(id=1007, first_name="Ann")
    await user.send("/start")
    csv = b"name,score\nAnn,5\n"
    sent = await bot.send_document(
        user.id, BufferedInputFile(csv, filename="report.csv"), caption="<i>Report</i>", parse_mode="HTML"
    )
    assert sent.document.file_name == "report.csv" and sent.document.mime_type == "text/csv"
    assert user.last.raw_bytes == csv and user.last.text == "Report"
    file = await bot.get_file(sent.document.file_id)
    buf = io.BytesIO()
    await bot.download_file(file.file_path, buf)
    assert buf.getvalue() == csv

    png = make_png(3, 2)
    photo = await bot.send_photo(user.id, BufferedInputFile(png, filename="chart.png"))
    assert (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
    assert user.last.raw_bytes == png and user.last.method == "sendPhoto"
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(user.id, BufferedInputFile(b"not a png", filename="x.png"))
    assert len(emu.violations) == 1

    emu.per_chat_rate = None
    group = await bot.send_media_group(
        user.id,
        [
            InputMediaPhoto(media=BufferedInputFile(png, filename="a.png"), caption="a"),
            InputMediaPhoto(media=photo.photo[-1].file_id),
        ],
    )
    assert len(group) == 2 and group[0].media_group_id == group[1].media_group_id
    assert user.messages[-2].raw_bytes == png and user.messages[-1].raw_bytes == png

    incoming = await user.send_document(b"a;b\n", filename="in.csv", mime_type="text/csv")
    f = await bot.get_file(incoming.document["file_id"])
    assert (await bot.download_file(f.file_path)).read() == b"a;b\n"


async def test_flood_control_and_injected_failures(bot: Bot) -> None:
    async with BotAPIEmulator(per_chat_rate=1, per_chat_burst=2) as emu:
        session_bot = Bot(emu.token, session=bot.session)
        session_bot.session.api = bot.session.api.from_base(emu.url)
        user = emu.user(id=1008, first_name="Ann")
        await user.send("/start")
        await session_bot.send_message(user.id, "1")
        await session_bot.send_message(user.id, "2")
        with pytest.raises(TelegramRetryAfter) as exc:
            await session_bot.send_message(user.id, "3")
        assert exc.value.retry_after >= 1
        emu._chat_buckets.clear()  # pretend time passed
        await session_bot.send_message(user.id, "3")

        emu.fail_next("sendMessage", 429, retry_after=2)
        with pytest.raises(TelegramRetryAfter) as exc:
            await session_bot.send_message(user.id, "4")
        assert exc.value.retry_after == 2
        emu._chat_buckets.clear()
        await session_bot.send_message(user.id, "4")
        assert [m.text for m in user.messages] == ["1", "2", "3", "4"]
        assert emu.violations == []


async def test_edit_errors(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.user(id=1009, first_name="Ann")
    await user.send("/start")
    msg = await bot.send_message(user.id, "<b>same</b>", parse_mode="HTML", reply_markup=keyboard())
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<b>same</b>",
            chat_id=user.id,
            message_id=msg.message_id,
            parse_mode="HTML",
            reply_markup=keyboard(),
        )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):  # same visible text
        await bot.edit_message_text(
            "<strong>same</strong>",
            chat_id=user.id,
            message_id=msg.message_id,
            parse_mode="HTML",
            reply_markup=keyboard(),
        )
    edited = await bot.edit_message_reply_markup(chat_id=user.id, message_id=msg.message_id)
    assert edited.reply_markup is None and user.last.edit_count == 1
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=999)
    await bot.delete_message(user.id, msg.message_id)
    assert user.messages[0].deleted and user.last is None
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, 999)
    assert emu.violations == []


async def test_commands_per_scope_and_language(emu: BotAPIEmulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="Старт")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="ru",
    )
    await bot.set_my_commands(
        [BotCommand(command="admin", description="Admin")], scope=BotCommandScopeChat(chat_id=42)
    )
    assert emu.get_commands() == [{"command": "start", "description": "Start"}]
    assert emu.get_commands({"type": "all_private_chats"}, "ru") == [
        {"command": "start", "description": "Старт"}
    ]
    assert emu.get_commands({"type": "chat", "chat_id": 42}) == [{"command": "admin", "description": "Admin"}]
    assert emu.get_commands({"type": "all_private_chats"}) is None
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ru")
    assert [c.description for c in got] == ["Старт"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Command", description="x")])
    with pytest.raises(TelegramBadRequest, match="100"):
        await bot.set_my_commands([BotCommand(command=f"c{i}", description="x") for i in range(101)])
    await bot.set_my_description("Desk bot", language_code="en")
    await bot.delete_my_commands()
    assert emu.get_commands() is None
    assert emu.descriptions == {"en": "Desk bot"}
    assert len(emu.violations) == 2


async def test_wrong_token_is_unauthorized(emu: BotAPIEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "teamdesk_test_bot" and me.id == bot.id
    answer = await emu._dispatch("1:wrongwrongwrongwrongwrongwrongwrong", "getMe", {}, {})
    assert answer[0] == 401


BOT_SCRIPT = """
import asyncio, os
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

dp = Dispatcher()

@dp.message()
async def echo(message: Message) -> None:
    await message.answer("echo: " + message.text)

async def main() -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=api))
    await dp.start_polling(bot, polling_timeout=1)

asyncio.run(main())
"""


async def test_bot_in_subprocess(emu: BotAPIEmulator) -> None:
    env = {**os.environ, "BOT_TOKEN": emu.token, "TELEGRAM_API_URL": emu.url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BOT_SCRIPT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        # importing aiogram takes seconds (more on a loaded machine): wait until the bot polls
        async def polling() -> None:
            while not emu.calls("getUpdates"):
                assert proc.returncode is None, "the bot exited"
                await asyncio.sleep(0.05)

        await asyncio.wait_for(polling(), 120)
        ann = emu.user(id=3001, first_name="Ann")
        await ann.send("ping <&>")
        reply = await ann.wait_message(timeout=30)
        assert reply.text == "echo: ping <&>"
        await emu.wait_idle(quiet=0.2)
    finally:
        proc.terminate()
        _, stderr = await proc.communicate()
    assert emu.violations == [], stderr.decode()[-2000:]


async def test_get_updates_long_poll_conflict_and_offset(emu: BotAPIEmulator) -> None:
    ann = emu.user(id=4001, first_name="Ann")
    first = asyncio.create_task(emu.api_call("getUpdates", {"timeout": "5"}))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(
        emu.api_call("getUpdates", {"timeout": "5", "allowed_updates": '["message"]'})
    )
    answer = await asyncio.wait_for(first, 1)
    assert answer["error_code"] == 409 and "terminated by other getUpdates" in answer["description"]
    loop = asyncio.get_running_loop()
    started = loop.time()
    await ann.send("hello")
    answer = await asyncio.wait_for(second, 1)
    assert loop.time() - started < 0.5  # woke up immediately
    [update] = answer["result"]
    assert update["message"]["text"] == "hello" and update["message"]["chat"]["id"] == 4001
    # not confirmed yet: delivered again; confirmed by offset: gone
    again = await emu.api_call("getUpdates", {})
    assert [u["update_id"] for u in again["result"]] == [update["update_id"]]
    confirmed = await emu.api_call("getUpdates", {"offset": str(update["update_id"] + 1)})
    assert confirmed["result"] == []
    await emu.wait_idle(quiet=0.05, timeout=2)
    assert emu.violations == []


async def test_channel_admin_update_and_member_count(emu: BotAPIEmulator, bot: Bot) -> None:
    from aiogram.types import ChatMemberUpdated

    seen: list[ChatMemberUpdated] = []
    dp = Dispatcher()

    @dp.my_chat_member()
    async def on_member(event: ChatMemberUpdated, bot: Bot) -> None:
        seen.append(event)
        if event.new_chat_member.status == "administrator":
            seen.append(await bot.get_chat_member_count(event.chat.id))

    owner = emu.user(id=1010, first_name="Owner")
    await owner.send("hi")
    emu.add_channel(-100777, "News", "newschan", 321)
    assert (await emu.api_call("getChatMemberCount", {"chat_id": -100777}))["error_code"] == 403  # not a member
    async with polling(dp, bot):
        emu.set_bot_status_in_channel(-100777, "administrator", 1010)
        await emu.wait_for(lambda: len(seen) == 2 or None, 5, "the update")
        emu.set_channel_members(-100777, 400)
        assert await bot.get_chat_member_count("@newschan") == 400
        emu.set_bot_status_in_channel(-100777, "left", 1010)
        await emu.wait_for(lambda: len(seen) == 3 or None, 5, "the second update")
    first, count, gone = seen
    assert first.chat.type == "channel" and first.chat.username == "newschan" and first.from_user.id == 1010
    assert first.new_chat_member.status == "administrator" and count == 321
    assert gone.new_chat_member.status == "left"
    with pytest.raises(TelegramForbiddenError):
        await bot.get_chat_member_count(-100777)
    assert emu.violations == []


async def test_quiz_answers_reach_aiogram_as_poll_answer_and_poll_updates(emu: BotAPIEmulator, bot: Bot) -> None:
    """sendPoll(type=quiz) is kept as a poll message; the person's answer arrives as a ``poll_answer`` update and
    the new counts as a ``poll`` update, both parsed by aiogram; a second quiz answer is refused; stopPoll closes."""
    from aiogram.types import InputPollOption, Poll, PollAnswer

    dp = Dispatcher()
    answers: list[PollAnswer] = []
    states: list[Poll] = []

    @dp.poll_answer()
    async def on_answer(answer: PollAnswer) -> None:
        answers.append(answer)

    @dp.poll()
    async def on_poll(poll: Poll) -> None:
        states.append(poll)

    user = emu.user(id=1010, first_name="Quinn")
    await user.send("hi")
    sent = await bot.send_poll(user.id, "2 + 2 < 5?", [InputPollOption(text="да"), InputPollOption(text="нет")],
                               type="quiz", is_anonymous=False, correct_option_ids=[0],
                               explanation="<b>4</b> &lt; 5", explanation_parse_mode="HTML")
    assert sent.poll is not None and sent.poll.question == "2 + 2 < 5?" and sent.poll.allows_revoting is False
    message = user.last
    async with polling(dp, bot):
        await user.answer_poll(message, 1)
        await emu.wait_for(lambda: answers and states, 10, "the poll updates")
    assert answers[0].poll_id == sent.poll.id and answers[0].option_ids == [1] and answers[0].user.id == user.id
    assert states[0].total_voter_count == 1 and [o.voter_count for o in states[0].options] == [0, 1]
    assert message.extra["poll"]["explanation"] == "4 < 5"
    with pytest.raises(AssertionError, match="can't be changed"):
        await user.answer_poll(message, 0)
    stopped = await bot.stop_poll(user.id, message.message_id)
    assert stopped.is_closed
    with pytest.raises(TelegramBadRequest, match="already been closed"):
        await bot.stop_poll(user.id, message.message_id)
    assert emu.violations == []
