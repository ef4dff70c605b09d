"""Courses, pure: the Markdown course format (parsed all-or-nothing, every error with its line number),
Telegram's quiz limits, and the progress rules (pass mark, which lesson is open, a course's status for
/learn and /learning, when a learner has stalled).

The format (docs/learning.md)::

    # Course title
    pass: 80                    (optional: the pass mark in percent, default 80)
    reasons: style, facts       (optional: revision reasons the course teaches, for the quality loop)

    ## Lesson title
    The lesson's text: paragraphs, **bold**, *italic*, `code`, [links](https://…).

    ### A question?
    - [ ] a wrong answer
    - [x] the right answer
    > an explanation shown with the quiz (optional)
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.domain.workdays import is_working_day, public_holidays
from bot.text import (
    POLL_EXPLANATION_LIMIT,
    POLL_EXPLANATION_LINE_FEEDS,
    POLL_OPTION_LIMIT,
    POLL_QUESTION_LIMIT,
    utf16_len,
)

PASS_MARK_DEFAULT = 80
TITLE_MAX = 200  # a course's, a lesson's or an article's title
# Telegram's limits count UTF-16 units (an emoji is 2): measured with bot.text.utf16_len
QUESTION_MAX = POLL_QUESTION_LIMIT  # Telegram: a poll question, 1-300 characters
OPTION_MAX = POLL_OPTION_LIMIT  # Telegram: an answer option, 1-100 characters
OPTIONS_MIN, OPTIONS_MAX = 2, 12  # Telegram: a quiz needs two options; at most 12 (Bot API 9.x)
EXPLANATION_MAX = POLL_EXPLANATION_LIMIT  # Telegram: 0-200 characters...
EXPLANATION_LINES = POLL_EXPLANATION_LINE_FEEDS + 1  # ...with at most 2 line feeds: 3 lines
LESSON_TEXT_MAX = 30000  # a lesson's text (sent in several messages when long)
LESSONS_MAX = 100
# the revision reasons of bot.services.reporting (a course can be tagged with them)
REVISION_REASONS = ("factual", "style", "brief", "client_changed", "typos", "other")

_OPTION = re.compile(r"^[-*+]\s*\[( |x|X)\]\s*(.*)$")
_PASS = re.compile(r"^(?:pass|порог)\s*:\s*(.*)$", re.IGNORECASE)
_REASONS = re.compile(r"^(?:reasons|причины)\s*:\s*(.*)$", re.IGNORECASE)


class CourseFormatError(Exception):
    """The file was refused; ``errors`` is every (line number, code, args) found, in order."""

    def __init__(self, errors: list[tuple[int, str, dict]]) -> None:
        super().__init__("; ".join(f"line {n}: {code}" for n, code, _ in errors))
        self.errors = errors


@dataclass
class Question:
    text: str
    options: list[str] = field(default_factory=list)
    correct: list[int] = field(default_factory=list)
    explanation: str = ""
    line: int = 0


@dataclass
class Lesson:
    title: str
    lines: list[str] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    line: int = 0

    @property
    def body_html(self) -> str:
        return markdown_html("\n".join(self.lines).strip())

    @property
    def body_text(self) -> str:
        return "\n".join(self.lines).strip()


@dataclass
class Course:
    title: str
    pass_mark: int = PASS_MARK_DEFAULT
    reasons: list[str] = field(default_factory=list)
    lessons: list[Lesson] = field(default_factory=list)


_INLINE = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`|\[([^\]]+)\]\((https?://[^)\s]+)\)|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


def markdown_html(text: str) -> str:
    """The lesson-text subset of Markdown as Telegram HTML: **bold**, *italic*, `code`, [text](https://…);
    everything else is escaped text."""
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos:m.start()], quote=False))
        bold, code, label, url, italic = m.groups()
        if bold is not None:
            out.append(f"<b>{html.escape(bold, quote=False)}</b>")
        elif code is not None:
            out.append(f"<code>{html.escape(code, quote=False)}</code>")
        elif label is not None:
            out.append(f'<a href="{html.escape(url)}">{html.escape(label, quote=False)}</a>')
        else:
            out.append(f"<i>{html.escape(italic, quote=False)}</i>")
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def check_question(q: Question, errors: list[tuple[int, str, dict]]) -> None:
    """Telegram's quiz limits and one right answer; problems appended to ``errors``."""
    if not q.text:
        errors.append((q.line, "question-empty", {}))
    elif utf16_len(q.text) > QUESTION_MAX:
        errors.append((q.line, "question-long", {"n": QUESTION_MAX}))
    if len(q.options) < OPTIONS_MIN:
        errors.append((q.line, "options-few", {"n": OPTIONS_MIN}))
    elif len(q.options) > OPTIONS_MAX:
        errors.append((q.line, "options-many", {"n": OPTIONS_MAX}))
    if not q.correct:
        errors.append((q.line, "no-right", {}))
    elif len(q.correct) > 1:
        errors.append((q.line, "many-right", {}))
    for i, o in enumerate(q.options):
        if not o or utf16_len(o) > OPTION_MAX:
            errors.append((q.line + 1 + i, "option-bad", {"n": OPTION_MAX}))
    if utf16_len(q.explanation) > EXPLANATION_MAX:
        errors.append((q.line, "explanation-long", {"n": EXPLANATION_MAX}))
    if q.explanation.count("\n") > POLL_EXPLANATION_LINE_FEEDS:
        errors.append((q.line, "explanation-lines", {"n": EXPLANATION_LINES}))


def parse_question(text: str, first_line: int = 1) -> Question:
    """One question typed in the bot (the same syntax as in a course file, the ``###`` optional)."""
    q: Question | None = None
    errors: list[tuple[int, str, dict]] = []
    for n, raw in enumerate(text.splitlines(), start=first_line):
        line = raw.strip()
        if not line:
            continue
        option = _OPTION.match(line)
        if q is None:
            q = Question(line.lstrip("#").strip(), line=n)
        elif option:
            _add_option(q, option, n, errors)
        elif line.startswith(">"):
            q.explanation = (q.explanation + "\n" + line[1:].strip()).strip()
        else:
            errors.append((n, "stray-text", {}))
    if q is None:
        raise CourseFormatError([(first_line, "question-empty", {})])
    check_question(q, errors)
    if errors:
        raise CourseFormatError(errors)
    return q


def _add_option(q: Question, option: re.Match[str], n: int, errors: list) -> None:
    if option.group(1).lower() == "x":
        q.correct.append(len(q.options))
    q.options.append(option.group(2).strip())


def parse_course(text: str) -> Course:
    """A whole course file, or :class:`CourseFormatError` with every problem and its line number."""
    errors: list[tuple[int, str, dict]] = []
    course: Course | None = None
    lesson: Lesson | None = None
    question: Question | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("### "):
            if lesson is None:
                errors.append((n, "question-outside-lesson", {}))
                continue
            question = Question(stripped[4:].strip(), line=n)
            lesson.questions.append(question)
            continue
        if stripped.startswith("## "):
            question = None
            if course is None:
                errors.append((n, "no-title", {}))
                course = Course("")
            title = stripped[3:].strip()
            if not title or len(title) > TITLE_MAX:
                errors.append((n, "lesson-title", {"n": TITLE_MAX}))
            lesson = Lesson(title, line=n)
            course.lessons.append(lesson)
            continue
        if stripped.startswith("# "):
            if course is not None:
                errors.append((n, "second-title", {}))
                continue
            title = stripped[2:].strip()
            if not title or len(title) > TITLE_MAX:
                errors.append((n, "course-title", {"n": TITLE_MAX}))
            course = Course(title)
            continue
        if question is not None:
            option = _OPTION.match(stripped)
            if option:
                _add_option(question, option, n, errors)
                continue
            if stripped.startswith(">"):
                question.explanation = (question.explanation + "\n" + stripped[1:].strip()).strip()
                continue
            if not stripped:
                continue
            errors.append((n, "stray-text", {}))
            continue
        if lesson is not None:
            lesson.lines.append(line)
            continue
        if not stripped:
            continue
        if course is None:
            errors.append((n, "no-title", {}))
            course = Course("")
            continue
        if m := _PASS.match(stripped):
            value = m.group(1).strip()
            if value.isascii() and value.isdigit() and len(value) <= 3 and 1 <= int(value) <= 100:
                course.pass_mark = int(value)
            else:
                errors.append((n, "pass-mark", {}))
            continue
        if m := _REASONS.match(stripped):
            for reason in (r.strip().lower() for r in m.group(1).split(",")):
                if reason not in REVISION_REASONS:
                    errors.append((n, "reason", {"reason": reason[:40], "known": ", ".join(REVISION_REASONS)}))
                elif reason not in course.reasons:
                    course.reasons.append(reason)
            continue
        errors.append((n, "text-before-lesson", {}))
    if course is None:
        raise CourseFormatError([(1, "no-title", {})])
    if not course.lessons and not errors:
        errors.append((1, "no-lessons", {}))
    if len(course.lessons) > LESSONS_MAX:
        errors.append((course.lessons[LESSONS_MAX].line, "lessons-many", {"n": LESSONS_MAX}))
    for lesson in course.lessons:
        if not lesson.body_text:
            errors.append((lesson.line, "lesson-empty", {}))
        elif len(lesson.body_text) > LESSON_TEXT_MAX:
            errors.append((lesson.line, "lesson-long", {"n": LESSON_TEXT_MAX}))
        for q in lesson.questions:
            check_question(q, errors)
    if errors:
        errors.sort(key=lambda e: e[0])
        raise CourseFormatError(errors)
    return course


# --- progress rules -----------------------------------------------------------------------------------
NOT_STARTED, IN_PROGRESS, PASSED, FAILED, OVERDUE = "not_started", "in_progress", "passed", "failed", "overdue"


def quiz_passed(correct: int, total: int, pass_mark: int) -> bool:
    """A quiz is passed when the share of right answers reaches the pass mark (percent); no questions: passed."""
    return total == 0 or correct * 100 >= pass_mark * total


def current_position(lessons: int, passed: set[int]) -> int:
    """The open lesson (0-based): the first one not passed; ``lessons`` when all are."""
    for i in range(lessons):
        if i not in passed:
            return i
    return lessons


def may_open(position: int, lessons: int, passed: set[int]) -> bool:
    """A lesson opens when every lesson before it is passed (passed ones stay open for reading)."""
    return 0 <= position < lessons and position <= current_position(lessons, passed)


def may_start_quiz(read_since_failure: bool, failed_before: bool) -> bool:
    """A failed quiz is retaken only after reading the lesson again."""
    return read_since_failure or not failed_before


@dataclass(frozen=True, slots=True)
class Status:
    kind: str  # NOT_STARTED | IN_PROGRESS | PASSED | FAILED | OVERDUE
    lesson: int  # 1-based lesson the learner is on (n when passed)
    lessons: int


def course_status(lessons: int, passed: set[int], started: bool, last_failed: bool, deadline: date | None,
                  today: date) -> Status:
    """The learner's state for /learning: passed (every lesson), overdue (past the deadline, not passed),
    failed (the current lesson's last quiz failed, not retaken yet), in progress, not started."""
    pos = current_position(lessons, passed)
    if lessons and pos >= lessons:
        return Status(PASSED, lessons, lessons)
    if deadline is not None and today > deadline:
        return Status(OVERDUE, pos + 1, lessons)
    if last_failed:
        return Status(FAILED, pos + 1, lessons)
    if started or passed:
        return Status(IN_PROGRESS, pos + 1, lessons)
    return Status(NOT_STARTED, pos + 1, lessons)


def stalled(last_activity: date, today: date, nudge_days: int, country: str,
            days_off: frozenset[date] = frozenset()) -> bool:
    """No progress for ``nudge_days`` whole working days after the day of the last activity."""
    hol: set[date] = set()
    for year in range(last_activity.year, today.year + 1):
        hol |= public_holidays(year, country)
    count, day = 0, last_activity + timedelta(days=1)
    while day < today and count < nudge_days:
        if is_working_day(day, hol, days_off):
            count += 1
        day += timedelta(days=1)
    return count >= nudge_days


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """``▰▰▰▱▱▱▱▱▱▱ 30%`` for 3 of 10."""
    if total <= 0:
        return "▱" * width + " 0%"
    filled = round(width * done / total)
    return "▰" * filled + "▱" * (width - filled) + f" {round(100 * done / total)}%"
