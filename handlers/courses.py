"""Courses: /course_new and /courses (build: lessons from articles, questions typed in the course file's
syntax), /course_import (a Markdown course, all-or-nothing with line-numbered errors), /course_assign,
/course_auto; /learn (the learner: lessons, Read, Telegram quizzes whose answers arrive as ``poll_answer``)
and /learning (managers: everyone's progress)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InputPollOption, Message, PollAnswer

from bot import text, ui
from bot.callbacks import CourseCb
from bot.domain import learning as rules
from bot.errors import UserError
from bot.i18n import Catalog, Html, Translator, escape
from bot.parsing import parse_id, parse_period_range
from bot.sender import Sender
from bot.services import Services
from bot.services.base import form_key
from bot.services.courses import CourseCard, Enrolled, LessonView, QuizResult
from bot.views import course_enrolled, translator_for
from handlers.kb import show_article
from models.org import Member

MANAGER = {"role": "manager"}
FILE_MAX = 512 * 1024  # a course file


class CourseForm(StatesGroup):
    question = State()
    file = State()


def format_errors(t: Translator, exc: rules.CourseFormatError, heading: str = "course-file-refused") -> str:
    lines = [t(heading, n=len(exc.errors))]
    # a problem is a translated message, already safe HTML (its own arguments escaped): placed as it is
    lines += text.fit([t("course-file-error", line=n, problem=Html(t(f"course-md-{code}", **args)))
                       for n, code, args in exc.errors], lambda n: t("list-more", n=n))
    return "\n".join(lines)


# -- building ---------------------------------------------------------------------------------------------
def card_view(t: Translator, card: CourseCard):
    c = card.course
    lines = [t("course-card", id=c.id, title=c.title, mark=c.pass_mark, learners=card.learners)]
    if c.auto_roles:
        lines.append(t("course-card-auto", role=t(f"role-{c.auto_roles[0]}")))
    lines += text.fit([t("course-card-lesson", n=i + 1, title=a.title, questions=q)
                       for i, (_cl, a, q) in enumerate(card.lessons)], lambda n: t("list-more", n=n))
    if not card.lessons:
        lines.append(t("course-card-empty"))
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=t("course-btn-add-lesson"), callback_data=CourseCb(a="addl", id=c.id).pack()),
           InlineKeyboardButton(text=t("course-btn-add-question"),
                                callback_data=CourseCb(a="addq", id=c.id).pack()))
    return text.cut("\n".join(lines)), kb.as_markup()


async def on_course_new(message: Message, command: CommandObject, svc: Services, member: Member,
                        t: Translator) -> None:
    if not (command.args or "").strip():
        raise UserError("course-new-usage")
    course_id, _ = await svc.courses.create_course(member, command.args, key=form_key("course", message))
    body, markup = card_view(t, await svc.courses.card(member, course_id))
    await message.answer(body, reply_markup=markup)


async def on_courses(message: Message, svc: Services, member: Member, t: Translator) -> None:
    rows = await svc.courses.courses(member)
    if not rows:
        await message.answer(t("courses-none"))
        return
    kb = ui.builder()
    lines = [t("courses-title", n=len(rows))]
    for c, n in rows[:90]:
        lines.append(t("courses-line", id=c.id, title=c.title, lessons=n))
        kb.row(InlineKeyboardButton(text=ui.truncate(c.title, 60), callback_data=CourseCb(a="card", id=c.id).pack()))
    lines.append(t("courses-usage"))
    await message.answer(text.cut("\n".join(lines)), reply_markup=kb.as_markup())


async def on_card(query: CallbackQuery, callback_data: CourseCb, svc: Services, member: Member,
                  t: Translator) -> None:
    body, markup = card_view(t, await svc.courses.card(member, callback_data.id))
    await ui.edit(query, body, markup)


async def on_pick_article(query: CallbackQuery, callback_data: CourseCb, svc: Services, member: Member,
                          t: Translator) -> None:
    card = await svc.courses.card(member, callback_data.id)
    articles = await svc.kb.all_articles(member)
    page = ui.clamp_page(callback_data.p, len(articles))
    kb = ui.builder()
    for a in ui.page_items(articles, page):
        kb.row(InlineKeyboardButton(text=ui.truncate(a.title, 60),
                                    callback_data=CourseCb(a="addla", id=card.course.id, p=a.id).pack()))
    nav = ui.nav_row(page, ui.pages_of(len(articles)), lambda p: CourseCb(a="addl", id=card.course.id, p=p).pack())
    if nav:
        kb.row(*nav)
    await ui.edit(query, t("course-pick-article", title=card.course.title), kb.as_markup())


async def on_add_lesson(query: CallbackQuery, callback_data: CourseCb, svc: Services, member: Member,
                        t: Translator) -> None:
    key = form_key(f"course_lesson:{callback_data.p}", query.message)  # one lesson per picker and article
    body, markup = card_view(t, await svc.courses.add_lesson(member, callback_data.id, callback_data.p, key=key))
    await ui.edit(query, body, markup)


async def on_pick_lesson(query: CallbackQuery, callback_data: CourseCb, svc: Services, member: Member,
                         t: Translator) -> None:
    card = await svc.courses.card(member, callback_data.id)
    if not card.lessons:
        raise UserError("course-card-empty")
    kb = ui.builder()
    for i, (cl, a, _q) in enumerate(card.lessons[:90]):
        kb.row(InlineKeyboardButton(text=ui.truncate(f"{i + 1}. {a.title}", 60),
                                    callback_data=CourseCb(a="addqs", id=card.course.id, p=cl.id).pack()))
    await ui.edit(query, t("course-pick-lesson", title=card.course.title), kb.as_markup())


async def on_question_for(query: CallbackQuery, callback_data: CourseCb, svc: Services, member: Member,
                          t: Translator, state: FSMContext) -> None:
    card = await svc.courses.card(member, callback_data.id)
    if callback_data.p not in {cl.id for cl, _a, _q in card.lessons}:
        raise UserError("error-bad-choice")
    await state.set_state(CourseForm.question)
    await state.update_data(course=card.course.id, lesson=callback_data.p)
    await query.message.answer(t("course-enter-question"))


async def on_question(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    data = await state.get_data()
    try:
        card = await svc.courses.add_question(member, int(data.get("lesson", 0)), message.text or "")
    except rules.CourseFormatError as exc:
        await message.answer(format_errors(t, exc, "course-question-refused"))
        return
    await state.clear()
    body, markup = card_view(t, card)
    await message.answer(t("course-question-added") + "\n\n" + body, reply_markup=markup)


async def on_import(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(CourseForm.file)
    await message.answer(t("course-import-send"))


async def on_import_file(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator,
                         bot: Bot) -> None:
    """The course file as a document (or pasted as text)."""
    if message.document is not None:
        if (message.document.file_size or 0) > FILE_MAX:
            raise UserError("course-file-big", kb=FILE_MAX // 1024)
        buf = await bot.download(message.document.file_id)
        raw = buf.read() if buf is not None else b""
        try:
            source = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UserError("course-file-encoding") from exc
    else:
        source = message.text or ""
    try:
        course_id, _ = await svc.courses.import_markdown(member, source, key=form_key("course_import", message))
    except rules.CourseFormatError as exc:
        await message.answer(format_errors(t, exc))
        return
    await state.clear()
    body, markup = card_view(t, await svc.courses.card(member, course_id))
    await message.answer(t("course-imported") + "\n\n" + body, reply_markup=markup)


# -- enrolment ------------------------------------------------------------------------------------------------
async def tell_enrolled(sender: Sender, catalog: Catalog, svc: Services, items: list[Enrolled]) -> None:
    """Each new learner hears of the course, with a button to its first lesson (through the one sender)."""
    for e in items:
        body, markup = course_enrolled(translator_for(catalog, svc.settings.default_language, e.member),
                                       e.course.title, e.deadline, e.enrolment_id)
        await sender.send_text(e.member.telegram_id, body, reply_markup=markup, kind="course_enrolled")


async def on_assign(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator,
                    sender: Sender, catalog: Catalog) -> None:
    args = (command.args or "").split()
    if len(args) < 2:
        raise UserError("course-assign-usage")
    deadline = None
    if len(args) >= 3 and args[-1][:1].isdigit():
        deadline = parse_period_range(args.pop(), svc.courses.today(member))[1]
    items = await svc.courses.assign_to(member, parse_id(args[0]), " ".join(args[1:]), deadline)
    await message.answer(t("course-assigned", n=len(items)))
    await tell_enrolled(sender, catalog, svc, items)


async def on_offer(query: CallbackQuery, callback_data: CourseCb, svc: Services, member: Member, t: Translator,
                   sender: Sender, catalog: Catalog) -> None:
    """The /team offer: assign the course to the flagged writer (ids re-checked by the service)."""
    items = await svc.courses.assign(member, callback_data.id, member_id=callback_data.p)
    await query.message.answer(t("course-assigned", n=len(items)))
    await tell_enrolled(sender, catalog, svc, items)


async def on_auto(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator) -> None:
    args = (command.args or "").split(maxsplit=2)
    if len(args) < 2 or args[1].lower() not in ("writer", "manager", "off"):
        raise UserError("course-auto-usage")
    role = None if args[1].lower() == "off" else args[1].lower()
    department = await svc.courses.auto_department(args[2] if len(args) > 2 else None)
    c = await svc.courses.set_auto(member, parse_id(args[0]), role, department)
    await message.answer(t("course-auto-set", title=c.title, role=t(f"role-{role}") if role else "—"))


# -- learning -----------------------------------------------------------------------------------------------
async def on_learn(message: Message, svc: Services, member: Member, t: Translator) -> None:
    mine = await svc.courses.my_courses(member)
    if not mine:
        await message.answer(t("learn-none"))
        return
    lines = [t("learn-title")]
    kb = ui.builder()
    for m in mine:
        s = m.status
        lines.append("")
        lines.append(t("learn-course", title=m.course.title, status=t(f"learn-status-{s.kind}"),
                       lesson=s.lesson, lessons=s.lessons))
        done = s.lessons if s.kind == rules.PASSED else s.lesson - 1
        lines.append(rules.progress_bar(done, s.lessons))
        if m.lesson_title and s.kind != rules.PASSED:
            lines.append(t("learn-current", title=m.lesson_title))
        if m.scores:
            lines.append(t("learn-scores", scores=", ".join(f"{n}: {c}/{q}" for n, c, q in m.scores[-5:])))
        if s.kind != rules.PASSED:
            kb.row(InlineKeyboardButton(text=ui.truncate(text.plain(t("learn-btn-continue", title=m.course.title)), 60),
                                        callback_data=CourseCb(a="les", id=m.enrolment.id).pack()))
    await message.answer(text.cut("\n".join(lines)), reply_markup=kb.as_markup())


def lesson_buttons(t: Translator, v: LessonView):
    kb = ui.builder()
    e = v.enrolment.id
    if v.questions and v.may_quiz:
        kb.row(InlineKeyboardButton(text=t("course-btn-quiz", n=v.questions),
                                    callback_data=CourseCb(a="quiz", id=e, p=v.position).pack()))
    elif not v.questions and not v.passed:
        kb.row(InlineKeyboardButton(text=t("course-btn-read"), callback_data=CourseCb(a="read", id=e, p=v.position).pack()))
    return kb.as_markup()


async def on_lesson(query: CallbackQuery, callback_data: CourseCb, svc: Services, member: Member,
                    t: Translator) -> None:
    v = await svc.courses.open_lesson(member, callback_data.id, callback_data.p - 1 if callback_data.p else None)
    await query.message.answer(t("course-lesson-head", course=v.course.title, n=v.position + 1, of=v.lessons))
    view = await svc.kb.lesson_article(v.article)
    await show_article(query.message, t, view)
    await query.message.answer(t("course-lesson-next-quiz" if v.questions else "course-lesson-next-read"),
                               reply_markup=lesson_buttons(t, v))


def result_message(t: Translator, r: QuizResult):
    """What a learner is told when a lesson ends (passed, read or failed), with the next step's button."""
    kb = ui.builder()
    e = r.enrolment.id
    if r.finished_course:
        return t("course-finished", title=r.course.title, correct=r.correct, questions=r.questions), None
    if r.passed:
        kb.row(InlineKeyboardButton(text=t("course-btn-next"), callback_data=CourseCb(a="les", id=e).pack()))
        key = "course-lesson-passed" if r.questions else "course-lesson-read"
    else:
        kb.row(InlineKeyboardButton(text=t("course-btn-reread"),
                                    callback_data=CourseCb(a="les", id=e, p=r.position + 1).pack()))
        key = "course-lesson-failed"
    return t(key, n=r.position + 1, correct=r.correct, questions=r.questions, mark=r.course.pass_mark), \
        kb.as_markup()


async def on_read(query: CallbackQuery, callback_data: CourseCb, svc: Services, member: Member,
                  t: Translator) -> None:
    r = await svc.courses.mark_read(member, callback_data.id, callback_data.p)
    await ui.edit(query, t("course-read-done"))
    body, markup = result_message(t, r)
    await query.message.answer(body, reply_markup=markup)


async def on_quiz(query: CallbackQuery, callback_data: CourseCb, svc: Services, member: Member, t: Translator,
                  bot: Bot) -> None:
    quiz = await svc.courses.start_quiz(member, callback_data.id, callback_data.p)
    await ui.edit(query, t("course-quiz-started", n=len(quiz.questions)))
    for q in quiz.questions:
        # the question, options and explanation go with the bot's default parse mode (HTML): escaped, so a
        # "R&D" or "<3" typed in a course shows as typed instead of Telegram refusing the poll
        sent = await bot.send_poll(query.from_user.id, escape(q.question),
                                   [InputPollOption(text=escape(o)) for o in q.options],
                                   is_anonymous=False, type="quiz", correct_option_ids=[q.correct],
                                   explanation=escape(q.explanation) if q.explanation else None)
        if sent.poll is not None:
            await svc.courses.poll_sent(quiz.attempt_id, q.id, sent.poll.id, query.from_user.id)


async def on_poll_answer(answer: PollAnswer, svc: Services, t: Translator, sender: Sender) -> None:
    """Recorded only for a quiz poll sent to this person; the last answer of a quiz tells them the result."""
    if answer.user is None:
        return
    r = await svc.courses.poll_answer(answer.user.id, answer.poll_id, list(answer.option_ids))
    if r is None:
        return

    body, markup = result_message(t, r)
    # a poll answer has no message to reply to: the result goes to the learner's chat through the sender
    await sender.send_text(answer.user.id, body, reply_markup=markup, kind="quiz_result")


async def on_learning(message: Message, svc: Services, member: Member, t: Translator) -> None:
    courses = await svc.courses.overview(member)
    if not courses:
        await message.answer(t("learning-none"))
        return
    lines = [t("learning-title")]
    for lc in courses:
        lines.append("")
        lines.append(t("learning-course", title=lc.course.title))
        for row in lc.rows:
            s = row.status
            lines.append(t("learning-line", name=row.member.display_name, status=t(f"learn-status-{s.kind}"),
                           lesson=s.lesson, lessons=s.lessons))
    for part in text.split_lines(lines):
        await message.answer(part)


def create_router() -> Router:
    router = Router(name="courses")
    router.message.register(on_course_new, Command("course_new"), flags=MANAGER)
    router.message.register(on_courses, Command("courses"), flags=MANAGER)
    router.message.register(on_import, Command("course_import"), flags=MANAGER)
    router.message.register(on_assign, Command("course_assign"), flags=MANAGER)
    router.message.register(on_auto, Command("course_auto"), flags=MANAGER)
    router.message.register(on_learning, Command("learning"), flags=MANAGER)
    router.message.register(on_learn, Command("learn"))
    router.message.register(on_question, StateFilter(CourseForm.question), F.text, ~F.text.startswith("/"),
                            flags=MANAGER)
    router.message.register(on_import_file, StateFilter(CourseForm.file), F.document | (F.text & ~F.text.startswith("/")),
                            flags=MANAGER)
    router.callback_query.register(on_card, CourseCb.filter(F.a == "card"), flags=MANAGER)
    router.callback_query.register(on_offer, CourseCb.filter(F.a == "offer"), flags=MANAGER)
    router.callback_query.register(on_pick_article, CourseCb.filter(F.a == "addl"), flags=MANAGER)
    router.callback_query.register(on_add_lesson, CourseCb.filter(F.a == "addla"), flags=MANAGER)
    router.callback_query.register(on_pick_lesson, CourseCb.filter(F.a == "addq"), flags=MANAGER)
    router.callback_query.register(on_question_for, CourseCb.filter(F.a == "addqs"), flags=MANAGER)
    router.callback_query.register(on_lesson, CourseCb.filter(F.a == "les"))
    router.callback_query.register(on_read, CourseCb.filter(F.a == "read"))
    router.callback_query.register(on_quiz, CourseCb.filter(F.a == "quiz"))
    router.poll_answer.register(on_poll_answer)
    return router
