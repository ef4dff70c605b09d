"""QA probes: peer ratings (issue 4) and digests/warnings/reminders (issue 5), as a strict tester would."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from sqlalchemy import update

from models.org import Member
from models.ratings import Rating, RatingPolicy
from scheduler import charts
from tests.recording import Harness, Person
from tests.scheduling_helpers import add_units, at_msk, make_team
from tests.test_ratings import A1, ADMIN, GOOD, MANAGER, R1, R2, R3, count, last_message, rate, setup_org


async def english(db, *people: Person) -> None:
    async with db.session() as s:
        await s.execute(update(Member).where(Member.telegram_id.in_([p.id for p in people])).values(language="en"))
        await s.commit()


async def test_comment_length_rules(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db, cadence="monthly")
    msg = last_message(h, await h.send(R1, "/rate"))
    msg = last_message(h, await h.press(R1, msg, msg.button("Anna")))
    msg = last_message(h, await h.press(R1, msg, msg.button("3")))
    for bad in ("абвгдежзи", "😡😡😡😡😡😡😡😡😡😡😡😡", "а" * 1001):
        sent = await h.send(R1, bad)
        assert len(h.messages(sent)) == 1 and "Сохранить" not in str(h.messages(sent)[0].buttons()), bad
    sent = await h.send(R1, "абвгдежзик")
    assert "Сохранить" in str(h.messages(sent)[0].buttons())
    assert await count(db, Rating) == 0


async def test_html_in_names_and_comments(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db, mode="open", cadence="monthly")
    async with db.session() as s:
        await s.execute(update(Member).where(Member.telegram_id == A1.id).values(display_name='Anna <b>"&amp;" Akk'))
        await s.commit()
    comment = 'Плохо <i>очень</i> & "совсем" <script> всё'
    sent = await rate(h, R1, "Anna", 2, comment=comment)
    for s in sent:
        for b, _ in s.buttons():
            assert "&amp;" not in b and "&lt;" not in b
    text = "\n".join(m.text for m in h.messages(await h.send(A1, "/ratings")))
    assert "&lt;i&gt;очень&lt;/i&gt; &amp;" in text
    dash = h.messages(await h.send(MANAGER, "/ratings"))[-1]
    assert "Anna &lt;b&gt;\"&amp;amp;\" Akk" in dash.text
    assert any(b.startswith('Anna <b>"&amp;"') for b, _ in dash.buttons())
    sent = await h.send(MANAGER, "/export ratings 2026-11")
    doc = next(s for s in sent if s.method == "SendDocument")
    rows = list(csv.DictReader(io.StringIO(doc.params["document"].data.decode("utf-8-sig"))))
    assert rows[0]["comment"] == comment and rows[0]["rated"] == 'Anna <b>"&amp;" Akk'


async def test_cancel_then_old_buttons(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db, cadence="monthly")
    msg = last_message(h, await h.send(R1, "/rate"))
    msg = last_message(h, await h.press(R1, msg, msg.button("Anna")))
    score_msg = msg
    msg = last_message(h, await h.press(R1, msg, msg.button("3")))
    confirm = last_message(h, await h.send(R1, GOOD))
    await h.send(R1, "/cancel")
    sent = await h.press(R1, confirm, confirm.button("Сохранить"))
    assert "закрыта" in h.answers(sent)[0].params["text"]
    sent = await h.press(R1, score_msg, score_msg.button("4"))
    assert "закрыта" in h.answers(sent)[0].params["text"] and not h.messages(sent)
    assert await count(db, Rating) == 0


async def test_forged_target_outside_policy(harness: Harness, db) -> None:
    h = harness
    ids = await setup_org(h, db, cadence="monthly")
    msg = last_message(h, await h.send(R1, "/rate"))
    p = ids["policy"]
    for data in (f"rt:who:{p}:{ids['ivan_rater']}:0:", f"rt:who:{p}:{ids['petr_rater']}:0:",
                 f"rt:who:{p}:99999:0:", "rt:who:abc:1:0:", f"rt:ok:{p}:{ids['anna_acc']}:0:"):
        sent = await h.press(R1, msg, data)
        answers = h.answers(sent)
        assert len(answers) == 1, data
        assert len(answers[0].params.get("text", "")) <= 200
    assert await count(db, Rating) == 0


@pytest.mark.parametrize("mode", ["anonymous", "aggregate"])
async def test_rater_who_is_a_manager_stays_anonymous(harness: Harness, db, mode: str) -> None:
    """R1 also manages the rated department: other managers and the rated see no trace of R1."""
    from models.org import department_managers
    h = harness
    ids = await setup_org(h, db, mode=mode, cadence="monthly")
    async with db.session() as s:
        await s.execute(update(Member).where(Member.telegram_id == R1.id).values(role="manager"))
        await s.execute(department_managers.insert().values(member_id=ids["ivan_rater"], department_id=ids["acc"]))
        await s.commit()
    for r in (R1, R2, R3):
        await rate(h, r, "Anna", 4)
    blobs = []
    for viewer in (A1, MANAGER, ADMIN):
        for cmd in ("/ratings", "/ratings top", "/export ratings 2026-11"):
            for s in await h.send(viewer, cmd):
                blobs.append(str(s.params.get("text") or s.params.get("caption") or ""))
                if s.params.get("document") is not None:
                    blobs.append(s.params["document"].data.decode("utf-8-sig"))
                blobs += [b for b, _ in s.buttons()]
    for blob in blobs:
        assert "Ivan" not in blob and "ivan_rater" not in blob and "Raterov" not in blob


async def test_aggregate_below_k_does_not_reveal_that_someone_rated(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db, mode="aggregate", cadence="monthly")
    before = h.messages(await h.send(MANAGER, "/ratings"))[-1].text
    await rate(h, R1, "Anna", 2)
    after = h.messages(await h.send(MANAGER, "/ratings"))[-1].text
    assert before == after
    # nor once the rule is paused
    async with db.session() as s:
        await s.execute(update(RatingPolicy).values(active=False))
        await s.commit()
    paused = h.messages(await h.send(MANAGER, "/ratings"))[-1].text
    assert "Anna" in paused and "Boris" in paused and "2.00" not in paused


async def test_export_and_top_bad_arguments(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db, cadence="monthly")
    await english(db, MANAGER)
    for cmd, expect in (("/export", "/export ratings"), ("/export foo", "/export ratings"),
                        ("/export ratings 2026-13", "2026-13"), ("/ratings top 2025-01", "Nobody"),
                        ("/ratings 2026-13", "2026-13"), ("/ratings top foo", "foo")):
        sent = h.messages(await h.send(MANAGER, cmd))
        assert sent and expect in sent[0].text, (cmd, [s.text for s in sent])
        assert not any(ch in sent[0].text for ch in "абвгдежзийклмнопрстуфхцчшщыэюя"), (cmd, sent[0].text)


def test_chart_names_with_dollars_render() -> None:
    for name in ("$\\frac$", "x$^$y", "a $5 & $b_", "<b>&amp;</b>"):
        png = charts._render("plan_vs_done", ([charts.PersonBar(name, 10, 3, 5.0)],), {"title": "t"})
        assert png.startswith(b"\x89PNG")
        png = charts._render("rating_averages", ([charts.RatingBar(name, 4.5, 3)],), {"title": "t"})
        assert png.startswith(b"\x89PNG")


# -- digests -------------------------------------------------------------------------------
D_ADMIN = Person(1, "Olga", "Admin", "olga")
D_MANAGER = Person(100, "Max")


async def test_digest_bad_time_and_twice(harness: Harness, db) -> None:
    h = harness
    team = await make_team(db, writers=2)
    await add_units(db, team.writers[0], team.project_id, 3, at_msk(12, 12))
    for bad in ("/digest time 25:00", "/digest time abc"):
        sent = h.messages(await h.send(D_MANAGER, bad))
        assert len(sent) == 1 and "не время" in sent[0].text and bad.split()[-1] in sent[0].text, bad
    sent = h.messages(await h.send(D_MANAGER, "/digest foo"))
    assert len(sent) == 1 and "/digest time 09:00" in sent[0].text
    results = await asyncio.gather(h.send(D_MANAGER, "/digest"), h.send(D_MANAGER, "/digest"))
    methods = [[s.method for s in r] for r in results]
    assert sum("SendMediaGroup" in m for m in methods) == 1, methods
    h.dp.workflow_data["renderer"].shutdown()


async def test_digest_many_lagging_long_names(harness: Harness, db) -> None:
    h = harness
    team = await make_team(db, writers=45, plan=100)
    async with db.session() as s:
        for w in team.writers:
            await s.execute(update(Member).where(Member.id == w.id).values(
                display_name=f"Очень <длинное> & имя автора номер {w.id} " + "ж" * 30))
        await s.commit()
    await add_units(db, team.writers[0], team.project_id, 3, at_msk(12, 12))
    sent = await h.send(D_MANAGER, "/digest")
    album = next(s for s in sent if s.method == "SendMediaGroup")
    from bot.text import visible_len as _visible_len
    cap = album.params["media"][0].caption
    assert cap and _visible_len(cap) <= 1024
    h.dp.workflow_data["renderer"].shutdown()


async def test_manager_without_departments_gets_a_message(harness: Harness, db) -> None:
    h = harness
    await h.send(D_ADMIN, "/start")
    async with db.session() as s:
        from datetime import UTC, datetime

        from models.org import Department
        dept = Department(name="Solo", created_at=datetime(2026, 11, 1, tzinfo=UTC))
        s.add(dept)
        await s.flush()
        s.add(Member(telegram_id=D_MANAGER.id, display_name="Max", role="manager", department_id=dept.id,
                     active=True, unreachable=False, created_at=datetime(2026, 11, 1, tzinfo=UTC), language="en"))
        await s.commit()
    for cmd in ("/digest", "/ratings", "/ratings top", "/export ratings", "/rate"):
        sent = h.messages(await h.send(D_MANAGER, cmd))
        assert sent, cmd
    sent = await h.send(D_MANAGER, "/settings")
    menu = h.messages(sent)[0]
    screen = h.messages(await h.press(D_MANAGER, menu, menu.button("Digests")))[0]
    for label in ("Daily", "Weekly", "Monthly"):
        sent = await h.press(D_MANAGER, screen, screen.button(label))
        assert h.answers(sent)[0].params.get("text")


CYRILLIC = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")


def _russian(text: str) -> bool:
    for known in ("Продакшн", "Аккаунты"):
        text = text.replace(known, "")
    return bool(CYRILLIC & set(text.lower()))


async def test_english_rating_screens(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db, mode="aggregate", cadence="both")
    await english(db, R1, MANAGER, ADMIN, A1)
    seen = []
    msg = last_message(h, await h.send(R1, "/rate"))
    seen.append(msg)
    msg = last_message(h, await h.press(R1, msg, msg.button("Anna")))
    seen.append(msg)
    msg = last_message(h, await h.press(R1, msg, msg.buttons()[0][1]))
    seen.append(msg)
    sent = await h.send(R1, "hello")
    seen += h.messages(sent)
    msg = last_message(h, await h.press(R1, msg, msg.button("2")))
    seen.append(msg)
    seen += h.messages(await h.send(R1, "short"))
    msg = last_message(h, await h.send(R1, "The brief had no deadline at all"))
    seen.append(msg)
    sent = await h.press(R1, msg, msg.buttons()[0][1])
    seen += h.messages(sent) + h.answers(sent)
    for who, cmd in ((R1, "/ratings"), (A1, "/ratings"), (MANAGER, "/ratings"), (MANAGER, "/ratings top"),
                     (ADMIN, "/rating_policies"), (ADMIN, "/rating_campaign"), (MANAGER, "/export ratings")):
        sent = await h.send(who, cmd)
        seen += [s for s in sent if s.params.get("chat_id") == who.id]
    for s in seen:
        texts = [s.params.get("text") or s.params.get("caption") or ""] + [b for b, _ in s.buttons()]
        for text in texts:
            assert not _russian(text), text


async def test_long_comment_full_of_ampersands_is_shown_whole(harness: Harness, db) -> None:
    """1000 characters, most of them "&" (5 characters each once escaped): every view stays valid HTML."""
    h = harness
    await setup_org(h, db, mode="anonymous", cadence="monthly")
    comment = "abcdefghij " + "&<" * 494 + "x"
    assert len(comment) == 1000
    sent = await rate(h, R1, "Anna", 2, comment=comment)
    assert any(s.params.get("chat_id") == A1.id for s in sent)
    for who in (A1, MANAGER):
        sent = await h.send(who, "/ratings")
        assert h.messages(sent)
    dash = h.messages(await h.send(MANAGER, "/ratings"))[-1]
    detail = h.messages(await h.press(MANAGER, dash, dash.button("Anna")))
    assert "&amp;&lt;" * 494 in "".join(m.text for m in detail)


def test_translator_takes_arguments_longer_than_fluents_placeable_limit() -> None:
    from bot.i18n import Catalog

    text = Catalog().format("en", "rating-your-comment", comment="<&" * 500)
    assert "&lt;&amp;" * 500 in text


async def test_scheduled_texts_valid_html_and_english(db, settings, clock) -> None:
    from bot.sandbox.tghtml import parse_html
    from tests.scheduling_helpers import MSK_0900_MON, add_revision, make_jobs

    team = await make_team(db, writers=3, plan=42, dept_name="Dept $x$ <&>")
    async with db.session() as s:
        await s.execute(update(Member).values(language="en"))
        await s.execute(update(Member).where(Member.id == team.writers[1].id).values(display_name="Cash $^$ <b>"))
        await s.commit()
    [unit] = await add_units(db, team.writers[0], team.project_id, 1, at_msk(13, 10))
    await add_revision(db, unit, at_msk(13, 11))
    settings = settings.model_copy(update={"chart_mode": "thread", "chart_workers": 1})
    jobs, sender = make_jobs(db, settings, clock)
    clock.set(MSK_0900_MON)
    await jobs.tick(MSK_0900_MON)
    await jobs.check_lags(at_msk(16, 10))
    await jobs.overdue_revisions(at_msk(16, 12))
    kinds = set(sender.kinds())
    assert {"digest_daily", "digest_weekly", "lag_member", "lag_manager", "revision_writer"} <= kinds, kinds
    for call in sender.calls:
        plain, _ = parse_html(call.text)
        assert len(plain) <= (1024 if call.pngs else 4096)
        for name in ("Dept $x$ <&>", "Cash $^$ <b>", *(f"Автор <{i}> & Co" for i in range(3)), "Пост 0"):
            plain = plain.replace(name, "")
        assert not CYRILLIC & set(plain.lower()), (call.kind, plain)
        for _, png in call.pngs:
            assert png.startswith(b"\x89PNG")
    jobs.renderer.shutdown()


async def test_garbage_callbacks_are_answered(harness: Harness, db) -> None:
    h = harness
    ids = await setup_org(h, db, cadence="monthly")
    msg = last_message(h, await h.send(MANAGER, "/ratings"))
    for data in ("rt:score:x:y:z:w:", "rv:abc:2026-11", f"rv:{ids['anna_acc']}:2026-13", f"rv:{ids['anna_acc']}:",
                 "rv:999999:2026-11", "dg:time:9", "dg:toggle:hourly", "po:set:1:0:0:mode:x:0"):
        sent = await h.press(MANAGER, msg, data)
        answers = h.answers(sent)
        assert len(answers) == 1, (data, [s.method for s in sent])
        assert len(answers[0].params.get("text") or "") <= 200


async def test_sender_never_cuts_html() -> None:
    from aiogram.methods import SendMessage

    from bot.sandbox.tghtml import parse_html
    from bot.sender import Sender
    from bot.text import visible_len as _visible_len

    sent = []

    class Bot:
        async def __call__(self, method):
            sent.append(method)

    async def no_sleep(_):
        return None

    sender = Sender(Bot(), None, sleep=no_sleep)
    escaped = "<b>Title</b>\n" + "&amp;" * 1500  # 5000 characters of HTML, 1506 visible
    assert (await sender.send_text(1, escaped)).ok
    assert sent[-1].text == escaped
    assert (await sender.send_charts(1, [("a.png", b"png")], escaped)).ok
    assert isinstance(sent[-1], SendMessage) and sent[-1].text == escaped
    assert (await sender.send_text(1, "<b>x</b>" + "&lt;" * 5000)).ok
    plain, _ = parse_html(sent[-1].text)
    assert len(plain) <= 4096 and _visible_len(sent[-1].text) <= 4096


async def test_english_digest_screens(harness: Harness, db) -> None:
    h = harness
    team = await make_team(db, writers=2, dept_name="Content")
    async with db.session() as s:
        await s.execute(update(Member).values(language="en"))
        await s.commit()
    await add_units(db, team.writers[0], team.project_id, 3, at_msk(12, 12))
    seen = []
    menu = h.messages(await h.send(D_MANAGER, "/settings"))[0]
    sent = await h.press(D_MANAGER, menu, menu.button("Digests"))
    screen = h.messages(sent)[0]
    seen += [screen]
    for label in ("Daily", "08:00"):
        sent = await h.press(D_MANAGER, screen, screen.button(label))
        seen += h.messages(sent) + h.answers(sent)
    for cmd in ("/digest time 25:00", "/digest time 07:15", "/digest foo", "/digest"):
        seen += [s for s in await h.send(D_MANAGER, cmd) if s.method != "SendChatAction"]
    texts = []
    for s in seen:
        texts.append(s.params.get("text") or s.params.get("caption") or "")
        texts += [b for b, _ in s.buttons()]
        for m in s.params.get("media") or []:
            texts.append(m.caption or "")
    for text in texts:
        for i in range(2):
            text = text.replace(f"Автор &lt;{i}&gt; &amp; Co", "")
        assert not CYRILLIC & set(text.lower()), text
    h.dp.workflow_data["renderer"].shutdown()


def test_caption_that_cannot_fit_is_not_cut_inside_html() -> None:
    from bot.sandbox.tghtml import parse_html
    from scheduler import digest as dg

    def t(key: str, **args) -> str:
        return "<b>" + "&amp;" * 1100 + "</b>" if key == "daily-title" or key.endswith("-title") else key

    text = dg.caption(t, dg.DAILY, "01.11.2026", [], [], [], None, {})
    parse_html(text)  # valid HTML: the Sender sends an over-long caption as a separate text


async def test_export_of_a_month_without_visible_ratings_says_so(harness) -> None:
    from tests.recording import Person

    admin = Person(1, "Olga")
    await harness.send(admin, "/start")
    sent = harness.messages(await harness.send(admin, "/export ratings 2026-10"))
    assert len(sent) == 1 and sent[0].method == "SendMessage"
    assert "выгружать нечего" in sent[0].text
