"""bot.parsing.parse_subcommand: the ``verb rest`` of /departments, /projects, /products and /funnel_stages
(English or Russian verbs, any case; what follows a verb checked by its shape), and the four commands using it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.errors import UserError
from bot.parsing import Subcommand, parse_subcommand
from models.leads import FunnelStage, Product
from models.org import Department
from models.reporting import Project
from tests.recording import Harness, Person
from tests.test_plans import ADMIN, MANAGER, setup_departments

SHAPES = {"add": "text", "rename": "id text", "archive": "id", "restore": "id", "up": "id", "down": "id"}


@pytest.mark.parametrize(("args", "expected"), [
    ("add Bakery", Subcommand("add", None, "Bakery")),
    ("ДОБАВИТЬ  Пекарня у дома ", Subcommand("add", None, "Пекарня у дома")),
    ("add", Subcommand("add", None, "")),  # an empty name is the service's own error
    ("rename 3 New name", Subcommand("rename", 3, "New name")),
    ("Переименовать\t3\nНовое имя", Subcommand("rename", 3, "Новое имя")),
    ("archive 7", Subcommand("archive", 7, "")),
    ("архив 7", Subcommand("archive", 7, "")),
    ("вернуть 7 ", Subcommand("restore", 7, "")),
    ("Up 2", Subcommand("up", 2, "")),
    ("вниз 2", Subcommand("down", 2, "")),
])
def test_verbs_in_both_languages_and_their_shapes(args: str, expected: Subcommand) -> None:
    assert parse_subcommand(args, SHAPES, "x-usage") == expected


@pytest.mark.parametrize("args", [
    "", "delete 3", "rename", "rename 3", "archive", "archive 3 extra words", "up 2 3", "addBakery",
])
def test_anything_else_is_the_usage(args: str) -> None:
    with pytest.raises(UserError) as err:
        parse_subcommand(args, SHAPES, "x-usage")
    assert err.value.key == "x-usage"


def test_a_verb_the_command_does_not_have_is_the_usage() -> None:
    with pytest.raises(UserError) as err:
        parse_subcommand("up 2", {"add": "text", "archive": "id"}, "projects-usage")
    assert err.value.key == "projects-usage"


@pytest.mark.parametrize("ident", ["x", "²", "0", "9" * 40, "-1"])
def test_a_bad_number_is_the_number_error(ident: str) -> None:
    with pytest.raises(UserError) as err:
        parse_subcommand(f"archive {ident}", SHAPES, "x-usage")
    assert err.value.key in ("number-invalid", "number-out-of-range")


async def test_the_four_list_commands_take_russian_verbs_and_refuse_with_their_usage(harness: Harness, db) -> None:
    h = harness
    await setup_departments(h)

    async def say(who: Person, text: str) -> str:
        return "\n".join(m.text or "" for m in h.messages(await h.send(who, text)))

    assert "Продажи" in await say(ADMIN, "/departments Добавить Продажи")
    async with db.session() as s:
        dept = await s.scalar(select(Department).where(Department.name == "Продажи"))
    assert "Сбыт" in await say(ADMIN, f"/departments переименовать {dept.id} Сбыт")
    assert "/departments add" in await say(ADMIN, f"/departments архив {dept.id}")  # no such verb here

    await say(MANAGER, "/projects добавить Пекарня")
    async with db.session() as s:
        project = await s.scalar(select(Project).where(Project.name == "Пекарня"))
    assert "Булочная" in await say(MANAGER, f"/projects переименовать {project.id} Булочная")
    assert "/projects add" in await say(MANAGER, f"/projects архив {project.id} лишнее")
    await say(MANAGER, f"/projects АРХИВ {project.id}")
    async with db.session() as s:
        assert (await s.get(Project, project.id)).archived is True

    added = await say(ADMIN, "/products добавить Курс")
    async with db.session() as s:
        product = await s.scalar(select(Product).where(Product.name == "Курс"))
    assert "Курс" in added
    await say(ADMIN, f"/products архив {product.id}")
    await say(ADMIN, f"/products вернуть {product.id}")
    assert "/products add" in await say(ADMIN, "/products вернуть")
    async with db.session() as s:
        assert (await s.get(Product, product.id)).archived is False

    await say(ADMIN, "/funnel_stages добавить Встреча")
    async with db.session() as s:
        meeting = await s.scalar(select(FunnelStage).where(FunnelStage.name == "Встреча"))
    await say(ADMIN, f"/funnel_stages Вверх {meeting.id}")  # new stages go last before the outcomes
    async with db.session() as s:
        assert (await s.get(FunnelStage, meeting.id)).position < meeting.position
    assert "up N" in await say(ADMIN, f"/funnel_stages вверх {meeting.id} 2")
    assert "2\xa0147\xa0483\xa0647" in await say(ADMIN, "/funnel_stages вверх 99999999999")
