"""Leads through the production dispatcher: the /lead flow and the one-line form, duplicates (also two saves at
once), bad contacts, a forwarded message, the funnel buttons and their history, the hand-off to sales with two
simultaneous *Take it* presses, forged buttons, who sees a phone, /leads, /lead forget, /funnel, /export leads,
/products, /funnel_stages, the hand-off SLA notice, and an English-speaking member (fast, in-process)."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.types import (
    Chat,
    Message,
    MessageOriginChannel,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
    User,
)
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.i18n import Catalog
from handlers.leads import HandoffCb, LeadCb
from models.leads import FunnelStage, Lead, LeadEvent, LeadHandoff
from models.org import AuditEntry, Department, Member
from models.scheduling import Delivery
from scheduler.jobs import HANDOFF_SLA, Jobs
from scheduler.render_pool import ChartRenderer
from tests.conftest import ADMIN_ID
from tests.recording import BOT_TOKEN, Harness, Person, Sent
from tests.scheduling_helpers import FakeSender

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga")
WRITER = Person(2, "Anna", "Petrova", "anna")
OTHER = Person(3, "Oleg", "Other", "oleg")  # a writer of another department
SALES1 = Person(10, "Sergey", "Sales", "sergey")
SALES2 = Person(11, "Sveta", "Sales", "sveta")
SALES_MGR = Person(12, "Mark", "Boss", "mark")
ENGLISH = Person(20, "John", "Smith", "john", language_code="en")
PHONE_DIGITS = "9161234567"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, bot_token=BOT_TOKEN, database_url=database_url,
                    admin_ids=frozenset({ADMIN_ID}), telegram_api_url="http://127.0.0.1:1", chart_mode="thread",
                    chart_workers=1)


async def invite(h: Harness, who: Person, role_button: str, department: str) -> None:
    msg = h.messages(await h.send(ADMIN, "/invite"))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button(role_button)))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button(department)))[0]
    token = msg.text.split("start=")[1].split()[0]
    await h.send(who, f"/start {token}")


async def department_id(db, name: str) -> int:
    async with db.session() as s:
        return await s.scalar(select(Department.id).where(Department.name == name))


async def setup(h: Harness, db, *, sales: bool = True) -> None:
    await h.send(ADMIN, "/start")
    await h.send(ADMIN, "/departments add Продажи")
    await h.send(ADMIN, "/departments add Дизайн")
    await invite(h, WRITER, "автор", "Общий отдел")
    await invite(h, OTHER, "автор", "Дизайн")
    await invite(h, SALES1, "автор", "Продажи")
    await invite(h, SALES2, "автор", "Продажи")
    await invite(h, SALES_MGR, "руководитель", "Продажи")
    if sales:
        sent = await h.send(ADMIN, f"/departments sales {await department_id(db, 'Продажи')} on")
        assert "отдел продаж" in h.messages(sent)[0].text


def to(person: Person, sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.method in ("SendMessage", "EditMessageText") and s.params.get("chat_id") == person.id]


def alerts(h: Harness, sent: list[Sent]) -> list[str]:
    return [a.params.get("text") or "" for a in h.answers(sent)]


async def count(db, model, *where) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


async def lead_by_name(db, name: str) -> Lead:
    async with db.session() as s:
        return await s.scalar(select(Lead).where(Lead.name == name))


async def stage(db, key: str) -> FunnelStage:
    async with db.session() as s:
        return await s.scalar(select(FunnelStage).where(FunnelStage.key == key))


async def one_line(h: Harness, who: Person, text: str) -> Sent:
    return h.messages(await h.send(who, f"/lead {text}"))[-1]


def forwarded(h: Harness, person: Person, origin, *, text: str | None = "Здравствуйте, сколько стоит?",
              photo: bool = False) -> Update:
    from aiogram.types import PhotoSize

    msg = Message(message_id=next(h._msg_ids), date=datetime.now(UTC),
                  chat=Chat(id=person.id, type="private", first_name=person.first_name), from_user=person.user,
                  text=text, forward_origin=origin,
                  photo=[PhotoSize(file_id="f", file_unique_id="u", width=1, height=1)] if photo else None)
    return Update(update_id=next(h._update_ids), message=msg)


# -- creating ---------------------------------------------------------------------------------------------------
async def test_flow_one_line_form_and_duplicates(harness: Harness, db) -> None:
    h = harness
    await setup(h, db)
    await h.send(ADMIN, "/products add Консультация")
    assert "Новый лид" in h.messages(await h.send(WRITER, "/lead"))[0].text
    assert "Контакты" in h.messages(await h.send(WRITER, "Мария Иванова"))[0].text
    # a bad phone: a clear message with an example, the form waits for contacts again
    bad = h.messages(await h.send(WRITER, "+7 916 12"))[0].text
    assert "не номер телефона" in bad and "+7 916 123-45-67" in bad
    products = h.messages(await h.send(WRITER, "8 (916) 123-45-67 maria@example.com"))[0]
    source = h.messages(await h.press(WRITER, products, products.button("Консультация")))
    source_q = source[-1]
    assert "Откуда" in source_q.text
    confirm = h.messages(await h.send(WRITER, "Instagram-аккаунт студии"))[0]
    assert "+7 916 123-45-67" in confirm.text and "Консультация" in confirm.text
    saved = await h.press(WRITER, confirm, confirm.button("Сохранить"))
    card = h.messages(saved)[-1]
    assert "Лид #" in card.text and "+7 916 123-45-67" in card.text and "maria@example.com" in card.text
    assert "Диалог" in card.text
    # a second press on Save creates nothing
    await h.press(WRITER, confirm, confirm.button("Сохранить"))
    assert await count(db, Lead) == 1
    lead = await lead_by_name(db, "Мария Иванова")
    assert lead.phone == "+79161234567" and lead.source == "Instagram-аккаунт студии" and lead.product_id
    assert lead.owner_id is not None and await count(db, LeadEvent, LeadEvent.lead_id == lead.id) == 1

    # the one-line form; then the same person by another contact format: the existing card, nothing new
    card = await one_line(h, ADMIN, "Анна Смирнова +7 903 000-11-22 @anna.sm")
    assert "Лид сохранён" in card.text and "@anna.sm" in card.text
    dup = await one_line(h, ADMIN, "Анна С. https://www.instagram.com/Anna.SM/")
    assert "уже есть" in dup.text and "Анна Смирнова" in dup.text
    dup = await one_line(h, OTHER, "Кто-то 89161234567")
    assert "уже есть" in dup.text and "Мария Иванова" in dup.text
    assert PHONE_DIGITS not in dup.text.replace(" ", "").replace("-", "")  # not theirs: no phone
    assert await count(db, Lead) == 2
    # no contact, a bad e-mail, a bad handle: refused, nothing saved
    assert "хотя бы один контакт" in (await one_line(h, ADMIN, "Только Имя")).text
    assert "не адрес почты" in (await one_line(h, ADMIN, "Имя bad@mail")).text
    assert "Instagram" in (await one_line(h, ADMIN, "Имя @bad..handle")).text
    assert await count(db, Lead) == 2


async def test_two_saves_of_one_person_at_once_create_one_lead(harness: Harness, db) -> None:
    h = harness
    await setup(h, db)
    results = await asyncio.gather(h.send(ADMIN, "/lead Пётр Первый +7 903 111-22-33"),
                                   h.send(WRITER, "/lead Пётр I 8 903 111 22 33"),
                                   h.send(SALES1, "/lead Пётр +79031112233"))
    assert await count(db, Lead) == 1
    texts = [h.messages(r)[-1].text for r in results]
    assert sum("Лид сохранён" in t for t in texts) == 1 and sum("уже есть" in t for t in texts) == 2
    # the database refuses a second row with the same contact on its own (not only the service's check)
    async with db.session() as s:
        lead = await s.scalar(select(Lead))
        s.add(Lead(name="X", phone=lead.phone, stage_id=lead.stage_id, created_at=lead.created_at,
                   stage_at=lead.created_at))
        with pytest.raises(IntegrityError):
            await s.commit()


async def test_forwarded_message_offers_a_lead(harness: Harness, db) -> None:
    h = harness
    await setup(h, db, sales=False)
    person = User(id=777, is_bot=False, first_name="Вера", last_name="Клиентова")
    sent = await h._feed(forwarded(h, WRITER, MessageOriginUser(date=datetime.now(UTC), sender_user=person)))
    offer = h.messages(sent)[0]
    assert "Вера Клиентова" in offer.text and "сколько стоит" in offer.text
    ask = h.messages(await h.press(WRITER, offer, offer.button("Завести")))[0]
    assert "Контакты" in ask.text and "Вера Клиентова" in ask.text
    confirm = h.messages(await h.send(WRITER, "@vera.k"))[-1]
    confirm = h.messages(await h.send(WRITER, "Директ"))[-1] if "Откуда" in confirm.text else confirm
    card = h.messages(await h.press(WRITER, confirm, confirm.button("Сохранить")))[-1]
    assert "Вера Клиентова" in card.text and "сколько стоит" in card.text
    lead = await lead_by_name(db, "Вера Клиентова")
    assert lead.note == "Здравствуйте, сколько стоит?" and lead.instagram == "vera.k"
    # a hidden sender: the name Telegram shows
    sent = await h._feed(forwarded(h, WRITER, MessageOriginHiddenUser(date=datetime.now(UTC),
                                                                      sender_user_name="Скрытый Гость")))
    assert "Скрытый Гость" in h.messages(sent)[0].text
    await h.send(WRITER, "/cancel")
    # a channel post and a file: clear refusals, nothing offered
    channel = Chat(id=-100123, type="channel", title="News")
    sent = await h._feed(forwarded(h, WRITER, MessageOriginChannel(date=datetime.now(UTC), chat=channel,
                                                                   message_id=5)))
    assert "из канала" in h.messages(sent)[0].text and not h.messages(sent)[0].buttons()
    sent = await h._feed(forwarded(h, WRITER, MessageOriginUser(date=datetime.now(UTC), sender_user=person),
                                   text=None, photo=True))
    assert "текстового сообщения" in h.messages(sent)[0].text


# -- the funnel and the hand-off ------------------------------------------------------------------------------------
async def test_funnel_moves_hand_off_and_one_take_under_simultaneous_presses(harness: Harness, db) -> None:
    h = harness
    await setup(h, db)
    card = await one_line(h, WRITER, "Ирина Лидова +7 916 123-45-67 irina@example.com")
    card = h.messages(await h.press(WRITER, card, card.button("Тёплый лид")))[-1]
    assert "Этап: <b>Тёплый лид</b>" in card.text
    # back and forward again: each change stored with who and when
    card = h.messages(await h.press(WRITER, card, card.button("◀")))[-1]
    card = h.messages(await h.press(WRITER, card, card.button("Тёплый лид")))[-1]
    sent = await h.press(WRITER, card, card.button("Заявка"))
    card = to(WRITER, sent)[0]
    assert "Этап: <b>Заявка</b>" in card.text and "Передан в продажи: ждёт" in card.text
    lead = await lead_by_name(db, "Ирина Лидова")
    assert await count(db, LeadEvent, LeadEvent.lead_id == lead.id) == 5
    # the sales department's members got the card with Take it; the writer was told
    assert any("Передано в «Продажи»" in s.text for s in to(WRITER, sent))
    take1, take2 = to(SALES1, sent), to(SALES2, sent)
    assert take1 and take2 and "Беру" in take1[0].buttons()[0][0]
    assert PHONE_DIGITS not in take1[0].text.replace(" ", "").replace("-", "")
    assert to(SALES_MGR, sent)  # the manager is a member of the department too
    # two simultaneous presses: exactly one owner
    r1, r2 = await asyncio.gather(h.press(SALES1, take1[0], take1[0].button("Беру")),
                                  h.press(SALES2, take2[0], take2[0].button("Беру")))
    lead = await lead_by_name(db, "Ирина Лидова")
    async with db.session() as s:
        handoff = await s.scalar(select(LeadHandoff).where(LeadHandoff.lead_id == lead.id))
        owners = {m.id: m.telegram_id for m in await s.scalars(select(Member))}
    assert handoff.taken_by is not None and handoff.open_lead_id is None
    winner = owners[handoff.taken_by]
    assert lead.owner_id == handoff.taken_by and winner in (SALES1.id, SALES2.id)
    assert lead.stage_id == (await stage(db, "handed")).id
    loser_alerts = alerts(h, r2 if winner == SALES1.id else r1)
    assert any("уже взял" in a for a in loser_alerts)
    # the writer who handed it over is told who took it, once
    # (the two presses ran at once: each one's slice of the recorded requests may hold the other's too)
    told = list({id(s): s for s in to(WRITER, r1 + r2) if "взял(а) лида" in s.text}.values())
    assert len(told) == 1 and ("Sergey" in told[0].text) == (winner == SALES1.id)
    # a third press changes nothing
    again = await h.press(SALES1, take1[0], take1[0].button("Беру"))
    assert await count(db, LeadEvent, LeadEvent.lead_id == lead.id) == 6
    assert alerts(h, again)
    # the sales department sees the phone after the hand-off; the writer of another department does not
    winner_person = SALES1 if winner == SALES1.id else SALES2
    loser_person = SALES2 if winner == SALES1.id else SALES1
    for who in (winner_person, loser_person, SALES_MGR, ADMIN):
        assert "+7 916 123-45-67" in (await one_line(h, who, str(lead.id))).text, who
    # the writer who handed it over is no longer its owner: name and stage only
    assert "+7 916" not in (await one_line(h, WRITER, str(lead.id))).text
    other = (await one_line(h, OTHER, str(lead.id))).text
    assert "Ирина Лидова" in other and "Передан в продажи" in other
    assert "+7 916" not in other and "irina@" not in other and "Контакты видят" in other
    # lost needs a reason from the list, and the history keeps it
    card = await one_line(h, winner_person, str(lead.id))
    ask = h.messages(await h.press(winner_person, card, card.button("Отказ")))[-1]
    card = h.messages(await h.press(winner_person, ask, ask.button("Цена")))[-1]
    assert "Этап: <b>Отказ</b>" in card.text and "Цена" in card.text


async def test_forged_buttons_change_nothing(harness: Harness, db) -> None:
    h = harness
    await setup(h, db)
    card = await one_line(h, WRITER, "Лид Чужой +7 916 123-45-67")
    lead = await lead_by_name(db, "Лид Чужой")
    warm = await stage(db, "warm")
    # another department's writer: the card has no buttons, and a forged move is refused
    assert not (await one_line(h, OTHER, str(lead.id))).buttons()
    sent = await h.press(OTHER, card, LeadCb(a="mv", id=lead.id, s=warm.id).pack())
    assert any("недоступна" in a for a in alerts(h, sent))
    assert (await lead_by_name(db, "Лид Чужой")).stage_id == lead.stage_id
    # lost without a reason, a made-up reason, a stage that does not exist
    lost = await stage(db, "lost")
    await h.press(WRITER, card, LeadCb(a="mv", id=lead.id, s=lost.id).pack())
    await h.press(WRITER, card, LeadCb(a="lr", id=lead.id, s=lost.id, v="bribe").pack())
    await h.press(WRITER, card, LeadCb(a="mv", id=lead.id, s=99999).pack())
    assert (await lead_by_name(db, "Лид Чужой")).stage_id == lead.stage_id
    assert await count(db, LeadEvent, LeadEvent.lead_id == lead.id) == 1
    # Take it on a hand-off that does not exist, and by someone outside the sales department
    sent = await h.press(SALES1, card, HandoffCb(id=12345).pack())
    assert any("не актуальна" in a for a in alerts(h, sent))
    await h.press(WRITER, card, LeadCb(a="mv", id=lead.id, s=warm.id).pack())
    application = await stage(db, "application")
    await h.press(WRITER, card, LeadCb(a="mv", id=lead.id, s=application.id).pack())
    async with db.session() as s:
        handoff = await s.scalar(select(LeadHandoff))
    for outsider in (OTHER, WRITER):
        sent = await h.press(outsider, card, HandoffCb(id=handoff.id).pack())
        assert any("недоступна" in a for a in alerts(h, sent))
    async with db.session() as s:
        assert (await s.get(LeadHandoff, handoff.id)).taken_by is None
    # an out-of-range id in a button is an outdated button
    sent = await h.press(WRITER, card, "ld:mv:99999999999:1:")
    assert any("устарел" in a for a in alerts(h, sent))
    # moving the lead back before anyone took it cancels the hand-off
    await h.press(WRITER, card, LeadCb(a="mv", id=lead.id, s=warm.id).pack())
    async with db.session() as s:
        handoff = await s.get(LeadHandoff, handoff.id)
        assert handoff.open_lead_id is None and handoff.cancelled_at is not None
    sent = await h.press(SALES1, card, HandoffCb(id=handoff.id).pack())
    assert any("не актуальна" in a for a in alerts(h, sent))


async def test_no_sales_department_says_so(harness: Harness, db) -> None:
    h = harness
    await setup(h, db, sales=False)
    card = await one_line(h, WRITER, "Без Продаж +7 916 123-45-67")
    card = h.messages(await h.press(WRITER, card, card.button("Тёплый лид")))[-1]
    sent = await h.press(WRITER, card, card.button("Заявка"))
    assert any("Ни один отдел не отмечен" in s.text for s in to(WRITER, sent))
    assert not to(SALES1, sent) and await count(db, LeadHandoff) == 0


# -- lists, personal data, reports ------------------------------------------------------------------------------------
async def test_leads_list_filter_and_scope(harness: Harness, db) -> None:
    h = harness
    await setup(h, db, sales=False)
    for i in range(10):
        await h.send(WRITER, f"/lead Клиент Номер{i} +7 916 000-00-{i:02d}")
    await h.send(OTHER, "/lead Дизайнерский Лид @design.lead")
    first = h.messages(await h.send(WRITER, "/leads"))[0]
    assert "Открытые лиды: 10" in first.text and "Дизайнерский" not in first.text
    assert "1/2" in str(first.buttons())
    second = h.messages(await h.press(WRITER, first, first.button("»")))[0]
    assert "Номер" in second.text
    found = h.messages(await h.send(WRITER, "/leads Номер7"))[0]
    assert "Открытые лиды: 1" in found.text and "Номер7" in found.text
    found = h.messages(await h.send(WRITER, "/leads 000-00-03"))[0]
    assert "Открытые лиды: 1" in found.text and "Номер3" in found.text
    # the filter is kept across pages; the admin sees every department's leads
    assert "Открытые лиды: 11" in h.messages(await h.send(ADMIN, "/leads"))[0].text
    # another department's manager does not see the writer's leads
    assert "Открытые лиды: 0" in h.messages(await h.send(SALES_MGR, "/leads"))[0].text


async def test_forget_erases_personal_data_and_keeps_history(harness: Harness, db, caplog) -> None:
    caplog.set_level(logging.INFO)  # what python -m bot logs (the database driver's DEBUG lines show parameters)
    h = harness
    await setup(h, db, sales=False)
    card = await one_line(h, WRITER, "Стереть Меня +7 916 123-45-67 forget@example.com @forget.me")
    card = h.messages(await h.press(WRITER, card, card.button("Тёплый лид")))[-1]
    lead = await lead_by_name(db, "Стереть Меня")
    refused = h.messages(await h.send(WRITER, f"/lead forget {lead.id}"))[0]
    assert "Забыть" not in refused.text
    assert (await lead_by_name(db, "Стереть Меня")).phone == "+79161234567"
    done = h.messages(await h.send(ADMIN, f"/lead forget {lead.id}"))[0]
    assert "стёрты" in done.text
    async with db.session() as s:
        erased = await s.get(Lead, lead.id)
        assert (erased.name, erased.phone, erased.email, erased.instagram) == ("", None, None, None)
        assert erased.forgotten_at is not None
        assert await s.scalar(select(func.count()).select_from(LeadEvent).where(LeadEvent.lead_id == lead.id)) == 2
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "lead.forget"))
        assert audit.object_id == lead.id and "9161234567" not in str(audit.details)
    text = (await one_line(h, ADMIN, str(lead.id))).text
    assert "(стёрто)" in text and "+7 916" not in text
    # the same person may be saved again (the contacts are free)
    assert "Лид сохранён" in (await one_line(h, WRITER, "Снова +7 916 123-45-67")).text
    # no phone or e-mail was ever written to the log
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged  # the updates were logged
    assert "9161234567" not in logged and "916 123" not in logged and "forget@example.com" not in logged


async def test_funnel_figures_chart_and_export(harness: Harness, db) -> None:
    h = harness
    await setup(h, db, sales=False)
    await h.send(ADMIN, "/products add Курс")
    cards = [await one_line(h, WRITER, f"Воронка Лид{i} +7 916 100-00-{i:02d}") for i in range(4)]
    for c in cards[:3]:
        c = h.messages(await h.press(WRITER, c, c.button("Тёплый лид")))[-1]
    c = next(s for s in await h.press(WRITER, c, c.button("Заявка")) if s.method == "EditMessageText")
    c = h.messages(await h.press(WRITER, c, c.button("Успешно")))[-1]
    assert "Этап: <b>Успешно</b>" in c.text
    # only managers
    assert "Открытые" not in (h.messages(await h.send(WRITER, "/funnel"))[0].text or "")
    sent = await h.send(ADMIN, "/funnel")
    photo = [s for s in sent if s.method == "SendPhoto"]
    assert photo
    text = next(s for s in h.messages(sent) if s.method == "SendMessage")
    # the test's own count: 4 created; 3 reached warm (75%); 1 reached application (33%); 1 won (25% overall)
    assert "4 новых лида" in text.text
    assert "Диалог: вошли 4, дошли 4" in text.text
    assert "Тёплый лид: вошли 3, дошли 3, конверсия 75%" in text.text
    assert "Заявка: вошли 1, дошли 1, конверсия 33%" in text.text
    assert "Первый этап → успех: 25%" in text.text
    by_owner = h.messages(await h.press(ADMIN, text, text.button("По владельцам")))[0]
    assert "Anna Petrova: 4 · 25% · 25%" in by_owner.text
    # /team leads: created, to application, median days to the first change, overdue tasks now
    from models.tasks import Task

    now = h.dp.workflow_data["clock"].now()
    async with db.session() as s:
        writer = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
        for due in (now - timedelta(hours=1), now + timedelta(hours=1)):
            s.add(Task(title="Перезвонить", creator_id=writer.id, assignee_id=writer.id, due_at=due, status="open",
                       created_at=now, updated_at=now))
        await s.commit()
    team = h.messages(await h.send(ADMIN, "/team leads"))[0]
    assert "Anna Petrova: 4 · 25% · 0.0 · 1" in team.text
    # /export leads: CSV and XLSX; contacts only where the caller may see them
    month = "2026-11"  # the test clock's month
    docs = [s for s in await h.send(ADMIN, f"/export leads {month}") if s.method == "SendDocument"]
    assert len(docs) == 2
    rows = list(csv.reader(io.StringIO(docs[0].params["document"].data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["id", "created_at", "name", "phone"] and len(rows) == 5
    assert all(r[3].startswith("+7 916") for r in rows[1:])
    wb = load_workbook(io.BytesIO(docs[1].params["document"].data))
    assert wb.active.max_row == 5 or wb.worksheets[0].max_row == 5
    assert "Открытые" not in str(await h.send(WRITER, f"/export leads {month}"))
    # a manager of another department: only their scope (no leads of the writer's department)
    empty = h.messages(await h.send(SALES_MGR, f"/export leads {month}"))[0]
    assert "не создавали" in empty.text


async def test_products_and_stages_admin(harness: Harness, db) -> None:
    h = harness
    await setup(h, db, sales=False)
    added = h.messages(await h.send(SALES_MGR, "/products add Курс SMM"))[0].text
    assert "добавлен: Курс SMM" in added
    pid = added.split()[1]  # "Товар N добавлен: ..."
    assert "уже есть" in h.messages(await h.send(SALES_MGR, "/products add курс smm"))[0].text
    assert "Интенсив" in h.messages(await h.send(SALES_MGR, f"/products rename {pid} Интенсив"))[0].text
    assert "в архиве" in h.messages(await h.send(SALES_MGR, f"/products archive {pid}"))[0].text
    assert "Курс" not in (h.messages(await h.send(WRITER, "/products"))[0].text or "")
    added = h.messages(await h.send(ADMIN, "/funnel_stages add Встреча"))
    assert "Встреча" in added[0].text
    async with db.session() as s:
        stages = list(await s.scalars(select(FunnelStage).where(FunnelStage.archived.is_(False))
                                      .order_by(FunnelStage.position)))
    assert [st.key for st in stages][-3:-1] == [stages[-3].key, "won"] and stages[-3].name == "Встреча"
    meeting = stages[-3]
    await h.send(ADMIN, f"/funnel_stages up {meeting.id}")
    await h.send(ADMIN, f"/funnel_stages rename {meeting.id} Созвон")
    async with db.session() as s:
        order = [st.key for st in await s.scalars(select(FunnelStage).order_by(FunnelStage.position))]
    assert order.index(meeting.key) == order.index("handed") - 1
    refused = h.messages(await h.send(ADMIN, f"/funnel_stages archive {(await stage(db, 'application')).id}"))[0]
    assert "нельзя" in refused.text
    assert "Созвон" not in (h.messages(await h.send(SALES_MGR, "/funnel_stages"))[0].text or "")


async def test_english_member(harness: Harness, db) -> None:
    h = harness
    await setup(h, db, sales=False)
    await invite(h, ENGLISH, "автор", "Общий отдел")
    assert "New lead" in h.messages(await h.send(ENGLISH, "/lead"))[0].text
    await h.send(ENGLISH, "John Client")
    bad = h.messages(await h.send(ENGLISH, "john@nowhere"))[0].text
    assert "not a valid e-mail" in bad and "anna@example.com" in bad
    confirm = h.messages(await h.send(ENGLISH, "john.client@example.com"))[-1]
    confirm = h.messages(await h.press(ENGLISH, confirm, confirm.button("No source")))[-1]
    card = h.messages(await h.press(ENGLISH, confirm, confirm.button("Save")))[-1]
    assert "Lead #" in card.text and "Stage: <b>Dialogue</b>" in card.text and "john.client@example.com" in card.text
    dup = await one_line(h, ENGLISH, "Johnny JOHN.client@example.com")
    assert "already in the leads" in dup.text


# -- the hand-off SLA ---------------------------------------------------------------------------------------------------
async def test_handoff_sla_tells_the_sales_manager_once(harness: Harness, db, settings, clock) -> None:
    h = harness
    await setup(h, db)
    card = await one_line(h, WRITER, "Долго Ждёт +7 916 123-45-67")
    card = h.messages(await h.press(WRITER, card, card.button("Тёплый лид")))[-1]
    await h.press(WRITER, card, card.button("Заявка"))
    async with db.session() as s:
        handoff = await s.scalar(select(LeadHandoff))
    sender = FakeSender()
    jobs = Jobs(db, settings, Catalog(), sender, ChartRenderer(1, mode="thread"), clock)
    created = handoff.created_at  # Monday 16 Nov 2026 12:00 Moscow
    await jobs.tick(created + timedelta(hours=1))
    assert HANDOFF_SLA not in sender.kinds()  # (the writer's morning agenda names the lead: no next step)
    await jobs.tick(created + timedelta(hours=2, minutes=1))
    async with db.session() as s:
        manager = await s.scalar(select(Member).where(Member.telegram_id == SALES_MGR.id))
    sla = [c for c in sender.calls if c.kind == HANDOFF_SLA]
    assert [c.chat_id for c in sla] == [SALES_MGR.id] and "никто не взял" in sla[0].text
    assert "+7 916" not in sla[0].text
    await jobs.tick(created + timedelta(hours=3))
    await jobs.tick(created + timedelta(hours=26))
    assert len([c for c in sender.calls if c.kind == HANDOFF_SLA]) == 1
    assert await count(db, Delivery, Delivery.kind == HANDOFF_SLA, Delivery.member_id == manager.id) == 1


async def test_weekly_digest_has_a_funnel_section(harness: Harness, db, settings) -> None:
    from datetime import date

    from scheduler import digest as dg

    h = harness
    await setup(h, db, sales=False)
    for i in range(3):
        card = await one_line(h, WRITER, f"Недельный Лид{i} +7 916 200-00-{i:02d}")
    h.messages(await h.press(WRITER, card, card.button("Тёплый лид")))
    t = Catalog().translator("ru")
    async with db.session() as s:
        lines = await dg.funnel_section(s, settings, t, dg.Scope(None), date(2026, 11, 23))
        assert lines[0] == "За прошлую неделю 3 новых лида, успех 0%"
        assert "Диалог: 3 (—)" in lines and "Тёплый лид: 1 (33%)" in lines
        # a manager's scope holds only their departments' leads; the week before had none
        sales = await department_id(db, "Продажи")
        assert await dg.funnel_section(s, settings, t, dg.Scope((sales,)), date(2026, 11, 23)) == []
        assert await dg.funnel_section(s, settings, t, dg.Scope(None), date(2026, 11, 16)) == []
    caption = dg.caption(t, "weekly", "неделя", [], [], [], None, {}, funnel_lines=lines)
    assert "Воронка лидов" in caption and "Тёплый лид: 1 (33%)" in caption
