"""Migrations 0018 (the facts and month counters) and 0022 (the day counters) on a database that already holds
leads: upgraded from 0017 with data, the counters and facts they build set-based are the recount lead by lead;
0022's downgrade leaves the month rows. SQLite, or a scratch PostgreSQL database next to ``TEST_DATABASE_URL``."""

from __future__ import annotations

import asyncio
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from bot.db import Database
from bot.migrate import alembic_config, upgrade
from bot.services import lead_counts
from models import leads_repo
from models.leads import LeadFact
from tests.conftest import PG_URL

TZ = "Europe/Moscow"  # the migrations' default (no TIMEZONE in the tests' environment)
COLS = ("lead_id", "metric", "stage_id", "sig", "at", "bucket", "seconds", "owner_id", "source", "product_id")


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    base = url.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _seed(url: str) -> None:
    """0017's tables, written around the services: a department, three members, 200 leads and their changes."""
    rng = random.Random(3)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    db = Database(url)
    async with db.engine.begin() as conn:
        stages = [r[0] for r in (await conn.execute(text("SELECT id FROM funnel_stages ORDER BY id"))).all()]
        await conn.execute(text("INSERT INTO departments (id, name, created_at) VALUES (1, 'Продажи', :t)"),
                           {"t": t0})
        await conn.execute(text(
            "INSERT INTO members (id, telegram_id, display_name, role, department_id, active, unreachable,"
            " created_at) VALUES (:id, :tg, :name, 'writer', :dep, true, false, :t)"),
            [{"id": i, "tg": 500 + i, "name": f"M{i}", "dep": 1 if i < 3 else None, "t": t0} for i in (1, 2, 3)])
        leads, events = [], []
        for n in range(1, 201):
            at = t0 + timedelta(seconds=rng.randrange(86_400 * 300), microseconds=rng.randrange(10**6))
            leads.append({"id": n, "name": f"Лид {n}", "stage": stages[0], "owner": rng.choice([None, 1, 2, 3]),
                          "source": rng.choice([None, "vk"]), "t": at})
            for _ in range(rng.randrange(1, 6)):
                events.append({"lead": n, "stage": rng.choice(stages), "t": at})
                at += timedelta(microseconds=rng.randrange(0, 86_400 * 10 * 10**6))
        await conn.execute(text(
            "INSERT INTO leads (id, name, stage_id, owner_id, source, created_at, stage_at)"
            " VALUES (:id, :name, :stage, :owner, :source, :t, :t)"), leads)
        await conn.execute(text("INSERT INTO lead_events (lead_id, to_stage_id, at) VALUES (:lead, :stage, :t)"),
                           events)
    await db.dispose()


async def _check(url: str, days: bool) -> None:
    """The stored counters and facts equal the recount lead by lead (with or without the day rows)."""
    db = Database(url)
    async with db.session() as s:
        kept = lead_counts.stored(await leads_repo.all_counts(s))
        facts = sorted(tuple(r) for r in (await s.execute(select(*(getattr(LeadFact, c) for c in COLS)))).all())
        conn = await s.connection()
        rebuilt: list[dict] = []
        recounted = await conn.run_sync(lambda c: lead_counts.recount(c, TZ, on_facts=rebuilt.extend, days=days))
        assert await lead_counts.counts_timezone(s) == TZ
    await db.dispose()
    assert kept == +recounted and len(kept) > 1000
    assert any(lead_counts.is_day(k[0]) for k in kept) == days
    assert facts == sorted(tuple(r[c] for c in COLS) for r in rebuilt) and len(facts) > 1000


def test_0018_and_0022_build_the_counters_of_a_database_with_leads() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if PG_URL:
            url = PG_URL.rsplit("/", 1)[0] + "/" + PG_URL.rsplit("/", 1)[1] + "_m21"
            name = url.rsplit("/", 1)[1]
            asyncio.run(_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}"'))
            asyncio.run(_admin(PG_URL, f'CREATE DATABASE "{name}"'))
        else:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'm.db'}"
        try:
            upgrade(url, "0017")
            asyncio.run(_seed(url))
            upgrade(url, "0018")
            asyncio.run(_check(url, days=False))  # 0018: facts and month rows
            upgrade(url)
            asyncio.run(_check(url, days=True))  # 0022: the day rows too
            command.downgrade(alembic_config(url), "0021")
            asyncio.run(_check(url, days=False))
        finally:
            if PG_URL:
                asyncio.run(_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}"'))
