"""The sandbox (issue 15, points 1-3): when it starts instead of the bot, its settings, and the web chat's API
over the strict Bot API server (HTML shown as Telegram parses it, refusals, buttons, alerts, files, live
events, the Mini App's initData)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select

from bot.__main__ import token_missing
from bot.config import Settings
from bot.dashboard.initdata import check
from bot.sandbox.botapi import BotAPIEmulator
from bot.sandbox.run import SANDBOX_ADMIN_ID, SANDBOX_TOKEN, bind, sandbox_settings
from bot.sandbox.webchat import add_routes

UID = 7_000_000_005
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x06\x00\x00\x00"
       b"r\xb6\r$\x00\x00\x00\x0bIDATx\x9cc`\x00\x02\x00\x00\x05\x00\x01z^\xab?\x00\x00\x00\x00IEND\xaeB`\x82")


# -- when the sandbox starts -----------------------------------------------------------------------------
def settings_error(**env) -> Exception:
    try:
        Settings(_env_file=None, **env)
    except Exception as exc:
        return exc
    raise AssertionError("settings were valid")


def test_sandbox_only_when_the_token_is_not_set() -> None:
    assert token_missing(settings_error())  # no BOT_TOKEN at all
    assert token_missing(settings_error(bot_token=""))  # .env.example copied as it is
    assert not token_missing(settings_error(bot_token="12:short"))  # a typo is an error, not a sandbox
    assert not token_missing(settings_error(timezone="Mars/Base"))  # another setting wrong
    assert not token_missing(settings_error(bot_token="", timezone="Mars/Base"))


def test_sandbox_settings_never_use_the_real_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://prod/db")
    monkeypatch.setenv("REDIS_URL", "redis://prod:6379/0")
    monkeypatch.setenv("ADMIN_IDS", "555")
    s = sandbox_settings(Settings(_env_file=None, bot_token=SANDBOX_TOKEN))
    assert s.bot_token.get_secret_value() == SANDBOX_TOKEN
    assert s.database_url == "sqlite+aiosqlite:///data/sandbox.db" and s.redis_url == ""
    assert s.admin_ids == frozenset({SANDBOX_ADMIN_ID})
    assert s.sandbox_host == "127.0.0.1" and s.sandbox_port == 8080


def test_web_chat_listens_on_localhost_only_by_default() -> None:
    sock = bind(Settings(_env_file=None, bot_token=SANDBOX_TOKEN).sandbox_host, 0)
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


# -- the web chat ------------------------------------------------------------------------------------------
@pytest.fixture
async def chat():
    emu = BotAPIEmulator(SANDBOX_TOKEN, per_chat_rate=None, global_rate=None)
    emu.user(UID, "Анна", "Петрова", language_code="ru", started=True)
    app = web.Application()

    async def people():
        return [{"id": UID, "name": "Анна Петрова", "role": "writer", "department": "SMM", "rater": False}]

    add_routes(app, emu, people, token=SANDBOX_TOKEN)
    async with TestClient(TestServer(app)) as client:
        yield emu, client


async def state(client) -> dict:
    r = await client.get(f"/api/chat/{UID}")
    assert r.status == 200
    return await r.json()


async def test_page_is_marked_and_self_contained(chat) -> None:
    _emu, client = chat
    page = await (await client.get("/")).text()
    assert "SANDBOX" in page
    for name in ("chat.js", "chat.css"):
        body = await (await client.get(f"/static/{name}")).text()
        assert "http://" not in body and "https://" not in body  # no CDN, nothing from outside
    assert "innerHTML" not in await (await client.get("/static/chat.js")).text()  # DOM nodes, never parsed HTML
    people = await (await client.get("/api/people")).json()
    assert people["people"][0]["role"] == "writer"


async def test_send_and_the_bot_html_as_telegram_shows_it(chat) -> None:
    emu, client = chat
    r = await client.post(f"/api/chat/{UID}/send", json={"text": "/report"})
    assert r.status == 200
    update = emu._updates[-1]["message"]
    assert update["text"] == "/report" and update["entities"][0]["type"] == "bot_command"
    for bad in ("", "   ", "x" * 4097):
        assert (await client.post(f"/api/chat/{UID}/send", json={"text": bad})).status == 400
    await emu.api_call("sendMessage", {"chat_id": UID, "parse_mode": "HTML", "text": "<b>Готово</b> &lt;script&gt;"})
    await emu.api_call("sendMessage", {"chat_id": UID, "parse_mode": "HTML", "text": "<div>нет</div>"})
    data = await state(client)
    shown = data["messages"][-1]
    assert shown["text"] == "Готово <script>" and shown["entities"] == [{"type": "bold", "offset": 0, "length": 6}]
    assert "html" not in shown  # the page never gets the raw HTML
    assert any("can't parse entities" in r["description"] and r["method"] == "sendMessage" for r in data["refusals"])


async def test_buttons_edits_and_alerts(chat) -> None:
    emu, client = chat
    await client.post(f"/api/chat/{UID}/send", json={"text": "/start"})
    kb = {"inline_keyboard": [[{"text": "Да", "callback_data": "ok:1"},
                               {"text": "Дашборд", "web_app": {"url": "http://127.0.0.1:8080/dashboard/"}}]]}
    sent = await emu.api_call("sendMessage", {"chat_id": UID, "text": "Выбор", "reply_markup": json.dumps(kb)})
    mid = sent["result"]["message_id"]
    shown = (await state(client))["messages"][-1]
    assert shown["keyboard"] == [[{"text": "Да", "callback_data": "ok:1"},
                                  {"text": "Дашборд", "web_app": "http://127.0.0.1:8080/dashboard/"}]]
    # a forged press (data the message has no button for) never reaches the bot
    assert (await client.post(f"/api/chat/{UID}/press", json={"message_id": mid, "data": "ok:2"})).status == 400
    r = await client.post(f"/api/chat/{UID}/press", json={"message_id": mid, "data": "ok:1"})
    qid = (await r.json())["query_id"]
    assert emu._updates[-1]["callback_query"]["data"] == "ok:1"
    await emu.api_call("answerCallbackQuery", {"callback_query_id": qid, "text": "Сохранено", "show_alert": True})
    await emu.api_call("editMessageText", {"chat_id": UID, "message_id": mid, "text": "Выбрано: да"})
    data = await state(client)
    assert data["alerts"] == [{"id": qid, "text": "Сохранено", "show_alert": True}]
    assert data["messages"][-1]["id"] == mid and data["messages"][-1]["edited"]  # edited in place
    assert "keyboard" not in data["messages"][-1]


async def test_photos_albums_and_documents(chat) -> None:
    emu, client = chat
    await client.post(f"/api/chat/{UID}/send", json={"text": "/digest"})
    from bot.sandbox.spec import UploadedFile

    files = {"a": UploadedFile("a", "a.png", "image/png", PNG), "b": UploadedFile("b", "b.png", "image/png", PNG),
             "d": UploadedFile("d", "report.csv", "text/csv", b"name;units\nAnna;3\n")}
    media = [{"type": "photo", "media": "attach://a", "caption": "<b>Дайджест</b>", "parse_mode": "HTML"},
             {"type": "photo", "media": "attach://b"}]
    assert (await emu.api_call("sendMediaGroup", {"chat_id": UID, "media": json.dumps(media)}, files))["ok"]
    assert (await emu.api_call("sendDocument", {"chat_id": UID, "document": "attach://d"}, files))["ok"]
    data = await state(client)
    album = [m for m in data["messages"] if m.get("photo")]
    assert len(album) == 2 and album[0]["media_group_id"] == album[1]["media_group_id"]
    assert album[0]["text"] == "Дайджест"
    photo = await client.get(album[0]["photo"])
    assert photo.status == 200 and await photo.read() == PNG
    doc = data["messages"][-1]["document"]
    assert doc["name"] == "report.csv"
    r = await client.get(doc["url"])
    assert await r.read() == b"name;units\nAnna;3\n" and "attachment" in r.headers["Content-Disposition"]
    assert (await client.get("/api/file/nope")).status == 404


async def test_commands_menu_of_the_person(chat) -> None:
    emu, client = chat
    writer = [{"command": "report", "description": "отчитаться"}]
    manager = [{"command": "team", "description": "команда"}]
    await emu.api_call("setMyCommands", {"commands": json.dumps(writer), "scope": json.dumps({"type": "all_private_chats"}),
                                         "language_code": "ru"})
    assert (await state(client))["commands"] == writer
    await emu.api_call("setMyCommands", {"commands": json.dumps(manager),
                                         "scope": json.dumps({"type": "chat", "chat_id": UID})})
    assert (await state(client))["commands"] == manager


async def test_live_events(chat) -> None:
    emu, client = chat
    r = await client.get(f"/api/chat/{UID}/events")
    assert r.headers["Content-Type"].startswith("text/event-stream")
    first = await asyncio.wait_for(r.content.readuntil(b"\n\n"), 5)
    assert first.startswith(b"event: changed")
    await client.post(f"/api/chat/{UID}/send", json={"text": "/start"})
    await emu.api_call("sendMessage", {"chat_id": UID, "text": "Привет"})
    second = await asyncio.wait_for(r.content.readuntil(b"\n\n"), 5)
    assert second.startswith(b"event: changed") and second != first
    r.close()


async def test_init_data_for_the_mini_app(chat) -> None:
    _emu, client = chat
    init = (await (await client.get(f"/api/chat/{UID}/initdata")).json())["init_data"]
    user = check(init, SANDBOX_TOKEN, time.time())  # the dashboard's own check
    assert user.id == UID and user.language_code == "ru"
    assert (await client.get("/api/chat/123/initdata")).status == 404  # only the demo people


# -- time travel (sandbox only) ------------------------------------------------------------------------------
def test_sandbox_clock_goes_forward_only() -> None:
    from datetime import timedelta

    from bot.sandbox.run import SandboxClock

    clock = SandboxClock()
    before = clock.now()
    moved = clock.travel(timedelta(days=1))
    assert timedelta(days=1) <= moved - before < timedelta(days=1, seconds=5)
    for bad in (timedelta(0), timedelta(hours=-1), timedelta(days=41)):
        with pytest.raises(ValueError):
            clock.travel(bad)
    assert clock.offset == timedelta(days=1)


async def test_time_travel_moves_the_clock_and_signs_in_sandbox_time() -> None:
    from datetime import timedelta

    from bot.sandbox.run import SandboxClock

    emu = BotAPIEmulator(SANDBOX_TOKEN)
    emu.user(UID, "Анна", started=True)
    clock = SandboxClock()
    moves: list[timedelta] = []

    async def travel(delta: timedelta):
        moves.append(delta)
        return clock.travel(delta)

    async def people():
        return []

    app = web.Application()
    add_routes(app, emu, people, token=SANDBOX_TOKEN, clock=clock, travel=travel, timezone="Europe/Moscow")
    async with TestClient(TestServer(app)) as client:
        assert (await (await client.get("/api/people")).json())["time_travel"] is True
        r = await client.post("/api/clock", json={"step": "day"})
        assert r.status == 200 and (await r.json())["timezone"] == "Europe/Moscow"
        assert (await client.post("/api/clock", json={"step": "year"})).status == 400
        assert moves == [timedelta(days=1)]
        init = (await (await client.get(f"/api/chat/{UID}/initdata")).json())["init_data"]
        # signed in sandbox time: the dashboard (same clock) accepts it, the real clock would call it from the future
        assert check(init, SANDBOX_TOKEN, clock.now().timestamp()).id == UID
        with pytest.raises(Exception, match="future"):
            check(init, SANDBOX_TOKEN, time.time())


async def test_no_time_travel_without_a_clock(chat) -> None:
    _emu, client = chat
    assert (await client.post("/api/clock", json={"step": "day"})).status == 404


async def test_demo_people_include_a_client_and_an_smm_administrator(settings: Settings, db) -> None:
    """seed-demo (the sandbox's first start) gives the web chat an admin, managers, writers, raters, a client, an
    SMM administrator with accounts and weekly figures, leads in the funnel and learners with a course."""
    from bot.clock import FrozenClock
    from bot.demo import DEMO_LEADS, DEMO_SMM, seed_demo
    from bot.sandbox.run import _people
    from models.clients import ClientProject
    from models.leads import Lead, LeadEvent
    from models.learning import Enrolment, QuizQuestion
    from models.smm import SmmAccount, SmmWeek

    demo = await seed_demo(settings, FrozenClock(datetime(2026, 11, 16, 9, 0, tzinfo=UTC)).now())
    assert demo is not None and len(demo.client_ids) == 1
    people = await _people(db)
    roles = [p["role"] for p in people]
    assert roles == sorted(roles, key=["admin", "manager", "writer", "client"].index)
    assert roles.count("client") == 1 and roles.count("admin") == 1 and any(p["rater"] for p in people)
    smm = [p for p in people if p["smm"]]
    assert len(smm) == 1 and smm[0]["role"] == "writer" and smm[0] == next(p for p in people if p["role"] == "writer")
    assert sum(p["learner"] for p in people) == len(demo.learner_ids) == 3
    async with db.session() as s:
        links = (await s.execute(select(ClientProject.member_id))).scalars().all()
        accounts = (await s.execute(select(SmmAccount.responsible_id))).scalars().all()
        weeks = (await s.execute(select(SmmWeek.id))).scalars().all()
        leads = (await s.execute(select(Lead.id))).scalars().all()
        moves = (await s.execute(select(LeadEvent.id))).scalars().all()
        enrolled = (await s.execute(select(Enrolment.member_id))).scalars().all()
        questions = (await s.execute(select(QuizQuestion.id))).scalars().all()
    assert links == demo.client_ids
    assert accounts == [demo.smm_admin_id] * len(DEMO_SMM) and len(weeks) >= 5 * len(DEMO_SMM)
    assert len(leads) == len(DEMO_LEADS) and len(moves) >= sum(len(path) for *_, path in DEMO_LEADS)
    assert sorted(enrolled) == sorted(demo.learner_ids) and len(questions) == 2
    assert await seed_demo(settings, datetime.now(UTC)) is None  # only an empty database is seeded


QUIZ = {"chat_id": UID, "question": "Что входит в контент-план?", "type": "quiz", "is_anonymous": "false",
        "options": json.dumps([{"text": "только даты"}, {"text": "даты, темы и форматы"}]),
        "correct_option_ids": "[1]", "explanation": "<b>Дата</b> без темы ничего не планирует",
        "explanation_parse_mode": "HTML"}


async def test_a_quiz_in_the_web_chat(chat) -> None:
    """A quiz shows its question and options; the answer is a poll_answer update; then the right answer, the
    counts and the explanation appear; a second answer is refused, as Telegram refuses it."""
    emu, client = chat
    sent = await emu.api_call("sendPoll", QUIZ)
    assert sent["ok"], sent
    mid = sent["result"]["message_id"]
    shown = (await state(client))["messages"][-1]["poll"]
    assert shown["question"] == QUIZ["question"] and shown["type"] == "quiz" and shown["chosen"] is None
    assert [o["text"] for o in shown["options"]] == ["только даты", "даты, темы и форматы"]
    assert "correct_option_ids" not in shown and "explanation" not in shown  # not before answering
    assert "voter_count" not in shown["options"][0]
    r = await client.post(f"/api/chat/{UID}/vote", json={"message_id": mid, "option_ids": [0]})
    assert r.status == 200
    answer = [u for u in emu._updates if "poll_answer" in u][-1]["poll_answer"]
    assert answer["poll_id"] == sent["result"]["poll"]["id"] and answer["option_ids"] == [0]
    assert answer["user"]["id"] == UID
    assert [u["poll"]["total_voter_count"] for u in emu._updates if "poll" in u] == [1]  # the new state too
    shown = (await state(client))["messages"][-1]["poll"]
    assert shown["chosen"] == [0] and shown["correct_option_ids"] == [1] and shown["total_voter_count"] == 1
    assert [o["voter_count"] for o in shown["options"]] == [1, 0]
    assert shown["explanation"] == "Дата без темы ничего не планирует"
    assert shown["explanation_entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    again = await client.post(f"/api/chat/{UID}/vote", json={"message_id": mid, "option_ids": [1]})
    assert again.status == 400 and "can't be changed" in (await again.json())["error"]
    assert len([u for u in emu._updates if "poll_answer" in u]) == 1
    for bad in ({"message_id": mid, "option_ids": "1"}, {"message_id": mid, "option_ids": [True]},
                {"message_id": 999, "option_ids": [0]}, {"message_id": mid}):
        assert (await client.post(f"/api/chat/{UID}/vote", json=bad)).status == 400


async def test_polls_anonymous_multiple_revote_and_stop(chat) -> None:
    emu, client = chat
    poll = await emu.api_call("sendPoll", {"chat_id": UID, "question": "Когда созвон?", "allows_multiple_answers": "true",
                                           "options": json.dumps([{"text": "утром"}, {"text": "днём"}, {"text": "вечером"}])})
    assert poll["ok"] and poll["result"]["poll"]["allows_revoting"] is True  # the spec's default for regular polls
    mid = poll["result"]["message_id"]
    assert (await client.post(f"/api/chat/{UID}/vote", json={"message_id": mid, "option_ids": [0, 2]})).status == 200
    assert not [u for u in emu._updates if "poll_answer" in u]  # anonymous: the bot learns counts only
    assert emu._updates[-1]["poll"]["options"][2]["voter_count"] == 1
    assert (await client.post(f"/api/chat/{UID}/vote", json={"message_id": mid, "option_ids": [1]})).status == 200
    shown = (await state(client))["messages"][-1]["poll"]
    assert shown["chosen"] == [1] and [o["voter_count"] for o in shown["options"]] == [0, 1, 0]
    assert (await client.post(f"/api/chat/{UID}/vote", json={"message_id": mid, "option_ids": []})).status == 200
    assert (await state(client))["messages"][-1]["poll"]["chosen"] is None
    stopped = await emu.api_call("stopPoll", {"chat_id": UID, "message_id": mid})
    assert stopped["ok"] and stopped["result"]["is_closed"] is True
    closed = await client.post(f"/api/chat/{UID}/vote", json={"message_id": mid, "option_ids": [0]})
    assert closed.status == 400 and "closed" in (await closed.json())["error"]
    assert (await state(client))["messages"][-1]["poll"]["is_closed"] is True
    assert not (await emu.api_call("stopPoll", {"chat_id": UID, "message_id": mid}))["ok"]
    # one answer where only one is allowed; the spec's limits on what the bot sends
    single = await emu.api_call("sendPoll", {"chat_id": UID, "question": "Да?",
                                             "options": json.dumps([{"text": "да"}, {"text": "нет"}])})
    r = await client.post(f"/api/chat/{UID}/vote", json={"message_id": single["result"]["message_id"],
                                                          "option_ids": [0, 1]})
    assert r.status == 400
    for bad in ({**QUIZ, "correct_option_ids": "[]"}, {**QUIZ, "correct_option_ids": "[5]"},
                {**QUIZ, "explanation": "x" * 201}, {**QUIZ, "explanation": "<b>не закрыт"},
                {**QUIZ, "options": json.dumps([{"text": "да"}, {"text": "да"}])},
                {**QUIZ, "type": "regular"}, {**QUIZ, "question": "x" * 301}):
        answer = await emu.api_call("sendPoll", bad)
        assert not answer["ok"], bad


async def test_bad_requests_are_400_not_500(chat) -> None:
    _emu, client = chat
    for path in ("send", "press"):
        assert (await client.post(f"/api/chat/{UID}/{path}", data=b"not json")).status == 400
        assert (await client.post(f"/api/chat/{UID}/{path}", json=[1, 2])).status == 400
    assert (await client.post(f"/api/chat/{UID}/press", json={"message_id": "x", "data": "a"})).status == 400
    assert (await client.get("/api/chat/abc")).status == 404
    assert (await client.get("/static/../run.py")).status == 404


async def test_a_long_running_sandbox_keeps_the_last_requests_only() -> None:
    emu = BotAPIEmulator(SANDBOX_TOKEN, keep_requests=10)
    for _ in range(50):
        await emu.api_call("getMe")
        await emu.api_call("sendMessage", {"chat_id": 1, "text": "x"})  # chat not found: an error
    assert len(emu.requests) <= 20 and len(emu.errors) <= 20 and emu.errors


async def test_language_of_the_telegram_app(chat) -> None:
    """An English-speaking visitor switches the person's Telegram app to English: their updates say so."""
    emu, client = chat
    assert (await state(client))["language"] == "ru"
    assert (await client.post(f"/api/chat/{UID}/language", json={"code": "de"})).status == 400
    assert (await client.post(f"/api/chat/{UID}/language", json={"code": "en"})).status == 200
    await client.post(f"/api/chat/{UID}/send", json={"text": "/start"})
    assert emu._updates[-1]["message"]["from"]["language_code"] == "en"
    await emu.api_call("setMyCommands", {"commands": json.dumps([{"command": "report", "description": "report a unit"}]),
                                         "scope": json.dumps({"type": "all_private_chats"}), "language_code": "en"})
    data = await state(client)
    assert data["language"] == "en" and data["commands"][0]["description"] == "report a unit"


class WebChat:
    """One person's web chat over the sandbox's API, with the real bot answering (see :func:`sandbox_bot`)."""

    def __init__(self, emu: BotAPIEmulator, client: TestClient, uid: int) -> None:
        self.emu, self.client, self.uid = emu, client, uid

    async def messages(self) -> list[dict]:
        r = await self.client.get(f"/api/chat/{self.uid}")
        assert r.status == 200
        return (await r.json())["messages"]

    async def send(self, text: str) -> None:
        assert (await self.client.post(f"/api/chat/{self.uid}/send", json={"text": text})).status == 200

    async def wait_for(self, predicate, what: str) -> dict:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = [m for m in await self.messages() if m["from_bot"] and predicate(m)]
            if found:
                return found[-1]
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {what} in the web chat: {await self.messages()}; violations: {self.emu.violations}")

    async def press(self, m: dict, button: str) -> None:
        data = next(b["callback_data"] for row in m["keyboard"] for b in row if button in b["text"])
        r = await self.client.post(f"/api/chat/{self.uid}/press", json={"message_id": m["id"], "data": data})
        assert r.status == 200

    async def vote(self, m: dict, options: list[int]):
        return await self.client.post(f"/api/chat/{self.uid}/vote", json={"message_id": m["id"], "option_ids": options})

    async def quiz(self) -> list[dict]:
        """Press the lesson's quiz button; → the quiz's polls as the web chat shows them."""
        offer = await self.wait_for(lambda m: any("тест" in b["text"] for row in m.get("keyboard", []) for b in row),
                                    "quiz offer")
        seen = {m["id"] for m in await self.messages()}
        await self.press(offer, "тест")
        polls: list[dict] = []
        deadline = time.monotonic() + 30
        while len(polls) < 2 and time.monotonic() < deadline:
            polls = [m for m in await self.messages() if "poll" in m and m["id"] not in seen]
            await asyncio.sleep(0.1)
        assert len(polls) == 2, (await self.messages(), self.emu.errors[-3:])
        await self.emu.wait_for(lambda: not self.emu.unanswered_callbacks(), 10, "the quiz press handled")
        return polls


@contextlib.asynccontextmanager
async def sandbox_bot(settings: Settings, db):
    """The real bot (the production dispatcher) polling the sandbox's Bot API server, with the web chat over it;
    the demo people registered. → (emu, client); the test fails on any Bot API spec violation."""
    from bot.app import create_bot, create_dispatcher
    from bot.clock import FrozenClock
    from bot.sandbox.run import _people, _register_people

    emu = BotAPIEmulator(SANDBOX_TOKEN, per_chat_rate=None, global_rate=None)
    await emu.start()
    await _register_people(emu, db, "ru")
    run = settings.model_copy(update={"bot_token": SecretStr(SANDBOX_TOKEN), "telegram_api_url": emu.url,
                                      "scheduler_enabled": False})
    bot = create_bot(run)
    dp = create_dispatcher(run, db, clock=FrozenClock(datetime.now(UTC)))
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False,
                                                   allowed_updates=dp.resolve_used_update_types()))
    app = web.Application()
    add_routes(app, emu, lambda: _people(db), token=SANDBOX_TOKEN)
    try:
        async with TestClient(TestServer(app)) as client:
            yield emu, client
    finally:
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        await asyncio.wait_for(polling, 10)
        await bot.session.close()
        await emu.stop()
    assert emu.violations == []


async def telegram_id(db, member_id: int) -> int:
    from models import org_repo

    async with db.session() as s:
        return (await org_repo.member_by_id(s, member_id)).telegram_id


async def test_a_course_quiz_answered_in_the_web_chat(settings: Settings, db) -> None:
    """The real bot on the sandbox's Bot API server with the demo data: a learner opens the demo course in the web
    chat, the quiz's polls arrive in the chat's message list, the answers given through the web chat's API reach
    the bot as poll_answer updates, and the bot says whether the lesson is passed (first try: failed, then
    passed); a second answer to a quiz is refused."""
    from bot.demo import seed_demo

    demo = await seed_demo(settings, datetime.now(UTC))
    assert demo is not None and demo.learner_ids
    learner = await telegram_id(db, demo.learner_ids[0])
    async with sandbox_bot(settings, db) as (emu, client):
        chat = WebChat(emu, client, learner)

        async def take_quiz(answers: list[int]) -> str:
            polls = await chat.quiz()
            assert all(m["poll"]["type"] == "quiz" and not m["poll"]["is_anonymous"] for m in polls)
            for m, option in zip(polls, answers, strict=True):
                r = await chat.vote(m, [option])
                assert r.status == 200, await r.text()
            assert (await chat.vote(polls[0], [1])).status == 400  # a quiz answer cannot be changed
            after = {m["id"]: m for m in await chat.messages()}
            assert all(after[m["id"]]["poll"]["correct_option_ids"] for m in polls)
            result = await chat.wait_for(lambda m: m["id"] > max(p["id"] for p in polls) and "из 2" in m["text"],
                                         "lesson result")
            return result["text"]

        await chat.send("/learn")
        course = await chat.wait_for(lambda m: "Онбординг автора" in m["text"] and m.get("keyboard"), "/learn")
        await chat.press(course, "Онбординг")
        failed = await take_quiz([0, 0])  # wrong, right: 1 of 2 is below the pass mark
        assert "1 из 2" in failed
        await chat.press(await chat.wait_for(lambda m: m["text"] == failed, "failed"), "Перечитать")
        passed = await take_quiz([1, 0])
        assert "2 из 2" in passed and "пройден" in passed


async def test_a_quiz_shows_what_the_course_author_typed(settings: Settings, db) -> None:
    """A course title, question, option or explanation with "&" or "<" (the bot sends polls with its default HTML
    parse mode): escaped by the bot, so Telegram accepts the poll and shows the text as typed; the /learn button
    (button texts are not parsed) shows the title as typed too."""
    from bot.clock import FrozenClock
    from bot.demo import seed_demo
    from bot.services import build_services
    from models import org_repo

    demo = await seed_demo(settings, datetime.now(UTC))
    course = """# R&D для авторов

## Метрики
ER < 1% — повод пересобрать рубрики.

### Что значит ER < 1%?
- [x] охват & вовлечённость низкие
- [ ] всё <b>отлично</b>
> <i>меньше</i> одного процента: R&D нужен

### Кто решает?
- [x] редактор
- [ ] никто
"""
    async with db.session() as s:
        svc = build_services(s, db, settings, FrozenClock(datetime.now(UTC)))
        admin = await org_repo.member_by_id(s, demo.admin_id)
        course_id, _ = await svc.courses.import_markdown(admin, course, None)
        member_id = demo.writer_ids[-1]
        await svc.courses.assign(admin, course_id, member_id=member_id)
    async with sandbox_bot(settings, db) as (emu, client):
        chat = WebChat(emu, client, await telegram_id(db, member_id))
        await chat.send("/learn")
        listed = await chat.wait_for(lambda m: "R&D для авторов" in m["text"] and m.get("keyboard"), "/learn")
        assert [b["text"] for row in listed["keyboard"] for b in row] == ["Продолжить: R&D для авторов"]
        await chat.press(listed, "R&D")
        polls = await chat.quiz()
        first = polls[0]["poll"]
        assert first["question"] == "Что значит ER < 1%?"
        assert [o["text"] for o in first["options"]] == ["охват & вовлечённость низкие", "всё <b>отлично</b>"]
        assert (await chat.vote(polls[0], [0])).status == 200
        shown = next(m for m in await chat.messages() if m["id"] == polls[0]["id"])["poll"]
        assert shown["explanation"] == "<i>меньше</i> одного процента: R&D нужен"
        assert not [e for e in emu.errors if e["method"] == "sendPoll"]
