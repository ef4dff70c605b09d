"""Digest benchmark: 500 managers x 30 writers, charts rendered ahead, hand-over at 30 msg/s.

    python bench/digest.py [--managers 500] [--writers 30] [--workers 2]

1. Builds a fresh SQLite database (migrations + Core bulk inserts via ``bot.demo.populate``): one
   department per manager, a month of plans and units for every writer.
2. Starts the Bot API emulator (``tests/emulator``, 30 messages/s overall, 1/s per chat) in a
   separate process, so that its work does not count as the bot's event-loop stalls.
3. ``Jobs.prepare``: renders every team's daily digest (plan vs done + cumulative) ahead of the
   digest time in the ``ChartRenderer`` process pool.
4. ``Jobs.send_digests`` at the digest time: claims and hands every digest (one ``sendMediaGroup``
   with 2 PNGs and the caption) to the emulator through the production ``Sender``.

5. End to end (unless ``--no-end-to-end``): the rendered digests and the deliveries are forgotten and
   ``Jobs.send_digests`` runs again with nothing rendered ahead: each digest is rendered on demand
   while others are handed over.

Prints ms per chart (and the workers' CPU time per chart), render time, hand-over time and its ratio to the floor (messages / 30 per s),
render + hand-over, and the longest event-loop stall (a 10 ms ticker's worst lateness) per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TZ = "Europe/Moscow"
BENCH_TOKEN = "987654:" + "B" * 35


# --- the emulator, in its own process ----------------------------------------------------------
def _emulator_process(conn, user_ids: list[int]) -> None:  # pragma: no cover - child process
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    async def serve() -> None:
        from tests.emulator import BotAPIEmulator

        async with BotAPIEmulator(BENCH_TOKEN, global_rate=30, per_chat_rate=1.0) as emu:
            for uid in user_ids:
                emu.user(uid, f"M{uid}", started=True)
            conn.send(emu.url)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, conn.recv)  # "stats"
            sends = [r for r in emu.requests if r["method"].lower().startswith("send")]
            conn.send({
                "accepted": sum(1 for r in sends if r["ok"]),
                "rejected_429": sum(1 for e in emu.errors if e["error_code"] == 429),
                "errors": len(emu.errors),
                "violations": len(emu.violations),
                "first": min((r["time"] for r in sends if r["ok"]), default=0.0),
                "last": max((r["time"] for r in sends if r["ok"]), default=0.0),
            })

    asyncio.run(serve())


class StallMonitor:
    """Longest lateness of a 10 ms sleep: how long the event loop was blocked (and when, and the
    longest garbage-collector pause in the same phase, to tell the two apart)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.worst_at = 0.0
        self.gc_worst = 0.0
        self._gc_start = 0.0
        self._phase_start = time.perf_counter()
        self._task: asyncio.Task | None = None

    def _gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gc_worst = max(self.gc_worst, time.perf_counter() - self._gc_start)

    async def _run(self) -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(0.01)
            late = time.perf_counter() - t0 - 0.01
            if late > self.worst:
                self.worst, self.worst_at = late, time.perf_counter() - self._phase_start

    def reset(self) -> str:
        text = (f"{self.worst * 1000:.0f} ms (at +{self.worst_at:.1f} s; longest GC pause "
                f"{self.gc_worst * 1000:.0f} ms)")
        self.worst, self.worst_at, self.gc_worst = 0.0, 0.0, 0.0
        self._phase_start = time.perf_counter()
        return text

    async def __aenter__(self) -> StallMonitor:
        import gc

        gc.callbacks.append(self._gc)
        self._phase_start = time.perf_counter()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        import gc

        gc.callbacks.remove(self._gc)
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass


def digest_time() -> datetime:
    """09:00 Moscow on the latest past working day that gets only the daily digest."""
    from bot.domain.workdays import is_working_day, public_holidays
    from scheduler.jobs import first_working_day_of_month, first_working_day_of_week

    zone = ZoneInfo(TZ)
    day = datetime.now(zone).date() - timedelta(days=1)
    while not (is_working_day(day, public_holidays(day.year, "RU")) and day.day > 3
               and not first_working_day_of_week(day, "RU") and not first_working_day_of_month(day, "RU")):
        day -= timedelta(days=1)
    return datetime.combine(day, datetime.min.time().replace(hour=9), zone).astimezone(UTC)


def _workers_cpu(renderer) -> float:
    """CPU seconds (user + system) used so far by the render pool's worker processes."""
    import psutil

    total = 0.0
    for pid in list(getattr(renderer._executor, "_processes", {}) or {}):
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def ms_per_chart(n: int, runs: int = 5) -> dict[str, float]:
    from scheduler import charts
    from scheduler.chart_data import CumulativeSeries, PersonBar

    people = [PersonBar(f"Сотрудник Номер{i} Фамилия", 40 + i % 20, 20 + i % 25, 30.0 + i % 7) for i in range(n)]
    days = [datetime(2026, 11, d).date() for d in range(2, 28) if datetime(2026, 11, d).weekday() < 5]
    series = CumulativeSeries(days, list(range(0, 60 * len(days[:14]), 60)), 1300, days[13])
    charts.plan_vs_done(people[:3], title="warm-up")
    out = {}
    for name, fn in (("plan_vs_done", lambda: charts.plan_vs_done(people, title="План и факт")),
                     ("cumulative", lambda: charts.cumulative(series, title="Нарастающим итогом"))):
        times = []
        for _ in range(runs):
            t0 = time.process_time()
            fn()
            times.append(time.process_time() - t0)
        out[name] = statistics.median(times) * 1000
    return out


async def run(args: argparse.Namespace) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.clock import FrozenClock
    from bot.config import Settings
    from bot.db import Database
    from bot.demo import populate
    from bot.i18n import Catalog
    from bot.migrate import upgrade_async
    from bot.sender import Sender
    from scheduler.jobs import Jobs
    from scheduler.render_pool import ChartRenderer

    workdir = Path(tempfile.mkdtemp(prefix="teamdesk-bench-"))
    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    at = digest_time()
    settings = Settings(_env_file=None, bot_token=BENCH_TOKEN, database_url=url, timezone=TZ,
                        chart_workers=args.workers, digest_grace_hours=6)
    print(f"team: {args.managers} managers x {args.writers} writers; digest time {at.astimezone(ZoneInfo(TZ))}")

    t0 = time.perf_counter()
    await upgrade_async(url)
    db = Database(url)
    async with db.engine.begin() as conn:
        demo = await populate(conn, settings, at, teams=args.managers, writers_per_team=args.writers,
                              department_names=[f"Отдел {i + 1}" for i in range(args.managers)],
                              tid_base=10_000_000, previous=False)
    print(f"database: {demo.units} units, {demo.revisions} revisions in {time.perf_counter() - t0:.1f} s")

    single = ms_per_chart(args.writers)
    print(f"in-process CPU ms per chart ({args.writers} people): "
          + ", ".join(f"{k} {v:.0f} ms" for k, v in single.items()))

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    manager_tids = list(range(10_000_000, 10_000_000 + args.managers * (args.writers + 1), args.writers + 1))
    proc = ctx.Process(target=_emulator_process, args=(child, manager_tids), daemon=True)
    proc.start()
    emu_url = await asyncio.get_running_loop().run_in_executor(None, parent.recv)

    session = AiohttpSession(api=TelegramAPIServer.from_base(emu_url))
    bot = Bot(BENCH_TOKEN, session=session)
    clock = FrozenClock(at)
    renderer = ChartRenderer(args.workers, mode="process")
    try:
        await renderer.ready()
        # the bot's start-up builds every language's texts (bot.commands.setup_default_commands sets the menu
        # in each): so here, before the clock starts, not in the first digest's turn of the loop
        catalog = Catalog()
        for lang in catalog.languages:
            catalog.bundle(lang)
        # as the bot's start-up hook does (bot.app._start_scheduler): long-lived objects out of full GC passes
        import gc

        gc.collect()
        gc.freeze()
        sender = Sender(bot, db, rate=30.0, chat_interval=1.0)
        jobs = Jobs(db, settings, catalog, sender, renderer, clock)
        logging.getLogger("bot.sender").setLevel(logging.WARNING)
        async with StallMonitor() as monitor:
            cpu0 = _workers_cpu(renderer)
            t0 = time.perf_counter()
            rendered = await jobs.prepare(at - timedelta(minutes=args.lead), timedelta(minutes=args.lead))
            render_s = time.perf_counter() - t0
            render_cpu = _workers_cpu(renderer) - cpu0
            render_stall = monitor.reset()
            charts_n = rendered * 2
            t0 = time.perf_counter()
            report = await jobs.send_digests(at)
            handover_s = time.perf_counter() - t0
            handover_stall = monitor.reset()
            # end to end, nothing rendered ahead: forget the rendered digests and the deliveries, and
            # send again; each digest is rendered on demand while the others are being handed over
            e2e_s = e2e_stall = None
            if args.end_to_end:
                from sqlalchemy import text

                jobs._cache.clear()
                jobs._locks.clear()
                jobs.charts.prune(float("inf"))  # and the charts kept for digests sharing them
                async with db.engine.begin() as conn:
                    await conn.execute(text("DELETE FROM deliveries"))
                await asyncio.sleep(2)  # the emulator's per-chat buckets refill
                monitor.reset()
                cpu0 = _workers_cpu(renderer)
                t0 = time.perf_counter()
                e2e_report = await jobs.send_digests(at)
                e2e_s = time.perf_counter() - t0
                e2e_cpu = _workers_cpu(renderer) - cpu0
                e2e_stall = monitor.reset()
        parent.send("stats")
        stats = await asyncio.get_running_loop().run_in_executor(None, parent.recv)
    finally:
        await renderer.aclose()
        if session._session is not None and not session._session.closed:
            await session._session.close()
        await db.dispose()
        proc.join(10)

    messages = report.kinds()["digest_daily"]
    floor = messages / 30
    print(f"render ahead: {rendered} digests, {charts_n} charts in {render_s:.1f} s with {args.workers} "
          f"processes = {render_s * 1000 / max(charts_n, 1):.0f} ms per chart (wall), "
          f"{render_s * 1000 * args.workers / max(charts_n, 1):.0f} ms per chart (worker wall time), "
          f"{render_cpu * 1000 / max(charts_n, 1):.0f} ms per chart (worker CPU time); "
          f"longest loop stall {render_stall}")
    print(f"hand-over: {messages} digests sent (accepted by the emulator) in {handover_s:.1f} s; "
          f"floor {floor:.1f} s (messages / 30 per s); ratio {handover_s / max(floor, 1e-9):.2f}x; "
          f"longest loop stall {handover_stall}")
    print(f"render + hand-over: {render_s + handover_s:.1f} s = {(render_s + handover_s) / max(floor, 1e-9):.1f}x "
          f"the floor")
    if e2e_s is not None:
        print(f"end to end (nothing rendered ahead: render on demand while handing over): "
              f"{e2e_report.kinds()['digest_daily']} digests in {e2e_s:.1f} s = {e2e_s / max(floor, 1e-9):.1f}x the "
              f"floor (target <= 3x); {e2e_cpu * 1000 / max(charts_n, 1):.0f} ms worker CPU per chart; "
              f"longest loop stall {e2e_stall}")
    print(f"sender outcomes: {dict(sender.stats)}; deliveries sent: {report.kinds()['digest_daily']}; "
          f"emulator: 429s {stats['rejected_429']}, errors {stats['errors']}, violations {stats['violations']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--managers", type=int, default=500)
    parser.add_argument("--writers", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lead", type=int, default=30, help="minutes ahead the charts are rendered")
    parser.add_argument("--no-end-to-end", dest="end_to_end", action="store_false",
                        help="skip the third phase (send again with nothing rendered ahead)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
