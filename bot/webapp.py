"""The web routes the bot serves besides Telegram: today the dashboard Mini App (``bot/dashboard``).

:func:`add_routes` mounts them on an aiohttp application: the sandbox's web server does
(``bot/sandbox/run.py``), and so does the production web server (webhooks, health checks) that answers
behind the HTTPS reverse proxy named by ``WEB_BASE_URL``.
"""

from __future__ import annotations

from aiohttp import web

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database


def add_routes(app: web.Application, *, settings: Settings, db: Database, clock: Clock | None = None) -> None:
    from bot.dashboard.api import add_routes as add_dashboard

    add_dashboard(app, settings=settings, db=db, clock=clock)
