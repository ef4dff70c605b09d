"""Courses: building (in the bot or from a Markdown file, all-or-nothing), enrolment (automatic at
registration, by a manager with a deadline), lessons, Telegram quizzes (the answers arrive as ``poll_answer``
updates and count only from the person the poll was sent to), progress (/learn, /learning) and what the
scheduler needs for nudges and overdue notices. The rules are in :mod:`bot.domain.learning`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot import access
from bot.domain import learning as rules
from bot.domain import search
from bot.domain.workdays import local_today
from bot.errors import NotAllowed, UserError
from bot.services.base import Service
from bot.services.kb import REVIEW_DAYS, clean_title
from models import learning_repo as repo
from models import org_repo
from models.learning import (
    Article,
    Course,
    CourseLesson,
    Enrolment,
    QuizAttempt,
    QuizPoll,
    QuizQuestion,
)
from models.org import Member


@dataclass(frozen=True, slots=True)
class CourseCard:
    course: Course
    lessons: list[tuple[CourseLesson, Article, int]]  # lesson, its article, its number of questions
    learners: int


@dataclass(frozen=True, slots=True)
class MyCourse:
    enrolment: Enrolment
    course: Course
    status: rules.Status
    lesson_title: str | None  # the current lesson's
    scores: list[tuple[int, int, int]]  # (lesson number, correct, questions) of the finished quizzes


@dataclass(frozen=True, slots=True)
class LessonView:
    enrolment: Enrolment
    course: Course
    lesson: CourseLesson
    article: Article
    position: int
    lessons: int
    questions: int
    passed: bool
    may_quiz: bool


@dataclass(frozen=True, slots=True)
class Quiz:
    attempt_id: int
    questions: list[QuizQuestion]


@dataclass(frozen=True, slots=True)
class QuizResult:
    member: Member
    enrolment: Enrolment
    course: Course
    position: int
    correct: int
    questions: int
    passed: bool
    finished_course: bool
    lessons: int


@dataclass(frozen=True, slots=True)
class Enrolled:
    """A new enrolment to tell its learner about."""

    member: Member
    course: Course
    deadline: date | None
    enrolment_id: int


@dataclass
class LearningRow:
    member: Member
    status: rules.Status


@dataclass
class LearningCourse:
    course: Course
    rows: list[LearningRow] = field(default_factory=list)


def _passed(e: Enrolment) -> set[int]:
    return {int(p) for p in (e.passed or [])}


class CourseService(Service):
    def today(self, member: Member | None = None) -> date:
        tz = (member.timezone if member is not None else None) or self.settings.timezone
        return local_today(self.clock.now(), tz)

    def _require(self, actor: Member) -> None:
        if not access.may_write_articles(actor):
            raise NotAllowed()

    # -- building -------------------------------------------------------------------------------------------
    async def create_course(self, actor: Member, title: str, key: str | None) -> tuple[int, bool]:
        self._require(actor)
        title = clean_title(title)
        now = self.clock.now()

        async def create(s) -> int:
            c = Course(title=title, pass_mark=rules.PASS_MARK_DEFAULT, reasons=[], auto_roles=[],
                       auto_departments=[], created_by=actor.id, archived=False, created_at=now)
            s.add(c)
            await s.flush()
            org_repo.audit(s, actor_id=actor.id, action="course.created", object_type="course", object_id=c.id,
                           at=now, title=title)
            return c.id

        object_id, created = await self.create_once(key, "course", create)
        return int(object_id or 0), created

    async def import_markdown(self, actor: Member, text: str, key: str | None) -> tuple[int, bool]:
        """A whole course from a Markdown file: its lessons become articles; nothing is saved when the file has
        any error (:class:`bot.domain.learning.CourseFormatError` with every line)."""
        self._require(actor)
        parsed = rules.parse_course(text)
        now = self.clock.now()
        review = self.today() + timedelta(days=REVIEW_DAYS)

        async def create(s) -> int:
            c = Course(title=parsed.title, pass_mark=parsed.pass_mark, reasons=parsed.reasons, auto_roles=[],
                       auto_departments=[], created_by=actor.id, archived=False, created_at=now)
            s.add(c)
            await s.flush()
            for i, lesson in enumerate(parsed.lessons):
                a = Article(title=lesson.title, body_html=lesson.body_html,
                            body_parts=[{"text": lesson.body_text, "entities": []}], category_id=None,
                            audience_roles=[], audience_departments=[], owner_id=actor.id, version=1,
                            archived=False, review_at=review, checked_at=now, created_at=now, updated_at=now)
                s.add(a)
                await s.flush()
                await repo.replace_terms(s, a.id, search.article_terms(lesson.title, lesson.body_text))
                cl = CourseLesson(course_id=c.id, position=i, article_id=a.id)
                s.add(cl)
                await s.flush()
                for j, q in enumerate(lesson.questions):
                    s.add(QuizQuestion(lesson_id=cl.id, position=j, question=q.text, options=q.options,
                                       correct=q.correct[0], explanation=q.explanation))
            org_repo.audit(s, actor_id=actor.id, action="course.imported", object_type="course", object_id=c.id,
                           at=now, title=parsed.title, lessons=len(parsed.lessons))
            return c.id

        object_id, created = await self.create_once(key, "course", create)
        return int(object_id or 0), created

    async def courses(self, actor: Member) -> list[tuple[Course, int]]:
        self._require(actor)
        cs = await repo.courses(self.session)
        counts = await repo.lesson_counts(self.session, [c.id for c in cs])
        return [(c, counts.get(c.id, 0)) for c in cs]

    async def card(self, actor: Member, course_id: int) -> CourseCard:
        self._require(actor)
        c = await repo.course(self.session, course_id)
        if c is None or c.archived:
            raise UserError("course-not-found")
        lessons = await repo.lessons(self.session, c.id)
        articles = await repo.articles_by_ids(self.session, [cl.article_id for cl in lessons])
        qs = await repo.question_counts(self.session, [cl.id for cl in lessons])
        learners = len(await repo.enrolments(self.session, [c.id]))
        return CourseCard(c, [(cl, articles[cl.article_id], qs.get(cl.id, 0)) for cl in lessons], learners)

    async def add_lesson(self, actor: Member, course_id: int, article_id: int, *, key: str | None = None) -> CourseCard:
        """The article as the course's next lesson. ``key`` (the picker's message and the article): a double press
        or two presses at once add one lesson; an article already in the course is refused."""
        self._require(actor)

        async def create(s) -> int:
            c = await repo.course(s, course_id)
            a = await repo.article(s, article_id)
            if c is None or a is None or a.archived:
                raise UserError("error-bad-choice")
            lessons = await repo.lessons(s, c.id)
            if any(cl.article_id == a.id for cl in lessons):
                raise UserError("course-lesson-exists", title=a.title)
            if len(lessons) >= rules.LESSONS_MAX:
                raise UserError("course-lessons-many", n=rules.LESSONS_MAX)
            lesson = CourseLesson(course_id=c.id, position=len(lessons), article_id=a.id)
            s.add(lesson)
            await s.flush()
            org_repo.audit(s, actor_id=actor.id, action="course.lesson_added", object_type="course",
                           object_id=c.id, at=self.clock.now(), article_id=a.id)
            return lesson.id

        await self.create_once(key, "course_lesson", create)
        return await self.card(actor, course_id)

    async def add_question(self, actor: Member, lesson_id: int, text: str) -> CourseCard:
        """A question typed in the bot, in the course file's syntax; refused with the problems' lines."""
        self._require(actor)
        q = rules.parse_question(text)
        async with self.db.writing(self.session) as s:
            cl = await repo.lesson(s, lesson_id)
            if cl is None:
                raise UserError("error-bad-choice")
            existing = await repo.questions(s, cl.id)
            s.add(QuizQuestion(lesson_id=cl.id, position=len(existing), question=q.text, options=q.options,
                               correct=q.correct[0], explanation=q.explanation))
            org_repo.audit(s, actor_id=actor.id, action="course.question_added", object_type="course",
                           object_id=cl.course_id, at=self.clock.now(), lesson_id=cl.id)
            course_id = cl.course_id
        return await self.card(actor, course_id)

    async def set_auto(self, actor: Member, course_id: int, role: str | None, department_id: int | None) -> Course:
        """Automatic enrolment at registration: a role (``None`` switches it off) and optionally a department."""
        self._require(actor)
        if role and department_id is None:  # every department: admins only
            self.require_admin(actor)
        async with self.db.writing(self.session) as s:
            c = await repo.course(s, course_id)
            if c is None:
                raise UserError("course-not-found")
            if department_id is not None:
                if not access.can_manage_department(actor, department_id, await self.managed_ids(actor)):
                    raise NotAllowed()
            c.auto_roles = [role] if role else []
            c.auto_departments = [department_id] if role and department_id is not None else []
            org_repo.audit(s, actor_id=actor.id, action="course.auto_set", object_type="course", object_id=c.id,
                           at=self.clock.now(), roles=c.auto_roles, departments=c.auto_departments)
        return c

    # -- enrolment ----------------------------------------------------------------------------------------
    async def _enrol(self, s, course: Course, member: Member, by: int | None, deadline: date | None) -> int | None:
        """The new enrolment's id; None when the member already has the course."""
        if await repo.enrolment_of(s, course.id, member.id) is not None:
            return None
        now = self.clock.now()
        e = Enrolment(course_id=course.id, member_id=member.id, assigned_by=by, deadline=deadline, passed=[],
                      last_activity_at=now, created_at=now)
        s.add(e)
        await s.flush()
        org_repo.audit(s, actor_id=by, action="course.enrolled", object_type="course", object_id=course.id,
                       at=now, member_id=member.id, deadline=deadline.isoformat() if deadline else None)
        return e.id

    async def auto_enrol(self, member: Member) -> list[Enrolled]:
        """At registration: the courses whose automatic rule matches the new member's role and department."""
        out: list[Enrolled] = []
        cs = [c for c in await repo.courses(self.session)
              if access.course_applies_at_registration(member.role, member.department_id, c.auto_roles or [],
                                                       c.auto_departments or [])]
        if not cs:
            return out
        try:
            async with self.db.writing(self.session) as s:
                for c in cs:
                    if (eid := await self._enrol(s, c, member, None, None)) is not None:
                        out.append(Enrolled(member, c, None, eid))
        except IntegrityError:  # a concurrent registration enrolled them meanwhile
            return []
        return out

    async def assign(self, actor: Member, course_id: int, *, member_id: int | None = None,
                     department_id: int | None = None, deadline: date | None = None) -> list[Enrolled]:
        """A manager gives a course to one person or a whole department (those in their scope), with an
        optional deadline; people already enrolled are left as they are."""
        self._require(actor)
        if deadline is not None and deadline < self.today(actor):
            raise UserError("course-deadline-past")
        managed = await self.managed_ids(actor)
        async with self.db.writing(self.session) as s:
            c = await repo.course(s, course_id)
            if c is None or c.archived:
                raise UserError("course-not-found")
            if not await repo.lessons(s, c.id):
                raise UserError("course-empty")
            if member_id is not None:
                m = await org_repo.member_by_id(s, member_id)
                if m is None or not access.may_assign_course(actor, m, managed):
                    raise UserError("error-member-not-found")
                targets = [m]
            elif department_id is not None:
                if not access.can_manage_department(actor, department_id, managed):
                    raise NotAllowed()
                targets = await org_repo.list_members(s, department_ids=[department_id], active_only=True)
            else:
                raise UserError("error-bad-choice")
            out = []
            for m in targets:
                if not access.may_assign_course(actor, m, managed):
                    continue
                if (eid := await self._enrol(s, c, m, actor.id, deadline)) is not None:
                    out.append(Enrolled(m, c, deadline, eid))
        return out

    async def assign_to(self, actor: Member, course_id: int, target: str, deadline: date | None) -> list[Enrolled]:
        """``target``: ``@username`` or a department's name."""
        target = target.strip()
        if target.startswith("@"):
            m = await org_repo.member_by_username(self.session, target[1:65])
            if m is None:
                raise UserError("error-member-not-found")
            return await self.assign(actor, course_id, member_id=m.id, deadline=deadline)
        d = await org_repo.department_by_name(self.session, target[:100])
        if d is None:
            raise UserError("error-department-not-found")
        return await self.assign(actor, course_id, department_id=d.id, deadline=deadline)

    async def auto_department(self, name: str | None) -> int | None:
        if not name:
            return None
        d = await org_repo.department_by_name(self.session, name.strip()[:100])
        if d is None:
            raise UserError("error-department-not-found")
        return d.id

    async def offers(self, actor: Member, member_ids: list[int]) -> list[tuple[Member, Course, str]]:
        """The quality loop: for each writer /team flags, the course tagged with their most frequent revision
        reason of the last two months (when they are not on it yet) — (writer, course, reason)."""
        if not access.may_write_articles(actor) or not member_ids:
            return []
        tagged = [c for c in await repo.courses(self.session) if c.reasons]
        if not tagged:
            return []
        managed = await self.managed_ids(actor)
        since = self.clock.now() - timedelta(days=61)
        out = []
        for member_id, reasons in (await repo.revision_reasons(self.session, member_ids, since)).items():
            m = await org_repo.member_by_id(self.session, member_id)
            if m is None or not access.may_assign_course(actor, m, managed) or not reasons:
                continue
            top = max(sorted(reasons), key=lambda r: reasons[r])
            for c in tagged:
                if top in c.reasons and await repo.enrolment_of(self.session, c.id, m.id) is None:
                    out.append((m, c, top))
                    break
        return out

    # -- learning ------------------------------------------------------------------------------------------
    async def my_courses(self, member: Member) -> list[MyCourse]:
        out = []
        es = await repo.enrolments_of_member(self.session, member.id)
        for e in es:
            c = await repo.course(self.session, e.course_id)
            if c is None:
                continue
            lessons = await repo.lessons(self.session, c.id)
            passed = _passed(e)
            status = rules.course_status(len(lessons), passed, e.started_at is not None,
                                         e.failed_position is not None, e.deadline, self.today(member))
            pos = rules.current_position(len(lessons), passed)
            title = None
            if pos < len(lessons):
                a = await repo.article(self.session, lessons[pos].article_id)
                title = a.title if a else None
            scores = [(a.position + 1, a.correct, a.questions) for a in await repo.attempts_of(self.session, e.id)
                      if a.finished_at is not None]
            out.append(MyCourse(e, c, status, title, scores))
        return out

    async def _own(self, member: Member, enrolment_id: int) -> tuple[Enrolment, Course, list[CourseLesson]]:
        e = await repo.enrolment(self.session, enrolment_id)
        if e is None or e.member_id != member.id:
            raise UserError("course-not-found")
        c = await repo.course(self.session, e.course_id)
        if c is None:
            raise UserError("course-not-found")
        return e, c, await repo.lessons(self.session, c.id)

    async def open_lesson(self, member: Member, enrolment_id: int, position: int | None = None) -> LessonView:
        """The current lesson (or an earlier, passed one); opening the current lesson counts as reading it
        (a failed quiz may then be retaken)."""
        e, c, lessons = await self._own(member, enrolment_id)
        passed = _passed(e)
        current = rules.current_position(len(lessons), passed)
        if position is None:
            position = min(current, len(lessons) - 1)
        if not rules.may_open(position, len(lessons), passed):
            raise UserError("course-lesson-locked")
        cl = lessons[position]
        a = await repo.article(self.session, cl.article_id)
        if a is None:
            raise UserError("kb-not-found")
        questions = len(await repo.questions(self.session, cl.id))
        async with self.db.writing(self.session):
            now = self.clock.now()
            e.started_at = e.started_at or now
            e.last_activity_at = now
            if position == current:
                e.read_position = position
        return LessonView(e, c, cl, a, position, len(lessons), questions, position in passed,
                          position == current and questions > 0)

    async def mark_read(self, member: Member, enrolment_id: int, position: int) -> QuizResult:
        """**Read**: passes a lesson that has no quiz."""
        e, c, lessons = await self._own(member, enrolment_id)
        passed = _passed(e)
        if position != rules.current_position(len(lessons), passed):
            raise UserError("course-lesson-locked" if position not in passed else "course-lesson-done")
        if await repo.questions(self.session, lessons[position].id):
            raise UserError("course-lesson-has-quiz")
        return await self._finish_lesson(member, e, c, lessons, position, 0, 0, True)

    async def _finish_lesson(self, member: Member, e: Enrolment, c: Course, lessons: list[CourseLesson],
                             position: int, correct: int, total: int, ok: bool) -> QuizResult:
        async with self.db.writing(self.session) as s:
            now = self.clock.now()
            e.last_activity_at = now
            e.started_at = e.started_at or now
            if ok:
                e.passed = sorted(_passed(e) | {position})
                e.failed_position = None
                e.read_position = None
                if rules.current_position(len(lessons), _passed(e)) >= len(lessons):
                    e.completed_at = now
            else:
                e.failed_position = position
                e.read_position = None
            org_repo.audit(s, actor_id=member.id, action="course.lesson_passed" if ok else "course.lesson_failed",
                           object_type="course", object_id=c.id, at=now, position=position, correct=correct,
                           questions=total)
        return QuizResult(member, e, c, position, correct, total, ok, e.completed_at is not None, len(lessons))

    async def start_quiz(self, member: Member, enrolment_id: int, position: int) -> Quiz:
        """A new attempt of the current lesson's quiz (after reading it again when the last one failed)."""
        e, _c, lessons = await self._own(member, enrolment_id)
        passed = _passed(e)
        if position != rules.current_position(len(lessons), passed):
            raise UserError("course-lesson-locked" if position not in passed else "course-lesson-done")
        failed = e.failed_position == position
        if not rules.may_start_quiz(e.read_position == position, failed):
            raise UserError("course-read-first")
        questions = await repo.questions(self.session, lessons[position].id)
        if not questions:
            raise UserError("error-bad-choice")
        async with self.db.writing(self.session) as s:
            for old in await repo.attempts_of(s, e.id):
                if old.finished_at is None:  # an unfinished attempt is abandoned: its polls no longer count
                    old.finished_at, old.passed = self.clock.now(), False
            at = QuizAttempt(enrolment_id=e.id, position=position, questions=len(questions), answered=0,
                             correct=0, passed=None, started_at=self.clock.now())
            s.add(at)
            e.read_position = None
            e.last_activity_at = self.clock.now()
            await s.flush()
        return Quiz(at.id, questions)

    async def poll_sent(self, attempt_id: int, question_id: int, poll_id: str, telegram_id: int) -> None:
        async with self.db.writing(self.session) as s:
            s.add(QuizPoll(poll_id=poll_id[:64], attempt_id=attempt_id, question_id=question_id,
                           telegram_id=telegram_id))

    async def poll_answer(self, telegram_id: int, poll_id: str, option_ids: list[int]) -> QuizResult | None:
        """A ``poll_answer``: recorded when the poll was sent to this person for an open attempt (else
        ignored); the attempt's last answer finishes it (pass mark, next lesson)."""
        p = await repo.poll(self.session, poll_id[:64])
        if p is None or p.telegram_id != telegram_id or p.chosen is not None or not option_ids:
            return None
        at = await repo.attempt(self.session, p.attempt_id)
        if at is None or at.finished_at is not None:
            return None
        question = await self.session.get(QuizQuestion, p.question_id)
        member = await org_repo.member_by_telegram_id(self.session, telegram_id)
        if question is None or member is None or not member.active:
            return None
        e = await repo.enrolment(self.session, at.enrolment_id)
        if e is None or e.member_id != member.id:
            return None
        now = self.clock.now()
        # answers of one quiz arrive as concurrent updates: every count is one atomic UPDATE, and only the
        # update that records the last answer finishes the attempt (a lost update would never finish it)
        async with self.db.writing(self.session) as s:
            if not await repo.claim_poll_answer(s, p.poll_id, option_ids[0], now):
                return None
            await repo.count_answer(s, at.id, option_ids[0] == question.correct)
            await repo.touch_enrolment(s, e.id, now)
            await s.refresh(at)
            done = False
            if at.answered >= at.questions and at.finished_at is None:
                c = await repo.course(s, e.course_id)
                ok = rules.quiz_passed(at.correct, at.questions, c.pass_mark if c else rules.PASS_MARK_DEFAULT)
                done = await repo.finish_attempt(s, at.id, now, ok)
            await s.refresh(at)
            await s.refresh(e)
        if not done:
            return None
        c = await repo.course(self.session, e.course_id)
        lessons = await repo.lessons(self.session, e.course_id)
        return await self._finish_lesson(member, e, c, lessons, at.position, at.correct, at.questions,
                                         bool(at.passed))

    # -- managers' view and the scheduler --------------------------------------------------------------------
    async def overview(self, actor: Member) -> list[LearningCourse]:
        """/learning: per course, the learners the actor may see, with their status."""
        self._require(actor)
        managed = await self.managed_ids(actor)
        out = []
        cs = await repo.courses(self.session)
        counts = await repo.lesson_counts(self.session, [c.id for c in cs])
        es = await repo.enrolments(self.session, [c.id for c in cs])
        members = {m.id: m for m in await org_repo.list_members(self.session)}
        for c in cs:
            lc = LearningCourse(c)
            for e in es:
                m = members.get(e.member_id)
                if e.course_id != c.id or m is None or not access.may_see_member(actor, m, managed):
                    continue
                lc.rows.append(LearningRow(m, rules.course_status(
                    counts.get(c.id, 0), _passed(e), e.started_at is not None, e.failed_position is not None,
                    e.deadline, self.today(m))))
            if lc.rows:
                out.append(lc)
        return out

    async def open_enrolments(self, now: datetime) -> list[tuple[Enrolment, Course, Member, rules.Status]]:
        """Every unfinished enrolment of an active member, with its status (the scheduler's nudges and
        overdue notices)."""
        out = []
        courses = {c.id: c for c in await repo.courses(self.session)}
        counts = await repo.lesson_counts(self.session, list(courses))
        for e in await repo.enrolments(self.session, open_only=True):
            m = await org_repo.member_by_id(self.session, e.member_id)
            c = courses.get(e.course_id)
            if m is None or not m.active or c is None or not counts.get(c.id):
                continue
            out.append((e, c, m, rules.course_status(counts[c.id], _passed(e), e.started_at is not None,
                                                     e.failed_position is not None, e.deadline,
                                                     local_today(now, m.timezone or self.settings.timezone))))
        return out
