"""Sender: limits, 429 waited out, 403 marks unreachable and the rest still arrive (Bot API emulator)."""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select

from bot.sender import RateLimiter, Sender, SharedLimits
from bot.text import visible_len as _visible_len
from models.org import Department, Member
from tests.emulator import BotAPIEmulator


@pytest.fixture
async def emu_bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.url))
    bot = Bot(emu.token, session=session)
    yield bot
    if session._session is not None and not session._session.closed:
        await session._session.close()


async def add_members(db, ids: list[int]) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    async with db.session() as s, db.writing(s):
        dept = Department(name="Отдел", created_at=now)
        s.add(dept)
        await s.flush()
        for tid in ids:
            s.add(Member(telegram_id=tid, display_name=f"U{tid}", role="writer", department_id=dept.id,
                         active=True, unreachable=False, created_at=now))


async def test_429_is_waited_out_and_message_arrives(emu, emu_bot, db) -> None:
    user = emu.user(501, "Ann", started=True)
    emu.fail_next("sendMessage", 429, retry_after=1)
    sender = Sender(emu_bot, db)
    t0 = time.monotonic()
    outcome = await sender.send_text(501, "<b>Привет</b>")
    assert outcome.status == "sent" and outcome.attempts == 2
    assert time.monotonic() - t0 >= 1.0
    assert [m.text for m in user.messages] == ["Привет"]
    assert emu.violations == []


async def test_403_marks_unreachable_and_others_still_get_it(emu, emu_bot, db) -> None:
    ids = [601, 602, 603]
    await add_members(db, ids)
    users = [emu.user(i, f"U{i}", started=True) for i in ids]
    emu.block_user(602)
    sender = Sender(emu_bot, db)
    outcomes = [await sender.send_text(i, "hello") for i in ids]
    assert [o.status for o in outcomes] == ["sent", "unreachable", "sent"]
    assert [len(u.messages) for u in users] == [1, 0, 1]
    async with db.session() as s:
        flags = dict((await s.execute(select(Member.telegram_id, Member.unreachable))).all())
    assert flags == {601: False, 602: True, 603: False}
    assert sender.stats["sent"] == 2 and sender.stats["unreachable"] == 1


async def test_other_errors_do_not_raise(emu, emu_bot, db) -> None:
    emu.user(701, started=True)
    emu.fail_next("sendMessage", 400, "Bad Request: something odd")
    sender = Sender(emu_bot, db)
    assert (await sender.send_text(701, "x")).status == "failed"
    assert (await sender.send_text(701, "y")).status == "sent"
    # a user who never opened the bot: "chat not found" -> unreachable, no exception
    assert (await sender.send_text(999, "z")).status == "unreachable"


async def test_album_with_caption_and_long_caption_split(emu, emu_bot, db) -> None:
    from scheduler import charts

    user = emu.user(801, started=True)
    png = charts.plan_vs_done([charts.PersonBar("Аня", 10, 5, 6.0)], title="t")
    sender = Sender(emu_bot, db, chat_interval=0.0)
    assert (await sender.send_charts(801, [("a.png", png), ("b.png", png)], "<b>Итог</b>")).ok
    assert (await sender.send_charts(801, [("a.png", png)], "x" * 1500)).ok
    methods = [m.method for m in user.messages]
    assert methods == ["sendMediaGroup", "sendMediaGroup", "sendPhoto", "sendMessage"]
    assert user.messages[0].text == "Итог"
    assert emu.violations == []


async def test_rate_limiter_spaces_sends_globally_and_per_chat() -> None:
    now = [0.0]
    sent: list[tuple[float, int]] = []

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(30, 1.0, monotonic=lambda: now[0], sleep=fake_sleep)
    for chat in [1, 2, 3, 1, 1]:
        await limiter.wait(chat)
        sent.append((now[0], chat))
    times = [t for t, _ in sent]
    assert all(b - a >= 1 / 30 - 1e-9 for a, b in itertools.pairwise(times))
    ones = [t for t, c in sent if c == 1]
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(ones))


# --- one rate limit per token across replicas (Redis) -------------------------------------------------
REDIS = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS, reason="set TEST_REDIS_URL to run against Redis")


@pytest.fixture
async def replica_bots(emu: BotAPIEmulator) -> AsyncIterator[list[Bot]]:
    """Two replicas' bots: the same token, separate HTTP sessions."""
    sessions = [AiohttpSession(api=TelegramAPIServer.from_base(emu.url)) for _ in range(2)]
    yield [Bot(emu.token, session=s) for s in sessions]
    for session in sessions:
        if session._session is not None and not session._session.closed:
            await session._session.close()


def shared_limits(prefix: str, **kw) -> SharedLimits:
    return SharedLimits.from_url(REDIS, prefix=prefix, **kw)


@needs_redis
async def test_a_429_met_by_one_replica_holds_the_chat_on_the_other(emu, replica_bots, db) -> None:
    prefix = f"test:{secrets.token_hex(4)}:"
    a, b = (Sender(bot, db, shared=shared_limits(prefix)) for bot in replica_bots)
    user = emu.user(901, "Ann", started=True)
    emu.fail_next("sendMessage", 429, retry_after=2)
    first = asyncio.create_task(a.send_text(901, "from a"))
    await emu.wait_for(lambda: a.stats["retry_after"] > 0, timeout=5, what="replica a meets the 429")
    await asyncio.sleep(0.1)  # (the hold is written in the background)
    t0 = time.monotonic()
    second = await b.send_text(901, "from b")
    assert second.status == "sent" and second.attempts == 1  # b waited out a's hold instead of meeting a 429
    assert b.stats["retry_after"] == 0 and time.monotonic() - t0 >= 1.5
    assert (await first).status == "sent"
    assert sorted(m.text for m in user.messages) == ["from a", "from b"]
    for sender in (a, b):
        await sender.aclose()


async def two_replicas_broadcast(emu, bots, db, shared: bool) -> list[Sender]:
    prefix = f"test:{secrets.token_hex(4)}:"
    senders = [Sender(bot, db, rate=28, shared=shared_limits(prefix, rate=28) if shared else None) for bot in bots]
    chats = list(range(1000, 1120))
    for chat in chats:
        emu.user(chat, f"U{chat}", started=True)
    # each replica sends to its half of the chats at once (a digest's fan-out on two replicas)
    outcomes = await asyncio.gather(*(senders[i % 2].send_text(chat, "hi") for i, chat in enumerate(chats)))
    assert all(o.ok for o in outcomes)
    for sender in senders:
        await sender.aclose()
    return senders


@needs_redis
async def test_two_replicas_share_one_rate_limit_per_token(emu, replica_bots, db) -> None:
    """28 messages a second each: together nearly twice Telegram's 30 unless they share the budget."""
    senders = await two_replicas_broadcast(emu, replica_bots, db, shared=True)
    assert [s.stats["retry_after"] for s in senders] == [0, 0]
    assert emu.violations == []


@needs_redis
async def test_without_sharing_two_replicas_exceed_the_tokens_limit(emu, replica_bots, db) -> None:
    """The control of the test above: the same two replicas pacing alone meet Telegram's 429."""
    senders = await two_replicas_broadcast(emu, replica_bots, db, shared=False)
    assert sum(s.stats["retry_after"] for s in senders) > 0


@needs_redis
async def test_shared_limits_step_aside_when_redis_does_not_answer(emu, emu_bot, db, caplog) -> None:
    user = emu.user(951, started=True)
    sender = Sender(emu_bot, db, shared=SharedLimits.from_url("redis://127.0.0.1:1/0"))
    assert (await sender.send_text(951, "still sent")).ok
    assert [m.text for m in user.messages] == ["still sent"]
    assert "shared send limits unavailable" in caplog.text
    await sender.aclose()


def test_visible_length_counts_utf16_without_tags() -> None:
    assert _visible_len("<b>a&amp;b</b>") == 3
    assert _visible_len("😀") == 2
