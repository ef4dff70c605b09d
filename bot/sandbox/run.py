"""``python -m bot sandbox`` (and ``python -m bot`` with no ``BOT_TOKEN``): teamdesk without Telegram.

One process: the strict Bot API server (:class:`bot.sandbox.botapi.BotAPIEmulator`) on 127.0.0.1, the
real bot (the same ``create_dispatcher`` as production, scheduler on) polling it, a database of its own
(``SANDBOX_DATABASE_URL``, ``data/sandbox.db``) filled with the demo organisation on first start, and
one web server on ``SANDBOX_HOST:SANDBOX_PORT`` (127.0.0.1:8080) with the web chat and the dashboard
Mini App. Nothing talks to Telegram.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from datetime import UTC, datetime, timedelta

from aiohttp import web
from pydantic import SecretStr

from bot.clock import Clock
from bot.config import Settings
from bot.demo import FAKE_TID

log = logging.getLogger(__name__)

#: the sandbox bot's token: only the local Bot API server accepts it (and the Mini App's initData is
#: signed with it, so the dashboard runs the same check as behind Telegram)
SANDBOX_TOKEN = "1000000001:SANDBOX-teamdesk-local-bot-token-0000"
SANDBOX_ADMIN_ID = FAKE_TID - 1  # the demo admin's Telegram id (bot.demo.seed_demo)


#: time travel goes forward only (deliveries already made stay made), at most this far in one go
TRAVEL_MAX = timedelta(days=40)


class SandboxClock(Clock):
    """The system clock plus an offset that only grows: the web chat's "time travel" (sandbox only)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def travel(self, delta: timedelta) -> datetime:
        if not timedelta(0) < delta <= TRAVEL_MAX:
            raise ValueError(f"time travel goes forward, at most {TRAVEL_MAX.days} days at a time")
        self.offset += delta
        return self.now()


def sandbox_settings(settings: Settings) -> Settings:
    """The settings of a sandbox: its own token, database and admin; no Redis; everything else as set."""
    return settings.model_copy(update={
        "bot_token": SecretStr(SANDBOX_TOKEN),
        "database_url": settings.sandbox_database_url,
        "admin_ids": frozenset({SANDBOX_ADMIN_ID}),
        "redis_url": "",
    })


def bind(host: str, port: int) -> socket.socket:
    """The web chat's socket, bound before the app is built (its address goes into WEB_BASE_URL)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        print(f"teamdesk: SANDBOX_PORT ({host}:{port}): cannot listen: {exc.strerror or exc} "
              f"(set SANDBOX_PORT to a free port)", file=sys.stderr)
        raise SystemExit(2) from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def _people(db) -> list[dict]:
    """The demo people the web chat offers: role, department, and what each can show (``rater``: rates
    colleagues; ``smm``: reports SMM accounts, the SMM administrator; ``learner``: has a course to take)."""
    from models import learning_repo, org_repo, ratings_repo, smm_repo

    async with db.session() as session:
        members = await org_repo.list_members(session, active_only=True, roles=["admin", "manager", "writer", "client"])
        departments = {d.id: d.name for d in await org_repo.list_departments(session)}
        rater_departments = {p.rater_department_id for p in await ratings_repo.list_policies(session, active_only=True)}
        smm = {account.responsible_id for account, _project, _member in await smm_repo.accounts(session)}
        learners = {e.member_id for e in await learning_repo.enrolments(session, open_only=True)}
    order = {"admin": 0, "manager": 1, "writer": 2, "client": 3}
    people = [{"id": m.telegram_id, "name": m.display_name, "role": m.role,
               "department": departments.get(m.department_id, "") if m.department_id else "",
               "rater": m.role != "admin" and m.department_id in rater_departments,
               "smm": m.id in smm, "learner": m.id in learners}
              for m in members if m.telegram_id]
    people.sort(key=lambda p: (order.get(p["role"], 9), not p["smm"], p["department"], p["name"]))
    return people


async def _register_people(emu, db, language: str) -> None:
    """Every demo person "talked to the bot before": the scheduler's digests and reminders reach them."""
    for p in await _people(db):
        first, _, last = p["name"].partition(" ")
        emu.user(p["id"], first_name=first or p["name"], last_name=last or None, language_code=language,
                 started=True)


async def run_sandbox(settings: Settings) -> int:
    """Run the sandbox until Ctrl+C; ``settings`` are already :func:`sandbox_settings`."""
    from bot.app import create_bot, create_dispatcher
    from bot.db import Database
    from bot.demo import seed_demo
    from bot.sandbox.botapi import BotAPIEmulator
    from bot.sandbox.webchat import add_routes as add_webchat
    from bot.services.stats import ensure_timezone
    from bot.webapp import add_routes as add_web_routes

    sock = bind(settings.sandbox_host, settings.sandbox_port)
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}"
    emu = BotAPIEmulator(SANDBOX_TOKEN, bot_username="teamdesk_sandbox_bot", bot_first_name="teamdesk (sandbox)",
                         host="127.0.0.1", keep_requests=2000)
    await emu.start()
    settings = settings.model_copy(update={"telegram_api_url": emu.url,
                                           "web_base_url": settings.web_base_url or url})
    clock = SandboxClock()
    demo = await seed_demo(settings, clock.now())
    if demo is not None:
        print(f"teamdesk sandbox: demo organisation created in {settings.database_url}: {demo.summary()}",
              flush=True)
    db = Database(settings.database_url)
    await ensure_timezone(db, settings)
    await _register_people(emu, db, settings.default_language)

    bot = create_bot(settings)
    dp = create_dispatcher(settings, db, clock=clock)

    async def travel(delta: timedelta) -> datetime:
        """Move the sandbox clock and run the scheduler's due jobs at once (digests, reminders, warnings)."""
        now = clock.travel(delta)
        service = dp.workflow_data.get("scheduler")
        if service is not None:
            async def due() -> None:
                try:
                    await service.jobs.tick()
                    await service.jobs.check_lags()
                except Exception:
                    log.exception("time travel: the scheduler's jobs failed")

            task = asyncio.create_task(due())
            background.add(task)
            task.add_done_callback(background.discard)
        return now

    background: set[asyncio.Task] = set()
    app = web.Application()
    add_webchat(app, emu, lambda: _people(db), token=SANDBOX_TOKEN, clock=clock, travel=travel,
                timezone=settings.timezone)
    add_web_routes(app, settings=settings, db=db, clock=clock)  # the dashboard, as the production server mounts it
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(f"teamdesk sandbox: open {url}  (a local sandbox with demo data: no Telegram, nothing leaves this "
          f"machine)", flush=True)
    print("teamdesk sandbox: to connect a real bot, put BOT_TOKEN=<token from @BotFather> into .env and run "
          "`make run` again", flush=True)
    try:
        await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())
    finally:
        await runner.cleanup()
        await dp.storage.close()
        await bot.session.close()
        await emu.stop()
        await db.dispose()
    return 0


def main(settings: Settings) -> int:
    return asyncio.run(run_sandbox(settings))
