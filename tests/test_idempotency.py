"""Forms that create carry an idempotency key the database enforces (issue 8, point 13): a double press,
two concurrent presses, a Save after a restart or a redelivered update store one object and show it."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Chat, Message, MessageEntity, Update
from sqlalchemy import select

from bot.app import create_dispatcher, create_storage
from models.idempotency import IdempotencyKey
from models.org import AuditEntry, Invite
from models.reporting import Project, Unit, UnitEvent
from tests.recording import BOT_ID, Harness, Person, make_bot
from tests.test_reporting import ADMIN, WRITER, count, setup_team

REDIS = os.environ.get("TEST_REDIS_URL")


async def confirm_form(h: Harness, who: Person = WRITER):
    msg = h.messages(await h.send(who, "/report"))[0]
    msg = h.messages(await h.press(who, msg, msg.button("соцсетей")))[0]
    msg = h.messages(await h.press(who, msg, msg.button("Bakery")))[0]
    return h.messages(await h.send(who, "Post about bread"))[0]


async def redeliver(h: Harness, who: Person, text: str, message_id: int):
    """The same Telegram message fed again (an update redelivered after a crash before its offset was saved)."""
    entities = [MessageEntity(type="bot_command", offset=0, length=len(text.split()[0]))] \
        if text.startswith("/") else None
    msg = Message(message_id=message_id, date=datetime.now(UTC), chat=Chat(id=who.id, type="private"),
                  from_user=who.user, text=text, entities=entities)
    return await h._feed(Update(update_id=next(h._update_ids), message=msg))


async def two_presses_store_one_unit(h: Harness, db) -> None:
    await setup_team(h, "Bakery")
    confirm = await confirm_form(h)
    data = confirm.button("Сохранить")
    first, second = await asyncio.gather(h.press(WRITER, confirm, data), h.press(WRITER, confirm, data))
    assert await count(db, Unit) == 1 and await count(db, UnitEvent) == 1
    async with db.session() as s:
        unit = await s.scalar(select(Unit))
    for sent in (first, second):  # both presses show the saved unit
        assert h.answers(sent)[0].params.get("text") == "Единица сохранена."
        assert f"#{unit.id}" in h.messages(sent)[0].text


async def test_two_concurrent_save_presses_store_one_unit(harness: Harness, db) -> None:
    await two_presses_store_one_unit(harness, db)


@pytest.mark.skipif(not REDIS, reason="set TEST_REDIS_URL to run against Redis")
async def test_two_concurrent_save_presses_store_one_unit_with_redis_state(settings, db, clock) -> None:
    storage = create_storage(settings.model_copy(update={"redis_url": REDIS}))
    bot, session = make_bot()
    h = Harness(create_dispatcher(settings, db, clock=clock, storage=storage), bot, session)
    try:
        await two_presses_store_one_unit(h, db)
    finally:
        for who in (WRITER, ADMIN):
            key = StorageKey(bot_id=BOT_ID, chat_id=who.id, user_id=who.id)
            await storage.set_state(key, None)
            await storage.set_data(key, {})
        await storage.close()
        await bot.session.close()


async def test_save_after_a_crash_between_commit_and_clearing_the_form(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Bakery")
    confirm = await confirm_form(h)
    key = StorageKey(bot_id=BOT_ID, chat_id=WRITER.id, user_id=WRITER.id)
    state, data = await h.dp.storage.get_state(key), await h.dp.storage.get_data(key)
    await h.press(WRITER, confirm, confirm.button("Сохранить"))
    # kill -9 after the commit, before the form was cleared: the stored form state is still the confirm step
    await h.dp.storage.set_state(key, state)
    await h.dp.storage.set_data(key, data)
    # ...and the process's memory went with it (bot.ui.edit's record of its last edits)
    vars(h.bot).pop("_teamdesk_last_edits", None)
    sent = await h.press(WRITER, confirm, confirm.button("Сохранить"))
    assert await count(db, Unit) == 1
    assert "Post about bread" in h.messages(sent)[0].text


async def test_an_old_save_button_does_not_save_a_newer_form(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Bakery")
    old = await confirm_form(h)
    await h.send(WRITER, "/cancel")
    new = await confirm_form(h)
    sent = await h.press(WRITER, old, old.button("Сохранить"))
    assert h.answers(sent)[0].params.get("show_alert") is True
    assert await count(db, Unit) == 0
    await h.press(WRITER, new, new.button("Сохранить"))
    assert await count(db, Unit) == 1


async def test_redelivered_one_line_report_project_and_plan_paste_write_once(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Bakery")
    for _ in range(2):
        text = h.messages(await redeliver(h, WRITER, "/report smm Bakery Post", 9001))[0].text
        assert "Единица сохранена" in text
    assert await count(db, Unit) == 1
    for _ in range(2):
        text = h.messages(await redeliver(h, ADMIN, "/projects add Dairy", 9002))[0].text
        assert "Dairy" in text and "уже есть" not in text
    assert await count(db, Project, Project.name == "Dairy") == 1
    for _ in range(2):
        await redeliver(h, ADMIN, "/plan\n@anna 30", 9003)
    assert await count(db, AuditEntry, AuditEntry.action == "plan.set") == 1
    keys = [f"unit-line:{WRITER.id}:9001", f"project:{ADMIN.id}:9002", f"plan:{ADMIN.id}:9003"]
    assert await count(db, IdempotencyKey, IdempotencyKey.key.in_(keys)) == 3
    # a new message (another key) is a new form
    text = h.messages(await h.send(ADMIN, "/projects add Dairy"))[0].text
    assert "уже есть" in text


async def test_invite_department_pressed_twice_makes_one_invite(harness: Harness, db) -> None:
    h = harness
    await h.send(ADMIN, "/start")
    msg = h.messages(await h.send(ADMIN, "/invite"))[0]
    picker = h.messages(await h.press(ADMIN, msg, msg.button("автор")))[0]
    data = picker.buttons()[0][1]
    first, second = await asyncio.gather(h.press(ADMIN, picker, data), h.press(ADMIN, picker, data))
    assert await count(db, Invite) == 1
    links = {h.messages(sent)[0].text.split("start=")[1].split()[0] for sent in (first, second)}
    assert len(links) == 1


async def test_a_failed_write_leaves_loaded_rows_readable(harness: Harness, db) -> None:
    """A rollback expires every loaded object; reading one afterwards must not be hidden IO (MissingGreenlet
    on PostgreSQL, seen when the second of two concurrent invite presses lost the race)."""
    from bot.errors import UserError
    from models.org import Member

    await harness.send(ADMIN, "/start")
    async with db.session() as s:
        member = (await s.execute(select(Member).where(Member.telegram_id == ADMIN.id))).scalar_one()
        with pytest.raises(UserError):
            async with db.writing(s):
                member.display_name = "Changed"
                await s.flush()
                raise UserError("error-bad-choice")
        assert member.display_name != "Changed"  # the row as stored, read without IO
        assert member.telegram_id == ADMIN.id


async def test_old_keys_are_pruned_and_recent_ones_kept(db, settings) -> None:
    from datetime import timedelta

    from bot.clock import FrozenClock
    from models import idempotency_repo
    from tests.scheduling_helpers import make_jobs

    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    async with db.session() as s, db.writing(s):
        idempotency_repo.claim(s, "old", "unit", 1, now - timedelta(days=3))
        idempotency_repo.claim(s, "recent", "unit", 2, now - timedelta(hours=47))
    jobs, _sender = make_jobs(db, settings, FrozenClock(now))
    assert await jobs.prune_keys(now) == 1
    async with db.session() as s:
        assert await idempotency_repo.find(s, "old") is None
        assert (await idempotency_repo.find(s, "recent")).object_id == 2
    # at most once an hour
    async with db.session() as s, db.writing(s):
        idempotency_repo.claim(s, "old2", "unit", 3, now - timedelta(days=3))
    assert await jobs.prune_keys(now + timedelta(minutes=30)) == 0
    assert await jobs.prune_keys(now + timedelta(hours=1)) == 1
