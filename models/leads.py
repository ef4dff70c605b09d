"""Leads: the funnel's stages, the products catalogue, leads with their contacts, every stage change,
the hand-offs to sales and which departments are sales departments.

Dedupe is the database's: ``phone`` (E.164), ``instagram`` (the handle, lower case) and ``email`` (lower
case) are each UNIQUE, so two administrators saving the same person at once create one lead (NULLs do not
collide: a lead needs one contact, not all). A hand-off has one owner: *Take it* is a conditional UPDATE
(``taken_by IS NULL``), and a lead has at most one open hand-off (``open_lead_id`` UNIQUE, cleared when the
hand-off is taken or cancelled).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

#: stage kinds: open stages are worked on; won and lost close a lead
OPEN, WON, LOST = "open", "won", "lost"
#: the default stages' keys, in funnel order (seeded by migration 0010)
DIALOGUE, WARM, APPLICATION, HANDED = "dialogue", "warm", "application", "handed"


class FunnelStage(Base):
    __tablename__ = "funnel_stages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)  # default stages: dialogue ...; added: c<n>
    name: Mapped[str | None] = mapped_column(String(60), default=None)  # None: the translated default name
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8), default=OPEN)  # open | won | lost
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SalesDepartment(Base):
    """A department marked as sales by an admin: hand-offs go to its members."""

    __tablename__ = "sales_departments"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True)
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True, default=None)  # E.164
    instagram: Mapped[str | None] = mapped_column(String(30), unique=True, default=None)  # handle, lower case
    email: Mapped[str | None] = mapped_column(String(254), unique=True, default=None)  # lower case
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), default=None)
    source: Mapped[str | None] = mapped_column(String(100), default=None)
    note: Mapped[str | None] = mapped_column(String(1000), default=None)
    stage_id: Mapped[int] = mapped_column(ForeignKey("funnel_stages.id", ondelete="RESTRICT"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    stage_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when it entered its current stage
    forgotten_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # /lead forget

    __table_args__ = (Index("ix_leads_owner_stage", "owner_id", "stage_id"),
                      Index("ix_leads_owner_created", "owner_id", "created_at"))


class LeadEvent(Base):
    """One stage change (the creation too: ``from_stage_id`` None), with its time and who made it."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("funnel_stages.id", ondelete="RESTRICT"),
                                                      default=None)
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("funnel_stages.id", ondelete="RESTRICT"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(32), default=None)  # lost: a LOST_REASONS key

    # covering indexes: /funnel reads (lead, stage, time) through them without touching the table
    __table_args__ = (Index("ix_lead_events_lead_at", "lead_id", "at", "to_stage_id"),
                      Index("ix_lead_events_at", "at", "lead_id", "to_stage_id"))


class LeadHandoff(Base):
    """A lead handed to a sales department: the first member to press *Take it* owns it."""

    __tablename__ = "lead_handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    # the lead while this hand-off is open (taken or cancelled: None): one open hand-off per lead
    open_lead_id: Mapped[int | None] = mapped_column(Integer, unique=True, default=None)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    handed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    sla_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class LeadCount(Base):
    """The month counters of /funnel (``bot.domain.funnel.contributions``), kept in the transaction of every
    creation, stage change and take (``bot.services.lead_counts``); rebuilt by ``python -m bot rebuild-stats``.

    ``month`` is yyyymm for the month rows and yyyymmdd for the day rows (the same sums by day, without
    *entered*: a period's partial months), in the team's ``TIMEZONE`` (recorded in ``stats_meta`` as ``lead_counts_tz``); a lead
    without owner counts under ``owner_id`` 0, without source under "" and without product under 0. Stays and
    first changes are kept per owner only (source "" and product 0): the groups by source and by product show no
    medians. ``owner_id`` -1 holds the whole team's rows and ``-1 - d`` department d's (the leads of its members
    now: a member changing department moves their rows), both with source "" and product 0: an admin's or a
    manager's /funnel reads a few hundred rows, whatever the number of owners."""

    __tablename__ = "lead_counts"

    # the key starts with the owner: a scope (the team, a department, an owner) and its months are one range
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(8), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sig: Mapped[str] = mapped_column(String(250), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class LeadFact(Base):
    """A lead's facts (``bot.domain.funnel.facts``), each at its instant: its creation (cohort, set), every day it
    entered a stage (with the previous such day in ``bucket``), every stay that ended (its length exactly in
    ``seconds``, its histogram bucket) and its first change. Summed by month and by day they are ``lead_counts``;
    /funnel reads from them a median's exact value in the bucket the counters point to. Replaced with the lead's counters in the same transaction; no foreign key: like the
    counters, a deleted lead's rows stay until a rebuild."""

    __tablename__ = "lead_facts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(Integer, index=True)
    metric: Mapped[str] = mapped_column(String(8))  # cohort | set | entered | stay | first
    stage_id: Mapped[int] = mapped_column(Integer)
    sig: Mapped[str] = mapped_column(String(250))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    bucket: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    owner_id: Mapped[int] = mapped_column(Integer)  # 0: none
    source: Mapped[str] = mapped_column(String(100))  # "": none
    product_id: Mapped[int] = mapped_column(Integer)  # 0: none

    __table_args__ = (Index("ix_lead_facts_pick", "metric", "stage_id", "bucket", "at", "seconds", "owner_id"),)
