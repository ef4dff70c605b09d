"""Leads at scale on SQLite: the duplicate check on save and /funnel for a month grouped by owner.

Builds a fresh SQLite database (migrations, then bulk inserts through the standard library's sqlite3): 200,000
leads with unique phones, handles and e-mails over 24 months, and 1,000,000 stage changes (each lead's creation
and its moves). Then measures, as the median of many runs:

* the duplicate check a save runs (``leads_repo.find_duplicate``: three probes of the unique indexes), for a new
  person and for a known one, against a baseline measured in the same run: one primary-key read of a lead;
* /funnel for the latest full month by owner, as an admin sees it: the database part (``leads_repo.count_rows``:
  the month counters, the total and by owner) and the whole use case (``LeadService.funnel``, database plus the
  figures), against a baseline: counting the month's stage changes through the index; and, for comparison, the
  recount the counters replace (``leads_repo.paths``: the leads with a change in the month and all their changes).

The seed writes around the services, so the counters are rebuilt after it (``lead_counts.rebuild_sync``, timed).

Prints milliseconds and ratios; no asserts on time. Figures go to docs/performance.md.

    .venv/bin/python bench/leads.py [--leads 200000] [--events 1000000] [--runs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select

from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.migrate import upgrade
from bot.progress import Progress
from bot.services import build_services, lead_counts
from bot.services.leads import Draft
from models import leads_repo as repo
from models.leads import Lead, LeadEvent
from models.org import Member

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
OWNERS = 60
MONTHS = 24


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # how SQLAlchemy stores DateTime on SQLite


def seed(path: Path, n_leads: int, n_events: int, rng: random.Random) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    created = stamp(NOW - timedelta(days=800))
    con.execute("INSERT INTO departments (id, name, created_at) VALUES (1, 'Продажи SMM', ?)", (created,))
    con.executemany(
        "INSERT INTO members (id, telegram_id, display_name, role, department_id, active, unreachable, created_at)"
        " VALUES (?, ?, ?, ?, 1, 1, 0, ?)",
        [(i, 9_000_000 + i, f"Администратор {i:02d}", "admin" if i == 1 else "writer", created)
         for i in range(1, OWNERS + 1)])
    stages = dict(con.execute("SELECT key, id FROM funnel_stages").fetchall())
    order = [stages[k] for k in ("dialogue", "warm", "application", "handed", "won")]
    lost = stages["lost"]
    start = NOW - timedelta(days=30 * MONTHS)
    span = (NOW - start).total_seconds()
    per_lead = max(1, n_events // n_leads)
    progress = Progress(n_leads, "seed")
    leads, events = [], []
    extra = n_events - n_leads * per_lead
    for i in range(1, n_leads + 1):
        at = start + timedelta(seconds=rng.random() * span)
        moves = per_lead - 1 + (1 if i <= extra else 0)
        path = [order[0]]
        for _ in range(moves):
            here = order.index(path[-1]) if path[-1] in order else 0
            if rng.random() < 0.1:
                path.append(lost)
            elif here + 1 < len(order) and rng.random() < 0.6:
                path.append(order[here + 1])
            else:
                path.append(order[max(0, here - 1)] if here else order[1])
        owner = rng.randint(1, OWNERS)
        t = at
        for j, st in enumerate(path):
            events.append((i, path[j - 1] if j else None, st, owner, stamp(t)))
            t += timedelta(hours=rng.uniform(1, 96))
        leads.append((i, f"Лид {i}", f"+7916{i:07d}", f"lead.{i}", f"lead{i}@example.com", None,
                      rng.choice(("insta", "vk", "site", None)), None, path[-1], owner, owner, stamp(at), stamp(t)))
        if len(leads) >= 20_000:
            progress.update(len(leads))
            _flush(con, leads, events)
    progress.update(len(leads))
    _flush(con, leads, events)
    progress.close()
    con.execute("ANALYZE")
    con.commit()
    con.close()


def _flush(con: sqlite3.Connection, leads: list, events: list) -> None:
    con.executemany("INSERT INTO leads (id, name, phone, instagram, email, product_id, source, note, stage_id, owner_id,"
                    " created_by, created_at, stage_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", leads)
    con.executemany("INSERT INTO lead_events (lead_id, from_stage_id, to_stage_id, actor_id, at)"
                    " VALUES (?, ?, ?, ?, ?)", events)
    con.commit()
    leads.clear()
    events.clear()


async def timed(fn, runs: int) -> float:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out)


async def measure(url: str, runs: int) -> None:
    db = Database(url)
    settings = Settings(_env_file=None, bot_token="987654:" + "B" * 35, database_url=url)
    clock = FrozenClock(NOW)
    async with db.session() as s:
        n_leads = await s.scalar(select(func.count(Lead.id)))
        n_events = await s.scalar(select(func.count(LeadEvent.id)))
        print(f"leads: {n_leads:,}   stage changes: {n_events:,}")
        known = Draft("x", phone=f"+7916{n_leads // 2:07d}")
        new = Draft("x", phone="+79039999999", instagram="nobody.here", email="nobody@example.com")

        async def pk() -> None:
            await repo.lead_by_id(s, n_leads // 3)

        async def dup_new() -> None:
            assert await repo.find_duplicate(s, new.phone, new.instagram, new.email) is None

        async def dup_known() -> None:
            assert await repo.find_duplicate(s, known.phone, None, None) is not None

        base = await timed(pk, runs * 4)
        d_new = await timed(dup_new, runs * 4)
        d_known = await timed(dup_known, runs * 4)
        print("duplicate check on save (median):")
        print(f"  baseline: a lead by primary key     {base:8.2f} ms")
        print(f"  new person (3 unique probes)         {d_new:8.2f} ms   ratio {d_new / base:6.2f}x")
        print(f"  known phone (1 probe, a hit)         {d_known:8.2f} ms   ratio {d_known / base:6.2f}x")

        admin = await s.get(Member, 1)
        svc = build_services(s, db, settings, clock).leads
        first = date(2026, 11, 1)
        last = date(2026, 11, 30)
        start = datetime(2026, 10, 31, 21, tzinfo=UTC)
        end = datetime(2026, 11, 30, 21, tzinfo=UTC)

        async def count_month() -> None:
            await s.scalar(select(func.count(LeadEvent.id)).where(LeadEvent.at >= start, LeadEvent.at < end))

        async def paths() -> None:
            await repo.paths(s, start, end, department_ids=None)

        async def counters() -> None:
            await repo.count_rows(s, 202611, None)
            await repo.count_rows(s, 202611, None, "owner")

        async def one_owner_counters() -> None:
            await repo.count_rows(s, 202611, [7])

        async def department_counters() -> None:  # a manager of the one department: every owner, by id
            await repo.count_rows(s, 202611, list(range(1, OWNERS + 1)))
            await repo.count_rows(s, 202611, list(range(1, OWNERS + 1)), "owner")

        async def funnel() -> None:
            await svc.funnel(admin, first, last, "owner")

        async def one_owner() -> None:
            await repo.paths(s, start, end, department_ids=None, owner_id=7)

        few = max(3, runs // 10)
        assert await lead_counts.counts_timezone(s) == settings.timezone
        base_f = await timed(count_month, runs)
        c = await timed(counters, runs)
        f = await timed(funnel, runs)
        oc = await timed(one_owner_counters, runs)
        dc = await timed(department_counters, few)
        p = await timed(paths, few)
        o = await timed(one_owner, few)
        rows = await repo.paths(s, start, end, department_ids=None)
        n_rows = len(await repo.count_rows(s, 202611, None, "owner"))
        print(f"/funnel {first:%Y-%m} by owner ({len(rows.leads):,} leads with a change in it), median:")
        print(f"  baseline: count the month's changes  {base_f:8.2f} ms")
        print(f"  database part (month counters)       {c:8.2f} ms   ratio {c / base_f:6.2f}x   "
              f"({n_rows:,} summed rows by owner)")
        print(f"  whole use case (LeadService.funnel)  {f:8.2f} ms   ratio {f / base_f:6.2f}x")
        print(f"  one owner's month, counters          {oc:8.2f} ms   ratio {oc / base_f:6.2f}x")
        print(f"  a manager of all {OWNERS} owners, counters  {dc:8.2f} ms   ratio {dc / base_f:6.2f}x")
        print("the recount the counters replace:")
        print(f"  all paths of the month (paths)       {p:8.2f} ms   ratio {p / base_f:6.2f}x")
        print(f"  one owner's paths                    {o:8.2f} ms   ratio {o / base_f:6.2f}x")
    await db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leads", type=int, default=200_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--keep", type=Path, help="build the database at this path once and reuse it")
    ap.add_argument("--reuse-counters", action="store_true", help="with --keep: do not rebuild the counters")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "leads.db"
        url = f"sqlite+aiosqlite:///{path}"
        if not path.exists():
            t0 = time.perf_counter()
            upgrade(url)
            seed(path, args.leads, args.events, random.Random(args.seed))
            print(f"built in {time.perf_counter() - t0:.0f} s")
        if not args.keep or not args.reuse_counters:
            t0 = time.perf_counter()
            engine = create_engine(f"sqlite:///{path}")
            with engine.begin() as conn:
                rows = lead_counts.rebuild_sync(conn, Settings(_env_file=None, bot_token="987654:" + "B" * 35,
                                                               database_url=url).timezone)
            engine.dispose()
            print(f"counters rebuilt: {rows:,} rows in {time.perf_counter() - t0:.1f} s")
        asyncio.run(measure(url, args.runs))


if __name__ == "__main__":
    main()
