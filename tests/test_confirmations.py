"""Destructive taps ask first: archiving a project, switching a member off. Yes twice or a stale Yes is
harmless (one change, one audit row); No changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from models.org import AuditEntry, Member
from models.reporting import Project
from tests.recording import Harness
from tests.test_qa_flows import ADMIN, WRITER, setup


async def audits(db, action: str) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


async def test_archiving_a_project_asks_first(harness: Harness, db) -> None:
    h = harness
    await setup(h)
    await h.send(ADMIN, "/projects add Bakery")
    listing = h.messages(await h.send(ADMIN, "/projects"))[0]
    confirm = h.messages(await h.press(ADMIN, listing, listing.button("В архив")))[0]
    assert "Bakery" in confirm.text and "в архив?" in confirm.text
    async with db.session() as s:
        assert (await s.scalar(select(Project))).archived is False  # asking changes nothing
    back = h.messages(await h.press(ADMIN, confirm, confirm.button("Нет")))[0]
    assert "В архив" in str(back.buttons())
    async with db.session() as s:
        assert (await s.scalar(select(Project))).archived is False
    yes = confirm.button("Да, в архив")
    await h.press(ADMIN, confirm, yes)
    sent = await h.press(ADMIN, confirm, yes)  # a double press or a stale confirmation
    assert h.answers(sent)[0].params.get("show_alert") is not True
    async with db.session() as s:
        assert (await s.scalar(select(Project))).archived is True
    assert await audits(db, "project.archived") == 1
    # restoring is not destructive: one tap
    listing = h.messages(await h.send(ADMIN, "/projects"))[0]
    await h.press(ADMIN, listing, listing.button("Вернуть"))
    async with db.session() as s:
        assert (await s.scalar(select(Project))).archived is False


async def test_switching_a_member_off_asks_first(harness: Harness, db) -> None:
    h = harness
    await setup(h)

    async def active() -> bool:
        async with db.session() as s:
            return (await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))).active

    members = h.messages(await h.send(ADMIN, "/members"))[0]
    card = h.messages(await h.press(ADMIN, members, members.button("Anna")))[0]
    confirm = h.messages(await h.press(ADMIN, card, card.button("Отключить")))[0]
    assert "Anna" in confirm.text and await active()
    again = h.messages(await h.press(ADMIN, confirm, confirm.button("Нет")))[0]
    assert "Отключить" in str(again.buttons()) and await active()
    yes = confirm.button("Да, отключить")
    await h.press(ADMIN, confirm, yes)
    sent = await h.press(ADMIN, confirm, yes)
    assert h.answers(sent)[0].params.get("show_alert") is not True
    assert not await active()
    assert await audits(db, "member.deactivate") == 1
    # the stale "switch off" button of the old card only shows the card again
    sent = await h.press(ADMIN, card, card.button("Отключить"))
    assert not await active() and "Вернуть доступ" in str(h.messages(sent)[0].buttons())


async def test_archiving_a_stream_asks_first(harness: Harness, db) -> None:
    from models.reporting import Stream

    h = harness
    await setup(h)

    async def active(code: str) -> bool:
        async with db.session() as s:
            return (await s.scalar(select(Stream).where(Stream.code == code))).active

    listing = h.messages(await h.send(ADMIN, "/streams"))[0]
    confirm = h.messages(await h.press(ADMIN, listing, listing.button("В архив: smm")))[0]
    assert "smm" in confirm.text and "в архив?" in confirm.text and await active("smm")
    back = h.messages(await h.press(ADMIN, confirm, confirm.button("Нет")))[0]
    assert "В архив: smm" in str(back.buttons()) and await active("smm")
    yes = confirm.button("Да, в архив")
    await h.press(ADMIN, confirm, yes)
    await h.press(ADMIN, confirm, yes)  # twice: one change, one audit row
    assert not await active("smm") and await audits(db, "stream.archived") == 1
    # an archived stream is not offered for a report; restoring is one tap
    assert "smm" not in str(h.messages(await h.send(WRITER, "/report"))[0].buttons())
    listing = h.messages(await h.send(ADMIN, "/streams"))[0]
    assert "(в архиве)" in listing.text
    listing = h.messages(await h.press(ADMIN, listing, listing.button("Вернуть: smm")))[0]
    assert await active("smm")
    # writers cannot use the buttons
    sent = await h.press(WRITER, listing, listing.button("В архив: smm"))
    assert h.answers(sent)[0].params.get("show_alert") is True and await active("smm")
