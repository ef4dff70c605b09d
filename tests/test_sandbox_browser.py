"""Issue 15 in a real browser: ``python -m bot`` with no BOT_TOKEN starts the sandbox; Chromium (Debian's
package, driven by Playwright) opens the web chat, a writer reports a unit by typing and pressing buttons,
a learner answers the demo course's quiz by clicking an option, the manager opens /team and the dashboard
Mini App, and the dashboard's numbers equal /team's. The dashboard API refuses forged, expired and missing
initData. Takes phone-sized screenshots (light and dark, and the answered quiz): into docs/screenshots/
(README links two of them) with ``UPDATE_SCREENSHOTS=1``, else into the test's temporary directory, so a CI
run leaves the tree clean.

Skipped, saying why, when Chromium or Playwright is missing (``.ci/run`` installs both).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from bot.dashboard.initdata import sign
from bot.sandbox.run import SANDBOX_TOKEN

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else None
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
try:
    from playwright.async_api import async_playwright
except ImportError:  # pragma: no cover - the dev extras install it
    async_playwright = None

pytestmark = [
    pytest.mark.skipif(async_playwright is None, reason="playwright is not installed (pip install -e '.[dev]')"),
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium found (apt-get install -y chromium; .ci/run does it)"),
]
PHONE = {"width": 390, "height": 844}
# /team's line: "1. Name — done/plan (percent %), отставание lag дня"
TEAM_LINE = re.compile(r"^\d+\. (.+?) — (\d+)/(\d+) \(([^)]*)\), отставание (\S+) ", re.M)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def number(text: str) -> float:
    return float(text.replace("\u2212", "-").replace(",", ".").replace("\xa0", ""))


async def start_sandbox(tmp_path: Path) -> tuple[asyncio.subprocess.Process, str, Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "REDIS_", "SANDBOX_", "WEB_"))}
    env.update({"PYTHONPATH": str(REPO), "SANDBOX_PORT": str(free_port()), "CHART_MODE": "thread",
                "SANDBOX_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}",
                # real time runs on: keep scheduled digests out of the scripted flow
                "SCHEDULER_ENABLED": "false"})
    log_path = tmp_path / "sandbox.log"
    with log_path.open("wb") as log:
        # no BOT_TOKEN and no .env in cwd: `python -m bot` (what `make run` runs) starts the sandbox
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                    stdout=log, stderr=asyncio.subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        found = re.search(r"teamdesk sandbox: open (http://127\.0\.0\.1:\d+)", text)
        if found and "Start polling" in text:
            return proc, found.group(1), log_path
        if proc.returncode is not None:
            raise AssertionError(f"the sandbox exited with {proc.returncode}:\n{text}")
        await asyncio.sleep(0.2)
    proc.kill()
    raise AssertionError(f"the sandbox did not start:\n{log_path.read_text(errors='replace')}")


async def last_bot(page):
    return page.locator("#chat .msg.bot").last


async def wait_bot_text(page, pattern: str, wait_ms: float = 20_000):
    msg = page.locator("#chat .msg.bot", has_text=re.compile(pattern)).last
    await msg.wait_for(timeout=wait_ms)
    return msg


async def test_sandbox_web_chat_and_dashboard(tmp_path: Path) -> None:
    proc, url, log_path = await start_sandbox(tmp_path)
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                shots = SHOTS or tmp_path / "screenshots"
                shots.mkdir(parents=True, exist_ok=True)
                await scenario(browser, url, shots)
            finally:
                await browser.close()
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]
    assert "127.0.0.1" in log and "BOT_TOKEN" in log  # the URL and how to connect a real bot


async def scenario(browser, url: str, shots: Path) -> None:
    context = await browser.new_context(viewport=PHONE, device_scale_factor=2)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(url)
    await page.get_by_text("SANDBOX", exact=True).wait_for()  # clearly marked
    people = (await (await page.request.get(f"{url}/api/people")).json())["people"]
    manager = next(p for p in people if p["role"] == "manager")
    writer = next(p for p in people if p["role"] == "writer" and p["department"] == manager["department"])

    async def overview(person: dict, init: str | None = None, query: str = "") -> tuple[int, dict]:
        if init is None:
            init = (await (await page.request.get(f"{url}/api/chat/{person['id']}/initdata")).json())["init_data"]
        r = await page.request.get(f"{url}/dashboard/api/overview{query}", headers={"Authorization": f"tma {init}"})
        return r.status, await r.json()

    status, before = await overview(manager)
    assert status == 200 and before["role"] == "manager"
    done_before = next(p["done"] for p in before["people"] if p["name"] == writer["name"])

    # the writer reports a unit: typed command, inline buttons edited in place, a typed title, Save
    await page.select_option("#person", str(writer["id"]))
    await page.fill("#text", "/report")
    await page.press("#text", "Enter")
    streams = await wait_bot_text(page, ".")
    await streams.locator("button[data-callback]").first.wait_for()
    bubbles = await page.locator("#chat .msg").count()
    await streams.locator("button[data-callback]").first.click()
    await page.locator("#chat .msg.bot").last.locator("text=/проект/i").first.wait_for(timeout=20_000)
    await (await last_bot(page)).locator("button[data-callback]").first.click()
    await wait_bot_text(page, "название")
    assert await page.locator("#chat .msg").count() == bubbles  # the picker was edited in place
    await page.fill("#text", "Пост из песочницы <b>без тегов</b>")
    await page.press("#text", "Enter")
    await (await wait_bot_text(page, "Пост из песочницы")).get_by_role("button", name="Сохранить").click()
    card = await wait_bot_text(page, "Единица сохранена")
    # Telegram shows the title as typed: the markup is text, not HTML
    assert "<b>без тегов</b>" in await card.inner_text()
    assert await card.locator("b", has_text="без тегов").count() == 0
    await card.get_by_role("button", name="Отправлена на согласование").click()
    await wait_bot_text(page, "на согласовании")

    status, after = await overview(manager)
    assert next(p["done"] for p in after["people"] if p["name"] == writer["name"]) == done_before + 1

    # the writer's own dashboard: their page only
    status, own = await overview(writer)
    assert status == 200 and [p["name"] for p in own["people"]] == [writer["name"]]
    assert own["departments"] == [] and own["projects"] == []

    assert await page.locator("#menu-app").is_hidden()  # no dashboard menu button for a writer

    # a learner takes the demo course's quiz: the polls arrive in the chat, a click answers one, then the
    # quiz shows the right answer and the explanation; a second answer is refused
    learner = next(p for p in people if p["learner"])
    await page.select_option("#person", str(learner["id"]))
    await page.fill("#text", "/learn")
    await page.press("#text", "Enter")
    await (await wait_bot_text(page, "Онбординг автора")).locator("button[data-callback]").first.click()
    await (await wait_bot_text(page, "тест")).locator("button[data-callback]", has_text="тест").click()
    quiz = page.locator("#chat .msg.bot .poll").first
    await quiz.locator(".poll-opt").first.wait_for(timeout=20_000)
    await page.locator("#chat .poll").nth(1).wait_for(timeout=20_000)  # one poll per question
    await quiz.locator(".poll-opt").nth(1).click()  # the right answer of the first question
    await quiz.locator(".poll-verdict.right").wait_for(timeout=20_000)
    assert await quiz.locator(".poll-res.right .poll-mark").inner_text() == "✓"
    assert "Дата без темы" in await quiz.locator(".poll-expl").inner_text()
    refused = await page.request.post(f"{url}/api/chat/{learner['id']}/vote", data={
        "message_id": int(await quiz.locator("xpath=..").get_attribute("data-id")), "option_ids": [0]})
    assert refused.status == 400
    await page.locator("#toast").wait_for(state="hidden")  # the writer's last callback answer (3 s)
    await page.screenshot(path=str(shots / "webchat-quiz.png"))
    # the manager: the command menu, /team, then the dashboard from its web_app button
    await page.select_option("#person", str(manager["id"]))
    await page.locator("#menu-app").wait_for()  # the chat's menu button opens the Mini App
    await page.click("#menu-btn")
    await page.locator("#menu button", has_text="/team").first.click()
    team = await wait_bot_text(page, "Команда")
    team_text = await team.inner_text()
    team_rows = [(name, int(done), int(plan), number(lag)) for name, done, plan, _p, lag in TEAM_LINE.findall(team_text)]
    assert team_rows, team_text
    await page.locator("#toast").wait_for(state="hidden")  # the callback answer's toast (3 s)
    await page.screenshot(path=str(shots / "webchat-light.png"))
    await page.click("#theme")
    await page.screenshot(path=str(shots / "webchat-dark.png"))
    await page.click("#theme")

    await page.fill("#text", "/dashboard")
    await page.press("#text", "Enter")
    intro = await wait_bot_text(page, "Дашборд")
    await intro.locator(".webapp-btn").click()
    frame = page.frame_locator("#webapp-frame")
    await frame.locator("body[data-loaded='1']").wait_for(timeout=20_000)
    dash_rows = []
    for row in await frame.locator("#people tbody tr").all():
        dash_rows.append((await row.locator("[data-field=name]").inner_text(),
                          int(await row.locator("[data-field=done]").inner_text()),
                          int(await row.locator("[data-field=plan]").inner_text()),
                          number(await row.locator("[data-field=lag]").inner_text())))
    # the same people in the same order with the same numbers (names are cut to 30 characters in chat)
    assert len(dash_rows) == len(team_rows)
    for (tname, tdone, tplan, tlag), (dname, ddone, dplan, dlag) in zip(team_rows, dash_rows, strict=True):
        assert dname.startswith(tname.rstrip("…")) and (tdone, tplan, tlag) == (ddone, dplan, dlag)
    assert any(name == writer["name"] for name, *_ in dash_rows)
    # the cumulative chart ends at the team's done (the sum of /team's "done")
    total = await frame.locator("[data-field=total-done]").inner_text()
    assert int(total) == sum(done for _n, done, *_ in team_rows)
    assert await frame.locator("#cumulative .done-line").get_attribute("data-total") == total
    # the SMM department's manager: its SMM administrator's reports and the month's funnel of their leads
    assert manager["department"].startswith("SMM")
    assert await frame.locator("#smm tbody tr").count() == 1
    assert await frame.locator("#funnel tr[data-stage]").count() >= 2
    await page.click("#webapp-close")
    await page.locator("#webapp").wait_for(state="hidden")

    # the Mini App alone, phone-sized, in Telegram's light and dark themes
    init = (await (await page.request.get(f"{url}/api/chat/{manager['id']}/initdata")).json())["init_data"]
    for theme, params in (("light", {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#707579",
                                     "button_color": "#2481cc", "secondary_bg_color": "#f1f1f4"}),
                          ("dark", {"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499",
                                    "button_color": "#5288c1", "secondary_bg_color": "#232e3c"})):
        mini = await context.new_page()
        fragment = f"tgWebAppData={_q(init)}&tgWebAppThemeParams={_q(json.dumps(params))}"
        await mini.goto(f"{url}/dashboard/#{fragment}")
        await mini.locator("body[data-loaded='1']").wait_for(timeout=20_000)
        bg = await mini.evaluate("getComputedStyle(document.body).backgroundColor")
        assert bg == {"light": "rgb(255, 255, 255)", "dark": "rgb(23, 33, 43)"}[theme]
        await mini.screenshot(path=str(shots / f"dashboard-{theme}.png"))
        await mini.close()

    # refused: forged (another user in signed data), expired (> 1 hour), missing, and a page without it
    forged = init.replace(_q(f'"id":{manager["id"]}'), _q(f'"id":{writer["id"]}'))
    assert forged != init
    expired = sign({"auth_date": str(int(time.time()) - 3601),
                    "user": json.dumps({"id": manager["id"], "first_name": "M"})}, SANDBOX_TOKEN)
    for bad, reason in ((forged, "bad signature"), (expired, "expired"), ("", "missing"),
                        (sign({"auth_date": str(int(time.time())), "user": json.dumps({"id": manager["id"]})},
                              "1:wrong-token-wrong-token-wrong-token"), "bad signature")):
        status, body = await overview(manager, bad)
        assert status == 401 and body["reason"] == reason and "people" not in body
    blank = await context.new_page()
    await blank.goto(f"{url}/dashboard/")
    await blank.locator("body[data-loaded='error']").wait_for()
    await blank.close()

    # time travel (sandbox only): the clock moves a day, the Mini App's initData follows the sandbox clock
    await page.click("#clock-btn")
    await page.locator("#clock-now", has_text=re.compile(r"\d\d:\d\d")).wait_for()
    shown = await page.locator("#clock-now").inner_text()
    await page.click("#clock [data-step=day]")
    await page.locator("#clock-now", has_text=re.compile(r"\d\d:\d\d")).filter(has_not_text=shown).wait_for()
    status, _data = await overview(manager)
    assert status == 200

    # an English-speaking visitor: the person's Telegram app in English, the bot answers in English
    await page.select_option("#lang", "en")
    await page.fill("#text", "/start")
    await page.press("#text", "Enter")
    await wait_bot_text(page, "Welcome back")
    assert errors == []
    await context.close()


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")

