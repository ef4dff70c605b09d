"""QA probes: adversarial inputs through the production dispatcher (limits, escaping, stale buttons)."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from models.reporting import Revision, Unit
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


async def test_other_reason_from_an_old_menu_is_not_silently_lost(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(ADMIN, "/projects add Bakery")
    card = h.messages(await h.send(WRITER, "/report smm Bakery First post"))[0]
    card = h.messages(await h.press(WRITER, card, card.button("Отправлена")))[0]
    menu = h.messages(await h.press(WRITER, card, card.button("правк")))[0]
    await h.press(WRITER, menu, menu.button("Опечатки"))
    # the same (old) menu again: "other" does not ask for a text that could not be recorded
    sent = check(h, await h.press(WRITER, menu, menu.button("Другое")))
    assert "Уже отмечено" in h.answers(sent)[0].params["text"]
    assert "Опишите правку" not in " ".join(m.text for m in h.messages(sent))
    assert "Не понял" in h.messages(await h.send(WRITER, "client wants it shorter"))[0].text
    async with db.session() as s:
        assert [r.reason for r in await s.scalars(select(Revision))] == ["typos"]


async def test_other_reason_text_confirms_it_was_recorded(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.send(ADMIN, "/projects add Bakery")
    card = h.messages(await h.send(WRITER, "/report smm Bakery First post"))[0]
    card = h.messages(await h.press(WRITER, card, card.button("Отправлена")))[0]
    menu = h.messages(await h.press(WRITER, card, card.button("правк")))[0]
    await h.press(WRITER, menu, menu.button("Другое"))
    [reply] = h.messages(check(h, await h.send(WRITER, "fix <this> & that")))
    assert reply.text.startswith("Готово: в правках") and "fix &lt;this&gt; &amp; that" in reply.text


async def test_switched_off_member_help_does_not_ask_for_an_invite(harness: Harness) -> None:
    h = harness
    await setup(h)
    members = h.messages(await h.send(ADMIN, "/members"))[0]
    card = h.messages(await h.press(ADMIN, members, members.button("Anna")))[0]
    confirm = h.messages(await h.press(ADMIN, card, card.button("Отключить")))[0]
    await h.press(ADMIN, confirm, confirm.button("Да, отключить"))
    [reply] = h.messages(check(h, await h.send(WRITER, "/help")))
    assert "доступ отключён" in reply.text and "ссылку-приглашение" not in reply.text


async def test_members_line_without_username_has_no_double_space(harness: Harness) -> None:
    h = harness
    await setup(h)
    [msg] = h.messages(check(h, await h.send(ADMIN, "/members")))
    assert "Anna — автор" in msg.text and "Boris @boris — автор" in msg.text


async def test_old_report_cancel_button_does_not_drop_another_form(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(ADMIN, "/projects add Bakery")
    msg = h.messages(await h.send(WRITER, "/report"))[0]
    msg = h.messages(await h.press(WRITER, msg, msg.button("соцсетей")))[0]
    msg = h.messages(await h.press(WRITER, msg, msg.button("Bakery")))[0]
    confirm = h.messages(await h.send(WRITER, "Post"))[0]
    card = h.messages(await h.press(WRITER, confirm, confirm.button("Сохранить")))[0]
    await h.press(WRITER, card, card.button("Изменить"))  # now waiting for the new title
    sent = check(h, await h.press(WRITER, confirm, confirm.button("Отмена")))
    assert h.answers(sent)[0].params.get("show_alert") is True
    [reply] = h.messages(check(h, await h.send(WRITER, "Better post")))
    assert "Better post" in reply.text


async def sticker(h: Harness, person: Person) -> list[Sent]:
    from datetime import UTC, datetime

    from aiogram.types import Chat, Message, Sticker, Update

    msg = Message(message_id=next(h._msg_ids), date=datetime.now(UTC), chat=Chat(id=person.id, type="private"),
                  from_user=person.user, sticker=Sticker(file_id="s", file_unique_id="s", type="regular",
                                                         width=1, height=1, is_animated=False, is_video=False))
    return await h._feed(Update(update_id=next(h._update_ids), message=msg))


async def test_stray_messages_mid_form_say_what_is_expected(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(ADMIN, "/projects add Bakery")
    msg = h.messages(await h.send(WRITER, "/report"))[0]
    assert "кнопкой" in h.messages(check(h, await h.send(WRITER, "hello")))[0].text
    assert "кнопкой" in h.messages(check(h, await sticker(h, WRITER)))[0].text
    msg = h.messages(await h.press(WRITER, msg, msg.button("соцсетей")))[0]
    assert "текстом" in h.messages(check(h, await sticker(h, WRITER)))[0].text
    msg = h.messages(await h.press(WRITER, msg, msg.button("Bakery")))[0]
    assert "текстом" in h.messages(check(h, await sticker(h, WRITER)))[0].text
    confirm = h.messages(await h.send(WRITER, "Post"))[0]
    assert "кнопкой" in h.messages(check(h, await h.send(WRITER, "Post, corrected")))[0].text
    assert "Не понял" in h.messages(check(h, await h.send(WRITER, "/nonsense")))[0].text
    card = h.messages(await h.press(WRITER, confirm, confirm.button("Сохранить")))[0]
    assert "Post" in card.text and await count_units(db) == 1
    # after the form: back to the general answer
    assert "Не понял" in h.messages(check(h, await sticker(h, WRITER)))[0].text
    # a plan number
    board = h.messages(await h.send(ADMIN, "/plan"))[0]
    board = h.messages(await h.press(ADMIN, board, board.buttons()[0][1]))[0]
    card = h.messages(await h.press(ADMIN, board, board.button("Anna")))[0]
    await h.press(ADMIN, card, card.buttons()[0][1])
    assert "текстом" in h.messages(check(h, await sticker(h, ADMIN)))[0].text
    assert "Сохранено" in h.messages(check(h, await h.send(ADMIN, "7")))[0].text


async def test_team_projects_with_many_long_names_fits(harness: Harness) -> None:
    h = harness
    await setup(h)
    for i in range(45):
        name = f"{'P' * 70}{i}"
        await h.send(ADMIN, f"/projects add {name}")
        card = h.messages(await h.send(WRITER, f'/report smm "{name}" Post {i}'))[0]
        await h.press(WRITER, card, card.button("Отправлена"))
    [msg] = h.messages(check(h, await h.send(ADMIN, "/team projects")))
    assert "…и ещё" in msg.text
