"""Lifecycle: APScheduler's ``AsyncIOScheduler`` created and started on the dispatcher's start-up,
shut down on shutdown — never at import.

The schedule itself lives in the database (preferences, recorded deliveries), not in APScheduler's
job store: APScheduler only wakes :class:`scheduler.jobs.Jobs` up —

* ``tick`` at second 0 of every minute, and once right at start-up (the catch-up run, preceded once by
  :meth:`Jobs.recover`: deliveries claimed and never sent by the previous run);
* ``prepare`` at second 30 of every minute (renders digests due within DIGEST_PREPARE_MINUTES);
* ``lags`` every LAG_CHECK_MINUTES, and once at start-up.

Each job runs at most one instance at a time (a long digest run makes the next minute coalesce);
on :meth:`SchedulerService.stop` running jobs finish the send in hand (bounded by ``grace``; claims not
started stay pending for the next start's recovery), then are cancelled and awaited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.metrics import JOBS
from scheduler.jobs import Jobs

log = logging.getLogger(__name__)


class SchedulerService:
    def __init__(self, jobs: Jobs, settings: Settings) -> None:
        self.jobs = jobs
        self.settings = settings
        self.scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task] = set()
        self._recovered = False

    @property
    def running(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    def start(self) -> None:
        """Create and start the scheduler on the running loop (call from the start-up hook)."""
        if self.scheduler is not None:
            return
        # (again after a lost and regained leadership: recover what another leader left, take claims)
        self._recovered = False
        self.jobs.stopping = False
        zone = ZoneInfo(self.settings.timezone)
        now = datetime.now(zone)
        sched = AsyncIOScheduler(timezone=zone, job_defaults={"coalesce": True, "max_instances": 1,
                                                              "misfire_grace_time": 50})
        sched.add_job(self._run, CronTrigger(second=0, timezone=zone), args=["tick"], id="tick",
                      next_run_time=now)
        sched.add_job(self._run, CronTrigger(second=30, timezone=zone), args=["prepare"], id="prepare")
        sched.add_job(self._run, IntervalTrigger(minutes=self.settings.lag_check_minutes, timezone=zone),
                      args=["lags"], id="lags", next_run_time=now + timedelta(seconds=5))
        sched.start()
        self.scheduler = sched
        log.info("scheduler started (%s)", ", ".join(j.id for j in sched.get_jobs()))

    async def stop(self, grace: float = 10.0) -> None:
        sched, self.scheduler = self.scheduler, None
        if sched is None:
            return
        sched.pause()  # no new run; (shutdown would cancel the running ones at once)
        self.jobs.stopping = True  # workers take no new claim; the send in hand may finish
        tasks = [t for t in self._running if not t.done()]
        if tasks:
            _done, late = await asyncio.wait(tasks, timeout=grace)
            if late:
                log.warning("scheduler: %d job(s) still running after %.0f s: cancelled", len(late), grace)
        sched.shutdown(wait=False)
        tasks = [t for t in tasks if not t.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        log.info("scheduler stopped")

    async def _run(self, name: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            if name == "tick":
                if not self._recovered:
                    self._recovered = True
                    recovered = await self.jobs.recover()
                    if recovered.sent or recovered.skipped:
                        log.info("recovery: %s sent, %s", dict(recovered.kinds()), dict(recovered.skipped))
                report = await self.jobs.tick()
                if report.sent:
                    log.info("tick: %s", dict(report.kinds()))
            elif name == "prepare":
                rendered = await self.jobs.prepare()
                if rendered:
                    log.info("prepared %d digest(s) ahead", rendered)
            elif name == "lags":
                await self.jobs.check_lags()
        except asyncio.CancelledError:
            raise
        except Exception:
            JOBS.labels(job=name, outcome="failed").inc()
            log.exception("scheduler job %s failed", name)
        else:
            JOBS.labels(job=name, outcome="ok").inc()
        finally:
            if task is not None:
                self._running.discard(task)
