"""README, .env.example and .ci/run stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

from bot.commands import COMMANDS
from bot.config import Settings

REPO = Path(__file__).resolve().parents[1]


def test_every_setting_documented() -> None:
    names = {n.upper() for n in Settings.model_fields}
    example = set(re.findall(r"^([A-Z_]+)=", (REPO / ".env.example").read_text(encoding="utf-8"), re.M))
    assert names == example, "settings and .env.example differ"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert {n for n in names if n not in readme} == set(), "settings missing from the README table"


def test_every_command_in_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert {c.name for c in COMMANDS if f"/{c.name}" not in readme} == set()


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make run" in readme
    assert ci.count("make test") >= 2  # SQLite, then PostgreSQL
