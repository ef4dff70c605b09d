"""The dashboard's web routes: a static page and one JSON endpoint guarded by Telegram's ``initData``.

Every API request carries ``Authorization: tma <initData>`` (the Mini App passes what Telegram gave it);
:func:`bot.dashboard.initdata.check` verifies the HMAC with the bot token and refuses data older than an
hour. The member behind it sees what the chat would show them (``bot.services.dashboard``). The static
files hold no data.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from types import SimpleNamespace

from aiohttp import web

from bot.clock import Clock
from bot.config import Settings
from bot.dashboard.initdata import InitDataError, check
from bot.db import Database
from bot.errors import NotAllowed, UserError
from bot.i18n import Catalog, member_language
from bot.parsing import parse_id, parse_month
from bot.services import build_services
from bot.views import stage_name

__all__ = ["PREFIX", "STATIC", "add_routes"]

log = logging.getLogger(__name__)
PREFIX = "/dashboard"
STATIC = Path(__file__).with_name("static")
_FILES = {"app.js": "application/javascript", "app.css": "text/css"}
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # scripts, styles and data only from this server (no CDN, nothing outside)
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors *",
    "Cache-Control": "no-store",
}


def _init_data(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("tma "):
        return auth[4:].strip()
    return None


@cache
def _catalog() -> Catalog:
    return Catalog()


def _name_stages(data: dict, lang: str) -> None:
    """The funnel's stages named as the chat names them (a stage's own name, else the translated default)."""
    t = _catalog().translator(lang)
    for st in (data.get("funnel") or {}).get("stages", []):
        st["label"] = stage_name(t, SimpleNamespace(name=st["name"], key=st["key"]))


def add_routes(app: web.Application, *, settings: Settings, db: Database, clock: Clock | None = None) -> None:
    """Mount the dashboard (``/dashboard/`` and ``/dashboard/api/overview``) on ``app``."""
    clock = clock or Clock()
    token = settings.bot_token.get_secret_value()

    async def page(request: web.Request) -> web.StreamResponse:
        return web.Response(body=(STATIC / "index.html").read_bytes(), content_type="text/html",
                            charset="utf-8", headers=_SECURITY_HEADERS)

    async def static(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in _FILES:
            raise web.HTTPNotFound()
        return web.Response(body=(STATIC / name).read_bytes(), content_type=_FILES[name], charset="utf-8",
                            headers=_SECURITY_HEADERS)

    async def overview(request: web.Request) -> web.StreamResponse:
        try:
            user = check(_init_data(request), token, clock.now().timestamp())
        except InitDataError as exc:
            return web.json_response({"error": "unauthorized", "reason": str(exc)}, status=401,
                                     headers=_SECURITY_HEADERS)
        try:
            month = parse_month(request.query["month"]) if request.query.get("month") else None
            department = parse_id(request.query["department"]) if request.query.get("department") else None
        except UserError:
            return web.json_response({"error": "bad request"}, status=400, headers=_SECURITY_HEADERS)
        async with db.session() as session:
            svc = build_services(session, db, settings, clock)
            member = await svc.dashboard.viewer(user.id)
            if member is None:
                return web.json_response({"error": "forbidden"}, status=403, headers=_SECURITY_HEADERS)
            try:
                data = await svc.dashboard.overview(member, month, department)
            except NotAllowed:
                return web.json_response({"error": "forbidden"}, status=403, headers=_SECURITY_HEADERS)
        body = data.to_json()
        body["lang"] = member_language(member, settings.default_language, user.language_code)
        _name_stages(body, body["lang"])
        return web.json_response(body, headers=_SECURITY_HEADERS)

    app.router.add_get(f"{PREFIX}/", page)
    app.router.add_get(f"{PREFIX}/static/{{name}}", static)
    app.router.add_get(f"{PREFIX}/api/overview", overview)
