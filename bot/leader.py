"""One scheduler leader among the replicas: a lease row in the database (``service_leases``).

Every replica tries to take or renew the ``scheduler`` lease every third of ``LEADER_LEASE_SECONDS``;
the holder runs the scheduled jobs. A leader that dies stops renewing, its lease expires, and another
replica takes it within ``LEADER_LEASE_SECONDS`` (plus one renewal interval at most); the delivery log
(claimed before sending, marked after; recovered by the next leader) keeps anything from being sent twice
across the hand-over. A leader that cannot renew (the database is down) steps down before its lease can
expire, so two leaders never run at once. On shutdown the leader stops its jobs and releases the lease, so
the next replica takes over at its next try instead of after the expiry.

On SQLite there is one process: it is the leader, without a lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import bot.metrics as metrics
from bot.db import Database
from models import service_repo as repo

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"


class Leadership:
    def __init__(self, db: Database, me: str, lease_seconds: float, clock: Any) -> None:
        self.db = db
        self.me = me
        self.lease = timedelta(seconds=lease_seconds)
        self.clock = clock
        self.is_leader = False
        self.single_process = db.is_sqlite
        self._until: datetime | None = None
        self._task: asyncio.Task | None = None
        self._on_gain: Callable[[], Awaitable[None] | None] | None = None
        self._on_loss: Callable[[], Awaitable[None] | None] | None = None

    @property
    def role(self) -> str:
        return "leader" if self.is_leader else "follower"

    async def start(self, on_gain: Callable[[], Awaitable[None] | None],
                    on_loss: Callable[[], Awaitable[None] | None]) -> None:
        """The first try now (a lone replica, or SQLite's one process, leads when start-up ends), then
        renewals in the background."""
        self._on_gain, self._on_loss = on_gain, on_loss
        if self.single_process:
            await self._gain()
            return
        try:
            await self.try_once()
        except Exception:
            log.exception("leadership check failed")
        self._task = asyncio.create_task(self._run(), name="leadership")

    async def _call(self, hook: Callable[[], Awaitable[None] | None] | None) -> None:
        if hook is not None:
            result = hook()
            if asyncio.iscoroutine(result):
                await result

    async def _gain(self) -> None:
        self.is_leader = True
        metrics.LEADER.set(1)
        log.info("leadership: this replica (%s) is the scheduler leader", self.me)
        await self._call(self._on_gain)

    async def _lose(self, why: str) -> None:
        self.is_leader = False
        metrics.LEADER.set(0)
        log.warning("leadership: %s; scheduler stopped on this replica", why)
        await self._call(self._on_loss)

    async def try_once(self) -> bool:
        """Take or renew the lease; gain or lose leadership accordingly. Returns whether we lead."""
        now = self.clock.now()
        try:
            async with self.db.session() as session, self.db.writing(session):
                held = await repo.acquire_lease(session, SCHEDULER, self.me, now, now + self.lease)
        except Exception as exc:
            if self.is_leader and (self._until is None or self.clock.now() >= self._until - self.lease / 3):
                await self._lose(f"lease not renewed ({type(exc).__name__})")
            return self.is_leader
        if held:
            self._until = now + self.lease
            if not self.is_leader:
                await self._gain()
        elif self.is_leader:
            await self._lose("the lease went to another replica")
        return self.is_leader

    async def _run(self) -> None:
        interval = max(0.5, self.lease.total_seconds() / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.try_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("leadership check failed")

    async def stop(self) -> None:
        """Stop trying; a leader stops its jobs (through the loss hook) and releases the lease."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if not self.is_leader:
            return
        self.is_leader = False
        metrics.LEADER.set(0)
        await self._call(self._on_loss)
        if self.single_process:
            return
        try:
            async with self.db.session() as session, self.db.writing(session):
                await repo.release_lease(session, SCHEDULER, self.me, self.clock.now())
            log.info("leadership: lease released")
        except Exception as exc:
            log.warning("leadership: could not release the lease (%s); it expires by itself", type(exc).__name__)

    async def holder(self) -> str | None:
        if self.single_process:
            return self.me if self.is_leader else None
        async with self.db.session() as session:
            return await repo.lease_holder(session, SCHEDULER, self.clock.now())
