"""Queries of the knowledge base and the courses (no commits: the services write)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import and_, delete, func, insert, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.learning import (
    Article,
    Attachment,
    Course,
    CourseLesson,
    Enrolment,
    KbCategory,
    QuizAttempt,
    QuizPoll,
    QuizQuestion,
    Term,
    TermStat,
)
from models.reporting import Revision, Unit


# --- categories and articles --------------------------------------------------------------------------
async def categories(s: AsyncSession) -> list[KbCategory]:
    return list(await s.scalars(select(KbCategory).order_by(KbCategory.name)))


async def category(s: AsyncSession, category_id: int) -> KbCategory | None:
    return await s.get(KbCategory, category_id)


async def category_by_name(s: AsyncSession, name: str) -> KbCategory | None:
    return await s.scalar(select(KbCategory).where(func.lower(KbCategory.name) == name.lower()))


async def article(s: AsyncSession, article_id: int) -> Article | None:
    return await s.get(Article, article_id)


async def articles_in(s: AsyncSession, category_id: int | None, *, archived: bool = False) -> list[Article]:
    """Articles of a category (``None``: without one), newest title order; bodies are not needed but
    small enough to load with the row."""
    q = select(Article).where(Article.archived == archived)
    q = q.where(Article.category_id.is_(None) if category_id is None else Article.category_id == category_id)
    return list(await s.scalars(q.order_by(Article.title, Article.id)))


async def all_articles(s: AsyncSession) -> list[Article]:
    return list(await s.scalars(select(Article).where(Article.archived.is_(False)).order_by(Article.title)))


async def attachments(s: AsyncSession, article_id: int) -> list[Attachment]:
    return list(await s.scalars(select(Attachment).where(Attachment.article_id == article_id)
                                .order_by(Attachment.position)))


async def replace_attachments(s: AsyncSession, article_id: int, items: Sequence[tuple[str, str, str]]) -> None:
    await s.execute(delete(Attachment).where(Attachment.article_id == article_id))
    for i, (kind, file_id, caption) in enumerate(items):
        s.add(Attachment(article_id=article_id, position=i, kind=kind, file_id=file_id, caption_html=caption))


#: the ``kb_term_stats`` row counting the indexed articles (no stem is empty)
ARTICLES = ""


async def replace_terms(s: AsyncSession, article_id: int, terms: dict[str, int]) -> None:
    """An article's postings (none: it leaves the index), and the counts of ``kb_term_stats`` with them."""
    old = set(await s.scalars(select(Term.term).where(Term.article_id == article_id)))
    await s.execute(delete(Term).where(Term.article_id == article_id))
    if terms:
        await s.execute(insert(Term), [{"term": t, "article_id": article_id, "weight": w} for t, w in terms.items()])
    old_counted = old | {ARTICLES} if old else set()
    new_counted = set(terms) | {ARTICLES} if terms else set()
    gone, came = sorted(old_counted - new_counted), sorted(new_counted - old_counted)
    for start in range(0, len(gone), 500):
        chunk = gone[start:start + 500]
        await s.execute(update(TermStat).where(TermStat.term.in_(chunk)).values(df=TermStat.df - 1)
                        .execution_options(synchronize_session=False))
        await s.execute(delete(TermStat).where(TermStat.term.in_(chunk), TermStat.df <= 0))
    if came:
        await s.execute(_upsert(s, TermStat).values([{"term": t, "df": 1} for t in came])
                        .on_conflict_do_update(index_elements=[TermStat.term], set_={"df": TermStat.df + 1}))


def _upsert(s: AsyncSession, table):  # type: ignore[no-untyped-def]
    """``INSERT … ON CONFLICT`` of the session's backend (SQLite and PostgreSQL spell it alike)."""
    if s.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table)


async def doc_freq(s: AsyncSession, terms: Sequence[str]) -> tuple[dict[str, int], int]:
    """(term → how many indexed articles have it, how many articles are indexed), by key from
    ``kb_term_stats`` in one statement (only live articles are indexed)."""
    rows = await s.execute(select(TermStat.term, TermStat.df).where(TermStat.term.in_([*terms, ARTICLES])))
    found = {t: int(n) for t, n in rows}
    return {t: n for t, n in found.items() if t != ARTICLES}, found.get(ARTICLES, 0)


async def rebuild_term_stats(s: AsyncSession) -> int:
    """``kb_term_stats`` counted again from the postings (``rebuild-stats``; after a bulk load that bypassed
    replace_terms) → rows written."""
    await s.execute(delete(TermStat))
    await s.execute(insert(TermStat).from_select(["term", "df"], select(Term.term, func.count()).group_by(Term.term)))
    n = await s.scalar(select(func.count(func.distinct(Term.article_id))))
    if n:
        await s.execute(insert(TermStat).values(term=ARTICLES, df=n))
    return int(await s.scalar(select(func.count()).select_from(TermStat)) or 0)


async def top_postings(s: AsyncSession, limits: Mapping[str, int]) -> list[tuple[int, str, int]]:
    """(article id, term, weight): each term's ``limits[term]`` heaviest articles, in one statement (each part
    reads the first rows of ``ix_kb_terms_term_weight``, never all of a common term's postings)."""
    parts = [select(Term.article_id, Term.term, Term.weight).where(Term.term == t)
             .order_by(Term.weight.desc(), Term.article_id.desc()).limit(n).subquery()
             for t, n in limits.items() if n > 0]
    if not parts:
        return []
    q = union_all(*(select(p.c.article_id, p.c.term, p.c.weight) for p in parts)) if len(parts) > 1 else \
        select(parts[0].c.article_id, parts[0].c.term, parts[0].c.weight)
    return [(int(a), t, int(w)) for a, t, w in await s.execute(q)]


IDS_PER_STATEMENT = 1000


async def postings_of(s: AsyncSession, wanted: Mapping[str, Sequence[int]]) -> list[tuple[int, str, int]]:
    """(article id, term, weight) of each term in the articles wanted for it (those that have it), by key in
    ``ix_kb_terms_term_article_weight``; up to ``IDS_PER_STATEMENT`` ids a statement."""
    pairs = [(t, a) for t, ids in wanted.items() for a in sorted(ids)]
    out: list[tuple[int, str, int]] = []
    for start in range(0, len(pairs), IDS_PER_STATEMENT):
        by_term: dict[str, list[int]] = {}
        for t, a in pairs[start:start + IDS_PER_STATEMENT]:
            by_term.setdefault(t, []).append(a)
        rows = await s.execute(select(Term.article_id, Term.term, Term.weight).where(
            or_(*(and_(Term.term == t, Term.article_id.in_(ids)) for t, ids in by_term.items()))))
        out += [(int(a), t, int(w)) for a, t, w in rows]
    return out


async def audiences(s: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[list, list]]:
    rows = await s.execute(select(Article.id, Article.audience_roles, Article.audience_departments)
                           .where(Article.id.in_(list(ids))))
    return {i: (r or [], d or []) for i, r, d in rows}


async def articles_by_ids(s: AsyncSession, ids: Iterable[int]) -> dict[int, Article]:
    ids = list(ids)
    if not ids:
        return {}
    return {a.id: a for a in await s.scalars(select(Article).where(Article.id.in_(ids)))}


async def stale_articles(s: AsyncSession, today: date) -> list[Article]:
    return list(await s.scalars(select(Article).where(Article.archived.is_(False), Article.review_at <= today)
                                .order_by(Article.review_at, Article.id)))


# --- courses ---------------------------------------------------------------------------------------------
async def courses(s: AsyncSession) -> list[Course]:
    return list(await s.scalars(select(Course).where(Course.archived.is_(False)).order_by(Course.id)))


async def course(s: AsyncSession, course_id: int) -> Course | None:
    return await s.get(Course, course_id)


async def lessons(s: AsyncSession, course_id: int) -> list[CourseLesson]:
    return list(await s.scalars(select(CourseLesson).where(CourseLesson.course_id == course_id)
                                .order_by(CourseLesson.position)))


async def lesson_counts(s: AsyncSession, course_ids: Sequence[int]) -> dict[int, int]:
    if not course_ids:
        return {}
    rows = await s.execute(select(CourseLesson.course_id, func.count()).where(
        CourseLesson.course_id.in_(list(course_ids))).group_by(CourseLesson.course_id))
    return dict(rows.all())  # type: ignore[arg-type]


async def lesson(s: AsyncSession, lesson_id: int) -> CourseLesson | None:
    return await s.get(CourseLesson, lesson_id)


async def questions(s: AsyncSession, lesson_id: int) -> list[QuizQuestion]:
    return list(await s.scalars(select(QuizQuestion).where(QuizQuestion.lesson_id == lesson_id)
                                .order_by(QuizQuestion.position)))


async def question_counts(s: AsyncSession, lesson_ids: Sequence[int]) -> dict[int, int]:
    if not lesson_ids:
        return {}
    rows = await s.execute(select(QuizQuestion.lesson_id, func.count()).where(
        QuizQuestion.lesson_id.in_(list(lesson_ids))).group_by(QuizQuestion.lesson_id))
    return dict(rows.all())  # type: ignore[arg-type]


async def enrolment(s: AsyncSession, enrolment_id: int) -> Enrolment | None:
    return await s.get(Enrolment, enrolment_id)


async def enrolment_of(s: AsyncSession, course_id: int, member_id: int) -> Enrolment | None:
    return await s.scalar(select(Enrolment).where(Enrolment.course_id == course_id,
                                                  Enrolment.member_id == member_id))


async def enrolments_of_member(s: AsyncSession, member_id: int) -> list[Enrolment]:
    return list(await s.scalars(select(Enrolment).where(Enrolment.member_id == member_id)
                                .order_by(Enrolment.id)))


async def enrolments_of_members(s: AsyncSession, member_ids: Sequence[int]) -> list[Enrolment]:
    ids = list(member_ids)
    out: list[Enrolment] = []
    for start in range(0, len(ids), 500):
        out += await s.scalars(select(Enrolment).where(Enrolment.member_id.in_(ids[start:start + 500])))
    return out


async def enrolments(s: AsyncSession, course_ids: Sequence[int] | None = None, *,
                     open_only: bool = False) -> list[Enrolment]:
    q = select(Enrolment)
    if course_ids is not None:
        q = q.where(Enrolment.course_id.in_(list(course_ids)))
    if open_only:
        q = q.where(Enrolment.completed_at.is_(None))
    return list(await s.scalars(q.order_by(Enrolment.course_id, Enrolment.id)))


async def last_attempts(s: AsyncSession, enrolment_ids: Sequence[int]) -> dict[int, QuizAttempt]:
    """The newest finished attempt of each enrolment."""
    if not enrolment_ids:
        return {}
    rows = await s.scalars(select(QuizAttempt).where(QuizAttempt.enrolment_id.in_(list(enrolment_ids)),
                                                     QuizAttempt.finished_at.is_not(None))
                           .order_by(QuizAttempt.id))
    return {a.enrolment_id: a for a in rows}


async def attempts_of(s: AsyncSession, enrolment_id: int) -> list[QuizAttempt]:
    return list(await s.scalars(select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment_id)
                                .order_by(QuizAttempt.id)))


async def attempt(s: AsyncSession, attempt_id: int) -> QuizAttempt | None:
    return await s.get(QuizAttempt, attempt_id)


async def poll(s: AsyncSession, poll_id: str) -> QuizPoll | None:
    return await s.get(QuizPoll, poll_id)


async def revision_reasons(s: AsyncSession, member_ids: Sequence[int], since: datetime) -> dict[int, dict[str, int]]:
    """author id → {revision reason: count} of revisions received since ``since``."""
    if not member_ids:
        return {}
    rows = await s.execute(select(Unit.author_id, Revision.reason, func.count())
                           .join(Unit, Unit.id == Revision.unit_id)
                           .where(Unit.author_id.in_(list(member_ids)), Revision.received_at >= since)
                           .group_by(Unit.author_id, Revision.reason))
    out: dict[int, dict[str, int]] = {}
    for author, reason, n in rows:
        out.setdefault(int(author), {})[reason] = int(n)
    return out


# --- quiz answers: atomic, since the answers of one quiz arrive as concurrent updates -----------------------
async def claim_poll_answer(s: AsyncSession, poll_id: str, chosen: int, at: datetime) -> bool:
    """Record the first answer of a poll; False when it was answered already."""
    result = await s.execute(update(QuizPoll).where(QuizPoll.poll_id == poll_id, QuizPoll.chosen.is_(None))
                             .values(chosen=chosen, answered_at=at))
    return result.rowcount == 1


async def count_answer(s: AsyncSession, attempt_id: int, right: bool) -> None:
    await s.execute(update(QuizAttempt).where(QuizAttempt.id == attempt_id, QuizAttempt.finished_at.is_(None))
                    .values(answered=QuizAttempt.answered + 1, correct=QuizAttempt.correct + int(right)))


async def touch_enrolment(s: AsyncSession, enrolment_id: int, at: datetime) -> None:
    await s.execute(update(Enrolment).where(Enrolment.id == enrolment_id).values(last_activity_at=at))


async def finish_attempt(s: AsyncSession, attempt_id: int, at: datetime, passed: bool) -> bool:
    """Close an attempt once: True for the one caller that closed it."""
    result = await s.execute(update(QuizAttempt).where(QuizAttempt.id == attempt_id,
                                                       QuizAttempt.finished_at.is_(None))
                             .values(finished_at=at, passed=passed))
    return result.rowcount == 1
