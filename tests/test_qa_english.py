"""QA (issue 8): an English-Telegram member who never opens /settings gets English everywhere."""

from __future__ import annotations

import re

from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person, Sent

EN_ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga", language_code="en")
EN_WRITER = Person(2, "Anna", "Petrova", "anna", language_code="en")
CYR = re.compile("[А-Яа-яЁё]")


def message_texts(sent: list[Sent]) -> list[str]:
    return [s.text for s in sent if s.text]


def texts(sent: list[Sent]) -> list[str]:
    out = []
    for s in sent:
        if s.text:
            out.append(s.text)
        out += [b for b, _ in s.buttons()]
    return out


async def invite(h: Harness) -> str:
    msg = h.messages(await h.send(EN_ADMIN, "/invite"))[0]
    msg = h.messages(await h.press(EN_ADMIN, msg, msg.buttons()[0][1]))[0]
    if "start=" not in msg.text:
        msg = h.messages(await h.press(EN_ADMIN, msg, msg.buttons()[0][1]))[0]
    return msg.text.split("start=")[1].split()[0].split("<")[0]


async def test_english_member_walks_every_screen_in_english(harness: Harness, db) -> None:
    """Commands, errors (bounded numbers, reversed dates), cards, undo, confirmations and every button
    an English-Telegram member and admin see, pressed once more: English, and never "something went wrong"
    (QA of issue 8; the stream list shows both names by design)."""
    h = harness
    seen: list[tuple[str, str]] = []

    async def send(p, text):
        sent = await h.send(p, text)
        seen.extend((text, t) for t in texts(sent))
        return sent

    async def press(p, msg, data):
        sent = await h.press(p, msg, data)
        seen.extend((data, t) for t in texts(sent))
        return sent

    await send(EN_ADMIN, "/start")
    await send(EN_ADMIN, "/projects add Bakery")
    token = await invite(h)
    await send(EN_WRITER, f"/start {token}")
    for cmd in ("/help", "/me", "/mine", "/away", "/away 20.12-10.12", "/mine 31.12-01.12", "/rate", "/ratings",
                "/report", "/report smm Nope Post", "/report nope Bakery Post", "/report smm Bakery",
                "/projects archive 99999999999999999999", "/projects rename ² x", "/team", "/plan", "/digest",
                "/members", "/departments", "/streams", "/rating_policies", "/export", "/cancel", "hello",
                "/away 99.99", "/away 01.01-01.01", "/mine 1", "/me 5"):
        await send(EN_WRITER, cmd)
        await send(EN_ADMIN, cmd)
    card = h.messages(await send(EN_WRITER, "/report smm Bakery Post one"))[0]
    card2 = h.messages(await press(EN_WRITER, card, card.button("approval")))[0]
    for data in [b for _, b in card2.buttons()]:
        await press(EN_WRITER, card2, data)
    for data in [b for _, b in card.buttons()]:
        await press(EN_WRITER, card, data)
    mine = h.messages(await send(EN_WRITER, "/mine"))[0]
    for data in [b for _, b in mine.buttons()]:
        r = h.messages(await press(EN_WRITER, mine, data))
        for m in r:
            for d in [b for _, b in m.buttons()]:
                await press(EN_WRITER, m, d)
    # admin screens
    for cmd in ("/members", "/projects", "/streams", "/plan", "/team", "/digest", "/rating_campaign",
                "/rating_policies", "/departments"):
        for m in h.messages(await send(EN_ADMIN, cmd)):
            for d in [b for _, b in m.buttons()][:6]:
                for m2 in h.messages(await press(EN_ADMIN, m, d)):
                    for d2 in [b for _, b in m2.buttons()][:4]:
                        await press(EN_ADMIN, m2, d2)
    bad = [(c, t) for c, t in seen
           if (CYR.search(t) and not c.startswith(("/streams", "sm:"))) or "went wrong" in t]
    assert not bad, bad[:5]


async def test_unknown_project_lists_names_without_russian_quotes(harness: Harness, db) -> None:
    """The list of projects in "no such project" was quoted «...» in English too, and cut by hand."""
    h = harness
    await h.send(EN_ADMIN, "/start")
    await h.send(EN_ADMIN, "/projects add Bakery")
    await h.send(EN_ADMIN, "/projects add " + "Long, name " * 8)
    await h.send(EN_WRITER, f"/start {await invite(h)}")
    [reply] = message_texts(await h.send(EN_WRITER, "/report smm Nope Post"))
    assert "«" not in reply and "»" not in reply
    assert "\n• Bakery" in reply and "\n• Long, name" in reply and "…" in reply
