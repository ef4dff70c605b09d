"""Knowledge base and courses: categories, articles (with their previous versions, attachments and the
search index rows), courses, lessons, quiz questions, enrolments, lesson results and the quiz polls sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

PHOTO, DOCUMENT = "photo", "document"


class KbCategory(Base):
    __tablename__ = "kb_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Article(Base):
    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # the body as Telegram HTML (rendered from the messages' entities) and as the messages themselves:
    # [{"text": ..., "entities": [...]}] (what Telegram sent, kept to render again)
    body_html: Mapped[str] = mapped_column(Text)
    body_parts: Mapped[list] = mapped_column(JSON, default=list)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("kb_categories.id", ondelete="SET NULL"),
                                                    index=True, default=None)
    # the audience: empty lists = everyone in the team; else members whose role or department is listed
    audience_roles: Mapped[list] = mapped_column(JSON, default=list)
    audience_departments: Mapped[list] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)  # counted by search (ranking)
    review_at: Mapped[date] = mapped_column(Date, index=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ArticleVersion(Base):
    """A previous text of an article, kept when it is edited."""

    __tablename__ = "kb_article_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body_html: Mapped[str] = mapped_column(Text)
    body_parts: Mapped[list] = mapped_column(JSON, default=list)
    edited_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Attachment(Base):
    __tablename__ = "kb_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # photo | document
    file_id: Mapped[str] = mapped_column(String(255))
    caption_html: Mapped[str] = mapped_column(Text, default="")


class Term(Base):
    """The portable search index: one row per (stem, live article) with its weight (bot.domain.search); an
    archived article has no rows (they are written again when it is restored)."""

    __tablename__ = "kb_terms"

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_kb_terms_article_id", "article_id"),
                      # covering, by key: a term's weight in given articles
                      Index("ix_kb_terms_term_article_weight", "term", "article_id", "weight"),
                      # covering, by weight: a term's heaviest articles without reading (and sorting) all of its
                      # postings. Both are needed: with only this one the planner used it for the by-key lookups
                      # too and read every posting of a common term
                      Index("ix_kb_terms_term_weight", "term", "weight", "article_id"))


class TermStat(Base):
    """How many indexed articles have each term (kept by :func:`models.learning_repo.replace_terms` with the
    postings, in the same transaction); the empty term counts the indexed articles themselves. Search reads a
    query's document frequencies and the article count from here by key instead of counting postings."""

    __tablename__ = "kb_term_stats"

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    df: Mapped[int] = mapped_column(Integer)


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[int] = mapped_column(Integer, default=80)
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # revision reasons it teaches
    # automatic enrolment at registration: a new member whose role is listed (and whose department is, when
    # departments are listed) gets the course
    auto_roles: Mapped[list] = mapped_column(JSON, default=list)
    auto_departments: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CourseLesson(Base):
    __tablename__ = "course_lessons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 0-based
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="RESTRICT"), index=True)

    __table_args__ = (UniqueConstraint("course_id", "position", name="uq_course_lessons_course_position"),)


class QuizQuestion(Base):
    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("course_lessons.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(300))
    options: Mapped[list] = mapped_column(JSON)
    correct: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[str] = mapped_column(String(200), default="")


class Enrolment(Base):
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    deadline: Mapped[date | None] = mapped_column(Date, default=None)
    passed: Mapped[list] = mapped_column(JSON, default=list)  # positions of the lessons passed
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # the current lesson: read after its last failed quiz (a retake needs reading again)
    read_position: Mapped[int | None] = mapped_column(Integer, default=None)
    failed_position: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("course_id", "member_id", name="uq_enrolments_course_member"),)


class QuizAttempt(Base):
    """One run of a lesson's quiz by one learner; finished when every question is answered."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    questions: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[bool | None] = mapped_column(Boolean, default=None)  # None while open
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class QuizPoll(Base):
    """A quiz poll sent to one person: its answer counts only when it comes from that person."""

    __tablename__ = "quiz_polls"

    poll_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id", ondelete="CASCADE"))
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    chosen: Mapped[int | None] = mapped_column(Integer, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
