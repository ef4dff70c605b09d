"""Idempotency keys: one row per form that created something, so a repeated Save creates nothing.

A form that creates an object carries a key (``bot.services.base.form_key``); the key row is inserted in
the same transaction as the object, and the unique constraint on ``key`` lets exactly one of two
concurrent presses commit. See ``Service.create_once``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # unit, plan, project, invite, ...
    object_id: Mapped[int | None] = mapped_column(Integer, default=None)  # what the form created (None: many rows)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
