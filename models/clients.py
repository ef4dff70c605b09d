"""The client cabinet: which projects a client belongs to, which projects a client invite is for, and the
one decision a client makes on each round of approval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

APPROVE, CHANGES = "approve", "changes"


class ClientProject(Base):
    """A client of a project (a member of role client)."""

    __tablename__ = "client_projects"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InviteProject(Base):
    """The projects a client invite registers its user for."""

    __tablename__ = "invite_projects"

    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)


class ClientDecision(Base):
    """A client's decision on one round of approval (the unit as sent at ``round_at``): the unique key makes
    two clients pressing at once, or one pressing twice, record one decision."""

    __tablename__ = "client_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    round_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when this round was sent for approval
    client_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    decision: Mapped[str] = mapped_column(String(16))  # approve | changes
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    seconds: Mapped[int] = mapped_column(Integer)  # time to decision

    __table_args__ = (UniqueConstraint("unit_id", "round_at", name="uq_client_decisions_unit_round"),)
