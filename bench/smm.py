"""SMM: importing a 5,000-row XLSX sheet, and ``/stats all`` for 2,000 accounts × 104 weeks (SQLite).

    .venv/bin/python bench/smm.py [--rows 5000] [--accounts 2000] [--weeks 104] [--runs 5]

1. **Import**: the whole import the bot does for a sent file (``read_sheet`` with openpyxl, then
   ``SmmService.import_sheet``: header and every cell checked, the existing weeks read, 5,000 rows written in one
   transaction) against ``openpyxl`` merely reading the same file (``load_workbook(read_only=True)`` +
   ``iter_rows(values_only=True)``), measured in the same run; prints the ratio (target ≤ 3×).
2. **/stats all**: the admin's ``SmmService.stats_all`` (the handler's call) over 2,000 accounts with 104 weeks each:
   database time (SQLAlchemy cursor events) and the whole call, medians of ``--runs`` (target ≤ 50 ms of database
   time on SQLite).

No asserts on time; figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert

from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.domain import smm as rules
from bot.migrate import upgrade
from bot.services import build_services
from bot.services.smm import read_sheet
from models.org import Department, Member
from models.reporting import Project
from models.smm import SmmAccount, SmmWeek

TOKEN = "123456:BENCH_TOKEN_abcdefghijklmnopqrstuvwxyz"
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
LAST = date(2026, 11, 15)


def make_xlsx(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet("Статистика")
    ws.append(["Контент план + статистика"])
    ws.append(["Неделя", "Подписчики", "Публикации", "Лайки", "Комментарии", "Сохранения", "Репосты", "Охват",
               "Просмотры", "Тема"])
    for i in range(rows):
        end = LAST - timedelta(weeks=rows - 1 - i)
        ws.append([end, 1000 + i, 5, 100 + i % 50, 10, 5, 3, 2000 + i, 5000, "пост"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def openpyxl_read(data: bytes) -> int:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    n = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return n


async def seed_team(db: Database) -> tuple[Member, int]:
    async with db.session() as s, db.writing(s):
        d = Department(name="Bench", created_at=NOW)
        s.add(d)
        await s.flush()
        admin = Member(telegram_id=1, display_name="Admin", role="admin", department_id=d.id, active=True,
                       unreachable=False, created_at=NOW)
        s.add(admin)
        p = Project(name="Bench project", created_at=NOW)
        s.add(p)
        await s.flush()
        return admin, p.id


async def bench_import(db: Database, settings: Settings, admin: Member, project_id: int, rows: int,
                       runs: int) -> tuple[float, float]:
    data = make_xlsx(rows)
    read_times, import_times = [], []
    for run in range(runs):
        async with db.session() as s, db.writing(s):
            a = SmmAccount(project_id=project_id, network="instagram", handle=f"import{run}", name=f"import {run}",
                           responsible_id=admin.id, week_end=6, start_date=date(2000, 1, 1), archived=False,
                           created_at=NOW)
            s.add(a)
            await s.flush()
            account_id = a.id
        t0 = time.perf_counter()
        n = openpyxl_read(data)
        read_times.append(time.perf_counter() - t0)
        assert n == rows + 2
        t0 = time.perf_counter()
        cells = read_sheet(data, "bench.xlsx")
        async with db.session() as s:
            svc = build_services(s, db, settings, FrozenClock(NOW))
            member = await s.get(Member, admin.id)
            result = await svc.smm.import_sheet(member, account_id, cells)
        import_times.append(time.perf_counter() - t0)
        assert result.saved and result.created == rows, result
    return statistics.median(read_times), statistics.median(import_times)


async def seed_accounts(db: Database, admin: Member, project_id: int, accounts: int, weeks: int) -> None:
    async with db.session() as s, db.writing(s):
        await s.execute(insert(SmmAccount), [
            {"project_id": project_id, "network": "instagram", "handle": f"acc{i}", "name": f"Account {i}",
             "responsible_id": admin.id, "week_end": 6, "start_date": date(2020, 1, 1), "archived": False,
             "created_at": NOW} for i in range(accounts)])
    async with db.session() as s:
        from sqlalchemy import select

        ids = list(await s.scalars(select(SmmAccount.id).where(SmmAccount.handle.like("acc%"))))
    batch = []
    for account_id in ids:
        for w in range(weeks):
            if (account_id + w) % 17 == 0:
                continue  # some weeks missing
            batch.append({"account_id": account_id, "week_end": LAST - timedelta(weeks=w), "followers": 1000 + w,
                          "likes": 50 + (account_id * w) % 40, "comments": 5, "saves": 2, "shares": 1,
                          "reach": 2000 + (account_id % 300), "source": "import", "reported_at": NOW,
                          "updated_at": NOW})
            if len(batch) >= 5000:
                async with db.session() as s, db.writing(s):
                    await s.execute(insert(SmmWeek), batch)
                batch = []
    if batch:
        async with db.session() as s, db.writing(s):
            await s.execute(insert(SmmWeek), batch)


async def bench_stats_all(db: Database, settings: Settings, admin: Member, runs: int) -> tuple[float, float, int]:
    probe = {"on": False, "db": 0.0, "t0": 0.0}

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _before(*_args):
        probe["t0"] = time.perf_counter()

    @event.listens_for(db.engine.sync_engine, "after_cursor_execute")
    def _after(*_args):
        if probe["on"]:
            probe["db"] += time.perf_counter() - probe["t0"]

    db_times, totals, n = [], [], 0
    for _ in range(runs):
        async with db.session() as s:
            svc = build_services(s, db, settings, FrozenClock(NOW))
            member = await s.get(Member, admin.id)
            probe["db"], probe["on"] = 0.0, True
            t0 = time.perf_counter()
            rows = await svc.smm.stats_all(member)
            totals.append(time.perf_counter() - t0)
            probe["on"] = False
            db_times.append(probe["db"])
            n = len(rows)
    return statistics.median(db_times), statistics.median(totals), n


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/smm.db"
        await asyncio.to_thread(upgrade, url)
        settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url)
        db = Database(url)
        try:
            admin, project_id = await seed_team(db)
            read_s, import_s = await bench_import(db, settings, admin, project_id, args.rows, args.runs)
            print(f"import {args.rows}-row XLSX: openpyxl reading {read_s * 1000:.0f} ms, the whole import "
                  f"{import_s * 1000:.0f} ms, ratio {import_s / read_s:.2f}x (target <= 3x)")
            t0 = time.perf_counter()
            await seed_accounts(db, admin, project_id, args.accounts, args.weeks)
            print(f"seeded {args.accounts} accounts x {args.weeks} weeks in {time.perf_counter() - t0:.1f} s")
            db_s, total_s, n = await bench_stats_all(db, settings, admin, args.runs)
            print(f"/stats all over {n} accounts: database {db_s * 1000:.1f} ms, whole call {total_s * 1000:.1f} ms "
                  f"(target <= 50 ms of database time)")
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.rows > rules.IMPORT_MAX_ROWS:
        parser.error(f"--rows is at most {rules.IMPORT_MAX_ROWS}")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
