"""Updates per second through real ``python -m bot`` processes against the Bot API emulator:

1. one replica in **webhook** mode (the emulator posts to it directly) against the same update stream
   through **polling** (same SQLite database kind, same emulator; target ratio >= 0.9);
2. with ``--url`` (PostgreSQL) and ``--redis``: **two replicas** behind a round-robin proxy against
   **one** replica posted to directly (webhook mode, the same stream).

The stream: ``--users`` people (unregistered: each update is a ``/start`` answered with the polite
refusal, one database read and one ``sendMessage``) sending ``--updates`` updates in all, queued at once;
the rate is updates answered per second from the first update queued to the last answer. The emulator's
rate limits are off (it measures the bot, not Telegram's limits). Each configuration runs ``--rounds``
times, the order alternating; prints each rate, the median rate and the ratio of medians. No asserts.

    python bench/webhook.py                                        # 1. on SQLite
    python bench/webhook.py --url postgresql+asyncpg://u@h/scratch --redis redis://127.0.0.1:6379/9
    options: --updates 300 --users 30 --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.test_service_e2e import Replica, RoundRobin
from tests.emulator import BotAPIEmulator

SECRET = "bench-webhook-secret-0123456789"


async def clear_inbox(url: str) -> None:
    """A new emulator numbers updates from 1 again: forget the last run's stored updates."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM inbound_updates"))
    except Exception:  # not migrated yet: the first process creates the table
        pass
    finally:
        await engine.dispose()


async def one_run(url: str, workdir: Path, mode: str, replicas: int, updates: int, users: int,
                  redis: str | None) -> float:
    await clear_inbox(url)
    async with BotAPIEmulator(bot_username="teamdesk_bench_bot", global_rate=None, per_chat_rate=None) as emu:
        people = [emu.user(id=10_000 + i, first_name=f"U{i}") for i in range(users)]
        procs: list[Replica] = []
        async with RoundRobin(procs) as proxy:
            env = {"SCHEDULER_ENABLED": "false", "LOG_FORMAT": "text"}
            if redis:
                env["REDIS_URL"] = redis
            if mode == "webhook":
                env |= {"WEBHOOK_SECRET": SECRET, "WEBHOOK_URL": f"http://127.0.0.1:{proxy.port}/hook"}
            for i in range(replicas):
                procs.append(Replica(f"{mode}{replicas}-{i}", emu, url, workdir, env))
            if mode == "webhook" and replicas == 1:  # one replica: Telegram posts to it directly, no proxy
                procs[0].env["WEBHOOK_URL"] = f"{procs[0].url}/hook"
            for p in procs:
                await p.start()
            try:
                await emu.wait_idle(timeout=60)
                t0 = time.perf_counter()
                for n in range(updates):
                    await people[n % users].send("/start")
                await emu.wait_for(lambda: len(emu.bot_messages()) >= updates, timeout=600, what="answers")
                elapsed = time.perf_counter() - t0
            finally:
                for p in procs:
                    await p.stop()
    return updates / elapsed


async def compare(label_a: str, a, label_b: str, b, rounds: int) -> None:
    rates: dict[str, list[float]] = {label_a: [], label_b: []}
    for r in range(rounds):
        order = [(label_a, a), (label_b, b)] if r % 2 == 0 else [(label_b, b), (label_a, a)]
        for label, run in order:
            rate = await run()
            rates[label].append(rate)
            print(f"  round {r + 1}: {label:<28} {rate:8.1f} updates/s", flush=True)
    ma, mb = statistics.median(rates[label_a]), statistics.median(rates[label_b])
    print(f"  median: {label_a} {ma:.1f}/s, {label_b} {mb:.1f}/s; ratio {label_a} / {label_b} = {ma / mb:.2f}")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--updates", type=int, default=300)
    ap.add_argument("--users", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--url", help="PostgreSQL URL for the replica comparison (a scratch database)")
    ap.add_argument("--redis", help="Redis URL for the replica comparison")
    ap.add_argument("--skip-replicas", action="store_true", help="only the webhook / polling comparison")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sqlite = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        print(f"1. one replica, webhook vs polling, SQLite, {args.updates} updates from {args.users} people")
        await compare("webhook", lambda: one_run(sqlite, work, "webhook", 1, args.updates, args.users, None),
                      "polling", lambda: one_run(sqlite, work, "polling", 1, args.updates, args.users, None),
                      args.rounds)
        if args.url and not args.skip_replicas:
            print(f"2. webhook on PostgreSQL{' + Redis' if args.redis else ''}: two replicas vs one")
            await compare(
                "two replicas", lambda: one_run(args.url, work, "webhook", 2, args.updates, args.users, args.redis),
                "one replica", lambda: one_run(args.url, work, "webhook", 1, args.updates, args.users, args.redis),
                args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
