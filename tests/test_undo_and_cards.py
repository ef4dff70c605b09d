"""Undo of a unit's state change within UNDO_MINUTES (issue 8, point 24) and cards that don't pile up
(point 27): /mine opens a unit in the list's message with Back; a stale card shows the current state."""

from __future__ import annotations

from sqlalchemy import select

from models.org import AuditEntry
from models.reporting import Revision, Unit, UnitEvent
from tests.recording import Harness
from tests.test_reporting import ADMIN, OTHER, WRITER, count, setup_team, units

UNDO = "Отменить последнее"


async def one_unit(h: Harness, db):
    await setup_team(h, "Bakery")
    card = h.messages(await h.send(WRITER, "/report smm Bakery Post"))[0]
    return card, (await units(db))[0].id


async def test_undo_send_reverts_state_event_and_stats_and_is_audited(harness: Harness, db) -> None:
    h = harness
    card, uid = await one_unit(h, db)
    assert all(UNDO not in b for b, _ in card.buttons())  # creation is not undone (delete is)
    card = h.messages(await h.press(WRITER, card, card.button("Отправлена")))[0]
    undo = card.button(UNDO)
    sent = await h.press(WRITER, card, undo)
    assert "Отменено: снова написана" in h.answers(sent)[0].params["text"]
    card = h.messages(sent)[0]
    assert "написана" in card.text and all(UNDO not in b for b, _ in card.buttons())
    async with db.session() as s:
        unit = await s.get(Unit, uid)
        assert unit.state == "written" and unit.sent_at is None  # /me, /team and digests count by sent_at
    assert await count(db, UnitEvent, UnitEvent.kind == "sent") == 0
    assert await count(db, AuditEntry, AuditEntry.action == "unit.undone") == 1
    # pressed twice: a clear message, nothing changes
    sent = await h.press(WRITER, card, undo)
    assert h.answers(sent)[0].params["show_alert"] is True
    assert "Отменять нечего" in h.answers(sent)[0].params["text"]
    assert await count(db, AuditEntry, AuditEntry.action == "unit.undone") == 1


async def test_undo_revision_received_and_done_keep_revisions_consistent(harness: Harness, db, clock) -> None:
    h = harness
    card, uid = await one_unit(h, db)
    card = h.messages(await h.press(WRITER, card, card.button("Отправлена")))[0]
    picker = h.messages(await h.press(WRITER, card, card.button("Получена правка")))[0]
    card = h.messages(await h.press(WRITER, picker, picker.button("Стиль")))[0]
    assert await count(db, Revision) == 1
    card = h.messages(await h.press(WRITER, card, card.button(UNDO)))[0]
    assert "на согласовании" in card.text
    assert await count(db, Revision) == 0 and await count(db, UnitEvent, UnitEvent.kind == "revision_received") == 0
    picker = h.messages(await h.press(WRITER, card, card.button("Получена правка")))[0]
    card = h.messages(await h.press(WRITER, picker, picker.button("Стиль")))[0]
    clock.advance(minutes=30)
    card = h.messages(await h.press(WRITER, card, card.button("Правка внесена")))[0]
    card = h.messages(await h.press(WRITER, card, card.button(UNDO)))[0]
    assert "в правках" in card.text
    async with db.session() as s:
        rev = await s.scalar(select(Revision))
        assert rev.done_at is None and rev.reaction_seconds is None
        assert (await s.get(Unit, uid)).state == "revision"


async def test_undo_after_the_window_is_refused_and_others_cannot_undo(harness: Harness, db, clock) -> None:
    h = harness
    card, uid = await one_unit(h, db)
    card = h.messages(await h.press(WRITER, card, card.button("Отправлена")))[0]
    undo = card.button(UNDO)
    sent = await h.press(OTHER, card, undo)  # not theirs
    assert h.answers(sent)[0].params["show_alert"] is True
    clock.advance(minutes=11)
    sent = await h.press(WRITER, card, undo)
    assert "в течение 10 минут" in h.answers(sent)[0].params["text"]
    assert all(UNDO not in b for b, _ in h.messages(sent)[0].buttons())  # the card drops the stale button
    async with db.session() as s:
        assert (await s.get(Unit, uid)).state == "sent"
    assert await count(db, AuditEntry, AuditEntry.action == "unit.undone") == 0


async def test_mine_opens_the_card_in_place_with_back_kept_through_actions(harness: Harness, db) -> None:
    h = harness
    await one_unit(h, db)
    listing = h.messages(await h.send(WRITER, "/mine"))[0]
    sent = await h.press(WRITER, listing, listing.button("#"))
    assert [s.method for s in h.messages(sent)] == ["EditMessageText"]  # no new copy
    card = h.messages(sent)[0]
    assert card.params["message_id"] == listing.result.message_id and "Post" in card.text
    back = card.button("К списку")
    assert back.startswith("mi:")
    card = h.messages(await h.press(WRITER, card, card.button("Отправлена")))[0]
    assert card.button("К списку") == back
    # through the revision picker and its own Back, the list stays one tap away
    picker = h.messages(await h.press(WRITER, card, card.button("Получена правка")))[0]
    assert picker.button("К списку") == back
    card = h.messages(await h.press(WRITER, picker, picker.button("« Назад")))[0]
    assert card.button("К списку") == back
    picker = h.messages(await h.press(WRITER, card, card.button("Получена правка")))[0]
    card = h.messages(await h.press(WRITER, picker, picker.button("Стиль")))[0]
    assert "в правках" in card.text and card.button("К списку") == back
    sent = await h.press(WRITER, card, back)
    assert h.messages(sent)[0].method == "EditMessageText" and "в правках" in h.messages(sent)[0].text


async def test_a_stale_copy_shows_the_current_state_instead_of_acting(harness: Harness, db) -> None:
    h = harness
    old, uid = await one_unit(h, db)
    new = h.messages(await h.press(WRITER, old, old.button("Отправлена")))[0]
    new = h.messages(await h.press(ADMIN, new, new.button("Согласована")))[0]
    sent = await h.press(WRITER, old, f"u:fix:{uid}:")  # a button the old copy showed no longer applies
    assert h.answers(sent)[0].params["show_alert"] is True
    shown = h.messages(sent)[0]
    assert shown.method == "EditMessageText" and "согласована" in shown.text
    assert all("Правка внесена" not in b for b, _ in shown.buttons())
    assert await count(db, UnitEvent, UnitEvent.kind == "revision_done") == 0
    sent = await h.press(WRITER, old, f"u:rev:{uid}:")  # the same for a button that opens a picker
    assert h.answers(sent)[0].params["show_alert"] is True
    # the copy already shows the current state (the press above re-rendered it): nothing to re-edit
    # (Telegram would refuse an identical edit), and no new copy is posted
    assert h.messages(sent) == []
    assert await count(db, Revision) == 0


async def test_undo_button_with_a_made_up_event_id_is_outdated(harness: Harness, db) -> None:
    h = harness
    card, uid = await one_unit(h, db)
    card = h.messages(await h.press(WRITER, card, card.button("Отправлена")))[0]
    for v in ("99999999999999999999999", "x", "²"):
        sent = await h.press(WRITER, card, f"u:undo:{uid}:{v}")
        assert h.answers(sent)[0].params["show_alert"] is True
    async with db.session() as s:
        assert (await s.get(Unit, uid)).state == "sent"
