"""Issue 8, points 3, 4, 5, 14, 28: every number, id and date a user types or a button carries is parsed by one
bounded parser (``bot.parsing``); reversed periods are refused; /report takes stream names; the project filter
hint shows only for a list of more than one page. Each case goes through the production dispatcher and must
answer clearly, never "something went wrong"."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData
from sqlalchemy import select

from bot import parsing
from bot.errors import UserError
from models.org import Department, Member
from models.reporting import DayOff, Plan, Project, Stream, Unit
from tests.recording import Harness, Person, Sent
from tests.test_plans import ADMIN, ANNA, MANAGER, setup_departments

INTERNAL = "Что-то пошло не так"
HUGE = "9" * 5000
OUTDATED = "кнопка устарела"
RANGE = "нужно целое число от 1 до 2\xa0147\xa0483\xa0647"


def _check(h: Harness, sent: list[Sent]) -> list[Sent]:
    for s in sent:
        assert INTERNAL not in (s.text or "") and INTERNAL not in str(s.params.get("text") or ""), s
    return sent


async def say(h: Harness, who: Person, text: str) -> str:
    return "\n".join(m.text or "" for m in h.messages(_check(h, await h.send(who, text))))


async def alert(h: Harness, who: Person, under: Sent, data: str) -> str:
    sent = _check(h, await h.press(who, under, data))
    [answer] = h.answers(sent)
    return answer.params.get("text") or ""


async def db_rows(db, model, *where) -> list:
    """Rows in key order (PostgreSQL returns an unordered select in no fixed order, e.g. after updates)."""
    async with db.session() as s:
        return list(await s.scalars(select(model).where(*where).order_by(*model.__mapper__.primary_key)))


# -- the parser itself --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, value", [("0", 0), ("42", 42), (" 7 ", 7), ("+5", 5), ("1000", 1000)])
def test_parse_int_accepts_ascii_digits(text: str, value: int) -> None:
    assert parsing.parse_int(text, lo=0, hi=1000) == value


@pytest.mark.parametrize("text, key", [
    ("²", "number-invalid"), ("٣", "number-invalid"), ("1.5", "number-invalid"), ("", "number-invalid"),
    ("12a", "number-invalid"), ("1001", "number-out-of-range"), ("-1", "number-out-of-range"),
    (HUGE, "number-out-of-range"), ("-" + HUGE, "number-out-of-range"), ("0" * 5000 + "7", "number-out-of-range"),
])
def test_parse_int_refuses(text: str, key: str) -> None:
    with pytest.raises(UserError) as err:
        parsing.parse_int(text, lo=0, hi=1000)
    assert err.value.key == key
    assert err.value.args_["lo"] == 0 and err.value.args_["hi"] == 1000
    assert len(str(err.value.args_["value"])) <= 40  # the echo of what was typed stays short


def test_parse_id_bounds() -> None:
    assert parsing.parse_id("2147483647") == parsing.ID_MAX == 2_147_483_647
    for text in ("0", "2147483648", "99999999999999999999"):
        with pytest.raises(UserError) as err:
            parsing.parse_id(text)
        assert err.value.key == "number-out-of-range"


def _callback_classes() -> list[type[CallbackData]]:
    import handlers

    handlers.create_routers()  # imports every feature's module
    out, todo = [], list(CallbackData.__subclasses__())
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo += cls.__subclasses__()
    return out


def test_every_int_in_callback_data_is_bounded() -> None:
    """A forged or stale id in button data must not reach the database unbounded (issue 8, point 14)."""
    classes = _callback_classes()
    assert len(classes) >= 10
    unbounded = []
    for cls in classes:
        for name, field in cls.model_fields.items():
            if field.annotation is int:
                le = [m.le for m in field.metadata if getattr(m, "le", None) is not None]
                if not le or le[0] > parsing.ID_MAX:
                    unbounded.append(f"{cls.__name__}.{name}")
    assert unbounded == []


# -- point 3: typed numbers ---------------------------------------------------------------------------
async def test_typed_ids_are_bounded(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    await say(h, MANAGER, "/projects add Bakery")
    [bakery] = await db_rows(db, Project)
    for command in ("/projects rename 99999999999999999999 X", f"/projects rename {HUGE} X",
                    f"/projects archive {HUGE}", "/projects archive 2147483648",
                    "/departments rename 99999999999999999999 X"):
        who = ADMIN if command.startswith("/departments") else MANAGER
        text = await say(h, who, command)
        assert RANGE in text, (command, text)
        assert len(text) < 500
    text = await say(h, MANAGER, "/projects archive ²")
    assert "не подходит" in text and RANGE in text
    assert "Проекта с номером 12345 нет" in await say(h, MANAGER, "/projects archive 12345")
    assert "Отдела не найдено" in await say(h, ADMIN, "/departments rename 777 X") or \
        "не найден" in await say(h, ADMIN, "/departments rename 777 X")
    assert [p.name for p in await db_rows(db, Project)] == [bakery.name]
    assert not [d for d in await db_rows(db, Department) if d.name == "X"]
    # a valid id still works
    assert "Bakery" in await say(h, MANAGER, f"/projects archive {bakery.id}")


async def test_plan_numbers_are_bounded(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    # pasted lines: a 5,000-digit number is a failed line ("out of range"), nothing saved
    pick = h.messages(await h.send(MANAGER, "/plan"))[0]
    h.messages(await h.press(MANAGER, pick, pick.button("ноябрь")))
    text = await say(h, MANAGER, f"@anna {HUGE}")
    assert "@anna" in text and "0" in text and "1000" in text
    text = await say(h, MANAGER, f"/plan @anna 5\n@vera {HUGE}")
    assert "не сохранено" in text.lower() or "ничего" in text.lower(), text
    assert await db_rows(db, Plan) == []
    # the number typed after choosing a member and a stream
    async with db.session() as s:
        anna = await s.scalar(select(Member).where(Member.telegram_id == ANNA.id))
        smm = await s.scalar(select(Stream).where(Stream.code == "smm"))
    board = h.messages(await h.press(MANAGER, pick, f"pl:st:202611:{anna.id}:{smm.id}"))[0]
    assert "число" in board.text
    text = await say(h, MANAGER, HUGE)
    assert "от 0 до 1\xa0000" in text and len(text) < 500
    assert "не подходит" in await say(h, MANAGER, "²")
    assert await db_rows(db, Plan) == []
    assert "Сохранено" in await say(h, MANAGER, "12")
    assert [p.units for p in await db_rows(db, Plan)] == [12]


# -- point 14: ids in button data ---------------------------------------------------------------------
async def test_out_of_range_ids_in_buttons_are_outdated(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    await say(h, MANAGER, "/projects add Bakery")
    card = h.messages(await h.send(ANNA, "/report smm Bakery Post"))[0]
    [unit] = await db_rows(db, Unit)
    big = "9" * 56
    async with db.session() as s:
        anna = await s.scalar(select(Member).where(Member.telegram_id == ANNA.id))
    for data in ("u:send:2147483648:", f"u:send:{big}:", "u:send:²:", "u:open:-1:", f"u:del:{big}:"):
        assert OUTDATED in await alert(h, ANNA, card, data), data
    projects = h.messages(await h.send(MANAGER, "/projects"))[0]
    for data in ("pj:arc:2147483648:0", f"pj:pg:0:{big}", "pl:mem:202611:2147483648:0",
                 f"pl:st:202611:{anna.id}:{big}", "pl:m:²0261:0:0", "pl:m:202600:0:0"):
        assert OUTDATED in await alert(h, MANAGER, projects, data), data
    members = h.messages(await h.send(ADMIN, "/members"))[0]
    for data in (f"mem:dept:{anna.id}:0:2147483648", f"mem:depts:{anna.id}:0:²", f"mem:dept:{anna.id}:0:{big}",
                 f"mem:open:{big}:0:"):
        assert OUTDATED in await alert(h, ADMIN, members, data), data
    assert (await db_rows(db, Unit))[0].state == unit.state == "written"
    assert OUTDATED not in await alert(h, ANNA, card, f"u:send:{unit.id}:")  # a real id still works


# -- point 4: reversed periods --------------------------------------------------------------------------
async def test_reversed_periods_are_refused(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    text = await say(h, ANNA, "/away 20.12-10.12")
    assert "20.12.2026" in text and "10.12.2026" in text and "позже" in text
    assert await db_rows(db, DayOff) == []
    text = await say(h, ANNA, "/mine 31.12-01.12")
    assert "31.12.2026" in text and "позже" in text and "Мои единицы" not in text
    # across New Year: with the years it is accepted
    assert "28.12.2026" in await say(h, ANNA, "/away 28.12.2026-05.01.2027")
    assert len(await db_rows(db, DayOff)) == 9
    assert "Мои единицы" in await say(h, ANNA, "/mine 01.12-31.12")


# -- point 5: /report with stream names -----------------------------------------------------------------
async def test_report_accepts_stream_names(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    await say(h, MANAGER, "/projects add Gamma")
    await say(h, MANAGER, "/projects add Client X")
    await say(h, ADMIN, "/streams add video Видео | Video")
    streams = {s.id: s.code for s in await db_rows(db, Stream)}
    cases = [
        ('/report "Репутационный контент" Gamma Отзыв о клиенте', "reputation"),
        ('/report «репутационный КОНТЕНТ» "Client X" Review', "reputation"),
        ('/report "Social media content" Gamma Post', "smm"),
        ("/report “Reputation content” Gamma Review 2", "reputation"),
        ("/report SMM Gamma Post 2", "smm"),
        ("/report видео Gamma Clip", "video"),
        ("/report VIDEO Gamma Clip 2", "video"),
    ]
    for command, code in cases:
        text = await say(h, ANNA, command)
        assert "Единица сохранена" in text, (command, text)
        assert streams[(await db_rows(db, Unit))[-1].stream_id] == code, command
    text = await say(h, ANNA, '/report "Нет такого" Gamma X')
    assert "Нет направления «Нет такого»" in text or "Нет направления «нет такого»" in text
    assert '"' not in text.split("»")[0]
    assert "Нет проекта" in await say(h, ANNA, '/report "Репутационный контент" Nope X')
    assert "Формат" in await say(h, ANNA, '/report "Репутационный контент Gamma X')
    assert len(await db_rows(db, Unit)) == len(cases)
    # README and /help say the same: a quoted multi-word stream name, and the period rule
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert '`/report "Репутационный контент" Gamma Review`' in readme and "28.12.2026-05.01.2027" in readme
    help_text = await say(h, ANNA, "/help")
    assert '/report "Репутационный контент" Gamma' in help_text and "28.12.2026-05.01.2027" in help_text


# -- point 28: the filter hint ----------------------------------------------------------------------------
async def test_filter_hint_only_with_more_than_one_page(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)
    for name in ("Alpha", "Bakery", "Bazaar"):
        await say(h, MANAGER, f"/projects add {name}")
    hint = "напишите часть названия"
    msg = h.messages(await h.send(ANNA, "/report"))[0]
    msg = h.messages(await h.press(ANNA, msg, msg.button("соцсетей")))[0]
    assert hint not in msg.text
    text = await say(h, ANNA, "Ba")
    assert "Bakery" in text or "Ba" in text
    assert hint not in text
    for i in range(7):
        await say(h, MANAGER, f"/projects add Bag {i}")
    text = await say(h, ANNA, "B")  # 9 matches: two pages
    assert hint in text
    text = await say(h, ANNA, "Bag")  # 7 matches: one page
    assert hint not in text
