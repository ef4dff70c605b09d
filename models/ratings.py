"""Peer ratings between departments: policies, ratings, monthly forms, aggregate-threshold notices.

Anonymity in storage (see docs/ratings.md): a rating never stores who gave it, except under an
*open* policy. ``rater_key`` is an HMAC of (policy, rater) with a server secret that lives outside
the database; ``dedup_key`` is an HMAC of (policy, rater, rated, period, task) and is UNIQUE, so one
rater cannot rate the same person for the same task (or month) twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class RatingPolicy(Base):
    """Department ``rater_department_id`` rates the people of ``rated_department_id``."""

    __tablename__ = "rating_policies"
    __table_args__ = (
        UniqueConstraint("rater_department_id", "rated_department_id", name="uq_rating_policies_pair"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rater_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    rated_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    cadence: Mapped[str] = mapped_column(String(16))  # bot.domain.ratings.Cadence
    mode: Mapped[str] = mapped_column(String(16))  # bot.domain.ratings.AnonymityMode
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        Index("ix_ratings_rated_period", "rated_id", "period"),
        Index("ix_ratings_policy_period", "policy_id", "period"),
        Index("ix_ratings_rater_key", "rater_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("rating_policies.id", ondelete="CASCADE"))
    rated_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    task_ref: Mapped[str | None] = mapped_column(String(300), default=None)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    rater_key: Mapped[str] = mapped_column(String(64))
    # the raw rater is kept only under an open policy; NULL otherwise (and scrubbed when a policy
    # stops being open)
    rater_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RatingForm(Base):
    """A monthly form sent to a rater (identified only by ``rater_key``) about one person.

    It is its own delivery log (kept here, not in ``deliveries``, which names members: a delivery row
    would tie a rater to the forms they had not filled): ``status`` is ``pending`` from the claim
    (``claimed_at``) until the send's outcome (``sent``, with ``sent_at``; ``failed``;
    ``unreachable``; ``expired`` when a restart found it past the grace period). The reminder has its own
    ``reminder_status``/``reminder_claimed_at``. A form created by ``/rate`` (already filled, never
    sent) has ``status`` NULL.
    """

    __tablename__ = "rating_forms"
    __table_args__ = (
        UniqueConstraint("policy_id", "rated_id", "period", "rater_key", name="uq_rating_forms_once"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("rating_policies.id", ondelete="CASCADE"))
    rated_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))
    rater_key: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    filled: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str | None] = mapped_column(String(16), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    reminder_status: Mapped[str | None] = mapped_column(String(16), default=None)
    reminder_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class RatingThreshold(Base):
    """Aggregate mode: the moment a person reached ``k`` ratings in a period (notified once)."""

    __tablename__ = "rating_thresholds"
    __table_args__ = (
        UniqueConstraint("policy_id", "rated_id", "period", name="uq_rating_thresholds_once"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("rating_policies.id", ondelete="CASCADE"))
    rated_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime())
