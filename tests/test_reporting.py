"""Reporting through the production dispatcher: /report flow and one line, unit life, revisions, /mine,
/away, projects and streams (fast, in-process)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.domain.deadlines import add_working_hours
from models.org import AuditEntry
from models.reporting import DayOff, Project, Revision, Stream, Unit, UnitEvent
from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person
from tests.test_onboarding import invite_link

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga")
WRITER = Person(2, "Anna", "Petrova", "anna")
OTHER = Person(3, "Boris", None, "boris")


async def setup_team(h: Harness, *projects: str) -> None:
    await h.send(ADMIN, "/start")
    for p in projects:
        await h.send(ADMIN, f"/projects add {p}")
    await h.send(WRITER, f"/start {await invite_link(h, ADMIN)}")
    await h.send(OTHER, f"/start {await invite_link(h, ADMIN)}")


async def count(db, model, *where) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


async def units(db) -> list[Unit]:
    async with db.session() as s:
        return list(await s.scalars(select(Unit).order_by(Unit.id)))


async def test_report_flow_saves_only_on_confirm(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Client <X>", "Bakery")
    msg = h.messages(await h.send(WRITER, "/report"))[0]
    msg = h.messages(await h.press(WRITER, msg, msg.button("соцсетей")))[0]
    assert "Выберите проект" in msg.text
    msg = h.messages(await h.press(WRITER, msg, msg.button("Client <X>")))[0]
    assert "&lt;X&gt;" in msg.text
    # a bad link and a too-long title are refused with the reason; nothing is stored
    assert "не похоже на ссылку" in h.messages(await h.send(WRITER, "https://nohost"))[0].text
    assert "не больше 300" in h.messages(await h.send(WRITER, "x" * 301))[0].text
    confirm = h.messages(await h.send(WRITER, "Post <b>launch</b> https://vk.com/wall-1_2"))[0]
    assert "Post &lt;b&gt;launch&lt;/b&gt;" in confirm.text
    assert await count(db, Unit) == 0
    sent = await h.press(WRITER, confirm, confirm.button("Сохранить"))
    card = h.messages(sent)[0]
    assert "написана" in card.text and "Отправлена на согласование" in [b for b, _ in card.buttons()]
    [unit] = await units(db)
    assert unit.title == "Post <b>launch</b>" and unit.link == "https://vk.com/wall-1_2" and unit.state == "written"
    assert await count(db, UnitEvent) == 1
    # pressing save again after the flow ended stores nothing and shows the saved unit
    sent = await h.press(WRITER, confirm, confirm.button("Сохранить"))
    assert h.answers(sent)[0].params.get("text") == "Единица сохранена."
    # the message already shows the saved unit: no identical edit (Telegram would refuse it)
    assert f"#{unit.id}" in card.text and h.messages(sent) == []
    assert await count(db, Unit) == 1


async def test_abandoned_and_cancelled_flow_leave_nothing(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Bakery")
    msg = h.messages(await h.send(WRITER, "/report"))[0]
    msg = h.messages(await h.press(WRITER, msg, msg.button("Репутац")))[0]
    msg = h.messages(await h.press(WRITER, msg, msg.button("Bakery")))[0]
    confirm = h.messages(await h.send(WRITER, "Review"))[0]
    assert h.messages(await h.send(WRITER, "/cancel"))[0].text == "Действие отменено."
    sent = await h.press(WRITER, confirm, confirm.button("Сохранить"))
    assert h.answers(sent)[0].params.get("show_alert") is True
    await h.send(WRITER, "/report")  # started and abandoned
    assert await count(db, Unit) == 0


async def test_one_line_report_and_errors(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Client X", "Bakery")
    text = h.messages(await h.send(WRITER, '/report smm "client x" Post about the launch'))[0].text
    assert "Единица сохранена" in text and "Client X" in text
    text = h.messages(await h.send(WRITER, "/report reputation Bakery https://example.com/a"))[0].text
    assert "Единица сохранена" in text
    text = h.messages(await h.send(WRITER, '/report video "Client X" Post'))[0].text
    assert "Нет направления «video»" in text and "smm, reputation" in text
    text = h.messages(await h.send(WRITER, '/report smm "Nope" Post'))[0].text
    assert "Нет проекта «Nope»" in text and "\n• Bakery" in text
    text = h.messages(await h.send(WRITER, "/report smm"))[0].text
    assert "/report" in text and "Пример" in text
    rows = await units(db)
    assert [(u.title, u.link) for u in rows] == [("Post about the launch", None),
                                                 ("https://example.com/a", "https://example.com/a")]
    help_text = h.messages(await h.send(WRITER, "/help"))[0].text
    assert "/report smm" in help_text and "/mine" in help_text and "/team" not in help_text


async def test_unit_life_revisions_and_idempotency(harness: Harness, db, clock) -> None:
    h = harness
    await setup_team(h, "Bakery")
    card = h.messages(await h.send(WRITER, "/report smm Bakery Post"))[0]
    uid = (await units(db))[0].id
    sent = await h.press(WRITER, card, card.button("Отправлена"))
    card = h.messages(sent)[0]
    assert "на согласовании" in card.text
    # the same button pressed twice records one transition
    sent = await h.press(WRITER, card, f"u:send:{uid}:")
    assert "Уже отмечено" in h.answers(sent)[0].params["text"]
    assert await count(db, UnitEvent, UnitEvent.kind == "sent") == 1
    # revision received: a reason, then the unit knows its deadline
    picker = h.messages(await h.press(WRITER, card, card.button("Получена правка")))[0]
    assert "Опечатки" in [b for b, _ in picker.buttons()]
    card = h.messages(await h.press(WRITER, picker, picker.button("Стиль")))[0]
    assert "в правках" in card.text and "Стиль или тон" in card.text
    await h.press(WRITER, picker, picker.button("Стиль"))  # twice: one revision
    assert await count(db, Revision) == 1
    clock.advance(hours=5)
    card = h.messages(await h.press(WRITER, card, card.button("Правка внесена")))[0]
    async with db.session() as s:
        rev = await s.scalar(select(Revision))
        assert rev.reason == "style" and rev.reaction_seconds == 5 * 3600
    # a second revision with "other" and its text
    assert h.answers(await h.press(OTHER, card, f"u:rev:{uid}:"))[0].params["show_alert"] is True  # not theirs
    picker = h.messages(await h.press(WRITER, card, card.button("Получена правка")))[0]
    sent = await h.press(WRITER, picker, picker.button("Другое"))
    assert "Опишите правку" in h.messages(sent)[0].text
    card = h.messages(await h.send(WRITER, "Клиент <просит> короче"))[0]
    assert "Другое: Клиент &lt;просит&gt; короче" in card.text
    clock.advance(hours=30)  # Monday 14:00 + 30h > 24 working hours
    card = h.messages(await h.send(WRITER, "/mine"))[0]
    assert "правка просрочена" in card.text
    async with db.session() as s:
        unit = await s.get(Unit, uid)
        assert unit.state == "revision"
    # approve: refused while in revision, fine after the fix
    sent = await h.press(WRITER, card, f"u:approve:{uid}:")
    assert "в правках" in h.answers(sent)[0].params["text"]
    card = h.messages(await h.press(WRITER, card, f"u:fix:{uid}:"))[0]
    card = h.messages(await h.press(WRITER, card, card.button("Согласована")))[0]
    assert "согласована" in card.text
    async with db.session() as s:
        unit = await s.get(Unit, uid)
        assert unit.state == "approved" and unit.approved_at is not None and unit.sent_at is not None
        assert await s.scalar(select(func.count()).select_from(Revision).where(Revision.done_at.is_(None))) == 0


async def test_edit_and_delete_rules(harness: Harness, db, clock) -> None:
    h = harness
    await setup_team(h, "Bakery")
    card = h.messages(await h.send(WRITER, "/report smm Bakery Draft"))[0]
    uid = (await units(db))[0].id
    sent = await h.press(WRITER, card, card.button("Изменить"))
    assert "новое название" in h.messages(sent)[0].text
    card = h.messages(await h.send(WRITER, "Final title"))[0]
    assert "Final title" in card.text
    clock.advance(hours=25)
    sent = await h.press(WRITER, card, f"u:del:{uid}:")
    assert "24 часов" in h.answers(sent)[0].params["text"]
    # the admin (a manager of everyone) may still delete; soft and audited
    sent = await h.press(ADMIN, card, f"u:del:{uid}:")
    confirm = h.messages(sent)[0]
    card = h.messages(await h.press(ADMIN, confirm, confirm.button("Да, удалить")))[0]
    assert "удалена" in card.text and card.markup is None
    async with db.session() as s:
        unit = await s.get(Unit, uid)
        assert unit.state == "deleted" and unit.deleted_at is not None
        assert await s.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "unit.deleted")) == 1
    # approving a deleted unit is refused with a message
    sent = await h.press(ADMIN, card, f"u:approve:{uid}:")
    assert "удалена" in h.answers(sent)[0].params["text"]
    assert "Единиц за этот период нет" in h.messages(await h.send(WRITER, "/mine"))[0].text


async def test_mine_range_pagination_and_date_errors(harness: Harness, db, clock) -> None:
    h = harness
    await setup_team(h, "Bakery")
    for i in range(10):
        await h.send(WRITER, f"/report smm Bakery Post {i}")
    msg = h.messages(await h.send(WRITER, "/mine"))[0]
    assert "01.11.2026 – 30.11.2026: 10" in msg.text and "1/2" in [b for b, _ in msg.buttons()]
    msg = h.messages(await h.press(WRITER, msg, msg.button("»")))[0]
    assert "2/2" in [b for b, _ in msg.buttons()]
    assert ": 0" in h.messages(await h.send(WRITER, "/mine 2026-11-01..2026-11-15"))[0].text
    assert ": 10" in h.messages(await h.send(WRITER, "/mine 16.11-16.11"))[0].text
    assert "Пример" in h.messages(await h.send(WRITER, "/mine вчера"))[0].text
    assert "Такой даты нет" in h.messages(await h.send(WRITER, "/mine 31.02.2026"))[0].text
    assert "позже конца" in h.messages(await h.send(WRITER, "/mine 2026-11-15..2026-11-01"))[0].text


async def test_project_picker_filters_and_pages(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, *[f"Client {i:02d}" for i in range(12)], "Bakery")
    msg = h.messages(await h.send(WRITER, "/report"))[0]
    msg = h.messages(await h.press(WRITER, msg, msg.button("соцсетей")))[0]
    assert "часть названия" in msg.text and "1/2" in [b for b, _ in msg.buttons()]
    msg = h.messages(await h.send(WRITER, "bak"))[0]
    assert [b for b, _ in msg.buttons()] == ["Bakery"]
    async with db.session() as s:
        bakery = await s.scalar(select(Project).where(Project.name == "Bakery"))
    await h.send(ADMIN, f"/projects archive {bakery.id}")
    sent = await h.press(WRITER, msg, msg.button("Bakery"))
    assert h.answers(sent)[0].params.get("show_alert") is True


async def test_projects_and_streams_admin(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Bakery")
    assert "уже есть" in h.messages(await h.send(ADMIN, "/projects add bakery"))[0].text
    async with db.session() as s:
        pid = await s.scalar(select(Project.id))
    await h.send(ADMIN, f"/projects rename {pid} Bakery & Co")
    async with db.session() as s:
        assert (await s.get(Project, pid)).name == "Bakery & Co"
    assert "недоступна" in h.messages(await h.send(WRITER, "/projects add Mine"))[0].text
    text = h.messages(await h.send(ADMIN, "/streams add video Видео | Video"))[0].text
    assert "video" in text
    await h.send(ADMIN, "/streams rename smm СММ | SMM")
    assert "латиницей" in h.messages(await h.send(ADMIN, "/streams add Видео! А | B"))[0].text
    assert "недоступна" in h.messages(await h.send(WRITER, "/streams"))[0].text
    async with db.session() as s:
        assert (await s.scalar(select(Stream).where(Stream.code == "smm"))).name_en == "SMM"
        assert await s.scalar(select(func.count()).select_from(Stream)) == 3


async def test_away_by_member_and_manager(harness: Harness, db) -> None:
    h = harness
    await setup_team(h, "Bakery")
    text = h.messages(await h.send(WRITER, "/away 2026-11-10..2026-11-14"))[0].text
    assert "новых дней: 5" in text
    assert "недоступна" in h.messages(await h.send(WRITER, "/away @boris 2026-11-10"))[0].text
    text = h.messages(await h.send(ADMIN, "/away @boris 20.11..21.11"))[0].text
    assert "Boris" in text
    await h.send(WRITER, "/away clear 2026-11-14")
    assert await count(db, DayOff) == 6
    assert "Пример" in h.messages(await h.send(WRITER, "/away 2026-13-01"))[0].text


def test_working_hours_deadline() -> None:
    friday = datetime(2026, 11, 13, 12, 0, tzinfo=UTC)  # 15:00 in Moscow
    assert add_working_hours(friday, 24, "Europe/Moscow") == datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
    saturday = datetime(2026, 11, 14, 9, 0, tzinfo=UTC)
    assert add_working_hours(saturday, 24, "Europe/Moscow") == datetime(2026, 11, 16, 21, 0, tzinfo=UTC)
    # 4 November is a public holiday in Russia: skipped
    tuesday = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    assert add_working_hours(tuesday, 24, "Europe/Moscow") == datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
