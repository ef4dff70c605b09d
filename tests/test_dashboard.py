"""The dashboard Mini App (issue 15, points 4-5): Telegram's initData check, the API's permissions and its
numbers (the same service as /team and /ratings), and /dashboard in chat."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.clock import FrozenClock
from bot.config import Settings
from bot.dashboard.initdata import MAX_AGE, InitDataError, check, sign
from bot.db import Database
from bot.demo import populate
from bot.domain.pace import round1
from bot.services import build_services
from bot.services.dashboard import person_row
from bot.webapp import add_routes
from models import org_repo
from tests.recording import BOT_TOKEN, Person

ADMIN_TID = 1
NOW = 1_800_000_000.0


def init_for(user_id: int, at: float, token: str = BOT_TOKEN, **user) -> str:
    return sign({"auth_date": str(int(at)), "query_id": "AAH",
                 "user": json.dumps({"id": user_id, "first_name": "X", **user}, separators=(",", ":"))}, token)


# -- the signature check ------------------------------------------------------------------------------
def test_valid_init_data_gives_the_user() -> None:
    user = check(init_for(42, NOW - 10, language_code="en"), BOT_TOKEN, NOW)
    assert (user.id, user.language_code, user.auth_date) == (42, "en", int(NOW - 10))


def test_signature_is_the_documented_hmac() -> None:
    """Computed here from the Bot API documentation, independently of ``sign``."""
    fields = dict(parse_qsl(init_for(42, NOW)))
    check_string = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")
    secret = hmac.new(b"WebAppData", BOT_TOKEN.encode(), hashlib.sha256).digest()
    assert fields["hash"] == hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("mutate", [
    lambda s: s.replace("hash=", "hash=0"),  # a wrong hash
    lambda s: s.replace("%22id%22%3A42", "%22id%22%3A43"),  # another user in the signed data
    lambda s: s + "&extra=1",  # a field added after signing
    lambda s: init_for(42, NOW, token="999:another-bot-token-another-bot-token"),  # another bot's data
])
def test_wrong_hash_is_refused(mutate) -> None:
    forged = mutate(init_for(42, NOW))
    assert forged != init_for(42, NOW)
    with pytest.raises(InitDataError, match="bad signature"):
        check(forged, BOT_TOKEN, NOW)


def test_expired_init_data_is_refused() -> None:
    assert check(init_for(42, NOW - MAX_AGE), BOT_TOKEN, NOW).id == 42  # exactly an hour: still fine
    with pytest.raises(InitDataError, match="expired"):
        check(init_for(42, NOW - MAX_AGE - 1), BOT_TOKEN, NOW)
    with pytest.raises(InitDataError, match="future"):
        check(init_for(42, NOW + 3600), BOT_TOKEN, NOW)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_init_data_is_refused(value) -> None:
    with pytest.raises(InitDataError):
        check(value, BOT_TOKEN, NOW)


@pytest.mark.parametrize("value", ["hash", "a=1&a=2&hash=x", "%zz"])
def test_malformed_init_data_is_refused(value) -> None:
    with pytest.raises(InitDataError):
        check(value, BOT_TOKEN, NOW)


def test_signed_but_without_a_user_is_refused() -> None:
    with pytest.raises(InitDataError, match="malformed"):
        check(sign({"auth_date": str(int(NOW))}, BOT_TOKEN), BOT_TOKEN, NOW)


# -- the API -------------------------------------------------------------------------------------------
@pytest.fixture
async def demo(db: Database, settings: Settings, clock: FrozenClock):
    async with db.engine.begin() as conn:
        return await populate(conn, settings, clock.now(), teams=3, writers_per_team=4, admin_telegram_id=ADMIN_TID)


@pytest.fixture
async def client(settings: Settings, db: Database, clock: FrozenClock, demo):
    app = web.Application()
    add_routes(app, settings=settings, db=db, clock=clock)
    async with TestClient(TestServer(app)) as c:
        yield c


async def member(db: Database, member_id: int):
    async with db.session() as s:
        return await org_repo.member_by_id(s, member_id)


async def get(client: TestClient, clock: FrozenClock, telegram_id: int | None, query: str = "", *,
              init: str | None = None):
    if init is None and telegram_id is not None:
        init = init_for(telegram_id, clock.now().timestamp())
    headers = {"Authorization": f"tma {init}"} if init is not None else {}
    r = await client.get(f"/dashboard/api/overview{query}", headers=headers)
    return r.status, await r.json()


async def test_manager_sees_the_same_numbers_as_team(client, db, settings, clock, demo) -> None:
    manager = await member(db, demo.manager_ids[0])
    status, data = await get(client, clock, manager.telegram_id)
    assert status == 200 and data["role"] == "manager"
    async with db.session() as s:
        stats, median, month = await build_services(s, db, settings, clock).reporting.team(manager)
        blocks = await build_services(s, db, settings, clock).ratings.dashboard(manager, month.strftime("%Y-%m"))
    assert data["people"] == [person_row(s) for s in stats]  # one source: the /team service
    assert data["month"] == month.strftime("%Y-%m") and data["median"] == round1(median)
    assert {p["department_id"] for p in data["people"]} == {manager.department_id}
    assert data["departments"] == [{"id": manager.department_id, "name": data["departments"][0]["name"]}]
    assert data["totals"]["done"] == sum(s.done for s in stats)
    # ratings: exactly what /ratings shows the manager; a hidden line carries no number at all
    assert [b["department"] for b in data["ratings"]] == [b.department.name for b in blocks]
    for got, block in zip(data["ratings"], blocks, strict=True):
        for line, want in zip(got["people"], block.people, strict=True):
            if want.summary.hidden:
                assert line == {"name": want.person.display_name, "hidden": True, "k": settings.rating_threshold_k}
            else:
                assert line["count"] == want.summary.count


async def test_filters_month_and_department(client, db, settings, clock, demo) -> None:
    manager = await member(db, demo.manager_ids[0])
    status, data = await get(client, clock, manager.telegram_id, "?month=2026-10")
    assert status == 200 and data["month"] == "2026-10"
    async with db.session() as s:
        from datetime import date

        stats, _m, _ = await build_services(s, db, settings, clock).reporting.team(manager, date(2026, 10, 1))
    assert data["people"] == [person_row(s) for s in stats]
    # another manager's department: refused, nothing shown
    other = demo.department_ids[1] if demo.department_ids[0] == manager.department_id else demo.department_ids[0]
    status, data = await get(client, clock, manager.telegram_id, f"?department={other}")
    assert status == 403 and "people" not in data
    # the admin: everyone, or one department
    status, everyone = await get(client, clock, ADMIN_TID)
    status2, one = await get(client, clock, ADMIN_TID, f"?department={other}")
    assert status == status2 == 200
    assert len(everyone["departments"]) == 3
    assert {p["department_id"] for p in one["people"]} == {other}
    assert {p["member_id"] for p in one["people"]} < {p["member_id"] for p in everyone["people"]}
    for bad in ("?month=2026-13", "?month=x", "?department=0", "?department=99999999999"):
        assert (await get(client, clock, ADMIN_TID, bad))[0] == 400


async def test_writer_sees_only_their_own_page(client, db, clock, demo) -> None:
    writer = await member(db, demo.writer_ids[0])
    status, data = await get(client, clock, writer.telegram_id)
    assert status == 200 and data["role"] == "writer"
    assert [p["member_id"] for p in data["people"]] == [writer.id]
    assert data["departments"] == [] and data["projects"] == []
    for r in data["ratings"]:  # their own results, as /ratings shows them
        assert set(r) <= {"department", "hidden", "k", "average", "count"}
    status, data = await get(client, clock, writer.telegram_id, f"?department={writer.department_id}")
    assert [p["member_id"] for p in data["people"]] == [writer.id]  # a filter opens nothing more


async def test_refused_without_valid_init_data(client, clock, demo) -> None:
    now = clock.now().timestamp()
    for init, reason in ((None, "missing"), (init_for(ADMIN_TID, now - MAX_AGE - 5), "expired"),
                         (init_for(ADMIN_TID, now).replace("hash=", "hash=f"), "bad signature"),
                         (init_for(ADMIN_TID, now, token="5:another-bot-token-another-bot-token"), "bad signature")):
        status, data = await get(client, clock, None, init=init)
        assert status == 401 and data == {"error": "unauthorized", "reason": reason}
    # genuine, but not a member (or a switched-off one): nothing
    assert (await get(client, clock, 123456))[0] == 403


async def test_page_and_files_hold_no_data(client) -> None:
    page = await client.get("/dashboard/")
    text = await page.text()
    assert page.status == 200 and "<script src=\"/dashboard/static/app.js\">" in text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for name in ("app.js", "app.css"):
        r = await client.get(f"/dashboard/static/{name}")
        body = (await r.text()).replace('"http://www.w3.org/2000/svg"', "")  # a namespace name, not a fetch
        assert r.status == 200 and "http://" not in body and "https://" not in body  # nothing from outside
    assert (await client.get("/dashboard/static/..%2f..%2fconfig.py")).status == 404
    assert (await client.get("/dashboard/static/index.html")).status == 404


# -- /dashboard in chat ------------------------------------------------------------------------------
async def test_dashboard_command(harness, db, settings, clock, demo) -> None:
    from bot.app import create_dispatcher
    from tests.recording import Harness, make_bot

    manager = await member(db, demo.manager_ids[0])
    writer = await member(db, demo.writer_ids[0])
    boss = Person(manager.telegram_id, "Max", language_code="en")
    # WEB_BASE_URL not set: says what the administrator must do
    sent = harness.messages(await harness.send(boss, "/dashboard"))
    assert "WEB_BASE_URL" in sent[0].text and not sent[0].markup
    bot, session = make_bot()
    with_url = Harness(create_dispatcher(settings.model_copy(update={"web_base_url": "https://desk.example.com"}),
                                         db, clock=clock), bot, session)
    try:
        sent = with_url.messages(await with_url.send(boss, "/dashboard"))
        button = sent[0].markup.inline_keyboard[0][0]
        assert button.web_app.url == "https://desk.example.com/dashboard/"
        assert "Team dashboard" in sent[0].text  # the manager's language
        # a writer: refused like any manager command, no button
        sent = with_url.messages(await with_url.send(Person(writer.telegram_id, "W"), "/dashboard"))
        assert sent and all(not s.markup for s in sent)
    finally:
        await bot.session.close()
    assert session.violations == []


async def test_menu_button_opens_the_dashboard_for_managers_only(db, demo) -> None:
    from bot.commands import set_member_commands
    from bot.i18n import Catalog
    from tests.recording import make_bot

    manager = await member(db, demo.manager_ids[0])
    writer = await member(db, demo.writer_ids[0])
    bot, session = make_bot()
    try:
        await set_member_commands(bot, Catalog(), manager, "en")  # no WEB_BASE_URL: the menu button is left alone
        assert not [r for r in session.requests if r.method == "SetChatMenuButton"]
        await set_member_commands(bot, Catalog(), manager, "en", web_base_url="https://desk.example.com/")
        await set_member_commands(bot, Catalog(), writer, "ru", web_base_url="https://desk.example.com")
    finally:
        await bot.session.close()
    buttons = [r.params["menu_button"] for r in session.requests if r.method == "SetChatMenuButton"]
    assert buttons[0].type == "web_app" and buttons[0].web_app.url == "https://desk.example.com/dashboard/"
    assert buttons[0].text == "Dashboard"
    assert buttons[1].type == "default"  # a writer (or a manager moved to writer) gets the default back
    assert session.violations == []


async def test_ratings_below_k_show_nothing(settings, db, clock, demo) -> None:
    """The same anonymity rule as /ratings: an aggregate rule below k raters shows no number, not even a count."""
    strict = settings.model_copy(update={"rating_threshold_k": 50})
    app = web.Application()
    add_routes(app, settings=strict, db=db, clock=clock)
    async with TestClient(TestServer(app)) as c:
        status, data = await get(c, clock, ADMIN_TID)
    assert status == 200
    async with db.session() as s:
        blocks = await build_services(s, db, strict, clock).ratings.dashboard(
            await org_repo.member_by_telegram_id(s, ADMIN_TID), data["month"])
    lines = [line for b in data["ratings"] for line in b["people"]]
    want = [line for b in blocks for line in b.people]
    assert len(lines) == len(want) and any(w.summary.hidden for w in want)
    for got, w in zip(lines, want, strict=True):
        if w.summary.hidden:
            assert got == {"name": w.person.display_name, "hidden": True, "k": 50}
        else:
            assert got["hidden"] is False and got["count"] == w.summary.count


async def test_cumulative_progress_adds_up_to_done(client, db, clock, demo) -> None:
    """The day counters' running total ends at the month's done (the /team numbers), one value per day so far."""
    for tid in (ADMIN_TID, (await member(db, demo.manager_ids[0])).telegram_id,
                (await member(db, demo.writer_ids[0])).telegram_id):
        status, data = await get(client, clock, tid)
        c = data["cumulative"]
        assert status == 200 and c["days"] == 30 and c["today"] == 16  # November 16th
        assert len(c["done"]) == 16 and c["done"] == sorted(c["done"])
        assert c["done"][-1] == data["totals"]["done"] and c["plan"] == data["totals"]["plan"]
    status, data = await get(client, clock, ADMIN_TID, "?month=2026-10")  # a past month: every day, no marker
    assert len(data["cumulative"]["done"]) == 31 and data["cumulative"]["today"] is None
    assert data["cumulative"]["done"][-1] == data["totals"]["done"]


async def test_smm_and_funnel_figures_where_they_exist(client, db, settings, clock, demo) -> None:
    """The demo's SMM accounts and leads: the dashboard shows /team smm's rows and /funnel's month with the same
    numbers (the same services, formatted as the chat formats them), only to those whose chat shows them."""
    from bot.demo import DEMO_LEADS, add_features
    from bot.views import share_text
    from handlers.leads import _pct

    await add_features(settings, clock.now(), demo)
    status, data = await get(client, clock, ADMIN_TID)
    assert status == 200 and data["lang"] == "ru"
    month = clock.now().date().replace(day=1)
    async with db.session() as s:
        svc = build_services(s, db, settings, clock)
        admin = await org_repo.member_by_telegram_id(s, ADMIN_TID)
        rows = await svc.smm.team(admin, month)
        first, last = svc.leads.this_month(admin)
        report = await svc.leads.funnel(admin, first, last)
    assert rows and len(data["smm"]) == len(rows)
    for got, row in zip(data["smm"], rows, strict=True):
        assert (got["name"], got["accounts"], got["due"], got["on_time"], got["late"], got["missing"]) == \
            (row.member.display_name, row.accounts, row.due, row.on_time, row.late, row.missing)
        assert share_text(row.er_change, signed=True) == ("—" if got["er_change"] is None
                                                          else f"{got['er_change']:+.1f}%")
    assert sum(r["missing"] for r in data["smm"]) >= 1  # the demo's account that skipped its last week
    f = data["funnel"]
    assert f["cohort"] == report.total.cohort == len(DEMO_LEADS) and f["lost"] == report.total.lost
    assert _pct(report.total.won_rate) == f"{f['won_rate']}%"
    for got, want in zip(f["stages"], report.total.stages, strict=True):
        assert (got["entered"], got["reached"]) == (want.entered, want.reached)
        assert _pct(want.conversion) == ("—" if got["conversion"] is None else f"{got['conversion']}%")
    assert f["stages"][0]["label"] == "Диалог" and f["stages"][-1]["kind"] == "won"
    # the department filter keeps the SMM administrators of that department; the funnel is /funnel's scope
    status, other = await get(client, clock, ADMIN_TID, f"?department={demo.department_ids[2]}")
    assert other["smm"] == [] and other["funnel"] == f
    # a manager whose department neither reports SMM nor owns leads sees neither; a writer their own page only
    # (the SMM table only when they report accounts: the next test)
    outsider = await member(db, demo.manager_ids[2])
    status, data = await get(client, clock, outsider.telegram_id)
    assert status == 200 and data["smm"] == [] and data["funnel"] is None
    writer = next(w for w in demo.writer_ids if w != demo.smm_admin_id)
    status, data = await get(client, clock, (await member(db, writer)).telegram_id)
    assert status == 200 and data["smm"] == [] and data["funnel"] is None
    # in English when the member's Telegram speaks English
    init = init_for(ADMIN_TID, clock.now().timestamp(), language_code="en")
    status, data = await get(client, clock, None, init=init)
    assert data["lang"] == "en" and data["funnel"]["stages"][0]["label"] == "Dialogue"


async def test_a_writer_who_reports_smm_accounts_sees_their_own_row_only(client, db, settings, clock, demo) -> None:
    """A writer responsible for SMM accounts sees their own row of the SMM table (``bot.access.smm_scope``) with
    the figures the admin sees for them, not another administrator's; a writer with no account sees none."""
    from datetime import timedelta

    from bot.demo import add_features
    from bot.domain.smm import last_week_end
    from models import reporting_repo

    await add_features(settings, clock.now(), demo)
    async with db.session() as s:  # a second administrator in the SMM department, one account reported once
        svc = build_services(s, db, settings, clock)
        admin = await org_repo.member_by_telegram_id(s, ADMIN_TID)
        other = next(m for m in await org_repo.list_members(s, department_ids=demo.department_ids[:1],
                                                            roles=["writer"], active_only=True)
                     if m.id != demo.smm_admin_id)
        project = (await reporting_repo.list_projects(s))[0]
        view, _ = await svc.smm.add_account(admin, None, str(project.id), "vk", "vk.com/second_admin",
                                            str(other.id), None,
                                            (clock.now().date() - timedelta(days=60)).strftime("%d.%m.%Y"))
        await svc.smm.save_week(other, view.account.id,
                                last_week_end(svc.smm.today(other), view.account.week_end), {"followers": 500})
    status, everyone = await get(client, clock, ADMIN_TID)
    rows = {r["name"]: r for r in everyone["smm"]}
    smm_admin = await member(db, demo.smm_admin_id)
    assert status == 200 and {smm_admin.display_name, other.display_name} <= set(rows)
    for who in (smm_admin, other):
        status, data = await get(client, clock, who.telegram_id)
        assert status == 200 and data["role"] == "writer"
        assert data["smm"] == [rows[who.display_name]]  # their own row, the admin's figures for it
        assert [p["member_id"] for p in data["people"]] == [who.id]  # still their own page otherwise
    assert rows[smm_admin.display_name]["accounts"] == len(demo.smm_account_ids)
    assert rows[other.display_name]["accounts"] == 1
    # a filter opens nothing more; a writer of another department with no account sees no SMM table
    status, data = await get(client, clock, smm_admin.telegram_id, f"?department={demo.department_ids[1]}")
    assert data["smm"] == [rows[smm_admin.display_name]]
    plain = next(w for w in demo.writer_ids if w not in (demo.smm_admin_id, other.id))
    status, data = await get(client, clock, (await member(db, plain)).telegram_id)
    assert status == 200 and data["smm"] == []
