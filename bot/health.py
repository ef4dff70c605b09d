"""Dependencies: the database and Redis checked at start-up, and their outages while running.

At start-up (:func:`check_dependencies`, called by ``python -m bot`` before anything else touches them)
an unreachable database or ``REDIS_URL`` is one line naming the setting and the reason, and exit code 2,
not a traceback, and not a bot that starts and silently answers nothing.

While running, an update that fails because the database or Redis is down is answered "temporarily
unavailable" (``bot.middlewares.on_error``); :class:`Outage` logs the reason once when a dependency goes
down and once when it is back, not once per update.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator

from bot.config import Settings

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 5.0  # seconds per dependency at start-up
DATABASE, REDIS = "DATABASE_URL", "REDIS_URL"
_DB_MODULES = ("sqlalchemy", "asyncpg", "aiosqlite", "sqlite3")
_REDIS_MODULES = ("redis",)


def one_line(exc: BaseException, limit: int = 300) -> str:
    """``Type: first line of the message`` (the DB-API error, not SQLAlchemy's wrapper and its SQL)."""
    inner = getattr(exc, "orig", None) or exc
    text = (str(inner).strip().splitlines() or [""])[0]
    out = f"{type(inner).__name__}: {text}" if text else type(inner).__name__
    return out if len(out) <= limit else out[: limit - 1] + "…"


def safe_url(url: str) -> str:
    """The URL without its password (for the console and the log)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1] if "@" in url else url


async def check_database(url: str, wait: float = CHECK_TIMEOUT) -> str | None:
    """``None`` when the database answers ``SELECT 1`` within ``wait`` seconds; else the reason, one line."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    try:
        engine = create_async_engine(url, connect_args={"timeout": wait})
    except Exception as exc:  # a malformed URL, an unknown dialect or a driver that is not installed
        return one_line(exc)
    try:
        async with asyncio.timeout(wait):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except TimeoutError:
        return f"no answer within {wait:g} s"
    except Exception as exc:
        return one_line(exc)
    finally:
        await engine.dispose()
    return None


async def check_redis(url: str, wait: float = CHECK_TIMEOUT) -> str | None:
    """``None`` when Redis answers PING within ``wait`` seconds; else the reason, one line."""
    try:
        from redis.asyncio import Redis

        client = Redis.from_url(url, socket_connect_timeout=wait, socket_timeout=wait)
    except Exception as exc:  # a malformed URL, or the redis package missing
        return one_line(exc)
    try:
        async with asyncio.timeout(wait):
            await client.ping()
    except TimeoutError:
        return f"no answer within {wait:g} s"
    except Exception as exc:
        return one_line(exc)
    finally:
        await client.aclose()
    return None


async def _problems(settings: Settings, redis: bool) -> list[str]:
    problems = []
    reason = await check_database(settings.database_url)
    if reason is not None:
        problems.append(f"{DATABASE} ({safe_url(settings.database_url)}): cannot connect: {reason}")
    if redis and settings.redis_url:
        reason = await check_redis(settings.redis_url)
        if reason is not None:
            problems.append(f"{REDIS} ({safe_url(settings.redis_url)}): cannot connect: {reason}")
    return problems


def check_dependencies(settings: Settings, *, redis: bool = True) -> None:
    """Exit with code 2 and one line on stderr when the database (or Redis) cannot be reached."""
    problems = asyncio.run(_problems(settings, redis))
    if problems:
        print("teamdesk: " + "; ".join(problems), file=sys.stderr)
        raise SystemExit(2)


# --- while running --------------------------------------------------------------------------------
def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _raised_in(exc: BaseException, modules: tuple[str, ...]) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_globals.get("__name__", "")
        if name.split(".")[0] in modules:
            return True
        tb = tb.tb_next
    return False


def failed_dependency(exc: BaseException) -> str | None:
    """``DATABASE_URL`` or ``REDIS_URL`` when ``exc`` means that dependency is down; else ``None``."""
    from sqlalchemy import exc as sa

    # only a process that imported redis (REDIS_URL set) can have raised its errors: not imported here
    redis_exc = sys.modules.get("redis.exceptions")
    redis_errors: tuple[type[BaseException], ...] = (
        (redis_exc.ConnectionError, redis_exc.TimeoutError) if redis_exc is not None else ())
    for e in _chain(exc):
        if redis_errors and isinstance(e, redis_errors):
            return REDIS
        if isinstance(e, sa.OperationalError | sa.InterfaceError | sa.TimeoutError) or (
                isinstance(e, sa.DBAPIError) and e.connection_invalidated):
            return DATABASE
        if isinstance(e, OSError | TimeoutError):  # a refused or dropped connection, raised raw by a driver
            if _raised_in(e, _REDIS_MODULES):
                return REDIS
            if _raised_in(e, _DB_MODULES):
                return DATABASE
    return None


class Outage:
    """Which dependencies are down now; logs a change of state once (down with the reason, back)."""

    def __init__(self) -> None:
        self.down: dict[str, str] = {}

    def report(self, dependency: str, exc: BaseException) -> None:
        if dependency not in self.down:
            self.down[dependency] = one_line(exc)
            log.error("%s unavailable: %s (users are told the bot is temporarily unavailable)",
                      dependency, self.down[dependency])

    def recovered(self) -> None:
        """An update went through (so both the database and Redis answered)."""
        if self.down:
            for dependency in sorted(self.down):
                log.warning("%s available again", dependency)
            self.down.clear()
