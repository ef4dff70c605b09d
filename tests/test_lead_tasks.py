"""Issue 12, the gaps between leads and tasks: the foreign key of ``tasks.lead_id`` (migration 0016), a task
linked to a lead from the lead card and by ``/task L45 …``, the lead card's next steps, the morning agenda's
leads without a next step, the hand-off task for the taker, and the funnel counters."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, delete, inspect, select

from bot.callbacks import TaskCb
from bot.domain.deadlines import add_working_hours
from bot.i18n import Catalog
from bot.migrate import alembic_config, upgrade
from bot.sender import Sender
from models import Base
from models.leads import Lead, LeadHandoff
from models.org import Member
from models.tasks import DONE, Task
from scheduler.jobs import Jobs
from scheduler.render_pool import ChartRenderer
from tests.recording import Harness, Sent
from tests.test_leads import ADMIN, OTHER, SALES1, SALES2, WRITER, lead_by_name, one_line, settings, setup, to

_ = settings  # the leads tests' settings fixture (admins, charts in a thread)


def test_migration_0016_adds_the_lead_foreign_key_on_sqlite_and_back() -> None:
    """0011 → 0016 on SQLite (batch mode copies the table, rows kept; a dangling lead id is unlinked), the
    constraint is there and matches the models, and the downgrade drops it again."""
    import sqlite3

    from alembic.autogenerate import compare_metadata

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url, "0011")
        con = sqlite3.connect(path)
        con.execute("INSERT INTO departments (id, name, created_at) VALUES (1, 'd', '2026-01-01 00:00:00')")
        con.execute("INSERT INTO members (id, telegram_id, display_name, role, department_id, active, unreachable,"
                    " created_at) VALUES (1, 10, 'm', 'admin', 1, 1, 0, '2026-01-01 00:00:00')")
        con.execute("INSERT INTO tasks (id, title, creator_id, assignee_id, due_at, status, lead_id, created_at,"
                    " updated_at) VALUES (1, 'x', 1, 1, '2026-01-02 00:00:00', 'open', 999, '2026-01-01 00:00:00',"
                    " '2026-01-01 00:00:00')")
        con.commit()
        con.close()
        upgrade(url)
        engine = create_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            fks = inspect(conn).get_foreign_keys("tasks")
            lead_fk = [fk for fk in fks if fk["referred_table"] == "leads"]
            assert lead_fk and lead_fk[0]["constrained_columns"] == ["lead_id"]
            assert lead_fk[0]["options"].get("ondelete") == "SET NULL"
            assert conn.exec_driver_sql("SELECT title, lead_id FROM tasks").all() == [("x", None)]
            diff = [d for d in compare_metadata(MigrationContext.configure(conn), Base.metadata)
                    if "tasks" in repr(d) and "lead" in repr(d)]
            assert diff == []
        command.downgrade(alembic_config(url), "0011")
        with engine.connect() as conn:
            assert not [fk for fk in inspect(conn).get_foreign_keys("tasks") if fk["referred_table"] == "leads"]
            assert conn.exec_driver_sql("SELECT count(*) FROM tasks").scalar() == 1
        engine.dispose()



# -- helpers --------------------------------------------------------------------------------------------------------
async def tasks_of(db, lead_id: int | None = None) -> list[Task]:
    async with db.session() as s:
        q = select(Task).order_by(Task.id)
        if lead_id is not None:
            q = q.where(Task.lead_id == lead_id)
        return list(await s.scalars(q))


def alerts(sent: list[Sent]) -> list[str]:
    return [a.params.get("text") or "" for a in Harness.answers(sent)]


def jobs_for(h: Harness, db, settings, clock) -> Jobs:
    return Jobs(db, settings, Catalog(), Sender(h.bot, db, rate=1000, chat_interval=0),
                ChartRenderer(max_workers=1, mode="thread"), clock)


# -- the lead card's next step --------------------------------------------------------------------------------------
async def test_next_step_button_starts_the_task_flow_with_the_lead_linked(harness: Harness, db) -> None:
    h = harness
    await setup(h, db, sales=False)
    card = await one_line(h, WRITER, "Анна Шагова +7 916 123-45-67")
    lead = await lead_by_name(db, "Анна Шагова")
    assert "Нет следующего шага" in card.text
    ask = h.messages(await h.press(WRITER, card, card.button("Следующий шаг")))[-1]
    assert f"лиду #{lead.id}" in ask.text and "Анна Шагова" in ask.text
    await h.send(WRITER, "Позвонить & уточнить <цену>")
    repeat = h.messages(await h.send(WRITER, "завтра 15:00"))[-1]
    done = h.messages(await h.press(WRITER, repeat, repeat.button("Один раз")))[-1]
    assert "Задача создана" in done.text and f"По лиду #{lead.id}" in done.text
    [task] = await tasks_of(db, lead.id)
    assert task.title == "Позвонить & уточнить <цену>" and task.assignee_id == lead.owner_id
    # a double press of the same Save creates nothing more
    await h.press(WRITER, repeat, repeat.button("Один раз"))
    assert len(await tasks_of(db, lead.id)) == 1
    # the card shows its next step (due in the viewer's zone: Moscow), the warning is gone
    card = await one_line(h, WRITER, str(lead.id))
    assert "Следующий шаг:" in card.text and "17.11 15:00" in card.text and "Нет следующего шага" not in card.text
    assert "Позвонить &amp; уточнить &lt;цену&gt;" in card.text  # escaped: HTML stays valid
    # a done task is no next step any more
    async with db.session() as s:
        row = await s.get(Task, task.id)
        row.status = DONE
        await s.commit()
    assert "Нет следующего шага" in (await one_line(h, WRITER, str(lead.id))).text


async def test_one_line_task_with_a_lead_reference_and_who_may_link(harness: Harness, db) -> None:
    h = harness
    await setup(h, db, sales=False)
    await one_line(h, WRITER, "Борис Строчный +7 916 765-43-21")
    lead = await lead_by_name(db, "Борис Строчный")
    card = h.messages(await h.send(WRITER, f"/task L{lead.id} Отправить прайс завтра 10:00"))[-1]
    assert f"По лиду #{lead.id}" in card.text
    card = h.messages(await h.send(WRITER, f"/task Л{lead.id} Перезвонить послезавтра 11:00"))[-1]  # Cyrillic Л
    assert f"По лиду #{lead.id}" in card.text
    assert [t.title for t in await tasks_of(db, lead.id)] == ["Отправить прайс", "Перезвонить"]
    # the admin sees the whole lead: may link; another department's writer sees the name only: may not
    assert f"По лиду #{lead.id}" in h.messages(await h.send(ADMIN, f"/task L{lead.id} Проверить завтра 12:00"))[-1].text
    refused = h.messages(await h.send(OTHER, f"/task L{lead.id} Позвонить завтра 10:00"))[-1].text
    assert f"Лид #{lead.id} не найден" in refused
    missing = h.messages(await h.send(WRITER, "/task L99999 Позвонить завтра 10:00"))[-1].text
    assert "Лид #99999 не найден" in missing
    assert len(await tasks_of(db, lead.id)) == 3 and len(await tasks_of(db)) == 3
    # the other writer's card: no next steps (a task title names the client) and no button
    other = await one_line(h, OTHER, str(lead.id))
    assert "Отправить прайс" not in other.text and "Следующий шаг" not in str(other.buttons())
    # a forged Next step button: refused, no form started
    sent = await h.press(OTHER, other, TaskCb(a="nl", id=lead.id).pack())
    assert any("не найден" in a for a in alerts(sent)) and not to(OTHER, sent)[1:]
    await h.send(OTHER, "Что-то сделать")  # not a task title: no form is waiting
    assert len(await tasks_of(db)) == 3
    # an out-of-range lead id in a button is an outdated button
    sent = await h.press(WRITER, other, "tk:nl:99999999999:0:")
    assert any("устарел" in a for a in alerts(sent))


async def test_a_deleted_lead_unlinks_its_tasks(harness: Harness, db) -> None:
    h = harness
    await setup(h, db, sales=False)
    await one_line(h, WRITER, "Удаляемый Лид +7 916 111-22-33")
    lead = await lead_by_name(db, "Удаляемый Лид")
    await h.send(WRITER, f"/task L{lead.id} Позвонить завтра 10:00")
    async with db.session() as s:
        await s.execute(delete(Lead).where(Lead.id == lead.id))
        await s.commit()
    [task] = await tasks_of(db)
    assert task.lead_id is None and task.title == "Позвонить"  # ON DELETE SET NULL: the task stays
    async with db.session() as s:  # and the constraint refuses a lead that does not exist
        s.add(Task(title="x", creator_id=task.creator_id, assignee_id=task.assignee_id, due_at=task.due_at,
                   status="open", lead_id=424242, created_at=task.created_at, updated_at=task.updated_at))
        try:
            await s.commit()
        except Exception as exc:  # IntegrityError on both backends
            assert "foreign" in str(exc).lower() or "FOREIGN" in str(exc)
        else:
            raise AssertionError("a task linked to a missing lead was stored")


# -- the morning agenda: leads without a next step ---------------------------------------------------------------------
def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def test_agenda_lists_leads_without_a_next_step(harness: Harness, db, settings, clock) -> None:
    h = harness
    await setup(h, db, sales=False)
    await one_line(h, WRITER, "Без Шага +7 916 000-00-01")
    await one_line(h, WRITER, "С Шагом +7 916 000-00-02")
    won = await one_line(h, WRITER, "Выигран +7 916 000-00-03")
    h.messages(await h.press(WRITER, won, won.button("Успешно")))
    with_step = await lead_by_name(db, "С Шагом")
    await h.send(WRITER, f"/task L{with_step.id} Отправить договор 20.11 10:00")  # a step, not due tomorrow
    await one_line(h, OTHER, "Чужой Лид +7 916 000-00-04")
    jobs = jobs_for(h, db, settings, clock)

    async def agenda(at: datetime) -> list[Sent]:
        clock.set(at)
        start = len(h.session.requests)
        await jobs.task_agenda(at)
        return h.session.requests[start:]

    sent = await agenda(utc(17, 6))  # Tuesday 09:00 Moscow
    [msg] = to(WRITER, sent)
    assert "Лиды без следующего шага (1)" in msg.text and "Без Шага" in msg.text
    assert "С Шагом" not in msg.text and "Выигран" not in msg.text and "Чужой" not in msg.text
    assert "Отправить договор" not in msg.text  # not due today
    [other] = to(OTHER, sent)  # the other writer's own lead
    assert "Чужой Лид" in other.text and "Без Шага" not in other.text
    assert not to(ADMIN, sent)  # no leads, no tasks: nothing to say
    assert not to(WRITER, await agenda(utc(17, 7)))  # once a day
    # every lead gets its step: the next morning says nothing about leads
    lead = await lead_by_name(db, "Без Шага")
    await h.send(WRITER, f"/task L{lead.id} Написать 25.11 10:00")
    await h.send(OTHER, "/tasks")
    chuzhoy = await lead_by_name(db, "Чужой Лид")
    await h.send(OTHER, f"/task L{chuzhoy.id} Позвонить 25.11 10:00")
    assert not to(WRITER, await agenda(utc(18, 6))) and not to(OTHER, await agenda(utc(18, 6, 5)))


async def test_agenda_fits_one_message_with_many_leads_in_english(harness: Harness, db, settings, clock) -> None:
    from bot.text import TEXT_LIMIT, visible_len
    from tests.test_leads import ENGLISH, invite

    h = harness
    await setup(h, db, sales=False)
    await invite(h, ENGLISH, "автор", "Общий отдел")
    for i in range(25):
        await one_line(h, ENGLISH, f"{'Long Name ' * 15}N{i} +7 916 300-00-{i:02d}")
    jobs = jobs_for(h, db, settings, clock)
    clock.set(utc(17, 6))
    start = len(h.session.requests)
    await jobs.task_agenda(utc(17, 6))
    [msg] = to(ENGLISH, h.session.requests[start:])
    assert "Leads without a next step (25)" in msg.text and "and 15 more" in msg.text
    assert visible_len(msg.text) <= TEXT_LIMIT and "Next step" in msg.text


# -- the hand-off task ------------------------------------------------------------------------------------------------
async def test_taking_a_lead_gives_the_taker_a_task_once(harness: Harness, db, settings) -> None:
    h = harness
    await setup(h, db)
    card = await one_line(h, WRITER, "Передаваемый Лид +7 916 555-44-33")
    card = h.messages(await h.press(WRITER, card, card.button("Тёплый лид")))[-1]
    sent = await h.press(WRITER, card, card.button("Заявка"))
    take1, take2 = to(SALES1, sent)[0], to(SALES2, sent)[0]
    await asyncio.gather(h.press(SALES1, take1, take1.button("Беру")), h.press(SALES2, take2, take2.button("Беру")))
    lead = await lead_by_name(db, "Передаваемый Лид")
    async with db.session() as s:
        handoff = await s.scalar(select(LeadHandoff).where(LeadHandoff.lead_id == lead.id))
        taker = await s.get(Member, handoff.taken_by)
    [task] = await tasks_of(db, lead.id)  # one task, for the one who took it
    assert task.assignee_id == task.creator_id == taker.id == lead.owner_id
    assert task.title == "Связаться с клиентом: Передаваемый Лид" and task.status == "open"
    assert task.due_at == add_working_hours(handoff.taken_at, settings.handoff_sla_hours, settings.timezone,
                                            settings.holiday_country)
    assert task.due_at > handoff.taken_at
    person = SALES1 if taker.telegram_id == SALES1.id else SALES2
    card = await one_line(h, person, str(lead.id))
    assert "Следующий шаг:" in card.text and "Связаться с клиентом" in card.text
    # a later press creates nothing
    await h.press(person, take1, take1.button("Беру"))
    assert len(await tasks_of(db, lead.id)) == 1
