"""Tasks through the production dispatcher with a controlled clock: /task (one line and the flow), the reminder
at the due time with Done / +1 hour / Tomorrow (scheduler job through the one sender and the delivery log),
the overdue reminder and the creator's manager told once, recurring tasks, /tasks, the morning agenda, an
English-speaking member, bad due times, forged and doubled buttons."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.i18n import Catalog
from bot.sender import Sender
from models.org import AuditEntry, Member
from models.scheduling import Delivery
from models.tasks import Task
from scheduler.jobs import Jobs
from scheduler.render_pool import ChartRenderer
from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person, Sent
from tests.test_onboarding import invite_link

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga")
WRITER = Person(2, "Anna", "Petrova", "anna")
MANAGER = Person(4, "Max", "Bossov", "maxboss")
OTHER = Person(5, "Oleg", "Other", "oleg")  # a writer of another department
ENGLISH = Person(6, "Emma", "Stone", "emma", language_code="en")

# the harness clock: Monday 16 Nov 2026, 09:00 UTC = 12:00 Moscow


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def setup(h: Harness, *, english: bool = False) -> None:
    await h.send(ADMIN, "/start")
    await h.send(WRITER, f"/start {await invite_link(h, ADMIN)}")
    await h.send(MANAGER, f"/start {await invite_link(h, ADMIN, 'руководитель')}")
    await h.send(ADMIN, "/departments add Other")
    msg = h.messages(await h.send(ADMIN, "/invite"))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("автор")))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("Other")))[0]
    await h.send(OTHER, "/start " + msg.text.split("start=")[1].split()[0])
    if english:
        await h.send(ENGLISH, f"/start {await invite_link(h, ADMIN)}")


def jobs_for(h: Harness, db, settings, clock) -> Jobs:
    """The scheduler's jobs sending through a real Sender bound to the harness bot (requests recorded)."""
    sender = Sender(h.bot, db, rate=1000, chat_interval=0)
    return Jobs(db, settings, Catalog(), sender, ChartRenderer(max_workers=1, mode="thread"), clock)


async def remind(h: Harness, jobs: Jobs, clock, at: datetime) -> list[Sent]:
    clock.set(at)
    start = len(h.session.requests)
    await jobs.task_reminders(at)
    return [s for s in h.session.requests[start:] if s.method == "SendMessage"]


def to(person: Person, sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.method in ("SendMessage", "EditMessageText") and s.params.get("chat_id") == person.id]


async def tasks(db) -> list[Task]:
    async with db.session() as s:
        return list(await s.scalars(select(Task).order_by(Task.id)))


async def member(db, person: Person) -> Member:
    async with db.session() as s:
        return await s.scalar(select(Member).where(Member.telegram_id == person.id))


def alert(sent: list[Sent]) -> str:
    [answer] = Harness.answers(sent)
    return answer.params.get("text") or ""


async def test_one_line_task_reminds_at_its_time_plus_hour_moves_it_done_records_once(harness: Harness, db, settings,
                                                                                     clock) -> None:
    h = harness
    await setup(h)
    card = h.messages(await h.send(WRITER, "/task Позвонить Анне сегодня 15:00"))[0]
    assert "Позвонить Анне" in card.text and "16.11 15:00" in card.text and "Задача создана" in card.text
    [task] = await tasks(db)
    assert task.due_at == utc(16, 12) and task.assignee_id == task.creator_id == (await member(db, WRITER)).id
    jobs = jobs_for(h, db, settings, clock)
    assert await remind(h, jobs, clock, utc(16, 11, 59)) == []
    clock.set(utc(16, 12))
    start = len(h.session.requests)
    await jobs.tick(utc(16, 12))  # the minute's tick runs the task reminders
    [reminder] = to(WRITER, h.session.requests[start:])  # (no agenda: the task came after the morning)
    assert "Напоминание" in reminder.text and "Позвонить Анне" in reminder.text
    assert {b for b, _ in reminder.buttons()} == {"✅ Готово", "+1 час", "Завтра"}
    assert await remind(h, jobs, clock, utc(16, 12, 1)) == []  # exactly once
    # +1 hour (pressed at 12:01 UTC: an hour from now) moves it; the reminder comes again at the new time, once
    sent = await h.press(WRITER, reminder, reminder.button("+1 час"))
    assert "Перенесено на 16.11 16:01" in h.messages(sent)[0].text
    assert (await tasks(db))[0].due_at == utc(16, 13, 1)
    assert await remind(h, jobs, clock, utc(16, 13)) == []
    [again] = to(WRITER, await remind(h, jobs, clock, utc(16, 13, 1)))
    assert await remind(h, jobs, clock, utc(16, 13, 2)) == []
    # Done twice (a double press, and two at once) records one completion
    start = len(h.session.requests)
    await asyncio.gather(h.press(WRITER, again, again.button("Готово")),
                         h.press(WRITER, again, again.button("Готово")))
    answers = sorted(a.params.get("text") or "" for a in h.answers(h.session.requests[start:]))
    assert answers == ["Задача уже выполнена.", "Отмечено: выполнено"]
    third = await h.press(WRITER, again, again.button("Готово"))
    [done] = await tasks(db)
    assert done.status == "done" and done.done_at == utc(16, 13, 2)
    assert "уже выполнена" in alert(third)
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "task.done")) == 1
    # a done task is reminded of no more (its overdue reminder is not sent)
    assert await remind(h, jobs, clock, utc(16, 17, 30)) == []


async def test_overdue_reminded_once_then_the_creators_manager_once(harness: Harness, db, settings, clock) -> None:
    h = harness
    await setup(h)
    await h.send(WRITER, "/task Отчёт по статистике сегодня 13:00")  # 10:00 UTC
    jobs = jobs_for(h, db, settings, clock)
    assert settings.task_overdue_hours == 4
    assert [s.params["chat_id"] for s in await remind(h, jobs, clock, utc(16, 10))] == [WRITER.id]
    assert await remind(h, jobs, clock, utc(16, 13, 59)) == []
    [overdue] = await remind(h, jobs, clock, utc(16, 14))  # 4 h later: the assignee, once more
    assert overdue.params["chat_id"] == WRITER.id and "просрочена" in overdue.text and overdue.buttons()
    assert await remind(h, jobs, clock, utc(16, 15)) == []
    # twice the hours is 18:00 UTC = 21:00 Moscow: outside NOTIFY_HOURS, so the next morning
    assert await remind(h, jobs, clock, utc(16, 18, 30)) == []
    [told] = await remind(h, jobs, clock, utc(17, 6))
    assert told.params["chat_id"] == MANAGER.id
    assert "Отчёт по статистике" in told.text and "Anna" in told.text and "просрочена на 20 ч" in told.text
    assert await remind(h, jobs, clock, utc(17, 7)) == []
    assert await remind(h, jobs, clock, utc(17, 12)) == []
    async with db.session() as s:
        kinds = [d.kind for d in await s.scalars(select(Delivery).where(Delivery.kind.like("task_%"))
                                                 .order_by(Delivery.id))]
    assert kinds == ["task_due", "task_overdue", "task_escalate"]


async def test_manager_flow_assigns_in_their_department_and_a_daily_task_recurs(harness: Harness, db, settings,
                                                                              clock) -> None:
    h = harness
    await setup(h)
    assert "Что нужно сделать" in h.messages(await h.send(MANAGER, "/task"))[0].text
    await h.send(MANAGER, "Собрать статистику за неделю")
    bad = h.messages(await h.send(MANAGER, "когда-нибудь"))[0].text
    assert "Не понял срок" in bad and "через 2 часа" in bad and "2026-12-25 10:00" in bad
    past = h.messages(await h.send(MANAGER, "сегодня 08:00"))[0].text
    assert "уже прошёл" in past
    pick = h.messages(await h.send(MANAGER, "завтра 10:00"))[0]
    names = [b for b, _ in pick.buttons()]
    assert "Мне" in names and any("Anna" in n for n in names) and not any("Oleg" in n for n in names)
    repeat = h.messages(await h.press(MANAGER, pick, pick.button("Anna")))[0]
    data = repeat.button("Каждый рабочий день")
    sent = await h.press(MANAGER, repeat, data)
    card = to(MANAGER, sent)[0]
    assert "Задача создана" in card.text and "Каждый рабочий день" in card.text
    [told] = to(WRITER, sent)
    assert "Вам поставили задачу" in told.text and "Max" in told.text and told.buttons()
    again = await h.press(MANAGER, repeat, data)  # a second press of Save: the same task
    assert len(await tasks(db)) == 1 and not to(WRITER, again)
    [task] = await tasks(db)
    assert task.recurrence == "workdays" and task.due_at == utc(17, 7)
    assert task.assignee_id == (await member(db, WRITER)).id
    assert task.creator_id == (await member(db, MANAGER)).id
    # done on Friday evening: the next one is Monday 10:00 (working days only)
    clock.set(utc(20, 15))
    await h.press(WRITER, told, told.button("Готово"))
    first, nxt = await tasks(db)
    assert first.status == "done" and nxt.status == "open" and nxt.recurrence == "workdays"
    assert nxt.due_at == utc(23, 7) and nxt.assignee_id == first.assignee_id and nxt.title == first.title


async def test_weekly_task_next_occurrence(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(WRITER, "/task")
    await h.send(WRITER, "Еженедельная статистика")
    repeat = h.messages(await h.send(WRITER, "завтра 11:00"))[0]  # a writer: no assignee step
    assert "Повторять" in repeat.text
    card = to(WRITER, await h.press(WRITER, repeat, repeat.button("Каждую неделю")))[0]
    await h.press(WRITER, card, card.button("Готово"))
    first, nxt = await tasks(db)
    assert nxt.due_at - first.due_at == timedelta(days=7) and nxt.recurrence == "week"


async def test_forged_buttons_change_nothing(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(WRITER, "/task Задача Анны завтра 12:00")
    [task] = await tasks(db)
    other = await member(db, OTHER)
    # another department's writer presses (forged) Done, +1 hour, Tomorrow, open, move on Anna's task
    for action in ("done", "h1", "tm", "op", "mv"):
        sent = await h.press(OTHER, Sent("x", {}), f"tk:{action}:{task.id}:0:")
        assert "не найдена" in alert(sent)
    # a writer may not reassign; a manager may not reassign to another department's member
    assert "недоступна" in alert(await h.press(WRITER, Sent("x", {}), f"tk:to:{task.id}:{other.id}:"))
    assert "недоступна" in alert(await h.press(WRITER, Sent("x", {}), f"tk:ra:{task.id}:0:"))
    assert "недоступна" in alert(await h.press(MANAGER, Sent("x", {}), f"tk:to:{task.id}:{other.id}:"))
    # nor pick them in the /task flow
    await h.send(MANAGER, "/task")
    await h.send(MANAGER, "Чужая задача")
    pick = h.messages(await h.send(MANAGER, "завтра 10:00"))[0]
    assert "недоступна" in alert(await h.press(MANAGER, pick, f"tk:as:0:{other.id}:"))
    # a manager of another department may not complete a task of Oleg's (nor see it)
    await h.send(OTHER, "/task Задача Олега завтра 12:00")
    olegs = (await tasks(db))[-1]
    assert "не найдена" in alert(await h.press(MANAGER, Sent("x", {}), f"tk:done:{olegs.id}:0:"))
    assert "не найдена" in alert(await h.press(MANAGER, Sent("x", {}), f"tk:ra:{olegs.id}:0:"))
    assert "Задача Олега" not in h.messages(await h.send(MANAGER, "/tasks"))[0].text
        # out-of-range or malformed data is an outdated button
    assert "устарела" in alert(await h.press(WRITER, Sent("x", {}), "tk:done:99999999999:0:"))
    after = (await tasks(db))[0]
    assert (after.status, after.due_at, after.assignee_id) == (task.status, task.due_at, task.assignee_id)
    assert (await tasks(db))[-1].status == "open"
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(["task.done", "task.moved", "task.reassigned"]))) == 0


async def test_tasks_overview_move_and_reassign(harness: Harness, db, clock) -> None:
    h = harness
    await setup(h)
    await h.send(WRITER, "/task Старая задача сегодня 13:00")
    await h.send(WRITER, "/task Сегодняшняя сегодня 18:00")
    await h.send(WRITER, "/task Будущая 25.11 10:00")
    await h.send(WRITER, "/task Сделанная сегодня 14:00")
    done_card = h.messages(await h.send(WRITER, "/tasks"))[0]
    clock.set(utc(16, 11))  # 14:00 Moscow: the first is overdue now
    opened = h.messages(await h.press(WRITER, done_card, done_card.button("Сделанная")))[0]
    assert "👤" not in " ".join(b for b, _ in opened.buttons())  # no reassign for a writer
    await h.press(WRITER, opened, opened.button("Готово"))
    overview = h.messages(await h.send(WRITER, "/tasks"))[0].text
    parts = overview.split("\n\n")
    assert "Просрочены (1)" in parts[1] and "Старая задача" in parts[1]
    assert "Сегодня (1)" in parts[2] and "Сегодняшняя" in parts[2]
    assert "Предстоящие (1)" in parts[3] and "Будущая" in parts[3]
    assert "Выполнены сегодня (1)" in parts[4] and "Сделанная" in parts[4]
    # another time, typed
    listing = h.messages(await h.send(WRITER, "/tasks"))[0]
    card = h.messages(await h.press(WRITER, listing, listing.button("Старая")))[0]
    ask = h.messages(await h.press(WRITER, card, card.button("Другое время")))[0]
    assert "новый срок" in ask.text
    assert "Не понял" in h.messages(await h.send(WRITER, "потом"))[0].text
    moved = h.messages(await h.send(WRITER, "завтра 09:30"))[0]
    assert "Перенесено на 17.11 09:30" in moved.text
    # the manager reassigns Anna's task to the other member of their department (themselves here)
    listing = h.messages(await h.send(MANAGER, "/tasks"))[0]
    assert "Старая" not in listing.text  # not theirs: /tasks is their own
    old = next(x for x in await tasks(db) if x.title == "Старая задача")
    card = h.messages(await h.press(MANAGER, listing, f"tk:op:{old.id}:0:"))[0]
    choose = h.messages(await h.press(MANAGER, card, card.button("Передать")))[0]
    names = [b for b, _ in choose.buttons()]
    assert any("Max" in n for n in names) and not any("Oleg" in n for n in names)
    await h.press(MANAGER, choose, choose.button("Max"))
    assert next(x for x in await tasks(db) if x.title == "Старая задача").assignee_id == (await member(db, MANAGER)).id


async def test_morning_agenda_once_on_working_days(harness: Harness, db, settings, clock) -> None:
    h = harness
    await setup(h)
    await h.send(WRITER, "/task Вчерашняя сегодня 13:00")
    await h.send(WRITER, "/task На завтра завтра 12:00")
    await h.send(WRITER, "/task Послезавтра 18.11 12:00")
    jobs = jobs_for(h, db, settings, clock)

    async def agenda(at: datetime) -> list[Sent]:
        clock.set(at)
        start = len(h.session.requests)
        await jobs.task_agenda(at)
        return to(WRITER, h.session.requests[start:])

    assert await agenda(utc(17, 5, 59)) == []  # before 09:00 Moscow
    [msg] = await agenda(utc(17, 6))
    assert "План на сегодня" in msg.text
    overdue, today = msg.text.split("\n\n")[1:3]
    assert "Просрочены (1)" in overdue and "Вчерашняя" in overdue
    assert "На сегодня (1)" in today and "На завтра" in today and "Послезавтра" not in msg.text
    assert await agenda(utc(17, 7)) == []  # once a day
    # Saturday: no agenda
    await h.send(WRITER, "/task В субботу 21.11 12:00")
    assert await agenda(utc(21, 6)) == []


async def test_english_member(harness: Harness, db, settings, clock) -> None:
    h = harness
    await setup(h, english=True)
    bad = h.messages(await h.send(ENGLISH, "/task Call Anna someday"))[0].text
    assert "could not read the due time" in bad and "in 2 hours" in bad and "tomorrow 15:00" in bad
    past = h.messages(await h.send(ENGLISH, "/task Call Anna today 08:00"))[0].text
    assert "has passed" in past
    card = h.messages(await h.send(ENGLISH, "/task Call Anna in 2 hours"))[0]
    assert "Task created" in card.text and "16.11 14:00" in card.text
    jobs = jobs_for(h, db, settings, clock)
    [reminder] = to(ENGLISH, await remind(h, jobs, clock, utc(16, 11)))
    assert "Reminder" in reminder.text and {b for b, _ in reminder.buttons()} == {"✅ Done", "+1 hour", "Tomorrow"}
    sent = await h.press(ENGLISH, reminder, reminder.button("Tomorrow"))
    assert "Moved to 17.11 14:00" in h.messages(sent)[0].text
    overview = h.messages(await h.send(ENGLISH, "/tasks"))[0].text
    assert "My tasks" in overview and "Upcoming (1)" in overview


async def test_title_limits_and_html_are_safe(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    card = h.messages(await h.send(WRITER, "/task <b>Отчёт</b> & итоги завтра 10:00"))[0]
    assert "&lt;b&gt;Отчёт&lt;/b&gt; &amp; итоги" in card.text
    long = h.messages(await h.send(WRITER, "/task " + "я" * 250 + " завтра 10:00"))[0].text
    assert "200" in long
    assert len(await tasks(db)) == 1


async def test_task_linked_to_a_unit_the_creator_may_see(harness: Harness, db) -> None:
    from models.reporting import Unit

    h = harness
    await setup(h)
    await h.send(ADMIN, "/projects add Alpha")
    await h.send(WRITER, "/report smm Alpha Пост о запуске")
    await h.send(OTHER, "/report smm Alpha Чужой пост")
    async with db.session() as s:
        mine = await s.scalar(select(Unit).where(Unit.title == "Пост о запуске"))
        theirs = await s.scalar(select(Unit).where(Unit.title == "Чужой пост"))
    card = h.messages(await h.send(WRITER, f"/task #{mine.id} Проверить правки завтра 10:00"))[0]
    assert f"К единице #{mine.id}" in card.text and "Проверить правки" in card.text
    refused = h.messages(await h.send(WRITER, f"/task #{theirs.id} Подсмотреть завтра 10:00"))[0]
    assert "не найдена" in refused.text
    bad = h.messages(await h.send(WRITER, "/task #abc Что-то завтра 10:00"))[0]
    assert "abc" in bad.text
    assert "Напишите, что нужно сделать" in h.messages(await h.send(WRITER, "/task завтра 10:00"))[0].text
    [task] = await tasks(db)
    assert task.unit_id == mine.id and task.lead_id is None


async def test_a_reminder_claimed_before_a_restart_goes_out_once_after_it(harness: Harness, db, settings,
                                                                         clock) -> None:
    h = harness
    await setup(h)
    await h.send(WRITER, "/task Позвонить Анне сегодня 15:00")
    jobs = jobs_for(h, db, settings, clock)
    jobs.stopping = True  # the process stops between claiming and sending
    assert await remind(h, jobs, clock, utc(16, 12)) == []
    async with db.session() as s:
        [row] = list(await s.scalars(select(Delivery).where(Delivery.kind == "task_due")))
        assert row.status == "pending"
    restarted = jobs_for(h, db, settings, clock)
    clock.set(utc(16, 12, 5))
    start = len(h.session.requests)
    await restarted.recover(utc(16, 12, 5))
    [reminder] = to(WRITER, h.session.requests[start:])
    assert "Напоминание" in reminder.text and reminder.buttons()
    assert await remind(h, restarted, clock, utc(16, 12, 6)) == []


async def test_a_task_moved_meanwhile_is_not_reminded_at_its_old_time(harness: Harness, db, settings, clock) -> None:
    h = harness
    await setup(h)
    card = h.messages(await h.send(WRITER, "/task Позвонить Анне сегодня 15:00"))[0]
    jobs = jobs_for(h, db, settings, clock)
    jobs.stopping = True
    await remind(h, jobs, clock, utc(16, 12))  # claimed for 12:00 UTC, not sent
    await h.press(WRITER, card, card.button("Завтра"))  # moved to tomorrow 15:00 Moscow
    restarted = jobs_for(h, db, settings, clock)
    start = len(h.session.requests)
    await restarted.recover(utc(16, 12, 5))
    assert to(WRITER, h.session.requests[start:]) == []
    [moved] = await remind(h, restarted, clock, utc(17, 12))
    assert moved.params["chat_id"] == WRITER.id and "17.11 15:00" in moved.text


async def test_many_long_tasks_fit_one_message(harness: Harness, db, settings, clock) -> None:
    from bot.text import TEXT_LIMIT, visible_len

    h = harness
    await setup(h)
    writer = await member(db, WRITER)
    async with db.session() as s, db.writing(s):
        s.add_all([Task(title=f"{i} " + "Очень длинная задача <&> " * 7, creator_id=writer.id, assignee_id=writer.id,
                        due_at=utc(16, 8) + timedelta(hours=i), status="open", created_at=utc(16, 1),
                        updated_at=utc(16, 1)) for i in range(120)])
    listing = h.messages(await h.send(WRITER, "/tasks"))[0]
    assert visible_len(listing.text) <= TEXT_LIMIT and "…и ещё" in listing.text
    assert all(len(d.encode()) <= 64 for _, d in listing.buttons())
    opened = [d for _, d in listing.buttons() if d.startswith("tk:op:")]
    assert len(opened) == 8 and [b for b, _ in listing.buttons()][-2:] == ["1/15", "»"]
    page2 = h.messages(await h.press(WRITER, listing, listing.button("»")))[0]
    first = next(d for _, d in page2.buttons() if d.startswith("tk:op:"))
    assert first == f"tk:op:{int(opened[-1].split(':')[2]) + 1}:0:"
    jobs = jobs_for(h, db, settings, clock)
    clock.set(utc(17, 6))
    start = len(h.session.requests)
    await jobs.task_agenda(utc(17, 6))
    [agenda] = to(WRITER, h.session.requests[start:])
    assert visible_len(agenda.text) <= TEXT_LIMIT and "Просрочены" in agenda.text
