"""A small process-local cache of rows that rarely change: streams, projects, members.

One :class:`RowCache` belongs to one :class:`bot.db.Database`. What is cached is never an instance that
belongs to a session: members are kept as column values and :func:`attach` puts a fresh instance into
the reader's session (so a change to it is saved like any loaded row's); streams and projects are kept
as detached instances shared by all readers, which only read them (no session can expire or change
them; code that changes a stream or project loads it in its own session).

Invalidation:
* every commit of a session that inserted, updated or deleted rows of a cached table (through the ORM,
  or an ``update()``/``delete()``/``insert()`` statement run by the session) clears that table's entries
  right after the commit; ``bot.db.Database`` installs the session events. A reader that started before
  such a commit does not store what it read (a generation number per table), so a slow reader cannot
  put an old row back;
* every entry expires after ``ttl`` seconds. This is what bounds staleness for writes the events cannot
  see: another process (a second bot replica, a command-line tool) or SQL run on a bare connection.
  With several processes, a role change, a deactivation or a renamed project may take up to ``ttl``
  to be seen by the others.

Only the lookups that gate every update use it (``org_repo.cached_member_by_telegram_id``,
``reporting_repo.cached_streams`` / ``cached_project_by_*``); writes load rows from the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached

T = TypeVar("T")

DEFAULT_TTL = 60.0
MAX_ENTRIES = 10_000  # per table; the oldest half is dropped when full


class RowCache:
    def __init__(self, ttl: float = DEFAULT_TTL, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, dict[Hashable, tuple[float, Any]]] = {}
        self._generations: dict[str, int] = {}

    def generation(self, table: str) -> int:
        """Take it before reading the database; pass it to :meth:`put`."""
        return self._generations.get(table, 0)

    def get(self, table: str, key: Hashable) -> Any | None:
        entries = self._entries.get(table)
        if not entries:
            return None
        hit = entries.get(key)
        if hit is None:
            return None
        if hit[0] < self.clock():
            entries.pop(key, None)
            return None
        return hit[1]

    def put(self, table: str, key: Hashable, value: Any, generation: int) -> None:
        """Store ``value`` unless ``table`` was written since ``generation`` was taken."""
        if self._generations.get(table, 0) != generation:
            return
        entries = self._entries.setdefault(table, {})
        if len(entries) >= MAX_ENTRIES:
            for old in list(entries)[: MAX_ENTRIES // 2]:
                del entries[old]
        entries[key] = (self.clock() + self.ttl, value)

    def invalidate(self, *tables: str) -> None:
        for table in tables:
            self._generations[table] = self._generations.get(table, 0) + 1
            self._entries.pop(table, None)

    def clear(self) -> None:
        self.invalidate(*set(self._entries) | set(self._generations))


def values(obj: object) -> dict[str, Any]:
    """The column values of a loaded instance."""
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


def instance(cls: type[T], row: dict[str, Any]) -> T:
    """A fresh detached instance with these column values (as if loaded and its session closed)."""
    obj = cls(**row)
    make_transient_to_detached(obj)
    return obj


def attach(session, cls: type[T], row: dict[str, Any]) -> T:
    """The instance for ``row`` in ``session``, without SQL: the session's own if it already holds one,
    else a fresh one added as persistent (changes to it are flushed like any loaded row's)."""
    key = inspect(cls).identity_key_from_primary_key((row["id"],))
    existing = session.identity_map.get(key)
    if existing is not None:
        return existing
    obj = instance(cls, row)
    session.add(obj)
    return obj
