"""/away (self, clear, by a manager, bad ranges) and /me (days off and the member's own local date feed the
pace) through the production dispatcher (fast, in-process)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from bot.domain.pace import Pace, compute_pace, round1
from models.org import AuditEntry, Member
from models.reporting import DayOff
from tests.recording import Harness
from tests.test_plans import ANNA, BORIS, MANAGER, VERA, setup_departments
from tests.test_team import NOV_10, add_units

NOV = date(2026, 11, 1)


def ru(x: float | None) -> str:
    """A number as the Russian translation shows it (one decimal, comma, no trailing ,0)."""
    if x is None:
        return "—"
    x = round1(x)
    return str(int(x)) if x == int(x) else str(x).replace(".", ",")


def ru_form(x: float, one: str, few: str, many: str) -> str:
    """The Russian plural form for a number as shown (fractions take the "few" form: 2,5 дня)."""
    if x != int(x):
        return few
    n = int(x)
    if n % 10 == 1 and n % 100 != 11:
        return one
    return few if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else many


def pace_lines(p: Pace) -> list[str]:
    lag = round1(p.lag_units)
    word = "отставание" if lag > 0 else "опережение"
    units, days = abs(lag), abs(round1(p.lag_days))
    return [f"Темп: к сегодня ожидалось {ru(p.expected)}, {word} {ru(units)} {ru_form(units, 'единица', 'единицы', 'единиц')}"
            f" ({ru(days)} {ru_form(days, 'день', 'дня', 'дней')})",
            f"Прогноз на конец месяца: {ru(p.forecast)}; нужно в день: {ru(p.needed_per_day)} "
            f"(осталось рабочих дней: {p.available_left} из {p.available_total})"]


async def days_off(db, who) -> list[tuple[date, int]]:
    """(day, set_by telegram id) of the person's days off."""
    async with db.session() as s:
        member = await s.scalar(select(Member).where(Member.telegram_id == who.id))
        rows = (await s.execute(select(DayOff.day, Member.telegram_id).join(Member, Member.id == DayOff.set_by)
                                .where(DayOff.member_id == member.id).order_by(DayOff.day))).all()
        return [(d, tg) for d, tg in rows]


async def audits(db, action: str) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


async def test_away_for_self_list_and_clear(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    text = h.messages(await h.send(ANNA, "/away 2026-11-18..2026-11-20"))[0].text
    assert text == "Анна Петрова: выходные 18.11.2026 – 20.11.2026 отмечены (новых дней: 3)."
    # overlapping days are not doubled; short dates take the current year
    text = h.messages(await h.send(ANNA, "/away 19.11-23.11"))[0].text
    assert "19.11.2026 – 23.11.2026 отмечены (новых дней: 3)" in text
    assert [d for d, _ in await days_off(db, ANNA)] == [date(2026, 11, d) for d in range(18, 24)]
    assert {tg for _, tg in await days_off(db, ANNA)} == {ANNA.id}
    text = h.messages(await h.send(ANNA, "/away"))[0].text
    assert "Ваши выходные в этом и следующем месяце: 18.11, 19.11, 20.11, 21.11, 22.11, 23.11" in text
    assert "/away clear" in text
    text = h.messages(await h.send(ANNA, "/away clear 2026-11-22..2026-11-30"))[0].text
    assert text == "Анна Петрова: выходные 22.11.2026 – 30.11.2026 сняты (дней: 2)."
    assert [d for d, _ in await days_off(db, ANNA)] == [date(2026, 11, d) for d in range(18, 22)]
    # "clear" without a period explains the usage and removes nothing
    assert "Убрать: <code>/away clear" in h.messages(await h.send(ANNA, "/away clear"))[0].text
    assert len(await days_off(db, ANNA)) == 4
    assert await audits(db, "days_off.added") == 2 and await audits(db, "days_off.removed") == 1


async def test_away_bad_ranges(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    cases = {
        "/away вчера": "Не понял даты. Пример: <code>2026-11-01..2026-11-15</code>",
        "/away 2026-13-01": "Такой даты нет. Пример: <code>2026-11-01..2026-11-15</code>",
        "/away 31.02": "Такой даты нет. Пример",
        "/away 2026-11-20..2026-11-18": "Начало периода позже конца: 20.11.2026 – 18.11.2026. Период через Новый год пишите с годами",
        "/away 2026-01-01..2027-06-01": "Период длиннее года. Пример: <code>2026-11-01..2026-11-15</code>",
        "/away clear 2026-11-40": "Такой даты нет. Пример",
    }
    for command, reply in cases.items():
        text = h.messages(await h.send(ANNA, command))[0].text
        assert text.startswith(reply), (command, text)
    assert await days_off(db, ANNA) == []
    assert await audits(db, "days_off.added") == 0


async def test_away_by_manager_for_their_people_only(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    text = h.messages(await h.send(MANAGER, "/away @anna 2026-11-25..2026-11-26"))[0].text
    assert text == "Анна Петрова: выходные 25.11.2026 – 26.11.2026 отмечены (новых дней: 2)."
    assert await days_off(db, ANNA) == [(date(2026, 11, 25), MANAGER.id), (date(2026, 11, 26), MANAGER.id)]
    text = h.messages(await h.send(MANAGER, "/away @boris 2026-11-25"))[0].text
    assert text.startswith("Не нашёл сотрудника «@boris» среди ваших")
    assert await days_off(db, BORIS) == []
    text = h.messages(await h.send(MANAGER, "/away @anna clear 26.11"))[0].text
    assert "сняты (дней: 1)" in text
    assert await days_off(db, ANNA) == [(date(2026, 11, 25), MANAGER.id)]
    assert "/away @username" in h.messages(await h.send(MANAGER, "/away @anna"))[0].text
    # a writer may not set days off for someone else
    for command in ("/away @vera 2026-11-25", "/away @vera clear 2026-11-25", "/away @anna clear 25.11"):
        assert h.messages(await h.send(ANNA, command))[0].text == "Эта команда вам недоступна."
    assert await days_off(db, VERA) == [] and len(await days_off(db, ANNA)) == 1


async def test_me_days_off_reduce_available_days(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    await h.send(MANAGER, "/plan\n@anna 30 10")
    await add_units(db, ANNA.id, 10, 2, NOV_10)
    today = date(2026, 11, 16)  # Monday, 12:00 in Moscow
    before = compute_pace(40, 10, today, month=NOV)
    text = h.messages(await h.send(ANNA, "/me"))[0].text
    lines = text.splitlines()
    assert lines[0] == "<b>Мой ноябрь 2026</b>: сделано 10 из 40 (25 %)"
    assert "• Контент для соцсетей: 10 из 30" in lines and "• Репутационный контент: 0 из 10" in lines
    assert "Написано 0, на согласовании 10, в правках 0, согласовано 0" in lines
    for line in pace_lines(before):
        assert line in lines, (line, text)
    assert "Правок: 2, на единицу 0,2 (медиана команды 0,2)" in lines
    # three working days off ahead: fewer days in the month and left, more behind
    await h.send(ANNA, "/away 18.11..20.11")
    after = compute_pace(40, 10, today, month=NOV, days_off={date(2026, 11, d) for d in (18, 19, 20)})
    assert (after.available_total, after.available_left) == (before.available_total - 3, before.available_left - 3)
    lines = h.messages(await h.send(ANNA, "/me"))[0].text.splitlines()
    for line in pace_lines(after):
        assert line in lines, (line, lines)
    assert pace_lines(after) != pace_lines(before)
    # days off on a weekend change nothing; removing them restores the numbers
    await h.send(ANNA, "/away 21.11..22.11")
    text = h.messages(await h.send(ANNA, "/me"))[0].text
    assert all(line in text for line in pace_lines(after))
    await h.send(ANNA, "/away clear 01.11..30.11")
    lines = h.messages(await h.send(ANNA, "/me"))[0].text.splitlines()
    assert all(line in lines for line in pace_lines(before))


async def test_me_without_plan(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    text = h.messages(await h.send(VERA, "/me"))[0].text
    assert "сделано 0 из 0 (— %)" in text and "План на этот месяц не задан." in text
    assert "Правок: 0, на единицу — (медиана команды —)" in text


async def test_me_uses_the_members_local_date(harness: Harness, db, clock) -> None:
    h = harness
    await setup_departments(h)
    await h.send(MANAGER, "/plan\n@anna 40\n@vera 40")
    await add_units(db, ANNA.id, 10, 0, NOV_10)
    await add_units(db, VERA.id, 10, 0, NOV_10)
    await h.send(ANNA, "/settings tz Asia/Vladivostok")
    # Monday 16 November 15:30 UTC: 18:30 in Moscow, already Tuesday 01:30 in Vladivostok
    clock.set(datetime(2026, 11, 16, 15, 30, tzinfo=UTC))
    moscow = compute_pace(40, 10, date(2026, 11, 16), month=NOV)
    vladivostok = compute_pace(40, 10, date(2026, 11, 17), month=NOV)
    assert vladivostok.available_elapsed == moscow.available_elapsed + 1
    anna = h.messages(await h.send(ANNA, "/me"))[0].text.splitlines()
    vera = h.messages(await h.send(VERA, "/me"))[0].text.splitlines()
    for line in pace_lines(vladivostok):
        assert line in anna, (line, anna)
    for line in pace_lines(moscow):
        assert line in vera, (line, vera)
    assert pace_lines(vladivostok) != pace_lines(moscow)
    # on the last evening of the month (Moscow) it is already December in Vladivostok: her month is December
    clock.set(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    assert h.messages(await h.send(ANNA, "/me"))[0].text.startswith("<b>Мой декабрь 2026</b>")
    assert h.messages(await h.send(VERA, "/me"))[0].text.startswith("<b>Мой ноябрь 2026</b>: сделано 10 из 40")
