"""Render charts off the asyncio event loop.

A 30-person bar chart takes ~0.2 s of pure CPU, which must not block the bot's event
loop, and CPython threads would serialise on the GIL. :class:`ChartRenderer` therefore
runs :func:`scheduler.chart_data.render` (which imports :mod:`scheduler.charts`, and with it
matplotlib, *in the worker*) in a small process pool (or, with
``mode="thread"``, a thread pool for tests and tiny deployments).

Worker processes use the "spawn" (default) or "forkserver" start method: the parent
has aiogram imported, threads and a running loop, so forking it is unsafe. Workers
import only ``scheduler.charts`` (stdlib + matplotlib) and warm up the font cache in
their initializer. The bot process itself never imports matplotlib: this module and the chart
data (:mod:`scheduler.chart_data`) import the standard library only.

Caveat (standard ``multiprocessing`` behaviour): spawned workers re-import the parent's
``__main__`` module unless it is a package's ``__main__`` (``python -m bot`` →
``bot/__main__.py``). Start the bot with ``python -m <package>`` — a console-script
or ``python path/to/main.py`` entry point whose top level imports aiogram would make
every worker import aiogram too (~3 s, extra memory). :meth:`ChartRenderer.ready`
logs a warning when it sees that happen.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal

from scheduler import chart_data
from scheduler.ttl_cache import TtlCache

__all__ = ["HEAVY_MODULES", "ChartMemo", "ChartRenderer", "Job"]

log = logging.getLogger(__name__)

#: (chart function name, positional args, keyword args) — see scheduler.charts._RENDERERS
Job = tuple[str, tuple, dict]

#: top-level packages that must never be loaded in a chart worker
HEAVY_MODULES = frozenset({"aiogram", "sqlalchemy", "bot", "handlers"})


def _default_workers() -> int:
    return min(2, os.cpu_count() or 1)


class ChartRenderer:
    """Async facade over a process (or thread) pool rendering charts to PNG bytes.

    >>> async with ChartRenderer() as renderer:
    ...     png = await renderer.render("plan_vs_done", people, title=..., labels=...)

    ``render``/``render_many`` start the pool lazily if :meth:`start` was not called.
    Arguments must be picklable (the frozen dataclasses in ``scheduler.chart_data`` are).
    If a worker process dies, the pool is rebuilt once and the job retried.
    """

    def __init__(
        self,
        max_workers: int | None = None,
        *,
        mode: Literal["process", "thread"] = "process",
        start_method: Literal["spawn", "forkserver"] = "spawn",
    ) -> None:
        if mode not in ("process", "thread"):
            raise ValueError(f"mode must be 'process' or 'thread', not {mode!r}")
        if start_method not in ("spawn", "forkserver"):
            raise ValueError(f"start_method must be 'spawn' or 'forkserver', not {start_method!r}")
        self.max_workers = max_workers or _default_workers()
        self.mode = mode
        self.start_method = start_method
        self._executor: Executor | None = None
        self._warmup: list[Future] = []

    # --- lifecycle ----------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self._executor is not None

    def start(self) -> None:
        """Create the pool and begin starting all workers; returns without waiting.

        Idempotent. In process mode one probe job per worker is submitted so that
        all workers are spawned (and warmed up) now rather than on the first digest.
        """
        if self._executor is not None:
            return
        if self.mode == "thread":
            self._executor = ThreadPoolExecutor(
                self.max_workers, thread_name_prefix="chart-render", initializer=chart_data.warm_up
            )
            self._warmup = []
            return
        ctx = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            ctx.set_forkserver_preload(["scheduler.charts"])
        self._executor = ProcessPoolExecutor(self.max_workers, mp_context=ctx, initializer=chart_data.process_init)
        self._warmup = [
            self._executor.submit(chart_data.render, "_loaded_modules", (), {}) for _ in range(self.max_workers)
        ]

    async def ready(self) -> None:
        """Start if needed and wait until the workers have started and warmed up.

        Logs a warning if a worker has heavy modules (aiogram, …) loaded.
        """
        self.start()
        probes, self._warmup = self._warmup, []
        modules: set[str] = set()
        for probe in probes:
            modules.update((await asyncio.wrap_future(probe)).decode().split("\n"))
        self._check_worker_modules(modules)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the pool (blocking if ``wait``). ``start()`` may be called again later."""
        executor, self._executor = self._executor, None
        self._warmup = []
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=cancel_futures)

    async def aclose(self) -> None:
        """Non-blocking :meth:`shutdown` for use inside the event loop."""
        await asyncio.to_thread(self.shutdown, True)

    async def __aenter__(self) -> ChartRenderer:
        await self.ready()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- rendering ----------------------------------------------------------------
    async def render(self, fn_name: str, *args: Any, **kwargs: Any) -> bytes:
        """Render ``charts.<fn_name>(*args, **kwargs)`` in a worker; returns PNG bytes.

        ``fn_name`` must be one of the whitelisted chart names (ValueError otherwise).
        """
        self.start()
        executor = self._executor
        assert executor is not None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, chart_data.render, fn_name, args, kwargs)
        except BrokenProcessPool:
            log.warning("chart worker died; restarting the render pool and retrying %s", fn_name)
            self._restart(executor)
            assert self._executor is not None
            return await loop.run_in_executor(self._executor, chart_data.render, fn_name, args, kwargs)

    async def render_many(self, jobs: Sequence[Job]) -> list[bytes]:
        """Render several ``(fn_name, args, kwargs)`` jobs concurrently, results in order."""
        return list(
            await asyncio.gather(*(self.render(name, *args, **kwargs) for name, args, kwargs in jobs))
        )

    async def worker_modules(self) -> list[str]:
        """Sorted module names loaded in (one of) the workers — a debugging aid."""
        return (await self.render("_loaded_modules")).decode().split("\n")

    # --- internals ----------------------------------------------------------------
    def _restart(self, broken: Executor) -> None:
        if self._executor is broken:  # not already restarted by a concurrent job
            self.shutdown(wait=False)
            self.start()

    def _check_worker_modules(self, modules: set[str]) -> None:
        heavy = sorted({m.split(".")[0] for m in modules} & HEAVY_MODULES)
        if heavy and self.mode == "process":
            log.warning(
                "chart worker imported %s; it re-imported the parent's __main__ — "
                "start the bot with `python -m <package>` (see scheduler.render_pool)",
                ", ".join(heavy),
            )


class ChartMemo:
    """Renders each distinct chart job once while its PNG is kept, for the digests.

    Several digests often carry the very same chart: the daily, weekly and monthly digests of one scope
    due the same day chart the same month to date, and so do managers whose scopes give the same people.
    Jobs are keyed by their pickled ``(fn_name, args, kwargs)`` (the chart's whole input: the frozen
    dataclasses, the titles and the labels), so equal inputs share one render, also while it is still
    running; a failed render is forgotten. :meth:`prune` drops what was kept before a time (a
    :class:`scheduler.ttl_cache.TtlCache`, as the scheduler keeps its digests).
    """

    def __init__(self, renderer: ChartRenderer) -> None:
        self.renderer = renderer
        self._kept: TtlCache[bytes, asyncio.Future[bytes]] = TtlCache()
        self.rendered = 0  # charts sent to the renderer
        self.shared = 0  # charts answered from a render of the same job

    @property
    def max_workers(self) -> int:
        return self.renderer.max_workers

    async def render_many(self, jobs: Sequence[Job]) -> list[bytes]:
        """``ChartRenderer.render_many`` with equal jobs rendered once."""
        return list(await asyncio.gather(*(self._one(job) for job in jobs)))

    async def _one(self, job: Job) -> bytes:
        key = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        future = self._kept.get(key)
        if future is None:
            name, args, kwargs = job
            future = asyncio.ensure_future(self.renderer.render(name, *args, **kwargs))
            self._kept.put(key, future)
            self.rendered += 1
        else:
            self.shared += 1
        try:
            return await asyncio.shield(future)
        except BaseException:
            if future.done() and (future.cancelled() or future.exception() is not None):
                self._kept.pop(key)
            raise

    def prune(self, before: float) -> None:
        """Forget the charts kept before ``before`` (``time.monotonic()``)."""
        self._kept.prune(before)
