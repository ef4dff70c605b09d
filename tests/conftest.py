"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL when
``TEST_DATABASE_URL`` is set), settings, and the in-process harness."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.migrate import upgrade
from models import Base
from tests.emulator import BotAPIEmulator
from tests.recording import BOT_TOKEN, Harness, make_bot

ADMIN_ID = 1
PG_URL = os.environ.get("TEST_DATABASE_URL")


def _reset_postgres(url: str) -> None:
    """Drop everything so that migrations run from scratch once per test session."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def go() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))  # test-only, PostgreSQL
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(go())


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at the newest migration: a template file for SQLite, the live database for PostgreSQL."""
    if PG_URL:
        import asyncio

        _reset_postgres(PG_URL)
        upgrade(PG_URL)

        async def snapshot() -> None:
            database = Database(PG_URL)
            await _snapshot(database)
            await database.dispose()

        asyncio.run(snapshot())
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return str(path)


_SEED: dict[str, list[dict]] = {}


async def _snapshot(db: Database) -> None:
    """Remember the rows migrations seed (streams...), to restore them before each test."""
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = (await conn.execute(table.select())).mappings().all()
            _SEED[table.name] = [dict(r) for r in rows]


async def _reset(db: Database) -> None:
    """PostgreSQL: back to the freshly migrated state (portable DELETE + re-insert of seed rows)."""
    async with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())
        for table in Base.metadata.sorted_tables:
            if _SEED.get(table.name):
                await conn.execute(table.insert(), _SEED[table.name])


@pytest.fixture
def database_url(migrated: str, tmp_path: Path) -> str:
    if PG_URL:
        return PG_URL
    target = tmp_path / "teamdesk.db"
    shutil.copyfile(migrated, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    if PG_URL:
        await _reset(database)
    yield database
    await database.dispose()


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    """A strict Bot API emulator on 127.0.0.1 (see tests/emulator)."""
    async with BotAPIEmulator(bot_username="teamdesk_test_bot") as server:
        yield server


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, bot_token=BOT_TOKEN, database_url=database_url,
                    admin_ids=frozenset({ADMIN_ID}), telegram_api_url="http://127.0.0.1:1")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))


@pytest.fixture
async def harness(settings: Settings, db: Database, clock: FrozenClock) -> AsyncIterator[Harness]:
    from bot.app import create_dispatcher

    bot, session = make_bot()
    dp = create_dispatcher(settings, db, clock=clock)
    yield Harness(dp, bot, session)
    await bot.session.close()
    assert session.violations == [], "requests that break the Bot API spec"
