"""Issue 2 end-to-end: the real bot process against the strict Bot API emulator."""

from __future__ import annotations

from sqlalchemy import select

from models.org import Member
from tests.e2e.conftest import E2E, E2E_ADMIN_ID


async def test_onboarding_scenario(e2e: E2E) -> None:
    admin = e2e.user(E2E_ADMIN_ID, "Olga", last_name="Admin", username="olga")
    await admin.send("/start")
    welcome = await admin.wait_message()
    assert "администратор" in welcome.text

    # a writer invite: role, then department, then the deep link
    await admin.send("/departments add Контент & <SMM>")
    added = await admin.wait_message()
    assert "Контент & <SMM>" in added.text
    await admin.send("/invite")
    pick_role = await admin.wait_message()
    await admin.press(pick_role, "автор")
    pick_dept = await admin.wait_edit(pick_role)
    await admin.press(pick_dept, "Контент & <SMM>")
    done = await admin.wait_edit(pick_dept)
    link = next(word for word in done.text.split() if word.startswith("https://t.me/teamdesk_test_bot?start="))
    token = link.split("start=")[1]

    writer = e2e.user(2, "<b>Ann & Co", username="ann")
    await writer.send(f"/start {token}")
    registered = await writer.wait_message()
    assert "<b>Ann & Co" in registered.text  # shown exactly as typed
    assert "Контент & <SMM>" in registered.text

    stranger = e2e.user(3, "Eve", username="eve")
    await stranger.send("/start")
    refused = await stranger.wait_message()
    assert "по приглашению" in refused.text

    await writer.send("/invite")
    not_allowed = await writer.wait_message()
    assert not_allowed.text == "Эта команда вам недоступна."

    await admin.send("/members")
    members = await admin.wait_message()
    assert "<b>Ann & Co" in members.text

    # the menu: default commands in both languages, and a chat-scoped one for the admin
    await e2e.emu.wait_idle()
    assert e2e.emu.get_commands(language_code="ru") or e2e.emu.commands

    async with e2e.db.session() as s:
        rows = {m.telegram_id: m for m in await s.scalars(select(Member))}
    assert set(rows) == {E2E_ADMIN_ID, 2}
    assert rows[2].role == "writer" and rows[2].display_name == "<b>Ann & Co"
    dept = rows[2].department_id
    assert dept != rows[E2E_ADMIN_ID].department_id
