"""Alembic environment: async engine, URL passed in by :mod:`bot.migrate`."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import models
from models.base import Base, UTCDateTime

_ = models  # every model module is imported by the package
config = context.config
target_metadata = Base.metadata
#: the PostgreSQL advisory lock taken around the migrations ("teamdesk" as a 64-bit number)
MIGRATION_LOCK_KEY = 0x7465616D6465736B


def _render_item(type_: str, obj: object, autogen_context) -> str | bool:
    """Render project column types as plain SQLAlchemy types in new migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _do_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # replicas starting together on one database: the first migrates, the others wait here and
            # then find the database current (the version is read after the lock; released at commit)
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_do_run)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(_run_async(config.get_main_option("sqlalchemy.url")))
