"""The reporting path against its floor: one-line ``/report`` through the production dispatcher vs a bare one.

The same stream of one-line reports (``/report smm Bakery Post N``) from one registered writer is fed,
with ``Dispatcher.feed_update`` and a bot session that answers without any network (like
``tests/recording.py``, without the spec check), to

* the production dispatcher (``bot.app.create_dispatcher``: middlewares, routers, services), and
* a bare aiogram dispatcher whose only handler does one insert, one commit and one reply
  (a plain engine on the same database with the same SQLite PRAGMAs, no pre-ping),

in short paired rounds (which side goes first alternates), then to the production dispatcher with 50
updates in flight, paired the same way with sequential rounds. Prints both rates, the median of the
rounds' ratios (robust to the load of a shared machine) and the overall ratio, the CPU time per report
of each side (this process, every thread: on SQLite the driver's thread too; on PostgreSQL the server's
work is not in it), the in-flight rate against the sequential one, and per report: SQL statements,
transactions (commits) and connection check-outs. No asserts on time.

    python bench/reporting.py                       # SQLite (a temporary file)
    python bench/reporting.py --url postgresql+asyncpg://user@host:5432/scratch --reset
    options: --reports 50 (per round and side) --rounds 20 --inflight 50

``--reset`` drops and recreates the ``public`` schema of the PostgreSQL database first: use a scratch
database. Without it the database is migrated and the bench's rows are reused.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.filters import Command
from aiogram.methods import TelegramMethod
from aiogram.types import Chat, Message, MessageEntity, Update, User
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database, _sqlite_pragmas
from bot.migrate import upgrade
from models.org import Department, Member
from models.reporting import Project, Stream, Unit

BOT_ID = 4242424
TOKEN = f"{BOT_ID}:BENCH_TOKEN_abcdefghijklmnopqrstuvwxyz"
WRITER_TG = 770001
PROJECT = "Bakery"


class NullSession(BaseSession):
    """Answers every request at once with a plausible result; nothing goes over the network."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self._ids = itertools.count(1000)
        self._me = User(id=BOT_ID, is_bot=True, first_name="teamdesk", username="teamdesk_bot")

    async def close(self) -> None:
        pass

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:  # noqa: ASYNC109
        self.requests += 1
        returning = method.__returning__
        if returning is bool:
            return True
        if returning is User:
            return self._me
        chat_id = getattr(method, "chat_id", None) or 0
        return Message(message_id=next(self._ids), date=datetime.now(UTC), chat=Chat(id=int(chat_id), type="private"),
                       from_user=self._me, text=getattr(method, "text", None)).as_(bot)

    async def stream_content(self, *args: Any, **kwargs: Any):  # pragma: no cover
        yield b""


def report_update(update_id: int, n: int) -> Update:
    line = f"/report smm {PROJECT} Post number {n} about the launch"
    user = User(id=WRITER_TG, is_bot=False, first_name="Anna", language_code="ru")
    msg = Message(message_id=update_id, date=datetime.now(UTC), chat=Chat(id=WRITER_TG, type="private"),
                  from_user=user, text=line, entities=[MessageEntity(type="bot_command", offset=0, length=7)])
    return Update(update_id=update_id, message=msg)


async def seed(db: Database) -> tuple[int, int, int]:
    """The writer, their department, the project and the stream (get or create)."""
    async with db.session() as s:
        async with db.writing(s):
            member = await s.scalar(select(Member).where(Member.telegram_id == WRITER_TG))
            if member is None:
                dept = Department(name="Bench", created_at=datetime.now(UTC))
                s.add(dept)
                await s.flush()
                member = Member(telegram_id=WRITER_TG, display_name="Anna Bench", role="writer",
                                department_id=dept.id, active=True, unreachable=False, created_at=datetime.now(UTC))
                s.add(member)
                await s.flush()
            project = await s.scalar(select(Project).where(Project.name == PROJECT))
            if project is None:
                project = Project(name=PROJECT, archived=False, created_at=datetime.now(UTC))
                s.add(project)
                await s.flush()
            stream = await s.scalar(select(Stream).where(Stream.code == "smm"))
            return member.id, stream.id, project.id


def bare_dispatcher(url: str, member_id: int, stream_id: int, project_id: int):
    """One handler: one insert, one commit, one reply."""
    engine = create_async_engine(url)
    if url.startswith("sqlite"):
        _sqlite_pragmas(engine)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    router = Router()

    @router.message(Command("report"))
    async def report(message: Message) -> None:
        now = datetime.now(UTC)
        async with sessions() as s:
            unit = Unit(author_id=member_id, stream_id=stream_id, project_id=project_id, title=message.text[12:],
                        state="written", created_at=now, updated_at=now)
            s.add(unit)
            await s.commit()
        await message.answer(f"Saved #{unit.id}")

    dp = Dispatcher()
    dp.include_router(router)
    return dp, engine


class Counter:
    """SQL statements, commits and pool check-outs on one engine."""

    def __init__(self, engine) -> None:
        self.statements = self.commits = self.checkouts = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._stmt)
        event.listen(engine.sync_engine, "commit", self._commit)
        event.listen(engine.sync_engine.pool, "checkout", self._checkout)

    def _stmt(self, *args: Any) -> None:
        self.statements += 1

    def _commit(self, *args: Any) -> None:
        self.commits += 1

    def _checkout(self, *args: Any) -> None:
        self.checkouts += 1

    def snapshot(self) -> tuple[int, int, int]:
        return self.statements, self.commits, self.checkouts


CPU: dict[int, list[float]] = {}  # id(dispatcher) → process CPU seconds per report, per round


async def run_round(dp: Dispatcher, bot: Bot, updates: list[Update], inflight: int) -> float:
    gc.collect()
    cpu = time.process_time()  # every thread of the process: the loop's and the SQLite driver's
    start = time.perf_counter()
    if inflight <= 1:
        for u in updates:
            await dp.feed_update(bot, u)
    else:
        todo = iter(updates)

        async def worker() -> None:
            for u in todo:
                await dp.feed_update(bot, u)

        await asyncio.gather(*(worker() for _ in range(inflight)))
    rate = len(updates) / (time.perf_counter() - start)
    CPU.setdefault(id(dp), []).append((time.process_time() - cpu) / len(updates))
    return rate


async def reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))  # bench-only, on a scratch database
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    ap.add_argument("--reset", action="store_true", help="PostgreSQL: drop and recreate the public schema first")
    ap.add_argument("--reports", type=int, default=50, help="reports per round and side")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--inflight", type=int, default=50)
    ap.add_argument("--verbose", action="store_true", help="print every round's rates")
    args = ap.parse_args()

    tmp = None
    url = args.url
    if url is None:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite+aiosqlite:///{Path(tmp.name) / 'bench.db'}"
    elif args.reset and url.startswith("postgresql"):
        await reset_postgres(url)
    await asyncio.to_thread(upgrade, url)

    from bot.app import create_dispatcher

    db = Database(url)
    member_id, stream_id, project_id = await seed(db)
    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url, scheduler_enabled=False,
                        admin_ids=frozenset())
    prod = create_dispatcher(settings, db, clock=Clock())
    bare, bare_engine = bare_dispatcher(url, member_id, stream_id, project_id)
    counter = Counter(db.engine)
    session = NullSession()
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    ids = itertools.count(1)

    fed = 0

    def batch(n: int = args.reports) -> list[Update]:
        nonlocal fed
        fed += n
        return [report_update(i, i) for i in itertools.islice(ids, n)]

    async def stored() -> int:
        async with db.session() as s:
            return await s.scalar(select(func.count(Unit.id)))

    stored_before = await stored()

    # warm-up: imports, pools, caches, the first translator calls
    await run_round(prod, bot, batch(20), 1)
    await run_round(bare, bot, batch(20), 1)

    # what the bot does at the end of start-up (bot.app._start_scheduler): long-lived objects out of
    # the collector's full passes
    gc.collect()
    gc.freeze()

    async def pairs(first, second) -> tuple[list[float], list[float]]:
        """Short rounds, alternating which side goes first, so both see the same load on a shared box."""
        a_rates, b_rates = [], []
        for i in range(args.rounds):
            order = [(first, a_rates), (second, b_rates)]
            for (dp, inflight), rates in order if i % 2 == 0 else order[::-1]:
                rates.append(await run_round(dp, bot, batch(), inflight))
        return a_rates, b_rates

    before, before_requests = counter.snapshot(), session.requests
    CPU.clear()
    prod_rates, bare_rates = await pairs((prod, 1), (bare, 1))
    prod_cpu, bare_cpu = statistics.median(CPU[id(prod)]), statistics.median(CPU[id(bare)])
    after = counter.snapshot()
    reports = args.rounds * args.reports
    per = [(a - b) / reports for a, b in zip(after, before, strict=True)]
    replies = (session.requests - before_requests) / (2 * reports)
    seq_rates, flight_rates = await pairs((prod, 1), (prod, args.inflight))
    saved = await stored() - stored_before

    def total(rates: list[float]) -> float:  # reports per second over all rounds (harmonic mean)
        return len(rates) / sum(1 / r for r in rates)

    def median_ratio(a: list[float], b: list[float]) -> float:
        return statistics.median(x / y for x, y in zip(a, b, strict=True))

    if args.verbose:
        for name, rates in (("production", prod_rates), ("bare", bare_rates), ("sequential", seq_rates),
                            ("in flight", flight_rates)):
            print(f"  {name} rounds: {' '.join(f'{r:.0f}' for r in rates)}")
    p, b = total(prod_rates), total(bare_rates)
    s_, f = total(seq_rates), total(flight_rates)
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{kind}, {os.cpu_count()} cores, {args.rounds} paired rounds x {args.reports} one-line reports per side")
    print(f"  production dispatcher:        {p:8.1f} reports/s")
    print(f"  bare dispatcher (floor):      {b:8.1f} reports/s")
    print(f"  ratio production / bare:      {median_ratio(prod_rates, bare_rates):8.2f}x   median of rounds "
          f"(overall {p / b:.2f}x; target >= 0.5x)")
    print(f"  CPU per report (this process): {prod_cpu * 1000:7.2f} ms production, {bare_cpu * 1000:.2f} ms bare: "
          f"{bare_cpu / prod_cpu:.2f}x   median of rounds (the ratio a free machine would approach)")
    print(f"  per production report:        {per[0]:.1f} SQL statements, {per[1]:.1f} commits, "
          f"{per[2]:.1f} connection check-outs; {replies:.1f} bot requests per report (both sides)")
    print(f"  sequential:                   {s_:8.1f} reports/s")
    print(f"  {args.inflight} updates in flight:        {f:8.1f} reports/s")
    print(f"  in flight / sequential:       {median_ratio(flight_rates, seq_rates):8.2f}x   median of rounds "
          f"(overall {f / s_:.2f}x; target >= 0.8x)")
    if saved != fed:
        print(f"  WARNING: {fed} reports fed, {saved} units stored")

    await bot.session.close()
    await db.dispose()
    await bare_engine.dispose()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
