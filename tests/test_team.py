"""/team through the production dispatcher: paging, the quality flag (revisions per unit rising month over
month) and /team projects. Units and revisions are written straight into the database (fast, in-process)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.services.stats import rebuild_in
from models.org import Department, Member
from models.reporting import Project, Revision, Stream, Unit
from tests.recording import Harness, Person
from tests.test_plans import ADMIN, ANNA, BORIS, MANAGER, VERA, setup_departments

TEAM_TZ = "Europe/Moscow"  # the default TIMEZONE the tests run with

OCT_10 = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
NOV_10 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


async def add_member(db, telegram_id: int, name: str, department: str, role: str = "writer") -> int:
    async with db.session() as s:
        dept = await s.scalar(select(Department).where(Department.name == department))
        m = Member(telegram_id=telegram_id, display_name=name, username=None, role=role, department_id=dept.id,
                   active=True, unreachable=False, created_at=OCT_10 - timedelta(days=30))
        s.add(m)
        await s.commit()
        return m.id


async def add_units(db, author_tg: int, n: int, revisions: int, at: datetime, *, project: str = "Bakery",
                    state: str = "sent", stream: str = "smm") -> list[int]:
    """``n`` units of the member first sent at ``at`` and ``revisions`` revisions received an hour later,
    spread over them (done, so the units stay in ``state``)."""
    async with db.session() as s:
        author = await s.scalar(select(Member).where(Member.telegram_id == author_tg))
        st = await s.scalar(select(Stream).where(Stream.code == stream))
        p = await s.scalar(select(Project).where(Project.name == project))
        if p is None:
            p = Project(name=project, archived=False, created_at=at)
            s.add(p)
            await s.flush()
        made = [Unit(author_id=author.id, stream_id=st.id, project_id=p.id, title=f"u{i}", link=None, state=state,
                     created_at=at, updated_at=at, sent_at=at) for i in range(n)]
        s.add_all(made)
        await s.flush()
        for i in range(revisions):
            got = at + timedelta(hours=1)
            s.add(Revision(unit_id=made[i % n].id, reason="style", reason_text=None, received_at=got,
                           done_at=got + timedelta(hours=1), reaction_seconds=3600, recorded_by=None))
        await s.flush()
        await rebuild_in(s, TEAM_TZ)  # rows written around the services: recount the counters
        await s.commit()
        return [u.id for u in made]


def team_lines(text: str) -> dict[str, str]:
    """name → its line of /team."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^\d+\. (.+?) — ", line)
        if m:
            out[m.group(1)] = line
    return out


async def test_team_pages(harness: Harness, db) -> None:
    h = harness
    await h.send(ADMIN, "/start")
    for i in range(30):
        await add_member(db, 100 + i, f"Writer{i:02d}", "Общий отдел")
    await add_member(db, 200, "Gone", "Общий отдел")
    async with db.session() as s:
        gone = await s.scalar(select(Member).where(Member.telegram_id == 200))
        gone.active = False
        await s.commit()
    msg = h.messages(await h.send(ADMIN, "/team"))[0]
    assert "<b>Команда, ноябрь 2026</b> (30 чел.)" in msg.text
    lines = team_lines(msg.text)
    assert list(lines) == [f"Writer{i:02d}" for i in range(25)]
    assert lines["Writer00"].startswith("1. ") and "Gone" not in msg.text
    assert [b for b, _ in msg.buttons()] == ["1/2", "»"]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("»")))[0]
    assert msg.method == "EditMessageText"
    lines = team_lines(msg.text)
    assert list(lines) == [f"Writer{i:02d}" for i in range(25, 30)]
    assert lines["Writer25"].startswith("26. ")
    assert [b for b, _ in msg.buttons()] == ["«", "2/2"]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("«")))[0]
    assert "Writer00" in msg.text
    # a forged page far away is clamped to the last page
    msg = h.messages(await h.press(ADMIN, msg, "tm:99"))[0]
    assert "Writer29" in msg.text and "Writer00" not in msg.text
    # writers have no /team, not even through its buttons
    writer = Person(100, "Writer00")
    assert h.messages(await h.send(writer, "/team"))[0].text == "Эта команда вам недоступна."
    assert h.answers(await h.press(writer, msg, "tm:0"))[0].params["show_alert"] is True


async def test_team_quality_flag(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    await add_member(db, 50, "Глеб", "Контент")
    await add_member(db, 51, "Дина", "Контент")
    await add_member(db, 52, "Zero Before", "Контент")
    # Anna: 1.0 → 1.6 revisions per unit on 5 units (+60 %): flagged
    await add_units(db, ANNA.id, 5, 5, OCT_10)
    await add_units(db, ANNA.id, 5, 8, NOV_10)
    # Vera: 0.8 → 1.2 on 5 units: exactly +50 %, flagged
    await add_units(db, VERA.id, 5, 4, OCT_10)
    await add_units(db, VERA.id, 5, 6, NOV_10)
    # Глеб: 0.25 → 1.0 but on 4 units only: not flagged
    await add_units(db, 50, 4, 1, OCT_10)
    await add_units(db, 50, 4, 4, NOV_10)
    # Дина: 1.0 → 1.2 (+20 %): not flagged
    await add_units(db, 51, 5, 5, OCT_10)
    await add_units(db, 51, 5, 6, NOV_10)
    # Zero Before: no revisions last month, 2 now on 5 units: flagged (an infinite rise)
    await add_units(db, 52, 5, 0, OCT_10)
    await add_units(db, 52, 5, 2, NOV_10)
    # Boris (another department) rises too, but is not Max's
    await add_units(db, BORIS.id, 5, 5, OCT_10)
    await add_units(db, BORIS.id, 5, 10, NOV_10)

    text = h.messages(await h.send(MANAGER, "/team"))[0].text
    lines = team_lines(text)
    assert set(lines) == {"Анна Петрова", "Вера", "Глеб", "Дина", "Zero Before"}
    assert lines["Анна Петрова"].endswith("правок/ед. 1,6 ⚠️ правок больше на 60 %")
    assert lines["Вера"].endswith("правок/ед. 1,2 ⚠️ правок больше на 50 %")
    assert "⚠️" not in lines["Глеб"] and lines["Глеб"].endswith("правок/ед. 1")
    assert "⚠️" not in lines["Дина"] and lines["Дина"].endswith("правок/ед. 1,2")
    assert lines["Zero Before"].endswith("правок/ед. 0,4 ⚠️ правки появились (в прошлом месяце их не было)")
    # the median of 1.6, 1.2, 1.0, 1.2, 0.4
    assert "медиана правок на единицу: 1,2" in text
    # the admin sees Boris, flagged (+100 %)
    lines = team_lines(h.messages(await h.send(ADMIN, "/team"))[0].text)
    assert lines["Boris"].endswith("правок/ед. 2 ⚠️ правок больше на 100 %")
    # in English too
    en = Person(ADMIN.id, ADMIN.first_name, ADMIN.last_name, ADMIN.username, "en")
    async with db.session() as s:
        admin = await s.scalar(select(Member).where(Member.telegram_id == ADMIN.id))
        admin.language = "en"
        await s.commit()
    text = h.messages(await h.send(en, "/team"))[0].text
    assert "⚠️ revisions up 60%" in text


async def test_team_counts_deleted_and_written_units_out(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    await add_units(db, ANNA.id, 5, 5, OCT_10)
    await add_units(db, ANNA.id, 4, 6, NOV_10)
    # a deleted unit with many revisions and an unsent unit count neither as done nor for quality
    await add_units(db, ANNA.id, 1, 5, NOV_10, state="deleted")
    await add_units(db, ANNA.id, 1, 0, NOV_10, state="written")
    lines = team_lines(h.messages(await h.send(MANAGER, "/team"))[0].text)
    assert lines["Анна Петрова"].startswith("1. Анна Петрова — 4/0")
    assert lines["Анна Петрова"].endswith("правок/ед. 1,5") and "⚠️" not in lines["Анна Петрова"]


async def test_team_projects(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    await add_units(db, ANNA.id, 4, 6, NOV_10, project="Bakery")
    await add_units(db, VERA.id, 6, 1, NOV_10, project="Client <X>")
    await add_units(db, VERA.id, 3, 9, OCT_10, project="Old")  # last month: not shown
    await add_units(db, BORIS.id, 2, 4, NOV_10, project="Boris only")  # not Max's people
    text = h.messages(await h.send(MANAGER, "/team projects"))[0].text
    lines = text.splitlines()
    assert lines[0] == "<b>Проекты, ноябрь 2026</b> (правок на единицу в среднем: 0,7)"
    # Bakery: 1.5 per unit ≥ 1.5 × 0.7 with ≥ 3 revisions: stands out, first
    assert lines[1] == "⚠️ Bakery: единиц 4, правок 6, на единицу 1,5"
    assert lines[2] == "Client &lt;X&gt;: единиц 6, правок 1, на единицу 0,2"
    assert "Old" not in text and "Boris only" not in text
    text = h.messages(await h.send(ADMIN, "/team проекты"))[0].text
    assert "Boris only: единиц 2, правок 4, на единицу 2" in text
    assert "Пример" in h.messages(await h.send(MANAGER, "/team nonsense"))[0].text
    assert h.messages(await h.send(ANNA, "/team projects"))[0].text == "Эта команда вам недоступна."
