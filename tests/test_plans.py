"""/plan through the production dispatcher: month → member → stream → number, pasted lines (all-or-nothing),
/plan copy, and who may plan whom (fast, in-process)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from models.org import AuditEntry, Department, Member
from models.reporting import Plan, Stream
from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga")
MANAGER = Person(10, "Max", "Lead", "max")  # manages «Контент»
ANNA = Person(2, "Анна", "Петрова", "anna")  # writer in «Контент»
VERA = Person(4, "Вера", None, "vera")  # writer in «Контент»
BORIS = Person(3, "Boris", None, "boris")  # writer in «Репутация»: not Max's

NOV, DEC, OCT = date(2026, 11, 1), date(2026, 12, 1), date(2026, 10, 1)


async def invite_into(h: Harness, who: Person, department: str, role_button: str = "автор") -> str:
    msg = h.messages(await h.send(who, "/invite"))[0]
    msg = h.messages(await h.press(who, msg, msg.button(role_button)))[0]
    [data] = [d for text, d in msg.buttons() if text == department]
    text = h.messages(await h.press(who, msg, data))[0].text
    return text.split("start=")[1].split()[0]


async def setup_departments(h: Harness) -> None:
    await h.send(ADMIN, "/start")
    await h.send(ADMIN, "/departments add Контент")
    await h.send(ADMIN, "/departments add Репутация")
    await h.send(MANAGER, f"/start {await invite_into(h, ADMIN, 'Контент', 'руководитель')}")
    await h.send(ANNA, f"/start {await invite_into(h, ADMIN, 'Контент')}")
    await h.send(VERA, f"/start {await invite_into(h, ADMIN, 'Контент')}")
    await h.send(BORIS, f"/start {await invite_into(h, ADMIN, 'Репутация')}")


async def ids(db) -> dict[str, int]:
    """telegram id → member id, plus stream codes → stream id."""
    async with db.session() as s:
        out = {str(m.telegram_id): m.id for m in await s.scalars(select(Member))}
        out |= {st.code: st.id for st in await s.scalars(select(Stream))}
        return out


async def plans(db, month: date | None = None) -> dict[tuple[int, str], int]:
    """(telegram id, stream code) → units."""
    async with db.session() as s:
        q = (select(Member.telegram_id, Stream.code, Plan.units).join(Member, Member.id == Plan.member_id)
             .join(Stream, Stream.id == Plan.stream_id))
        if month is not None:
            q = q.where(Plan.month == month)
        return {(tg, code): units for tg, code, units in (await s.execute(q)).all()}


async def count(db, model, *where) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


async def test_setup_puts_people_in_their_departments(harness: Harness, db) -> None:
    await setup_departments(harness)
    async with db.session() as s:
        dept = {d.id: d.name for d in await s.scalars(select(Department))}
        where = {m.telegram_id: (dept[m.department_id], m.role) for m in await s.scalars(select(Member))}
    assert where[MANAGER.id] == ("Контент", "manager")
    assert where[ANNA.id] == ("Контент", "writer") and where[BORIS.id] == ("Репутация", "writer")


async def test_plan_buttons_month_member_stream_number(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    pick = h.messages(await h.send(MANAGER, "/plan"))[0]
    assert "На какой месяц" in pick.text
    assert [b for b, _ in pick.buttons()] == ["ноябрь 2026", "декабрь 2026"]
    # next month; the board lists Max's writers only
    board = h.messages(await h.press(MANAGER, pick, pick.button("декабрь")))[0]
    assert "Планы на декабрь 2026" in board.text
    assert "Анна Петрова: 0 / 0" in board.text and "Вера: 0 / 0" in board.text
    assert "Boris" not in board.text
    card = h.messages(await h.press(MANAGER, board, board.button("Анна Петрова")))[0]
    assert "<b>Анна Петрова</b>, план на декабрь 2026" in card.text
    assert [b for b, _ in card.buttons()] == ["Контент для соцсетей: 0", "Репутационный контент: 0", "« Назад"]
    ask = h.messages(await h.press(MANAGER, card, card.button("соцсетей")))[0]
    assert "Анна Петрова, Контент для соцсетей, декабрь 2026" in ask.text and "от 0 до 1\xa0000" in ask.text
    # bad numbers are refused with the reason, nothing is stored, and the step waits for a number
    for bad in ("abc", "-1", "1001", "12.5", "1 000"):
        text = h.messages(await h.send(MANAGER, bad))[0].text
        assert f"«{bad}» — не подходит: нужно целое число от 0 до 1\xa0000" in text, text
    assert await plans(db) == {}
    saved = h.messages(await h.send(MANAGER, "40"))[0]
    # back on Anna's card (not the board): the next value is usually hers too
    assert saved.text.startswith("Сохранено") and "<b>Анна Петрова</b>, план на декабрь 2026" in saved.text
    assert "Контент для соцсетей: 40" in [b for b, _ in saved.buttons()]
    assert await plans(db, DEC) == {(ANNA.id, "smm"): 40}
    # the bounds are valid; changing a value is audited with old and new
    card = saved
    await h.press(MANAGER, card, card.button("Репутационный"))
    card = h.messages(await h.send(MANAGER, "1000"))[0]
    assert [b for b, _ in card.buttons()][:2] == ["Контент для соцсетей: 40", "Репутационный контент: 1000"]
    await h.press(MANAGER, card, card.button("соцсетей"))
    await h.send(MANAGER, "0")
    assert await plans(db, DEC) == {(ANNA.id, "smm"): 0, (ANNA.id, "reputation"): 1000}
    async with db.session() as s:
        entries = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "plan.set")
                                       .order_by(AuditEntry.id)))
    assert [(e.details["old"], e.details["new"]) for e in entries] == [(None, 40), (None, 1000), (40, 0)]
    assert all(e.details["month"] == "2026-12-01" for e in entries)


async def test_plan_current_month_and_back(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    pick = h.messages(await h.send(MANAGER, "/plan"))[0]
    board = h.messages(await h.press(MANAGER, pick, pick.button("ноябрь")))[0]
    card = h.messages(await h.press(MANAGER, board, board.button("Вера")))[0]
    back = h.messages(await h.press(MANAGER, card, card.button("Назад")))[0]
    assert "Планы на ноябрь 2026" in back.text
    await h.press(MANAGER, card, card.button("Репутационный"))
    await h.send(MANAGER, "7")
    assert await plans(db, NOV) == {(VERA.id, "reputation"): 7}
    # a month outside current/next (a forged button) is refused
    sent = await h.press(MANAGER, pick, "pl:m:202610:0:0")
    assert "текущий или следующий" in h.answers(sent)[0].params["text"]


async def test_pasted_lines_saved(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    pick = h.messages(await h.send(MANAGER, "/plan"))[0]
    await h.press(MANAGER, pick, pick.button("ноябрь"))
    sent = h.messages(await h.send(MANAGER, "@anna 40\nВера 25 12"))
    assert sent[0].text == "Планы сохранены: для 2 сотрудников, 3 значения."
    assert "Анна Петрова: 40 / 0" in sent[1].text and "Вера: 25 / 12" in sent[1].text
    assert await plans(db, NOV) == {(ANNA.id, "smm"): 40, (VERA.id, "smm"): 25, (VERA.id, "reputation"): 12}
    # lines right under the command; full name case-insensitive; only the given streams change
    text = h.messages(await h.send(MANAGER, "/plan next\nанна петрова 25 12\n@VERA 3"))[0].text
    assert text == "Планы сохранены: для 2 сотрудников, 3 значения."
    assert await plans(db, DEC) == {(ANNA.id, "smm"): 25, (ANNA.id, "reputation"): 12, (VERA.id, "smm"): 3}
    await h.send(MANAGER, "/plan next @anna 30")
    assert (await plans(db, DEC))[(ANNA.id, "smm")] == 30 and (await plans(db, DEC))[(ANNA.id, "reputation")] == 12


async def test_pasted_lines_all_or_nothing(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    pick = h.messages(await h.send(MANAGER, "/plan"))[0]
    await h.press(MANAGER, pick, pick.button("ноябрь"))
    text = "\n".join([
        "@anna 40",  # fine, but nothing is saved because of the others
        "Анна Петрова 25 12 3",  # too many numbers (2 streams)
        "@nobody 10",  # unknown person
        "@boris 10",  # exists, but not in Max's departments
        "Вера 1001",  # out of range
        "Вера -1",  # out of range
        "Вера",  # no numbers
        "@anna 5",  # the same person twice
    ])
    sent = h.messages(await h.send(MANAGER, text))
    assert len(sent) == 1, "the board is not shown again after a failure"
    reply = sent[0].text
    assert reply.startswith("Ничего не сохранено: ошибок в строках — 7.")
    assert "Строка 2 «Анна Петрова 25 12 3»: чисел больше, чем направлений." in reply
    assert "Строка 3 «@nobody 10»: не нашёл «@nobody» среди ваших сотрудников." in reply
    assert "Строка 4 «@boris 10»: не нашёл «@boris» среди ваших сотрудников." in reply
    assert "Строка 5 «Вера 1001»: план — целое число от 0 до 1000." in reply
    assert "Строка 6 «Вера -1»: план — целое число от 0 до 1000." in reply
    assert "Строка 7 «Вера»: нужно имя или @username и числа." in reply
    assert "Строка 8 «@anna 5»: «@anna» уже был выше." in reply
    assert "Строка 1 " not in reply
    assert await plans(db) == {}
    assert await count(db, AuditEntry, AuditEntry.action == "plan.set") == 0
    # one bad line is enough to save nothing
    reply = h.messages(await h.send(MANAGER, "@anna 40\n@vera 20 abc"))[0].text
    assert "ошибок в строках — 1" in reply and "Строка 2" in reply
    assert await plans(db) == {}


async def test_plan_copy_keeps_already_set(harness: Harness, db, clock) -> None:
    h = harness
    await setup_departments(h)
    clock.advance(days=-30)  # October 17: plan October (then the current month)
    await h.send(MANAGER, "/plan\n@anna 40 10\n@vera 20")
    assert await plans(db, OCT) == {(ANNA.id, "smm"): 40, (ANNA.id, "reputation"): 10, (VERA.id, "smm"): 20}
    clock.advance(days=30)
    await h.send(MANAGER, "/plan @anna 33")  # November: Anna's smm already set
    text = h.messages(await h.send(MANAGER, "/plan copy"))[0].text
    assert text == "План на ноябрь 2026: скопировано из прошлого месяца 2, уже было задано 1."
    assert await plans(db, NOV) == {(ANNA.id, "smm"): 33, (ANNA.id, "reputation"): 10, (VERA.id, "smm"): 20}
    # again: everything is already there
    text = h.messages(await h.send(MANAGER, "/plan copy"))[0].text
    assert "скопировано из прошлого месяца 0, уже было задано 3" in text
    # next month copies from November
    text = h.messages(await h.send(MANAGER, "/plan copy next"))[0].text
    assert "План на декабрь 2026: скопировано из прошлого месяца 3" in text
    assert await plans(db, DEC) == await plans(db, NOV)
    assert await plans(db, OCT) == {(ANNA.id, "smm"): 40, (ANNA.id, "reputation"): 10, (VERA.id, "smm"): 20}


async def test_plan_copy_only_managed_members(harness: Harness, db, clock) -> None:
    h = harness
    await setup_departments(h)
    clock.advance(days=-30)
    await h.send(ADMIN, "/plan\n@boris 5\n@anna 6")
    clock.advance(days=30)
    text = h.messages(await h.send(MANAGER, "/plan copy"))[0].text
    assert "скопировано из прошлого месяца 1, уже было задано 0" in text
    assert await plans(db, NOV) == {(ANNA.id, "smm"): 6}


async def test_writer_cannot_plan(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    pick = h.messages(await h.send(MANAGER, "/plan"))[0]
    for text in ("/plan", "/plan @anna 40", "/plan copy"):
        assert h.messages(await h.send(ANNA, text))[0].text == "Эта команда вам недоступна."
    # pressing the manager's buttons (forged callbacks) does nothing either
    m = await ids(db)
    for data in ("pl:m:202611:0:0", f"pl:mem:202611:{m[str(ANNA.id)]}:0",
                 f"pl:st:202611:{m[str(ANNA.id)]}:{m['smm']}"):
        sent = await h.press(ANNA, pick, data)
        assert h.answers(sent)[0].params.get("show_alert") is True
        assert not h.messages(sent)
    assert h.messages(await h.send(ANNA, "40"))[0].text != "Сохранено"
    assert await plans(db) == {}


async def test_manager_plans_only_their_departments(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    m = await ids(db)
    boris, smm = m[str(BORIS.id)], m["smm"]
    pick = h.messages(await h.send(MANAGER, "/plan"))[0]
    board = h.messages(await h.press(MANAGER, pick, pick.button("ноябрь")))[0]
    assert "Boris" not in board.text
    # forged buttons naming a member of another department are refused on the server
    sent = await h.press(MANAGER, board, f"pl:mem:202611:{boris}:0")
    assert h.answers(sent)[0].params["show_alert"] is True and not h.messages(sent)
    sent = await h.press(MANAGER, board, f"pl:st:202611:{boris}:{smm}")
    assert h.answers(sent)[0].params["show_alert"] is True and not h.messages(sent)
    # pasted: Boris is not among Max's people
    text = h.messages(await h.send(MANAGER, "/plan\n@boris 10"))[0].text
    assert "не нашёл «@boris» среди ваших сотрудников" in text
    assert await plans(db) == {}
    # the admin plans everyone
    pick = h.messages(await h.send(ADMIN, "/plan"))[0]
    board = h.messages(await h.press(ADMIN, pick, pick.button("ноябрь")))[0]
    assert "Boris" in board.text and "Анна Петрова" in board.text
    await h.press(ADMIN, board, f"pl:st:202611:{boris}:{smm}")
    await h.send(ADMIN, "12")
    assert await plans(db) == {(BORIS.id, "smm"): 12}


async def test_board_pages(harness: Harness, db) -> None:
    h = harness
    await h.send(ADMIN, "/start")
    for i in range(10):
        await h.send(Person(100 + i, f"Writer{i:02d}"), f"/start {await invite_into(h, ADMIN, 'Общий отдел')}")
    pick = h.messages(await h.send(ADMIN, "/plan"))[0]
    board = h.messages(await h.press(ADMIN, pick, pick.button("ноябрь")))[0]
    assert "Writer07" in board.text and "Writer08" not in board.text and "1/2" in [b for b, _ in board.buttons()]
    board = h.messages(await h.press(ADMIN, board, board.button("»")))[0]
    assert "Writer08" in board.text and "Writer09" in board.text and "2/2" in [b for b, _ in board.buttons()]


async def test_button_value_returns_to_the_card_and_last_month_is_one_tap(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    # October's plan for Anna: 25 in SMM (set directly: October is not plannable in November)
    m = await ids(db)
    async with db.session() as s:
        s.add(Plan(member_id=m[str(ANNA.id)], month=OCT, stream_id=m["smm"], units=25, set_by=m[str(MANAGER.id)],
                   updated_at=datetime(2026, 10, 1, tzinfo=UTC)))
        await s.commit()
    pick = h.messages(await h.send(MANAGER, "/plan"))[0]
    board = h.messages(await h.press(MANAGER, pick, pick.button("ноябрь")))[0]
    card = h.messages(await h.press(MANAGER, board, board.button("Анна Петрова")))[0]
    ask = h.messages(await h.press(MANAGER, card, card.button("соцсетей")))[0]
    assert [b for b, _ in ask.buttons()] == ["Как в прошлом месяце (октябрь 2026): 25", "« Назад"]
    sent = await h.press(MANAGER, ask, ask.button("Как в прошлом месяце"))
    assert h.answers(sent)[0].params.get("text") == "Сохранено"
    card = h.messages(sent)[0]
    assert "<b>Анна Петрова</b>, план на ноябрь 2026" in card.text
    assert "Контент для соцсетей: 25" in [b for b, _ in card.buttons()]
    assert await plans(db, NOV) == {(ANNA.id, "smm"): 25}
    # no value last month: no such button; typing still works and also returns to the card
    ask = h.messages(await h.press(MANAGER, card, card.button("Репутационный")))[0]
    assert [b for b, _ in ask.buttons()] == ["« Назад"]
    card = h.messages(await h.send(MANAGER, "3"))[0]
    assert "<b>Анна Петрова</b>" in card.text and "Репутационный контент: 3" in [b for b, _ in card.buttons()]
    # a forged value past the bound is refused on the server
    sent = await h.press(MANAGER, ask, f"pv:202611:{m[str(ANNA.id)]}:{m['smm']}:5000")
    assert h.answers(sent)[0].params.get("show_alert") is True
    assert await plans(db, NOV) == {(ANNA.id, "smm"): 25, (ANNA.id, "reputation"): 3}
