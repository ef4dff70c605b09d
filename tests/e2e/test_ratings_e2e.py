"""Issue 4 end-to-end: ratings under anonymous and aggregate rules, then a scan of everything the bot
sent to every chat — no rater's name, username or Telegram id reaches anyone but that rater."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.domain.ratings import period_of
from bot.domain.workdays import local_today
from models.org import Department, Member, department_managers
from models.ratings import Rating, RatingPolicy
from tests.e2e.conftest import E2E, E2E_ADMIN_ID

GOOD = "Задача пришла без сроков и без примеров"


async def test_rater_identity_never_leaks(e2e: E2E) -> None:
    admin = e2e.user(E2E_ADMIN_ID, "Olga", last_name="Admin", username="olga")
    await admin.send("/start")
    await admin.wait_message()

    raters_anon = [e2e.user(7_100_101 + i, n, last_name="Prod", username=f"prod_{n.lower()}")
                   for i, n in enumerate(("Ivan", "Petr", "Sofia"))]
    raters_aggr = [e2e.user(7_200_201 + i, n, last_name="Design", username=f"design_{n.lower()}")
                   for i, n in enumerate(("Gleb", "Dina", "Lev"))]
    anna = e2e.user(300, "Anna", last_name="Akkaunt", username="anna_acc")
    boss = e2e.user(400, "Mila", last_name="Rukova", username="mila_boss")
    now = datetime.now(UTC)
    async with e2e.db.session() as s:
        prod, design, acc = (Department(name=n, created_at=now) for n in ("Продакшн", "Дизайн", "Аккаунты"))
        s.add_all([prod, design, acc])
        await s.flush()
        ids = {}
        for user, dept, role in ([(u, prod, "writer") for u in raters_anon] + [(u, design, "writer") for u in raters_aggr]
                                 + [(anna, acc, "writer"), (boss, acc, "manager")]):
            m = Member(telegram_id=user.id, display_name=f"{user.first_name} {user.last_name}",
                       username=user.username, role=role, department_id=dept.id, active=True,
                       unreachable=False, created_at=now)
            s.add(m)
            await s.flush()
            ids[user.id] = m.id
        await s.execute(department_managers.insert().values(member_id=ids[boss.id], department_id=acc.id))
        s.add_all([
            RatingPolicy(rater_department_id=prod.id, rated_department_id=acc.id, cadence="per_task",
                         mode="anonymous", active=True, created_at=now),
            RatingPolicy(rater_department_id=design.id, rated_department_id=acc.id, cadence="monthly",
                         mode="aggregate", active=True, created_at=now),
        ])
        await s.commit()
    for user in [*raters_anon, *raters_aggr, anna, boss]:  # everyone has opened the bot once
        await user.send("/start")
        assert "С возвращением" in (await user.wait_message()).text

    # the monthly campaign: forms go to the aggregate-rule raters only (the other rule is per task)
    await admin.send("/rating_campaign")
    done = await admin.wait_message()
    assert "Разослано форм: 6" in done.text

    # anonymous rule, per task, through /rate
    for i, user in enumerate(raters_anon):
        await user.send("/rate")
        pick = await user.wait_message()
        await user.press(pick, "Anna Akkaunt")
        await user.wait_edit(pick)
        await user.send(f"Бриф T-{i} https://tracker.example/T-{i}")
        scores = await user.wait_message()
        await user.press(scores, "3")
        await user.wait_edit(scores)
        await user.send("-")
        refused = await user.wait_message()
        assert "нужен комментарий" in refused.text
        await user.send(GOOD)
        confirm = await user.wait_message()
        await user.press(confirm, "Сохранить")
        saved = await user.wait_edit(confirm)
        assert "Оценка сохранена" in saved.text

    # aggregate rule, monthly, through the campaign forms
    for i, user in enumerate(raters_aggr):
        form = await user.wait_message(lambda m: m.text is not None and "Anna" in m.text)
        await user.press(form, "4" if i else "5")
        await user.wait_edit(form)
        if i:
            await user.send("Всё понятно, но сроки были нереальные")
            confirm = await user.wait_message()
        else:
            await user.press(form, "Без комментария")
            confirm = await user.wait_edit(form)
        await user.press(confirm, "Сохранить")
        await user.wait_edit(confirm)

    await e2e.emu.wait_idle()
    async with e2e.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Rating)) == 6
        assert await s.scalar(select(func.count()).select_from(Rating).where(Rating.rater_id.is_not(None))) == 0

    # everyone looks at everything they may see
    period = period_of(local_today(datetime.now(UTC), "Europe/Moscow"))
    # (paced like people: Telegram allows a bot about one message a second per chat)
    await asyncio.sleep(5)
    for command in ("/ratings", "/ratings top", f"/export ratings {period}"):
        for viewer in (anna, boss, admin):
            await viewer.send(command)
        await e2e.emu.wait_idle()
        await asyncio.sleep(2)
    dash = [m for m in e2e.emu.bot_messages(boss.id) if any("Anna" in b for b in m.button_texts)]
    await boss.press(dash[-1], "Anna Akkaunt")
    await e2e.emu.wait_idle()

    # what the rated person heard: 3 anonymous notifications and one "threshold reached"
    to_anna = [m.text for m in e2e.emu.bot_messages(anna.id)]
    assert sum("Вам поставили оценку: 3" in t for t in to_anna) == 3
    assert sum("Собрано достаточно оценок" in t for t in to_anna) == 1
    assert any("4.33" in t for t in to_anna)  # the aggregate rule's average, after /ratings
    docs = [m for m in e2e.emu.bot_messages(boss.id) if m.document is not None]
    rows = list(csv.DictReader(io.StringIO(docs[-1].raw_bytes.decode("utf-8-sig"))))
    assert len(rows) == 6 and all(r["rater"] == "" for r in rows)

    # the scan: every message (all versions), caption, button, document and callback answer
    blobs_by_chat: dict[int, list[str]] = {}
    for chat_id in list(e2e.emu.chats):
        for m in e2e.emu.bot_messages(chat_id):
            blobs = blobs_by_chat.setdefault(chat_id, [])
            blobs += [m.text or "", m.html or "", " ".join(m.button_texts)]
            blobs += [str(v) for h in m.history for v in h.values() if isinstance(v, str)]
            blobs += [f.raw_bytes.decode("utf-8-sig", "replace") for f in m.files if f.raw_bytes]
    for rec in e2e.emu.callbacks.values():
        if rec.answer and rec.answer.get("text"):
            blobs_by_chat.setdefault(rec.user_id, []).append(rec.answer["text"])
    scanned = sum(len(v) for v in blobs_by_chat.values())
    assert scanned > 50
    for rater in raters_anon + raters_aggr:
        marks = (rater.first_name, rater.last_name + " ", rater.username)
        id_re = re.compile(rf"(?<!\d){rater.id}(?!\d)")
        for chat_id, blobs in blobs_by_chat.items():
            if chat_id == rater.id:
                continue
            for blob in blobs:
                for mark in marks:
                    assert mark not in blob, (rater.first_name, chat_id, mark, blob[:300])
                assert not id_re.search(blob), (rater.first_name, chat_id, blob[:300])
