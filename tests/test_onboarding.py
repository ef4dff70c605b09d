"""Onboarding, roles and invites through the production dispatcher (fast, in-process)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models.org import AuditEntry, Invite, Member
from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga")
WRITER = Person(2, "<b>Ann & Co", None, "ann")
STRANGER = Person(3, "Eve", None, "eve")


async def count(db, model) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def invite_link(h: Harness, who: Person, role_button: str = "автор") -> str:
    sent = await h.send(who, "/invite")
    msg = h.messages(sent)[0]
    sent = await h.press(who, msg, msg.button(role_button))
    edit = h.messages(sent)[0]
    sent = await h.press(who, edit, edit.buttons()[0][1])
    text = h.messages(sent)[0].text
    return text.split("start=")[1].split()[0]


async def test_admin_from_settings_registers(harness: Harness, db) -> None:
    sent = await harness.send(ADMIN, "/start")
    text = harness.messages(sent)[0].text
    assert "администратор" in text and "Общий отдел" in text
    # managers and admins get a chat-scoped command menu
    scoped = [s for s in sent if s.method == "SetMyCommands"]
    assert scoped and scoped[0].params["scope"].chat_id == ADMIN_ID
    names = {c.command for c in scoped[0].params["commands"]}
    assert {"invite", "members", "departments"} <= names
    async with db.session() as s:
        member = await s.scalar(select(Member).where(Member.telegram_id == ADMIN_ID))
        assert member.role == "admin"
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 1


async def test_stranger_refused_and_not_stored(harness: Harness, db) -> None:
    sent = await harness.send(STRANGER, "/start")
    assert "только по приглашению" in harness.messages(sent)[0].text
    sent = await harness.send(STRANGER, "/members")
    assert "только по приглашению" in harness.messages(sent)[0].text
    assert await count(db, Member) == 0


async def test_invite_registers_writer_in_department(harness: Harness, db) -> None:
    await harness.send(ADMIN, "/start")
    await harness.send(ADMIN, "/departments add Контент <SMM>")
    token = await invite_link(harness, ADMIN)
    sent = await harness.send(WRITER, f"/start {token}")
    text = harness.messages(sent)[0].text
    assert "&lt;b&gt;Ann &amp; Co" in text and "автор" in text
    told = [m for m in harness.messages(sent) if m.params["chat_id"] == ADMIN_ID]
    assert told and "&lt;b&gt;Ann &amp; Co" in told[0].text and "Контент &lt;SMM&gt;" in told[0].text
    async with db.session() as s:
        writer = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
        assert writer.role == "writer" and writer.display_name == "<b>Ann & Co"
    # the invite is used up
    sent = await harness.send(STRANGER, f"/start {token}")
    assert "уже использовано" in harness.messages(sent)[0].text
    assert await count(db, Member) == 2


async def test_writer_cannot_invite(harness: Harness, db) -> None:
    await harness.send(ADMIN, "/start")
    token = await invite_link(harness, ADMIN)
    await harness.send(WRITER, f"/start {token}")
    before = await count(db, Invite)
    sent = await harness.send(WRITER, "/invite")
    assert harness.messages(sent)[0].text == "Эта команда вам недоступна."
    sent = await harness.send(WRITER, "/members")
    assert harness.messages(sent)[0].text == "Эта команда вам недоступна."
    assert await count(db, Invite) == before


async def test_forged_invite_callback_from_writer_refused(harness: Harness, db) -> None:
    await harness.send(ADMIN, "/start")
    sent = await harness.send(ADMIN, "/invite")
    admin_msg = harness.messages(sent)[0]
    token = await invite_link(harness, ADMIN)
    await harness.send(WRITER, f"/start {token}")
    before = await count(db, Invite)
    sent = await harness.press(WRITER, admin_msg, "inv:dept:admin:1:0")
    answers = harness.answers(sent)
    assert len(answers) == 1 and answers[0].params["show_alert"] is True
    assert await count(db, Invite) == before


async def test_made_up_and_expired_tokens(harness: Harness, db, clock) -> None:
    sent = await harness.send(STRANGER, "/start nonsense-token")
    assert "Такого приглашения нет" in harness.messages(sent)[0].text
    await harness.send(ADMIN, "/start")
    token = await invite_link(harness, ADMIN)
    clock.advance(hours=169)
    sent = await harness.send(STRANGER, f"/start {token}")
    assert "Срок действия приглашения истёк" in harness.messages(sent)[0].text
    assert await count(db, Member) == 1
    clock.advance(hours=-169)
    _ = timedelta


async def test_manager_invites_only_into_managed_departments(harness: Harness, db) -> None:
    await harness.send(ADMIN, "/start")
    await harness.send(ADMIN, "/departments add Репутация")
    token = await invite_link(harness, ADMIN, "руководитель")
    manager = Person(10, "Max", None, "max")
    await harness.send(manager, f"/start {token}")
    sent = await harness.send(manager, "/invite")
    msg = harness.messages(sent)[0]
    assert [b for b, _ in msg.buttons()] == ["автор", "руководитель", "клиент"]
    sent = await harness.press(manager, msg, msg.button("автор"))
    depts = harness.messages(sent)[0].buttons()
    assert len(depts) == 1  # only the department they manage
    # a forged callback into another department is refused
    async with db.session() as s:
        max_dept = (await s.scalar(select(Member).where(Member.telegram_id == 10))).department_id
    other = 2 if max_dept == 1 else 1
    before = await count(db, Invite)
    sent = await harness.press(manager, msg, f"inv:dept:writer:{other}:0")
    assert harness.answers(sent)[0].params["show_alert"] is True
    assert await count(db, Invite) == before


async def test_members_list_and_role_change(harness: Harness, db) -> None:
    await harness.send(ADMIN, "/start")
    token = await invite_link(harness, ADMIN)
    await harness.send(WRITER, f"/start {token}")
    sent = await harness.send(ADMIN, "/members")
    msg = harness.messages(sent)[0]
    assert "&lt;b&gt;Ann &amp; Co" in msg.text
    sent = await harness.press(ADMIN, msg, msg.button("Ann"))
    card = harness.messages(sent)[0]
    sent = await harness.press(ADMIN, card, card.button("руководитель"))
    assert harness.answers(sent)[0].params.get("text") == "Сохранено"
    async with db.session() as s:
        writer = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
        assert writer.role == "manager"
    card = harness.messages(sent)[-1]
    confirm = harness.messages(await harness.press(ADMIN, card, card.button("Отключить")))[0]
    sent = await harness.press(ADMIN, confirm, confirm.button("Да, отключить"))
    async with db.session() as s:
        writer = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
        assert writer.active is False
    sent = await harness.send(WRITER, "/help")
    assert "отключён" in harness.messages(sent)[0].text or "приглашение" in harness.messages(sent)[0].text


async def test_members_paginated(harness: Harness, db) -> None:
    await harness.send(ADMIN, "/start")
    for i in range(20):
        token = await invite_link(harness, ADMIN)
        await harness.send(Person(100 + i, f"User{i:02d}"), f"/start {token}")
    sent = await harness.send(ADMIN, "/members")
    msg = harness.messages(sent)[0]
    assert "1/3" in [b for b, _ in msg.buttons()]
    sent = await harness.press(ADMIN, msg, msg.button("»"))
    assert "2/3" in [b for b, _ in harness.messages(sent)[0].buttons()]


async def test_help_by_role_and_language(harness: Harness) -> None:
    sent = await harness.send(Person(5, "Bob", language_code="en"), "/help")
    text = harness.messages(sent)[0].text
    assert "/invite" not in text and "not registered" in text
    await harness.send(ADMIN, "/start")
    text = harness.messages(await harness.send(ADMIN, "/help"))[0].text
    assert "/invite" in text and "/members" in text


async def test_settings_language_and_timezone(harness: Harness, db) -> None:
    await harness.send(ADMIN, "/start")
    sent = await harness.send(ADMIN, "/settings")
    msg = harness.messages(sent)[0]
    sent = await harness.press(ADMIN, msg, msg.button("English"))
    assert "Language: English" in harness.messages(sent)[0].text
    sent = await harness.send(ADMIN, "/settings tz Mars/Olympus")
    assert "Unknown time zone" in harness.messages(sent)[0].text
    sent = await harness.send(ADMIN, "/settings tz Asia/Vladivostok")
    assert "Asia/Vladivostok" in harness.messages(sent)[0].text
    async with db.session() as s:
        admin = await s.scalar(select(Member).where(Member.telegram_id == ADMIN_ID))
        assert admin.language == "en" and admin.timezone == "Asia/Vladivostok"


async def test_cancel_and_unknown(harness: Harness) -> None:
    await harness.send(ADMIN, "/start")
    assert harness.messages(await harness.send(ADMIN, "/cancel"))[0].text == "Отменять нечего."
    assert "/help" in harness.messages(await harness.send(ADMIN, "hello"))[0].text


async def test_every_callback_answered_even_stale(harness: Harness) -> None:
    await harness.send(ADMIN, "/start")
    sent = await harness.send(ADMIN, "/members")
    sent = await harness.press(ADMIN, harness.messages(sent)[0], "zzz:unknown")
    assert len(harness.answers(sent)) == 1


async def test_unexpected_error_is_reported_to_user(harness: Harness, monkeypatch) -> None:
    from bot.services.org import OrgService

    await harness.send(ADMIN, "/start")

    async def boom(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(OrgService, "members_page", boom)
    sent = await harness.send(ADMIN, "/members")
    assert "Что-то пошло не так" in harness.messages(sent)[0].text


async def test_group_messages_are_ignored(harness: Harness) -> None:
    from datetime import UTC, datetime

    from aiogram.types import Chat, Message, Update

    msg = Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=-100, type="supergroup"),
                  from_user=ADMIN.user, text="/start")
    sent = await harness._feed(Update(update_id=999, message=msg))
    assert sent == []


async def test_cyrillic_names_compare_case_insensitively(harness: Harness) -> None:
    """SQLite's lower() is ASCII-only; the database layer makes it agree with PostgreSQL."""
    await harness.send(ADMIN, "/start")
    await harness.send(ADMIN, "/departments add Репутация")
    sent = await harness.send(ADMIN, "/departments add РЕПУТАЦИЯ")
    assert "уже есть" in harness.messages(sent)[0].text


async def test_switched_off_admin_from_settings_stays_off(settings, db, clock) -> None:
    """ADMIN_IDS registers an admin on first contact only: a switched-off one's /start does not revive them."""
    from bot.app import create_dispatcher
    from tests.recording import make_bot

    second = Person(5, "Second", "Admin", "second")
    bot, session = make_bot()
    h = Harness(create_dispatcher(settings.model_copy(update={"admin_ids": frozenset({ADMIN_ID, second.id})}),
                                  db, clock=clock), bot, session)
    await h.send(ADMIN, "/start")
    assert "администратор" in h.messages(await h.send(second, "/start"))[0].text
    msg = h.messages(await h.send(ADMIN, "/members"))[0]
    card = h.messages(await h.press(ADMIN, msg, msg.button("Second")))[0]
    confirm = h.messages(await h.press(ADMIN, card, card.button("Отключить")))[0]
    await h.press(ADMIN, confirm, confirm.button("Да, отключить"))
    text = h.messages(await h.send(second, "/start"))[0].text
    assert "отключён" in text and "зарегистрированы" not in text
    async with db.session() as s:
        member = await s.scalar(select(Member).where(Member.telegram_id == second.id))
        assert member.active is False
    assert "отключён" in h.messages(await h.send(second, "/help"))[0].text
    await bot.session.close()


async def test_reinvited_former_manager_manages_nothing_old(harness: Harness, db) -> None:
    """A switched-off manager who comes back by a writer's invite no longer manages the old department."""
    from models import org_repo

    await harness.send(ADMIN, "/start")
    token = await invite_link(harness, ADMIN, "руководитель")
    await harness.send(WRITER, f"/start {token}")
    async with db.session() as s, db.writing(s):
        member = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
        assert await org_repo.managed_department_ids(s, member.id) == [member.department_id]
        member.active = False
    token = await invite_link(harness, ADMIN, "автор")
    await harness.send(WRITER, f"/start {token}")
    async with db.session() as s:
        member = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
        assert member.active and member.role == "writer"
        assert await org_repo.managed_department_ids(s, member.id) == []
