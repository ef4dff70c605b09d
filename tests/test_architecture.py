"""The layers in docs/architecture.md hold: imports are read with ``ast`` and checked against the table
in that document (the table is parsed from it, so the document and this test cannot drift apart).
Also: callback data prefixes are unique, and services are built by one function."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiogram.filters.callback_data import CallbackData

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("bot", "handlers", "models", "scheduler")
PROJECT = {*PACKAGES, "tests"}


@dataclass(frozen=True)
class Row:
    paths: tuple[str, ...]  # "bot/services/" (a folder) or "bot/ui.py" (a file)
    allowed: tuple[str, ...]  # module prefixes
    closed: bool  # "nothing else": third-party packages not listed are refused too


def layer_table(text: str) -> list[Row]:
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or cells[0] in ("path", "---") or set(cells[0]) <= {"-", " "}:
            continue
        paths = tuple(re.findall(r"`([^`]+)`", cells[0]))
        last = cells[-1]
        allowed = tuple(m for m in re.findall(r"`([^`]+)`", last) if re.fullmatch(r"[\w.]+", m))
        rows.append(Row(paths, allowed, "nothing else" in last))
    return rows


def row_for(rel: str, rows: list[Row]) -> Row | None:
    best, size = None, -1
    for row in rows:
        for path in row.paths:
            hit = rel.startswith(path) if path.endswith("/") else rel == path
            if hit and len(path) > size:
                best, size = row, len(path)
    return best


def imports_of(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, imported name) for every import in the file, also inside functions; ``from a import b``
    gives ``a.b`` (a submodule or a name in ``a``: a prefix check covers both)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            if base == "__future__":
                continue
            out += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return out


def _allowed(name: str, row: Row) -> bool:
    top = name.split(".")[0]
    if any(name == p or name.startswith(p + ".") for p in row.allowed):
        return True
    if top in PROJECT:
        return False
    if top in sys.stdlib_module_names:
        return True
    return not row.closed


def source_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def violations(rows: list[Row]) -> list[str]:
    found = []
    for path in source_files():
        rel = path.relative_to(ROOT).as_posix()
        module = rel[:-3].replace("/", ".").removesuffix(".__init__")
        row = row_for(rel, rows)
        if row is None:
            found.append(f"{rel}: not in the layers table of docs/architecture.md")
            continue
        found += [f"{rel}:{line} imports {name}" for line, name in imports_of(path, module)
                  if not _allowed(name, row)]
    return found


def test_every_import_is_allowed_by_the_layers_table() -> None:
    rows = layer_table(DOC.read_text(encoding="utf-8"))
    assert len(rows) >= 10, "the layers table was not found in docs/architecture.md"
    assert violations(rows) == []


def test_the_checker_catches_what_the_issue_names(tmp_path: Path) -> None:
    """The rules the table states, checked on the table itself: a job importing a handler, a handler
    importing another handler or a scheduler internal, and a chart importing the database would fail."""
    rows = layer_table(DOC.read_text(encoding="utf-8"))
    assert not _allowed("handlers.ratings.form_message", row_for("scheduler/jobs.py", rows))
    assert not _allowed("handlers.reporting.on_flow_not_text", row_for("handlers/plans.py", rows))
    assert not _allowed("scheduler.digest", row_for("handlers/digests.py", rows))
    assert not _allowed("scheduler.jobs.Jobs", row_for("handlers/digests.py", rows))
    assert not _allowed("sqlalchemy", row_for("scheduler/charts/team.py", rows))
    # the chart package's modules import each other and the chart data, nothing of the bot
    assert _allowed("scheduler.charts.layout._fit", row_for("scheduler/charts/team.py", rows))
    assert _allowed("scheduler.chart_data.PersonBar", row_for("scheduler/charts/team.py", rows))
    assert not _allowed("scheduler.digest", row_for("scheduler/charts/worker.py", rows))
    assert not _allowed("bot.text", row_for("scheduler/charts/texts.py", rows))
    assert not _allowed("aiogram", row_for("scheduler/charts/__init__.py", rows))
    # the sandbox's Bot API server: its parts import each other and the spec, not the bot
    assert _allowed("bot.sandbox.botapi.updates._UPDATE_TYPES_DEFAULT_EXCLUDED",
                    row_for("bot/sandbox/botapi/webhook.py", rows))
    assert _allowed("bot.sandbox.spec.ApiError", row_for("bot/sandbox/botapi/polls.py", rows))
    assert not _allowed("bot.services", row_for("bot/sandbox/botapi/emulator.py", rows))
    assert not _allowed("sqlalchemy", row_for("bot/sandbox/botapi/http.py", rows))
    assert not _allowed("bot.services.Services", row_for("bot/domain/pace.py", rows))
    assert not _allowed("aiogram", row_for("bot/domain/pace.py", rows))
    assert _allowed("handlers.common", row_for("handlers/__init__.py", rows))
    # a feature package's modules import their siblings, and nothing else imports them
    assert _allowed("handlers.ratings._common.chunks", row_for("handlers/ratings/results.py", rows))
    assert not _allowed("handlers.reporting", row_for("handlers/ratings/rate.py", rows))
    assert not _allowed("handlers.ratings.rate.RateForm", row_for("handlers/plans.py", rows))
    assert _allowed("bot.services.Services", row_for("scheduler/jobs.py", rows))
    # imports inside functions count
    bad = tmp_path / "jobs.py"
    bad.write_text("def f():\n    from handlers.ratings import form_message\n", encoding="utf-8")
    assert imports_of(bad, "scheduler.jobs") == [(2, "handlers.ratings.form_message")]


def _callback_data_classes() -> list[type[CallbackData]]:
    import bot
    import handlers

    for package in (bot, handlers):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name.startswith("bot.locales") or info.name == "bot.__main__":
                continue
            importlib.import_module(info.name)
    seen: list[type[CallbackData]] = []
    todo = list(CallbackData.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.split(".")[0] in ("bot", "handlers", "scheduler"):
            seen.append(cls)
    return seen


def duplicate_prefixes(classes: list[type[CallbackData]]) -> dict[str, list[str]]:
    by_prefix: dict[str, list[str]] = {}
    for cls in classes:
        by_prefix.setdefault(cls.__prefix__, []).append(f"{cls.__module__}.{cls.__qualname__}")
    return {p: names for p, names in by_prefix.items() if len(names) > 1}


def test_callback_data_prefixes_are_unique() -> None:
    classes = _callback_data_classes()
    assert len(classes) >= 10
    assert duplicate_prefixes(classes) == {}
    # and a prefix is never the start of another one's packed data ("rp" vs "rp:..." is the same thing)
    assert all(":" not in cls.__prefix__ for cls in classes)


def test_duplicate_prefix_is_reported() -> None:
    class A(CallbackData, prefix="zz_test"):
        a: int

    class B(CallbackData, prefix="zz_test"):
        b: int

    assert duplicate_prefixes([A, B]) == {"zz_test": [f"{__name__}.{A.__qualname__}",
                                                      f"{__name__}.{B.__qualname__}"]}


@pytest.mark.parametrize("layer", ["bot", "handlers", "scheduler"])
def test_services_are_built_by_build_services_only(layer: str) -> None:
    """``Services(...)`` is called in one place, ``bot.services.build_services``; the middleware,
    start-up and the jobs call that."""
    calls = []
    for path in (ROOT / layer).rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                if name == "Services" and rel != "bot/services/__init__.py":
                    calls.append(f"{rel}:{node.lineno}")
    assert calls == []


def test_build_services_is_what_middleware_startup_and_jobs_use() -> None:
    for rel in ("bot/middlewares.py", "bot/app.py", "scheduler/jobs.py"):
        assert "build_services(" in (ROOT / rel).read_text(encoding="utf-8"), rel
