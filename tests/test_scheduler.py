"""Scheduled deliveries with a frozen clock: digests once at their time, catch-up within the grace
period after a restart, lag warnings once per crossing, reminders, no messages on days off."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.clock import FrozenClock
from bot.domain.digests import DigestPrefs as Prefs
from bot.services.stats import rebuild_in
from models import scheduling_repo as repo
from models.org import Member
from models.reporting import DayOff
from models.scheduling import DigestPreference, LagState
from scheduler import charts
from scheduler.jobs import digest_occurrences
from tests.scheduling_helpers import (
    MSK_0900_MON,
    TEAM_TZ,
    add_revision,
    add_units,
    at_msk,
    make_jobs,
    make_team,
)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MSK_0900_MON)


def test_schedule_is_a_pure_function_of_time() -> None:
    from datetime import time

    p = Prefs(at=time(9, 0))
    # Monday 16 Nov 2026: daily + weekly (first working day of the week)
    occ = digest_occurrences(p, "Europe/Moscow", "RU", at_msk(16, 8), at_msk(16, 10))
    assert [(o.kind, o.period_key) for o in occ] == [("daily", "2026-11-16"), ("weekly", "2026-W46")]
    assert occ[0].planned_at == at_msk(16, 9)
    # Wednesday 4 Nov is a public holiday, Thursday 5 Nov is not
    assert digest_occurrences(p, "Europe/Moscow", "RU", at_msk(4, 0), at_msk(4, 23)) == []
    assert [o.kind for o in digest_occurrences(p, "Europe/Moscow", "RU", at_msk(5, 0), at_msk(5, 23))] == ["daily"]
    # Monday 2 Nov: the first working day of November -> October's results too
    kinds = [(o.kind, o.period_key) for o in digest_occurrences(p, "Europe/Moscow", "RU", at_msk(2, 0),
                                                                  at_msk(2, 23))]
    assert ("monthly", "2026-10") in kinds and ("weekly", "2026-W44") in kinds
    # a weekend: nothing; a switched-off kind: not planned
    assert digest_occurrences(p, "Europe/Moscow", "RU", at_msk(21, 0), at_msk(22, 23)) == []
    only_daily = Prefs(weekly=False, monthly=False, at=time(9, 0))
    assert [o.kind for o in digest_occurrences(only_daily, "Europe/Moscow", "RU", at_msk(16, 0),
                                               at_msk(16, 23))] == ["daily"]


async def test_each_digest_fires_once_at_its_time(db, settings, clock) -> None:
    team = await make_team(db)
    await add_units(db, team.writers[0], team.project_id, 12, at_msk(10, 12))
    jobs, sender = make_jobs(db, settings, clock)
    clock.set(at_msk(16, 8, 59))
    await jobs.tick()
    assert sender.calls == []
    clock.set(at_msk(16, 9, 0))
    await jobs.tick()
    assert sorted(sender.kinds(team.manager.telegram_id)) == ["digest_daily", "digest_weekly"]  # sent concurrently
    daily = next(c for c in sender.calls if c.kind == "digest_daily")
    weekly = next(c for c in sender.calls if c.kind == "digest_weekly")
    assert [name for name, _ in daily.pngs] == ["plan_vs_done.png", "cumulative.png"]
    for _, png in daily.pngs:
        assert charts.png_size(png)[0] == charts.WIDTH_PX
    assert "Дайджест на 16.11.2026" in daily.text
    assert "Автор &lt;1&gt; &amp; Co" in daily.text  # names escaped
    assert len(weekly.pngs) == 3  # weekly adds revisions per unit
    for minute in (1, 2, 30):
        clock.set(at_msk(16, 9, minute))
        await jobs.tick()
    assert len(sender.calls) == 2
    clock.set(at_msk(17, 9, 0))
    await jobs.tick()
    assert sorted(sender.kinds()[:2]) == ["digest_daily", "digest_weekly"] and sender.kinds()[2:] == ["digest_daily"]
    async with db.session() as s:
        rows = await repo.deliveries(s)
    assert [(r.kind, r.period_key, r.status) for r in rows] == [
        ("digest_daily", "2026-11-16", "sent"), ("digest_weekly", "2026-W46", "sent"),
        ("digest_daily", "2026-11-17", "sent")]
    assert jobs.renders == 3  # one per scope and period, never per tick


async def test_restart_inside_grace_sends_missed_digest_once(db, settings, clock) -> None:
    team = await make_team(db)
    # the bot was down at 09:00; it starts at 14:59 (grace 6 h): the digests go out now, once
    clock.set(at_msk(16, 14, 59))
    first, sender = make_jobs(db, settings, clock)
    await first.tick()
    assert sorted(sender.kinds(team.manager.telegram_id)) == ["digest_daily", "digest_weekly"]  # sent concurrently
    # another restart a minute later: a fresh process, nothing repeated
    clock.advance(minutes=1)
    second, sender2 = make_jobs(db, settings, clock)
    await second.tick()
    assert sender2.calls == []


async def test_restart_outside_grace_sends_nothing(db, settings, clock) -> None:
    await make_team(db)
    clock.set(at_msk(16, 15, 1))  # 6 h 1 min after 09:00
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.tick()
    assert sender.calls == []
    async with db.session() as s:
        assert await repo.deliveries(s) == []


async def test_claimed_delivery_is_not_repeated_after_a_crash(db, settings, clock) -> None:
    """A delivery recorded (claimed) but never sent — the process died in between — is not sent again by
    the tick (only once, by the start-up recovery: tests/test_honest_delivery.py)."""
    team = await make_team(db)
    clock.set(at_msk(16, 9, 0))
    jobs, sender = make_jobs(db, settings, clock)
    async with db.session() as s, db.writing(s):
        await repo.insert_deliveries(s, [{"member_id": team.manager.id, "kind": "digest_daily",
                                          "period_key": "2026-11-16", "planned_at": at_msk(16, 9),
                                          "created_at": at_msk(16, 9)}])
    await jobs.tick()
    assert sender.kinds() == ["digest_weekly"]


async def test_preferences_time_and_switches(db, settings, clock) -> None:
    team = await make_team(db)
    async with db.session() as s, db.writing(s):
        s.add(DigestPreference(member_id=team.manager.id, daily=True, weekly=False, monthly=True,
                               daily_time="11:30"))
    jobs, sender = make_jobs(db, settings, clock)
    clock.set(at_msk(16, 9, 0))
    await jobs.tick()
    assert sender.calls == []
    clock.set(at_msk(16, 11, 30))
    await jobs.tick()
    assert sender.kinds() == ["digest_daily"]


async def test_empty_scope_sends_no_digest(db, settings, clock) -> None:
    await make_team(db, plan=0)
    jobs, sender = make_jobs(db, settings, clock)
    report = await jobs.tick(at_msk(16, 9, 0))
    assert sender.calls == [] and report.skipped["empty_digest"] == 2


async def test_prepared_digest_is_reused_at_send_time(db, settings, clock) -> None:
    team = await make_team(db, writers=2)
    managers = [team.manager]
    team2 = await make_team(db, writers=2, manager_tid=101, dept_name="SMM", first_writer_tid=300)
    managers.append(team2.manager)
    jobs, sender = make_jobs(db, settings, clock)
    rendered = await jobs.prepare(at_msk(16, 8, 30))
    assert rendered == 4  # 2 scopes x (daily, weekly)
    await jobs.tick(at_msk(16, 9, 0))
    assert jobs.renders == 4 and len(sender.calls) == 4


async def test_monthly_digest_on_first_working_day(db, settings, clock) -> None:
    team = await make_team(db, month=date(2026, 10, 1))
    await add_units(db, team.writers[0], team.project_id, 5, at_msk(15, 12) - timedelta(days=30))
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.tick(at_msk(2, 9, 0))  # Monday 2 Nov 2026
    # November has no plans yet: daily and weekly have nothing to say and are skipped
    assert sender.kinds() == ["digest_monthly"]
    monthly = next(c for c in sender.calls if c.kind == "digest_monthly")
    assert "октябрь 2026" in monthly.text and "План не выполнили (3)" in monthly.text


async def test_lag_warning_once_per_crossing(db, settings, clock) -> None:
    team = await make_team(db, writers=1, plan=42)  # 20 working days in Nov 2026: 2.1 a day
    writer = team.writers[0]
    jobs, sender = make_jobs(db, settings, clock)
    # Mon 16 Nov, 10:00: 10 working days elapsed, 21 expected, 0 done -> 10 days behind
    clock.set(at_msk(16, 10))
    await jobs.check_lags()
    assert sorted(sender.kinds()) == ["lag_manager", "lag_member"]
    member_note = next(c for c in sender.calls if c.kind == "lag_member")
    assert member_note.chat_id == writer.telegram_id and "в день" in member_note.text
    manager_note = next(c for c in sender.calls if c.kind == "lag_manager")
    assert manager_note.chat_id == team.manager.telegram_id and "&lt;0&gt;" in manager_note.text
    # still behind: no repeat, neither the same day nor the next
    for day, hour in ((16, 11), (16, 17), (17, 10)):
        clock.set(at_msk(day, hour))
        await jobs.check_lags()
    assert len(sender.calls) == 2
    # catches up -> state cleared, nothing sent
    ids = await add_units(db, writer, team.project_id, 21, at_msk(17, 10))
    clock.set(at_msk(17, 11))
    await jobs.check_lags()
    assert len(sender.calls) == 2
    async with db.session() as s:
        state = await s.get(LagState, (writer.id, date(2026, 11, 1)))
        assert state.crossed is False and state.crossings == 1
    # falls behind again (units deleted) -> a second crossing warns again
    async with db.session() as s, db.writing(s):
        from models.reporting import Unit

        for uid in ids:
            (await s.get(Unit, uid)).state = "deleted"
        await s.flush()
        await rebuild_in(s, TEAM_TZ)  # written around the services: recount the counters
    clock.set(at_msk(18, 10))
    await jobs.check_lags()
    assert sorted(sender.kinds()) == ["lag_manager", "lag_manager", "lag_member", "lag_member"]


async def test_no_lag_warning_on_days_off_holidays_or_at_night(db, settings, clock) -> None:
    team = await make_team(db, writers=1, plan=42)
    writer = team.writers[0]
    async with db.session() as s, db.writing(s):
        s.add(DayOff(member_id=writer.id, day=date(2026, 11, 16)))
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.check_lags(at_msk(16, 10))  # the writer's own day off
    await jobs.check_lags(at_msk(21, 12))  # Saturday
    await jobs.check_lags(at_msk(17, 6))  # 06:00, before the notification window
    assert sender.calls == []
    await jobs.check_lags(at_msk(17, 9))
    assert sorted(sender.kinds()) == ["lag_manager", "lag_member"]


async def test_reminder_when_nothing_reported_today(db, settings, clock) -> None:
    team = await make_team(db, writers=3)
    quiet, busy, far = team.writers
    await add_units(db, busy, team.project_id, 1, at_msk(17, 10), state="written")
    async with db.session() as s, db.writing(s):
        (await s.get(Member, far.id)).timezone = "Asia/Vladivostok"  # UTC+10: 18:00 there is 11:00 Moscow
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.tick(at_msk(17, 11, 0))
    assert [c.chat_id for c in sender.calls if c.kind == "remind_report"] == [far.telegram_id]
    await jobs.tick(at_msk(17, 17, 59))
    await jobs.tick(at_msk(17, 18, 0))
    await jobs.tick(at_msk(17, 19, 0))
    reminded = [c.chat_id for c in sender.calls if c.kind == "remind_report"]
    assert reminded == [far.telegram_id, quiet.telegram_id]
    # not on a holiday (Wed 4 Nov)
    await jobs.tick(at_msk(4, 18, 0))
    assert len([c for c in sender.calls if c.kind == "remind_report"]) == 2


async def test_overdue_revision_reminds_writer_and_tells_manager_once(db, settings, clock) -> None:
    team = await make_team(db, writers=1)
    writer = team.writers[0]
    [unit] = await add_units(db, writer, team.project_id, 1, at_msk(16, 10))
    await add_revision(db, unit, at_msk(16, 12))
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.overdue_revisions(at_msk(17, 11, 59))
    assert sender.calls == []
    await jobs.overdue_revisions(at_msk(17, 12, 1))
    await jobs.overdue_revisions(at_msk(17, 13, 0))
    assert sorted((c.kind, c.chat_id) for c in sender.calls) == [
        ("revision_manager", team.manager.telegram_id), ("revision_writer", writer.telegram_id)]


async def test_blocked_manager_does_not_stop_others(db, settings, clock) -> None:
    t1 = await make_team(db, writers=1)
    t2 = await make_team(db, writers=1, manager_tid=101, dept_name="SMM", first_writer_tid=300)
    jobs, sender = make_jobs(db, settings, clock)
    sender.blocked.add(t1.manager.telegram_id)
    await jobs.tick(at_msk(16, 9, 0))
    assert sorted(sender.kinds(t2.manager.telegram_id)) == ["digest_daily", "digest_weekly"]  # sent concurrently
    async with db.session() as s:
        statuses = {(r.member_id, r.kind): r.status for r in await repo.deliveries(s)}
    assert statuses[(t1.manager.id, "digest_daily")] == "unreachable"
    assert statuses[(t2.manager.id, "digest_daily")] == "sent"


async def test_rating_campaign_runs_once_on_first_working_day_and_reminds(db, settings, clock) -> None:
    from datetime import UTC, datetime

    from bot.services import Services
    from models.org import Department
    from models.ratings import RatingPolicy

    team = await make_team(db, writers=1)
    async with db.session() as s, db.writing(s):
        raters_dept = Department(name="Дизайн", created_at=datetime.now(UTC))
        s.add(raters_dept)
        await s.flush()
        raters = [Member(telegram_id=900 + i, display_name=f"Rater {i}", role="writer",
                         department_id=raters_dept.id, active=True, unreachable=False,
                         created_at=datetime.now(UTC)) for i in range(2)]
        s.add_all(raters)
        s.add(RatingPolicy(rater_department_id=raters_dept.id, rated_department_id=team.department_id,
                           cadence="monthly", mode="aggregate", active=True, created_at=datetime.now(UTC)))
    rated_count = 1 + len(team.writers)  # the manager and the writer of the rated department
    jobs, sender = make_jobs(db, settings, clock)
    clock.set(at_msk(2, 9, 5))  # Monday 2 Nov: the first working day of November
    report = await jobs.rating_campaign(at_msk(2, 9, 5))
    assert [s.kind for s in report.sent] == ["rating_campaign"]
    assert sender.kinds() == ["rating_campaign"] * (2 * rated_count)
    assert {c.chat_id for c in sender.calls} == {900, 901}
    assert all("Оценка за" in c.text for c in sender.calls)
    report = await jobs.rating_campaign(at_msk(2, 9, 6))  # a second tick: nothing repeated
    assert report.sent == [] and report.skipped["rating_campaign"] == 1
    assert len(sender.calls) == 2 * rated_count
    # one rater fills one form; three days later the still-open forms are sent again as a reminder
    clock.set(at_msk(3, 12, 0))
    async with db.session() as s:
        svc = Services(s, db, settings, clock)
        rater = await s.get(Member, raters[0].id)
        from models import ratings_repo

        policy = (await ratings_repo.list_policies(s))[0]
        await svc.ratings.submit(rater, policy.id, team.manager.id, None, 5, None)
    sender.calls.clear()
    clock.set(at_msk(5, 9, 0))
    report = await jobs.rating_campaign(at_msk(5, 9, 0))
    assert [s.kind for s in report.sent] == ["rating_reminder"]
    assert len(sender.calls) == 2 * rated_count - 1
    assert all("Напоминание" in c.text for c in sender.calls)


async def test_scheduler_starts_on_startup_and_stops_on_shutdown(db, settings, clock) -> None:
    import sys

    from bot.app import create_dispatcher
    from tests.recording import make_bot

    settings = settings.model_copy(update={"chart_mode": "thread", "chart_workers": 1})
    dp = create_dispatcher(settings, db, clock=clock)
    assert dp.workflow_data["scheduler"] is None  # nothing scheduled by building the app
    assert not dp.workflow_data["renderer"].started
    bot, _session = make_bot()
    await dp.emit_startup(bot=bot, dispatcher=dp, **dp.workflow_data)
    service = dp.workflow_data["scheduler"]
    assert service.running and {j.id for j in service.scheduler.get_jobs()} == {"tick", "prepare", "lags"}
    assert dp.workflow_data["renderer"].started
    await dp.emit_shutdown(bot=bot, dispatcher=dp, **dp.workflow_data)
    assert not service.running and dp.workflow_data["scheduler"] is None
    assert not dp.workflow_data["renderer"].started
    assert "apscheduler.schedulers.asyncio" in sys.modules  # imported, but nothing was created at import


async def test_daily_digest_on_first_working_day_shows_last_months_final_picture(db, settings, clock) -> None:
    """The month has just begun: no empty bars and "everyone is on track" but how last month ended
    (issue 8 point 12). With the monthly digest switched off the daily carries it; with it on the
    monthly goes instead of the daily (test_monthly_digest_on_first_working_day)."""
    from bot.i18n import Catalog
    from scheduler import digest as dg

    team = await make_team(db, month=date(2026, 10, 1), plan=10)
    await add_units(db, team.writers[0], team.project_id, 12, at_msk(15, 12) - timedelta(days=30))
    await add_units(db, team.writers[1], team.project_id, 4, at_msk(15, 12) - timedelta(days=30))
    async with db.session() as s, db.writing(s):
        s.add(DigestPreference(member_id=team.manager.id, daily=True, weekly=False, monthly=False))
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.tick(at_msk(2, 9, 0))  # Monday 2 Nov 2026, the first working day of November
    assert sender.kinds() == ["digest_daily"]
    text = sender.calls[0].text
    assert "итоги за октябрь 2026" in text and "Команда: 16 из 30 за месяц" in text
    assert "План не выполнили (2)" in text and "Все идут по плану" not in text
    assert len(sender.calls[0].pngs) == 2

    async with db.session() as s:
        plan = await dg.build(s, settings, Catalog().translator("ru"), dg.Scope((team.department_id,)),
                              dg.DAILY, at_msk(2, 9, 0))
    (fn, (people,), kwargs), (_, (series,), _) = plan.jobs[0][1], plan.jobs[1][1]
    assert fn == "plan_vs_done" and kwargs["final"] is True and "октябрь 2026" in kwargs["title"]
    assert {p.name: (p.done, p.status) for p in people} == {
        "Автор <0> & Co": (12, charts.AHEAD), "Автор <1> & Co": (4, charts.BEHIND),
        "Автор <2> & Co": (0, charts.BEHIND)}
    assert series.today is None and series.days[0].month == 10 and series.cumulative_done[-1] == 16
    # the next working day is about November again
    async with db.session() as s:
        plan = await dg.build(s, settings, Catalog().translator("ru"), dg.Scope((team.department_id,)),
                              dg.DAILY, at_msk(3, 9, 0))
    assert plan.empty  # nobody has a November plan


def test_month_just_began() -> None:
    from scheduler.digest import month_just_began

    assert month_just_began(date(2026, 11, 2), "RU")  # Sun 1 Nov, Mon 2 Nov: first working day
    assert month_just_began(date(2026, 11, 1), "RU")
    assert not month_just_began(date(2026, 11, 3), "RU")
    assert month_just_began(date(2027, 1, 11), "RU")  # New Year holidays until 10 Jan


def test_first_working_day_sends_the_monthly_instead_of_the_daily() -> None:
    from datetime import time

    on = Prefs(at=time(9, 0))
    kinds = [o.kind for o in digest_occurrences(on, "Europe/Moscow", "RU", at_msk(2, 0), at_msk(2, 23))]
    assert "monthly" in kinds and "daily" not in kinds  # both would show October's final picture
    off = Prefs(monthly=False, at=time(9, 0))
    kinds = [o.kind for o in digest_occurrences(off, "Europe/Moscow", "RU", at_msk(2, 0), at_msk(2, 23))]
    assert "daily" in kinds and "monthly" not in kinds
    # the next working day: the daily again
    assert [o.kind for o in digest_occurrences(on, "Europe/Moscow", "RU", at_msk(3, 0), at_msk(3, 23))] == ["daily"]


async def test_overdue_revision_counts_working_hours_like_the_card(db, settings, clock) -> None:
    """A revision received Friday 12:00 is due Monday 12:00 (the card's rule), not after 24 clock hours."""
    from bot.domain.deadlines import add_working_hours

    team = await make_team(db, writers=1)
    writer = team.writers[0]
    [unit] = await add_units(db, writer, team.project_id, 1, at_msk(20, 10))
    await add_revision(db, unit, at_msk(20, 12))  # Friday 20 Nov 2026, 12:00 Moscow
    assert add_working_hours(at_msk(20, 12), settings.revision_deadline_hours, settings.timezone,
                             settings.holiday_country) == at_msk(23, 12)
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.overdue_revisions(at_msk(23, 9, 30))  # Monday morning: not due yet
    await jobs.overdue_revisions(at_msk(23, 11, 59))
    assert sender.calls == []
    await jobs.overdue_revisions(at_msk(23, 12, 1))
    assert sorted((c.kind, c.chat_id) for c in sender.calls) == [
        ("revision_manager", team.manager.telegram_id), ("revision_writer", writer.telegram_id)]
