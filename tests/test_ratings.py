"""Peer ratings through the production dispatcher (fast, in-process)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models.org import Department, Member, department_managers
from models.ratings import Rating, RatingForm, RatingPolicy
from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person, Sent

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga")
# raters (production department)
R1 = Person(11, "Ivan", "Raterov", "ivan_rater")
R2 = Person(12, "Petr", "Otsenkin", "petr_rater")
R3 = Person(13, "Sofia", "Kritikova", "sofia_rater")
# rated (account managers, who set the tasks)
A1 = Person(21, "Anna", "Akkaunt", "anna_acc")
A2 = Person(22, "Boris", "Brifov", "boris_acc")
MANAGER = Person(31, "Mila", "Rukova", "mila_boss")
RATERS = (R1, R2, R3)
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
GOOD = "Задача пришла без сроков и без примеров"


async def count(db, model) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def setup_org(h: Harness, db, mode: str = "anonymous", cadence: str = "both") -> dict[str, int]:
    """Admin, departments Production (raters) and Accounts (rated), people, and one policy."""
    await h.send(ADMIN, "/start")
    ids: dict[str, int] = {}
    async with db.session() as s:
        prod = Department(name="Продакшн", created_at=NOW)
        acc = Department(name="Аккаунты", created_at=NOW)
        s.add_all([prod, acc])
        await s.flush()
        people = [(R1, prod, "writer"), (R2, prod, "writer"), (R3, prod, "writer"),
                  (A1, acc, "writer"), (A2, acc, "writer"), (MANAGER, acc, "manager")]
        for p, dept, role in people:
            m = Member(telegram_id=p.id, display_name=f"{p.first_name} {p.last_name}", username=p.username,
                       role=role, department_id=dept.id, active=True, unreachable=False, created_at=NOW)
            s.add(m)
            await s.flush()
            ids[p.username] = m.id
        await s.execute(department_managers.insert().values(member_id=ids["mila_boss"], department_id=acc.id))
        policy = RatingPolicy(rater_department_id=prod.id, rated_department_id=acc.id, cadence=cadence, mode=mode,
                              active=True, created_at=NOW)
        s.add(policy)
        await s.commit()
        ids.update(policy=policy.id, prod=prod.id, acc=acc.id)
    return ids


def last_message(h: Harness, sent: list[Sent]) -> Sent:
    return h.messages(sent)[-1]


async def rate(h: Harness, who: Person, name: str, score: int, comment: str | None = GOOD,
               task: str | None = None) -> list[Sent]:
    """The whole /rate form; returns every request of the final save."""
    msg = last_message(h, await h.send(who, "/rate"))
    msg = last_message(h, await h.press(who, msg, msg.button(name)))
    if task is not None:
        msg = last_message(h, await h.send(who, task))
    elif "Оценка за месяц" in str(msg.buttons()):
        msg = last_message(h, await h.press(who, msg, msg.button("Оценка за месяц")))
    msg = last_message(h, await h.press(who, msg, msg.button(str(score))))
    if comment is None:
        msg = last_message(h, await h.press(who, msg, msg.button("Без комментария")))
    else:
        msg = last_message(h, await h.send(who, comment))
    return await h.press(who, msg, msg.button("Сохранить"))


async def test_policy_created_through_buttons(harness: Harness, db) -> None:
    h = harness
    await h.send(ADMIN, "/start")
    await h.send(ADMIN, "/departments add Продакшн")
    await h.send(ADMIN, "/departments add Аккаунты")
    msg = last_message(h, await h.send(ADMIN, "/rating_policies"))
    assert "Правил пока нет" in msg.text
    msg = last_message(h, await h.press(ADMIN, msg, msg.button("Добавить")))
    msg = last_message(h, await h.press(ADMIN, msg, msg.button("Продакшн")))
    msg = last_message(h, await h.press(ADMIN, msg, msg.button("Аккаунты")))
    msg = last_message(h, await h.press(ADMIN, msg, msg.button("раз в месяц")))
    sent = await h.press(ADMIN, msg, msg.button("только сводно"))
    card = last_message(h, sent)
    assert "«Продакшн» оценивает «Аккаунты»" in card.text
    async with db.session() as s:
        policy = await s.scalar(select(RatingPolicy))
        assert (policy.cadence, policy.mode, policy.active) == ("monthly", "aggregate", True)
    # a second identical rule is refused
    sent = await h.press(ADMIN, msg, msg.button("только сводно"))
    assert "уже есть" in h.answers(sent)[0].params["text"]
    # a writer cannot use the admin buttons
    assert await count(db, RatingPolicy) == 1


async def test_comment_rule_through_the_form(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db)
    msg = last_message(h, await h.send(R1, "/rate"))
    assert "Кого оцениваете" in msg.text
    assert not any("Ivan" in b for b, _ in msg.buttons())  # no self, no own department
    msg = last_message(h, await h.press(R1, msg, msg.button("Anna")))
    msg = last_message(h, await h.send(R1, "Бриф на лендинг https://tracker.example/T-1"))
    msg = last_message(h, await h.press(R1, msg, msg.button("3")))
    assert "объясните" in msg.text
    for bad, reason in (("-", "нужен комментарий"), (".", "нужен комментарий"), ("", "Напишите"),
                        ("плохо", "Слишком коротко"), ("ну такое 123", "Слишком коротко")):
        if not bad:
            continue
        text = last_message(h, await h.send(R1, bad)).text
        assert reason in text, (bad, text)
    assert await count(db, Rating) == 0
    msg = last_message(h, await h.send(R1, GOOD))
    assert "Проверьте" in msg.text and "Anna Akkaunt" in msg.text
    sent = await h.press(R1, msg, msg.button("Сохранить"))
    assert "Оценка сохранена" in h.messages(sent)[0].text
    async with db.session() as s:
        r = await s.scalar(select(Rating))
        assert (r.score, r.comment, r.period, r.rater_id) == (3, GOOD, "2026-11", None)
        assert len(r.rater_key) == 64


async def test_five_needs_no_comment_and_cancel_stores_nothing(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db, cadence="monthly")
    msg = last_message(h, await h.send(R1, "/rate"))
    msg = last_message(h, await h.press(R1, msg, msg.button("Boris")))
    msg = last_message(h, await h.press(R1, msg, msg.button("2")))
    await h.send(R1, "/cancel")
    assert await count(db, Rating) == 0
    await rate(h, R1, "Boris", 5, comment=None)
    assert await count(db, Rating) == 1


async def test_double_press_stores_one(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db)
    msg = last_message(h, await h.send(R1, "/rate"))
    msg = last_message(h, await h.press(R1, msg, msg.button("Anna")))
    msg = last_message(h, await h.press(R1, msg, msg.button("Оценка за месяц")))
    msg = last_message(h, await h.press(R1, msg, msg.button("4")))
    confirm = last_message(h, await h.send(R1, GOOD))
    data = confirm.button("Сохранить")
    results = await asyncio.gather(h.press(R1, confirm, data), h.press(R1, confirm, data))
    again = await h.press(R1, confirm, data)
    assert await count(db, Rating) == 1
    assert all(h.answers(sent) for sent in results)  # every press answered
    assert len(h.answers(again)) == 1 and "закрыта" in h.answers(again)[0].params["text"]
    # rating again for the same month replaces, it does not add
    await rate(h, R1, "Anna", 2)
    async with db.session() as s:
        assert [r.score for r in await s.scalars(select(Rating))] == [2]


async def test_forged_callbacks_refused(harness: Harness, db) -> None:
    h = harness
    ids = await setup_org(h, db)
    p, anna = ids["policy"], ids["anna_acc"]
    msg = last_message(h, await h.send(R1, "/rate"))
    # someone outside the rater department (the rated manager, the admin) forges a score
    for outsider in (MANAGER, A2, ADMIN):
        sent = await h.press(outsider, msg, f"rt:score:{p}:{anna}:5:")
        answer = h.answers(sent)[0].params
        assert answer["show_alert"] is True and "не можете" in answer["text"]
        sent = await h.press(outsider, msg, f"rt:who:{p}:{anna}:0:")
        assert h.answers(sent)[0].params["show_alert"] is True
    # a rater targets someone outside the rated department, or themselves, or a made-up policy
    for data, reason in ((f"rt:score:{p}:{ids['petr_rater']}:4:", "не можете"),
                         (f"rt:score:{p}:{ids['ivan_rater']}:4:", "Себя"),
                         (f"rt:score:999:{anna}:4:", "не можете"),
                         (f"rt:score:{p}:{anna}:9:", "варианта нет"),
                         (f"rt:score:{p}:{anna}:4:2026-10", "закрыт")):
        sent = await h.press(R1, msg, data)
        assert reason in h.answers(sent)[0].params["text"], data
    # a save press without a filled form (or for another person than the form) stores nothing
    sent = await h.press(R1, msg, f"rt:ok:{p}:{anna}:0:")
    assert "закрыта" in h.answers(sent)[0].params["text"]
    assert await count(db, Rating) == 0


async def test_aggregate_threshold(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db, mode="aggregate", cadence="monthly")
    for rater in (R1, R2):
        sent = await rate(h, rater, "Anna", 3)
        assert not [s for s in sent if s.params.get("chat_id") == A1.id]  # nothing to Anna yet
    text = "\n".join(m.text for m in h.messages(await h.send(A1, "/ratings")))
    assert "не меньше 3 разных человек" in text and "Средний балл" not in text and GOOD not in text
    text = "\n".join(m.text for m in h.messages(await h.send(MANAGER, "/ratings")))
    assert "результаты скрыты" in text and "3.00" not in text
    sent = await rate(h, R3, "Anna", 4, comment="Всё понятно, но сроки были нереальные")
    notes = [s for s in sent if s.params.get("chat_id") == A1.id]
    assert len(notes) == 1 and "Собрано достаточно оценок" in notes[0].text
    text = "\n".join(m.text for m in h.messages(await h.send(A1, "/ratings")))
    assert "Средний балл: <b>3.33</b>" in text and "сроки были нереальные" in text
    for rater in RATERS:
        assert rater.first_name not in text
    # a change does not notify again
    sent = await rate(h, R1, "Anna", 5, comment=None)
    assert not [s for s in sent if s.params.get("chat_id") == A1.id]


async def test_views_by_mode(harness: Harness, db) -> None:
    h = harness
    ids = await setup_org(h, db, mode="open", cadence="monthly")
    sent = await rate(h, R1, "Anna", 4)
    note = next(s for s in sent if s.params.get("chat_id") == A1.id)
    assert "Ivan Raterov" in note.text
    text = "\n".join(m.text for m in h.messages(await h.send(A1, "/ratings")))
    assert "Ivan Raterov" in text and "4.00" in text
    # switching the rule to anonymous forgets who rated
    msg = last_message(h, await h.send(ADMIN, "/rating_policies"))
    msg = last_message(h, await h.press(ADMIN, msg, msg.button("1.")))
    await h.press(ADMIN, msg, msg.button("анонимно"))
    async with db.session() as s:
        assert (await s.scalar(select(Rating))).rater_id is None
    text = "\n".join(m.text for m in h.messages(await h.send(A1, "/ratings")))
    assert "Ivan" not in text and GOOD in text
    # the rater sees their own rating; the manager sees the person and department
    text = "\n".join(m.text for m in h.messages(await h.send(R1, "/ratings")))
    assert "Anna Akkaunt: 4" in text
    sent = await h.send(MANAGER, "/ratings")
    dash = h.messages(sent)[-1]
    assert "Аккаунты" in dash.text and "Anna Akkaunt: 4.00" in dash.text
    detail = h.messages(await h.press(MANAGER, dash, dash.button("Anna")))
    assert GOOD in detail[0].text and "Ivan" not in detail[0].text
    # writers get no leaderboard; managers do, with the minimum
    assert "недоступна" in h.messages(await h.send(R1, "/ratings top"))[0].text
    await rate(h, R2, "Anna", 5, comment=None)
    await rate(h, R3, "Anna", 5, comment=None)
    top = h.messages(await h.send(MANAGER, "/ratings top 2026-11"))[0].text
    assert "1. Anna Akkaunt — 4.67" in top and "Boris" not in top
    assert ids["policy"]


async def test_campaign_does_not_resend_filled_forms(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db, cadence="monthly")
    sent = await h.send(ADMIN, "/rating_campaign")
    forms = [s for s in sent if s.method == "SendMessage" and "Оценка за" in (s.text or "")]
    # 3 raters x 3 people of the rated department (Anna, Boris and their manager Mila)
    assert len(forms) == 9 and {s.params["chat_id"] for s in forms} == {r.id for r in RATERS}
    assert "Разослано форм: 9" in h.messages(sent)[-1].text
    form = next(s for s in forms if s.params["chat_id"] == R1.id and "Anna" in s.text)
    msg = last_message(h, await h.press(R1, form, form.button("5")))
    msg = last_message(h, await h.press(R1, msg, msg.button("Без комментария")))
    await h.press(R1, msg, msg.button("Сохранить"))
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(RatingForm).where(RatingForm.filled.is_(True))) == 1
    # a second /rating_campaign: every form is filled or still open, so nobody gets another one
    sent = await h.send(ADMIN, "/rating_campaign")
    forms = [s for s in sent if s.method == "SendMessage" and "Оценка за" in (s.text or "")]
    assert forms == []
    assert "Разослано форм: 0" in h.messages(sent)[-1].text
    # both runs are audited, with the admin as actor
    from models.org import AuditEntry, Member

    async with db.session() as s:
        admin_id = await s.scalar(select(Member.id).where(Member.telegram_id == ADMIN.id))
        rows = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "rating_campaign.started")))
    assert [r.actor_id for r in rows] == [admin_id, admin_id]


async def test_export_respects_anonymity(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db, mode="anonymous", cadence="monthly")
    await rate(h, R1, "Anna", 3)
    await rate(h, R2, "Anna", 5, comment=None)
    assert "Пример" in h.messages(await h.send(MANAGER, "/export"))[0].text
    sent = await h.send(MANAGER, "/export ratings 2026-11")
    doc = next(s for s in sent if s.method == "SendDocument")
    data = doc.params["document"].data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert len(rows) == 2 and {r["rated"] for r in rows} == {"Anna Akkaunt"}
    assert all(r["rater"] == "" and r["created_at"] == "" for r in rows)
    for rater in (R1, R2):
        assert rater.first_name not in data and rater.username not in data and str(rater.id) not in data.split(",")
    assert "недоступна" in h.messages(await h.send(R1, "/export ratings 2026-11"))[0].text


@pytest.mark.parametrize("mode", ["anonymous", "aggregate"])
async def test_no_rater_identity_reaches_anyone_else(harness: Harness, db, mode: str) -> None:
    """Scan every request of a whole flow: no rater's name, username or id reaches another chat."""
    h = harness
    await setup_org(h, db, mode=mode, cadence="both")
    log: list[tuple[int, Sent]] = []  # (recipient, request)

    async def act(person: Person, coro) -> list[Sent]:
        sent = await coro
        for s in sent:
            log.append((int(s.params.get("chat_id") or person.id), s))
        return sent

    orig_send, orig_press = h.send, h.press
    h.send = lambda p, text: act(p, orig_send(p, text))  # type: ignore[method-assign]
    h.press = lambda p, sent, data: act(p, orig_press(p, sent, data))  # type: ignore[method-assign]
    await h.send(ADMIN, "/rating_campaign")
    for rater, score in zip(RATERS, (2, 4, 5), strict=True):
        await rate(h, rater, "Anna", score, comment=None if score == 5 else GOOD)
        await rate(h, rater, "Boris", 3, task="Задача T-42 по брифу")
    for viewer in (A1, A2, MANAGER, ADMIN):
        await h.send(viewer, "/ratings")
        await h.send(viewer, "/ratings top")
        await h.send(viewer, "/export ratings 2026-11")
    dash = [s for r, s in log if r == MANAGER.id and s.buttons() and "Anna" in str(s.buttons())]
    if dash:
        await h.press(MANAGER, dash[-1], dash[-1].button("Anna"))
    assert any(r == A1.id for r, _ in log)
    for rater in RATERS:
        marks = [rater.first_name, rater.last_name, rater.username, str(rater.id)]
        for recipient, s in log:
            if recipient == rater.id:
                continue
            blobs = [str(v) for k, v in s.params.items() if k in ("text", "caption")]
            doc = s.params.get("document")
            if doc is not None:
                blobs.append(doc.data.decode("utf-8-sig"))
            markup = s.markup
            if markup is not None:
                blobs += [b.text for row in markup.inline_keyboard for b in row]
            for blob in blobs:
                for mark in marks[:3]:
                    assert mark not in blob, (rater, recipient, blob)
                assert str(rater.id) not in blob.replace("2026-11", "").split(), (rater, recipient, blob)


async def test_aggregate_counts_raters_not_ratings(harness: Harness, db) -> None:
    """One rater's three per-task ratings do not reach k = 3: nothing is shown, nobody is notified."""
    h = harness
    await setup_org(h, db, mode="aggregate", cadence="per_task")
    for i in range(3):
        sent = await rate(h, R1, "Anna", 3, comment=f"{GOOD} ({i})", task=f"Задача номер {i}")
        assert not [s for s in sent if s.params.get("chat_id") == A1.id]  # no threshold notice to Anna
    assert await count(db, Rating) == 3
    text = "\n".join(m.text for m in h.messages(await h.send(A1, "/ratings")))
    assert "Средний балл" not in text and GOOD not in text and "3.00" not in text
    dash = "\n".join(m.text for m in h.messages(await h.send(MANAGER, "/ratings")))
    assert "результаты скрыты" in dash and "3.00" not in dash
    top = "\n".join(m.text for m in h.messages(await h.send(MANAGER, "/ratings top 2026-11")))
    assert "Anna" not in top
    sent = await h.send(MANAGER, "/export ratings 2026-11")
    doc = next((s for s in sent if s.method == "SendDocument"), None)
    assert doc is None or GOOD not in doc.params["document"].data.decode("utf-8-sig")
    # a second and a third rater make three distinct raters: now it shows
    await rate(h, R2, "Anna", 5, comment=None, task="Задача номер 7")
    sent = await rate(h, R3, "Anna", 5, comment=None, task="Задача номер 8")
    assert len([s for s in sent if s.params.get("chat_id") == A1.id]) == 1
    text = "\n".join(m.text for m in h.messages(await h.send(A1, "/ratings")))
    assert "Средний балл: <b>3.80</b>" in text and GOOD in text
