"""A small cache whose entries are forgotten by age: the scheduler's rendered digests (``Jobs``) and charts
(``scheduler.render_pool.ChartMemo``) both keep their values this way (standard library only: the chart pool
imports it, and the bot process never imports matplotlib)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["TtlCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values with the time they were stored (``clock``: :func:`time.monotonic` unless a test gives another);
    :meth:`prune` forgets those stored before a time. Not thread-safe (one event loop uses it)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._items: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        """The value kept under ``key``, or ``None``."""
        kept = self._items.get(key)
        return None if kept is None else kept[1]

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` under ``key`` from now (replacing what was there, and its age)."""
        self._items[key] = (self._clock(), value)

    def pop(self, key: K) -> V | None:
        """Forget ``key``; → its value, or ``None``."""
        kept = self._items.pop(key, None)
        return None if kept is None else kept[1]

    def prune(self, before: float) -> list[K]:
        """Forget the values stored before ``before`` (on the cache's clock). → their keys."""
        old = [k for k, (at, _) in self._items.items() if at < before]
        for key in old:
            del self._items[key]
        return old

    def clear(self) -> None:
        self._items.clear()

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)
