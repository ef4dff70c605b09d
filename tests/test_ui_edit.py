"""bot.ui.edit never sends an edit that Telegram would refuse with "message is not modified"."""

from __future__ import annotations

from aiogram.types import Message, MessageEntity

from bot.sandbox.tghtml import parse_html
from tests.recording import Harness, Sent
from tests.test_ratings import ADMIN, last_message, setup_org


def as_shown(sent: Sent) -> Sent:
    """The message as Telegram returns it: HTML parsed into plain text and entities."""
    assert isinstance(sent.result, Message)
    text, entities = parse_html(sent.params["text"])
    shown = sent.result.model_copy(update={
        "text": text, "entities": [MessageEntity(**e) for e in entities] or None,
        "reply_markup": sent.params.get("reply_markup")})
    return Sent(sent.method, sent.params, shown)


def edits(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.method.startswith("EditMessage")]


async def test_double_press_does_not_re_edit(harness: Harness, db) -> None:
    h = harness
    await setup_org(h, db)
    listing = as_shown(last_message(h, await h.send(ADMIN, "/rating_policies")))
    first = await h.press(ADMIN, listing, listing.button("1."))
    assert len(edits(first)) == 1
    # the second press of a double press carries the message as it was before the first edit
    assert edits(await h.press(ADMIN, listing, listing.button("1."))) == []
    # pressing a button of the card that shows the same card: the content and markup are the current ones
    card = as_shown(edits(first)[0])
    assert edits(await h.press(ADMIN, card, listing.button("1."))) == []
    # a real change is still sent
    assert len(edits(await h.press(ADMIN, card, card.button("Назад")))) == 1


async def test_double_press_of_a_toggle_leaves_the_message_true(harness: Harness, db) -> None:
    """Two presses of a toggle from one view: on → off → on; the message must end up showing "on"."""
    from tests.scheduling_helpers import make_team
    from tests.test_digest_handlers import MANAGER

    h = harness
    await make_team(db, writers=1)
    menu = h.messages(await h.send(MANAGER, "/settings"))[0]
    screen = as_shown(h.messages(await h.press(MANAGER, menu, menu.button("Дайджесты")))[0])
    assert "Ежедневный (рабочие дни): да" in screen.text
    first = edits(await h.press(MANAGER, screen, screen.button("Ежедневный")))
    assert len(first) == 1 and "Ежедневный (рабочие дни): нет" in first[0].text
    second = edits(await h.press(MANAGER, screen, screen.button("Ежедневный")))  # the stale copy
    assert len(second) == 1 and "Ежедневный (рабочие дни): да" in second[0].text
