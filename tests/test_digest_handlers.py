"""/digest and the digest preferences screen through the production dispatcher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.config import Settings
from models.scheduling import DigestPreference
from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person
from tests.scheduling_helpers import add_units, at_msk, make_team


@pytest.fixture(autouse=True, params=["few ids", "many ids"])
def member_filter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test twice: member ids in ``IN (...)``, and as over an admin's hundreds of members (the
    period's rows of everyone read and filtered in Python, ``models.base.MANY_IDS``): the same results."""
    if request.param == "many ids":
        monkeypatch.setattr("models.base.MANY_IDS", 0)

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga")
MANAGER = Person(100, "Max")
WRITER = Person(200, "Ann")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"chart_mode": "thread", "chart_workers": 1})


@pytest.fixture
async def h(harness: Harness) -> AsyncIterator[Harness]:
    yield harness
    harness.dp.workflow_data["renderer"].shutdown()


async def test_digest_now_for_manager_and_admin(h: Harness, db) -> None:
    team = await make_team(db, writers=3)
    await add_units(db, team.writers[0], team.project_id, 7, at_msk(12, 12))
    await h.send(ADMIN, "/start")
    for person in (MANAGER, ADMIN):
        sent = await h.send(person, "/digest")
        albums = [s for s in sent if s.method == "SendMediaGroup"]
        assert len(albums) == 1, [s.method for s in sent]
        media = albums[0].params["media"]
        assert len(media) == 2 and "Дайджест на 16.11.2026" in media[0].caption
        assert "Автор &lt;1&gt; &amp; Co" in media[0].caption


async def test_digest_refused_for_writer_and_empty_scope(h: Harness, db) -> None:
    await make_team(db, writers=1, plan=0)
    sent = await h.send(WRITER, "/digest")
    assert h.messages(sent)[0].text == "Эта команда вам недоступна."
    sent = await h.send(MANAGER, "/digest")
    assert "нет планов" in h.messages(sent)[0].text


async def test_preferences_from_settings(h: Harness, db) -> None:
    team = await make_team(db, writers=1)
    sent = await h.send(MANAGER, "/settings")
    menu = h.messages(sent)[0]
    sent = await h.press(MANAGER, menu, menu.button("Дайджесты"))
    screen = h.messages(sent)[0]
    assert "Ежедневный (рабочие дни): да" in screen.text and "09:00" in screen.text
    sent = await h.press(MANAGER, screen, screen.button("Ежедневный"))
    assert h.answers(sent)[0].params.get("text") == "Сохранено"
    assert "Ежедневный (рабочие дни): нет" in h.messages(sent)[0].text
    sent = await h.press(MANAGER, screen, screen.button("10:00"))
    assert "10:00" in h.messages(sent)[0].text
    sent = await h.send(MANAGER, "/digest time 8:45")
    assert "08:45" in h.messages(sent)[0].text
    sent = await h.send(MANAGER, "/digest time 25:00")
    assert "/digest time" in h.messages(sent)[0].text
    async with db.session() as s:
        row = await s.scalar(select(DigestPreference).where(DigestPreference.member_id == team.manager.id))
        assert (row.daily, row.weekly, row.monthly, row.daily_time) == (False, True, True, "08:45")
    # writers see no Digests button, and a forged callback is refused with an alert
    writer_menu = h.messages(await h.send(WRITER, "/settings"))[0]
    assert all("Дайджесты" not in text for text, _ in writer_menu.buttons())
    sent = await h.press(WRITER, writer_menu, "dg:toggle:daily")
    assert h.answers(sent)[0].params["show_alert"] is True


async def test_digest_now_that_telegram_refuses_is_reported(h: Harness, db, monkeypatch) -> None:
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.methods import SendMediaGroup

    team = await make_team(db, writers=2)
    await add_units(db, team.writers[0], team.project_id, 3, at_msk(12, 12))
    original = h.session.make_request

    async def refuse_albums(bot, method, timeout=None):  # noqa: ASYNC109
        if isinstance(method, SendMediaGroup):
            raise TelegramBadRequest(method=method, message="Bad Request: IMAGE_PROCESS_FAILED")
        return await original(bot, method, timeout)

    monkeypatch.setattr(h.session, "make_request", refuse_albums)
    sent = await h.send(MANAGER, "/digest")
    assert "Не получилось отправить дайджест" in h.messages(sent)[-1].text


async def test_digest_data_statements_do_not_grow_with_the_team(db, settings: Settings, clock) -> None:
    """The data of each digest kind is read in a fixed number of statements, for a manager's team and for
    everyone, however many people and projects (issue 9: round trips are what a busy PostgreSQL makes
    wait): daily 3, weekly 8 (with the funnel and courses sections), monthly 5."""
    from sqlalchemy import event

    from bot.i18n import Catalog
    from bot.services import build_services
    from scheduler import digest as dg

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    t = Catalog().translator("ru")

    async def counts() -> dict[tuple[str, str], int]:
        out = {}
        async with db.session() as s:
            manager = await s.scalar(select(Member).where(Member.role == "manager").order_by(Member.id).limit(1))
            scopes = {"manager": await dg.scope_of(s, manager), "admin": dg.Scope(None)}
        for who, scope in scopes.items():
            for kind in (dg.DAILY, dg.WEEKLY, dg.MONTHLY):
                async with db.session() as s:
                    ratings = build_services(s, db, settings, clock).ratings
                    statements.clear()
                    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
                    try:
                        plan = await dg.build(s, settings, t, scope, kind, clock.now(), ratings=ratings)
                    finally:
                        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
                    assert not plan.empty
                    out[(who, kind)] = len(statements)
        return out

    from models.org import Member

    team = await make_team(db, writers=2)
    await add_units(db, team.writers[0], team.project_id, 3, at_msk(12, 12))
    await add_units(db, team.writers[0], team.project_id, 2, datetime(2026, 10, 20, 9, tzinfo=UTC))
    await counts()  # the row cache warms up (streams: one statement per minute, not per digest)
    small = await counts()
    bigger = await make_team(db, writers=9, manager_tid=101, dept_name="Второй", first_writer_tid=300)
    for i, w in enumerate(bigger.writers):
        await add_units(db, w, bigger.project_id, 1 + i, at_msk(10 + i % 5, 11))
        await add_units(db, w, bigger.project_id, 1, datetime(2026, 10, 14, 9, tzinfo=UTC))
    assert await counts() == small
    budget = {dg.DAILY: 3, dg.WEEKLY: 8, dg.MONTHLY: 5}
    assert all(n <= budget[kind] for (_who, kind), n in small.items()), small
