"""The client cabinet meets the SMM statistics: the monthly client report (message and PDF, on /client_report, the
client's report button, the scheduled job and the CLI) carries the project's account figures, recomputed here from
the database; a project with no accounts has no such section; another project's accounts never show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.domain import smm as rules
from bot.views import count_text, share_text, signed_count
from models.org import Member
from models.reporting import Project
from models.smm import SmmAccount, SmmWeek
from tests.recording import Harness, Person
from tests.test_clients import CLIENT, MANAGER, TEAM_NAMES, WRITER, setup
from tests.test_clients_review import pdf_text

EN_CLIENT = Person(52, "Eve", "English", "eve", language_code="en")
CLIENT_B = Person(53, "Bert", "Beta", "bert")
NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)  # Wednesday: November has ended
# Sundays: the week before November's first, and November's (22.11 is not reported)
FIGURES = {
    date(2026, 10, 25): {"followers": 1000, "likes": 50, "comments": 5, "saves": 3, "shares": 2, "reach": 4000},
    date(2026, 11, 1): {"followers": 1040, "likes": 60, "comments": 4, "saves": 6, "shares": 0, "reach": 5000},
    date(2026, 11, 8): {"followers": 1100, "likes": 80, "comments": 9, "saves": 1, "shares": 10, "reach": 0},
    date(2026, 11, 15): {"followers": 1090, "reach": 3000, "interactions": 240},
    date(2026, 11, 29): {"followers": 1234, "likes": 120, "comments": 30, "saves": 12, "shares": 8, "reach": 6100},
}


async def project(db, name: str) -> Project:
    async with db.session() as s:
        return await s.scalar(select(Project).where(Project.name == name))


async def seed_accounts(db) -> tuple[int, int]:
    """Alpha: an Instagram account with the weeks above, an archived one; Beta: one account of its own."""
    alpha, beta = await project(db, "Alpha"), await project(db, "Beta")
    async with db.session() as s, db.writing(s):
        writer = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
        at = datetime(2026, 10, 1, tzinfo=UTC)

        def acc(p: Project, handle: str, name: str, archived: bool = False) -> SmmAccount:
            return SmmAccount(project_id=p.id, network="instagram", handle=handle, name=name,
                              responsible_id=writer.id, week_end=6, start_date=date(2026, 10, 19),
                              archived=archived, created_at=at)

        main, old, other = (acc(alpha, "alpha.shop", "Alpha <Shop>"), acc(alpha, "alpha.old", "Alpha Old", True),
                            acc(beta, "beta.shop", "Beta Secret"))
        s.add_all([main, old, other])
        await s.flush()
        for end, f in FIGURES.items():
            s.add(SmmWeek(account_id=main.id, week_end=end, reported_by=writer.id, reported_at=at, updated_at=at,
                          **f))
            s.add(SmmWeek(account_id=other.id, week_end=end, reported_by=writer.id, reported_at=at, updated_at=at,
                          followers=777_777, reach=1))
        return alpha.id, main.id


async def expected_lines(db, account_id: int, lang: str = "ru") -> list[str]:
    """The account's lines recomputed from the stored weeks (whitespace as the PDF's text shows it)."""
    async with db.session() as s:
        rows = {w.week_end: w for w in await s.scalars(select(SmmWeek).where(SmmWeek.account_id == account_id))}
    fig = {d: {f: getattr(w, f) for f in rules.FIELDS} for d, w in rows.items()}
    sundays = [date(2026, 11, 1) + timedelta(weeks=i) for i in range(5)]
    ru = lang == "ru"
    out = []
    end = fig[sundays[-1]]
    before = fig[date(2026, 10, 25)]
    growth = end["followers"] - before["followers"]
    out.append(("Alpha <Shop>: подписчиков на конец месяца {}, прирост за месяц {}" if ru else
                "Alpha <Shop>: followers at the month's end {}, growth over the month {}")
               .format(count_text(end["followers"]), signed_count(growth)))
    for d in sundays:
        cur = fig.get(d)
        if cur is None:
            continue
        prev = fig.get(d - timedelta(weeks=1))
        g = None if prev is None else cur["followers"] - prev["followers"]
        eng = [cur[k] for k in ("likes", "comments", "saves", "shares") if cur[k] is not None]
        inter = cur["interactions"] if cur["interactions"] is not None else (sum(eng) if eng else None)
        er = sum(eng) / cur["reach"] if eng and cur["reach"] else None
        out.append(("· неделя до {}: подписчики {} ({}), охват {}, взаимодействия {}, ER {}" if ru else
                    "· week to {}: followers {} ({}), reach {}, interactions {}, ER {}")
                   .format(d.strftime("%d.%m"), count_text(cur["followers"]), signed_count(g),
                           count_text(cur["reach"]), count_text(inter), share_text(er)))
    missing = [d.strftime("%d.%m") for d in sundays if d not in fig]
    out.append(("· нет данных за недели до: " if ru else "· no figures for the weeks to: ") + ", ".join(missing))
    return [" ".join(x.split()) for x in out]


def flat(text: str) -> str:
    return " ".join(text.replace("&lt;", "<").replace("&gt;", ">").split())


async def test_the_report_carries_the_account_figures_in_the_message_and_the_pdf(harness: Harness, db,
                                                                                 clock) -> None:
    h = harness
    await setup(h, CLIENT)
    alpha_id, account_id = await seed_accounts(db)
    clock.set(NOW)
    sent = await h.send(MANAGER, f"/client_report {alpha_id} 2026-11")
    [message] = [m for m in sent if m.method == "SendMessage"]
    [doc] = [m for m in sent if m.method == "SendDocument"]
    text, body = pdf_text(doc.params["document"].data), flat(message.text)
    want = await expected_lines(db, account_id)
    # the numbers of the seed, computed by hand: 1 234 at the month's end, +234 over it; ER of 29.11 = 170/6100
    assert want[0] == "Alpha <Shop>: подписчиков на конец месяца 1 234, прирост за месяц +234"
    assert "· неделя до 29.11: подписчики 1 234 (—), охват 6 100, взаимодействия 170, ER 2.8%" in want
    assert "· неделя до 08.11: подписчики 1 100 (+60), охват 0, взаимодействия 100, ER —" in want
    assert "· неделя до 15.11: подписчики 1 090 (−10), охват 3 000, взаимодействия 240, ER —" in want
    assert want[-1] == "· нет данных за недели до: 22.11"
    assert "Соцсети" in body and "Соцсети" in text
    for line in want:
        assert line in body, line
        assert line in text, line
    for leak in ("Beta Secret", "777", "Alpha Old"):
        assert leak not in body and leak not in text


async def test_the_client_button_in_english_and_a_project_with_no_accounts(harness: Harness, db, clock) -> None:
    h = harness
    await setup(h, EN_CLIENT)
    _, account_id = await seed_accounts(db)
    clock.set(NOW)
    projects = h.messages(await h.send(EN_CLIENT, "/projects"))[0]
    sent = await h.press(EN_CLIENT, projects, projects.button("Report for"))
    [doc] = [m for m in sent if m.method == "SendDocument"]
    body = flat("\n".join(m.text or "" for m in sent if m.method == "SendMessage"))
    text = pdf_text(doc.params["document"].data)
    assert "Social accounts" in body and "Social accounts" in text
    for line in await expected_lines(db, account_id, "en"):
        assert line in body and line in text, line
    assert not any(n in body for n in TEAM_NAMES)  # the responsible member is not named
    # Beta's own accounts are archived away: a project with no open accounts has no section
    beta = await project(db, "Beta")
    async with db.session() as s, db.writing(s):
        for a in await s.scalars(select(SmmAccount).where(SmmAccount.project_id == beta.id)):
            a.archived = True
    sent = await h.send(MANAGER, f"/client_report {beta.id} 2026-11")
    [message] = [m for m in sent if m.method == "SendMessage"]
    [doc] = [m for m in sent if m.method == "SendDocument"]
    assert "Соцсети" not in message.text and "Соцсети" not in pdf_text(doc.params["document"].data)


async def test_a_month_in_progress_counts_only_ended_weeks(harness: Harness, db, clock) -> None:
    h = harness
    await setup(h)
    alpha_id, _ = await seed_accounts(db)
    clock.set(datetime(2026, 11, 10, 9, tzinfo=UTC))  # Tuesday: the weeks to 01.11 and 08.11 have ended
    sent = await h.send(MANAGER, f"/client_report {alpha_id} 2026-11")
    body = flat(next(m for m in sent if m.method == "SendMessage").text)
    assert "подписчиков на конец месяца 1 100, прирост за месяц +100" in body
    assert "нет данных" not in body and "15.11" not in body


async def test_the_scheduled_report_and_the_cli_carry_them(db, settings, clock, database_url, monkeypatch,
                                                           tmp_path) -> None:
    from tests.scheduling_helpers import make_jobs

    async with db.session() as s, db.writing(s):
        from models.clients import ClientProject
        from models.org import Department

        d = Department(name="D", created_at=NOW)
        s.add(d)
        await s.flush()
        w = Member(telegram_id=WRITER.id, display_name="Anna", role="writer", department_id=d.id, active=True,
                   unreachable=False, created_at=NOW)
        c = Member(telegram_id=901, display_name="Client Co", role="client", department_id=None, active=True,
                   unreachable=False, created_at=NOW)
        s.add_all([w, c, Project(name="Alpha", created_at=NOW), Project(name="Beta", created_at=NOW)])
        await s.flush()
        s.add(ClientProject(member_id=c.id, project_id=(await project_in(s, "Alpha")).id, added_at=NOW))
    alpha_id, account_id = await seed_accounts(db)
    want = await expected_lines(db, account_id)
    jobs, sender = make_jobs(db, settings, clock)
    first_day = datetime(2026, 12, 1, 6, 1, tzinfo=UTC)  # the first working day, 09:01 Moscow
    clock.set(first_day)
    await jobs.client_reports(first_day)
    assert [c.chat_id for c in sender.calls] == [901, 901]
    body = flat(sender.calls[0].text)
    for line in want:
        assert line in body, line
    # the CLI writes the same into its PDF
    from bot.__main__ import main
    from tests.recording import BOT_TOKEN

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.delenv("REDIS_URL", raising=False)
    out = tmp_path / "r.pdf"
    await _cli(main, ["client-report", "--project", str(alpha_id), "--month", "2026-11", "--out", str(out)])
    text = pdf_text(out.read_bytes())
    for line in want:
        assert line in text, line


async def project_in(s, name: str) -> Project:
    return await s.scalar(select(Project).where(Project.name == name))


async def _cli(main, argv: list[str]) -> None:
    import asyncio

    assert await asyncio.to_thread(main, argv) == 0


# --- issue 11 point 7: the clients get their accounts' weekly figures ----------------------------------------
async def test_clients_get_each_reported_week_once_in_their_language(harness: Harness, db, settings,
                                                                      clock) -> None:
    from models.scheduling import Delivery
    from tests.scheduling_helpers import make_jobs
    from tests.test_clients import ADMIN, client_token
    from tests.test_smm import fill

    h = harness
    await setup(h, CLIENT)
    await h.send(EN_CLIENT, f"/start {await client_token(h, ADMIN, 'Alpha')}")
    await h.send(CLIENT_B, f"/start {await client_token(h, ADMIN, 'Beta')}")
    _, account_id = await seed_accounts(db)  # reported up to 29.11 (22.11 missing); Beta's account too
    async with db.session() as s, db.writing(s):  # Beta's account: another project's, its client only
        for w in await s.scalars(select(SmmWeek).where(SmmWeek.week_end == date(2026, 11, 29),
                                                       SmmWeek.account_id != account_id)):
            await s.delete(w)
    clock.set(datetime(2026, 12, 7, 9, tzinfo=UTC))  # Monday 12:00 Moscow: the week to 06.12 has ended
    await fill(h, WRITER, account_id, "06.12.2026", "подписчики 1300 охват 6710 лайки 150 комментарии 20")
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.smm_clients(datetime(2026, 12, 7, 4, 0, tzinfo=UTC))  # 07:00 Moscow: before NOTIFY_HOURS
    assert sender.calls == []
    await jobs.smm_clients(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    await jobs.smm_clients(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))  # once
    async with db.session() as s:
        ids = {m.telegram_id: m.id for m in await s.scalars(select(Member))}
        rows = {(r.member_id, r.period_key) for r in await s.scalars(select(Delivery).where(
            Delivery.kind == "smm_client"))}
    # the latest two ended weeks (29.11 and 06.12) of Alpha's account, to each of Alpha's clients; nothing else
    assert rows == {(ids[c.id], f"{account_id}:{d}") for c in (CLIENT, EN_CLIENT)
                    for d in ("2026-11-29", "2026-12-06")}
    assert {c.chat_id for c in sender.calls} == {CLIENT.id, EN_CLIENT.id}
    [ru] = [c.text for c in sender.calls if c.chat_id == CLIENT.id and "06.12.2026" in c.text]
    [en] = [c.text for c in sender.calls if c.chat_id == EN_CLIENT.id and "06.12.2026" in c.text]
    # recomputed from the two weeks: 1 234 → 1 300; reach 6 100 → 6 710 (+10.0%); interactions 170 → 170 (+0.0%)
    # ER by reach 170/6100 = 2.79% → 170/6710 = 2.53% (−9.1%)
    assert "Alpha &lt;Shop&gt;" in ru and "неделя 30.11–06.12.2026" in ru
    assert "Подписчики: 1\u202f300 (+66 за неделю)" in ru
    assert "Охват: 6\u202f710 (+10.0% к прошлой неделе)" in ru
    assert "Взаимодействия: 170 (+0.0%)" in ru and "ER по охвату: 2.5% (-9.1%)" in ru
    assert "Followers: 1\u202f300 (+66 over the week)" in en and "Reach: 6\u202f710 (+10.0% on the week before)" in en
    for text in (ru, en):
        assert not any(n in text for n in TEAM_NAMES)  # show-authors is off
    # with show-authors on, a new week names the responsible member
    async with db.session() as s, db.writing(s):
        alpha = await s.scalar(select(Project).where(Project.name == "Alpha"))
        alpha.show_authors = True
    clock.set(datetime(2026, 12, 14, 9, tzinfo=UTC))
    await fill(h, WRITER, account_id, "13.12.2026", "подписчики 1310 охват 6000")
    sender.calls.clear()
    await jobs.smm_clients(datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
    assert [c.chat_id for c in sender.calls if "13.12.2026" in c.text] and len(sender.calls) == 2
    [ru] = [c.text for c in sender.calls if c.chat_id == CLIENT.id]
    assert "Данные внёс(ла) Anna" in ru and "Подписчики: 1\u202f310 (+10 за неделю)" in ru


async def test_an_archived_account_a_day_off_and_a_removed_client_get_nothing(db, settings, clock) -> None:
    from models.clients import ClientProject
    from tests.scheduling_helpers import make_jobs, make_team

    team = await make_team(db, writers=1)
    async with db.session() as s, db.writing(s):
        client = Member(telegram_id=901, display_name="Client Co", role="client", department_id=None, active=True,
                        unreachable=False, created_at=NOW)
        s.add(client)
        await s.flush()
        s.add(ClientProject(member_id=client.id, project_id=team.project_id, added_at=NOW))
        a = SmmAccount(project_id=team.project_id, network="vk", handle="brand", name="VK brand",
                       responsible_id=team.writers[0].id, week_end=6, start_date=date(2026, 10, 1), created_at=NOW)
        s.add(a)
        await s.flush()
        s.add(SmmWeek(account_id=a.id, week_end=date(2026, 12, 27), followers=10, reach=5, reported_at=NOW,
                      updated_at=NOW))
        account_id = a.id
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.smm_clients(datetime(2027, 1, 4, 9, tzinfo=UTC))  # a public holiday in Russia
    assert sender.calls == []
    async with db.session() as s, db.writing(s):
        (await s.get(SmmAccount, account_id)).archived = True
    await jobs.smm_clients(datetime(2026, 12, 28, 9, tzinfo=UTC))
    assert sender.calls == []
    async with db.session() as s, db.writing(s):
        (await s.get(SmmAccount, account_id)).archived = False
        await s.delete(await s.scalar(select(ClientProject)))
    await jobs.smm_clients(datetime(2026, 12, 28, 9, tzinfo=UTC))
    assert sender.calls == []


async def test_many_accounts_keep_the_message_within_telegram_limits_and_every_line_in_the_pdf(
        harness: Harness, db, clock) -> None:
    from bot.text import TEXT_LIMIT, visible_len

    h = harness
    await setup(h)
    alpha_id, _ = await seed_accounts(db)
    async with db.session() as s, db.writing(s):
        writer = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
        extra = [SmmAccount(project_id=alpha_id, network="vk", handle=f"brand{i:02d}", name=f"VK «Бренд {i:02d}»",
                            responsible_id=writer.id, week_end=6, start_date=date(2026, 10, 1), created_at=NOW)
                 for i in range(30)]
        s.add_all(extra)
        await s.flush()
        for a in extra:
            for end in FIGURES:
                s.add(SmmWeek(account_id=a.id, week_end=end, followers=100_000 + a.id, reach=54_321, likes=999,
                              reported_at=NOW, updated_at=NOW))
    clock.set(NOW)
    sent = await h.send(MANAGER, f"/client_report {alpha_id} 2026-11")
    [message] = [m for m in sent if m.method == "SendMessage"]
    [doc] = [m for m in sent if m.method == "SendDocument"]
    assert visible_len(message.text) <= TEXT_LIMIT
    assert "— они в PDF" in message.text
    text = pdf_text(doc.params["document"].data)
    for i in range(30):
        assert f"VK «Бренд {i:02d}»" in text
    assert text.count("· неделя до 29.11") == 31
