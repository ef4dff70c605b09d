"""The weekly SMM section for managers (issue 11, point 7): inside the weekly digest or as its own message (the
/settings choice), who reported on time, late or not at all, the best and worst movers, the falls, with one chart
rendered by the chart workers; once per manager and week through the delivery log, whichever way it goes."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain import smm as rules
from bot.text import CAPTION_LIMIT, visible_len
from models import scheduling_repo as repo
from models.scheduling import Delivery, DigestPreference
from models.smm import SmmWeek
from scheduler import charts
from scheduler import smm_digest as section
from scheduler.chart_data import SMM_DOWN, SMM_FELL, SMM_MISSING, SMM_UP, SmmBar, png_size
from tests.recording import Harness, Person
from tests.scheduling_helpers import add_account, at_msk, make_jobs, make_team

NOW = datetime(2026, 11, 1, tzinfo=UTC)
# Monday 16 Nov 2026, the digest's day: the latest Sunday-ending week whose report was due is the one to 8 Nov
# (its first working day after, 9 Nov, has passed; the week to 15 Nov is due today)
WEEK, BEFORE = date(2026, 11, 8), date(2026, 11, 1)
ON_TIME = datetime(2026, 11, 9, 18, 0, tzinfo=UTC)  # 21:00 Moscow on 9 Nov: still the day after the week
LATE = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"chart_mode": "thread", "chart_workers": 1})


async def add_week(db, account_id: int, day: date, likes: int, *, reach: int = 1000, followers: int = 1000,
                   at: datetime = ON_TIME) -> None:
    async with db.session() as s, db.writing(s):
        s.add(SmmWeek(account_id=account_id, week_end=day, followers=followers, likes=likes, reach=reach,
                      source="form", reported_at=at, updated_at=at))


async def scene(db):
    """Four accounts of writer A reported on time (ER 10% the week before → 20%, 5%, 11%, 10%), one of writer C
    reported late, one of writer B not at all."""
    team = await make_team(db, writers=3)
    a, b, c = team.writers
    ids = [await add_account(db, team.project_id, a.id, f"acc{i}") for i in range(4)]
    for account_id, likes in zip(ids, (200, 50, 110, 100), strict=True):
        await add_week(db, account_id, BEFORE, 100)
        await add_week(db, account_id, WEEK, likes)
    late = await add_account(db, team.project_id, c.id, "tardy")
    await add_week(db, late, BEFORE, 100)
    await add_week(db, late, WEEK, 100, at=LATE)
    silent = await add_account(db, team.project_id, b.id, "silent")
    await add_week(db, silent, BEFORE, 100)
    return team, ids, late, silent


async def set_mode(db, member_id: int, mode: str | None, weekly: bool = True) -> None:
    async with db.session() as s, db.writing(s):
        s.add(DigestPreference(member_id=member_id, daily=True, weekly=weekly, monthly=True, smm_digest=mode))


def spy(jobs):
    """Record the chart jobs the renderer gets (they are still rendered)."""
    seen: list[tuple[str, tuple, dict]] = []
    render = jobs.renderer.render

    async def recording(name, *args, **kwargs):
        seen.append((name, args, kwargs))
        return await render(name, *args, **kwargs)

    jobs.renderer.render = recording
    return seen


async def smm_rows(db) -> list[Delivery]:
    async with db.session() as s:
        return list(await s.scalars(select(Delivery).where(Delivery.kind == "smm_digest")))


async def test_own_message_with_chart_once(db, settings, clock) -> None:
    team, ids, _late, _silent = await scene(db)
    await set_mode(db, team.manager.id, "own")
    jobs, sender = make_jobs(db, settings, clock)
    charts_seen = spy(jobs)
    await jobs.smm_digests(at_msk(16, 8, 59))  # before the digest time
    assert sender.calls == []
    await jobs.smm_digests(at_msk(16, 9, 1))
    await jobs.smm_digests(at_msk(16, 10, 0))  # once
    await jobs.tick(at_msk(16, 9, 30))  # the weekly digest goes without it
    await jobs.smm_digests(at_msk(17, 9, 1))  # not on the week's second working day
    calls = [c for c in sender.calls if c.kind == "smm_digest"]
    assert [c.chat_id for c in calls] == [team.manager.telegram_id]
    weekly = [c for c in sender.calls if c.kind == "digest_weekly"]
    assert len(weekly) == 1 and "вовремя отчитались" not in weekly[0].text
    assert all(n != section.FILENAME for n, _ in weekly[0].pngs)
    text = calls[0].text
    assert visible_len(text) <= CAPTION_LIMIT
    a, b, c = team.writers
    assert "SMM за неделю по 08.11.2026</b>: вовремя отчитались 4 из 6 аккаунтов" in text
    assert f"Вовремя: {html.escape(a.display_name)}" in text
    assert f"С опозданием: {html.escape(c.display_name)}" in text
    assert f"Нет отчёта: {html.escape(b.display_name)}" in text
    best, worst = text.split("Хуже всех")
    assert "@acc0" in best.split("Лучше всех")[1] and "+100.0%" in best and "@acc2" in best
    assert "@acc1" in worst and "-50.0%" in worst and "@acc3" not in text.split("Лучше всех")[1]
    assert "Падения" in text and "@acc1" in text.split("Падения")[1]  # ER fell by 50% (> SMM_DROP_SHARE)
    # one chart, rendered by the chart worker, whose rows the test recomputes from the figures
    (name, png), = calls[0].pngs
    assert png_size(png)[0] == charts.WIDTH_PX and name.endswith(".png")
    chart, (rows,), kwargs = charts_seen[0]
    assert chart == "smm_movers" and "08.11.2026" in kwargs["title"]
    er = {i: rules.er_reach({"likes": likes, "reach": 1000}) for i, likes in zip(ids, (200, 50, 110, 100),
                                                                                strict=True)}
    assert rows == [
        SmmBar("Instagram @acc0", er[ids[0]], 0.1, SMM_UP), SmmBar("Instagram @acc2", er[ids[2]], 0.1, SMM_UP),
        SmmBar("Instagram @acc3", 0.1, 0.1, SMM_DOWN), SmmBar("Instagram @tardy", 0.1, 0.1, SMM_DOWN),
        SmmBar("Instagram @acc1", er[ids[1]], 0.1, SMM_FELL), SmmBar("Instagram @silent", None, 0.1, SMM_MISSING)]
    assert [(r.kind, r.period_key, r.status) for r in await smm_rows(db)] == [("smm_digest", "2026-W47", "sent")]


async def test_inside_the_weekly_digest_by_default_once_whatever_the_choice_later(db, settings, clock) -> None:
    team, *_ = await scene(db)
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.tick(at_msk(16, 9, 0))
    kinds = sender.kinds(team.manager.telegram_id)
    assert sorted(kinds) == ["digest_daily", "digest_weekly"]  # no SMM message of its own
    weekly = next(c for c in sender.calls if c.kind == "digest_weekly")
    assert weekly.text.index("Итоги недели") < weekly.text.index("вовремя отчитались")  # the digest's text first
    assert "вовремя отчитались 4 из 6" in weekly.text and visible_len(weekly.text) <= CAPTION_LIMIT
    assert len(weekly.pngs) >= 2 and weekly.pngs[-1][0] == section.FILENAME
    daily = next(c for c in sender.calls if c.kind == "digest_daily")
    assert "вовремя отчитались" not in daily.text and all(n != section.FILENAME for n, _ in daily.pngs)
    rows = await smm_rows(db)
    assert [(r.period_key, r.status, r.payload) for r in rows] == [("2026-W47", "with_weekly",
                                                                   {"with_weekly": True})]
    async with db.session() as s:
        row = await s.scalar(select(Delivery).where(Delivery.kind == "digest_weekly"))
        assert row.payload["smm"] is True and row.status == "sent"
    # the manager changes their mind within the grace period: nothing is sent twice
    async with db.session() as s, db.writing(s):
        s.add(DigestPreference(member_id=team.manager.id, daily=True, weekly=True, monthly=True, smm_digest="own"))
    before = len(sender.calls)
    await jobs.tick(at_msk(16, 9, 40))
    await jobs.smm_digests(at_msk(16, 10, 0))
    assert len(sender.calls) == before


async def test_weekly_digest_off_sends_it_as_its_own_message(db, settings, clock) -> None:
    team, *_ = await scene(db)
    await set_mode(db, team.manager.id, None, weekly=False)  # the default place, but no weekly digest
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.tick(at_msk(16, 9, 0))
    assert sorted(sender.kinds(team.manager.telegram_id)) == ["digest_daily", "smm_digest"]
    own = next(c for c in sender.calls if c.kind == "smm_digest")
    assert len(own.pngs) == 1 and "вовремя отчитались 4 из 6" in own.text


async def test_no_plans_in_scope_sends_the_section_alone_and_no_accounts_nothing(db, settings, clock) -> None:
    team = await make_team(db, writers=1, plan=0)
    acc = await add_account(db, team.project_id, team.writers[0].id, "alone")
    await add_week(db, acc, WEEK, 10)
    other = await make_team(db, writers=1, manager_tid=101, dept_name="Другой", first_writer_tid=300)
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.tick(at_msk(16, 9, 0))
    mine = [c for c in sender.calls if c.chat_id == team.manager.telegram_id]
    assert [c.kind for c in mine] == ["digest_weekly"] and len(mine[0].pngs) == 1
    assert "вовремя отчитались 1 из 1 аккаунта" in mine[0].text
    theirs = [c for c in sender.calls if c.chat_id == other.manager.telegram_id]
    assert all("SMM" not in c.text for c in theirs) and {c.kind for c in theirs} == {"digest_daily", "digest_weekly"}
    assert [r.member_id for r in await smm_rows(db)] == [team.manager.id]


async def test_recovered_weekly_digest_carries_the_section_once(db, settings, clock) -> None:
    team, *_ = await scene(db)
    planned = at_msk(16, 9)
    async with db.session() as s, db.writing(s):  # claimed, then the process stopped before sending
        await repo.insert_deliveries(s, [
            {"member_id": team.manager.id, "kind": "digest_weekly", "period_key": "2026-W46", "planned_at": planned,
             "created_at": planned, "payload": {"digest": "weekly", "scope": [team.department_id], "smm": True}},
            {"member_id": team.manager.id, "kind": "smm_digest", "period_key": "2026-W47", "planned_at": planned,
             "created_at": planned, "payload": {"with_weekly": True}}])
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.recover(at_msk(16, 9, 30))
    await jobs.tick(at_msk(16, 9, 31))
    smm = [c for c in sender.calls if "вовремя отчитались" in c.text]
    assert [c.kind for c in smm] == ["digest_weekly"] and smm[0].pngs[-1][0] == section.FILENAME
    assert [r.status for r in await smm_rows(db)] == ["with_weekly"]


async def test_many_accounts_fit_the_caption_and_the_chart_in_english(db, settings, clock) -> None:
    team = await make_team(db, writers=1)
    async with db.session() as s, db.writing(s):
        m = await s.get(type(team.manager), team.manager.id)
        m.language = "en"
    writer = team.writers[0]
    for i in range(60):
        acc = await add_account(db, team.project_id, writer.id, f"account_with_a_long_name_{i:02d}")
        await add_week(db, acc, BEFORE, 100)
        if i % 3:
            await add_week(db, acc, WEEK, 40 + 5 * i, reach=1000 - i)
    await set_mode(db, team.manager.id, "own")
    jobs, sender = make_jobs(db, settings, clock)
    charts_seen = spy(jobs)
    await jobs.smm_digests(at_msk(16, 9, 0))
    (call,) = sender.calls
    assert visible_len(call.text) <= CAPTION_LIMIT
    assert "SMM, the week to 08.11.2026</b>: 40 of 60 accounts reported on time" in call.text
    assert "The chart shows 40 of 60 accounts" in call.text and "more" in call.text
    rows = charts_seen[0][1][0]
    assert len(rows) == section.MAX_CHART_ROWS
    assert [r.status for r in rows][-1] == SMM_MISSING and rows[0].status == SMM_UP
    assert charts_seen[0][2]["labels"]["missing"] == "no report"
    # the same figures inside the weekly digest: the caption with both sections stays within 1024 characters
    async with db.session() as s, db.writing(s):
        await s.execute(Delivery.__table__.delete())
        pref = await s.get(DigestPreference, team.manager.id)
        pref.smm_digest = "with_weekly"
    await jobs.tick(at_msk(16, 9, 0))
    weekly = next(c for c in sender.calls if c.kind == "digest_weekly")
    assert "40 of 60 accounts reported on time" in weekly.text and visible_len(weekly.text) <= CAPTION_LIMIT


def test_chart_renders_every_status_and_no_data() -> None:
    rows = [SmmBar("Up", 0.2, 0.1, SMM_UP), SmmBar("Down", 0.05, 0.1, SMM_DOWN), SmmBar("Fell", 0.01, 0.1, SMM_FELL),
            SmmBar("Silent $x$", None, 0.1, SMM_MISSING), SmmBar("New", None, None, SMM_DOWN)]
    fig = charts.smm_movers_figure(rows, title="SMM", labels={"missing": "нет отчёта"})
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "20.0%" in texts and "нет отчёта" in texts and "—" in texts and "Silent $x$" in texts
    png = charts._render("smm_movers", (rows,), {"title": "SMM"})
    assert png_size(png)[0] == charts.WIDTH_PX
    assert png_size(charts.smm_movers([], title="SMM"))[0] == charts.WIDTH_PX


MANAGER, WRITER = Person(100, "Max"), Person(200, "Ann")


async def test_the_choice_in_settings(harness: Harness, db) -> None:
    team = await make_team(db, writers=1)
    h = harness
    try:
        menu = h.messages(await h.send(MANAGER, "/settings"))[0]
        screen = h.messages(await h.press(MANAGER, menu, menu.button("Дайджесты")))[0]
        assert "SMM-сводка за неделю: в еженедельном дайджесте" in screen.text
        data = screen.button("SMM-сводка: отдельным сообщением")
        sent = await h.press(MANAGER, screen, data)
        assert h.answers(sent)[0].params.get("text") == "Сохранено"
        assert "SMM-сводка за неделю: отдельным сообщением" in h.messages(sent)[0].text
        await h.press(MANAGER, screen, data)  # a double press sets the same again
        async with db.session() as s:
            row = await s.get(DigestPreference, team.manager.id)
            assert row.smm_digest == "own"
        # back to the weekly digest, then the weekly digest off: the screen says where the section goes instead
        screen = h.messages(sent)[0]
        sent = await h.press(MANAGER, screen, screen.button("SMM-сводка: в еженедельном дайджесте"))
        screen = h.messages(sent)[0]
        sent = await h.press(MANAGER, screen, screen.button("Еженедельный"))
        assert "еженедельный дайджест выключен" in h.messages(sent)[0].text
        # a writer's forged button changes nothing; an outdated value is refused
        sent = await h.press(WRITER, screen, "dg:smm:1")
        assert h.answers(sent)[0].params["show_alert"] is True
        sent = await h.press(MANAGER, screen, "dg:smm:7")
        assert h.answers(sent)[0].params.get("show_alert") is True
        async with db.session() as s:
            row = await s.get(DigestPreference, team.manager.id)
            await s.refresh(row)
            assert (row.smm_digest, row.weekly) == ("with_weekly", False)
    finally:
        h.dp.workflow_data["renderer"].shutdown()


def test_week_keys_and_due_week() -> None:
    from scheduler.jobs import smm_week_key

    assert smm_week_key(date(2026, 11, 16)) == "2026-W47"
    assert smm_week_key(date(2027, 1, 1)) == "2026-W53"
    # a Friday-ending week's report is due by the Monday after (its first working day after)
    assert rules.next_working_day(date(2026, 11, 13), set()) == date(2026, 11, 16)


@pytest.mark.parametrize(("lang", "key", "nouns"), [
    ("ru", "smm-digest-title", ("1 аккаунта", "2 аккаунтов", "5 аккаунтов", "21 аккаунта")),
    ("ru", "smm-digest-chart-cut", ("1 аккаунта", "2 аккаунтов", "5 аккаунтов", "21 аккаунта")),
    ("en", "smm-digest-title", ("1 account", "2 accounts", "5 accounts", "21 accounts")),
    ("en", "smm-digest-chart-cut", ("1 account", "2 accounts", "5 accounts", "21 accounts")),
])
def test_plurals(lang: str, key: str, nouns: tuple[str, ...]) -> None:
    from bot.i18n import Catalog

    t = Catalog().translator(lang)
    for n, noun in zip((1, 2, 5, 21), nouns, strict=True):
        assert noun in t(key, week="08.11.2026", on_time=0, shown=40, total=n)


async def test_the_weekly_preview_shows_the_section_where_the_manager_gets_it(db, settings, clock, database_url,
                                                                             tmp_path, monkeypatch, capsys) -> None:
    """``python -m bot digest --preview OUT.png --kind weekly`` shows what the manager receives: the weekly digest
    with the SMM section inside (its chart last, its text in the caption: the scheduler's very caption), or the
    digest without it followed by the section's own message and a line saying so (their /settings choice, or the
    weekly digest switched off), in the manager's language; the daily digest never carries it."""
    import asyncio

    from bot.__main__ import main
    from bot.clock import FrozenClock
    from bot.text import plain
    from tests.recording import BOT_TOKEN

    team, *_ = await scene(db)
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.tick(at_msk(16, 9, 0))
    delivered = next(c for c in sender.calls if c.kind == "digest_weekly")
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("bot.clock.Clock", lambda: FrozenClock(at_msk(16, 9, 0)))

    async def preview(name: str, kind: str = "weekly") -> tuple[str, list[str]]:
        out = tmp_path / name / "out.png"
        args = ["digest", "--preview", str(out), "--kind", kind, "--manager", str(team.manager.telegram_id)]
        capsys.readouterr()
        assert await asyncio.to_thread(main, args) == 0
        return capsys.readouterr().out, sorted(p.name for p in out.parent.iterdir())

    # inside the weekly digest (the default): the album as sent, the smm chart last, the delivered caption
    printed, files = await preview("inside")
    assert files == ["out-cumulative.png", "out-revisions.png", "out-smm.png", "out.png"]
    assert [n for n, _ in delivered.pngs] == ["plan_vs_done.png", "cumulative.png", "revisions.png", "smm.png"]
    assert plain(delivered.text) in printed  # the caption the scheduler sent, word for word
    assert printed.index("Итоги недели") < printed.index("вовремя отчитались 4 из 6")
    assert "отдельным сообщением" not in printed
    # its own message: the digest without the section, then a line saying where it goes, then the section
    await set_mode(db, team.manager.id, "own")
    printed, files = await preview("own")
    assert "out-smm.png" in files and "out.png" in files
    digest_part, _, own_part = printed.partition("SMM-сводка за неделю приходит отдельным сообщением")
    assert team.manager.display_name + ":" in digest_part.splitlines()[-1]
    assert "Итоги недели" in digest_part and "вовремя отчитались" not in digest_part
    assert "(выбор в /settings → Дайджесты)" in own_part and "вовремя отчитались 4 из 6" in own_part
    assert "out-smm.png: 1080x" in own_part
    # the weekly digest switched off: the section comes as its own message whatever the choice; in English
    async with db.session() as s, db.writing(s):
        pref = await s.get(DigestPreference, team.manager.id)
        pref.smm_digest, pref.weekly = "with_weekly", False
        (await s.get(type(team.manager), team.manager.id)).language = "en"
    printed, _ = await preview("off")
    assert "the weekly digest is switched off, so the weekly SMM section comes as its own message" in printed
    assert "4 of 6 accounts reported on time" in printed
    # the daily digest: no SMM section at all
    printed, files = await preview("daily", "daily")
    assert "out-smm.png" not in files and "SMM" not in printed
