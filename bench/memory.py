"""Memory benchmark: the running bot's RSS against its import floor (prints, asserts nothing).

    python bench/memory.py [--reports 1000] [--writers 50]

1. Seeds a fresh SQLite database (``python -m bot seed-demo``: ~25 people) and starts the Bot API
   emulator (``tests/emulator``, rate limits off) in this process.
2. Starts the real bot (``python -m bot``, chart workers in process mode, the scheduler off so that
   no digest fires by the wall clock) and reads its RSS once it polls: **after start-up**.
3. ``--reports`` one-line ``/report`` messages from ``--writers`` writers, all answered, then one
   ``/digest`` from the admin (charts rendered in the workers): **after N reports**.
4. The floor: a process that only imports aiogram, SQLAlchemy (async) and APScheduler; and for the
   chart workers a process that only imports matplotlib's Figure and Agg canvas.

Prints each RSS in MiB and the ratios (target: bot ≤ 1.25× the floor). Needs ``psutil``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "123456:" + "M" * 35
ADMIN_TID = 1
MIB = 1024 * 1024

FLOOR_CODE = (
    "import aiogram, sqlalchemy, apscheduler\n"
    "from aiogram import Bot, Dispatcher\n"
    "from sqlalchemy.ext.asyncio import create_async_engine\n"
    "from apscheduler.schedulers.asyncio import AsyncIOScheduler\n"
    "print('ready', flush=True)\n"
    "import sys; sys.stdin.read()\n"
)
MPL_FLOOR_CODE = (
    "from matplotlib.figure import Figure\n"
    "from matplotlib.backends.backend_agg import FigureCanvasAgg\n"
    "print('ready', flush=True)\n"
    "import sys; sys.stdin.read()\n"
)


def rss(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / MIB


def floor_rss(code: str) -> float:
    """RSS of a fresh process that runs ``code`` (it waits on stdin once ready)."""
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None and proc.stdin is not None
    proc.stdout.readline()
    time.sleep(0.5)
    value = rss(proc.pid)
    proc.stdin.close()
    proc.wait()
    return value


def chart_workers(pid: int) -> list[psutil.Process]:
    return [c for c in psutil.Process(pid).children(recursive=True)
            if "spawn_main" in " ".join(c.cmdline()) and "resource_tracker" not in " ".join(c.cmdline())]


def seed(args: argparse.Namespace) -> tuple[Path, dict[str, str], list[tuple[int, str]], str]:
    workdir = Path(tempfile.mkdtemp(prefix="teamdesk-memory-"))
    db_path = workdir / "bot.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "ADMIN_", "CHART_"))},
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
        "ADMIN_IDS": str(ADMIN_TID),
        "PYTHONPATH": str(ROOT),
        "SCHEDULER_ENABLED": "false",
        "CHART_MODE": "process",
    }
    subprocess.run([sys.executable, "-m", "bot", "seed-demo"], cwd=workdir, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with sqlite3.connect(db_path) as conn:
        writers = [(tid, name) for tid, name in conn.execute(
            "SELECT telegram_id, display_name FROM members WHERE role = 'writer' AND active ORDER BY id")]
        stream = conn.execute("SELECT code FROM streams WHERE active ORDER BY position, id").fetchone()[0]
    return workdir, env, writers[:args.writers], stream


async def run(args: argparse.Namespace, workdir: Path, env: dict[str, str], writers: list[tuple[int, str]],
              stream: str) -> None:
    from tests.emulator import BotAPIEmulator

    async with BotAPIEmulator(TOKEN, global_rate=None, per_chat_rate=None) as emu:
        env["TELEGRAM_API_URL"] = emu.url
        log = (workdir / "bot.log").open("wb")
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=workdir, env=env,
                                                    stdout=log, stderr=asyncio.subprocess.STDOUT)
        try:
            while not emu.calls("getUpdates"):
                if proc.returncode is not None:
                    raise SystemExit(f"bot exited:\n{(workdir / 'bot.log').read_text()}")
                await asyncio.sleep(0.05)
            await asyncio.sleep(3)  # chart workers warm up
            started = rss(proc.pid)
            workers_started = [rss(w.pid) for w in chart_workers(proc.pid)]

            admin = emu.user(ADMIN_TID, "Admin", started=True)
            await admin.send("/start")
            await admin.wait_message()
            await admin.send("/projects add Bench")
            await admin.wait_message()
            users = [emu.user(tid, name.split()[0], started=True) for tid, name in writers]
            before = len(emu.bot_messages())
            t0 = time.perf_counter()
            for i in range(args.reports):
                await users[i % len(users)].send(f"/report {stream} Bench Memory bench unit {i}")
                if i % 50 == 49:
                    await emu.wait_for(lambda n=i: len(emu.bot_messages()) - before >= n + 1, timeout=120)
            await emu.wait_for(lambda: len(emu.bot_messages()) - before >= args.reports, timeout=120)
            reports_s = time.perf_counter() - t0
            saved = sum(1 for m in emu.bot_messages()[before:] if m.text and "Единица сохранена" in m.text)
            await admin.send("/digest")
            await emu.wait_for(lambda: any(m.method == "sendMediaGroup" or m.method == "sendPhoto"
                                           for m in emu.bot_messages(ADMIN_TID)), timeout=120)
            await emu.wait_idle(quiet=1.0, timeout=30)
            after = rss(proc.pid)
            workers_after = [rss(w.pid) for w in chart_workers(proc.pid)]
        finally:
            if proc.returncode is None:
                proc.send_signal(2)
                try:
                    await asyncio.wait_for(proc.wait(), timeout=20)
                except TimeoutError:
                    proc.kill()
            log.close()

    floor = floor_rss(FLOOR_CODE)
    mpl_floor = floor_rss(MPL_FLOOR_CODE)
    print(f"bot RSS after start-up:        {started:6.1f} MiB = {started / floor:.2f}x the floor")
    print(f"bot RSS after {args.reports} reports:   {after:6.1f} MiB = {after / floor:.2f}x the floor "
          f"({saved} units saved in {reports_s:.1f} s, then one /digest)")
    print(f"floor (aiogram + SQLAlchemy + APScheduler imported): {floor:6.1f} MiB; target <= 1.25x")
    print(f"chart workers after start-up:  {', '.join(f'{w:.1f}' for w in workers_started)} MiB; "
          f"after the /digest: {', '.join(f'{w:.1f}' for w in workers_after)} MiB")
    print(f"matplotlib-only process (Figure + Agg canvas imported): {mpl_floor:6.1f} MiB; workers / it = "
          f"{', '.join(f'{w / mpl_floor:.2f}x' for w in workers_after)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--writers", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args, *seed(args)))


if __name__ == "__main__":
    main()
