"""The sandbox's web chat: talk to the real bot as a demo person, in a browser.

:func:`add_routes` puts on an aiohttp application the page (``/``, vanilla JS/CSS served from
``static/``, nothing from outside) and its API over the Bot API server (:class:`BotAPIEmulator`):

* ``GET /api/people`` the demo people to pick from (admin, managers, writers, raters);
* ``GET /api/chat/{uid}`` the chat as the person sees it: messages in their current state (text and
  entities as Telegram parsed the bot's HTML, keyboards, photos, albums, documents, polls and quizzes with
  the counts and right answers once answered), the command menu the
  bot set for them, callback answers (alerts) and the requests Telegram refused in this chat;
* ``GET /api/chat/{uid}/events`` server-sent events: "changed" whenever the chat did;
* ``POST /api/chat/{uid}/send`` (text or a command), ``/press`` (an inline button), ``/document`` (a file),
  ``/vote`` (answer a poll or a quiz: a ``poll_answer`` update, refused as Telegram refuses a second quiz answer);
* ``POST /api/chat/{uid}/language`` the language of the person's Telegram app (ru, en);
* ``GET /api/chat/{uid}/initdata`` Mini App ``initData`` for the person, signed with the sandbox token, so
  the dashboard runs the same signature check as in Telegram;
* ``GET /api/file/{file_id}`` a photo or document the bot sent (or the person uploaded);
* ``GET/POST /api/clock`` the sandbox clock and "time travel" forward (the scheduler runs what became due).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.dashboard.initdata import sign
from bot.sandbox.botapi import BotAPIEmulator
from bot.sandbox.spec import ApiError
from bot.sandbox.state import EmuMessage
from bot.sandbox.tghtml import utf16_len

__all__ = ["STATIC", "add_routes", "message_json", "poll_json"]

STATIC = Path(__file__).with_name("static")
_FILES = {"chat.js": "application/javascript", "chat.css": "text/css"}
TEXT_MAX = 4096
People = Callable[[], Awaitable[list[dict[str, Any]]]]
Travel = Callable[[timedelta], Awaitable[datetime]]
#: time travel steps the page offers, in minutes
LANGUAGES = ("ru", "en")
TRAVEL_STEPS = {"hour": 60, "day": 24 * 60, "week": 7 * 24 * 60}
_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; frame-src 'self'"}


def _file_url(file_id: str) -> str:
    return f"/api/file/{file_id}"


def _button(b: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"text": b.get("text", "")}
    for kind in ("callback_data", "url"):
        if kind in b:
            out[kind] = b[kind]
    if "web_app" in b:
        out["web_app"] = b["web_app"].get("url", "")
    return out


def poll_json(poll: dict[str, Any], chosen: list[int] | None) -> dict[str, Any]:
    """A poll as the person's Telegram app shows it: before they answer, the question and the options only;
    after (or once it is closed) the counts and, for a quiz, the right answers and the explanation."""
    answered = chosen is not None
    shown = answered or poll["is_closed"]
    data: dict[str, Any] = {"id": poll["id"], "question": poll["question"], "type": poll["type"],
                            "is_anonymous": poll["is_anonymous"], "is_closed": poll["is_closed"],
                            "allows_multiple_answers": poll["allows_multiple_answers"],
                            "allows_revoting": poll["allows_revoting"], "chosen": chosen,
                            "options": [{"text": o["text"], **({"voter_count": o["voter_count"]} if shown else {})}
                                        for o in poll["options"]]}
    if shown:
        data["total_voter_count"] = poll["total_voter_count"]
        if poll["type"] == "quiz":
            data["correct_option_ids"] = poll.get("correct_option_ids", [])
            if poll.get("explanation"):
                data["explanation"] = poll["explanation"]
                data["explanation_entities"] = poll.get("explanation_entities", [])
    return data


def message_json(m: EmuMessage, chosen: list[int] | None = None) -> dict[str, Any]:
    """A message as the page renders it: plain text + entities (what Telegram shows), never raw HTML; a poll
    as :func:`poll_json` shows it to a person who chose ``chosen`` (None: not answered)."""
    data: dict[str, Any] = {"id": m.message_id, "from_bot": m.from_bot, "text": m.text or "",
                            "entities": m.entities, "date": m.date, "edited": m.edited, "deleted": m.deleted,
                            "media_group_id": m.media_group_id}
    rows = (m.reply_markup or {}).get("inline_keyboard") or []
    if rows:
        data["keyboard"] = [[_button(b) for b in row] for row in rows]
    if m.photo:
        data["photo"] = _file_url(m.photo[-1]["file_id"])
    if m.document:
        data["document"] = {"name": m.document.get("file_name") or "file", "size": m.document.get("file_size"),
                            "url": _file_url(m.document["file_id"])}
    if "poll" in m.extra:
        data["poll"] = poll_json(m.extra["poll"], chosen)
    return data


def _commands(emu: BotAPIEmulator, uid: int, lang: str) -> list[dict]:
    """The menu a Telegram client shows this person: the chat scope first, then all private chats."""
    scopes = [{"type": "chat", "chat_id": uid}, {"type": "all_private_chats"}, {"type": "default"}]
    for scope in scopes:
        for code in (lang, ""):
            found = emu.get_commands(scope, code)
            if found:
                return found
    return []


def _refusals(emu: BotAPIEmulator, uid: int) -> list[dict[str, Any]]:
    out = []
    for i, e in enumerate(emu.errors):
        chat = (e.get("params") or {}).get("chat_id")
        if chat == uid and e.get("error_code") != 429:  # flood waits are retried by the bot
            out.append({"id": i, "method": e["method"], "description": e["description"]})
    return out[-20:]


def _alerts(emu: BotAPIEmulator, uid: int) -> list[dict[str, Any]]:
    out = []
    for rec in emu.callbacks.values():
        if rec.user_id == uid and rec.answered and (rec.answer or {}).get("text"):
            out.append({"id": rec.id, "text": rec.answer["text"], "show_alert": bool(rec.answer.get("show_alert"))})
    return out[-20:]


def _chosen(emu: BotAPIEmulator, uid: int, m: EmuMessage) -> list[int] | None:
    poll = m.extra.get("poll")
    return emu.poll_choice(poll["id"], uid) if poll is not None else None


def _signature(emu: BotAPIEmulator, uid: int) -> str:
    chat = emu.chats.get(uid, [])
    polls = [(p["total_voter_count"], p["is_closed"]) for m in chat if (p := m.extra.get("poll"))]
    return json.dumps([len(chat), sum(m.edit_count for m in chat), sum(m.deleted for m in chat), polls,
                       len(_alerts(emu, uid)), len(_refusals(emu, uid)), len(_commands(emu, uid, "")),
                       emu.menu_buttons.get(uid)], sort_keys=True)


def add_routes(app: web.Application, emu: BotAPIEmulator, people: People, *, token: str,
               clock: Any = None, travel: Travel | None = None, timezone: str = "UTC") -> None:
    """Mount the web chat on ``app`` (the sandbox's web server). ``clock`` (``now()``) signs the Mini App's
    initData in sandbox time; ``travel`` moves that time forward (None: no time travel)."""
    zone = ZoneInfo(timezone)

    def now() -> datetime:
        return clock.now() if clock is not None else datetime.fromtimestamp(time.time()).astimezone()

    async def body_of(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="a JSON object expected") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="a JSON object expected")
        return body

    def user_of(request: web.Request):
        try:
            uid = int(request.match_info["uid"])
        except ValueError:
            raise web.HTTPNotFound() from None
        user = emu.users.get(uid)
        if user is None:
            raise web.HTTPNotFound()
        return user

    async def page(request: web.Request) -> web.StreamResponse:
        return web.Response(body=(STATIC / "index.html").read_bytes(), content_type="text/html", charset="utf-8",
                            headers=_HEADERS)

    async def static(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in _FILES:
            raise web.HTTPNotFound()
        return web.Response(body=(STATIC / name).read_bytes(), content_type=_FILES[name], charset="utf-8",
                            headers=_HEADERS)

    async def list_people(request: web.Request) -> web.StreamResponse:
        return web.json_response({"bot": emu.bot_username, "people": await people(), "time_travel": travel is not None})

    async def chat(request: web.Request) -> web.StreamResponse:
        user = user_of(request)
        messages = [message_json(m, _chosen(emu, user.id, m)) for m in emu.chats.get(user.id, [])]
        button = emu.menu_buttons.get(user.id) or emu.menu_buttons.get(None) or {"type": "default"}
        return web.json_response({"messages": messages, "commands": _commands(emu, user.id, user.language_code or ""),
                                  "language": user.language_code,
                                  "menu_button": button,
                                  "alerts": _alerts(emu, user.id), "refusals": _refusals(emu, user.id),
                                  "signature": _signature(emu, user.id)}, headers=_HEADERS)

    async def events(request: web.Request) -> web.StreamResponse:
        user = user_of(request)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        await response.prepare(request)
        last = None
        try:
            while True:
                sig = _signature(emu, user.id)
                if sig != last:
                    last = sig
                    await response.write(f"event: changed\ndata: {sig}\n\n".encode())
                else:
                    await response.write(b": ping\n\n")
                await emu.wait_change(15)
                await asyncio.sleep(0.05)  # a burst of edits becomes one refresh
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def send(request: web.Request) -> web.StreamResponse:
        user = user_of(request)
        body = await body_of(request)
        text = str(body.get("text", ""))
        if not text.strip() or utf16_len(text) > TEXT_MAX:
            return web.json_response({"error": f"a message is 1-{TEXT_MAX} characters"}, status=400)
        msg = await user.send(text)
        return web.json_response({"id": msg.message_id})

    async def press(request: web.Request) -> web.StreamResponse:
        user = user_of(request)
        body = await body_of(request)
        mid = body.get("message_id")
        msg = emu.find_message(user.id, mid) if isinstance(mid, int) else None
        data = str(body.get("data", ""))
        if msg is None or msg.deleted or not any(b.get("callback_data") == data for b in msg.buttons):
            return web.json_response({"error": "no such button"}, status=400)
        qid = await user.press(msg, data)
        return web.json_response({"query_id": qid})

    async def vote(request: web.Request) -> web.StreamResponse:
        """Answer a poll of the bot (``option_ids``; an empty list retracts a vote where revoting is allowed):
        refused, as Telegram refuses it, for a closed poll or a second answer to a quiz."""
        user = user_of(request)
        body = await body_of(request)
        mid, option_ids = body.get("message_id"), body.get("option_ids")
        msg = emu.find_message(user.id, mid) if isinstance(mid, int) else None
        if msg is None or msg.deleted or "poll" not in msg.extra:
            return web.json_response({"error": "no such poll"}, status=400)
        if not isinstance(option_ids, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                                       for i in option_ids):
            return web.json_response({"error": "option_ids is a list of option numbers"}, status=400)
        try:
            emu.vote(user, msg.extra["poll"]["id"], option_ids)
        except ApiError as e:
            return web.json_response({"error": e.description.removeprefix("Bad Request: ")}, status=400)
        return web.json_response({"poll": poll_json(msg.extra["poll"], _chosen(emu, user.id, msg))})

    async def document(request: web.Request) -> web.StreamResponse:
        user = user_of(request)
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return web.json_response({"error": "no file"}, status=400)
        raw = upload.file.read()
        if not raw:
            return web.json_response({"error": "empty file"}, status=400)
        caption = str(form.get("caption") or "") or None
        msg = await user.send_document(raw, upload.filename or "file.bin",
                                       upload.content_type or "application/octet-stream", caption)
        return web.json_response({"id": msg.message_id})

    async def language(request: web.Request) -> web.StreamResponse:
        """The Telegram app's language of this person (``language_code`` of their next updates)."""
        user = user_of(request)
        code = str((await body_of(request)).get("code", ""))
        if code not in LANGUAGES:
            return web.json_response({"error": f"code is one of {', '.join(LANGUAGES)}"}, status=400)
        user.language_code = code
        return web.json_response({"code": code})

    async def init_data(request: web.Request) -> web.StreamResponse:
        user = user_of(request)
        fields = {"auth_date": str(int(now().timestamp())), "query_id": f"SANDBOX{user.id}",
                  "user": json.dumps(user.user_api(), ensure_ascii=False, separators=(",", ":"))}
        return web.json_response({"init_data": sign(fields, token)}, headers=_HEADERS)

    async def file(request: web.Request) -> web.StreamResponse:
        f = emu.files.get(request.match_info["file_id"])
        if f is None or f.raw_bytes is None:
            raise web.HTTPNotFound()
        headers = dict(_HEADERS)
        if f.kind != "photo":
            headers["Content-Disposition"] = f'attachment; filename="{(f.filename or "file").replace(chr(34), "")}"'
        return web.Response(body=f.raw_bytes, content_type=f.content_type or "application/octet-stream",
                            headers=headers)

    async def clock_state(request: web.Request) -> web.StreamResponse:
        return web.json_response({"now": now().astimezone(zone).strftime("%a %d.%m.%Y %H:%M"), "timezone": timezone,
                                  "time_travel": travel is not None})

    async def clock_travel(request: web.Request) -> web.StreamResponse:
        if travel is None:
            raise web.HTTPNotFound()
        body = await body_of(request)
        minutes = TRAVEL_STEPS.get(str(body.get("step", "")))
        if minutes is None:
            return web.json_response({"error": f"step is one of {', '.join(TRAVEL_STEPS)}"}, status=400)
        await travel(timedelta(minutes=minutes))
        return await clock_state(request)

    app.router.add_get("/api/clock", clock_state)
    app.router.add_post("/api/clock", clock_travel)
    app.router.add_get("/", page)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/api/people", list_people)
    app.router.add_get("/api/chat/{uid}", chat)
    app.router.add_get("/api/chat/{uid}/events", events)
    app.router.add_post("/api/chat/{uid}/send", send)
    app.router.add_post("/api/chat/{uid}/press", press)
    app.router.add_post("/api/chat/{uid}/document", document)
    app.router.add_post("/api/chat/{uid}/vote", vote)
    app.router.add_get("/api/chat/{uid}/initdata", init_data)
    app.router.add_post("/api/chat/{uid}/language", language)
    app.router.add_get("/api/file/{file_id}", file)
