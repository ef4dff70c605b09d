"""Issue 3 end-to-end: a writer reports 3 units, gets 2 revisions and one approval, a manager sets plans,
and /me and /team show the numbers this test recomputes from the database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.domain.pace import DONE_STATES, compute_pace, round1
from bot.domain.workdays import local_today
from bot.i18n import Catalog
from bot.services.stats import month_range_utc
from models.org import Member
from models.reporting import Plan, Revision, Unit
from tests.e2e.conftest import E2E, E2E_ADMIN_ID

TZ = "Europe/Moscow"  # the default TIMEZONE the bot runs with


def paced(user):
    """Act at most once a second: the emulator enforces Telegram's 1 message/s per chat (burst 5)."""
    send, press = user.send, user.press

    async def slow_send(text):
        await asyncio.sleep(1.05)
        return await send(text)

    async def slow_press(message, button):
        await asyncio.sleep(1.05)
        return await press(message, button)

    user.send, user.press = slow_send, slow_press
    return user


async def test_reporting_scenario(e2e: E2E) -> None:
    t = Catalog().translator("ru")
    admin = paced(e2e.user(E2E_ADMIN_ID, "Olga", last_name="Admin", username="olga"))
    await admin.send("/start")
    await admin.wait_message()
    await admin.send('/projects add Client "X"')
    assert 'Client "X"' in (await admin.wait_message()).text
    await admin.send("/invite")
    pick_role = await admin.wait_message()
    await admin.press(pick_role, "автор")
    pick_dept = await admin.wait_edit(pick_role)
    await admin.press(pick_dept, pick_dept.buttons[0]["text"])
    done = await admin.wait_edit(pick_dept)
    token = next(w for w in done.text.split() if "start=" in w).split("start=")[1]
    writer = paced(e2e.user(2, "Anna", last_name="Petrova", username="anna"))
    await writer.send(f"/start {token}")
    await writer.wait_message()

    # three units: two in one line, one through the flow
    await writer.send('/report smm "Client "X"" Post one')  # quotes inside quotes: a clear error
    assert "Нет проекта" in (await writer.wait_message()).text
    cards = []
    for text in ("/report smm «Client \"X\"» Post <one>", "/report reputation «Client \"X\"» https://example.com/r"):
        await writer.send(text)
        card = await writer.wait_message()
        assert "Единица сохранена" in card.text
        cards.append(card)
    assert "Post <one>" in cards[0].text
    await writer.send("/report")
    streams = await writer.wait_message()
    await writer.press(streams, "Контент для соцсетей")
    projects = await writer.wait_edit(streams)
    await writer.press(projects, 'Client "X"')
    ask = await writer.wait_edit(projects)
    assert "название" in ask.text
    await writer.send("Post three")
    confirm = await writer.wait_message()
    await writer.press(confirm, "Сохранить")
    cards.append(await writer.wait_edit(confirm))

    # all three sent for approval (the first one pressed twice: one transition)
    for i, card in enumerate(cards):
        await writer.press(card, "Отправлена на согласование")
        cards[i] = await writer.wait_edit(card)
        assert "на согласовании" in cards[i].text
    # two revisions, one approval
    for card, reason in ((cards[0], "Фактическая ошибка"), (cards[1], "Опечатки")):
        await writer.press(card, "Получена правка")
        picker = await writer.wait_edit(card)
        await writer.press(picker, reason)
        after = await writer.wait_edit(picker)
        assert "в правках" in after.text and reason in after.text
    await writer.press(cards[0], "Правка внесена")
    await writer.wait_edit(cards[0])
    await writer.press(cards[2], "Согласована")
    assert "согласована" in (await writer.wait_edit(cards[2])).text

    # the manager sets plans for the current month by pasting a line
    now = datetime.now(UTC)
    month = local_today(now, TZ).replace(day=1)
    await admin.send("/plan")
    months = await admin.wait_message()
    await admin.press(months, f"pl:m:{month.strftime('%Y%m')}:0:0")
    board = await admin.wait_edit(months)
    assert "Anna Petrova" in board.text
    await admin.send("@anna 20 10\nNobody 5")
    failed = await admin.wait_message()
    assert "Ничего не сохранено" in failed.text and "Nobody" in failed.text
    await admin.send("@anna 20 10")
    assert "для 1 сотрудника" in (await admin.wait_message()).text
    await admin.wait_message()  # the board again

    await writer.send("/me")
    me = await writer.wait_message()
    await admin.send("/team")
    team = await admin.wait_message()
    await admin.send("/team projects")
    projects_msg = await admin.wait_message()

    # recompute from the database
    async with e2e.db.session() as s:
        anna = await s.scalar(select(Member).where(Member.telegram_id == 2))
        start, end = month_range_utc(month, TZ)
        done_n = await s.scalar(select(func.count(Unit.id)).where(
            Unit.author_id == anna.id, Unit.state.in_(sorted(DONE_STATES)), Unit.sent_at >= start, Unit.sent_at < end))
        plan_n = await s.scalar(select(func.sum(Plan.units)).where(Plan.member_id == anna.id, Plan.month == month))
        revisions = await s.scalar(select(func.count(Revision.id)).join(Unit, Unit.id == Revision.unit_id)
                                   .where(Unit.author_id == anna.id))
        approved = await s.scalar(select(func.count(Unit.id)).where(Unit.state == "approved"))
    assert (done_n, plan_n, revisions, approved) == (3, 30, 2, 1)
    pace = compute_pace(plan_n, done_n, local_today(now, TZ), month=month)
    rate = round1(revisions / done_n)

    assert t("me-title", month=t(f"month-{month.month}"), year=month.year, plan=plan_n, done=done_n,
             percent=round1(pace.percent)) in me.html
    assert t("me-states", written=0, sent=1, revision=1, approved=1) in me.html
    assert t("me-revisions", revisions=revisions, rate=rate, median=rate) in me.html
    lag = round1(pace.lag_units)
    key = "me-pace-behind" if lag > 0 else "me-pace-ahead" if lag < 0 else "me-pace-on"
    assert t(key, expected=round1(pace.expected), units=abs(lag), days=abs(round1(pace.lag_days))) in me.html
    assert t("team-line", i=1, name="Anna Petrova", done=done_n, plan=plan_n, percent=round1(pace.percent),
             lag=round1(pace.lag_days), rate=rate) in team.html
    assert t("team-project-line", name='Client "X"', units=3, revisions=2, rate=rate, flag="no") in projects_msg.html
