"""Issue 10 reviewed as a new user and a strict reviewer would: HTML in names on buttons, an existing client's
second invite, long lists within Telegram's limits, the PDF's own text, an English-speaking client, a restart
in the middle of a change request (state in Redis)."""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import select

from models.clients import ClientProject
from models.org import AuditEntry, Invite, Member
from models.reporting import Project, Revision
from tests.recording import Harness, Person
from tests.test_clients import (
    ADMIN,
    CLIENT,
    MANAGER,
    TEAM_NAMES,
    WRITER,
    client_token,
    count,
    report_and_send,
    setup,
    to,
    unit,
)

EN_CLIENT = Person(52, "Eve", "English", "eve", language_code="en")
REDIS = os.environ.get("TEST_REDIS_URL")


def pdf_text(pdf: bytes) -> str:
    """The text a reader of the PDF sees (extracted by pypdf), lines joined by spaces."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


async def project(db, name: str) -> Project:
    async with db.session() as s:
        return await s.scalar(select(Project).where(Project.name == name))


async def member(db, person: Person) -> Member:
    async with db.session() as s:
        return await s.scalar(select(Member).where(Member.telegram_id == person.id))


async def test_html_in_a_project_name_shows_as_typed_on_buttons(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    name = "<b>A&B</b>"
    await h.send(ADMIN, f"/projects add {name}")
    await h.send(CLIENT, f"/start {await client_token(h, ADMIN, name)}")
    sent = await report_and_send(h, f'"{name}"', "<i>x</i> & y")
    [card] = to(CLIENT, sent)
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in card.text and "&lt;i&gt;x&lt;/i&gt; &amp; y" in card.text
    projects = h.messages(await h.send(CLIENT, "/projects"))[0]
    [label] = [b for b, _ in projects.buttons() if "Отчёт" in b]
    assert label.endswith(": <b>A&B</b>"), label  # a button is plain text: no HTML escapes
    members = h.messages(await h.send(ADMIN, "/members"))[0]
    section = h.messages(await h.press(ADMIN, members, members.button("Клиенты")))[0]
    cardm = h.messages(await h.press(ADMIN, section, section.button("Carl")))[0]
    assert "✕ Убрать «<b>A&B</b>»" in [b for b, _ in cardm.buttons()]
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in cardm.text


async def test_an_existing_client_opening_a_new_invite_gets_its_projects(harness: Harness, db) -> None:
    h = harness
    await setup(h, CLIENT)
    token = await client_token(h, MANAGER, "Beta")  # a manager cannot use the admin's clients section
    text = h.messages(await h.send(CLIENT, f"/start {token}"))[0].text
    assert "Beta" in text
    client = await member(db, CLIENT)
    assert await count(db, ClientProject, ClientProject.member_id == client.id) == 2  # Alpha kept, Beta added
    async with db.session() as s:
        invite = await s.scalar(select(Invite).where(Invite.token == token))
    assert invite.uses_left == 0
    assert await count(db, AuditEntry, AuditEntry.action == "client.project_added") == 1
    assert "уже" in h.messages(await h.send(CLIENT, f"/start {token}"))[0].text  # used up
    # a team member opening a client invite stays on the team and is told why
    text = h.messages(await h.send(WRITER, f"/start {await client_token(h, MANAGER, 'Beta')}"))[0].text
    assert "клиент" in text
    writer = await member(db, WRITER)
    assert writer.role == "writer" and writer.department_id is not None
    assert await count(db, ClientProject, ClientProject.member_id == writer.id) == 0


async def test_a_client_of_many_long_named_projects_stays_within_telegram_limits(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    names = [(f"P{i:02d} " + "Длинное название проекта " * 8)[:200].strip() for i in range(30)]
    for n in names:
        await h.send(ADMIN, f"/projects add {n}")
    msg = h.messages(await h.send(ADMIN, "/invite"))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("клиент")))[0]
    for page in range(4):
        for b, data in list(msg.buttons()):
            if b.startswith("P"):
                msg = h.messages(await h.press(ADMIN, msg, data))[0]
        if page < 3:
            msg = h.messages(await h.press(ADMIN, msg, msg.button("»")))[0]
    made = h.messages(await h.press(ADMIN, msg, msg.button("Создать ссылку (30)")))[0]
    assert "start=" in made.text and "ещё" in made.text  # the link survives a long list of projects
    token = made.text.split("start=")[1].split()[0]
    start = h.messages(await h.send(CLIENT, f"/start {token}"))[0]
    assert "/help" in start.text and "ещё" in start.text
    client = await member(db, CLIENT)
    assert await count(db, ClientProject, ClientProject.member_id == client.id) == 30
    # /projects: every project has its report button, a page at a time
    labels: list[str] = []
    page = h.messages(await h.send(CLIENT, "/projects"))[0]
    for _ in range(10):
        labels += [b for b, _ in page.buttons() if "Отчёт" in b]
        if not any(b == "»" for b, _ in page.buttons()):
            break
        page = h.messages(await h.press(CLIENT, page, page.button("»")))[0]
    assert len(labels) == 30 and len({lb.split(": P")[1][:2] for lb in labels}) == 30
    # the admin's card of that client
    members = h.messages(await h.send(ADMIN, "/members"))[0]
    section = h.messages(await h.press(ADMIN, members, members.button("Клиенты")))[0]
    cardm = h.messages(await h.press(ADMIN, section, section.button("Carl")))[0]
    assert "ещё" in cardm.text
    # (the harness fails the test on any request over 4096 characters)


async def test_the_pdf_says_what_the_message_says(harness: Harness, db) -> None:
    h = harness
    await setup(h, CLIENT)
    for title in ("R1", "R2", "R3", "R4"):
        await report_and_send(h, "Alpha", title)
    pending = h.messages(await h.send(CLIENT, "/pending"))[0]
    await h.press(CLIENT, pending, f"cl:ok:{(await unit(db, 'R1')).id}:")
    await h.press(CLIENT, pending, f"cl:ok:{(await unit(db, 'R2')).id}:")
    msg = h.messages(await h.press(CLIENT, pending, f"cl:ch:{(await unit(db, 'R3')).id}:"))[0]
    msg = h.messages(await h.press(CLIENT, msg, msg.button("Опечатки")))[0]
    await h.send(CLIENT, "Опечатка во втором абзаце")
    alpha = await project(db, "Alpha")
    sent = await h.send(MANAGER, f"/client_report {alpha.id} 2026-11")
    [message] = [m for m in sent if m.method == "SendMessage"]
    [doc] = [m for m in sent if m.method == "SendDocument"]
    text = pdf_text(doc.params["document"].data)
    for line in ("Согласовано (сдано) единиц: 2", "· Контент для соцсетей: 2", "Ждут решения сейчас: 1",
                 "Правок: 1", "· Опечатки: 1", "Среднее время решения клиента: 0.0 ч"):
        assert line in message.text and line in text, line
    assert "Отчёт по проекту «Alpha», ноябрь 2026" in text


def test_a_long_report_keeps_every_line_in_the_pdf() -> None:
    from scheduler.report_pdf import render_client_report

    title = "Отчёт по проекту «" + "Очень длинное название проекта " * 6 + "», ноябрь 2026"
    lines = ["Согласовано (сдано) единиц: 57",
             *[f"· Поток {i} с очень длинным названием, которое занимает почти всю строку отчёта: {i}"
               for i in range(14)],
             "Ждут решения сейчас: 3", "Правок: 9", *[f"· Причина {i}: {i}" for i in range(6)],
             "Среднее время решения клиента: 5.5 ч"]
    pdf = render_client_report(title, lines, "Согласовано по неделям", [("26.10", 1), ("02.11", 2)])
    text = pdf_text(pdf)
    for line in lines:
        assert line in text, line
    assert "Согласовано по неделям" in text


async def test_an_english_speaking_client(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    start = h.messages(await h.send(EN_CLIENT, f"/start {await client_token(h, ADMIN, 'Alpha')}"))[0].text
    assert "client of: “Alpha”" in start  # English quotation marks
    sent = await report_and_send(h, "Alpha", "Post EN")
    [card] = to(EN_CLIENT, sent)
    assert "For approval" in card.text and "Social media content" in card.text
    msg = h.messages(await h.press(EN_CLIENT, card, card.button("Request changes")))[0]
    msg = h.messages(await h.press(EN_CLIENT, msg, msg.button("Style or tone")))[0]
    assert "at least 10 letters" in msg.text
    assert "too short" in h.messages(await h.send(EN_CLIENT, "bad"))[0].text
    sent = await h.send(EN_CLIENT, "Please change the title, it is dull")
    assert "went to the team" in to(EN_CLIENT, sent)[0].text
    assert "Стиль или тон" in to(WRITER, sent)[0].text  # the writer in their own language
    assert "Nothing waits" in h.messages(await h.send(EN_CLIENT, "/pending"))[0].text
    projects = h.messages(await h.send(EN_CLIENT, "/projects"))[0]
    assert "sent for approval 1, approved 0, waiting 0, revisions 1" in projects.text
    assert "for the agency's team only" in h.messages(await h.send(EN_CLIENT, "/team"))[0].text
    sent = await h.press(EN_CLIENT, projects, projects.button("Report for"))
    assert "Report for project “Alpha”" in h.messages(sent)[0].text
    blob = "\n".join(m.text or "" for m in to(EN_CLIENT, sent))
    assert not any(n in blob for n in TEAM_NAMES)


@pytest.mark.skipif(not REDIS, reason="set TEST_REDIS_URL to run against Redis")
async def test_a_restart_in_the_middle_of_a_change_request_keeps_the_form(settings, db, clock) -> None:
    from aiogram.fsm.storage.base import StorageKey

    from bot.app import create_dispatcher, create_storage
    from tests.recording import BOT_ID, make_bot

    def process():
        storage = create_storage(settings.model_copy(update={"redis_url": REDIS}))
        bot, session = make_bot()
        return Harness(create_dispatcher(settings, db, clock=clock, storage=storage), bot, session), storage

    h, storage = process()
    key = StorageKey(bot_id=BOT_ID, chat_id=CLIENT.id, user_id=CLIENT.id)
    try:
        await setup(h, CLIENT)
        [card] = to(CLIENT, await report_and_send(h, "Alpha", "Killed"))
        msg = h.messages(await h.press(CLIENT, card, card.button("Нужны правки")))[0]
        await h.press(CLIENT, msg, msg.button("Стиль"))
        await storage.close()
        h, storage = process()  # kill -9: a new process with a new dispatcher and storage
        sent = await h.send(CLIENT, "Поменяйте заголовок, он скучный")
        assert "переданы команде" in to(CLIENT, sent)[0].text and to(WRITER, sent)
        u = await unit(db, "Killed")
        assert u.state == "revision"
        assert await count(db, Revision, Revision.unit_id == u.id, Revision.reason == "style") == 1
        assert await storage.get_state(key) is None
    finally:
        await storage.set_state(key, None)
        await storage.set_data(key, {})
        await storage.close()


def test_report_lines_are_wrapped_within_the_page() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from scheduler.report_pdf import A4, LEFT, _font, _wrap

    fig = Figure(figsize=A4)
    renderer = FigureCanvasAgg(fig).get_renderer()
    for text, font in (("Ш" * 120, _font(16, "bold")), ("ШИРОКИЕ БУКВЫ " * 12, _font(10.5)),
                       ("Отчёт по проекту «" + "Длинное название " * 10 + "»", _font(16, "bold"))):
        parts = _wrap(text, font)
        assert "".join(parts).replace(" ", "") == text.replace(" ", "")  # nothing lost
        for part in parts:
            right = fig.text(LEFT, 0.5, part, fontproperties=font).get_window_extent(renderer).x1
            assert right / fig.bbox.width < 0.96, part


async def test_another_departments_manager_changes_and_sees_nothing(harness: Harness, db) -> None:
    h = harness
    await setup(h, CLIENT)
    await h.send(ADMIN, "/departments add Other")
    msg = h.messages(await h.send(ADMIN, "/invite"))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("руководитель")))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("Other")))[0]
    olaf = Person(70, "Olaf", None, "olaf")
    await h.send(olaf, "/start " + msg.text.split("start=")[1].split()[0])
    alpha = await project(db, "Alpha")
    for cmd in (f"/approval {alpha.id} team", f"/approval {alpha.id} authors on", f"/client_report {alpha.id} 2026-11"):
        sent = await h.send(olaf, cmd)
        assert not [m for m in sent if m.method == "SendDocument"]
        assert "недоступ" in h.messages(sent)[0].text, cmd
    alpha = await project(db, "Alpha")
    assert alpha.approval_mode is None and alpha.show_authors is False
    assert "Alpha" not in h.messages(await h.send(olaf, "/approval"))[0].text


async def test_a_switched_off_client_is_refused_politely_and_changes_nothing(harness: Harness, db) -> None:
    h = harness
    await setup(h, CLIENT)
    [card] = to(CLIENT, await report_and_send(h, "Alpha", "Before"))
    client = await member(db, CLIENT)
    members = h.messages(await h.send(ADMIN, "/members"))[0]
    section = h.messages(await h.press(ADMIN, members, members.button("Клиенты")))[0]
    cardm = h.messages(await h.press(ADMIN, section, section.button("Carl")))[0]
    await h.press(ADMIN, cardm, cardm.button("Отключить"))
    assert not (await member(db, CLIENT)).active
    sent = await h.press(CLIENT, card, card.button("Согласовать"))
    assert "отключён" in h.answers(sent)[0].params.get("text", "")
    assert (await unit(db, "Before")).state == "sent"
    for cmd in ("/pending", "/projects", "/start", "hello"):
        assert "отключён" in h.messages(await h.send(CLIENT, cmd))[0].text, cmd
    # the project has no active client any more: the team approves again, and no card goes to them
    assert to(CLIENT, await report_and_send(h, "Alpha", "After")) == []
    assert client.id


async def test_an_english_client_far_away_is_reminded_in_english_in_their_daytime(db, settings, clock) -> None:
    from datetime import UTC, datetime

    from tests.scheduling_helpers import add_units, at_msk, make_jobs, make_team

    team = await make_team(db, writers=1)
    async with db.session() as s, db.writing(s):
        client = Member(telegram_id=902, display_name="Eve", role="client", department_id=None, active=True,
                        unreachable=False, language="en", timezone="America/New_York",
                        created_at=datetime(2026, 11, 1, tzinfo=UTC))
        s.add(client)
        await s.flush()
        s.add(ClientProject(member_id=client.id, project_id=team.project_id,
                            added_at=datetime(2026, 11, 1, tzinfo=UTC)))
    [uid] = await add_units(db, team.writers[0], team.project_id, 1, at_msk(16, 10))  # Monday 07:00 UTC
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.client_approvals(datetime(2026, 11, 17, 7, 1, tzinfo=UTC))  # 24 h on, but 02:01 in New York
    assert sender.calls == []
    await jobs.client_approvals(datetime(2026, 11, 17, 14, 1, tzinfo=UTC))  # 09:01 in New York
    [call] = sender.calls
    assert call.chat_id == 902 and "Reminder: waiting for your decision" in call.text and f"#{uid}" in call.text
    assert "Пост 0" in call.text and "Sent: 16.11.2026 02:00" in call.text  # the client's own clock


async def test_changes_and_approve_at_once_and_a_comment_sent_twice_record_one_decision(harness: Harness,
                                                                                        db) -> None:
    import asyncio

    from models.clients import ClientDecision
    from tests.test_clients import CLIENT2

    h = harness
    await setup(h, CLIENT, CLIENT2)
    sent = await report_and_send(h, "Alpha", "Contested")
    [c1], [c2] = to(CLIENT, sent), to(CLIENT2, sent)
    msg = h.messages(await h.press(CLIENT, c1, c1.button("Нужны правки")))[0]
    await h.press(CLIENT, msg, msg.button("Стиль"))
    comment = "Поменяйте заголовок, он скучный"
    await asyncio.gather(h.send(CLIENT, comment), h.send(CLIENT, comment),
                         h.press(CLIENT2, c2, c2.button("Согласовать")))
    u = await unit(db, "Contested")
    assert await count(db, ClientDecision, ClientDecision.unit_id == u.id) == 1
    assert await count(db, Revision, Revision.unit_id == u.id) == (1 if u.state == "revision" else 0)
    assert u.state in ("revision", "approved")
    assert await count(db, AuditEntry, AuditEntry.action.in_(["client.approve", "client.changes"])) == 1


async def test_pending_shows_every_card_it_has_buttons_for_even_with_long_links(harness: Harness, db) -> None:
    from bot.text import visible_len

    h = harness
    await setup(h, CLIENT)
    for i in range(6):
        await report_and_send(h, "Alpha", f"Заголовок {i} " + "x" * 200 + f" https://example.com/{i}/" + "a" * 900)
    page = h.messages(await h.send(CLIENT, "/pending"))[0]
    assert visible_len(page.text) <= 4096
    ids = {b.split("#")[1] for b, _ in page.buttons() if b.startswith("✅")}
    assert len(ids) == 5
    for uid in ids:  # each card with buttons is on the page: its heading, its title and its link
        assert f"На согласование #{uid}</b>" in page.text
    for i in range(5):  # oldest first
        assert f"Заголовок {i} x" in page.text
        assert f'<a href="https://example.com/{i}/{"a" * 900}">' in page.text  # the whole link opens


async def test_pending_is_oldest_first_by_when_it_was_sent_even_after_an_edit(harness: Harness, db, clock) -> None:
    from datetime import timedelta

    h = harness
    await setup(h, CLIENT)
    await report_and_send(h, "Alpha", "Sent first")
    clock.set(clock.now() + timedelta(minutes=5))
    await report_and_send(h, "Alpha", "Sent second")
    clock.set(clock.now() + timedelta(minutes=5))
    first = await unit(db, "Sent first")
    card = h.messages(await h.send(WRITER, "/mine"))[0]
    msg = h.messages(await h.press(WRITER, card, f"u:edit:{first.id}:"))[0]
    sent = await h.send(WRITER, "Sent first, typo fixed")
    assert (await unit(db, "Sent first, typo fixed")).state == "sent", [m.text for m in h.messages(sent)]
    page = h.messages(await h.send(CLIENT, "/pending"))[0].text
    assert page.index("Sent first, typo fixed") < page.index("Sent second")
    assert "Sent first, typo fixed\nОтправлено: 16.11.2026 12:00" in page  # the edit is not a new sending
    assert msg


async def test_an_edit_while_waiting_does_not_remind_the_client_again(db, settings, clock) -> None:
    from datetime import UTC, datetime

    from models.reporting import UnitEvent
    from tests.scheduling_helpers import add_units, at_msk, make_jobs, make_team

    team = await make_team(db, writers=1)
    async with db.session() as s, db.writing(s):
        client = Member(telegram_id=903, display_name="Client Co", role="client", department_id=None, active=True,
                        unreachable=False, created_at=datetime(2026, 11, 1, tzinfo=UTC))
        s.add(client)
        await s.flush()
        s.add(ClientProject(member_id=client.id, project_id=team.project_id,
                            added_at=datetime(2026, 11, 1, tzinfo=UTC)))
    [uid] = await add_units(db, team.writers[0], team.project_id, 1, at_msk(16, 10))
    async with db.session() as s, db.writing(s):
        s.add(UnitEvent(unit_id=uid, actor_id=team.writers[0].id, kind="sent", from_state="written",
                        to_state="sent", at=at_msk(16, 10)))
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.client_approvals(at_msk(17, 10, 1))
    assert [c.chat_id for c in sender.calls] == [903]
    async with db.session() as s, db.writing(s):  # the writer fixes a typo in the waiting unit
        s.add(UnitEvent(unit_id=uid, actor_id=team.writers[0].id, kind="edited", from_state="sent",
                        to_state="sent", at=at_msk(17, 11)))
    await jobs.client_approvals(at_msk(18, 11, 30))
    assert [c.chat_id for c in sender.calls] == [903, team.manager.telegram_id]  # the manager, not the client


async def test_approval_lists_every_project_a_page_at_a_time(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    names = [(f"Q{i:02d} " + "Длинное название проекта " * 8)[:200].strip() for i in range(40)]
    for n in names:
        await h.send(ADMIN, f"/projects add {n}")
    page = h.messages(await h.send(MANAGER, "/approval"))[0]
    seen = set()
    for _ in range(10):
        seen |= {n for n in names if n in page.text}
        if not any(b == "»" for b, _ in page.buttons()):
            break
        page = h.messages(await h.press(MANAGER, page, page.button("»")))[0]
    assert seen == set(names)  # every project's number and mode can be found
    assert "/approval номер client" in page.text
