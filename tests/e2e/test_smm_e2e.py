"""Issue 11 end-to-end, the real ``python -m bot`` against the strict emulator: a manager adds two accounts (an
Instagram one and a Telegram channel); the responsible member fills one week by buttons and one by a pasted line,
imports 10 weeks from an XLSX file (a broken file is refused whole); /stats shows the figures and a chart, and the
ER this test recomputes from the database; the channel's followers come from getChatMemberCount once the bot is
made its administrator; a missing week sends the form, then the reminder, then the manager's note (the scheduler's
jobs run in this process with a frozen clock, through a sender on the same emulator)."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from openpyxl import Workbook
from sqlalchemy import select

from bot.clock import Clock, FrozenClock
from bot.config import Settings
from bot.domain import smm as rules
from bot.domain.workdays import local_today, working_days
from bot.i18n import Catalog
from bot.sender import Sender
from models.smm import SmmAccount, SmmWeek
from scheduler import charts
from scheduler.jobs import Jobs
from scheduler.render_pool import ChartRenderer
from tests.e2e.conftest import E2E, E2E_ADMIN_ID
from tests.e2e.test_clients_e2e import invite_token
from tests.e2e.test_reporting_e2e import paced

TZ = "Europe/Moscow"


def sheet(first_end, n: int, broken: bool = False) -> bytes:
    book = Workbook()
    ws = book.active
    ws.append(["Контент план + статистика"])
    ws.append(["Неделя", "Подписчики", "Лайки", "Комментарии", "Охват", "Тема поста"])
    for i in range(n):
        end = first_end + timedelta(weeks=i)
        ws.append([f"{end - timedelta(days=6):%d.%m}–{end:%d.%m.%Y}", 900 + 10 * i, 40 + i, 5,
                   "много" if broken and i == 3 else 1000 + 100 * i, "пост"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def account(e2e: E2E, handle: str) -> SmmAccount:
    async with e2e.db.session() as s:
        return await s.scalar(select(SmmAccount).where(SmmAccount.handle == handle))


async def weeks(e2e: E2E, account_id: int) -> dict:
    async with e2e.db.session() as s:
        rows = await s.scalars(select(SmmWeek).where(SmmWeek.account_id == account_id))
        return {w.week_end: w for w in rows}


async def test_smm_scenario(e2e: E2E, database_url: str) -> None:
    last = rules.last_week_end(local_today(Clock().now(), TZ), rules.SUNDAY)  # the bot runs on real time
    admin = paced(e2e.user(E2E_ADMIN_ID, "Olga", last_name="Admin", username="olga"))
    await admin.send("/start")
    await admin.wait_message()
    await admin.send("/projects add Alpha")
    project = (await admin.wait_message()).text.split("номер ")[1].split(")")[0]
    manager = paced(e2e.user(3, "Max", last_name="Bossov", username="maxboss"))
    await manager.send(f"/start {await invite_token(admin, 'руководитель', ['Общий отдел'])}")
    await manager.wait_message()
    writer = paced(e2e.user(2, "Anna", last_name="Petrova", username="anna"))
    await writer.send(f"/start {await invite_token(admin, 'автор', ['Общий отдел'])}")
    await writer.wait_message()

    # the manager adds two accounts; a handle of the wrong network is refused with an example
    await manager.send(f"/accounts add {project} instagram https://vk.com/alpha @anna")
    assert "Пример" in (await manager.wait_message()).text
    await manager.send(f"/accounts add {project} instagram https://www.instagram.com/Alpha.Shop/ @anna")
    assert "alpha.shop" in (await manager.wait_message()).text
    start = (last - timedelta(weeks=20)).isoformat()
    await manager.send(f"/accounts add {project} telegram https://t.me/AlphaNews @anna вс {start}")
    assert "alphanews" in (await manager.wait_message()).text
    insta, channel = await account(e2e, "alpha.shop"), await account(e2e, "alphanews")

    # the latest week by buttons
    await writer.send(f"/smm {insta.id}")
    form = await writer.wait_message()
    assert f"{last:%d.%m.%Y}" in form.text
    for button, value in (("Подписчики", "1 200"), ("Лайки", "60"), ("Охват", "2\u2009000")):
        await writer.press(form, button)
        await writer.wait_message(lambda m, b=button: b in (m.text or "") and "Пришлите число" in m.text)
        await writer.send(value)
        form = await writer.wait_message(lambda m: "💾 Сохранить" in m.button_texts)
    await writer.press(form, "💾 Сохранить")
    assert "Сохранено" in (await writer.wait_edit(form)).text
    # the week before by one pasted line
    before = last - timedelta(weeks=1)
    await writer.send(f"/smm {insta.id} {before:%d.%m.%Y}")
    await writer.wait_message()
    await writer.send("подписчики 1 150 лайки 80 комментарии 10 охват 2 000")
    form = await writer.wait_message(lambda m: "Принято значений: 4" in (m.text or ""))
    await writer.press(form, "💾 Сохранить")
    await writer.wait_edit(form)
    got = await weeks(e2e, insta.id)
    assert (got[last].followers, got[last].likes, got[last].reach) == (1200, 60, 2000)
    assert (got[before].followers, got[before].comments) == (1150, 10)

    # 10 weeks from a sheet: a broken one is refused whole, then the good one
    first = last - timedelta(weeks=11)
    await asyncio.sleep(1.05)
    await writer.send_document(sheet(first, 10, broken=True), "stats.xlsx", caption=str(insta.id))
    refused = await writer.wait_message(lambda m: "ничего не сохранено" in (m.text or ""), timeout=20)
    assert "Строка 6, «Охват»: «много»" in refused.text
    assert len(await weeks(e2e, insta.id)) == 2
    await asyncio.sleep(1.05)
    await writer.send_document(sheet(first, 10), "stats.xlsx", caption=str(insta.id))
    await writer.wait_message(lambda m: "новых недель 10" in (m.text or ""), timeout=20)
    got = await weeks(e2e, insta.id)
    assert len(got) == 12 and got[first].followers == 900 and got[first + timedelta(weeks=9)].reach == 1900

    # /stats: the table, the summary with the ER recomputed here, and the chart
    await writer.send(f"/stats {insta.id}")
    table = await writer.wait_message(lambda m: "последние 8 недель" in (m.text or ""))
    w = got[last]
    er = (w.likes + (w.comments or 0) + (w.saves or 0) + (w.shares or 0)) / w.reach
    growth = w.followers - got[before].followers
    assert f"ER по охвату {er * 100:.1f}%" in table.text and f"прирост {growth:+d}" in table.text
    assert "1\u202f200" in table.text
    chart = await writer.wait_message(lambda m: m.photo is not None, timeout=30)
    assert charts.png_size(chart.raw_bytes)[0] == charts.WIDTH_PX

    # the channel counts itself once the bot is its administrator
    e2e.emu.add_channel(-1001500, "Alpha News", "AlphaNews", 4321)
    e2e.emu.set_bot_status_in_channel(-1001500, "administrator", E2E_ADMIN_ID)
    told = await writer.wait_message(lambda m: "считает сам" in (m.text or ""))
    assert "Alpha News" in told.text
    assert e2e.emu.calls("getChatMemberCount")
    await writer.send(f"/smm {channel.id}")
    form = await writer.wait_message(lambda m: "🤖" in (m.text or ""))
    assert "4\u202f321" in form.text
    await writer.send("охват 500 лайки 20")
    form = await writer.wait_message(lambda m: "Принято значений: 2" in (m.text or ""))
    await writer.press(form, "💾 Сохранить")
    await writer.wait_edit(form)
    assert (await weeks(e2e, channel.id))[last].followers == 4321

    # a missing week: the form, the reminder, the manager's note (jobs at the week's 1st, 2nd, 3rd working day)
    missing = last - timedelta(weeks=1)  # the channel's week before has no report
    settings = Settings(_env_file=None, bot_token=e2e.emu.token, database_url=database_url,
                        telegram_api_url=e2e.emu.url, admin_ids=frozenset({E2E_ADMIN_ID}))
    bot = Bot(e2e.emu.token, session=AiohttpSession(api=TelegramAPIServer.from_base(e2e.emu.url)),
              default=DefaultBotProperties(parse_mode="HTML"))
    try:
        sender = Sender(bot, e2e.db, rate=settings.send_rate, chat_interval=1.1)
        clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
        jobs = Jobs(e2e.db, settings, Catalog(), sender, ChartRenderer(1, mode="thread"), clock)
        days = working_days(missing + timedelta(days=1), missing + timedelta(days=14), country="RU")[:3]
        for day in days:
            at = datetime(day.year, day.month, day.day, 7, 5, tzinfo=UTC)  # 10:05 in Moscow
            clock.set(at)
            await jobs.smm_weekly(at)
    finally:
        await bot.session.close()
    form = await writer.wait_message(lambda m: "Статистика за неделю" in (m.text or "") and "Напоминание" not in m.text)
    assert f"{missing:%d.%m.%Y}" in form.text and "💾 Сохранить" in form.button_texts
    reminder = await writer.wait_message(lambda m: "Напоминание" in (m.text or ""))
    assert f"{missing:%d.%m.%Y}" in reminder.text
    note = await manager.wait_message(lambda m: "не прислал" in (m.text or ""))
    assert "Telegram @alphanews" in note.text and "Anna Petrova" in note.text
