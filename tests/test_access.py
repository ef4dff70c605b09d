"""bot/access.py: every permission rule in one module, and no handler writes one out."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import access
from bot.commands import available
from models.org import Role

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class M:
    id: int
    role: str
    department_id: int = 1
    active: bool = True


ADMIN, MANAGER, WRITER = M(1, "admin"), M(2, "manager", 1), M(3, "writer", 1)
OFF = M(4, "admin", active=False)


def test_role_order_and_inactive_members() -> None:
    assert access.at_least(ADMIN, Role.MANAGER) and access.at_least(ADMIN, "admin")
    assert access.at_least(MANAGER, "manager") and not access.at_least(MANAGER, Role.ADMIN)
    assert access.at_least(WRITER, "writer") and not access.is_manager(WRITER)
    assert not access.at_least(OFF, "writer") and access.role_of(OFF) is None  # switched off: nobody
    assert not access.at_least(None, "writer") and access.role_of(M(5, "boss")) is None
    assert access.grants(None, None) and not access.grants(None, Role.WRITER)


def test_department_scope() -> None:
    assert access.department_scope(ADMIN, [7]) is None  # everything
    assert access.department_scope(MANAGER, [3, 1, 3]) == [1, 3]
    assert access.department_scope(WRITER, [1]) == [] and access.department_scope(None) == []
    assert access.needs_managed_ids(MANAGER) and not access.needs_managed_ids(ADMIN)
    assert access.can_manage_department(ADMIN, 99)
    assert access.can_manage_department(MANAGER, 3, [3]) and not access.can_manage_department(MANAGER, 4, [3])
    assert not access.can_manage_department(WRITER, 1, [1])
    assert access.role_scope("manager", [2]) == [2] and access.role_scope("admin") is None


def test_smm_scope() -> None:
    """Whose SMM accounts a member's lists and summaries cover: a writer who reports accounts their own (the
    dashboard's SMM row), a manager their departments' and their own, an admin all, a client or nobody none."""
    assert access.smm_scope(WRITER, [1]) == ([], True)  # their own only, whatever they "manage"
    assert access.smm_scope(MANAGER, [3, 1]) == ([1, 3], True)
    assert access.smm_scope(ADMIN) == (None, True)
    assert access.smm_scope(M(6, "client", None)) == ([], False)
    assert access.smm_scope(OFF) == ([], False) and access.smm_scope(None) == ([], False)


def test_who_may_invite_whom_where() -> None:
    assert access.invitable_roles(ADMIN) == [Role.WRITER, Role.MANAGER, Role.ADMIN, Role.CLIENT]
    assert access.invitable_roles(MANAGER) == [Role.WRITER, Role.MANAGER, Role.CLIENT]
    assert access.invitable_roles(WRITER) == [] and access.invitable_roles(OFF) == []
    assert access.can_invite(ADMIN, "admin", 5)
    assert access.can_invite(MANAGER, "writer", 1, [1]) and access.can_invite(MANAGER, Role.MANAGER, 1, [1])
    assert not access.can_invite(MANAGER, "admin", 1, [1])  # not above their own role
    assert not access.can_invite(MANAGER, "writer", 2, [1])  # not outside their departments
    assert not access.can_invite(WRITER, "writer", 1, [1]) and not access.can_invite(ADMIN, "king", 1)


def test_who_may_see_whom() -> None:
    other_dept = M(9, "writer", department_id=2)
    assert access.may_see_member(WRITER, WRITER) and not access.may_see_member(WRITER, MANAGER)
    assert access.may_see_member(MANAGER, WRITER, [1]) and not access.may_see_member(MANAGER, other_dept, [1])
    assert access.may_see_member(ADMIN, other_dept) and not access.may_see_member(OFF, OFF)
    assert access.may_see_department_pair(MANAGER, 2, 1, [1]) and not access.may_see_department_pair(MANAGER, 2, 3, [1])
    assert access.may_see_department_pair(ADMIN, 5, 6) and not access.may_see_department_pair(WRITER, 1, 1, [1])


def test_menus_and_the_middleware_flag() -> None:
    assert access.menu_role(MANAGER) == Role.MANAGER and access.menu_role(None) is None
    assert access.has_own_menu(ADMIN) and access.has_own_menu(MANAGER) and not access.has_own_menu(WRITER)
    assert sorted(access.MENU_ROLES) == ["admin", "client", "manager"] and access.roles_at_least("writer") == [
        "admin", "manager", "writer"]
    assert not access.has_own_menu(OFF) and access.receives_digests(MANAGER) and not access.receives_digests(WRITER)
    names = {c.name for c in available(access.menu_role(WRITER))}
    assert "report" in names and "team" not in names and "members" not in names
    assert {c.name for c in available(None)} == {"start", "help", "cancel"}
    assert access.allowed_by_flag(WRITER, None) and not access.allowed_by_flag(WRITER, "manager")
    assert access.allowed_by_flag(ADMIN, "manager") and not access.allowed_by_flag(None, None)


CLIENT = M(6, "client", department_id=None)


def test_the_client_role() -> None:
    """A client grants no team role and is granted by none; only the client commands and handlers; a client
    invite is for projects (of the inviter's departments for a manager), never into a department."""
    assert access.is_client(CLIENT) and not access.is_client(M(7, "client", None, active=False))
    assert not access.at_least(CLIENT, "writer") and not access.grants("admin", "client")
    assert access.department_scope(CLIENT) == [] and not access.is_manager(CLIENT)
    assert not access.allowed_by_flag(CLIENT, None) and access.allowed_by_flag(CLIENT, None, client_ok=True)
    assert access.allowed_by_flag(WRITER, None, client_ok=True)
    assert {c.name for c in available(Role.CLIENT)} == {"start", "help", "cancel", "settings", "pending", "projects"}
    assert "pending" not in {c.name for c in available(Role.ADMIN)}
    assert access.has_own_menu(CLIENT) and not access.receives_digests(CLIENT)
    assert not access.can_invite(ADMIN, "client", 1)
    assert access.can_invite_client(MANAGER, [{1}, {1, 2}], [1]) and not access.can_invite_client(MANAGER, [{1}, {2}], [1])
    assert access.can_invite_client(ADMIN, [set()]) and not access.can_invite_client(ADMIN, [])
    assert not access.can_invite_client(WRITER, [{1}], [1]) and not access.can_invite_client(CLIENT, [{1}])
    assert access.client_sees_project(CLIENT, 3, {3}) and not access.client_sees_project(CLIENT, 4, {3})
    assert not access.client_sees_project(WRITER, 3, {3})
    assert not access.may_see_member(MANAGER, CLIENT, [1]) and access.may_see_member(ADMIN, CLIENT)
    assert access.may_manage_clients(ADMIN) and not access.may_manage_clients(MANAGER)


def test_approval_modes() -> None:
    assert access.approval_mode(None, True) == "client" and access.approval_mode(None, False) == "team"
    assert access.approval_mode("team", True) == "team" and access.approval_mode("client", False) == "client"
    assert access.may_mark_approved(WRITER, WRITER, "team")
    assert not access.may_mark_approved(WRITER, WRITER, "client")
    assert access.may_mark_approved(MANAGER, WRITER, "client", [1])  # the author's manager: an override
    assert not access.may_mark_approved(MANAGER, M(8, "writer", 2), "client", [1])
    assert access.may_mark_approved(ADMIN, WRITER, "client")


ROLE_NAMES = {r.value for r in Role}


def _names_a_role(node: ast.AST) -> bool:
    """``Role.ADMIN``, ``"admin"`` or a tuple/set/list of those."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "Role":
            return True
        if isinstance(sub, ast.Constant) and sub.value in ROLE_NAMES:
            return True
    return False


@pytest.mark.parametrize("path", sorted((ROOT / "handlers").glob("*.py")), ids=lambda p: p.name)
def test_handlers_write_out_no_permission_rule(path: Path) -> None:
    """No role rule in a handler: no ``Role(...)``, ``.at_least``, ``x.role == Role.ADMIN`` or
    ``x.role in ("manager", "admin")`` (a handler states a minimum role through its ``role`` flag only)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Role":
            found.append(f"{node.lineno}: Role(...)")
        if isinstance(node, ast.Attribute) and node.attr == "at_least":
            found.append(f"{node.lineno}: .at_least")
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(x, ast.Attribute) and x.attr == "role" for x in sides) and any(
                    _names_a_role(x) for x in sides):
                found.append(f"{node.lineno}: compares a role with a role name")
    assert found == []


async def test_forged_invite_buttons_are_refused_by_the_rules(harness, db) -> None:
    """A manager pressing forged "invite an admin" buttons gets an alert and no invite is made."""
    from sqlalchemy import func, select

    from models.org import Invite
    from tests.recording import Person
    from tests.test_onboarding import ADMIN as ADMIN_PERSON
    from tests.test_onboarding import invite_link

    await harness.send(ADMIN_PERSON, "/start")
    token = await invite_link(harness, ADMIN_PERSON, "руководитель")
    manager = Person(10, "Max", None, "max")
    await harness.send(manager, f"/start {token}")
    msg = harness.messages(await harness.send(manager, "/invite"))[0]
    async with db.session() as s:
        before = await s.scalar(select(func.count()).select_from(Invite))
    for data in ("inv:role:admin:0:0", "inv:dept:admin:1:0"):
        sent = await harness.press(manager, msg, data)
        answers = harness.answers(sent)
        assert len(answers) == 1 and answers[0].params["show_alert"] is True, data
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Invite)) == before
