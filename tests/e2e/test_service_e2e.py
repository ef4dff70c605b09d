"""Issue 14, proof on this machine: real ``python -m bot`` processes against the Bot API emulator.

* polling (SQLite or PostgreSQL): ``kill -9`` one second into a burst of 30 one-line reports loses none —
  all 30 stored, and after the restart every report has its unit once and its answer;
* webhooks, two replicas on PostgreSQL and Redis behind a small round-robin proxy: every update handled
  once (and by both replicas), two quick updates of one user in order, a daily digest and a reminder due
  while both run sent once, ``/readyz`` reports one leader and one follower, ``kill -9`` of the leader
  hands the lease to the other replica within the lease and it sends the next due job, ``kill -9`` of a
  replica in a burst of 30 reports loses none, and a forged webhook request is refused and handles nothing.

"Answered once": an update is marked done in the same commit as its unit, so no report is stored twice;
it is marked answered after its handler returned. A report whose process died between the commit and the
answer is handled again by the next process, which finds the unit's key saved and answers with that unit;
one whose answer had started (its marker written just before the request) is not answered again
(``bot/inbox.py``). So every one of the 30 is answered exactly once after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.db import Database
from models.org import Member
from models.reporting import Plan, Unit
from models.service import InboundUpdate
from tests.conftest import PG_URL
from tests.e2e.conftest import E2E_ADMIN_ID, REPO
from tests.emulator import BotAPIEmulator

SECRET = "e2e-webhook-secret-0123456789"
REDIS_URL = os.environ.get("TEST_REDIS_URL")
LEASE = 3
SAVED = "Единица сохранена"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Replica:
    def __init__(self, name: str, emu: BotAPIEmulator, database_url: str, workdir: Path, env: dict[str, str]) -> None:
        self.name, self.emu, self.workdir = name, emu, workdir
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "ADMIN_", "WEB"))},
            "BOT_TOKEN": emu.token, "TELEGRAM_API_URL": emu.url, "DATABASE_URL": database_url,
            "ADMIN_IDS": str(E2E_ADMIN_ID), "PYTHONPATH": str(REPO), "CHART_MODE": "thread",
            "SCHEDULER_ENABLED": "false", "WEB_HOST": "127.0.0.1", "WEB_PORT": str(self.port),
            "LEADER_LEASE_SECONDS": str(LEASE), "SHUTDOWN_SECONDS": "5", "LOG_FORMAT": "json", **env,
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.logs: list[Path] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        log_path = self.workdir / f"{self.name}-{len(self.logs)}.log"
        self.logs.append(log_path)
        with log_path.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=self.workdir,
                                                             env=self.env, stdout=log, stderr=asyncio.subprocess.STDOUT)
        deadline = asyncio.get_running_loop().time() + 240  # start-up is slow on a loaded 2-core machine
        while asyncio.get_running_loop().time() < deadline:
            if self.proc.returncode is not None:
                raise AssertionError(f"{self.name} exited {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                if (await self.ready())[0] == 200:
                    return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} not ready:\n{self.log()[-3000:]}")

    async def ready(self) -> tuple[int, dict]:
        async with aiohttp.ClientSession() as http, http.get(self.url + "/readyz") as r:
            return r.status, await r.json()

    async def role(self) -> str | None:
        try:
            return (await self.ready())[1].get("role")
        except aiohttp.ClientError:
            return None

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()

    async def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode

    def log(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.logs if p.exists())


class RoundRobin:
    """A small load balancer: each POST to the next replica; a replica that refuses the connection is
    skipped (its health check failed), and with none left the answer is 502 (Telegram retries)."""

    def __init__(self, replicas: list[Replica]) -> None:
        self.replicas = replicas
        self.port = free_port()
        self.n = 0
        self.runner: web.AppRunner | None = None
        self.http: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        assert self.http is not None
        for _ in range(len(self.replicas)):
            replica = self.replicas[self.n % len(self.replicas)]
            self.n += 1
            try:
                async with self.http.post(replica.url + request.path, data=body, headers={
                        k: v for k, v in request.headers.items() if k.lower() in (
                            "content-type", "x-telegram-bot-api-secret-token")}) as r:
                    return web.Response(status=r.status, body=await r.read())
            except aiohttp.ClientError:
                continue
        return web.Response(status=502)

    async def __aenter__(self) -> RoundRobin:
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        app = web.Application()
        app.router.add_post("/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc) -> None:
        assert self.runner is not None and self.http is not None
        await self.runner.cleanup()
        await self.http.close()


async def count(db: Database, stmt) -> int:
    async with db.session() as s:
        return int(await s.scalar(stmt) or 0)


def answers_by_title(emu: BotAPIEmulator, chat: int, titles: list[str]) -> Counter[str]:
    found: Counter[str] = Counter()
    for m in emu.bot_messages(chat):
        if m.text and SAVED in m.text:
            for title in titles:
                if title in m.text:
                    found[title] += 1
                    break
    return found


async def burst_with_kill(emu: BotAPIEmulator, db: Database, admin, victim: Replica, prefix: str, *,
                          at_429: bool = False) -> dict[str, int]:
    """30 one-line reports; ``kill -9`` of ``victim`` a second in (or as soon as 10 were answered: mid-burst
    on a fast machine too; ``at_429``: as soon as a reply was refused with 429 — its report committed, its
    reply waiting to be tried again). Returns what the kill left: reports ``committed`` (their unit saved)
    and ``unanswered`` among them (their answer had not arrived)."""
    titles = [f"{prefix}{i:02d}" for i in range(30)]
    for title in titles:
        await admin.send(f"/report smm Alpha {title}")

    def kill_now() -> bool:
        if at_429:
            return any(e["error_code"] == 429 for e in emu.errors)
        return sum(answers_by_title(emu, E2E_ADMIN_ID, titles).values()) >= 10

    with contextlib.suppress(AssertionError):  # (timed out: a second in; re-checked at every request)
        await emu.wait_for(kill_now, timeout=1.0)
    if at_429 and kill_now():
        # the 429 is recorded before its response leaves the emulator: let the replica read it (a kill before
        # that is the request's own window: its reply had started). It waits a second before trying again.
        await asyncio.sleep(0.3)
    victim.kill9()
    await victim.proc.wait()
    async with db.session() as s:  # (read after the victim died: everything it committed)
        committed = set(await s.scalars(select(Unit.title).where(Unit.title.like(f"{prefix}%"))))
    return {"committed": len(committed),
            "unanswered": len(committed - set(answers_by_title(emu, E2E_ADMIN_ID, titles)))}


async def assert_all_reported_once(emu, db, prefix: str) -> None:
    """Every one of the 30 reports: its unit once, its answer once (none lost, none twice), and no update
    left unhandled or unanswered in the inbox."""
    titles = [f"{prefix}{i:02d}" for i in range(30)]

    async def settled() -> bool:
        answered = answers_by_title(emu, E2E_ADMIN_ID, titles)
        units = await count(db, select(func.count(Unit.id)).where(Unit.title.like(f"{prefix}%")))
        left = await count(db, select(func.count()).select_from(InboundUpdate)
                           .where(InboundUpdate.answered_at.is_(None)))
        return units == 30 and left == 0 and set(titles) <= set(answered)

    deadline = asyncio.get_running_loop().time() + 120
    while not await settled():
        assert asyncio.get_running_loop().time() < deadline, (
            "every report stored, handled and answered", answers_by_title(emu, E2E_ADMIN_ID, titles))
        await asyncio.sleep(0.2)
    await emu.wait_idle(timeout=60)
    await asyncio.sleep(1.0)  # (a second answer would come now)
    async with db.session() as s:
        by_title = Counter(await s.scalars(select(Unit.title).where(Unit.title.like(f"{prefix}%"))))
    assert by_title == Counter({t: 1 for t in titles}), "each report's unit exactly once"
    answered = answers_by_title(emu, E2E_ADMIN_ID, titles)
    assert answered == Counter({t: 1 for t in titles}), answered  # each answered exactly once


async def setup_admin_and_project(admin) -> None:
    await admin.send("/start")
    await admin.wait_message()
    await admin.send("/projects add Alpha")
    await admin.wait_message(lambda m: "Alpha" in (m.text or ""))


# --- polling: kill -9 in a burst --------------------------------------------------------------------
@pytest.mark.parametrize("flood", [False, True], ids=["no-limits", "flood-429"])
async def test_polling_kill9_in_a_burst_loses_no_report(database_url: str, db: Database, tmp_path: Path,
                                                        flood: bool) -> None:
    """``flood``: the emulator enforces Telegram's one message a second per chat (a burst of 5), so the kill
    lands while a committed report's reply waits out a 429: that report is answered after the restart."""
    async with BotAPIEmulator(bot_username="teamdesk_test_bot", global_rate=None,
                              per_chat_rate=1.0 if flood else None) as emu:
        bot = Replica("poller", emu, database_url, tmp_path, {})
        await bot.start()
        try:
            admin = emu.user(id=E2E_ADMIN_ID, first_name="Olga", username="olga")
            await setup_admin_and_project(admin)
            killed = await burst_with_kill(emu, db, admin, bot, "P", at_429=flood)
            stored = await count(db, select(func.count()).select_from(InboundUpdate))
            await bot.start()  # SQLite: everything left is handled at once; PostgreSQL: after the lease
            await assert_all_reported_once(emu, db, "P")
            print(f"polling ({'flood' if flood else 'no limits'}), kill -9 in a burst of 30: {killed}")
            if flood:  # (the kill landed between a report's commit and its answer)
                assert killed["unanswered"] >= 1, killed
            assert stored >= 2  # (the /start and /projects; the burst's stored part was handled since)
        finally:
            code = await bot.stop()
        assert code == 0, bot.log()[-3000:]  # SIGTERM: graceful, exit 0
        assert "Traceback" not in bot.logs[-1].read_text(), bot.log()[-3000:]
        assert emu.violations == []


# --- webhooks: two replicas on PostgreSQL and Redis -------------------------------------------------
async def seed_writer(db: Database, telegram_id: int, name: str, now: datetime) -> None:
    async with db.session() as s, db.writing(s):
        admin = await s.scalar(select(Member).where(Member.telegram_id == E2E_ADMIN_ID))
        writer = Member(telegram_id=telegram_id, display_name=name, role="writer", department_id=admin.department_id,
                        active=True, unreachable=False, created_at=now)
        s.add(writer)
        await s.flush()
        from models.reporting import Stream

        stream = await s.scalar(select(Stream).order_by(Stream.id).limit(1))
        s.add(Plan(member_id=writer.id, month=now.astimezone(ZoneInfo("Europe/Moscow")).date().replace(day=1),
                   stream_id=stream.id, units=10, updated_at=now))


def reminders(emu: BotAPIEmulator, chat: int) -> int:
    return sum(1 for m in emu.bot_messages(chat) if m.text and "Напоминание" in m.text)


@pytest.mark.skipif(not (PG_URL and REDIS_URL), reason="several replicas need PostgreSQL and Redis "
                                                        "(TEST_DATABASE_URL, TEST_REDIS_URL)")
async def test_two_replicas_behind_a_load_balancer_behave_as_one_bot(database_url: str, db: Database,
                                                                     tmp_path: Path) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    async with BotAPIEmulator(bot_username="teamdesk_test_bot", global_rate=None, per_chat_rate=None) as emu:
        admin = emu.user(id=E2E_ADMIN_ID, first_name="Olga", username="olga")
        anna = emu.user(id=2, first_name="Anna")
        boris = emu.user(id=3, first_name="Boris")
        now = datetime.now(UTC)
        due = (now - timedelta(minutes=1)).astimezone(ZoneInfo("Europe/Moscow")).strftime("%H:%M")
        replicas: list[Replica] = []
        async with RoundRobin(replicas) as proxy:
            env = {"WEBHOOK_URL": f"http://127.0.0.1:{proxy.port}/tg/hook", "WEBHOOK_SECRET": SECRET,
                   "REDIS_URL": REDIS_URL, "SCHEDULER_ENABLED": "true", "DAILY_DIGEST_TIME": due,
                   "REMIND_AT": due, "NOTIFY_HOURS": "00:00-23:59", "LAG_CHECK_MINUTES": "1440"}
            a = Replica("a", emu, database_url, tmp_path, {**env, "SCHEDULER_ENABLED": "false"})
            replicas.append(a)
            await a.start()  # first without its scheduler: the organisation is set up before anything is due
            try:
                await setup_admin_and_project(admin)
                await seed_writer(db, 2, "Anna", now)
                await anna.send("/start")  # (a private chat exists once the user wrote to the bot)
                await anna.wait_message()
                await a.stop()
                a.env["SCHEDULER_ENABLED"] = "true"
                b = Replica("b", emu, database_url, tmp_path, env)
                replicas.append(b)
                await asyncio.gather(a.start(), b.start())

                # one leader, one follower
                async def roles() -> list[str | None]:
                    return sorted([await a.role(), await b.role()])

                for _ in range(100):
                    if await roles() == ["follower", "leader"]:
                        break
                    await asyncio.sleep(0.1)
                assert await roles() == ["follower", "leader"]
                leader, follower = (a, b) if await a.role() == "leader" else (b, a)

                # the reminder (and the admin's daily digest) due while both run: sent once
                await emu.wait_for(lambda: reminders(emu, 2) >= 1, timeout=60, what="Anna's reminder")
                await emu.wait_for(lambda: any(m.photo is not None for m in emu.bot_messages(E2E_ADMIN_ID)),
                                   timeout=90, what="the admin's daily digest")
                await asyncio.sleep(3)
                assert reminders(emu, 2) == 1
                digests = [m for m in emu.bot_messages(E2E_ADMIN_ID) if m.photo is not None]
                assert len({m.media_group_id or m.message_id for m in digests}) == 1, "one daily digest"

                # every update handled once, by both replicas; one user's two quick updates in order
                await admin.send("/report smm Alpha First")
                await admin.send("/report smm Alpha Second")
                for i in range(10):
                    await admin.send(f"/report smm Alpha Spread{i}")
                await emu.wait_for(lambda: len(answers_by_title(emu, 1, ["First", "Second"] + [
                    f"Spread{i}" for i in range(10)])) == 12, timeout=60, what="12 answers")
                await emu.wait_idle()
                async with db.session() as s:
                    ids = {u.title: u.id for u in await s.scalars(select(Unit))}
                    claimed = Counter(await s.scalars(select(InboundUpdate.claimed_by)))
                assert ids["First"] < ids["Second"]
                saved = [m for m in emu.bot_messages(1) if m.text and SAVED in m.text]
                first = next(m.message_id for m in saved if "First" in m.text)
                assert first < next(m.message_id for m in saved if "Second" in m.text)
                ids_now = {(await a.ready())[1]["replica"], (await b.ready())[1]["replica"]}
                assert ids_now <= set(claimed), f"both replicas handled updates: {claimed}"
                assert Counter(answers_by_title(emu, 1, [f"Spread{i}" for i in range(10)]).values()) == {1: 10}

                # a forged webhook request: refused, nothing handled
                forged = {"update_id": 999_999, "message": {
                    "message_id": 9999, "date": int(now.timestamp()), "text": "/report smm Alpha Forged",
                    "chat": {"id": 1, "type": "private", "first_name": "Olga"},
                    "from": {"id": 1, "is_bot": False, "first_name": "Olga"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}}
                async with aiohttp.ClientSession() as http:
                    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret-0123456789"}):
                        async with http.post(follower.url + "/tg/hook", json=forged, headers=headers) as r:
                            assert r.status in (401, 403)
                await asyncio.sleep(0.5)
                # (only this report's answer is looked for: a scheduled job may message the admin meanwhile)
                assert not [m for m in emu.bot_messages(1) if "Forged" in (m.text or "")], "a forged request was handled"
                assert await count(db, select(func.count()).select_from(InboundUpdate)
                                   .where(InboundUpdate.update_id == 999_999)) == 0

                # kill -9 of the leader: the follower leads within the lease and sends the next due job
                leader.kill9()
                await leader.proc.wait()
                killed_at = asyncio.get_running_loop().time()
                await seed_writer(db, 3, "Boris", datetime.now(UTC))
                await boris.send("/start")
                await boris.wait_message(timeout=30)
                while await follower.role() != "leader":
                    assert asyncio.get_running_loop().time() - killed_at < LEASE + 2, "no take-over within the lease"
                    await asyncio.sleep(0.1)
                await emu.wait_for(lambda: reminders(emu, 3) == 1, timeout=75, what="Boris's reminder, new leader")
                await leader.start()
                assert await leader.role() == "follower"
                assert reminders(emu, 2) == 1

                # kill -9 of a replica in a burst of 30 reports (webhooks): none lost
                killed = await burst_with_kill(emu, db, admin, follower, "W")
                await follower.start()
                await assert_all_reported_once(emu, db, "W")
                print(f"webhooks, kill -9 in a burst of 30: {killed}")
                assert sorted([await a.role(), await b.role()]) == ["follower", "leader"]
                assert reminders(emu, 2) == 1 and reminders(emu, 3) == 1
            finally:
                codes = [await r.stop() for r in replicas]
        log = "".join(r.log() for r in replicas)
        assert codes == [0, 0], log[-4000:]
        assert emu.violations == [], emu.violations
        for leaked in (emu.token, SECRET):
            assert leaked not in log
        assert "Traceback" not in log, log[-4000:]
