"""Leads at scale on SQLite: the duplicate check on save and /funnel for a month grouped by owner.

Builds a fresh SQLite database (migrations, then bulk inserts through the standard library's sqlite3): 200,000
leads with unique phones, handles and e-mails over 24 months, and 1,000,000 stage changes (each lead's creation
and its moves). Then measures, as the median of many runs:

* the duplicate check a save runs (``leads_repo.find_duplicate``: three probes of the unique indexes), for a new
  person and for a known one, against a baseline measured in the same run: one primary-key read of a lead;
* /funnel by owner for the latest full month and for other periods (a week, a day, a month less a day, two half
  months, a quarter that is not whole months, six months), as an admin and as the manager of all owners see it:
  the database part (``LeadService._counted``: month and day counters, the total and by owner, exact medians),
  with the target (<= 20 ms) met or missed, and the whole use case (``LeadService.funnel``, database plus the
  figures), against a baseline: counting the month's stage changes through the index; and, for comparison, the
  recount the counters replace (``leads_repo.paths``: the leads with a change in the month and all their changes).

The seed writes around the services, so the counters are rebuilt after it (``lead_counts.rebuild_sync``, timed).

Prints milliseconds and ratios; no asserts on time. Figures go to docs/performance.md.

With ``--postgres URL`` the same data is copied into that PostgreSQL database (emptied first), its counters are
rebuilt (timed) and the same figures are measured there.

    .venv/bin/python bench/leads.py [--leads 200000] [--events 1000000] [--runs 50] [--postgres URL]
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

from sqlalchemy import create_engine, event, func, select, text

from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.domain import funnel as fn
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
MANAGER = OWNERS + 1
#: /funnel's database time for any period, admin or manager
TARGET_MS = 20


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
    # the department's manager (no leads of their own): their scope is every owner's leads
    con.execute("INSERT INTO members (id, telegram_id, display_name, role, department_id, active, unreachable,"
                " created_at) VALUES (?, ?, 'Руководитель', 'manager', 1, 1, 0, ?)", (MANAGER, 9_100_000, created))
    con.execute("INSERT INTO department_managers (member_id, department_id) VALUES (?, 1)", (MANAGER,))
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


class DbClock:
    """Time spent inside the database driver's cursor executions (aiosqlite fetches every row there too)."""

    def __init__(self, engine) -> None:
        self.spent = 0.0
        self._t0 = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args) -> None:
        self._t0 = time.perf_counter()

    def _after(self, *_args) -> None:
        self.spent += time.perf_counter() - self._t0


async def timed(fn, runs: int, clock: DbClock | None = None) -> float | tuple[float, float, float]:
    """The median wall time (ms); with ``clock``: (wall, database time, CPU time of the process: the database
    thread and Python, less sensitive to the load of a shared machine)."""
    out, db, cpu = [], [], []
    for _ in range(runs):
        if clock is not None:
            clock.spent = 0.0
        t0, c0 = time.perf_counter(), time.process_time()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        if clock is not None:
            db.append(clock.spent * 1000)
    if clock is None:
        return statistics.median(out)
    return statistics.median(out), statistics.median(db), statistics.median(cpu)


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
        manager = await s.get(Member, MANAGER)
        svc = build_services(s, db, settings, clock).leads
        defs = [fn.Stage(x.id, x.kind, x.position) for x in await repo.stages(s)]
        first = date(2026, 11, 1)
        last = date(2026, 11, 30)
        start = datetime(2026, 10, 31, 21, tzinfo=UTC)
        end = datetime(2026, 11, 30, 21, tzinfo=UTC)

        async def count_month() -> None:
            await s.scalar(select(func.count(LeadEvent.id)).where(LeadEvent.at >= start, LeadEvent.at < end))

        def counted(who: Member, a: date, b: date, group: str | None = "owner"):
            async def run() -> None:
                assert await svc._counted(who, a, b, group, defs) is not None
            return run

        def whole(who: Member, a: date, b: date, group: str | None = "owner"):
            async def run() -> None:
                await svc.funnel(who, a, b, group)
            return run

        async def paths() -> None:
            await repo.paths(s, start, end, department_ids=None)

        few = max(3, runs // 10)
        dbclock = DbClock(db.engine.sync_engine)
        assert await lead_counts.counts_timezone(s) == settings.timezone
        rows = await repo.paths(s, start, end, department_ids=None)
        base_f = await timed(count_month, runs)
        print(f"/funnel by owner, median ({len(rows.leads):,} leads with a change in {first:%Y-%m}):")
        print(f"  baseline: count the month's changes  {base_f:8.2f} ms")
        periods = [("2026-11 (a whole month)", first, last),
                   ("10.11-16.11 (a week: 7 days)", date(2026, 11, 10), date(2026, 11, 16)),
                   ("16.11 (one day)", date(2026, 11, 16), date(2026, 11, 16)),
                   ("02.11-30.11 (the month less a day)", date(2026, 11, 2), last),
                   ("16.10-15.11 (two half months)", date(2026, 10, 16), date(2026, 11, 15)),
                   ("15.08-14.11 (a quarter, not whole months)", date(2026, 8, 15), date(2026, 11, 14)),
                   ("01.06-30.11 (six months)", date(2026, 6, 1), last)]
        for label, a, b in periods:
            for name, who in (("admin", admin), ("manager of 60 owners", manager)):
                _, c, cpu = await timed(counted(who, a, b), runs, dbclock)
                f = await timed(whole(who, a, b), runs)
                verdict = "met" if c <= TARGET_MS else "missed"
                print(f"  {label:42s} {name:21s} database time {c:7.2f} ms ({c / base_f:5.2f}x; target "
                      f"<= {TARGET_MS} ms: {verdict}; CPU {cpu:6.1f} ms)   whole use case {f:7.2f} ms "
                      f"({f / base_f:5.2f}x)")
        p = await timed(paths, few)
        print("the recount the counters replace:")
        print(f"  all paths of the month (paths)       {p:8.2f} ms   ratio {p / base_f:6.2f}x")
    await db.dispose()


async def to_postgres(path: Path, url: str, tz: str) -> None:
    """Copy the SQLite file's members, leads and stage changes into a PostgreSQL database at the newest migration
    (upgraded by the caller; emptied first), then rebuild its counters set-based (timed)."""
    import asyncpg

    con = sqlite3.connect(path)
    pg = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await pg.execute("TRUNCATE lead_facts, lead_counts, lead_events, lead_handoffs, leads, department_managers,"
                         " members, departments RESTART IDENTITY CASCADE")

        def ts(v: str | None) -> datetime | None:
            return None if v is None else datetime.fromisoformat(v).replace(tzinfo=UTC)

        tables = {"departments": (("id", "name", "created_at"), (2,), ()),
                  "members": (("id", "telegram_id", "display_name", "role", "department_id", "active", "unreachable",
                               "created_at"), (7,), (5, 6)),
                  "department_managers": (("member_id", "department_id"), (), ()),
                  "leads": (("id", "name", "phone", "instagram", "email", "product_id", "source", "note", "stage_id",
                             "owner_id", "created_by", "created_at", "stage_at"), (11, 12), ()),
                  "lead_events": (("id", "lead_id", "from_stage_id", "to_stage_id", "actor_id", "at"), (5,), ())}
        for table, (cols, stamps, flags) in tables.items():
            rows = [tuple(ts(v) if i in stamps else bool(v) if i in flags else v for i, v in enumerate(r))
                    for r in con.execute(f"SELECT {', '.join(cols)} FROM {table}")]
            await pg.copy_records_to_table(table, records=rows, columns=list(cols))
        for table in ("departments", "members", "leads", "lead_events"):
            await pg.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await pg.execute("ANALYZE")
    finally:
        await pg.close()
        con.close()
    db = Database(url)
    t0 = time.perf_counter()
    async with db.engine.begin() as conn:
        rows = await conn.run_sync(lead_counts.rebuild_sync, tz)
    print(f"PostgreSQL: counters rebuilt set-based: {rows:,} rows in {time.perf_counter() - t0:.1f} s")
    async with db.engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
    await db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leads", type=int, default=200_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--keep", type=Path, help="build the database at this path once and reuse it")
    ap.add_argument("--reuse-counters", action="store_true", help="with --keep: do not rebuild the counters")
    ap.add_argument("--postgres", metavar="URL", help="also copy the data into this PostgreSQL database (emptied "
                    "first) and measure there")
    ap.add_argument("--postgres-only", action="store_true", help="with --postgres: measure there only")
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
        if not args.postgres_only:
            asyncio.run(measure(url, args.runs))
        if args.postgres:
            tz = Settings(_env_file=None, bot_token="987654:" + "B" * 35, database_url=url).timezone
            upgrade(args.postgres)
            asyncio.run(to_postgres(path, args.postgres, tz))
            print("PostgreSQL:")
            asyncio.run(measure(args.postgres, args.runs))


if __name__ == "__main__":
    main()
