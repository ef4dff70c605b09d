"""The client cabinet through the production dispatcher: client invites, approval by the client, the team's
*approved* refused in client mode, /pending, /projects, the refusals and the leak rules (fast, in-process)."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models.clients import ClientDecision, ClientProject
from models.org import AuditEntry, Member
from models.reporting import Project, Revision, Unit
from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person, Sent
from tests.test_onboarding import invite_link

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga")
WRITER = Person(2, "Anna", "Petrova", "anna")
MANAGER = Person(4, "Max", "Bossov", "maxboss")
CLIENT = Person(50, "Carl", "Client", "carl")
CLIENT2 = Person(51, "Clara", None, "clara")
STRANGER = Person(60, "Sam", None, "sam")
TEAM_NAMES = ("Anna", "Petrova", "anna", "Olga", "olga", "Max", "Bossov", "maxboss")


async def client_token(h: Harness, who: Person, *projects: str) -> str:
    msg = h.messages(await h.send(who, "/invite"))[0]
    msg = h.messages(await h.press(who, msg, msg.button("клиент")))[0]
    for p in projects:
        msg = h.messages(await h.press(who, msg, msg.button(p)))[0]
    msg = h.messages(await h.press(who, msg, msg.button("Создать ссылку")))[0]
    return msg.text.split("start=")[1].split()[0]


async def setup(h: Harness, *clients: Person) -> None:
    await h.send(ADMIN, "/start")
    await h.send(ADMIN, "/projects add Alpha")
    await h.send(ADMIN, "/projects add Beta")
    await h.send(WRITER, f"/start {await invite_link(h, ADMIN)}")
    await h.send(MANAGER, f"/start {await invite_link(h, ADMIN, 'руководитель')}")
    for c in clients:
        await h.send(c, f"/start {await client_token(h, ADMIN, 'Alpha')}")


async def report_and_send(h: Harness, project: str, title: str) -> list[Sent]:
    card = h.messages(await h.send(WRITER, f"/report smm {project} {title}"))[0]
    return await h.press(WRITER, card, card.button("Отправлена на согласование"))


def to(person: Person, sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.method in ("SendMessage", "EditMessageText") and s.params.get("chat_id") == person.id]


async def count(db, model, *where) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


async def unit(db, title: str) -> Unit:
    async with db.session() as s:
        return await s.scalar(select(Unit).where(Unit.title == title))


async def test_client_invite_registers_a_client_of_exactly_those_projects(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(ADMIN, "/projects add Gamma")
    sent = await h.send(CLIENT, f"/start {await client_token(h, ADMIN, 'Alpha', 'Gamma')}")
    text = h.messages(sent)[0].text
    assert "клиент" in text and "Alpha" in text and "Gamma" in text and "Beta" not in text
    async with db.session() as s:
        client = await s.scalar(select(Member).where(Member.telegram_id == CLIENT.id))
        assert client.role == "client" and client.department_id is None
        assert await count(db, ClientProject, ClientProject.member_id == client.id) == 2
    # the client has a menu of its own: the client commands only
    menus = [s for s in sent if s.method == "SetMyCommands"]
    assert menus and {c.command for c in menus[-1].params["commands"]} == {
        "start", "help", "cancel", "settings", "pending", "projects"}
    # clients are not in /team or the /members list; admins see them in the clients section
    team = h.messages(await h.send(ADMIN, "/team"))[0].text
    assert "Carl" not in team
    members = h.messages(await h.send(ADMIN, "/members"))[0]
    assert "Carl" not in members.text
    section = h.messages(await h.press(ADMIN, members, members.button("Клиенты")))[0]
    assert "Carl" in section.text


async def test_pressing_create_link_twice_makes_one_invite(harness: Harness, db) -> None:
    from models.org import Invite

    h = harness
    await setup(h)
    msg = h.messages(await h.send(ADMIN, "/invite"))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("клиент")))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("Alpha")))[0]
    data = msg.button("Создать ссылку")
    first = h.messages(await h.press(ADMIN, msg, data))[0].text
    again = await h.press(ADMIN, msg, data)
    assert await count(db, Invite, Invite.role == "client") == 1
    texts = [m.text for m in h.messages(again)]
    assert all(first.split("start=")[1].split()[0] in x for x in texts)


async def test_manager_invites_clients_only_to_projects_of_their_departments(harness: Harness, db) -> None:
    h = harness
    await h.send(ADMIN, "/start")
    await h.send(ADMIN, "/departments add Other")
    await h.send(ADMIN, "/projects add Alpha")  # created by the admin (department 1)
    other_manager = Person(70, "Olaf", None, "olaf")
    msg = h.messages(await h.send(ADMIN, "/invite"))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("руководитель")))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("Other")))[0]
    await h.send(other_manager, "/start " + msg.text.split("start=")[1].split()[0])
    await h.send(other_manager, "/projects add Omega")
    msg = h.messages(await h.send(other_manager, "/invite"))[0]
    msg = h.messages(await h.press(other_manager, msg, msg.button("клиент")))[0]
    names = [b for b, _ in msg.buttons()]
    assert any("Omega" in b for b in names) and not any("Alpha" in b for b in names)
    # a forged toggle of a project outside their departments is refused
    async with db.session() as s:
        from models.reporting import Project

        alpha = await s.scalar(select(Project).where(Project.name == "Alpha"))
    sent = await h.press(other_manager, msg, f"inv:cp::{alpha.id}:0")
    assert h.answers(sent)[0].params.get("show_alert") is True


@pytest.fixture(params=["few ids", "many ids"])
def id_filter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids in ``IN (...)``, and as over an admin's hundreds of members and projects (the period's rows read
    and the ids kept in Python, ``models.base.MANY_IDS``): the same figures."""
    if request.param == "many ids":
        monkeypatch.setattr("models.base.MANY_IDS", 0)


async def test_client_approves_and_requests_changes(harness: Harness, db, id_filter) -> None:
    h = harness
    await setup(h, CLIENT)
    sent = await report_and_send(h, "Alpha", "First post")
    [card] = to(CLIENT, sent)
    assert "First post" in card.text and "Alpha" in card.text
    assert not any(n in card.text for n in TEAM_NAMES)  # show-authors is off by default
    # the writer cannot press "approved" in client mode
    wcard = to(WRITER, sent)[0]
    sent = await h.press(WRITER, wcard, wcard.button("Согласована"))
    assert "согласует клиент" in h.answers(sent)[0].params["text"]
    assert (await unit(db, "First post")).state == "sent"
    # the client approves: the unit is approved, the writer is told
    sent = await h.press(CLIENT, card, card.button("Согласовать"))
    assert (await unit(db, "First post")).state == "approved"
    assert any("согласовал" in m.text for m in to(WRITER, sent))
    # a second press records nothing more and says why
    sent = await h.press(CLIENT, card, card.button("Согласовать"))
    assert "уже принято" in h.answers(sent)[0].params["text"]
    assert await count(db, ClientDecision) == 1
    assert await count(db, AuditEntry, AuditEntry.action == "client.approve") == 1
    # the team cannot undo a client's decision (not even the author's manager)
    from models.reporting import UnitEvent

    first = await unit(db, "First post")
    async with db.session() as s:
        event = await s.scalar(select(UnitEvent).where(UnitEvent.unit_id == first.id).order_by(UnitEvent.id.desc()))
    for who in (WRITER, MANAGER):
        sent = await h.press(who, wcard, f"u:undo:{first.id}:{event.id}")
        assert h.answers(sent)[0].params.get("show_alert") is True
    assert (await unit(db, "First post")).state == "approved"

    # request changes: a reason, then a comment of at least 10 letters
    sent = await report_and_send(h, "Alpha", "Second post")
    [card] = to(CLIENT, sent)
    msg = h.messages(await h.press(CLIENT, card, card.button("Нужны правки")))[0]
    msg = h.messages(await h.press(CLIENT, msg, msg.button("Стиль")))[0]
    assert "комментарий" in msg.text
    short = h.messages(await h.send(CLIENT, "плохо 123456789"))[0].text
    assert "слишком короткий" in short
    assert (await unit(db, "Second post")).state == "sent"
    sent = await h.send(CLIENT, "Поменяйте заголовок, он скучный")
    assert "переданы команде" in to(CLIENT, sent)[0].text
    u = await unit(db, "Second post")
    assert u.state == "revision"
    async with db.session() as s:
        rev = await s.scalar(select(Revision).where(Revision.unit_id == u.id))
    assert rev.reason == "style" and rev.reason_text == "Поменяйте заголовок, он скучный" and rev.done_at is None
    told_writer = to(WRITER, sent)
    told_manager = to(MANAGER, sent)
    assert told_writer and "Поменяйте заголовок" in told_writer[0].text and "Срок реакции" in told_writer[0].text
    assert told_manager and "Anna Petrova" in told_manager[0].text
    assert await count(db, AuditEntry, AuditEntry.action == "client.changes") == 1
    # the revision shows in /team projects like the team's own
    team = h.messages(await h.send(MANAGER, "/team projects"))[0].text
    assert "Alpha: единиц 2, правок 1" in team and "от клиента в боте правок 1" in team
    # ...and the manager's weekly digest names the project and its client's figures
    from bot.i18n import Catalog
    from scheduler import digest as dg

    async with db.session() as s:
        manager = await s.scalar(select(Member).where(Member.telegram_id == MANAGER.id))
        plan = await dg.build(s, h.dp["settings"], Catalog().translator("ru"), await dg.scope_of(s, manager),
                              "weekly", h.dp["clock"].now())
    assert "Клиенты в боте" in plan.caption and "«Alpha»: правок 1" in plan.caption
    # the figures themselves: one revision asked for, and the average time to the client's two decisions
    async with db.session() as s:
        everyone = list(await s.scalars(select(Member.id)))
        decided = list(await s.scalars(select(ClientDecision.seconds)))
        month = h.dp["clock"].now().astimezone(ZoneInfo(h.dp["settings"].timezone)).date().replace(day=1)
        rows = await dg.client_rows(s, h.dp["settings"], everyone, month)
    assert len(decided) == 2
    assert rows == [("Alpha", 1, pytest.approx(sum(decided) / 2))]
    # the digests' one statement gives the figures of client_figures (/team projects) over all projects
    from bot.services.stats import month_range_utc
    from models import clients_repo

    start, end = month_range_utc(month, h.dp["settings"].timezone)

    def same(figures: dict) -> dict:
        return {pid: (n, None if sec is None else round(sec, 6)) for pid, (n, sec) in figures.items()}

    async with db.session() as s:
        projects = {p.id: p.name for p in await s.scalars(select(Project))}
        for authors in (everyone, everyone[:2], everyone[2:], []):
            lines = await clients_repo.client_project_lines(s, authors, start, end)
            assert all(projects[pid] == name for pid, name, _n, _sec in lines)
            assert same({pid: (n, sec) for pid, _name, n, sec in lines}) == same(
                await clients_repo.client_figures(s, list(projects), authors, start, end))
    # the client's decisions keep the counters behind /me, /team and the digests equal to a recount
    from bot.services.stats import recount, stored

    async with db.engine.connect() as conn:
        assert await conn.run_sync(stored) == await conn.run_sync(recount, h.dp["settings"].timezone)


async def test_two_clients_pressing_at_once_record_one_decision(harness: Harness, db) -> None:
    h = harness
    await setup(h, CLIENT, CLIENT2)
    sent = await report_and_send(h, "Alpha", "Race")
    [c1], [c2] = to(CLIENT, sent), to(CLIENT2, sent)
    results = await asyncio.gather(h.press(CLIENT, c1, c1.button("Согласовать")),
                                   h.press(CLIENT2, c2, c2.button("Согласовать")))
    assert await count(db, ClientDecision) == 1
    assert (await unit(db, "Race")).state == "approved"
    answers = {id(a): a.params.get("text", "") for r in results for a in h.answers(r)}  # both presses' answers
    assert sorted("уже принято" in x for x in answers.values()) == [False, True]


async def test_manager_override_is_audited(harness: Harness, db) -> None:
    h = harness
    await setup(h, CLIENT)
    await report_and_send(h, "Alpha", "Override")
    u = await unit(db, "Override")
    shown = h.messages(await h.send(MANAGER, "/mine"))  # any message to press under
    await h.press(MANAGER, shown[0], f"u:approve:{u.id}:")
    assert (await unit(db, "Override")).state == "approved"
    assert await count(db, AuditEntry, AuditEntry.action == "unit.approved_override") == 1


async def test_team_mode_sends_nothing_to_clients(harness: Harness, db) -> None:
    h = harness
    await setup(h, CLIENT)
    async with db.session() as s:
        from models.reporting import Project

        alpha = await s.scalar(select(Project).where(Project.name == "Alpha"))
    assert "отмечает команда" in h.messages(await h.send(MANAGER, f"/approval {alpha.id} team"))[0].text
    sent = await report_and_send(h, "Alpha", "Team post")
    assert to(CLIENT, sent) == []
    wcard = to(WRITER, sent)[0]
    await h.press(WRITER, wcard, wcard.button("Согласована"))
    assert (await unit(db, "Team post")).state == "approved"
    # the client may not decide on it either
    u = await unit(db, "Team post")
    msg = h.messages(await h.send(CLIENT, "/pending"))[0]
    sent = await h.press(CLIENT, msg, f"cl:ok:{u.id}:")
    assert h.answers(sent)[0].params.get("show_alert") is True


async def test_show_authors_setting(harness: Harness, db) -> None:
    h = harness
    await setup(h, CLIENT)
    async with db.session() as s:
        from models.reporting import Project

        alpha = await s.scalar(select(Project).where(Project.name == "Alpha"))
    await h.send(MANAGER, f"/approval {alpha.id} authors on")
    sent = await report_and_send(h, "Alpha", "Authored")
    assert "Anna Petrova" in to(CLIENT, sent)[0].text


async def test_forged_and_stale_decisions_are_refused(harness: Harness, db) -> None:
    h = harness
    await setup(h, CLIENT)
    await report_and_send(h, "Beta", "Other project")  # Beta has no client: team mode
    sent = await report_and_send(h, "Alpha", "Mine")
    [card] = to(CLIENT, sent)
    other = await unit(db, "Other project")
    for data in (f"cl:ok:{other.id}:", "cl:ok:99999999999:", "cl:ok:abc:", "garbage", f"cl:ch:{other.id}:",
                 f"cl:r:{other.id}:style"):
        sent = await h.press(CLIENT, card, data)
        assert h.answers(sent)[0].params.get("show_alert") is True or "устарела" in h.answers(sent)[0].params.get(
            "text", "")
        assert not any(s.method == "EditMessageText" for s in sent)
    assert (await unit(db, "Other project")).state == "sent"
    # a unit deleted by the team is refused with a message
    mine = await unit(db, "Mine")
    wmsg = h.messages(await h.send(WRITER, "/mine"))[0]
    await h.press(WRITER, wmsg, f"u:delok:{mine.id}:")
    assert (await unit(db, "Mine")).state == "deleted"
    sent = await h.press(CLIENT, card, card.button("Согласовать"))
    assert "удалён" in h.answers(sent)[0].params["text"]
    assert await count(db, ClientDecision) == 0
    # a stranger pressing a client's button is refused
    sent = await h.press(WRITER, card, f"cl:ok:{mine.id}:")
    assert h.answers(sent)[0].params.get("show_alert") is True


async def test_client_commands_and_refusals(harness: Harness, db, clock) -> None:
    h = harness
    await setup(h, CLIENT)
    for cmd in ("/report smm Alpha Post", "/team", "/mine", "/me", "/rate", "/ratings", "/invite", "/members",
                "/plan", "/digest", "/approval", "hello"):
        text = h.messages(await h.send(CLIENT, cmd))[0].text
        assert "только команде агентства" in text, cmd
    help_text = h.messages(await h.send(CLIENT, "/help"))[0].text
    assert "/pending" in help_text and "/report" not in help_text and "/team" not in help_text
    assert "Настройки" in h.messages(await h.send(CLIENT, "/settings"))[0].text  # settings work for clients
    await report_and_send(h, "Alpha", "One")
    await report_and_send(h, "Alpha", "Two")
    await report_and_send(h, "Beta", "Three")
    pending = h.messages(await h.send(CLIENT, "/pending"))[0]
    assert "One" in pending.text and "Two" in pending.text and "Three" not in pending.text
    assert pending.text.index("One") < pending.text.index("Two")
    await h.press(CLIENT, pending, pending.button(f"✅ #{(await unit(db, 'One')).id}"))
    assert (await unit(db, "One")).state == "approved"
    projects = h.messages(await h.send(CLIENT, "/projects"))[0].text
    assert "Alpha" in projects and "Beta" not in projects
    assert "отправлено на согласование 2" in projects and "согласовано 1" in projects and "ждут решения 1" in projects
    # switched off by the admin: a polite refusal for everything
    async with db.session() as s:
        client = await s.scalar(select(Member).where(Member.telegram_id == CLIENT.id))
    members = h.messages(await h.send(ADMIN, "/members"))[0]
    section = h.messages(await h.press(ADMIN, members, members.button("Клиенты")))[0]
    cardm = h.messages(await h.press(ADMIN, section, section.button("Carl")))[0]
    await h.press(ADMIN, cardm, f"cla:off:{client.id}:0:0")
    assert "отключён" in h.messages(await h.send(CLIENT, "/pending"))[0].text


async def test_admin_adds_and_removes_a_clients_projects(harness: Harness, db) -> None:
    h = harness
    await setup(h, CLIENT)
    async with db.session() as s:
        client = await s.scalar(select(Member).where(Member.telegram_id == CLIENT.id))
    members = h.messages(await h.send(ADMIN, "/members"))[0]
    section = h.messages(await h.press(ADMIN, members, members.button("Клиенты")))[0]
    card = h.messages(await h.press(ADMIN, section, section.button("Carl")))[0]
    pick = h.messages(await h.press(ADMIN, card, card.button("Добавить проект")))[0]
    card = h.messages(await h.press(ADMIN, pick, pick.button("Beta")))[0]
    assert "Beta" in card.text
    assert await count(db, ClientProject, ClientProject.member_id == client.id) == 2
    card = h.messages(await h.press(ADMIN, card, card.button("Убрать «Alpha»")))[0]
    assert "Alpha" not in card.text.split("Проекты:")[1]
    assert await count(db, ClientProject, ClientProject.member_id == client.id) == 1
    # a manager may not open the clients section
    sent = await h.press(MANAGER, card, f"cla:open:{client.id}:0:0")
    assert h.answers(sent)[0].params.get("show_alert") is True


async def test_client_reminder_once_and_managers_at_twice_the_hours(db, settings, clock) -> None:
    from datetime import UTC, datetime

    from tests.scheduling_helpers import add_units, at_msk, make_jobs, make_team

    team = await make_team(db, writers=1)
    async with db.session() as s, db.writing(s):
        client = Member(telegram_id=900, display_name="Client Co", role="client", department_id=None, active=True,
                        unreachable=False, created_at=datetime(2026, 11, 1, tzinfo=UTC))
        s.add(client)
        await s.flush()
        s.add(ClientProject(member_id=client.id, project_id=team.project_id, added_at=datetime(2026, 11, 1,
                                                                                                 tzinfo=UTC)))
    [uid] = await add_units(db, team.writers[0], team.project_id, 1, at_msk(16, 10))  # Monday 10:00
    jobs, sender = make_jobs(db, settings, clock)
    await jobs.client_approvals(at_msk(17, 9, 59))  # 24 working hours: Tuesday 10:00
    assert sender.calls == []
    await jobs.client_approvals(at_msk(17, 10, 1))
    await jobs.client_approvals(at_msk(17, 12, 0))  # once
    assert [(c.chat_id, c.kind) for c in sender.calls] == [(900, "client_remind")]
    assert f"#{uid}" in sender.calls[0].text and "Автор" not in sender.calls[0].text
    await jobs.client_approvals(at_msk(18, 10, 1))  # twice the hours: Wednesday 10:00, the manager
    await jobs.client_approvals(at_msk(18, 11, 0))
    assert [(c.chat_id, c.kind) for c in sender.calls] == [(900, "client_remind"),
                                                           (team.manager.telegram_id, "client_escalate")]
    assert "ждёт решения клиента" in sender.calls[1].text


async def recompute(db, project_id: int, start, end) -> dict:
    """The report's figures straight from the tables (not through the service)."""
    from models.reporting import Revision as Rev

    async with db.session() as s:
        approved = await s.scalar(select(func.count()).select_from(Unit).where(
            Unit.project_id == project_id, Unit.state == "approved", Unit.approved_at >= start,
            Unit.approved_at < end))
        waiting = await s.scalar(select(func.count()).select_from(Unit).where(
            Unit.project_id == project_id, Unit.state == "sent"))
        revisions = await s.scalar(select(func.count()).select_from(Rev).join(Unit, Unit.id == Rev.unit_id).where(
            Unit.project_id == project_id, Rev.received_at >= start, Rev.received_at < end))
    return {"approved": approved, "waiting": waiting, "revisions": revisions}


def pdf_keywords(pdf: bytes) -> str:
    import re

    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in pdf and b"DejaVuSans" in pdf and b"/ToUnicode" in pdf  # TrueType embedded
    m = re.search(rb"/Keywords \((.*?)\)", pdf)
    assert m is not None
    return m.group(1).decode()


async def test_monthly_client_report_message_and_pdf(harness: Harness, db, clock) -> None:
    from datetime import UTC, datetime

    from models.reporting import Project

    h = harness
    await setup(h, CLIENT)
    for title in ("R1", "R2", "R3"):
        await report_and_send(h, "Alpha", title)
    pending = h.messages(await h.send(CLIENT, "/pending"))[0]
    await h.press(CLIENT, pending, f"cl:ok:{(await unit(db, 'R1')).id}:")
    await h.press(CLIENT, pending, f"cl:ok:{(await unit(db, 'R2')).id}:")
    async with db.session() as s:
        alpha = await s.scalar(select(Project).where(Project.name == "Alpha"))
    sent = await h.send(MANAGER, f"/client_report {alpha.id} 2026-11")
    [msg] = [m for m in sent if m.method == "SendMessage"]
    [doc] = [m for m in sent if m.method == "SendDocument"]
    start, end = datetime(2026, 10, 31, 21, tzinfo=UTC), datetime(2026, 11, 30, 21, tzinfo=UTC)  # Moscow month
    want = await recompute(db, alpha.id, start, end)
    assert want == {"approved": 2, "waiting": 1, "revisions": 0}
    assert f"Согласовано (сдано) единиц: {want['approved']}" in msg.text
    assert f"Ждут решения сейчас: {want['waiting']}" in msg.text
    keywords = pdf_keywords(doc.params["document"].data)
    assert f"approved={want['approved']}; waiting={want['waiting']}; revisions={want['revisions']}" in keywords
    from tests.test_clients_review import pdf_text

    text = pdf_text(doc.params["document"].data)  # the PDF's text says the same
    for line in (f"Согласовано (сдано) единиц: {want['approved']}", f"Ждут решения сейчас: {want['waiting']}",
                 f"Правок: {want['revisions']}"):
        assert line in text, line
    assert doc.params["document"].filename == f"report-{alpha.id}-2026-11.pdf"
    # the client gets last month's report from /projects; never another project's
    clock.set(datetime(2026, 12, 2, 9, tzinfo=UTC))
    projects = h.messages(await h.send(CLIENT, "/projects"))[0]
    sent = await h.press(CLIENT, projects, projects.button("Отчёт за"))
    assert [m for m in sent if m.method == "SendDocument"]
    beta_id = alpha.id + 1
    sent = await h.press(CLIENT, projects, f"cl:rep:{beta_id}:")
    assert not [m for m in sent if m.method == "SendDocument"] and h.answers(sent)[0].params.get("show_alert")
    # a writer may not ask for it
    assert "недоступна" in h.messages(await h.send(WRITER, f"/client_report {alpha.id} 2026-11"))[0].text


def test_client_report_cli_writes_the_pdf(tmp_path, database_url, monkeypatch) -> None:
    import asyncio as aio
    from datetime import UTC, datetime

    from bot.__main__ import main
    from bot.db import Database
    from models.org import Department
    from models.reporting import Project

    async def seed() -> int:
        db = Database(database_url)
        now = datetime(2026, 11, 10, 9, tzinfo=UTC)
        async with db.session() as s, db.writing(s):
            d = Department(name="D", created_at=now)
            s.add(d)
            await s.flush()
            m = Member(telegram_id=5, display_name="W", role="writer", department_id=d.id, active=True,
                       unreachable=False, created_at=now)
            p = Project(name="Альфа", created_at=now)
            s.add_all([m, p])
            await s.flush()
            s.add(Unit(author_id=m.id, stream_id=1, project_id=p.id, title="t", state="approved", created_at=now,
                       updated_at=now, sent_at=now, approved_at=now))
            pid = p.id
        await db.dispose()
        return pid

    monkeypatch.setenv("DATABASE_URL", database_url)
    from tests.recording import BOT_TOKEN

    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.delenv("REDIS_URL", raising=False)
    pid = aio.run(seed())
    out = tmp_path / "report.pdf"
    assert main(["client-report", "--project", str(pid), "--month", "2026-11", "--out", str(out)]) == 0
    assert "approved=1; waiting=0; revisions=0" in pdf_keywords(out.read_bytes())
    from tests.test_clients_review import pdf_text

    assert "Отчёт по проекту «Альфа», ноябрь 2026" in pdf_text(out.read_bytes())
    assert main(["client-report", "--project", "999", "--month", "2026-11", "--out", str(out)]) == 1


async def test_monthly_client_reports_go_out_once_on_the_first_working_day(db, settings, clock) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.scheduling_helpers import add_units, make_jobs, make_team

    team = await make_team(db, writers=1)
    async with db.session() as s, db.writing(s):
        client = Member(telegram_id=901, display_name="Client Co", role="client", department_id=None, active=True,
                        unreachable=False, created_at=datetime(2026, 11, 1, tzinfo=UTC))
        s.add(client)
        await s.flush()
        s.add(ClientProject(member_id=client.id, project_id=team.project_id, added_at=datetime(2026, 11, 1,
                                                                                                 tzinfo=UTC)))
    await add_units(db, team.writers[0], team.project_id, 2, datetime(2026, 11, 10, 9, tzinfo=UTC),
                    state="approved")
    async with db.session() as s, db.writing(s):
        for u in await s.scalars(select(Unit)):
            u.approved_at = datetime(2026, 11, 11, 9, tzinfo=UTC)
    jobs, sender = make_jobs(db, settings, clock)
    first_day = datetime(2026, 12, 1, 6, 0, tzinfo=UTC) + timedelta(minutes=1)  # Tuesday 1 Dec, 09:01 Moscow
    await jobs.client_reports(first_day - timedelta(days=1))  # not the first working day
    assert sender.calls == []
    await jobs.client_reports(first_day)
    await jobs.client_reports(first_day + timedelta(minutes=5))  # once
    assert [c.chat_id for c in sender.calls] == [901, 901]  # the message and the PDF
    assert "Согласовано (сдано) единиц: 2" in sender.calls[0].text


# -- the decision notices go through the delivery log (claimed before the send, marked after) ---------------------
async def deliveries(db) -> list[tuple[int, str, str, str, int]]:
    from models.scheduling import Delivery

    async with db.session() as s:
        rows = await s.execute(select(Member.telegram_id, Delivery.kind, Delivery.period_key, Delivery.status,
                                      Delivery.attempts).join(Member, Member.id == Delivery.member_id)
                               .order_by(Delivery.id))
        return [tuple(r) for r in rows]


async def test_decision_notices_are_logged_deliveries_sent_once(harness: Harness, db) -> None:
    h = harness
    await setup(h, CLIENT, CLIENT2)
    sent = await report_and_send(h, "Alpha", "Logged")
    [c1], [c2] = to(CLIENT, sent), to(CLIENT2, sent)
    # a double press of two clients at once: one decision, one notice to the writer, one delivery
    results = await asyncio.gather(h.press(CLIENT, c1, c1.button("Согласовать")),
                                   h.press(CLIENT2, c2, c2.button("Согласовать")))
    told = [m for r in results for m in to(WRITER, r) if "согласовал" in m.text]
    assert len(told) == 1
    async with db.session() as s:
        decision = await s.scalar(select(ClientDecision.id))
    assert await deliveries(db) == [(WRITER.id, "client_told_approved", f"d{decision}", "sent", 1)]
    # a change request: the writer and their manager, each once, each logged
    sent = await report_and_send(h, "Alpha", "Logged 2")
    card = to(CLIENT, sent)[0]
    msg = h.messages(await h.press(CLIENT, card, card.button("Нужны правки")))[0]
    await h.press(CLIENT, msg, msg.button("Стиль"))
    sent = await h.send(CLIENT, "Поменяйте заголовок, он скучный")
    assert len(to(WRITER, sent)) == 1 and len(to(MANAGER, sent)) == 1
    logged = await deliveries(db)
    assert [(who, kind, status) for who, kind, _key, status, _n in logged[1:]] == [
        (WRITER.id, "client_told_changes", "sent"), (MANAGER.id, "client_told_mgr", "sent")]


async def test_a_claimed_notice_is_not_sent_again_and_a_restart_sends_an_unsent_one(harness: Harness, db, settings,
                                                                                    clock) -> None:
    from bot.i18n import Catalog
    from bot.sender import ONCE_TEXT, Sender
    from models.scheduling import Delivery
    from scheduler.jobs import Jobs
    from scheduler.render_pool import ChartRenderer

    h = harness
    await setup(h)
    async with db.session() as s:
        writer = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
    sender = Sender(h.bot, db, rate=1000, chat_interval=0)
    first = await sender.send_once(writer.id, WRITER.id, "Клиент согласовал #1", kind="client_told_approved",
                                   key="d1", at=clock.now())
    again = await sender.send_once(writer.id, WRITER.id, "Клиент согласовал #1", kind="client_told_approved",
                                   key="d1", at=clock.now())
    assert first is not None and first.ok and again is None
    assert [s.params["text"] for s in h.session.requests if s.method == "SendMessage"
            and "согласовал #1" in s.params["text"]] == ["Клиент согласовал #1"]
    # claimed, then the process stopped before the send: the next start sends it once, with its text
    async with db.session() as s, db.writing(s):
        s.add(Delivery(member_id=writer.id, kind="client_told_changes", period_key="d2", planned_at=clock.now(),
                       created_at=clock.now(), status="pending", attempts=0,
                       payload={ONCE_TEXT: "Клиент просит правки по #2"}))
    jobs = Jobs(db, settings, Catalog(), sender, ChartRenderer(max_workers=1, mode="thread"), clock)
    report = await jobs.recover(clock.now())
    assert [(x.kind, x.status) for x in report.sent] == [("client_told_changes", "sent")]
    assert [s.params["text"] for s in h.session.requests if s.method == "SendMessage"
            and "#2" in s.params["text"]] == ["Клиент просит правки по #2"]
    assert (await deliveries(db))[-1][2:4] == ("d2", "sent")


async def test_the_admins_client_card_pages_its_projects_within_telegrams_button_limit(harness: Harness, db) -> None:
    """A client of 120 projects: the card's Remove buttons come ui.PER_PAGE a page (Telegram allows 100 buttons
    a message; the card broke it at about 97 projects); a removal stays on its page."""
    from datetime import UTC, datetime

    from bot import ui
    from models.reporting import Project

    h = harness
    await setup(h, CLIENT)
    now = datetime(2026, 11, 16, tzinfo=UTC)
    async with db.session() as s, db.writing(s):
        client = await s.scalar(select(Member).where(Member.telegram_id == CLIENT.id))
        for i in range(120):
            p = Project(name=f"Проект {i:03d}", created_at=now)
            s.add(p)
            await s.flush()
            s.add(ClientProject(member_id=client.id, project_id=p.id, added_at=now))
    total = await count(db, ClientProject, ClientProject.member_id == client.id)  # 121 with Alpha
    members = h.messages(await h.send(ADMIN, "/members"))[0]
    section = h.messages(await h.press(ADMIN, members, members.button("Клиенты")))[0]
    card = h.messages(await h.press(ADMIN, section, section.button("Carl")))[0]
    pages = ui.pages_of(total)
    removes = [b for b, _ in card.buttons() if b.startswith("✕")]
    assert len(removes) == ui.PER_PAGE and len(card.buttons()) <= 100
    assert f"1/{pages}" in [b for b, _ in card.buttons()]
    assert len(card.text) <= 4096
    [forward] = [data for b, data in card.buttons() if b == "»"]
    card = h.messages(await h.press(ADMIN, card, forward))[0]
    assert f"2/{pages}" in [b for b, _ in card.buttons()]
    second = [b for b, _ in card.buttons() if b.startswith("✕")]
    assert second and not set(second) & set(removes)
    card = h.messages(await h.press(ADMIN, card, dict(card.buttons())[second[0]]))[0]
    assert await count(db, ClientProject, ClientProject.member_id == client.id) == total - 1
    pages = ui.pages_of(total - 1)
    assert f"2/{pages}" in [b for b, _ in card.buttons()]  # still on the second page
    assert second[0] not in [b for b, _ in card.buttons()]
    # the last page
    last = h.messages(await h.press(ADMIN, card, f"cla:open:{client.id}:0:{pages - 1}"))[0]
    assert f"{pages}/{pages}" in [b for b, _ in last.buttons()]
    assert 1 <= len([b for b, _ in last.buttons() if b.startswith("✕")]) <= ui.PER_PAGE
