"""Running as a service: the inbox of updates (nothing confirmed to Telegram before it is stored) and the
scheduler leader's lease.

* ``inbound_updates``: every update, keyed by its ``update_id``, is inserted before Telegram is told it
  arrived (before the next ``getUpdates`` offset; before the webhook answers 200). The replica that stored
  it claims it (``claimed_by``/``claimed_at``, renewed while it runs), marks it ``done_at`` in the commit of
  its effects (or once handled, when it wrote nothing) and ``answered_at`` once its handler returned (its
  replies went out); a row whose claim has expired (its replica died) is handled, or answered, by the next
  replica that sweeps the inbox (``bot/inbox.py``).
  Handled rows are pruned after a day.
* ``service_leases``: one row per lease (``scheduler``): who holds it and until when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class InboundUpdate(Base):
    __tablename__ = "inbound_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)  # the update as Telegram sent it (JSON)
    sender_id: Mapped[int | None] = mapped_column(BigInteger, default=None)  # whose updates keep their order
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # the handler returned

    __table_args__ = (
        Index("ix_inbound_updates_done_at", "done_at"),
        Index("ix_inbound_updates_sender_id", "sender_id", "done_at"),
        # the few rows not answered yet, for the sweep (partial: answered rows are not in it)
        Index("ix_inbound_updates_unanswered", "update_id", sqlite_where=text("answered_at IS NULL"),
              postgresql_where=text("answered_at IS NULL")),
    )


class ServiceLease(Base):
    __tablename__ = "service_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
