"""A unit's edit window: the author edits and deletes within EDIT_WINDOW_HOURS, a manager of the author
always; deletion is soft, audited and leaves the unit out of /mine, /me and /team (fast, in-process)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.org import AuditEntry, Member
from models.reporting import Unit, UnitEvent
from tests.recording import Harness, Person, Sent
from tests.test_plans import ADMIN, ANNA, MANAGER, VERA, invite_into, setup_departments
from tests.test_team import NOV_10, add_units, team_lines

RITA = Person(11, "Rita", None, "rita")  # manages «Репутация», not Anna's department
WINDOW = 24  # EDIT_WINDOW_HOURS by default


async def setup(h: Harness) -> None:
    await setup_departments(h)
    await h.send(RITA, f"/start {await invite_into(h, ADMIN, 'Репутация', 'руководитель')}")
    await h.send(ADMIN, "/projects add Bakery")


async def report(h: Harness, db, title: str) -> tuple[Sent, int]:
    card = h.messages(await h.send(ANNA, f"/report smm Bakery {title}"))[0]
    async with db.session() as s:
        uid = await s.scalar(select(Unit.id).where(Unit.title == title))
    return card, uid


async def unit(db, uid: int) -> Unit:
    async with db.session() as s:
        return await s.get(Unit, uid)


async def audit_rows(db, action: str) -> list[tuple[int, dict]]:
    """(actor telegram id, details) of audit entries with ``action``."""
    async with db.session() as s:
        q = (select(Member.telegram_id, AuditEntry.details).join(Member, Member.id == AuditEntry.actor_id)
             .where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [(tg, d) for tg, d in (await s.execute(q)).all()]


def alert(sent: list[Sent]) -> str:
    [answer] = Harness.answers(sent)
    assert answer.params.get("show_alert") is True, answer.params
    return answer.params["text"]


async def test_author_edits_and_deletes_within_the_window_only(harness: Harness, db, clock, settings) -> None:
    h = harness
    assert settings.edit_window_hours == WINDOW
    await setup(h)
    card, uid = await report(h, db, "Draft")
    assert {"Изменить", "Удалить"} <= {b for b, _ in card.buttons()}
    # just inside the window: edit works, audited with old and new
    clock.advance(hours=WINDOW - 1, minutes=59)
    ask = h.messages(await h.press(ANNA, card, card.button("Изменить")))[0]
    assert f"новое название или ссылку для #{uid}" in ask.text
    card = h.messages(await h.send(ANNA, "Final https://vk.com/wall-1_2"))[0]
    assert card.text.startswith("Сохранено") and "Final" in card.text
    u = await unit(db, uid)
    assert (u.title, u.link) == ("Final", "https://vk.com/wall-1_2")
    assert await audit_rows(db, "unit.edited") == [
        (ANNA.id, {"old": {"title": "Draft", "link": None}, "new": {"title": "Final", "link": "https://vk.com/wall-1_2"}})]
    # the edit prompt was opened in time but the text comes after the window: refused on the server
    await h.press(ANNA, card, card.button("Изменить"))
    clock.advance(minutes=2)
    text = h.messages(await h.send(ANNA, "Too late"))[0].text
    assert text.startswith(f"Изменять и удалять единицу автор может в течение {WINDOW} часов")
    assert (await unit(db, uid)).title == "Final"
    # after the window: no buttons on the card, and forged presses are refused
    shown = h.messages(await h.send(ANNA, "/mine"))[0]
    card = h.messages(await h.press(ANNA, shown, shown.button(f"#{uid}")))[0]
    assert not {"Изменить", "Удалить"} & {b for b, _ in card.buttons()}
    assert f"{WINDOW} час" in alert(await h.press(ANNA, card, f"u:edit:{uid}:"))
    assert f"{WINDOW} час" in alert(await h.press(ANNA, card, f"u:del:{uid}:"))
    assert f"{WINDOW} час" in alert(await h.press(ANNA, card, f"u:delok:{uid}:"))
    u = await unit(db, uid)
    assert u.state == "written" and u.deleted_at is None
    assert len(await audit_rows(db, "unit.edited")) == 1 and await audit_rows(db, "unit.deleted") == []


async def test_author_deletes_within_the_window(harness: Harness, db, clock) -> None:
    h = harness
    await setup(h)
    card, uid = await report(h, db, "Oops")
    clock.advance(hours=WINDOW)  # the last moment of the window still counts
    confirm = h.messages(await h.press(ANNA, card, card.button("Удалить")))[0]
    assert "Удалить эту единицу?" in confirm.text
    sent = await h.press(ANNA, confirm, confirm.button("Да, удалить"))
    assert h.answers(sent)[0].params["text"] == "Единица удалена"
    assert "Статус: удалена" in h.messages(sent)[0].text and h.messages(sent)[0].markup is None
    u = await unit(db, uid)
    assert u.state == "deleted" and u.deleted_at == clock.now()
    assert await audit_rows(db, "unit.deleted") == [(ANNA.id, {"state": "written", "title": "Oops"})]
    # a second press deletes nothing more
    sent = await h.press(ANNA, confirm, confirm.button("Да, удалить"))
    assert h.answers(sent)[0].params["text"] == "Уже отмечено: удалена"
    assert len(await audit_rows(db, "unit.deleted")) == 1


async def test_confirm_after_the_window_is_refused(harness: Harness, db, clock) -> None:
    h = harness
    await setup(h)
    card, uid = await report(h, db, "Slow")
    confirm = h.messages(await h.press(ANNA, card, card.button("Удалить")))[0]
    clock.advance(hours=WINDOW, seconds=1)
    assert f"{WINDOW} час" in alert(await h.press(ANNA, confirm, confirm.button("Да, удалить")))
    assert (await unit(db, uid)).state == "written"


async def test_manager_always_can_others_cannot(harness: Harness, db, clock) -> None:
    h = harness
    await setup(h)
    card, uid = await report(h, db, "Draft")
    # another writer and a manager of another department: refused even within the window
    for who in (VERA, RITA):
        for action in ("edit", "del", "delok"):
            assert alert(await h.press(who, card, f"u:{action}:{uid}:")) == "Эта команда вам недоступна."
    clock.advance(days=40)
    # Anna's manager, long after the window, opens the unit in their own chat
    own = h.messages(await h.send(MANAGER, "/help"))[0]
    card = h.messages(await h.press(MANAGER, own, f"u:show:{uid}:"))[0]
    assert card.params["chat_id"] == MANAGER.id and "Изменить" in [b for b, _ in card.buttons()]
    ask = h.messages(await h.press(MANAGER, card, card.button("Изменить")))[0]
    assert f"#{uid}" in ask.text
    card = h.messages(await h.send(MANAGER, "Fixed by Max"))[0]
    assert "Fixed by Max" in card.text and "Удалить" in [b for b, _ in card.buttons()]
    assert [tg for tg, _ in await audit_rows(db, "unit.edited")] == [MANAGER.id]
    confirm = h.messages(await h.press(MANAGER, card, card.button("Удалить")))[0]
    await h.press(MANAGER, confirm, confirm.button("Да, удалить"))
    u = await unit(db, uid)
    assert u.state == "deleted" and u.title == "Fixed by Max"
    assert await audit_rows(db, "unit.deleted") == [(MANAGER.id, {"state": "written", "title": "Fixed by Max"})]
    async with db.session() as s:
        kinds = list(await s.scalars(select(UnitEvent.kind).where(UnitEvent.unit_id == uid).order_by(UnitEvent.id)))
    assert kinds == ["created", "edited", "deleted"]
    # a deleted unit is not edited again, by anyone
    for action in ("edit", "del"):
        sent = await h.press(MANAGER, card, f"u:{action}:{uid}:")
        assert alert(sent) == "Так нельзя: единица сейчас в статусе «удалена»." and not h.messages(sent)
    assert (await unit(db, uid)).title == "Fixed by Max"


async def test_deleted_units_leave_mine_me_and_team(harness: Harness, db, clock) -> None:
    h = harness
    await setup(h)
    await h.send(MANAGER, "/plan\n@anna 10")
    sent_ids = await add_units(db, ANNA.id, 6, 0, NOV_10)
    await add_units(db, ANNA.id, 5, 2, NOV_10 - timedelta(days=31))  # October: 0.4 revisions per unit
    # one of the sent units gets 4 revisions (4/6 ≈ 0.67 per unit, +67 %: flagged) and is then deleted
    card = h.messages(await h.send(ANNA, "/mine"))[0]
    for _ in range(4):
        picker = h.messages(await h.press(ANNA, card, f"u:rev:{sent_ids[0]}:"))[0]
        await h.press(ANNA, picker, picker.button("Опечатки"))
        await h.press(ANNA, picker, f"u:fix:{sent_ids[0]}:")
    lines = team_lines(h.messages(await h.send(MANAGER, "/team"))[0].text)
    assert "Анна Петрова — 6/10 (" in lines["Анна Петрова"] and "⚠️" in lines["Анна Петрова"]
    assert "сделано 6 из 10" in h.messages(await h.send(ANNA, "/me"))[0].text
    confirm = h.messages(await h.press(MANAGER, card, f"u:del:{sent_ids[0]}:"))[0]
    await h.press(MANAGER, confirm, confirm.button("Да, удалить"))
    # gone from the counts and from the quality flag (its revisions no longer count)
    lines = team_lines(h.messages(await h.send(MANAGER, "/team"))[0].text)
    assert "Анна Петрова — 5/10 (" in lines["Анна Петрова"] and "⚠️" not in lines["Анна Петрова"]
    me = h.messages(await h.send(ANNA, "/me"))[0].text
    assert "сделано 5 из 10" in me and "на согласовании 5" in me and "Правок: 0" in me
    mine = h.messages(await h.send(ANNA, "/mine"))[0]
    assert f"#{sent_ids[0]}" not in mine.text and f"#{sent_ids[1]}" in mine.text
    assert (await unit(db, sent_ids[0])).state == "deleted"
