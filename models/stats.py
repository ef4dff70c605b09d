"""Counters kept in step with the events that change them (see :mod:`bot.services.stats`).

Each row is what a read screen would otherwise count from units, revisions and ratings over all
time; they are updated in the same transaction as the unit transition, revision or rating, and
``python -m bot rebuild-stats`` recomputes them from the events. Months and days are in the team's
time zone (``TIMEZONE``), recorded in ``stats_meta``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class MemberMonthStat(Base):
    """Per member, month and stream: units by state (``written`` by the month they were reported,
    the done states by the month they were first sent) and revisions received in the month."""

    __tablename__ = "member_month_stats"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    stream_id: Mapped[int] = mapped_column(ForeignKey("streams.id", ondelete="CASCADE"), primary_key=True)
    written: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    approved: Mapped[int] = mapped_column(Integer, default=0)
    revisions: Mapped[int] = mapped_column(Integer, default=0)


class MemberDayStat(Base):
    """Per member and day: units first sent that day and still done (the cumulative chart, the week)."""

    __tablename__ = "member_day_stats"
    __table_args__ = (
        Index("ix_member_day_stats_member_day", "member_id", "day"),  # a team's days
        Index("ix_member_day_stats_day_done", "day", "member_id", "done"),  # everyone's month: index only
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    done: Mapped[int] = mapped_column(Integer, default=0)


class ProjectMonthStat(Base):
    """Per month, member and client project: units done and revisions received (``/team projects``)."""

    __tablename__ = "project_month_stats"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    revisions: Mapped[int] = mapped_column(Integer, default=0)


class RatingStat(Base):
    """Per period, policy and rated person: how many ratings, from how many raters, their sum and
    the count of each score (no rater identity)."""

    __tablename__ = "rating_stats"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("rating_policies.id", ondelete="CASCADE"), primary_key=True)
    rated_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    raters: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    s1: Mapped[int] = mapped_column(Integer, default=0)
    s2: Mapped[int] = mapped_column(Integer, default=0)
    s3: Mapped[int] = mapped_column(Integer, default=0)
    s4: Mapped[int] = mapped_column(Integer, default=0)
    s5: Mapped[int] = mapped_column(Integer, default=0)


class StatsMeta(Base):
    """Settings the counters were computed with (``timezone``)."""

    __tablename__ = "stats_meta"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
