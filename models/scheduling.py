"""Scheduler state: planned deliveries (exactly-once), managers' digest preferences,
lag-warning crossings and once-per-period job runs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

# delivery statuses
PENDING, SENT, FAILED, UNREACHABLE = "pending", "sent", "failed", "unreachable"
#: a pending delivery being sent again after a restart (a second interruption expires it)
RESENDING = "resending"
#: a pending delivery found after a restart too late (past DIGEST_GRACE_HOURS): never sent; see ``error``
EXPIRED = "expired"


class Delivery(Base):
    """One planned message to one member, claimed (inserted) *before* it is sent.

    UNIQUE (member_id, kind, period_key) is what makes every delivery happen at most once,
    also across restarts and concurrent instances: a second claim fails on the constraint.
    A row left ``pending`` means the process stopped between claim and outcome: on the next start
    it is sent once (status ``resending`` while that happens) if still within DIGEST_GRACE_HOURS of
    its claim, else marked ``expired`` with the reason (``scheduler.jobs.Jobs.recover``). ``payload``
    holds what is needed to build the message again.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # digest_daily, lag_manager, remind_report, ...
    period_key: Mapped[str] = mapped_column(String(64))  # 2026-11-16, 2026-W47, 2026-10, 12:2026-11:1, r42
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    payload: Mapped[dict | None] = mapped_column(JSON, default=None)

    __table_args__ = (
        UniqueConstraint("member_id", "kind", "period_key", name="uq_deliveries_member_kind_period"),
        Index("ix_deliveries_planned_at", "planned_at"),
    )


class DigestPreference(Base):
    """Which digests a manager gets and at what time (team time zone). No row = defaults."""

    __tablename__ = "digest_preferences"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    daily: Mapped[bool] = mapped_column(Boolean, default=True)
    weekly: Mapped[bool] = mapped_column(Boolean, default=True)
    monthly: Mapped[bool] = mapped_column(Boolean, default=True)
    daily_time: Mapped[str | None] = mapped_column(String(5), default=None)  # "HH:MM"; None = DAILY_DIGEST_TIME
    #: the weekly SMM section: ``with_weekly`` | ``own`` (``bot.domain.digests.SMM_MODES``); None = with_weekly
    smm_digest: Mapped[str | None] = mapped_column(String(12), default=None)


class LagState(Base):
    """Whether a member is currently past the lag threshold in a month, and how often they crossed it.

    A crossing (not crossed → crossed) increments ``crossings`` and warns once; getting back under
    the threshold clears ``crossed``, so the next crossing warns again.
    """

    __tablename__ = "lag_states"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    crossed: Mapped[bool] = mapped_column(Boolean, default=False)
    crossings: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JobRun(Base):
    """A job that must run once per period for the whole team (e.g. the monthly rating campaign)."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    period_key: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(200), default=None)

    __table_args__ = (UniqueConstraint("kind", "period_key", name="uq_job_runs_kind_period"),)
