"""Digest kinds, preference defaults and the digest scope each exist once (issue 8, point 23).

The kinds are ``bot.domain.digests.KINDS``; the defaults and the row → preferences conversion are
``bot.domain.digests.prefs_of`` / ``new_row_values``; who gets which departments is
``bot.access.digest_scope``, asked through ``scheduler.digest.scope_of`` by /digest, the scheduler and
``python -m bot digest``."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot import access
from bot.domain import digests as kinds_module
from bot.domain.digests import DAILY, KINDS, MONTHLY, WEEKLY, DigestPrefs, new_row_values, prefs_of
from models.org import Role

ROOT = Path(__file__).resolve().parents[1]
HOME = "bot/domain/digests.py"
SINGLE = {DAILY, WEEKLY, *(f"digest_{k}" for k in KINDS)}  # "monthly" alone is also a rating cadence


def kinds_literals(source: str) -> list[int]:
    """Lines where the digest kinds are spelled out: a ``"daily"`` / ``"weekly"`` / ``"digest_<kind>"``
    string, or a tuple, list, set or dict holding two or more kinds."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and node.value in SINGLE:
            found.add(node.lineno)
        elif isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            values = {i.value for i in items if isinstance(i, ast.Constant)}
            if len(values & set(KINDS)) >= 2:
                found.add(node.lineno)
    return sorted(found)


def test_the_kinds_are_spelled_out_only_in_the_domain() -> None:
    offenders = []
    for layer in ("bot", "handlers", "scheduler"):
        for path in sorted((ROOT / layer).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel == HOME:
                continue
            offenders += [f"{rel}:{line}" for line in kinds_literals(path.read_text(encoding="utf-8"))]
    assert offenders == []
    assert kinds_literals((ROOT / HOME).read_text(encoding="utf-8")), "the checker finds the one definition"


@pytest.mark.parametrize("source", [
    'for kind in ("daily", "weekly", "monthly"):\n    pass\n',
    'KINDS = ["monthly", "weekly"]\n',
    'DAILY = "daily"\n',
    'names = {"weekly": 1, "monthly": 2}\n',
    'KIND = "digest_monthly"\n',
])
def test_the_checker_catches_a_reintroduced_literal(source: str) -> None:
    assert kinds_literals(source) == [1]


def test_a_rating_cadence_is_not_a_digest_kinds_literal() -> None:
    assert kinds_literals('cadence = "monthly"\n') == []


def test_preferences_defaults_and_row_conversion() -> None:
    nine = dt.time(9, 0)
    assert prefs_of(None, nine) == DigestPrefs(at=nine, daily=True, weekly=True, monthly=True)
    row = SimpleNamespace(daily=False, weekly=True, monthly=False, daily_time="10:30")
    prefs = prefs_of(row, nine)
    assert (prefs.daily, prefs.weekly, prefs.monthly, prefs.time) == (False, True, False, "10:30")
    assert [k for k in KINDS if prefs.wants(k)] == [WEEKLY]
    assert prefs_of(SimpleNamespace(daily=True, weekly=True, monthly=True, daily_time=None), nine).time == "09:00"
    assert prefs_of(SimpleNamespace(daily=True, weekly=True, monthly=True, daily_time="junk"), nine).at == nine
    # a first row stores the same defaults and leaves the time to the setting
    assert new_row_values() == {DAILY: True, WEEKLY: True, MONTHLY: True, "daily_time": None}
    assert kinds_module.DELIVERY_KINDS == {k: f"digest_{k}" for k in KINDS}


def _member(role: Role, active: bool = True) -> SimpleNamespace:
    return SimpleNamespace(id=1, role=role.value, department_id=1, active=active)


def test_one_digest_scope_rule() -> None:
    assert access.digest_scope(_member(Role.ADMIN)) is None
    assert access.digest_scope(_member(Role.MANAGER), [3, 2, 3]) == [2, 3]
    assert access.digest_scope(_member(Role.MANAGER), []) == []
    assert access.digest_scope(_member(Role.WRITER), [2]) == []
    assert access.digest_scope(_member(Role.ADMIN, active=False)) == []
    assert access.digest_scope(None) == []


def test_digest_scope_is_asked_in_one_place() -> None:
    """/digest (the service), the scheduler and the preview call ``scheduler.digest.scope_of``, which is
    the only caller of ``bot.access.digest_scope``; nobody builds a digest scope from roles by hand."""
    callers = {}
    for layer in ("bot", "handlers", "scheduler"):
        for path in (ROOT / layer).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            rel = path.relative_to(ROOT).as_posix()
            for name in ("scope_of(", "digest_scope(", "role_scope("):
                if name in text:
                    callers.setdefault(name, set()).add(rel)
    assert callers["digest_scope("] == {"bot/access.py", "scheduler/digest.py"}
    assert callers["role_scope("] == {"bot/access.py"}
    assert {"bot/services/digests.py", "scheduler/jobs.py", "bot/__main__.py"} <= callers["scope_of("]
