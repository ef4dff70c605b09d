"""Every screen's database time on the big database (``bench/bigdb.py``), against its target.

    python bench/screens.py [--url ...] [--runs 7] [--members 500] [--months 24] [--server]

For each screen it calls the same service / job function the handler or the scheduler calls, in a
fresh session (as one update gets), ``--runs`` times, and prints the median of

* **db**: time spent executing SQL statements and fetching their rows (SQLAlchemy cursor events),
* **total**: the whole call (SQL + Python: ORM objects, pace, summaries),
* **cpu**: CPU time of this process during the call (all threads: on SQLite it includes the database
  engine in aiosqlite's thread; on PostgreSQL the server's work is not in it) — on a machine shared
  with other busy processes, wall times include waiting for a core, this does not,

with the target (≤ 20 ms; ``/export ratings`` ≤ 200 ms), judged on **db**, and met/missed. For a
screen that misses, the query plan (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` on PostgreSQL) of its
slowest statements is printed. Last, the longest event-loop stall (a 5 ms ticker's worst lateness)
while the admin's heaviest screen runs, with a member's ``/me`` running alongside.

"Now" is the newest unit's time plus a minute (``bigdb`` fills the data up to its ``--now``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bigdb import TOKEN, TZ  # noqa: E402

TARGET_MS = 20.0
EXPORT_TARGET_MS = 200.0


@dataclass
class Probe:
    """Sums SQL execution time; remembers the statements of the current run."""

    active: bool = False
    db_s: float = 0.0
    statements: list[tuple[float, str, object]] = field(default_factory=list)
    _t0: float = 0.0

    def install(self, engine) -> None:
        from sqlalchemy import event

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            self._t0 = time.perf_counter()

        @event.listens_for(engine.sync_engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            if self.active:
                took = time.perf_counter() - self._t0
                self.db_s += took
                self.statements.append((took, statement, parameters))

    def reset(self) -> None:
        self.db_s = 0.0
        self.statements = []


async def loop_stall(work: Callable[[], Awaitable[object]], tick: float = 0.005) -> tuple[float, float, float]:
    """Run ``work`` while a ticker watches the event loop: (worst lateness of a ``tick`` sleep, the most
    CPU time this thread spent between two ticks, the longest garbage-collector pause), in seconds.

    Lateness is what a user waits; on a shared, busy machine it also counts time the process was not
    scheduled at all. The CPU time between ticks is the loop's own longest busy stretch (work that
    does not yield), whatever the other processes do."""
    import gc

    worst = busy = gc_worst = 0.0
    gc_start = 0.0
    stop = asyncio.Event()

    def on_gc(phase: str, info: dict) -> None:
        nonlocal gc_start, gc_worst
        if phase == "start":
            gc_start = time.perf_counter()
        else:
            gc_worst = max(gc_worst, time.perf_counter() - gc_start)

    async def ticker() -> None:
        nonlocal worst, busy
        cpu = time.thread_time()
        while not stop.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(tick)
            worst = max(worst, time.perf_counter() - t0 - tick)
            now_cpu = time.thread_time()
            busy = max(busy, now_cpu - cpu)
            cpu = now_cpu

    gc.callbacks.append(on_gc)
    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    try:
        await work()
    finally:
        stop.set()
        await task
        gc.callbacks.remove(on_gc)
    return worst, busy, gc_worst


async def run(args: argparse.Namespace) -> None:
    from sqlalchemy import func, select

    from bot.clock import FrozenClock
    from bot.config import Settings
    from bot.db import Database
    from bot.domain import ratings as dom
    from bot.i18n import Catalog
    from bot.services import Services, build_services
    from bot.services.stats import month_start
    from models import org_repo
    from models.org import Member
    from models.reporting import Unit
    from scheduler import digest as dg
    from scheduler.jobs import Jobs

    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=args.url, timezone=TZ)
    db = Database(args.url)
    probe = Probe()
    probe.install(db.engine)
    catalog = Catalog()
    t = catalog.translator("ru")
    async with db.session() as s:
        newest = await s.scalar(select(func.max(Unit.created_at)))
        if newest is None:
            raise SystemExit("no units: build the database first (python bench/bigdb.py)")
        now = newest + timedelta(minutes=1)
        admin = await s.scalar(select(Member).where(Member.role == "admin").order_by(Member.id).limit(1))
        manager = await s.scalar(select(Member).where(Member.role == "manager").order_by(Member.id).limit(1))
        scope_ids = await org_repo.managed_department_ids(s, manager.id)
        team_size = len(await org_repo.list_members(s, department_ids=scope_ids, active_only=True))
        writer = await s.scalar(select(Member).where(Member.role == "writer", Member.department_id == scope_ids[0])
                                .order_by(Member.id).limit(1))
        sizes = {}
        for table in ("members", "units", "unit_events", "revisions", "ratings"):
            sizes[table] = await s.scalar(select(func.count()).select_from(
                __import__("sqlalchemy").table(table)))
    clock = FrozenClock(now)
    jobs = Jobs(db, settings, catalog, sender=None, renderer=None, clock=clock)  # type: ignore[arg-type]
    month = month_start(dg.team_today(now, settings))
    period = dom.period_of(month)
    labels = {m.value: t(f"rating-mode-{m.value}") for m in dom.AnonymityMode}
    labels["hidden"] = t("rating-rater-unknown")
    admin_scope, manager_scope = dg.Scope(None), dg.Scope(tuple(scope_ids))

    def digest(scope, kind):
        async def go(svc: Services, s):
            return await dg.build(s, settings, t, scope, kind, now, ratings=svc.ratings)
        return go

    async def mine(svc: Services, s):
        first, last = svc.reporting.parse_range(writer, None)
        return await svc.reporting.mine(writer, first, last)

    async def lag_check(svc: Services, s):
        if not hasattr(jobs, "lag_stats"):  # the code before the counters (for "before" figures)
            from bot.services.stats import month_stats
            members = await org_repo.list_members(s, active_only=True)
            return [await month_stats(s, members[i:i + 500], month, now, settings)
                    for i in range(0, len(members), 500)]
        return await jobs.lag_stats(s, month, now)

    screens: list[tuple[str, Callable, float]] = [
        ("/me (a writer)", lambda svc, s: svc.reporting.me(writer), TARGET_MS),
        ("/mine this month (a writer)", mine, TARGET_MS),
        (f"/team (manager of {team_size})", lambda svc, s: svc.reporting.team(manager), TARGET_MS),
        ("/team (admin, everyone)", lambda svc, s: svc.reporting.team(admin), TARGET_MS),
        ("/team projects (admin)", lambda svc, s: svc.reporting.team_projects(admin), TARGET_MS),
        ("/ratings dashboard (admin)", lambda svc, s: svc.ratings.dashboard(admin, period), TARGET_MS),
        ("/ratings top (admin)", lambda svc, s: svc.ratings.top(admin, period), TARGET_MS),
        ("/ratings own (a writer)", lambda svc, s: _own(svc, writer, period), TARGET_MS),
        ("daily digest data (admin)", digest(admin_scope, dg.DAILY), TARGET_MS),
        ("weekly digest data (admin)", digest(admin_scope, dg.WEEKLY), TARGET_MS),
        ("monthly digest data (admin)", digest(admin_scope, dg.MONTHLY), TARGET_MS),
        ("daily digest data (manager)", digest(manager_scope, dg.DAILY), TARGET_MS),
        ("weekly digest data (manager)", digest(manager_scope, dg.WEEKLY), TARGET_MS),
        ("monthly digest data (manager)", digest(manager_scope, dg.MONTHLY), TARGET_MS),
        ("lag check (everyone)", lag_check, TARGET_MS),
        (f"/export ratings {period} (admin)", lambda svc, s: svc.ratings.export_csv(admin, period, labels),
         EXPORT_TARGET_MS),
    ]

    backend = "SQLite" if db.is_sqlite else "PostgreSQL"
    print(f"{backend}: {sizes['members']} members, {sizes['units']:,} units, {sizes['unit_events']:,} unit "
          f"events, {sizes['revisions']:,} revisions, {sizes['ratings']:,} ratings; now {now:%Y-%m-%d %H:%M} UTC; "
          f"median of {args.runs}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'screen':38} {'db ms':>8} {'total ms':>9} {'cpu ms':>7} {'stmts':>5} {'target':>8}  result")
    missed = []
    for name, fn, target in screens:
        if args.only and args.only not in name:
            continue
        dbs, totals, cpus, counts = [], [], [], []
        slowest: list[tuple[float, str, object]] = []
        for i in range(args.runs + 1):  # the first run warms caches and is not counted
            async with db.session() as s:
                svc = build_services(s, db, settings, clock)
                probe.reset()
                probe.active = True
                t0, c0 = time.perf_counter(), time.process_time()
                await fn(svc, s)
                total, cpu = time.perf_counter() - t0, time.process_time() - c0
                probe.active = False
            if i:
                dbs.append(probe.db_s * 1000)
                totals.append(total * 1000)
                cpus.append(cpu * 1000)
                counts.append(len(probe.statements))
                slowest = sorted(probe.statements, key=lambda x: -x[0])[:3]
        db_ms, total_ms, cpu_ms = statistics.median(dbs), statistics.median(totals), statistics.median(cpus)
        ok = db_ms <= target
        print(f"{name:38} {db_ms:8.1f} {total_ms:9.1f} {cpu_ms:7.1f} {max(counts):5d} {'≤ ' + format(target, 'g'):>8}  "
              f"{'met' if ok else 'MISSED'}", flush=True)
        if args.server and not db.is_sqlite:
            plans = [await _server_ms(db, statement, params) for _took, statement, params in probe.statements]
            print(f"{'':38} server: {sum(p[0] + p[1] for p in plans):.1f} ms in {len(plans)} statements "
                  f"(EXPLAIN ANALYZE of the last run's statements: execution {sum(p[0] for p in plans):.1f} + "
                  f"planning {sum(p[1] for p in plans):.1f} ms; the slowest "
                  f"{max((p[0] + p[1] for p in plans), default=0):.1f} ms)", flush=True)
        if not ok:
            missed.append((name, slowest))
        if args.statements:
            for took, statement, _params in probe.statements:
                print(f"    [{took * 1000:6.2f} ms] {' '.join(statement.split())[:160]}")
    for name, slowest in missed:
        print(f"\n--- query plans of {name} (its slowest statements) ---")
        for took, statement, params in slowest:
            print(f"[{took * 1000:.1f} ms] {' '.join(statement.split())[:400]}")
            for line in await _explain(db, statement, params):
                print("    " + line)

    async def heavy() -> None:
        async def admin_weekly() -> None:
            async with db.session() as s:
                await dg.build(s, settings, t, admin_scope, dg.WEEKLY, now,
                               ratings=build_services(s, db, settings, clock).ratings)

        async def admin_team() -> None:
            async with db.session() as s:
                await build_services(s, db, settings, clock).reporting.team(admin)

        async def member_me() -> None:
            for _ in range(5):
                async with db.session() as s:
                    await build_services(s, db, settings, clock).reporting.me(writer)

        await asyncio.gather(admin_weekly(), admin_team(), member_me())

    if args.only:
        await db.dispose()
        return
    import gc

    gc.collect()
    gc.freeze()  # as the bot does after start-up (bot/app.py): long-lived objects out of full GC passes
    runs = [await loop_stall(heavy) for _ in range(args.runs)]
    late, busy, gcs = ([r[i] * 1000 for r in runs] for i in range(3))
    print(f"\nevent loop while the admin's weekly digest and /team run, with a member's /me alongside "
          f"({args.runs} runs): longest busy stretch (CPU between two 5 ms ticks) median "
          f"{statistics.median(busy):.1f} ms, worst {max(busy):.1f} ms; longest lateness of a tick median "
          f"{statistics.median(late):.1f} ms, worst {max(late):.1f} ms; longest GC pause {max(gcs):.1f} ms; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    await db.dispose()


async def _own(svc, member, period):
    await svc.ratings.own_results(member, period)
    return await svc.ratings.given(member, period)


async def _server_ms(db, statement: str, params) -> tuple[float, float]:
    """PostgreSQL's own execution and planning time of one statement (``EXPLAIN ANALYZE``), in ms: the
    server's work without the round trip and the client, which a loaded machine inflates much less."""
    import json

    async with db.engine.connect() as conn:
        raw = (await conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)).scalar()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    return float(plan["Execution Time"]), float(plan["Planning Time"])


async def _explain(db, statement: str, params) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    try:
        async with db.engine.connect() as conn:
            rows = (await conn.exec_driver_sql(prefix + statement, params)).all()
    except Exception as exc:  # a plan is a diagnostic; never fail the bench on it
        return [f"(no plan: {exc})"]
    if db.is_sqlite:
        return [str(r[-1]) for r in rows]
    return [str(r[0]) for r in rows]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="database URL (default: the SQLite file bench/bigdb.py writes)")
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", help="only the screens whose name contains this")
    parser.add_argument("--statements", action="store_true", help="print each statement of a screen's last run")
    parser.add_argument("--server", action="store_true",
                        help="PostgreSQL: also print the server's time (EXPLAIN ANALYZE) of each screen's statements")
    args = parser.parse_args(argv)
    if args.url is None:
        args.url = f"sqlite+aiosqlite:///{ROOT / 'data' / f'bigdb-{args.members}x{args.months}.db'}"
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
