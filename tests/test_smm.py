"""SMM accounts and weekly figures through the production dispatcher: /accounts, the weekly form by buttons and by
a pasted line, "are you sure?", corrections in the audit log, forged buttons, an English user, /stats and /stats all
(fast, in-process). The clock is Monday 2026-11-16: the latest ended week is 09.11–15.11."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.callbacks import SmmCb
from models.org import AuditEntry
from models.smm import SmmAccount, SmmWeek
from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person
from tests.test_onboarding import invite_link

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga")
WRITER = Person(2, "Anna", "Petrova", "anna")
MANAGER = Person(4, "Max", "Bossov", "maxboss")
ENGLISH = Person(5, "John", None, "john", language_code="en")
OUTSIDER = Person(6, "Otto", None, "otto")
OUTSIDER_MANAGER = Person(7, "Nobody", None, "nobody")
WEEK = date(2026, 11, 15)


PROJECT = {"Alpha": 0}  # the project's number, set by setup() (ids are not reset between tests on PostgreSQL)


def add_cmd(rest: str) -> str:
    return f"/accounts add {PROJECT['Alpha']} {rest}"


async def setup(h: Harness) -> None:
    await h.send(ADMIN, "/start")
    sent = await h.send(ADMIN, "/projects add Alpha")
    PROJECT["Alpha"] = int(h.messages(sent)[0].text.split("номер ")[1].split(")")[0])
    await h.send(WRITER, f"/start {await invite_link(h, ADMIN)}")
    await h.send(MANAGER, f"/start {await invite_link(h, ADMIN, 'руководитель')}")


async def account(db, handle: str) -> SmmAccount:
    async with db.session() as s:
        return await s.scalar(select(SmmAccount).where(SmmAccount.handle == handle))


async def week_row(db, account_id: int, day: date = WEEK) -> SmmWeek | None:
    async with db.session() as s:
        return await s.scalar(select(SmmWeek).where(SmmWeek.account_id == account_id, SmmWeek.week_end == day))


async def add_instagram(h: Harness, who: Person = ADMIN, responsible: str = "@anna") -> str:
    sent = await h.send(who, add_cmd(f"instagram https://www.instagram.com/Brand.Shop/ {responsible}"))
    return h.messages(sent)[0].text


async def test_accounts_add_validate_rename_reassign_archive(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    text = await add_instagram(h, MANAGER)
    assert "Аккаунт добавлен" in text and "brand.shop" in text and "Anna" in text
    # the handle is normalised: the same account typed differently is refused
    dup = h.messages(await h.send(MANAGER, add_cmd("ig @brand.shop @anna")))[0].text
    assert "уже есть" in dup
    # a link to another network, and an Instagram name with a forbidden character, are refused with an example
    wrong = h.messages(await h.send(MANAGER, add_cmd("instagram https://vk.com/brand @anna")))[0].text
    assert "не в Instagram" in wrong and "instagram.com/brand.shop" in wrong
    bad = h.messages(await h.send(MANAGER, add_cmd("instagram brand-shop! @anna")))[0].text
    assert "не похоже" in bad and "Пример" in bad
    long = h.messages(await h.send(MANAGER, add_cmd(f"instagram {'a' * 31} @anna")))[0].text
    assert "не похоже" in long
    tg = h.messages(await h.send(MANAGER, add_cmd("telegram https://t.me/AlphaNews @anna сб 2026-10-01")))[0]
    assert "alphanews" in tg.text and "сб" in tg.text
    async with db.session() as s:
        rows = list(await s.scalars(select(SmmAccount).order_by(SmmAccount.id)))
    assert [(a.network, a.handle, a.week_end) for a in rows] == [("instagram", "brand.shop", 6),
                                                                 ("telegram", "alphanews", 5)]
    assert rows[1].start_date == date(2026, 10, 1)
    acc = rows[0]
    renamed = h.messages(await h.send(MANAGER, f"/accounts rename {acc.id} Alpha <Insta>"))[0].text
    assert "Alpha &lt;Insta&gt;" in renamed
    moved = h.messages(await h.send(MANAGER, f"/accounts reassign {acc.id} @maxboss"))[0].text
    assert "Max" in moved
    h.messages(await h.send(MANAGER, f"/accounts archive {acc.id}"))
    listing = h.messages(await h.send(MANAGER, "/accounts"))[0].text
    assert "в архиве" not in listing and "alphanews" in listing  # the list shows open accounts
    async with db.session() as s:
        a = await s.get(SmmAccount, acc.id)
        assert a.archived and a.name == "Alpha <Insta>"
        actions = [e.action for e in await s.scalars(select(AuditEntry).where(AuditEntry.object_type == "smm_account"))]
    assert {"smm_account_add", "smm_account_rename", "smm_account_reassign", "smm_account_archive"} <= set(actions)
    # a writer cannot manage accounts
    refused = h.messages(await h.send(WRITER, "/accounts"))[0].text
    assert "Аккаунт" not in refused


async def test_fill_by_buttons_and_by_a_pasted_line(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await add_instagram(h)
    acc = await account(db, "brand.shop")
    form = h.messages(await h.send(WRITER, "/smm"))[0]
    assert "09.11–15.11.2026" in form.text and "Подписчики" in form.text
    # a button per figure: followers, then the number with a thin space between digit groups
    prompt = h.messages(await h.press(WRITER, form, form.button("Подписчики")))[0]
    assert "Подписчики" in prompt.text and "1\u202f000\u202f000\u202f000" in prompt.text
    form = h.messages(await h.send(WRITER, "12\u2009340"))[0]
    assert "12\u202f340" in form.text
    # out of range: refused naming the field, nothing saved
    await h.press(WRITER, form, form.button("Лайки"))
    refused = h.messages(await h.send(WRITER, "2 000 000 000"))[0].text
    assert "Лайки" in refused and "1\xa0000\xa0000\xa0000" in refused
    # one pasted line with Russian names and spaces in numbers
    form = h.messages(await h.send(WRITER, "лайки 1 200 комментарии 85 сохранения 140 охват 25 000"))[0]
    assert "Принято значений: 4" in form.text
    saved = await h.press(WRITER, form, form.button("Сохранить"))
    assert "Сохранено" in h.messages(saved)[0].text
    row = await week_row(db, acc.id)
    assert (row.followers, row.likes, row.comments, row.saves, row.reach, row.interactions) == (
        12340, 1200, 85, 140, 25000, None)
    # a second press of the same Save changes nothing and says it is saved
    again = await h.press(WRITER, form, form.button("Сохранить"))
    assert h.answers(again)[0].params.get("text") == "Сохранено"
    async with db.session() as s:
        reports = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "smm_week_report")))
    assert len(reports) == 1


async def test_unknown_word_and_english_names(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await add_instagram(h)
    await h.send(WRITER, "/smm")
    bad = h.messages(await h.send(WRITER, "followers 100 fans 5"))[0].text
    assert "«fans»" in bad and "подписчики" in bad
    form = h.messages(await h.send(WRITER, "followers: 12 340, likes 1 200; reach=25 000"))[0]
    assert "Принято значений: 3" in form.text


async def test_implausible_figures_ask_are_you_sure(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await add_instagram(h)
    acc = await account(db, "brand.shop")
    # last week: 1 000 followers
    await h.send(WRITER, f"/smm {acc.id} 2026-11-08")
    form = h.messages(await h.send(WRITER, "followers 1000 likes 50 reach 2000"))[0]
    await h.press(WRITER, form, form.button("Сохранить"))
    form = h.messages(await h.send(WRITER, "/smm"))[0]
    assert "прошлая неделя: 1\u202f000" in form.text  # last week's values as hints
    form = h.messages(await h.send(WRITER, "followers 2000 likes 40 reach 0"))[0]
    asked = h.messages(await h.press(WRITER, form, form.button("Сохранить")))[0]
    assert "Точно?" in asked.text and "50%" in asked.text and "охват 0" in asked.text
    assert await week_row(db, acc.id) is None
    done = h.messages(await h.press(WRITER, asked, asked.button("Да, сохранить")))[0]
    assert "Сохранено" in done.text
    assert (await week_row(db, acc.id)).followers == 2000


async def test_correction_is_audited_with_the_previous_value(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await add_instagram(h)
    acc = await account(db, "brand.shop")
    await h.send(WRITER, "/smm")
    form = h.messages(await h.send(WRITER, "followers 1000 likes 50 reach 2000"))[0]
    await h.press(WRITER, form, form.button("Сохранить"))
    # the manager corrects the week later
    form = h.messages(await h.send(ADMIN, f"/smm {acc.id} 15.11.2026"))[0]
    assert "уже заполнена" in form.text
    form = h.messages(await h.send(ADMIN, "лайки 60"))[0]
    done = h.messages(await h.press(ADMIN, form, form.button("Сохранить")))[0]
    assert "Исправлено значений: 1" in done.text
    row = await week_row(db, acc.id)
    assert (row.followers, row.likes) == (1000, 60)
    async with db.session() as s:
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.action == "smm_week_correct"))
    assert entry.details["changes"] == {"likes": [50, 60]} and entry.details["week"] == "2026-11-15"
    # a future week cannot be filled in
    future = h.messages(await h.send(WRITER, f"/smm {acc.id} 2026-11-20"))[0].text
    assert "нельзя" in future


async def test_forged_buttons_change_nothing(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(ADMIN, "/departments add Other")
    msg = h.messages(await h.send(ADMIN, "/invite"))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("автор")))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button("Other")))[0]
    await h.send(OUTSIDER, "/start " + msg.text.split("start=")[1].split()[0])
    await add_instagram(h)
    acc = await account(db, "brand.shop")
    # the outsider (another department) forges the account's buttons: refused, nothing saved
    form = h.messages(await h.send(WRITER, "/smm"))[0]
    w = WEEK.toordinal()
    sent = await h.press(OUTSIDER, form, SmmCb(a="f", id=acc.id, w=w, f="likes").pack())
    assert "недоступна" in h.answers(sent)[0].params.get("text") and h.messages(sent) == []
    await h.send(OUTSIDER, "лайки 5")  # no form open: the fallback, nothing saved
    sent = await h.press(OUTSIDER, form, SmmCb(a="s", id=acc.id, w=w).pack())
    assert "недоступна" in h.answers(sent)[0].params.get("text")
    sent = await h.press(OUTSIDER, form, SmmCb(a="y", id=acc.id, w=w).pack())
    assert "недоступна" in h.answers(sent)[0].params.get("text")
    assert await week_row(db, acc.id) is None
    refused = h.messages(await h.send(OUTSIDER, f"/stats {acc.id}"))
    assert refused and "Alpha" not in refused[0].text
    # a forged week (not the account's weekday) and a forged figure name are refused too
    sent = await h.press(WRITER, form, SmmCb(a="f", id=acc.id, w=w - 1, f="likes").pack())
    assert "нельзя" in h.answers(sent)[0].params.get("text") and h.messages(sent) == []
    sent = await h.press(WRITER, form, SmmCb(a="f", id=acc.id, w=w, f="zzz").pack())
    assert "устарела" in (h.answers(sent)[0].params.get("text") or "")
    # a manager of another department cannot reassign or archive it
    refused = h.messages(await h.send(OUTSIDER, f"/accounts archive {acc.id}"))[0].text
    assert not (await account(db, "brand.shop")).archived and refused


async def test_english_user_gets_the_form_in_english(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(ENGLISH, f"/start {await invite_link(h, ADMIN)}")
    await add_instagram(h, ADMIN, "@john")
    form = h.messages(await h.send(ENGLISH, "/smm"))[0]
    assert "Figures for the week" in form.text and "Followers" in form.text
    bad = h.messages(await h.send(ENGLISH, "followers 12 340 likes 1.5"))[0].text
    assert bad.startswith("Likes:") and "not a number" in bad
    form = h.messages(await h.send(ENGLISH, "followers 12 340 likes 1 200 reach 25 000"))[0]
    done = h.messages(await h.press(ENGLISH, form, form.button("💾 Save")))[0]
    assert "Saved" in done.text


async def fill(h: Harness, who: Person, account_id: int, day: str, line: str) -> None:
    form = h.messages(await h.send(who, f"/smm {account_id} {day}"))[0]
    form = h.messages(await h.send(who, line))[0]
    sent = await h.press(who, form, form.button("Сохранить"))
    last = h.messages(sent)[0]
    if "Точно?" in last.text:
        await h.press(who, last, last.button("Да, сохранить"))


async def test_stats_table_chart_and_stats_all(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await add_instagram(h)
    await h.send(ADMIN, add_cmd("vk vk.com/alpha @anna"))
    acc = await account(db, "brand.shop")
    vk = await account(db, "alpha")
    await fill(h, WRITER, acc.id, "2026-11-01", "followers 1000 likes 80 comments 10 saves 5 shares 5 reach 2000")
    await fill(h, WRITER, acc.id, "2026-11-08", "followers 1050 likes 100 comments 20 saves 10 shares 10 reach 2000")
    await fill(h, WRITER, acc.id, "2026-11-15", "followers 1100 likes 30 comments 5 saves 3 shares 2 reach 1000")
    await fill(h, WRITER, vk.id, "2026-11-08", "followers 500 likes 10 reach 100")
    sent = await h.send(WRITER, f"/stats {acc.id}")
    text = h.messages(sent)[0].text
    assert "<pre>" in text and "1\u202f100" in text and "4.0%" in text  # (30+5+3+2)/1000
    assert "нет отчёта" in text  # 25.10 and before are missing
    assert "прирост +50 (+4.8%)" in text and "ER по охвату 4.0%" in text
    photos = [s for s in sent if s.method == "SendPhoto"]
    assert len(photos) == 1
    # the chart, recomputed here from the saved figures (8 weeks to 15.11; a missing week is None), is the one sent
    from bot.domain import smm as rules
    from models import smm_repo
    from scheduler import charts

    ends = rules.week_ends(WEEK, 8)
    async with db.session() as s:
        found = (await smm_repo.week_figures(s, [acc.id], ends[0], WEEK))[acc.id]
    points = [(f"{e:%d.%m}", found[e]["followers"] if e in found else None,
               rules.er_reach(found[e]) * 100 if e in found else None) for e in ends]
    assert [(w, f, round(er, 6)) for w, f, er in points[-3:]] == [("01.11", 1000, 5.0), ("08.11", 1050, 7.0),
                                                                   ("15.11", 1100, 4.0)]
    assert all(p[1] is None for p in points[:-3])
    expected = charts.smm_weeks(points, title=f"{acc.name} · Alpha", labels={
        "followers": "Подписчики", "er": "ER по охвату, %", "missing": "нет отчёта", "no_data": "Нет данных"})
    assert photos[0].params["photo"].data == expected
    # /stats all: the manager's scope, this week's ER and flags (ER fell by more than 30%, vk missing)
    table = "\n".join(m.text for m in h.messages(await h.send(MANAGER, "/stats all")))
    assert "с флагом: 2" in table and "нет отчёта" in table


def chat_member_update(update_id: int, chat_id: int, username: str, status: str, by: Person):
    from datetime import UTC, datetime

    from aiogram.types import (
        Chat,
        ChatMemberAdministrator,
        ChatMemberLeft,
        ChatMemberMember,
        ChatMemberUpdated,
        Update,
        User,
    )

    from tests.recording import BOT_ID

    bot_user = User(id=BOT_ID, is_bot=True, first_name="teamdesk")
    if status == "administrator":  # its many rights (they grow with the Bot API) do not matter here
        rights = {name: name == "can_manage_chat" for name, f in ChatMemberAdministrator.model_fields.items()
                  if f.is_required() and name not in ("status", "user")}
        new = ChatMemberAdministrator(user=bot_user, **rights)
    else:
        new = ChatMemberLeft(user=bot_user)
    return Update(update_id=update_id, my_chat_member=ChatMemberUpdated(
        chat=Chat(id=chat_id, type="channel", title="Alpha <News>", username=username), from_user=by.user,
        date=datetime.now(UTC), old_chat_member=ChatMemberMember(user=bot_user), new_chat_member=new))


async def test_channel_counts_its_followers(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(ADMIN, add_cmd("telegram https://t.me/AlphaNews @anna"))
    acc = await account(db, "alphanews")
    h.session.int_results["GetChatMemberCount"] = 4321
    sent = await h._feed(chat_member_update(9001, -1001234, "AlphaNews", "administrator", ADMIN))
    counts = [s for s in sent if s.method == "GetChatMemberCount"]
    assert counts and counts[0].params["chat_id"] == -1001234
    told = [s for s in sent if s.method == "SendMessage" and s.params["chat_id"] == WRITER.id]
    assert told and "Alpha &lt;News&gt;" in told[0].text and "считает сам" in told[0].text
    a = await account(db, "alphanews")
    assert (a.chat_id, a.channel_status, a.channel_count) == (-1001234, "admin", 4321)
    # the form shows the counted followers; saving without typing them keeps the bot's count
    form = h.messages(await h.send(WRITER, "/smm"))[0]
    assert "🤖 Подписчики: <b>4\u202f321</b>" in form.text
    form = h.messages(await h.send(WRITER, "охват 1000 лайки 10"))[0]
    await h.press(WRITER, form, form.button("Сохранить"))
    assert (await week_row(db, acc.id)).followers == 4321
    # the bot removed from the channel: noticed and shown
    sent = await h._feed(chat_member_update(9002, -1001234, "AlphaNews", "left", ADMIN))
    told = [s for s in sent if s.method == "SendMessage" and s.params["chat_id"] == WRITER.id]
    assert told and "убрали" in told[0].text
    assert (await account(db, "alphanews")).channel_status == "removed"
    listing = h.messages(await h.send(ADMIN, "/accounts"))[0].text
    assert "бота убрали из канала" in listing
    # a channel that is no registered account changes nothing and tells nobody
    sent = await h._feed(chat_member_update(9003, -100999, "OtherChannel", "administrator", ADMIN))
    assert [s.method for s in sent] == []


def xlsx(rows: list[list[object]]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ten_weeks() -> list[list[object]]:
    from datetime import datetime, timedelta

    rows: list[list[object]] = [["Контент план + статистика"], ["Охват", "Дата", "Подписчики", "Лайки", "Тема"]]
    for i in range(10):  # weeks ending 13.09 … 15.11 (Sundays), the date column holds each week's Monday
        monday = datetime(2026, 9, 7) + timedelta(weeks=i)
        rows.append([1000 + i, monday, f"{2000 + 10 * i:,}".replace(",", "\u2009"), 50 + i, "пост"])
    return rows


async def test_import_xlsx_all_or_nothing_then_replace(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await add_instagram(h)
    acc = await account(db, "brand.shop")
    # a broken file is refused whole, every problem in one message with its row and column
    broken = ten_weeks()
    broken[3][3] = "много"
    broken[5][2] = 2_000_000_000
    broken[7][1] = "31.02.2026"
    sent = await h.send_document(WRITER, xlsx(broken), "stats.xlsx", caption=str(acc.id))
    result = h.messages(sent)[-1].text
    assert "ничего не сохранено" in result and "Ошибок: 3" in result
    assert "Строка 4, «Лайки»: «много»" in result and "Строка 6, «Подписчики»" in result
    assert "Строка 8, «Дата»: «31.02.2026»" in result
    async with db.session() as s:
        assert list(await s.scalars(select(SmmWeek))) == []
    # the good file, with the form open instead of a caption
    await h.send(WRITER, "/smm")
    sent = await h.send_document(WRITER, xlsx(ten_weeks()), "stats.xlsx")
    assert [s.method for s in sent if s.method == "EditMessageText"]  # one status message, edited as it goes
    assert "новых недель 10" in h.messages(sent)[-1].text
    async with db.session() as s:
        weeks = list(await s.scalars(select(SmmWeek).where(SmmWeek.account_id == acc.id).order_by(SmmWeek.week_end)))
    assert len(weeks) == 10 and weeks[0].week_end == date(2026, 9, 13) and weeks[-1].week_end == WEEK
    assert (weeks[-1].followers, weeks[-1].likes, weeks[-1].reach, weeks[-1].source) == (2090, 59, 1009, "import")
    # a re-import of the same weeks asks first; Replace keeps the previous values in the audit log
    changed = ten_weeks()
    changed[-1][3] = 99
    sent = await h.send_document(WRITER, xlsx(changed), "stats.xlsx", caption=str(acc.id))
    ask = h.messages(sent)[-1]
    assert "Заменить их?" in ask.text and "15.11.2026" in ask.text
    done = h.messages(await h.press(WRITER, ask, ask.button("Заменить")))[-1]
    assert "заменено 10" in done.text
    assert (await week_row(db, acc.id)).likes == 99
    async with db.session() as s:
        entry = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "smm_import")
                                 .order_by(AuditEntry.id.desc()))).first()
    assert entry.details["replaced"] == {"2026-11-15": {"likes": 59}}
    again = await h.press(WRITER, ask, ask.button("Заменить"))  # a second press: nothing more
    assert "устарела" in h.answers(again)[0].params.get("text")


async def test_import_csv_english_and_refusals(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await add_instagram(h)
    acc = await account(db, "brand.shop")
    csv_text = "Week;Followers;Likes;Reach\n2026-11-08;1 000;10;100\n15.11.2026;1 100;12;120\n"
    sent = await h.send_document(WRITER, csv_text.encode("utf-8"), "s.csv", caption=str(acc.id))
    assert "новых недель 2" in h.messages(sent)[-1].text
    assert (await week_row(db, acc.id)).followers == 1100
    # no header, a future week, a wrong type, no account
    sent = await h.send_document(WRITER, b"a,b\n1,2\n", "s.csv", caption=str(acc.id))
    assert "Нет строки заголовков" in h.messages(sent)[-1].text
    sent = await h.send_document(WRITER, b"week,likes\n2026-11-20,5\n", "s.csv", caption=str(acc.id))
    assert "ещё не закончилась" in h.messages(sent)[-1].text
    sent = await h.send_document(WRITER, b"x", "s.pdf", caption=str(acc.id))
    assert "CSV или XLSX" in h.messages(sent)[-1].text
    sent = await h.send_document(WRITER, b"week,likes\n", "s.csv")
    assert "номер аккаунта в подписи" in h.messages(sent)[-1].text
    sent = await h.send_document(OUTSIDER_MANAGER, b"week,likes\n2026-11-08,5\n", "s.csv", caption=str(acc.id))
    assert (await week_row(db, acc.id, date(2026, 11, 8))).likes == 10  # a stranger changes nothing


async def test_team_smm_and_export_smm(harness: Harness, db, clock) -> None:
    import csv
    import io
    from datetime import UTC, datetime

    from openpyxl import load_workbook

    h = harness
    await setup(h)
    await add_instagram(h)
    await h.send(ADMIN, add_cmd("vk vk.com/alpha @anna вс 2026-10-01"))
    acc = await account(db, "brand.shop")
    await fill(h, WRITER, acc.id, "2026-11-01", "followers 1000 likes 80 comments 10 saves 5 shares 5 reach 2000")
    await fill(h, WRITER, acc.id, "2026-11-08", "followers 1050 likes 100 comments 20 saves 10 shares 10 reach 2000")
    await fill(h, WRITER, acc.id, "2026-11-15", "followers 1100 likes 30 comments 5 saves 3 shares 2 reach 1000")
    clock.set(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
    # reported on Monday 16.11: 15.11 on time (the first working day after it), 01.11 and 08.11 late; the VK
    # account (since 01.10) has none of its three weeks; ER by reach moved +40% then -42.9%: median -1.4%
    team = h.messages(await h.send(MANAGER, "/team smm 2026-11"))[0].text
    assert "Anna Petrova: аккаунтов 2, недель 6: вовремя 1, с опозданием 2, нет отчёта 3" in team
    assert "(медиана) -1.4%" in team
    writer_view = h.messages(await h.send(WRITER, "/team smm"))[0].text
    assert "недоступна" in writer_view
    # /team and /export without smm still work as before
    assert "SMM" not in h.messages(await h.send(MANAGER, "/team"))[0].text
    usage = h.messages(await h.send(MANAGER, "/export"))[0].text
    assert "ratings" in usage or "оценки" in usage
    sent = await h.send(MANAGER, "/export smm 2026-11")
    docs = [s for s in sent if s.method == "SendDocument"]
    assert [d.params["document"].filename for d in docs] == ["smm-2026-11.csv", "smm-2026-11.xlsx"]
    rows = list(csv.reader(io.StringIO(docs[0].params["document"].data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Проект" and "ER по охвату" in rows[0]
    er_col = rows[0].index("ER по охвату")
    last = next(r for r in rows if r[5] == "2026-11-15")
    assert last[er_col] == "0.0400"  # (30 + 5 + 3 + 2) / 1000
    book = load_workbook(io.BytesIO(docs[1].params["document"].data))
    values = list(book.active.iter_rows(values_only=True))
    assert len(values) == len(rows) == 4 and values[3][er_col] == pytest.approx(0.04)
    empty = h.messages(await h.send(MANAGER, "/export smm 2025-01"))[0].text
    assert "нет" in empty
