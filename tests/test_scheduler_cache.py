"""The scheduler's two caches forgotten by age — rendered digests (``Jobs``) and rendered charts (``ChartMemo``) —
are one class, ``scheduler.ttl_cache.TtlCache``, pruned together after each round of digests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.clock import FrozenClock
from scheduler.ttl_cache import TtlCache
from tests.scheduling_helpers import MSK_0900_MON, add_units, at_msk, make_jobs, make_team


def test_values_are_forgotten_by_the_time_they_were_stored() -> None:
    now = [100.0]
    cache: TtlCache[str, int] = TtlCache(clock=lambda: now[0])
    cache.put("a", 1)
    now[0] = 110.0
    cache.put("b", 2)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, 2, None)
    assert "a" in cache and len(cache) == 2
    assert cache.prune(100.0) == []  # stored at 100: not before 100
    assert cache.prune(105.0) == ["a"] and cache.get("a") is None and cache.get("b") == 2
    now[0] = 120.0
    cache.put("b", 3)  # stored again: its age starts again
    assert cache.prune(115.0) == [] and cache.get("b") == 3
    assert cache.pop("b") == 3 and cache.pop("b") is None and len(cache) == 0
    cache.put("c", 4)
    cache.clear()
    assert cache.get("c") is None


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MSK_0900_MON)


async def test_digests_and_their_charts_are_kept_then_forgotten_together(db, settings, clock, monkeypatch) -> None:
    team = await make_team(db, writers=2)
    await add_units(db, team.writers[0], team.project_id, 3, at_msk(12, 12))
    jobs, _sender = make_jobs(db, settings, clock)
    assert isinstance(jobs._cache, TtlCache) and isinstance(jobs.charts._kept, TtlCache)
    scope = (await jobs._managers())[2][team.manager.id]
    first = await jobs.digest(scope, "daily", clock.now(), "ru")
    jobs._prune_cache()  # kept within the grace period and the preparation lead
    assert await jobs.digest(scope, "daily", clock.now(), "ru") is first and jobs.renders == 1
    assert len(jobs._cache) == 1 and len(jobs._locks) == 1 and len(jobs.charts._kept) == 2
    real = __import__("time").monotonic
    later = real() + jobs.grace.total_seconds() + settings.digest_prepare_minutes * 60 + 3601
    monkeypatch.setattr("scheduler.jobs.monotime", SimpleNamespace(monotonic=lambda: later))
    jobs._prune_cache()  # past the horizon: the digest, its lock and its charts are forgotten
    assert len(jobs._cache) == 0 and len(jobs._locks) == 0 and len(jobs.charts._kept) == 0
    again = await jobs.digest(scope, "daily", clock.now(), "ru")
    assert again is not first and again.caption == first.caption and jobs.renders == 2
