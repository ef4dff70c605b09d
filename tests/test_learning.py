"""The knowledge base and courses through the production dispatcher: writing articles (formatting kept),
search, audiences (forged buttons, inline mode), editing with the previous text kept, long articles, the
Markdown import, automatic enrolment, Telegram quizzes through ``poll_answer`` updates, /learn, /learning,
and the scheduler's freshness reminder and nudges (fast, in-process)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram.types import (
    Chat,
    InlineQuery,
    Message,
    MessageEntity,
    PhotoSize,
    PollAnswer,
    Update,
)
from sqlalchemy import func, select

from bot.callbacks import CourseCb, KbCb
from models.learning import Article, ArticleVersion, Attachment, Course, Enrolment, QuizPoll
from models.org import AuditEntry
from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person, Sent
from tests.scheduling_helpers import make_jobs
from tests.test_onboarding import invite_link

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga")
WRITER = Person(2, "Anna", "Petrova", "anna")
MANAGER = Person(4, "Max", "Bossov", "maxboss")
ENGLISH = Person(5, "John", "Smith", "john", language_code="en")
STRANGER = Person(60, "Sam", None, "sam")

COURSE = """# Онбординг автора
pass: 80

## Контент-план
Контент-план — это **расписание** публикаций.

### Что входит в контент-план?
- [ ] только даты
- [x] даты, темы и форматы
> Темы и форматы тоже.

### Кто утверждает план?
- [x] клиент
- [ ] никто

## Мониторинг
Проверяйте площадки каждое утро.
"""


def to(person: Person, sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.method in ("SendMessage", "EditMessageText", "SendPoll", "SendPhoto")
            and s.params.get("chat_id") == person.id]


async def count(db, model, *where) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


async def feed_message(h: Harness, person: Person, **fields) -> list[Sent]:
    msg = Message(message_id=next(h._msg_ids), date=datetime.now(UTC),
                  chat=Chat(id=person.id, type="private", first_name=person.first_name), from_user=person.user,
                  **fields)
    return await h._feed(Update(update_id=next(h._update_ids), message=msg))


async def inline(h: Harness, person: Person, query: str) -> Sent:
    q = InlineQuery(id=str(next(h._update_ids)), from_user=person.user, query=query, offset="")
    sent = await h._feed(Update(update_id=next(h._update_ids), inline_query=q))
    answers = [s for s in sent if s.method == "AnswerInlineQuery"]
    assert len(answers) == 1
    return answers[0]


async def answer_poll(h: Harness, person: Person, poll_id: str, option: int) -> list[Sent]:
    a = PollAnswer(poll_id=poll_id, user=person.user, option_ids=[option], option_persistent_ids=[str(option)])
    return await h._feed(Update(update_id=next(h._update_ids), poll_answer=a))


async def setup(h: Harness) -> None:
    await h.send(ADMIN, "/start")
    await h.send(ADMIN, "/departments add SMM")
    await h.send(MANAGER, f"/start {await invite_link(h, ADMIN, 'руководитель')}")
    await h.send(WRITER, f"/start {await invite_link(h, ADMIN)}")


async def write_article(h: Harness, who: Person, title: str, *bodies: str, audience: tuple[str, ...] = (),
                        entities: list[MessageEntity] | None = None) -> list[Sent]:
    await h.send(who, "/kb_new")
    await h.send(who, title)
    last = None
    for i, body in enumerate(bodies):
        last = await feed_message(h, who, text=body, entities=entities if i == 0 else None)
    done = h.messages(last)[-1]
    cats = h.messages(await h.press(who, done, done.button("Готово")))[0]
    aud = h.messages(await h.press(who, cats, cats.button("Без раздела")))[0]
    for label in audience:
        aud = h.messages(await h.press(who, aud, aud.button(label)))[0]
    return await h.press(who, aud, aud.button("Сохранить"))


async def test_an_article_keeps_its_formatting_and_attachments_and_saves_once(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    body = "Жирный и ссылка <тег> & всё"
    entities = [MessageEntity(type="bold", offset=0, length=6),
                MessageEntity(type="text_link", offset=9, length=6, url="https://example.com/a?b=1&c=2")]
    await h.send(ADMIN, "/kb_new")
    await h.send(ADMIN, "Контент-план")
    await feed_message(h, ADMIN, text=body, entities=entities)
    sent = await feed_message(h, ADMIN, photo=[PhotoSize(file_id="PHOTO1", file_unique_id="u1", width=10, height=10)],
                              caption="Схема", caption_entities=[MessageEntity(type="italic", offset=0, length=5)])
    done = h.messages(sent)[-1]
    assert "вложений — 1" in done.text
    cats = h.messages(await h.press(ADMIN, done, done.button("Готово")))[0]
    aud = h.messages(await h.press(ADMIN, cats, cats.button("Без раздела")))[0]
    save = aud.button("Сохранить")
    first = await h.press(ADMIN, aud, save)
    again = await h.press(ADMIN, aud, save)  # a double press
    assert await count(db, Article) == 1
    async with db.session() as s:
        a = await s.scalar(select(Article))
        article_id = a.id  # not 1 on PostgreSQL, where sequences are not reset between tests
        assert a.body_html == ('<b>Жирный</b> и <a href="https://example.com/a?b=1&amp;c=2">ссылка</a> '
                               '&lt;тег&gt; &amp; всё')
        assert a.body_parts[0]["entities"][0]["type"] == "bold"
        att = await s.scalar(select(Attachment))
        assert (att.kind, att.file_id, att.caption_html) == ("photo", "PHOTO1", "<i>Схема</i>")
    shown = [s for s in first if s.method == "SendMessage"]
    assert any('<b>Жирный</b>' in s.text and "https://example.com/a?b=1&amp;c=2" in s.text for s in shown)
    assert [s.params["photo"] for s in first if s.method == "SendPhoto"] == ["PHOTO1"]
    assert any(f"#{article_id}" in (s.text or "") for s in h.messages(again))


async def test_a_document_is_attached_and_sent_back_with_its_caption(harness: Harness, db) -> None:
    from aiogram.types import Document

    h = harness
    await setup(h)
    await h.send(ADMIN, "/kb_new")
    await h.send(ADMIN, "Шаблон договора")
    await feed_message(h, ADMIN, text="Шаблон во вложении")
    sent = await feed_message(h, ADMIN, document=Document(file_id="DOC1", file_unique_id="d1", file_name="d.pdf"),
                              caption="Договор", caption_entities=[MessageEntity(type="bold", offset=0, length=7)])
    done = h.messages(sent)[-1]
    assert "вложений — 1" in done.text
    cats = h.messages(await h.press(ADMIN, done, done.button("Готово")))[0]
    aud = h.messages(await h.press(ADMIN, cats, cats.button("Без раздела")))[0]
    saved = await h.press(ADMIN, aud, aud.button("Сохранить"))
    async with db.session() as s:
        att = await s.scalar(select(Attachment))
    assert (att.kind, att.file_id, att.caption_html) == ("document", "DOC1", "<b>Договор</b>")
    docs = [x for x in saved if x.method == "SendDocument"]
    assert [d.params["document"] for d in docs] == ["DOC1"] and docs[0].params["caption"] == "<b>Договор</b>"
    # the reader opening it gets the document too
    found = h.messages(await h.send(WRITER, "/kb договор"))[0]
    opened = await h.press(WRITER, found, KbCb(a="open", id=att.article_id).pack())
    assert [x.params["document"] for x in opened if x.method == "SendDocument"] == ["DOC1"]


async def test_search_finds_inflected_forms_and_respects_the_audience(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await write_article(h, ADMIN, "Контент-план клиента", "Как составить план публикаций")
    await write_article(h, ADMIN, "Зарплаты руководителей", "Только для руководителей: контент-плана нет",
                        audience=("руководитель",))
    found = h.messages(await h.send(WRITER, "/kb контент-плана"))[0]
    assert "Контент-план клиента" in found.text and "Зарплаты" not in found.text
    managers = h.messages(await h.send(MANAGER, "/kb контент-плана"))[0]
    assert "Зарплаты" in managers.text
    # a forged "open" button of the managers' article is refused like a missing one
    async with db.session() as s:
        secret = await s.scalar(select(Article.id).where(Article.title.like("Зарплаты%")))
    sent = await h.press(WRITER, found, KbCb(a="open", id=secret).pack())
    assert "не для вас" in h.answers(sent)[0].params["text"]
    assert not [s for s in sent if s.method == "SendMessage"]
    nothing = h.messages(await h.send(WRITER, "/kb квантовая физика"))[0]
    assert "ничего не нашлось" in nothing.text


async def test_inline_mode_offers_articles_to_members_only(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await write_article(h, ADMIN, "Мониторинг площадок", "Каждое утро проверяем площадки")
    await write_article(h, ADMIN, "Мониторинг бюджета", "Для руководителей", audience=("руководитель",))
    member = await inline(h, WRITER, "мониторинга")
    assert member.params["is_personal"] is True
    titles = [r.title for r in member.params["results"]]
    assert titles == ["Мониторинг площадок"]
    assert "<b>Мониторинг площадок</b>" in member.params["results"][0].input_message_content.message_text
    outsider = await inline(h, STRANGER, "мониторинга")
    assert outsider.params["results"] == [] and outsider.params["is_personal"] is True


async def test_edit_keeps_the_previous_text_and_archive_is_audited(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await write_article(h, ADMIN, "Регламент", "Старый текст")
    async with db.session() as s:
        article_id = await s.scalar(select(Article.id))
    view = h.messages(await h.send(ADMIN, "/kb регламент"))[0]
    opened = await h.press(ADMIN, view, KbCb(a="open", id=article_id).pack())
    card = [s for s in opened if s.method == "SendMessage"][-1]
    await h.press(ADMIN, card, card.button("Изменить"))
    done = h.messages(await h.send(ADMIN, "Новый текст"))[-1]
    await h.press(ADMIN, done, done.button("Готово"))
    await h.press(ADMIN, card, card.button("В архив"))
    async with db.session() as s:
        a = await s.get(Article, article_id)
        assert (a.body_html, a.version, a.archived) == ("Новый текст", 2, True)
        old = await s.scalar(select(ArticleVersion))
        assert (old.version, old.body_html) == (1, "Старый текст")
        actions = set(await s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "kb_article")))
    assert {"kb.article_created", "kb.article_edited", "kb.article_archived"} <= actions
    # archived: not found any more; writers cannot forge an edit
    assert "ничего не нашлось" in h.messages(await h.send(WRITER, "/kb регламент"))[0].text
    sent = await h.press(WRITER, card, KbCb(a="arc", id=article_id).pack())
    assert h.answers(sent)[0].params.get("show_alert")


async def test_a_long_article_is_split_within_the_limits(harness: Harness, db) -> None:
    from bot.text import visible_len

    h = harness
    await setup(h)
    long = "\n".join(f"Строка {i}: " + "текст " * 30 for i in range(60))  # ~11,000 characters
    entities = [MessageEntity(type="bold", offset=0, length=4000)]
    sent = await write_article(h, ADMIN, "Большая статья", long, entities=entities)
    parts = [s for s in sent if s.method == "SendMessage"]
    assert len(parts) >= 3
    assert all(visible_len(p.text) <= 4096 for p in parts)
    assert parts[0].text.count("<b>") == parts[0].text.count("</b>")


async def test_title_errors_save_nothing(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(ADMIN, "/kb_new")
    reply = h.messages(await h.send(ADMIN, "з" * 201))[0]
    assert "от 1 до 200" in reply.text
    assert await count(db, Article) == 0
    refused = h.messages(await h.send(WRITER, "/kb_new"))[0]
    assert refused.text == "Эта команда вам недоступна."


async def test_course_import_is_all_or_nothing_with_line_numbers(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(ADMIN, "/course_import")
    bad = COURSE.replace("- [x] клиент", "- [ ] клиент").replace("pass: 80", "pass: 800")
    reply = h.messages(await h.send(ADMIN, bad))[0]
    assert "ничего не сохранено" in reply.text
    assert "строка 2:" in reply.text and "строка 12:" in reply.text
    assert await count(db, Course) == 0 and await count(db, Article) == 0
    ok = h.messages(await h.send(ADMIN, COURSE))[0]
    assert "Курс загружен" in ok.text and "Контент-план" in ok.text
    assert await count(db, Course) == 1 and await count(db, Article) == 2


async def _learner_course(h: Harness, db) -> tuple[int, list[Sent]]:
    """The course imported and given to new writers automatically; a new writer registers."""
    await h.send(ADMIN, "/course_import")
    await h.send(ADMIN, COURSE)
    async with db.session() as s:
        course_id = await s.scalar(select(Course.id))
    await h.send(ADMIN, f"/course_auto {course_id} writer")
    newcomer = Person(7, "Nina", "New", "nina")
    sent = await h.send(newcomer, f"/start {await invite_link(h, ADMIN)}")
    return course_id, sent


async def test_quiz_through_poll_answers_fail_retake_pass_unlock(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    _course_id, sent = await _learner_course(h, db)
    nina = Person(7, "Nina", "New", "nina")
    notice = [s for s in h.messages(sent) if "назначен курс" in (s.text or "")]
    assert notice, "the onboarding course starts right after the invite is accepted"
    lesson = await h.press(nina, notice[0], notice[0].button("Открыть урок"))
    last = h.messages(lesson)[-1]
    assert any("<b>расписание</b>" in (m.text or "") for m in h.messages(lesson))
    quiz = await h.press(nina, last, last.button("Пройти тест"))
    polls = [s for s in quiz if s.method == "SendPoll"]
    assert len(polls) == 2
    assert all(p.params["type"] == "quiz" and p.params["is_anonymous"] is False for p in polls)
    assert polls[0].params["correct_option_ids"] == [1] and polls[0].params["explanation"] == "Темы и форматы тоже."
    ids = [p.result.poll.id for p in polls]
    # someone else's answer to Nina's poll is ignored
    assert await answer_poll(h, WRITER, ids[0], 1) == []
    async with db.session() as s:
        assert (await s.get(QuizPoll, ids[0])).chosen is None
    await answer_poll(h, nina, ids[0], 0)  # wrong
    failed = await answer_poll(h, nina, ids[1], 0)  # right: 1 of 2 = 50% < 80%
    text = to(nina, failed)[0]
    assert "1 из 2" in text.text and "Перечитайте" in text.text
    assert "тест не сдан" in h.messages(await h.send(ADMIN, "/learning"))[0].text
    # a retake without reading again is refused
    refused = await h.press(nina, last, last.button("Пройти тест"))
    assert "перечитайте" in h.answers(refused)[0].params["text"].lower()
    reread = await h.press(nina, text, text.button("Перечитать урок"))
    again = h.messages(reread)[-1]
    polls = [s for s in await h.press(nina, again, again.button("Пройти тест")) if s.method == "SendPoll"]
    await answer_poll(h, nina, polls[0].result.poll.id, 1)
    passed = to(nina, await answer_poll(h, nina, polls[1].result.poll.id, 0))[0]
    assert "Урок 1 пройден: 2 из 2" in passed.text
    # the old poll's late answer changes nothing
    assert await answer_poll(h, nina, ids[0], 1) == []
    nxt = await h.press(nina, passed, passed.button("Следующий урок"))
    read_msg = h.messages(nxt)[-1]
    assert any("урок 2 из 2" in (m.text or "") for m in h.messages(nxt))
    done = await h.press(nina, read_msg, read_msg.button("Прочитано"))
    assert any("Курс «Онбординг автора» пройден" in (m.text or "") for m in h.messages(done))
    learn = h.messages(await h.send(nina, "/learn"))[0]
    assert "пройден" in learn.text and "100%" in learn.text
    learning = h.messages(await h.send(ADMIN, "/learning"))[0]
    assert "Nina" in learning.text and "пройден" in learning.text


async def test_locked_lessons_and_forged_enrolments(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    _course_id, _sent = await _learner_course(h, db)
    nina = Person(7, "Nina", "New", "nina")
    async with db.session() as s:
        e = await s.scalar(select(Enrolment))
    msg = h.messages(await h.send(nina, "/learn"))[0]
    assert "не начат" in msg.text and "урок 1 из 2" in msg.text
    locked = await h.press(nina, msg, CourseCb(a="les", id=e.id, p=2).pack())
    assert "откроется" in h.answers(locked)[0].params["text"]
    skip = await h.press(nina, msg, CourseCb(a="read", id=e.id, p=1).pack())
    assert "откроется" in h.answers(skip)[0].params["text"]
    forged = await h.press(WRITER, msg, CourseCb(a="les", id=e.id).pack())  # someone else's enrolment
    assert "Такого курса нет" in h.answers(forged)[0].params["text"]
    progress = h.messages(await h.send(ADMIN, "/learning"))[0]
    assert "Nina" in progress.text and "не начат" in progress.text


async def test_manager_assigns_a_department_with_a_deadline_and_is_told_when_overdue(harness: Harness, db,
                                                                                      settings, clock) -> None:
    h = harness
    await setup(h)
    await h.send(ADMIN, "/course_import")
    await h.send(ADMIN, COURSE)
    async with db.session() as s:
        course_id = await s.scalar(select(Course.id))
    sent = await h.send(ADMIN, f"/course_assign {course_id} @anna 2026-11-20")
    assert "Назначено новым ученикам: 1" in h.messages(sent)[0].text
    jobs, sender = make_jobs(db, settings, clock)
    # Monday 16th: nothing due; Tuesday 24th 10:00 Moscow: stalled (3 working days) and past the deadline
    assert (await jobs.learning(datetime(2026, 11, 16, 7, 0, tzinfo=UTC))).sent == []
    report = await jobs.learning(datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    assert sorted(s.kind for s in report.sent) == ["course_nudge", "course_overdue"]
    assert sender.kinds(WRITER.id) == ["course_nudge"]
    overdue = [c for c in sender.calls if c.kind == "course_overdue"]
    assert "Anna" in overdue[0].text and "20.11.2026" in overdue[0].text
    # once each
    assert (await jobs.learning(datetime(2026, 11, 25, 7, 0, tzinfo=UTC))).sent == []
    clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    progress = h.messages(await h.send(ADMIN, "/learning"))[0]
    assert "Anna" in progress.text and "просрочен" in progress.text


async def test_a_stale_article_reminds_its_owner_once_and_still_correct_moves_the_date(
        harness: Harness, db, settings, clock) -> None:
    h = harness
    await setup(h)
    await write_article(h, ADMIN, "Старая статья", "Текст")
    jobs, sender = make_jobs(db, settings, clock)
    assert (await jobs.learning(datetime(2026, 11, 17, 7, 0, tzinfo=UTC))).sent == []
    later = datetime(2027, 6, 1, 7, 0, tzinfo=UTC)  # a Tuesday, past the six-month review date
    first = await jobs.learning(later)
    second = await jobs.learning(later + timedelta(hours=1))
    assert [s.kind for s in first.sent] == ["kb_review"] and second.sent == []
    assert sender.kinds(ADMIN_ID) == ["kb_review"]
    stale = h.messages(await h.send(ADMIN, "/kb stale"))[0]
    assert "ничего" not in stale.text
    async with db.session() as s:
        article_id = await s.scalar(select(Article.id))
    clock.set(later)
    forged = await h.press(WRITER, stale, KbCb(a="ok", id=article_id).pack())  # not the owner, not a manager
    assert h.answers(forged)[0].params.get("show_alert")
    ok = await h.press(ADMIN, stale, KbCb(a="ok", id=article_id).pack())
    assert "актуальная" in h.messages(ok)[0].text
    again = await h.press(ADMIN, stale, KbCb(a="ok", id=article_id).pack())  # a double press: nothing twice
    assert "уже проверена" in h.messages(again)[0].text
    async with db.session() as s:
        assert (await s.get(Article, article_id)).review_at > datetime(2027, 6, 1).date()
        checks = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "kb.article_checked")))
    assert len(checks) == 1
    assert "проверены вовремя" in h.messages(await h.send(ADMIN, "/kb stale"))[0].text


async def test_english_speaker_gets_english(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(ENGLISH, f"/start {await invite_link(h, ADMIN)}")
    await write_article(h, ADMIN, "Monitoring platforms", "Every morning we check clients' platforms")
    found = h.messages(await h.send(ENGLISH, "/kb monitored platform"))[0]
    assert "best matches" in found.text and "Monitoring platforms" in found.text
    assert "no courses" in h.messages(await h.send(ENGLISH, "/learn"))[0].text


async def test_team_offers_the_course_for_a_flagged_writers_revision_reason(harness: Harness, db) -> None:
    from tests.test_team import NOV_10, OCT_10, add_member, add_units

    h = harness
    await h.send(ADMIN, "/start")
    await add_member(db, 300, "Vera", "Общий отдел")
    await add_units(db, 300, 5, 5, OCT_10)
    await add_units(db, 300, 5, 8, NOV_10)  # style revisions per unit 1.0 → 1.6: flagged
    await h.send(ADMIN, "/course_import")
    await h.send(ADMIN, COURSE.replace("pass: 80", "pass: 80\nreasons: style"))
    team = h.messages(await h.send(ADMIN, "/team"))[0]
    assert "Vera" in team.text and "Онбординг автора" in team.text
    sent = await h.press(ADMIN, team, team.button("Назначить"))
    assert "Назначено новым ученикам: 1" in h.messages(sent)[0].text
    vera = Person(300, "Vera")
    assert any("назначен курс" in (s.text or "") for s in to(vera, sent)), "the learner is told"
    # assigned: no offer any more; a writer cannot forge the button
    team = h.messages(await h.send(ADMIN, "/team"))[0]
    assert "Онбординг автора" not in team.text
    async with db.session() as s:
        course_id = await s.scalar(select(Course.id))
        vera_id = await s.scalar(select(Enrolment.member_id))
    forged = await h.press(vera, team, CourseCb(a="offer", id=course_id, p=vera_id).pack())
    assert h.answers(forged)[0].params.get("show_alert")
    assert await count(db, Enrolment) == 1


async def test_weekly_digest_line_counts_course_states(harness: Harness, db) -> None:
    from datetime import date

    from bot.i18n import Catalog
    from scheduler.digest import learning_line

    h = harness
    await setup(h)
    course_id, _sent = await _learner_course(h, db)
    await h.send(ADMIN, f"/course_assign {course_id} @anna 2026-11-17")
    async with db.session() as s:
        ids = list(await s.scalars(select(Enrolment.member_id)))
        line = await learning_line(s, Catalog().translator("en"), ids, date(2026, 11, 23))
        assert await learning_line(s, Catalog().translator("en"), [999], date(2026, 11, 23)) is None
    assert line == "Courses: 0 passed, 0 in progress, 0 quiz failed, 1 overdue, 1 not started."


async def test_building_a_course_in_the_bot(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await write_article(h, ADMIN, "Тон бренда", "Пишем просто и дружелюбно")
    card = h.messages(await h.send(MANAGER, "/course_new Тон и стиль"))[0]
    assert "Тон и стиль" in card.text and "Уроков пока нет" in card.text
    picker = h.messages(await h.press(MANAGER, card, card.button("Урок")))[0]
    card = h.messages(await h.press(MANAGER, picker, picker.button("Тон бренда")))[0]
    assert "1. Тон бренда — вопросов: 0" in card.text
    lessons = h.messages(await h.press(MANAGER, card, card.button("Вопрос")))[0]
    await h.press(MANAGER, lessons, lessons.button("Тон бренда"))
    bad = h.messages(await h.send(MANAGER, "Как пишем?\n- [ ] сложно\n- [ ] официально"))[0]
    assert "строка 1:" in bad.text and "верный ответ не отмечен" in bad.text
    good = h.messages(await h.send(MANAGER, "Как пишем?\n- [ ] сложно\n- [x] просто\n> Просто и дружелюбно."))[0]
    assert "Вопрос добавлен" in good.text and "вопросов: 1" in good.text
    # a writer cannot build courses, not even through a forged button
    refused = await h.press(WRITER, card, CourseCb(a="addla", id=1, p=1).pack())
    assert h.answers(refused)[0].params.get("show_alert")


async def test_polling_asks_for_inline_queries_and_poll_answers(harness: Harness) -> None:
    """``python -m bot`` polls with the dispatcher's used update types: inline search and quiz answers need
    these two (Telegram does not send them otherwise)."""
    used = set(harness.dp.resolve_used_update_types())
    assert {"inline_query", "poll_answer", "message", "callback_query"} <= used


async def test_move_restore_and_categories(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    assert "добавлен" in h.messages(await h.send(ADMIN, "/kb_categories add Процессы"))[0].text
    assert "уже есть" in h.messages(await h.send(ADMIN, "/kb_categories add процессы"))[0].text
    assert h.messages(await h.send(WRITER, "/kb_categories add Своё"))[0].text == "Эта команда вам недоступна."
    await write_article(h, ADMIN, "Регламент правок", "Как принимаем правки")
    async with db.session() as s:
        article_id = await s.scalar(select(Article.id))
    card = h.messages(await h.send(ADMIN, "/kb"))[0]
    moved = h.messages(await h.press(ADMIN, card, KbCb(a="mv", id=article_id).pack()))[0]
    await h.press(ADMIN, moved, moved.button("Процессы"))
    browse = h.messages(await h.send(WRITER, "/kb"))[0]
    listing = h.messages(await h.press(WRITER, browse, browse.button("Процессы")))[0]
    assert "Регламент правок" in [b for b, _ in listing.buttons()]
    await h.press(ADMIN, card, KbCb(a="arc", id=article_id).pack())
    assert "ничего не нашлось" in h.messages(await h.send(WRITER, "/kb правки"))[0].text
    await h.press(ADMIN, card, KbCb(a="unarc", id=article_id).pack())
    assert "Регламент правок" in h.messages(await h.send(WRITER, "/kb правки"))[0].text
    async with db.session() as s:
        actions = list(await s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "kb_article")))
    assert {"kb.article_moved", "kb.article_archived", "kb.article_restored"} <= set(actions)
