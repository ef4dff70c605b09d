"""Tasks with reminders: a title, a due time, an assignee, optionally recurring, optionally linked to a unit
or a lead (see docs/tasks.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

OPEN, DONE = "open", "done"


class Task(Base):
    """One task; a recurring one is a chain of rows: completing one creates the next (``recurrence`` kept).

    ``status`` moves open → done once (a compare-and-set in ``tasks_repo.complete``), so a double press of
    *Done* records one completion and one next occurrence. ``lead_id`` (migration 0016) and ``unit_id`` are set
    null when the lead or the unit is deleted: the task stays, unlinked."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    creator_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(8), default=OPEN)
    recurrence: Mapped[str | None] = mapped_column(String(8), default=None)  # workdays | week
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), default=None)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    done_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)

    __table_args__ = (
        Index("ix_tasks_status_due_at", "status", "due_at"),
        Index("ix_tasks_assignee_status_due_at", "assignee_id", "status", "due_at"),
        Index("ix_tasks_creator_status_due_at", "creator_id", "status", "due_at"),
        Index("ix_tasks_lead_id", "lead_id"),
    )
