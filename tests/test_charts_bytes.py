"""The chart renderers give the PNG bytes of a recorded revision: every chart kind, from fixed data.

Refactoring the renderers (``scheduler/charts/``) must not change a byte of what the digests send. This
test takes the renderers as they were at :data:`REFERENCE_REV` out of git (the single module
``scheduler/charts.py`` or the package ``scheduler/charts/``), renders the same sequence of charts with
them and with the working tree, each in a fresh process (a worker's kept renderers, figures, text images
and legend stamps start empty and fill up the same way), and compares the bytes.

A change that means to change the pixels (a new chart look, another matplotlib) moves
:data:`REFERENCE_REV` to the commit that made it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: the last commit with ``scheduler/charts.py`` as one module (before it became the package)
REFERENCE_REV = "c5c598b"

# runs in a fresh process: renders every chart kind with sys.argv[1] (a module or package name) and prints
# the SHA-256 of each PNG, in order
_RENDER_ALL = r"""
import hashlib, json, sys
from datetime import date, timedelta
charts = __import__(sys.argv[1], fromlist=["plan_vs_done"])
from scheduler.chart_data import (CumulativeSeries, PersonBar, RateBar, RatingBar, SmmBar, SMM_UP, SMM_DOWN,
                                  SMM_FELL, SMM_MISSING)
RU = {"plan": "План", "done": "Сделано", "behind": "Отстаёт от темпа", "expected": "Ожидается к сегодня",
      "units": "Единиц", "today": "Сегодня", "day": "День месяца", "rate_axis": "Правок на единицу",
      "rating_axis": "Средняя оценка", "na": "н/д", "count": "оценок: {count}", "no_data": "Нет данных",
      "axis": "Лиды", "er_prev": "неделя до", "missing": "нет отчёта"}
FIRST = ["Александра", "Екатерина", "Константин", "Владимир", "Анастасия", "Ян"]
LAST = ["Константинопольская", "Салтыков-Щедрин", "Петров-Водкин", "Ким", "Иванова-Смирнова"]
def name(i):
    return f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}"
def people(n, k=0):
    return [PersonBar(name(i + k), 20 + (i * 7 + k) % 45, (i * 13 + k) % 70, 12.5 + (i % 9)) for i in range(n)]
def series(done_days, month=11):
    days = [date(2025, month, 1) + timedelta(i) for i in range(30 if month == 11 else 28)]
    cum, total = [], 0
    for i in range(done_days):
        total += (i * 5) % 9
        cum.append(total)
    return CumulativeSeries(days, cum, 200, days[max(done_days - 1, 0)])
def rates(n):
    return [RateBar(name(i), None if i % 5 == 0 else (i % 7) / 3) for i in range(n)]
def ratings(n):
    avgs = [None, 1.0, 1.7, 2.5, 3.3, 4.25, 5.0]
    return [RatingBar(name(i), avgs[i % len(avgs)], 0 if i % 7 == 0 else 3 + i) for i in range(n)]
def smm(n):
    st = [SMM_UP, SMM_DOWN, SMM_FELL, SMM_MISSING]
    return [SmmBar(f"@account_{i}", None if i % 4 == 3 else 0.01 * (i % 9 + 1), 0.012 * (i % 5 + 1), st[i % 4])
            for i in range(n)]
weeks = [(f"{d}.11", None if d == 15 else 1200 + 37 * d, None if d == 15 else 2.5 + d / 10) for d in (1, 8, 15, 22, 29)]
funnel = [("Новый", 120, None), ("Квалифицирован", 60, 0.5), ("Предложение", 21, 0.35), ("Сделка", 7, 1 / 3)]
cases = []
for k in range(2):
    for n in (1, 5, 12, 30, 41):
        for final in (False, True):
            cases.append(("plan_vs_done", (people(n, k),), {"title": f"План и факт {k}" if k else "",
                                                           "labels": RU if k == 0 else None, "final": final}))
    cases.append(("cumulative", (series(10 + 8 * k),), {"title": "Накопительно за ноябрь", "labels": RU}))
    cases.append(("cumulative", (series(5 * k, 2),), {"title": "Feb", "labels": None}))
    cases.append(("revisions_per_unit", (rates(4 + 9 * k),), {"title": "Правки", "labels": RU}))
    cases.append(("rating_averages", (ratings(4 + 9 * k),), {"title": "Оценки", "labels": RU}))
    cases.append(("smm_movers", (smm(3 + 6 * k),), {"title": "SMM: неделя", "labels": RU}))
    cases.append(("smm_weeks", (weeks,), {"title": f"@account_{k}", "labels": RU}))
    cases.append(("lead_funnel", (funnel,), {"title": f"Воронка {k}", "labels": RU}))
for fn in ("plan_vs_done", "revisions_per_unit", "rating_averages", "smm_movers", "lead_funnel", "smm_weeks"):
    cases.append((fn, ([],), {"title": f"Пусто: {fn}", "labels": RU}))
cases += cases[:8]  # again: figures reused, legends stamped
out = [hashlib.sha256(charts._render(fn, args, kwargs)).hexdigest() for fn, args, kwargs in cases]
# and the figures drawn as a caller would (no reuse)
out.append(hashlib.sha256(charts._to_png(charts.plan_vs_done_figure(people(12), title="План", labels=RU))).hexdigest())
print(json.dumps(out))
"""


def _git(*args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=True).stdout


def reference_module(rev: str, into: Path) -> str:
    """Write the renderers of ``rev`` into ``into`` as an importable module; returns its name."""
    if subprocess.run(["git", "cat-file", "-e", f"{rev}:scheduler/charts.py"], cwd=ROOT,
                      capture_output=True).returncode == 0:
        (into / "charts_reference.py").write_bytes(_git("show", f"{rev}:scheduler/charts.py"))
        return "charts_reference"
    # the package (its modules import each other relatively, so it works under another name)
    with tarfile.open(fileobj=io.BytesIO(_git("archive", "--format=tar", rev, "scheduler/charts"))) as tar:
        tar.extractall(into, filter="data")
    (into / "scheduler" / "charts").rename(into / "charts_reference")
    return "charts_reference"


def _hashes(module: str, path: Path | None) -> list[str]:
    paths = [str(path)] if path else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(ROOT)])}
    out = subprocess.run([sys.executable, "-c", _RENDER_ALL, module], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True, timeout=300)
    return json.loads(out.stdout)


def test_every_chart_kind_renders_the_bytes_of_the_reference_revision(tmp_path: Path) -> None:
    try:
        name = reference_module(REFERENCE_REV, tmp_path)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"no git history with {REFERENCE_REV} here")
    before = _hashes(name, tmp_path)
    after = _hashes("scheduler.charts", None)
    assert len(after) == len(before) > 45
    assert len(set(after)) > 40  # the cases are different charts, not one chart again and again
    assert [i for i, (a, b) in enumerate(zip(after, before, strict=True)) if a != b] == []


def test_the_reference_loader_reads_a_single_module_and_a_package(tmp_path: Path) -> None:
    """The reference may be the old single module or the package: both load under the reference name."""
    try:
        head = _git("rev-parse", "HEAD").decode().strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    single = tmp_path / "single"
    single.mkdir()
    assert reference_module(REFERENCE_REV, single) == "charts_reference"
    assert (single / "charts_reference.py").is_file()
    package = tmp_path / "package"
    package.mkdir()
    if subprocess.run(["git", "cat-file", "-e", f"{head}:scheduler/charts/__init__.py"], cwd=ROOT,
                      capture_output=True).returncode != 0:
        pytest.skip("HEAD has no charts package yet")
    reference_module(head, package)
    assert (package / "charts_reference" / "__init__.py").is_file()
    digest = hashlib.sha256((package / "charts_reference" / "__init__.py").read_bytes()).hexdigest()
    assert digest == hashlib.sha256(_git("show", f"{head}:scheduler/charts/__init__.py")).hexdigest()
