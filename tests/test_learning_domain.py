"""The pure rules of the knowledge base and courses: stemming and ranking (bot.domain.search), the Markdown
course format and the progress rules (bot.domain.learning)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain import learning as L
from bot.domain import search as S


# --- stemming ------------------------------------------------------------------------------------------
def test_russian_forms_share_a_stem_and_hyphenated_words_split() -> None:
    assert S.query_terms("контент-план") == S.query_terms("контент-плана") == ["контент", "план"]
    assert S.stem("мониторинга") == S.stem("мониторинг") == S.stem("Мониторингу")
    assert S.stem("ёлка") == S.stem("елка")  # ё is е


def test_english_words_are_stemmed_in_english() -> None:
    assert S.stem("monitoring") == S.stem("monitored") == "monitor"
    assert S.query_terms("The Platforms of clients") == ["platform", "client"]  # stop words left out


def test_query_terms_are_distinct_and_bounded() -> None:
    assert S.query_terms("план план планы") == ["план"]
    assert len(S.query_terms(" ".join(f"слово{i}" for i in range(40)))) == S.QUERY_TERMS_MAX
    assert S.query_terms("и в на") == []


def test_article_terms_weigh_the_title_higher() -> None:
    terms = S.article_terms("Контент-план", "Как составить контент-план для клиента")
    assert terms[S.stem("план")] == S.TITLE_WEIGHT + 1
    assert terms[S.stem("клиента")] == 1


# --- ranking --------------------------------------------------------------------------------------------
def test_articles_with_more_query_terms_rank_first() -> None:
    q = S.query_terms("контент-план клиента")
    postings = {
        1: {"контент": 50, "план": 50},  # many repeats, two of three terms
        2: {"контент": 1, "план": 1, "клиент": 1},  # every term once
    }
    assert [h.article_id for h in S.rank(q, postings, total_articles=10)] == [2, 1]


def test_rare_terms_and_title_weight_decide_among_equals() -> None:
    postings = {1: {"a": 1}, 2: {"b": 1}, 3: {"a": 6}}
    hits = S.rank(["a", "b"], postings, total_articles=100, doc_freq={"a": 50, "b": 2})
    # b is rare: article 2 beats both a-articles; the title-weighted a (6) beats the plain a (1)
    assert [h.article_id for h in hits] == [2, 3, 1]


def test_rank_ignores_articles_without_query_terms_and_limits() -> None:
    postings = {i: {"x": 1} for i in range(1, 30)} | {99: {"y": 3}}
    hits = S.rank(["x"], postings, total_articles=100, limit=5)
    assert len(hits) == 5 and 99 not in [h.article_id for h in hits]
    assert [h.article_id for h in hits] == [29, 28, 27, 26, 25]  # ties: newest first


def test_stemmed_index_finds_inflected_forms() -> None:
    index = {1: S.article_terms("Как вести контент-планы", "Контент-плана нет — нет публикаций"),
             2: S.article_terms("Мониторинг площадок", "Каждое утро проверяем площадки клиентов")}
    q = S.query_terms("контент-план")
    hits = S.rank(q, {a: {t: w for t, w in terms.items() if t in q} for a, terms in index.items()}, 2)
    assert [h.article_id for h in hits] == [1]


# --- the Markdown course format ------------------------------------------------------------------------
GOOD = """# Онбординг SMM
pass: 75
reasons: style, factual

## Что такое контент-план
Контент-план — это **расписание** публикаций.
Подробнее: [гайд](https://example.com/guide)

### Что входит в контент-план?
- [ ] только даты
- [x] даты, темы и форматы
> Темы и форматы тоже важны.

### Кто утверждает план?
- [x] клиент
- [ ] никто

## Мониторинг
Проверяйте площадки каждое утро.
"""


def test_a_good_course_parses() -> None:
    c = L.parse_course(GOOD)
    assert c.title == "Онбординг SMM" and c.pass_mark == 75 and c.reasons == ["style", "factual"]
    assert [x.title for x in c.lessons] == ["Что такое контент-план", "Мониторинг"]
    first = c.lessons[0]
    assert "<b>расписание</b>" in first.body_html and '<a href="https://example.com/guide">гайд</a>' in first.body_html
    assert [q.correct for q in first.questions] == [[1], [0]]
    assert first.questions[0].explanation == "Темы и форматы тоже важны."
    assert c.lessons[1].questions == []


def _errors(text: str) -> list[tuple[int, str]]:
    with pytest.raises(L.CourseFormatError) as exc:
        L.parse_course(text)
    return [(n, code) for n, code, _ in exc.value.errors]


def test_every_error_is_reported_with_its_line() -> None:
    text = """# Курс
лишний текст

## Урок
Текст урока.

### Без верного ответа?
- [ ] один
- [ ] два

### Один вариант?
- [x] да
"""
    assert _errors(text) == [(2, "text-before-lesson"), (7, "no-right"), (11, "options-few")]


def test_missing_title_many_right_and_limits() -> None:
    assert _errors("## Урок\nтекст\n") == [(1, "no-title")]
    assert (4, "many-right") in _errors("# К\n## У\nтекст\n### В?\n- [x] а\n- [x] б\n")
    many = "# К\n## У\nтекст\n### В?\n" + "".join(f"- [ ] {i}\n" for i in range(12)) + "- [x] верный\n"
    assert (4, "options-many") in _errors(many)
    long_q = "# К\n## У\nтекст\n### " + "в" * 301 + "\n- [x] а\n- [ ] б\n"
    assert (4, "question-long") in _errors(long_q)
    assert (7, "option-bad") in _errors("# К\n## У\nтекст\n### В?\n- [x] а\n- [ ] б\n- [ ] " + "о" * 101 + "\n")
    assert _errors("# К\npass: 150\n## У\nтекст\n") == [(2, "pass-mark")]
    assert _errors("# К\n") == [(1, "no-lessons")]
    assert _errors("# К\n## У\n\n## Д\nтекст\n") == [(2, "lesson-empty")]
    assert _errors("# К\n### В?\n## У\nт\n") == [(2, "question-outside-lesson")]


def test_a_question_typed_in_the_bot() -> None:
    q = L.parse_question("Что важнее?\n- [ ] скорость\n- [x] точность\n> Точность.")
    assert q.text == "Что важнее?" and q.options == ["скорость", "точность"] and q.correct == [1]
    with pytest.raises(L.CourseFormatError) as exc:
        L.parse_question("Вопрос?\n- [ ] а\n- [ ] б")
    assert [c for _n, c, _a in exc.value.errors] == ["no-right"]


def test_markdown_text_is_escaped() -> None:
    assert L.markdown_html("a < b & *курсив* `x<y`") == "a &lt; b &amp; <i>курсив</i> <code>x&lt;y</code>"


# --- progress rules -----------------------------------------------------------------------------------
def test_pass_mark() -> None:
    assert L.quiz_passed(4, 5, 80) and not L.quiz_passed(3, 5, 80)
    assert L.quiz_passed(0, 0, 80)  # no questions
    assert L.quiz_passed(2, 3, 66) and not L.quiz_passed(2, 3, 67)


def test_lessons_unlock_in_order() -> None:
    assert L.current_position(3, set()) == 0
    assert L.current_position(3, {0}) == 1
    assert L.current_position(3, {0, 1, 2}) == 3
    assert L.may_open(0, 3, set()) and not L.may_open(1, 3, set())
    assert L.may_open(0, 3, {0}) and L.may_open(1, 3, {0}) and not L.may_open(2, 3, {0})
    assert not L.may_open(3, 3, {0, 1, 2})


def test_retake_needs_reading_again() -> None:
    assert L.may_start_quiz(read_since_failure=False, failed_before=False)
    assert not L.may_start_quiz(read_since_failure=False, failed_before=True)
    assert L.may_start_quiz(read_since_failure=True, failed_before=True)


def test_course_status() -> None:
    today = date(2026, 11, 16)
    assert L.course_status(3, set(), False, False, None, today) == L.Status(L.NOT_STARTED, 1, 3)
    assert L.course_status(3, {0}, True, False, None, today) == L.Status(L.IN_PROGRESS, 2, 3)
    assert L.course_status(3, {0}, True, True, None, today) == L.Status(L.FAILED, 2, 3)
    assert L.course_status(3, {0}, True, False, date(2026, 11, 15), today).kind == L.OVERDUE
    assert L.course_status(3, {0, 1, 2}, True, False, date(2026, 11, 1), today) == L.Status(L.PASSED, 3, 3)


def test_stalled_counts_working_days_only() -> None:
    friday = date(2026, 11, 13)
    # Mon 16, Tue 17, Wed 18 are three whole working days after Friday: stalled on Thursday
    assert not L.stalled(friday, date(2026, 11, 18), 3, "RU")
    assert L.stalled(friday, date(2026, 11, 19), 3, "RU")
    # a personal day off does not count
    assert not L.stalled(friday, date(2026, 11, 19), 3, "RU", frozenset({date(2026, 11, 17)}))


def test_progress_bar() -> None:
    assert L.progress_bar(3, 10) == "▰▰▰▱▱▱▱▱▱▱ 30%"
    assert L.progress_bar(0, 0).endswith("0%")


# --- who reads an article (bot.access) --------------------------------------------------------------------
def test_article_audience_rules() -> None:
    from types import SimpleNamespace

    from bot.access import course_applies_at_registration, may_read_article

    def m(role: str, dept: int | None = 1, active: bool = True):
        return SimpleNamespace(id=1, role=role, department_id=dept, active=active)

    assert may_read_article(m("writer"), [], [])  # everyone in the team
    assert not may_read_article(m("client", None), [], [])  # never a client
    assert not may_read_article(None, [], []) and not may_read_article(m("writer", active=False), [], [])
    assert may_read_article(m("writer", 2), [], [2]) and not may_read_article(m("writer", 3), [], [2])
    assert may_read_article(m("writer"), ["writer"], [9]) and not may_read_article(m("writer"), ["manager"], [])
    assert may_read_article(m("manager", 5), ["writer"], [2])  # managers edit, so they read every article
    assert not may_read_article(m("writer"), [], [], archived=True)
    assert may_read_article(m("admin"), [], [], archived=True)
    assert course_applies_at_registration("writer", 2, ["writer"], [])
    assert course_applies_at_registration("writer", 2, ["writer"], [2])
    assert not course_applies_at_registration("writer", 3, ["writer"], [2])
    assert not course_applies_at_registration("manager", 2, ["writer"], [])
