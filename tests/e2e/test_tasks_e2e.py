"""Issue 12 (tasks) end to end: the real ``python -m bot`` against the emulator. A writer makes a task in one
line, a manager gives one to the writer through the flow; the scheduler's jobs (run here with a controlled clock
on the bot's database, sending through the Bot API emulator) remind the writer at the due time, **+1 hour**
pressed in Telegram moves the task (the bot process handles the press), the overdue task reminds once more and
then reaches the writer's manager once; a double press of **Done** records one completion."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import create_bot
from bot.clock import FrozenClock
from bot.config import Settings
from bot.i18n import Catalog
from bot.sender import Sender
from models.org import AuditEntry
from models.tasks import Task
from scheduler.jobs import Jobs
from scheduler.render_pool import ChartRenderer
from tests.e2e.conftest import E2E, E2E_ADMIN_ID
from tests.e2e.test_clients_e2e import invite_token
from tests.e2e.test_reporting_e2e import paced

# Wednesday 3 March 2027 (a working day), Moscow = UTC+3; dated so the real clock never reaches it
DUE = datetime(2027, 3, 3, 12, tzinfo=UTC)  # 15:00 Moscow


async def task_rows(e2e: E2E) -> list[Task]:
    async with e2e.db.session() as s:
        return list(await s.scalars(select(Task).order_by(Task.id)))


async def test_tasks_scenario(e2e: E2E) -> None:
    admin = paced(e2e.user(E2E_ADMIN_ID, "Olga", last_name="Admin", username="olga"))
    await admin.send("/start")
    await admin.wait_message()
    manager = paced(e2e.user(3, "Max", last_name="Bossov", username="maxboss"))
    await manager.send(f"/start {await invite_token(admin, 'руководитель', ['Общий отдел'])}")
    await manager.wait_message()
    writer = paced(e2e.user(2, "Anna", last_name="Petrova", username="anna"))
    await writer.send(f"/start {await invite_token(admin, 'автор', ['Общий отдел'])}")
    await writer.wait_message()

    # one line, for myself
    await writer.send("/task Позвонить Анне 2027-03-03 15:00")
    card = await writer.wait_message()
    assert "Задача создана" in card.text and "03.03 15:00" in card.text
    # the flow: a manager gives a weekly task to the writer
    await manager.send("/task")
    await manager.wait_message()
    await manager.send("Собрать статистику")
    await manager.wait_message()
    await manager.send("2027-03-10 10:00")  # refused formats are tested in tests/test_tasks.py
    pick = await manager.wait_message()
    await manager.press(pick, "Anna Petrova")
    repeat = await manager.wait_edit(pick)
    await manager.press(repeat, "🔁 Каждую неделю")
    assert "Задача создана" in (await manager.wait_edit(repeat)).text
    assert "Вам поставили задачу" in (await writer.wait_message(lambda m: "Собрать статистику" in (m.text or ""))).text
    mine, weekly = await task_rows(e2e)
    assert mine.due_at == DUE and weekly.recurrence == "week" and weekly.assignee_id == mine.assignee_id

    # the scheduler, on a controlled clock, through the Bot API (the emulator)
    settings = Settings(_env_file=None, bot_token=e2e.emu.token, telegram_api_url=e2e.emu.url,
                        database_url=e2e.settings_env["DATABASE_URL"])
    clock = FrozenClock(DUE - timedelta(minutes=1))
    bot = create_bot(settings)
    jobs = Jobs(e2e.db, settings, Catalog(), Sender(bot, e2e.db), ChartRenderer(max_workers=1, mode="thread"), clock)

    async def at(when: datetime) -> list[str]:
        clock.set(when)
        report = await jobs.task_reminders(when)
        return sorted(s.kind for s in report.sent if s.status == "sent")

    try:
        assert await at(DUE - timedelta(minutes=1)) == []
        assert await at(DUE) == ["task_due"]
        reminder = await writer.wait_message(lambda m: "Напоминание" in (m.text or ""))
        assert "Позвонить Анне" in reminder.text
        assert await at(DUE + timedelta(minutes=1)) == []  # once
        await writer.press(reminder, "+1 час")  # handled by the bot process (its clock is before the due time)
        moved = await writer.wait_edit(reminder)
        assert "Перенесено на 03.03 16:00" in moved.text
        new_due = DUE + timedelta(hours=1)
        assert (await task_rows(e2e))[0].due_at == new_due
        assert await at(new_due) == ["task_due"]
        await writer.wait_message(lambda m: "Напоминание" in (m.text or ""))
        # overdue: the writer once more 4 h later; at twice that (00:00 Moscow, outside NOTIFY_HOURS) the writer's
        # manager the next working morning, once
        assert await at(new_due + timedelta(hours=4)) == ["task_overdue"]
        overdue = await writer.wait_message(lambda m: "просрочена" in (m.text or ""))
        assert await at(new_due + timedelta(hours=5)) == []
        assert await at(new_due + timedelta(hours=8)) == []
        morning = datetime(2027, 3, 4, 6, tzinfo=UTC)  # Thursday 09:00 Moscow
        kinds = await at(morning)
        assert kinds.count("task_escalate") == 1
        told = await manager.wait_message(lambda m: "Позвонить Анне" in (m.text or ""))
        assert "Anna Petrova" in told.text and "просрочена" in told.text
        assert "task_escalate" not in await at(morning + timedelta(hours=1))
    finally:
        await bot.session.close()

    # Done pressed twice at once: one completion
    await asyncio.sleep(1.05)
    press = type(writer).press  # unpaced: both presses land before the first edit
    await asyncio.gather(press(writer, overdue, "✅ Готово"), press(writer, overdue, "✅ Готово"))
    done = await writer.wait_edit(overdue)
    assert "Выполнено" in done.text
    await asyncio.sleep(1.5)
    rows = await task_rows(e2e)
    assert rows[0].status == "done"
    async with e2e.db.session() as s:
        assert len(list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "task.done")))) == 1
