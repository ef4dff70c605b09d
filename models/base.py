"""Declarative base and portable column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend.

    SQLite has no time zone support, so values are stored as naive UTC and given
    their ``tzinfo`` back on load; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


#: Above this many member ids, a query over one period reads the period's rows for everyone (through the
#: period's index) and keeps the members' rows in Python: a literal ``IN`` of hundreds of ids costs more
#: than the few extra rows of members outside the scope (an admin's screens list nearly everyone).
MANY_IDS = 64


def few_ids(ids: object) -> list[int] | None:
    """The ids as a list when few enough for ``IN (...)``; None when the caller should filter in Python."""
    ids = list(ids)  # type: ignore[call-overload]
    return ids if len(ids) <= MANY_IDS else None


def upsert_insert(dialect: str, table):
    """``INSERT`` with the ``ON CONFLICT`` clauses (``on_conflict_do_nothing`` / ``on_conflict_do_update``)
    for ``dialect`` ("sqlite" or "postgresql"): both write them the same way (SQLite since 3.24)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def dialect_of(session) -> str:
    """The dialect name of the session's engine ("sqlite", "postgresql")."""
    return session.bind.dialect.name
