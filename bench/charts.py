"""Chart rendering benchmark: the same 30-person chart before and after, in one run (prints, asserts nothing).

    python bench/charts.py [--runs 15] [--rounds 3] [--before-rev REV] [--before-path DIR] [--after-path DIR]
                           [--people both] [--pool]

1. **Before vs after, worker CPU time per chart.** ``scheduler/charts`` as of ``--before-rev`` (git)
   and as it is now each run in a fresh worker-like process (warmed up as the chart workers are), the
   two alternating ``--rounds`` times; each round renders ``plan_vs_done`` for the same 30 people
   ``--runs`` times (``--people same``) or a different 30 people each time (``distinct``: names and
   numbers, as the digests of 500 teams; ``both``, the default, measures the two in turn) and reports
   the median CPU time (``time.process_time``: not inflated by other
   processes sharing the cores). ``--before-path`` is put first on the before process's ``sys.path``:
   point it at a ``pip install --target DIR matplotlib==3.11.2`` to measure "before" with the
   matplotlib that ``matplotlib~=3.9`` installed. ``--after-path DIR`` adds a second after variant with
   DIR first on its path, measured in the same rounds: e.g. a ``pip install --target DIR isal`` to measure
   the optional ISA-L deflate (``scheduler/charts/png.py`` uses it when ``isal`` can be imported). Each line
   says which deflate the process used.
2. With ``--pool``: throughput of ``ChartRenderer`` with 1 and 2 worker processes and 2 threads.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: the last commit before the chart work of issue 9 point 3
DEFAULT_BEFORE_REV = "70c4301"
TITLE = "План и факт, ноябрь 2026"
LABELS = {"plan": "План", "done": "Сделано", "behind": "Отстаёт", "expected": "Ожидалось к сегодня",
          "units": "Единиц"}

# runs in the measured process: ``charts`` is the module under test (before or after)
_WORKER = """
import gc, json, statistics, sys, time
import matplotlib
charts = __import__(sys.argv[1], fromlist=["_warm_up"])
distinct = sys.argv[5] == "distinct"
def people(k):
    # "same": one team's chart again and again; "distinct": another 30 people (names, numbers) each time
    k = k if distinct else 0
    return [charts.PersonBar(f"Сотрудник{k if k else ''} Номер{i} Фамилия", 40 + (i + k) % 20,
                             20 + (i + 3 * k) % 25, 30.0 + (i + k) % 7) for i in range(30)]
labels = json.loads(sys.argv[3])
if hasattr(charts, "_process_init"):
    charts._process_init()  # what a chart worker process does first (warm-up; after: gc frozen too)
charts.plan_vs_done(people(10_000), title=sys.argv[4], labels=labels)
times = []
for k in range(1, int(sys.argv[2]) + 1):
    team = people(k)
    t0 = time.process_time()
    png = charts.plan_vs_done(team, title=sys.argv[4], labels=labels)
    times.append(time.process_time() - t0)
print(json.dumps({"ms": statistics.median(times) * 1000, "bytes": len(png), "mpl": matplotlib.__version__,
                  "deflate": "isal" if getattr(getattr(charts, "png", charts), "_isal_zlib", None) is not None else "zlib"}))
"""


def _measure(module: str, paths: list[str], runs: int, people: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(ROOT)])}
    out = subprocess.run([sys.executable, "-c", _WORKER, module, str(runs), json.dumps(LABELS), TITLE, people],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _write_before(rev: str, into: Path) -> None:
    """``scheduler/charts`` of ``rev`` as the module ``charts_before`` in ``into``: the single module it was
    up to c5c598b, or the package (its modules import each other relatively)."""
    single = subprocess.run(["git", "show", f"{rev}:scheduler/charts.py"], cwd=ROOT, capture_output=True)
    if single.returncode == 0:
        (into / "charts_before.py").write_bytes(single.stdout)
        return
    archive = subprocess.run(["git", "archive", "--format=tar", rev, "scheduler/charts"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    (into / "scheduler" / "charts").rename(into / "charts_before")


def bench_before_after(rev: str, before_path: str | None, runs: int, rounds: int, people: str,
                       after_path: str | None = None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="charts-before-"))
    _write_before(rev, tmp)
    before_paths = [p for p in (before_path, str(tmp)) if p]
    # the after variants: the working tree as the environment has it, and with --after-path first
    variants = [[]] + ([[after_path]] if after_path else [])
    before: list[dict] = []
    after: list[list[dict]] = [[] for _ in variants]
    for _ in range(rounds):
        before.append(_measure("charts_before", before_paths, runs, people))
        for rows, paths in zip(after, variants, strict=True):
            rows.append(_measure("scheduler.charts", paths, runs, people))
    b = statistics.median(r["ms"] for r in before)
    what = ("the same 30 people each time" if people == "same"
            else "another 30 people (names and numbers) each time, as for the digests of 500 teams")
    print(f"30-person plan_vs_done, {what};\nworker CPU ms per chart (median of {rounds} rounds x {runs} charts, "
          f"alternating; cpu_count={os.cpu_count()}, load average {os.getloadavg()[0]:.1f}):")

    def each(rows: list[dict]) -> str:
        return ", ".join(str(round(r["ms"])) for r in rows)

    print(f"  before ({rev}, matplotlib {before[0]['mpl']}): {b:6.1f} ms  [{each(before)}]  "
          f"{before[0]['bytes'] // 1024} KiB")
    for rows, paths in zip(after, variants, strict=True):
        a = statistics.median(r["ms"] for r in rows)
        where = f", {paths[0]} first" if paths else ""
        print(f"  after  (working tree{where}, matplotlib {rows[0]['mpl']}, deflate {rows[0]['deflate']}): "
              f"{a:6.1f} ms  [{each(rows)}]  {rows[0]['bytes'] // 1024} KiB")
        print(f"    after / before = {a / b:.2f} (target <= 0.25)")


async def throughput(mode: str, workers: int, n_charts: int) -> float:
    from scheduler.chart_data import PersonBar
    from scheduler.render_pool import ChartRenderer

    people = [PersonBar(f"Сотрудник Номер{i} Фамилия", 40 + i % 20, 20 + i % 25, 30.0 + i % 7) for i in range(30)]
    jobs = [("plan_vs_done", (people,), {"title": f"Chart {i}", "labels": LABELS}) for i in range(n_charts)]
    async with ChartRenderer(max_workers=workers, mode=mode) as renderer:  # waits for warm-up
        t0 = time.perf_counter()
        results = await renderer.render_many(jobs)
        elapsed = time.perf_counter() - t0
    assert len(results) == n_charts
    rate = n_charts / elapsed
    print(f"  {mode:7s} x{workers}: {elapsed:6.2f} s for {n_charts} charts = {rate:5.1f} charts/s")
    return rate


async def bench_pool(n_charts: int) -> None:
    print(f"ChartRenderer throughput, {n_charts} x 30-person plan_vs_done (wall clock):")
    one = await throughput("process", 1, n_charts)
    two = await throughput("process", 2, n_charts)
    threads = await throughput("thread", 2, n_charts)
    print(f"  2 processes / 1 process = {two / one:.2f}x; 2 threads / 1 process = {threads / one:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before-rev", default=DEFAULT_BEFORE_REV)
    parser.add_argument("--before-path", help="extra sys.path entry for the before process (another matplotlib)")
    parser.add_argument("--after-path", help="extra sys.path entry for the after process (e.g. with isal)")
    parser.add_argument("--people", choices=("same", "distinct", "both"), default="both",
                        help="chart the same team every time, a different one each time, or both in turn")
    parser.add_argument("--pool", action="store_true", help="also measure ChartRenderer throughput")
    parser.add_argument("--charts", type=int, default=40, help="charts per throughput measurement")
    args = parser.parse_args()
    for people in (("same", "distinct") if args.people == "both" else (args.people,)):
        bench_before_after(args.before_rev, args.before_path, args.runs, args.rounds, people, args.after_path)
    if args.pool:
        asyncio.run(bench_pool(args.charts))


if __name__ == "__main__":
    main()
