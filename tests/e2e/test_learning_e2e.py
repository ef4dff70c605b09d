"""Issue 13 end-to-end: the real bot process against the strict Bot API emulator — articles written with
formatting, a course imported with a quiz, a newly invited writer enrolled automatically who fails and then
passes the quiz through ``poll_answer`` updates, the next lesson unlocking, /learning, inline search for
a member and for an outsider, and freshness: the scheduler's job (run here on a controlled clock on the bot's
database, sending through the emulator) reminds the owner of each stale article once, and **Still correct**
pressed in Telegram reaches the bot process (moving the date is tested in tests/test_learning.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import create_bot
from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.workdays import working_days
from bot.i18n import Catalog
from bot.sender import Sender
from models.learning import Article
from models.org import AuditEntry
from scheduler.jobs import Jobs
from scheduler.render_pool import ChartRenderer
from tests.e2e.conftest import E2E, E2E_ADMIN_ID
from tests.emulator import FakeUser

COURSE = """# Онбординг автора

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


async def write(admin: FakeUser, title: str, body: str, entities: list[dict]) -> str:
    await admin.send("/kb_new")
    await admin.wait_message()
    await admin.send(title)
    await admin.wait_message()
    await admin.send(body, entities=entities)
    added = await admin.wait_message()
    await admin.press(added, "Готово")
    cats = await admin.wait_edit(added)
    await admin.press(cats, "Без раздела")
    audience = await admin.wait_edit(cats)
    await admin.press(audience, "Сохранить")
    await admin.wait_edit(audience)
    article = await admin.wait_message(lambda m: title in (m.html or ""))
    return article.html or ""


async def quiz(e2e: E2E, writer: FakeUser) -> list:
    """The quiz's two polls, once the bot has recorded them (its button press is answered after that)."""
    polls = [await writer.wait_message(lambda m: m.method == "sendPoll") for _ in range(2)]
    await e2e.emu.wait_for(lambda: not e2e.emu.unanswered_callbacks(), 10, "the quiz press handled")
    return polls


async def test_knowledge_base_and_course_scenario(e2e: E2E) -> None:
    admin = e2e.user(E2E_ADMIN_ID, "Olga", username="olga")
    await admin.send("/start")
    await admin.wait_message()

    # two articles; the formatting survives the round trip
    shown = await write(admin, "Контент-план клиента", "Жирный текст и ссылка",
                        [{"type": "bold", "offset": 0, "length": 6},
                         {"type": "text_link", "offset": 15, "length": 6, "url": "https://example.com/?a=1&b=2"}])
    assert "<b>Жирный</b>" in shown and 'href="https://example.com/?a=1&amp;b=2"' in shown
    shown = await write(admin, "Мониторинг площадок", "Каждое утро проверяем площадки",
                        [{"type": "italic", "offset": 0, "length": 6}])
    assert "<i>Каждое</i>" in shown

    # a course with a quiz, given to every new writer; a malformed file first: refused with its lines
    await admin.send("/course_import")
    await admin.wait_message()
    await admin.send_document(COURSE.replace("- [x] клиент", "- [ ] клиент").encode(), filename="course.md")
    refused = await admin.wait_message()
    assert "ничего не сохранено" in refused.text and "строка 11:" in refused.text
    await admin.send(COURSE)
    imported = await admin.wait_message()
    assert "Курс загружен" in imported.text
    course_id = imported.text.split("(#")[1].split(")")[0]
    await admin.send(f"/course_auto {course_id} writer")
    assert "автоматически" in (await admin.wait_message()).text

    await admin.send("/departments add SMM")
    await admin.wait_message()
    await admin.send("/invite")
    pick = await admin.wait_message()
    await admin.press(pick, "автор")
    dept = await admin.wait_edit(pick)
    await admin.press(dept, "SMM")
    done = await admin.wait_edit(dept)
    token = done.text.split("start=")[1].split()[0]

    writer = e2e.user(2, "Anna", username="anna")
    await writer.send(f"/start {token}")
    notice = await writer.wait_message(lambda m: "назначен курс" in (m.text or ""))
    await writer.press(notice, "Открыть урок")
    quiz_offer = await writer.wait_message(lambda m: "пройдите тест" in (m.text or ""))
    await writer.press(quiz_offer, "Пройти тест (2)")
    polls = await quiz(e2e, writer)
    assert polls[0].extra["poll"]["type"] == "quiz" and polls[0].extra["poll"]["is_anonymous"] is False
    await writer.answer_poll(polls[0], 0)  # wrong
    await writer.answer_poll(polls[1], 0)  # right: 50 % < 80 %
    failed = await writer.wait_message(lambda m: "1 из 2" in (m.text or ""))
    await writer.press(failed, "Перечитать урок")
    quiz_offer = await writer.wait_message(lambda m: "пройдите тест" in (m.text or ""))
    await writer.press(quiz_offer, "Пройти тест (2)")
    polls = await quiz(e2e, writer)
    await writer.answer_poll(polls[0], 1)
    await writer.answer_poll(polls[1], 0)
    passed = await writer.wait_message(lambda m: "пройден" in (m.text or ""))
    assert "2 из 2" in passed.text
    await writer.press(passed, "Следующий урок")
    lesson2 = await writer.wait_message(lambda m: "Прочитано" in str(m.reply_markup or ""))
    await admin.send("/learning")
    progress = await admin.wait_message()
    assert "Anna" in progress.text and "урок 2 из 2" in progress.text
    await writer.press(lesson2, "✅ Прочитано")
    await writer.wait_message(lambda m: "Курс «Онбординг автора» пройден" in (m.text or ""))

    # inline search: a member finds an article, an outsider gets nothing
    found = await writer.inline("контент-плана")
    assert found["is_personal"] is True
    titles = [r["title"] for r in found["results"]]
    assert "Контент-план клиента" in titles and "Мониторинг площадок" not in titles
    outsider = e2e.user(9, "Eve")

    nothing = await outsider.inline("контент-плана")
    assert nothing["results"] == [] and nothing["is_personal"] is True

    # freshness: past the review date the owner is reminded of each article once, whenever the job runs again
    async with e2e.db.session() as s:
        articles = list(await s.scalars(select(Article).order_by(Article.id)))
    assert [a.title for a in articles[:2]] == ["Контент-план клиента", "Мониторинг площадок"]
    review = max(a.review_at for a in articles)
    day = working_days(review + timedelta(days=1), review + timedelta(days=20), country="RU")[0]
    stale_at = datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, a working day
    settings = Settings(_env_file=None, bot_token=e2e.emu.token, telegram_api_url=e2e.emu.url,
                        database_url=e2e.settings_env["DATABASE_URL"])
    clock = FrozenClock(stale_at - timedelta(days=14))
    bot = create_bot(settings)
    jobs = Jobs(e2e.db, settings, Catalog(), Sender(bot, e2e.db), ChartRenderer(max_workers=1, mode="thread"), clock)

    async def at(when: datetime) -> list[str]:
        clock.set(when)
        report = await jobs.learning(when)
        return sorted(s.kind for s in report.sent if s.status == "sent")

    try:
        assert "kb_review" not in await at(stale_at - timedelta(days=14))  # not yet due
        assert await at(stale_at) == ["kb_review"] * len(articles)
        assert await at(stale_at + timedelta(hours=1)) == []  # once
        assert await at(stale_at + timedelta(days=1)) == []
    finally:
        await bot.session.close()
    reminder = await admin.wait_message(lambda m: "Пора проверить" in (m.text or "") and "«Мониторинг площадок»" in m.text)
    assert reminder.button_texts == ["Всё верно", "Изменить"]
    reminders = [m for m in admin.messages if "Пора проверить" in (m.text or "")]
    assert len(reminders) == len(articles)
    # the press reaches the bot process, whose real clock is months before the review date: nothing to move
    await admin.press(reminder, "Всё верно")
    checked = await admin.wait_edit(reminder)
    assert "уже проверена" in checked.text and f"{articles[1].review_at:%d.%m.%Y}" in checked.text
    assert checked.button_texts == []
    async with e2e.db.session() as s:
        assert (await s.get(Article, articles[1].id)).review_at == articles[1].review_at
        assert list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "kb.article_checked"))) == []
