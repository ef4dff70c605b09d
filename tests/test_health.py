"""Dependencies: an unreachable database or Redis at start is one line and exit code 2; an outage while
running is "temporarily unavailable" to the user and one log line, not one per update."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.app import create_dispatcher
from bot.db import Database
from bot.health import DATABASE, REDIS, failed_dependency
from tests.recording import Harness, Person, make_bot

REPO = Path(__file__).resolve().parents[1]
GOOD = "123456:" + "A" * 35
DEAD_PG = "postgresql+asyncpg://x:secret@127.0.0.1:1/x"
DEAD_REDIS = "redis://127.0.0.1:1/0"
ANNA = Person(501, "Anna", language_code="en")
IVAN = Person(502, "Ivan", language_code="ru")


def run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "REDIS_URL")}
    base.update(PYTHONPATH=str(REPO), BOT_TOKEN=GOOD, **env)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=base, capture_output=True,
                          text=True, timeout=60)


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_unreachable_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    line = _one_line(run_bot(tmp_path, DATABASE_URL=DEAD_PG))
    assert "DATABASE_URL" in line and "cannot connect" in line and "127.0.0.1" in line
    assert "secret" not in line  # the password is not printed
    line = _one_line(run_bot(tmp_path, "migrate", DATABASE_URL=DEAD_PG))
    assert "DATABASE_URL" in line


def test_unreachable_redis_is_one_line_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    line = _one_line(run_bot(tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{db}", REDIS_URL=DEAD_REDIS))
    assert line.startswith("teamdesk: REDIS_URL") and "cannot connect" in line


def test_failed_dependency_classifies_errors() -> None:
    import redis.exceptions

    assert failed_dependency(OperationalError("SELECT 1", {}, Exception("gone"))) == DATABASE
    assert failed_dependency(redis.exceptions.ConnectionError("refused")) == REDIS
    assert failed_dependency(ValueError("a bug")) is None
    wrapped = RuntimeError("while loading")
    wrapped.__cause__ = redis.exceptions.TimeoutError("slow")
    assert failed_dependency(wrapped) == REDIS


class SwitchableDatabase(Database):
    """A real database that can be switched off: every new session fails to connect."""

    down = False

    def session(self):  # type: ignore[override]
        if self.down:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "Connection refused"))
        return super().session()


async def test_database_outage_tells_users_and_logs_once(settings, database_url, clock,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    db = SwitchableDatabase(database_url)
    bot, session = make_bot()
    h = Harness(create_dispatcher(settings, db, clock=clock), bot, session)
    try:
        db.down = True
        caplog.set_level(logging.INFO)
        for person in (ANNA, IVAN, ANNA):
            sent = await h.send(person, "/help")
            texts = [s.text for s in h.messages(sent)]
            assert len(texts) == 1
            assert ("temporarily unavailable" if person is ANNA else "временно недоступен") in texts[0]
        down = [r for r in caplog.records if "unavailable" in r.getMessage()]
        assert len(down) == 1 and "DATABASE_URL" in down[0].getMessage()
        assert not [r for r in caplog.records if r.exc_info]  # no tracebacks, one per update
        msg = h.messages(await h.send(ANNA, "/help"))[0]
        # a button pressed during the outage gets an alert
        sent = await h.press(ANNA, msg, "set:lang:en")
        answers = h.answers(sent)
        assert len(answers) == 1 and "temporarily unavailable" in answers[0].params["text"]
        assert answers[0].params["show_alert"] is True
        db.down = False
        sent = await h.send(ANNA, "/help")
        assert "temporarily unavailable" not in h.messages(sent)[0].text
        back = [r for r in caplog.records if "available again" in r.getMessage()]
        assert len(back) == 1
        assert len([r for r in caplog.records if "unavailable:" in r.getMessage()]) == 1
    finally:
        await bot.session.close()
        await db.dispose()


async def test_redis_outage_while_running_is_answered(settings, db, clock) -> None:
    from aiogram.fsm.storage.redis import RedisStorage

    storage = RedisStorage.from_url(DEAD_REDIS)
    bot, session = make_bot()
    h = Harness(create_dispatcher(settings, db, clock=clock, storage=storage), bot, session)
    try:
        sent = await h.send(IVAN, "/start")
        texts = [s.text for s in h.messages(sent)]
        assert len(texts) == 1 and "временно недоступен" in texts[0]
    finally:
        await storage.close()
        await bot.session.close()


@pytest.mark.parametrize("url", ["garbage://x", "postgresql://x@127.0.0.1:1/x", "not a url"])
def test_malformed_database_url_is_one_line_and_exit_2(tmp_path: Path, url: str) -> None:
    """QA of issue 8: an unknown dialect or a sync driver in DATABASE_URL was a traceback and exit 1."""
    line = _one_line(run_bot(tmp_path, DATABASE_URL=url))
    assert line.startswith("teamdesk: DATABASE_URL")


def test_unreachable_bot_api_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """QA of issue 8: a Bot API that cannot be reached at start was a 60-line traceback and exit 1."""
    db = tmp_path / "t.db"
    result = run_bot(tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{db}", TELEGRAM_API_URL="http://127.0.0.1:1")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    line = result.stderr.strip().splitlines()[-1]  # after the log lines of the migrations
    assert line.startswith("teamdesk: TELEGRAM_API_URL (http://127.0.0.1:1): cannot connect")
