"""QA probes: adversarial inputs through the production dispatcher (limits, escaping, stale buttons)."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from models.reporting import Unit
from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person, Sent
from tests.test_onboarding import invite_link

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga")
WRITER = Person(2, "Anna", None, None)
OTHER = Person(3, "Boris", None, "boris")


def plain(html_text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def check(h: Harness, sent: list[Sent]) -> list[Sent]:
    """Every message within Telegram limits, buttons without HTML entities, no internal error."""
    for s in sent:
        text = s.params.get("text") or ""
        assert len(plain(text)) <= 4096, (s.method, len(text))  # Telegram counts the text after parsing
        assert len(plain(s.params.get("caption") or "")) <= 1024
        assert "пошло не так" not in text and "went wrong" not in text, text
        for b, data in s.buttons():
            assert "&amp;" not in b and "&lt;" not in b and "&gt;" not in b, b
            assert len(data.encode()) <= 64
        if s.method == "AnswerCallbackQuery":
            assert len(s.params.get("text") or "") <= 200
            assert "пошло не так" not in (s.params.get("text") or "")
    return sent


async def setup(h: Harness) -> None:
    await h.send(ADMIN, "/start")
    await h.send(WRITER, f"/start {await invite_link(h, ADMIN)}")
    await h.send(OTHER, f"/start {await invite_link(h, ADMIN)}")


async def count_units(db) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(Unit))


async def test_errors_echoing_long_input_stay_short(harness: Harness) -> None:
    """An unknown time zone, stream, project or member of 4000 characters is echoed shortened, not a crash."""
    h = harness
    await setup(h)
    w = "x" * 4000
    for cmd in (f"/settings tz {w}", f"/report {w} a b", f"/report smm {w} b", f"/away @{w} 2026-11-20",
                f"/plan @{w} 5", "/plan\n" + "\n".join(f"@{'y' * 70}{i} 5" for i in range(60))):
        [reply] = h.messages(check(h, await h.send(ADMIN, cmd)))
        assert len(reply.text) < 4096


async def test_escaped_arguments_longer_than_fluent_placeable_limit(harness: Harness, db) -> None:
    """A valid 1000-character link full of "&" grows fivefold when escaped: still shown, and saved."""
    h = harness
    await setup(h)
    await h.send(ADMIN, "/projects add Bakery")
    link = "https://ex.com/?a=1" + "&" * 600
    [card] = h.messages(check(h, await h.send(WRITER, f"/report smm Bakery {link}")))
    assert "сохранена" in card.text and await count_units(db) == 1


async def test_long_lists_fit_one_message(harness: Harness) -> None:
    h = harness
    await setup(h)
    for i in range(70):
        await h.send(ADMIN, f"/departments add {'D' * 95} {i}")
    for i in range(30):
        await h.send(Person(100 + i, "N" * 64, "L" * 64, f"user{i}"), f"/start {await invite_link(h, ADMIN)}")
    [msg] = h.messages(check(h, await h.send(ADMIN, "/departments")))
    assert "…и ещё" in msg.text
    [msg] = h.messages(check(h, await h.send(ADMIN, "/team")))
    assert "1/2" in [b for b, _ in msg.buttons()]
