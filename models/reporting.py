"""Content reporting: streams, client projects, content units, their transitions and revisions,
monthly plans and members' days off."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

# Unit states. What counts as *done* is decided in one place: bot.domain.pace.DONE_STATES.
WRITTEN, SENT, REVISION, APPROVED, DELETED = "written", "sent", "revision", "approved", "deleted"


class Stream(Base):
    __tablename__ = "streams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # smm, reputation, ... (used in /report smm ...)
    name_ru: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_ru


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # who approves: "client" (in Telegram), "team" (marked by the team) or None: "client" as soon as the
    # project has an active client (bot.access.approval_mode)
    approval_mode: Mapped[str | None] = mapped_column(String(8), default=None)
    show_authors: Mapped[bool] = mapped_column(Boolean, default=False)  # the author's name on the client's card
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Unit(Base):
    """One content unit (a post, an article, a review...)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    stream_id: Mapped[int] = mapped_column(ForeignKey("streams.id", ondelete="RESTRICT"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(1000), default=None)
    state: Mapped[str] = mapped_column(String(16), default=WRITTEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # first time sent for approval
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (
        Index("ix_units_author_created", "author_id", "created_at"),
        Index("ix_units_project", "project_id"),
    )


class UnitEvent(Base):
    """Every transition of a unit, with its time (the unit's history)."""

    __tablename__ = "unit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    kind: Mapped[str] = mapped_column(String(32))  # created, sent, revision_received, revision_done, approved,
    #                                               edited, deleted
    from_state: Mapped[str | None] = mapped_column(String(16), default=None)
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Revision(Base):
    """A revision request (правка) with its reason and how long the reaction took."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32))  # factual, style, brief, client_changed, typos, other
    reason_text: Mapped[str | None] = mapped_column(String(500), default=None)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reaction_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)

    # the period's revisions recorded by clients (digests, /team projects, the client report), read by recorder
    __table_args__ = (Index("ix_revisions_recorded_by_received_at", "recorded_by", "received_at"),)


class Plan(Base):
    """A member's plan for one stream in one month (``month`` is the first day)."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)
    stream_id: Mapped[int] = mapped_column(ForeignKey("streams.id", ondelete="CASCADE"))
    units: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("member_id", "month", "stream_id", name="uq_plans_member_month_stream"),
                      Index("ix_plans_month", "month"))


class DayOff(Base):
    """A member's own day off (vacation, sick day): not a working day for their pace."""

    __tablename__ = "days_off"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)

    __table_args__ = (UniqueConstraint("member_id", "day", name="uq_days_off_member_day"),)
