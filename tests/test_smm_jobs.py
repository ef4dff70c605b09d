"""The weekly SMM form, its reminder and the manager's note from the scheduler: the first, second and third working
day after the week's end (the responsible member's days off and time zone), once each, none once reported."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from models.reporting import DayOff
from models.scheduling import Delivery
from models.smm import SmmAccount, SmmWeek
from tests.scheduling_helpers import add_account, at_msk, make_jobs, make_team

NOW = datetime(2026, 11, 1, tzinfo=UTC)


async def test_form_reminder_then_manager_once_each(db, settings, clock) -> None:
    team = await make_team(db, writers=1)
    writer = team.writers[0]
    acc = await add_account(db, team.project_id, writer.id)
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.smm_weekly(at_msk(16, 9, 59))  # Monday before SMM_FORM_AT (10:00)
    assert sender.calls == []
    await jobs.smm_weekly(at_msk(16, 10, 0))
    await jobs.smm_weekly(at_msk(16, 12, 0))  # once
    assert [(c.chat_id, c.kind) for c in sender.calls] == [(writer.telegram_id, "smm_form")]
    assert "09.11–15.11.2026" in sender.calls[0].text and "Подписчики" in sender.calls[0].text
    await jobs.smm_weekly(at_msk(17, 10, 5))  # Tuesday: the reminder
    await jobs.smm_weekly(at_msk(18, 10, 5))  # Wednesday: the manager
    await jobs.smm_weekly(at_msk(19, 10, 5))  # Thursday: nothing more
    assert [(c.chat_id, c.kind) for c in sender.calls] == [
        (writer.telegram_id, "smm_form"), (writer.telegram_id, "smm_remind"),
        (team.manager.telegram_id, "smm_manager")]
    assert "Напоминание" in sender.calls[1].text
    assert "Instagram @brand.shop" in sender.calls[2].text and "15.11.2026" in sender.calls[2].text
    async with db.session() as s:
        rows = list(await s.scalars(select(Delivery).where(Delivery.kind.like("smm_%"))))
    assert sorted((r.kind, r.period_key, r.status) for r in rows) == [
        ("smm_form", f"{acc}:2026-11-15", "sent"), ("smm_manager", f"{acc}:2026-11-15", "sent"),
        ("smm_remind", f"{acc}:2026-11-15", "sent")]


async def test_no_reminder_once_reported_and_days_off_move_it(db, settings, clock) -> None:
    team = await make_team(db, writers=2)
    a, b = team.writers
    acc_a = await add_account(db, team.project_id, a.id, "alpha")
    await add_account(db, team.project_id, b.id, "beta")
    async with db.session() as s, db.writing(s):
        s.add(SmmWeek(account_id=acc_a, week_end=date(2026, 11, 15), followers=10, source="form",
                      reported_at=NOW, updated_at=NOW))
        s.add(DayOff(member_id=b.id, day=date(2026, 11, 17)))  # b is off on Tuesday
    jobs, sender = make_jobs(db, settings, clock)
    for day in (16, 17, 18, 19):
        await jobs.smm_weekly(at_msk(day, 10, 1))
    # a reported: nothing; b: the form Monday, nothing on the day off, the reminder Wednesday, manager Thursday
    assert [(c.chat_id, c.kind) for c in sender.calls] == [
        (b.telegram_id, "smm_form"), (b.telegram_id, "smm_remind"), (team.manager.telegram_id, "smm_manager")]


async def test_weekends_and_holidays_are_skipped_and_language_is_the_recipients(db, settings, clock) -> None:
    team = await make_team(db, writers=1)
    writer = team.writers[0]
    async with db.session() as s, db.writing(s):
        m = await s.get(type(writer), writer.id)
        m.language = "en"
    await add_account(db, team.project_id, writer.id)
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.smm_weekly(at_msk(15, 10, 1))  # Sunday: the week has not ended
    await jobs.smm_weekly(at_msk(21, 10, 1))  # Saturday: no working day
    assert sender.calls == []
    await jobs.smm_weekly(at_msk(16, 10, 1))
    assert "Figures for the week" in sender.calls[0].text


class CountingBot:
    def __init__(self, counts: dict[int, int]) -> None:
        self.counts = counts
        self.calls: list[int] = []

    async def get_chat_member_count(self, chat_id: int) -> int:
        self.calls.append(chat_id)
        if chat_id not in self.counts:
            raise RuntimeError("Bad Request: chat not found")
        return self.counts[chat_id]


async def test_channels_are_counted_once_a_day(db, settings, clock) -> None:
    team = await make_team(db, writers=1)
    acc = await add_account(db, team.project_id, team.writers[0].id, "alphanews")
    gone = await add_account(db, team.project_id, team.writers[0].id, "gonechannel")
    async with db.session() as s, db.writing(s):
        for account_id, chat in ((acc, -100), (gone, -200)):
            a = await s.get(SmmAccount, account_id)
            a.network, a.chat_id, a.channel_status = "telegram", chat, "admin"
    jobs, sender = make_jobs(db, settings, clock)
    sender.bot = CountingBot({-100: 777})
    await jobs.smm_channels(at_msk(16, 8, 0))
    await jobs.smm_channels(at_msk(16, 20, 0))  # the same day: not again (nor the failed one)
    assert sender.bot.calls == [-100, -200]
    async with db.session() as s:
        a = await s.get(SmmAccount, acc)
        assert (a.channel_count, a.channel_counted_on) == (777, date(2026, 11, 16))
    sender.bot.counts[-100] = 800
    await jobs.smm_channels(at_msk(17, 8, 0))
    async with db.session() as s:
        assert (await s.get(SmmAccount, acc)).channel_count == 800


async def test_the_managers_note_waits_for_their_working_day_and_comes_at_their_time(db, settings, clock) -> None:
    """The note goes to the manager at SMM_FORM_AT in the manager's zone, on the manager's working day: a day off on
    the responsible member's third working day moves it to the next one, and it still goes once."""
    team = await make_team(db, writers=1)
    writer = team.writers[0]
    acc = await add_account(db, team.project_id, writer.id)
    async with db.session() as s, db.writing(s):
        m = await s.get(type(team.manager), team.manager.id)
        m.timezone = "Asia/Yekaterinburg"  # Moscow + 2 h: 10:00 there is 08:00 in Moscow
        s.add(DayOff(member_id=team.manager.id, day=date(2026, 11, 18)))  # off on Wednesday
    jobs, sender = make_jobs(db, settings, clock)
    for day in (16, 17, 18):
        await jobs.smm_weekly(at_msk(day, 10, 1))
    assert sender.kinds() == ["smm_form", "smm_remind"]  # Wednesday: the manager is off
    await jobs.smm_weekly(at_msk(19, 7, 59))  # Thursday 09:59 in Yekaterinburg: not yet
    assert sender.kinds(team.manager.telegram_id) == []
    await jobs.smm_weekly(at_msk(19, 8, 1))  # 10:01 there
    await jobs.smm_weekly(at_msk(19, 10, 1))
    await jobs.smm_weekly(at_msk(20, 8, 1))  # once
    assert sender.kinds(team.manager.telegram_id) == ["smm_manager"]
    async with db.session() as s:
        row = await s.scalar(select(Delivery).where(Delivery.kind == "smm_manager"))
    assert (row.period_key, row.planned_at) == (f"{acc}:2026-11-15", at_msk(19, 8, 0))


async def test_managers_days_off_are_read_in_one_query_whatever_their_number(db, settings, clock) -> None:
    """The managers' notes read every manager's days off in one statement: deciding them takes as many statements
    for one manager as for five (one of whom is off that day and gets no note)."""
    from sqlalchemy import event

    from models.org import Member, department_managers

    team = await make_team(db, writers=1)
    await add_account(db, team.project_id, team.writers[0].id)
    jobs, _sender = make_jobs(db, settings, clock)
    decided: list = []

    async def claim(due, now):  # count the decision only: what would be claimed, nothing sent
        decided[:] = [(c.member.id, c.kind) for c in due]
        return []

    jobs._claim = claim
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    async def decide() -> int:
        statements.clear()
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            await jobs.smm_weekly(at_msk(18, 10, 5))  # Wednesday: the third working day, the managers' note
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
        return len(statements)

    await decide()  # warm-up
    one = await decide()
    assert decided == [(team.manager.id, "smm_manager")]
    async with db.session() as s, db.writing(s):
        more = [Member(telegram_id=900 + i, display_name=f"Руководитель {i}", role="manager",
                       department_id=team.department_id, active=True, unreachable=False, created_at=NOW)
                for i in range(4)]
        s.add_all(more)
        await s.flush()
        await s.execute(department_managers.insert(), [{"member_id": m.id, "department_id": team.department_id}
                                                       for m in more])
        s.add(DayOff(member_id=more[0].id, day=date(2026, 11, 18)))
    five = await decide()
    assert sorted(decided) == sorted((m, "smm_manager") for m in [team.manager.id, *(m.id for m in more[1:])])
    assert five == one
    assert sum("days_off" in st for st in statements) == 2  # the responsible members', the managers'
