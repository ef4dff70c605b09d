"""The web server of a replica (aiohttp, ``WEB_HOST``:``WEB_PORT``), in both modes:

* ``POST <path of WEBHOOK_URL>`` (webhook mode): aiogram's request handler, which refuses a request without
  the right ``X-Telegram-Bot-Api-Secret-Token`` (401); an accepted update is stored in the inbox before the
  answer (200; 500 when the database refused it, so Telegram delivers it again; 503 while shutting down);
* ``GET /healthz``: the process is up (200);
* ``GET /readyz``: the database answers, Redis answers (when ``REDIS_URL`` is set), the migrations are
  current, this replica is taking updates; 200 or 503, with the replica's role (leader or follower);
* the dashboard Mini App (``bot/webapp.py``; public through the proxy of ``WEB_BASE_URL``);
* ``GET /metrics``: Prometheus text format; with ``METRICS_TOKEN`` set it needs
  ``Authorization: Bearer <METRICS_TOKEN>``, without it only loopback clients get it (403 otherwise).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

import bot.metrics as metrics
from bot.config import Settings
from bot.db import Database
from bot.health import check_redis, one_line
from bot.inbox import Inbox
from bot.leader import Leadership
from bot.migrate import head_revisions
from bot.webapp import add_routes as add_webapp_routes
from models import service_repo as repo

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "::1")


class InboxRequestHandler(SimpleRequestHandler):
    """aiogram's webhook handler (secret check included), storing the update before answering."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, inbox: Inbox, secret_token: str) -> None:
        super().__init__(dispatcher, bot, handle_in_background=True, secret_token=secret_token)
        self.inbox = inbox

    async def _handle_request_background(self, bot: Bot, request: web.Request) -> web.Response:
        if not self.inbox.accepting:
            return web.Response(status=503, text="shutting down")
        try:
            update = await request.json()
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        try:
            await self.inbox.accept([update])
        except Exception as exc:  # not stored: not confirmed, Telegram delivers it again
            log.error("webhook update %s not stored: %s", update.get("update_id"), one_line(exc))
            return web.Response(status=500, text="not stored")
        return web.json_response({})

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:  # pragma: no cover
        return await self._handle_request_background(bot, request)

    async def close(self) -> None:  # the runtime closes the bot's session itself
        return None


async def readiness(settings: Settings, db: Database, inbox: Inbox | None, leadership: Leadership) -> dict[str, Any]:
    checks: dict[str, Any] = {"replica": leadership.me, "role": leadership.role}
    ok = True
    try:
        async with asyncio.timeout(5), db.session() as session:
            from sqlalchemy import text

            version = set((await session.execute(text("SELECT version_num FROM alembic_version"))).scalars())
        checks["database"] = "ok"
        heads = head_revisions()
        checks["migrations"] = "current" if version == heads else f"at {sorted(version)}, code at {sorted(heads)}"
        ok &= version == heads
    except Exception as exc:
        checks["database"] = one_line(exc)
        ok = False
    if settings.redis_url:
        reason = await check_redis(settings.redis_url, wait=5)
        checks["redis"] = reason or "ok"
        ok &= reason is None
    accepting = inbox is not None and inbox.accepting
    checks["accepting_updates"] = accepting
    checks["ready"] = ok and accepting
    return checks


def create_web_app(settings: Settings, db: Database, dp: Dispatcher, bot: Bot, inbox: Inbox | None) -> web.Application:
    leadership: Leadership = dp.workflow_data["leadership"]
    app = web.Application()

    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_request: web.Request) -> web.Response:
        checks = await readiness(settings, db, inbox, leadership)
        return web.json_response(checks, status=200 if checks["ready"] else 503)

    async def metrics_view(request: web.Request) -> web.Response:
        if settings.metrics_token is not None:
            given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(given.encode(), settings.metrics_token.get_secret_value().encode()):
                return web.Response(status=401, text="metrics: bearer token required\n")
        elif request.remote not in LOOPBACK:
            return web.Response(status=403, text="metrics: loopback only (set METRICS_TOKEN)\n")
        try:
            async with db.session() as session:
                metrics.DELIVERIES_PENDING.set(await repo.pending_deliveries(session))
                metrics.INBOX_PENDING.set(await repo.unhandled_count(session))
        except Exception as exc:
            log.warning("metrics: database gauges not updated: %s", type(exc).__name__)
        metrics.LEADER.set(1 if leadership.is_leader else 0)
        return web.Response(body=metrics.render(), headers={"Content-Type": "text/plain; version=0.0.4"})

    # the routes the bot serves besides Telegram (the dashboard Mini App behind WEB_BASE_URL)
    add_webapp_routes(app, settings=settings, db=db, clock=dp.workflow_data.get("clock"))
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
    if settings.webhook_url and inbox is not None:
        assert settings.webhook_secret is not None  # the settings require it with WEBHOOK_URL
        InboxRequestHandler(dp, bot, inbox, settings.webhook_secret.get_secret_value()).register(
            app, path=settings.webhook_path)
    return app


async def start_web(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("web server on %s:%d (/healthz, /readyz, /metrics)", host, port)
    return runner
