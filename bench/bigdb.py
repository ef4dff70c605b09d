"""Build the big database: an agency of ``--members`` people after ``--months`` months.

    python bench/bigdb.py [--members 500] [--months 24] [--url postgresql+asyncpg://...] [--force]

Shape (500 members, 24 months ≈ issue 9's measurement): one department per 25 people with a
manager each, one admin, the rest writers; 200 client projects; a monthly plan per writer;
≈ 79 units per writer and month (≈ 900k), each with its events (created, sent, revisions received
and done, approved or deleted: ≈ 3M), ≈ 22 % of units with a revision (≈ 200k), and peer ratings
(each department rates the next one, modes aggregate / anonymous / open: ≈ 4k a month, ≈ 96k).
The newest month is filled up to ``--now`` (default: the latest 20th of a month, 12:00 team time,
before today), which ``bench/screens.py`` takes as "now".

Rows go through the project's own models (``models.*`` tables) in bulk below SQLAlchemy's per-row
machinery (:class:`BulkWriter`), one transaction per month; then the counters. SQLite by default, into
``data/bigdb-<members>x<months>.db`` (``data/`` is not in git): the counters by
``bot.services.stats.rebuild`` (the code of ``python -m bot rebuild-stats``). PostgreSQL with ``--url``
(an empty database, or ``--force`` to empty it), the usual bulk-load recipe: the loaded tables' keys,
foreign keys and indexes are dropped before the months are copied (binary ``COPY``,
``session_replication_role = replica``, ``synchronous_commit = off``) and created again from their
catalog definitions at the end; the counters by ``bot.services.stats.rebuild_set_based`` (a few
``INSERT … SELECT``, the same counters as rebuild-stats: ``--check`` compares them with its recount);
then ``VACUUM ANALYZE``. The result is an ordinary database at the newest migration.
"""

from __future__ import annotations

import argparse
import asyncio
import operator
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TZ = "Europe/Moscow"
TOKEN = "987654:" + "B" * 35
PER_DEPARTMENT = 25
PROJECTS = 200
REASONS = ("factual", "style", "brief", "client_changed", "typos", "other")
COMMENTS = {
    1: ["Задачи ставятся в последний момент и без ТЗ"],
    2: ["ТЗ противоречивые, правки после согласования", "Постоянные срочные задачи без объяснения"],
    3: ["Задачи размыты, приходится много уточнять", "Сроки часто сдвигаются без предупреждения"],
    4: ["Хорошо, но иногда ТЗ приходит в последний момент", None],
    5: [None, None, "Задачи чёткие, сроки реальные — спасибо!"],
}


def default_now(today: date) -> datetime:
    """12:00 team time on the latest 20th of a month before ``today``."""
    day = today.replace(day=20)
    if day >= today:
        day = (today.replace(day=1) - timedelta(days=1)).replace(day=20)
    return datetime.combine(day, dtime(12), ZoneInfo(TZ)).astimezone(UTC)


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


#: the tables the months are copied into and the counters computed from them: on PostgreSQL their keys and
#: indexes are dropped for the load and built once at the end (the usual bulk-load recipe)
BULK_TABLES = ("plans", "units", "unit_events", "revisions", "ratings",
               "member_month_stats", "member_day_stats", "project_month_stats", "rating_stats")


async def defer_keys(conn, tables: tuple[str, ...]) -> list[str]:
    """PostgreSQL: drop the primary keys, unique constraints, foreign keys (theirs and those pointing at
    them) and indexes of ``tables``; return the statements that create them again, in order (keys,
    indexes, then foreign keys, which check the loaded rows once). Definitions come from the catalog, so
    what is recreated is exactly what the migrations made."""
    from sqlalchemy import bindparam, text

    constraints = (await conn.execute(text("""
        SELECT c.contype::text, c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.contype IN ('p', 'u', 'f') AND c.connamespace = 'public'::regnamespace
          AND (c.conrelid::regclass::text IN :names
               OR (c.contype = 'f' AND c.confrelid::regclass::text IN :names))
        ORDER BY c.conrelid::regclass::text, c.conname""").bindparams(bindparam("names", expanding=True)),
        {"names": list(tables)})).all()
    indexes = (await conn.execute(text("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid::regclass::text IN :names
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                          WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
        ORDER BY 1""").bindparams(bindparam("names", expanding=True)), {"names": list(tables)})).all()
    foreign = [c for c in constraints if c[0] == "f"]
    keys = [c for c in constraints if c[0] != "f"]
    for _kind, table, name, _definition in foreign + keys:
        await conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        await conn.exec_driver_sql(f"DROP INDEX {name}")
    return ([f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for _k, table, name, definition in keys]
            + [definition for _name, definition in indexes]
            + [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
               for _k, table, name, definition in foreign])


async def prepare(url: str, force: bool) -> None:
    """A fresh database at the newest migration."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.migrate import upgrade_async

    if not url.startswith("sqlite"):
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            has = await conn.scalar(text("SELECT count(*) FROM information_schema.tables "
                                         "WHERE table_schema = 'public'"))
            if has:
                if not force:
                    raise SystemExit("the database is not empty; --force to empty it")
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await upgrade_async(url)


class BulkWriter:
    """Rows of the project's tables written in big batches below SQLAlchemy's per-row machinery.

    Each value goes through its column's own bind processing (``UTCDateTime``, the dialect's date and
    boolean handling: what ``conn.execute(insert(table), rows)`` would send), memoised per column —
    the same few hundred thousand timestamps recur millions of times — and the rows go to the driver
    as one ``executemany`` per table and month (SQLite) or one binary ``COPY`` (PostgreSQL, asyncpg's
    ``copy_records_to_table``), inside the caller's transaction. Per-row parameter building was most
    of the generation's CPU time.
    """

    #: values per column checked against SQLAlchemy's own bind processing when a faster path is used
    CHECKED = 500

    def __init__(self, dialect) -> None:
        self.dialect = dialect
        self.seconds = self.converting = 0.0
        self.superuser: bool | None = None

    def _converter(self, column):
        """A function of a column's Python value giving what the driver receives (or None: as is)."""
        from models.base import UTCDateTime

        processor = column.type._cached_bind_processor(self.dialect)
        if processor is None:
            return None
        if isinstance(column.type, UTCDateTime) and self.dialect.name == "sqlite":
            # UTCDateTime → naive UTC → SQLite's DATETIME storage format, without the three Python
            # calls per value; the first CHECKED values of each batch are compared with the real thing
            def fast(value, _utc=UTC):
                if value is None:
                    return None
                return value.astimezone(_utc).isoformat(" ", "microseconds")[:26]  # without "+00:00"

            budget = [self.CHECKED]

            def convert(value):
                out = fast(value)
                if budget[0] > 0:
                    budget[0] -= 1
                    if out != processor(value):
                        raise AssertionError(f"{column}: {out!r} != {processor(value)!r}")
                return out
            return convert
        return processor

    async def write(self, conn, table, rows: list[dict]) -> None:
        from sqlalchemy import text

        if not rows:
            return
        t0 = time.perf_counter()
        names = list(rows[0])
        converters = [self._converter(table.c[name]) for name in names]
        take = operator.itemgetter(*names)
        records = list(map(take, rows)) if len(names) > 1 else [(take(r),) for r in rows]
        if any(converters):
            slots = [(i, f) for i, f in enumerate(converters) if f is not None]
            converted = []
            for record in records:
                values = list(record)
                for i, f in slots:
                    values[i] = f(values[i])
                converted.append(tuple(values))
            records = converted
        self.converting += time.perf_counter() - t0
        if self.dialect.name == "postgresql":
            if self.superuser is None:  # the driver's transaction is begun at the first statement
                self.superuser = await conn.scalar(text("SELECT current_setting('is_superuser')")) == "on"
            else:
                await conn.exec_driver_sql("SELECT 1")
            if self.superuser:
                # a throw-away build of consistent rows: no foreign-key triggers per row, no waiting
                # for the WAL flush at commit (both for this transaction only)
                await conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                await conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            raw = await conn.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(table.name, records=records, columns=names)
        else:
            sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
                   f"VALUES ({', '.join('?' for _ in names)})")
            await conn.exec_driver_sql(sql, records)
        self.seconds += time.perf_counter() - t0


async def build(args: argparse.Namespace) -> str:
    from sqlalchemy import event, insert, select

    from bot.config import Settings
    from bot.db import Database, sync_id_sequences
    from bot.demo import person_name
    from bot.domain import ratings as dom
    from bot.domain.workdays import month_bounds, working_days
    from bot.progress import Progress
    from models.org import Department, Member, department_managers
    from models.ratings import Rating, RatingPolicy
    from models.reporting import Plan, Project, Revision, Stream, Unit, UnitEvent

    t_start = time.perf_counter()
    await prepare(args.url, args.force)
    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=args.url, timezone=TZ)
    db = Database(args.url)
    if db.is_sqlite:
        # a throw-away build: no fsync at commits, a big page cache, sorting in memory (the file is
        # complete and consistent at the end; only a crash during the build would need --force again)
        @event.listens_for(db.engine.sync_engine, "connect")
        def _build_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            for pragma in ("synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()
    rng = random.Random(args.seed)
    zone = ZoneInfo(TZ)
    now = args.now
    last_month = now.astimezone(zone).date().replace(day=1)
    months = [add_months(last_month, -i) for i in range(args.months - 1, -1, -1)]
    created = datetime.combine(months[0], dtime(9), zone).astimezone(UTC) - timedelta(days=30)

    async with db.engine.begin() as conn:
        streams = [s for s, in (await conn.execute(select(Stream.id).where(Stream.active.is_(True))
                                                   .order_by(Stream.position))).all()]
        n_depts = max(1, round(args.members / PER_DEPARTMENT))
        departments = [{"id": i + 1, "name": f"Отдел {i + 1:02d}", "created_at": created} for i in range(n_depts)]
        members, managed = [], []
        mid, tid = 1, 7_000_000_000
        members.append({"id": mid, "telegram_id": tid, "display_name": "Администратор", "role": "admin",
                        "department_id": 1, "active": True, "unreachable": False, "created_at": created})
        mid, tid = mid + 1, tid + 1
        for d in range(1, n_depts + 1):
            members.append({"id": mid, "telegram_id": tid, "display_name": person_name(rng), "role": "manager",
                            "department_id": d, "active": True, "unreachable": False, "created_at": created})
            managed.append({"member_id": mid, "department_id": d})
            mid, tid = mid + 1, tid + 1
        d = 0
        while mid <= args.members:
            members.append({"id": mid, "telegram_id": tid, "display_name": f"{person_name(rng)} {mid}",
                            "role": "writer", "department_id": d % n_depts + 1, "active": True,
                            "unreachable": False, "created_at": created})
            mid, tid, d = mid + 1, tid + 1, d + 1
        projects = [{"id": i + 1, "name": f"Клиент №{i + 1:03d} «{rng.choice(['Зерно', 'Пульс', 'Мотор'])}»",
                     "archived": False, "created_by": None, "created_at": created} for i in range(PROJECTS)]
        await conn.execute(insert(Department), departments)
        await conn.execute(insert(Member), members)
        await conn.execute(insert(department_managers), managed)
        await conn.execute(insert(Project), projects)
        modes = ("aggregate", "anonymous", "open")
        policies = [{"id": i + 1, "rater_department_id": i + 1, "rated_department_id": (i + 1) % n_depts + 1,
                     "cadence": "both" if i % 4 == 3 else "monthly", "mode": modes[i % 3], "active": True,
                     "created_at": created} for i in range(n_depts if n_depts > 1 else 0)]
        if policies:
            await conn.execute(insert(RatingPolicy), policies)

    restore: list[str] = []
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            restore = await defer_keys(conn, BULK_TABLES)
            if args.unlogged:
                for table in BULK_TABLES:
                    await conn.exec_driver_sql(f"ALTER TABLE {table} SET UNLOGGED")

    writers = [m for m in members if m["role"] == "writer"]
    by_dept: dict[int, list[dict]] = {}
    for m in members:
        if m["role"] != "admin":
            by_dept.setdefault(m["department_id"], []).append(m)
    # a writer's habits: main stream, speed, usual clients
    habits = {w["id"]: (streams[w["id"] % len(streams)], rng.choice([0.8, 0.9, 1.0, 1.0, 1.05, 1.15]),
                        rng.sample(range(1, PROJECTS + 1), 8)) for w in writers}
    secret = settings.rating_key()
    bulk = BulkWriter(db.engine.dialect)
    counts = dict.fromkeys(("units", "events", "revisions", "ratings", "plans"), 0)
    unit_id = event_id = 1
    bar = Progress(len(months), "bigdb")
    for month in months:
        first, last = month_bounds(month)
        days = [d for d in working_days(first, last, country="RU") if d <= now.astimezone(zone).date()]
        plans, units, events, revisions, ratings = [], [], [], [], []
        for w in writers:
            stream, speed, usual = habits[w["id"]]
            plan = rng.choice([70, 75, 80, 85, 90])
            plans.append({"member_id": w["id"], "month": month, "stream_id": stream, "units": plan,
                          "set_by": None, "updated_at": datetime.combine(first, dtime(9), zone).astimezone(UTC)})
            per_day = plan * speed / 21
            for day in days:
                n = int(per_day) + (rng.random() < per_day - int(per_day))
                for _ in range(n):
                    at = datetime.combine(day, dtime(rng.randint(9, 18), rng.randint(0, 59)), zone).astimezone(UTC)
                    if at > now:
                        continue
                    age = now - at
                    s_id = stream if rng.random() < 0.85 else rng.choice(streams)
                    p_id = rng.choice(usual) if rng.random() < 0.9 else rng.randint(1, PROJECTS)
                    unit = {"id": unit_id, "author_id": w["id"], "stream_id": s_id, "project_id": p_id,
                            "title": f"Материал №{unit_id}", "link": None, "state": "written",
                            "created_at": at, "updated_at": at, "sent_at": None, "approved_at": None,
                            "deleted_at": None}
                    steps: list[tuple[str, str, datetime, int]] = [("created", "written", at, w["id"])]
                    t = at
                    sent_after = timedelta(minutes=rng.randint(5, 240))
                    if age > sent_after or rng.random() < 0.5:
                        t = min(at + sent_after, now)
                        unit["sent_at"] = t
                        steps.append(("sent", "sent", t, w["id"]))
                        n_rev = 0 if rng.random() > 0.2 else (1 if rng.random() < 0.9 else 2)
                        for _r in range(n_rev):
                            received = t + timedelta(hours=rng.randint(1, 20))
                            if received > now:
                                break
                            steps.append(("revision_received", "revision", received, w["id"] - 1))
                            done = received + timedelta(hours=rng.randint(1, 30))
                            rev = {"unit_id": unit_id, "reason": rng.choice(REASONS), "reason_text": None,
                                   "received_at": received, "done_at": None, "reaction_seconds": None,
                                   "recorded_by": None}
                            revisions.append(rev)
                            t = received
                            if done > now:
                                break
                            rev["done_at"], rev["reaction_seconds"] = done, int((done - received).total_seconds())
                            steps.append(("revision_done", "sent", done, w["id"]))
                            t = done
                        if steps[-1][1] == "sent":
                            approved = t + timedelta(hours=rng.randint(1, 48))
                            if approved <= now:
                                steps.append(("approved", "approved", approved, w["id"]))
                                unit["approved_at"] = approved
                                t = approved
                    if rng.random() < 0.01:
                        t = min(t + timedelta(hours=1), now)
                        steps.append(("deleted", "deleted", t, w["id"]))
                        unit["deleted_at"] = t
                    state = None
                    for kind, to, when, actor in steps:
                        events.append({"id": event_id, "unit_id": unit_id, "actor_id": actor, "kind": kind,
                                       "from_state": state, "to_state": to, "at": when})
                        event_id += 1
                        state = to
                    unit["state"], unit["updated_at"] = state, t
                    units.append(unit)
                    unit_id += 1
        # ratings of the month
        period = dom.period_of(month)
        when = datetime.combine(min(last, now.astimezone(zone).date()), dtime(11), zone).astimezone(UTC)
        share = 0.36 if month < last_month else 0.2
        for p in policies:
            raters = by_dept[p["rater_department_id"]]
            for person in by_dept[p["rated_department_id"]]:
                bias = person["id"] % 3
                for rater in raters:
                    if rater["id"] == person["id"] or rng.random() > share:
                        continue
                    score = max(1, min(5, 5 - bias + rng.choice((0, 0, 0, -1, 1))))
                    ratings.append({
                        "policy_id": p["id"], "rated_id": person["id"], "period": period, "task_ref": None,
                        "score": score, "comment": rng.choice(COMMENTS[score]),
                        "dedup_key": dom.dedup_key(secret, p["id"], rater["id"], person["id"], period, None),
                        "rater_key": dom.rater_key(secret, p["id"], rater["id"]),
                        "rater_id": rater["id"] if p["mode"] == "open" else None,
                        "created_at": when, "updated_at": when})
        async with db.engine.begin() as conn:
            for table, rows in ((Plan, plans), (Unit, units), (UnitEvent, events), (Revision, revisions),
                                (Rating, ratings)):
                await bulk.write(conn, table.__table__, rows)
        counts["units"] += len(units)
        counts["events"] += len(events)
        counts["revisions"] += len(revisions)
        counts["ratings"] += len(ratings)
        counts["plans"] += len(plans)
        bar.update(1, f"{counts['units']:,} units")
    bar.close()
    try:
        from bot.services.stats import rebuild, rebuild_set_based
    except ImportError:  # a checkout without counters (or before the set-based rebuild)
        from bot.services.stats import rebuild
        rebuild_set_based = None
    t_rows = time.perf_counter()
    if db.is_sqlite or rebuild_set_based is None:
        await rebuild(db, settings, progress=Progress)
    else:
        from bot.services import lead_counts

        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            await conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
            await conn.run_sync(rebuild_set_based, settings.timezone)  # the same counters as rebuild-stats
            await conn.run_sync(lead_counts.rebuild_sync, settings.timezone)
    t_counters = time.perf_counter()
    if restore:
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            await conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
            if args.unlogged:
                for table in BULK_TABLES:
                    await conn.exec_driver_sql(f"ALTER TABLE {table} SET LOGGED")
            for statement in restore:
                await conn.exec_driver_sql(statement)
    async with db.engine.begin() as conn:
        await sync_id_sequences(conn, [Department.__table__, Member.__table__, Project.__table__, Unit.__table__,
                                       UnitEvent.__table__, Revision.__table__, Plan.__table__,
                                       RatingPolicy.__table__, Rating.__table__])
    t_keys = time.perf_counter()
    if db.is_sqlite:
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")
    else:
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM ANALYZE")
    t_analyze = time.perf_counter()
    check = ""
    if args.check:
        from bot.services.stats import recount, stored

        async with db.engine.connect() as conn:
            if await conn.run_sync(stored) != await conn.run_sync(recount, settings.timezone):
                raise SystemExit("bigdb: the counters differ from a recount (python -m bot rebuild-stats)")
        check = f"; counters equal the recount of rebuild-stats (checked in {time.perf_counter() - t_analyze:.0f} s)"
    await db.dispose()
    phases = (f"rows {t_rows - t_start:.0f} s (of which writing {bulk.seconds:.0f} s, converting {bulk.converting:.0f} s), counters "
              f"{t_counters - t_rows:.0f} s, keys and indexes {t_keys - t_counters:.0f} s, analyze "
              f"{t_analyze - t_keys:.0f} s; CPU {time.process_time():.0f} s{check}")
    return (f"bigdb: {len(members)} members, {len(departments)} departments, {counts['units']:,} units, "
          f"{counts['events']:,} unit events, {counts['revisions']:,} revisions, {counts['ratings']:,} ratings, "
          f"{counts['plans']:,} plans; now = {now:%Y-%m-%d %H:%M} UTC; {t_analyze - t_start:.0f} s ({phases})")


def main(argv: list[str] | None = None) -> None:
    from bot.clock import Clock

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--url", help="database URL (default: SQLite file data/bigdb-<members>x<months>.db)")
    parser.add_argument("--now", type=lambda s: datetime.fromisoformat(s).astimezone(UTC),
                        help="the moment the data ends (ISO, default: the latest 20th, 12:00 team time)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--force", action="store_true", help="replace an existing database")
    parser.add_argument("--check", action="store_true",
                        help="after the build, compare the counters with rebuild-stats' recount (not timed)")
    parser.add_argument("--unlogged", action="store_true",
                        help="PostgreSQL: load into UNLOGGED tables, SET LOGGED before the indexes are built")
    args = parser.parse_args(argv)
    if args.url is None:
        args.url = f"sqlite+aiosqlite:///{ROOT / 'data' / f'bigdb-{args.members}x{args.months}.db'}"
    if args.now is None:
        args.now = default_now(Clock().now().astimezone(ZoneInfo(TZ)).date())
    if args.url.startswith("sqlite"):
        path = Path(args.url.split("///", 1)[1])
        if path.exists():
            if not args.force:
                raise SystemExit(f"{path} exists; --force to rebuild it")
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                p.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    summary = asyncio.run(build(args))
    if args.url.startswith("sqlite"):
        summary += f", {os.path.getsize(args.url.split('///', 1)[1]) / 2**20:.0f} MiB"
    print(summary)


if __name__ == "__main__":
    main()
