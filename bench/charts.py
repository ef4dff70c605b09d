"""Chart rendering benchmark (prints timings, asserts nothing).

    python bench/charts.py [--runs 7] [--charts 40]

1. In-process milliseconds per ``plan_vs_done`` chart for 10/30/40 people
   (median of ``--runs``).
2. Throughput of ``ChartRenderer`` rendering ``--charts`` 30-person charts with
   1 vs 2 worker processes (pool start-up and warm-up excluded), and 2 threads
   for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler import charts
from scheduler.charts import PersonBar
from scheduler.render_pool import ChartRenderer

FIRST = ["Александра", "Екатерина", "Константин", "Владимир", "Анастасия", "Ян"]
LAST = ["Константинопольская", "Салтыков-Щедрин", "Петров-Водкин", "Ким", "Иванова"]
LABELS = {"plan": "План", "done": "Сделано", "behind": "Отстаёт", "expected": "Ожидается", "units": "Единиц"}


def people(n: int) -> list[PersonBar]:
    return [
        PersonBar(f"{FIRST[i % 6]} {LAST[(i // 6) % 5]}", 20 + (i * 7) % 45, (i * 13) % 70, 12.5 + i % 9)
        for i in range(n)
    ]


def bench_in_process(runs: int) -> None:
    print(f"in-process plan_vs_done, median of {runs} runs:")
    charts.plan_vs_done(people(5), title="warm-up", labels=LABELS)
    for n in (10, 30, 40):
        data = people(n)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            png = charts.plan_vs_done(data, title=f"План и факт, {n} человек", labels=LABELS)
            times.append(time.perf_counter() - t0)
        w, h = charts.png_size(png)
        print(
            f"  {n:2d} people: {statistics.median(times) * 1000:7.1f} ms  ({w}x{h} px, {len(png) // 1024} KiB)"
        )


async def throughput(mode: str, workers: int, n_charts: int) -> float:
    jobs = [
        ("plan_vs_done", (people(30),), {"title": f"Chart {i}", "labels": LABELS}) for i in range(n_charts)
    ]
    async with ChartRenderer(max_workers=workers, mode=mode) as renderer:  # waits for warm-up
        t0 = time.perf_counter()
        results = await renderer.render_many(jobs)
        elapsed = time.perf_counter() - t0
    assert len(results) == n_charts
    rate = n_charts / elapsed
    print(f"  {mode:7s} x{workers}: {elapsed:6.2f} s for {n_charts} charts = {rate:5.1f} charts/s")
    return rate


async def bench_pool(n_charts: int) -> None:
    print(f"ChartRenderer throughput, {n_charts} x 30-person plan_vs_done (cpu_count={os.cpu_count()}):")
    one = await throughput("process", 1, n_charts)
    two = await throughput("process", 2, n_charts)
    threads = await throughput("thread", 2, n_charts)
    print(f"  2 processes / 1 process = {two / one:.2f}x; 2 threads / 1 process = {threads / one:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--charts", type=int, default=40)
    args = parser.parse_args()
    bench_in_process(args.runs)
    asyncio.run(bench_pool(args.charts))


if __name__ == "__main__":
    main()
