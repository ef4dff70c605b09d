"""End-to-end fixture: the real ``python -m bot`` process against the Bot API emulator.

Usage::

    async def test_flow(e2e):
        admin = e2e.user(ADMIN_ID, "Olga")         # a FakeUser (see tests/emulator)
        await admin.send("/start")
        msg = await admin.wait_message()
        ...
        # on teardown: the bot is stopped, and the test fails on any Bot API spec
        # violation or unanswered callback query

``e2e.db`` is a :class:`bot.db.Database` on the same database the bot uses (to recompute
numbers); ``e2e.settings_env`` the environment the bot was started with.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.db import Database
from tests.emulator import BotAPIEmulator, FakeUser

REPO = Path(__file__).resolve().parents[2]
E2E_ADMIN_ID = 1


@dataclass
class E2E:
    emu: BotAPIEmulator
    proc: asyncio.subprocess.Process
    db: Database
    settings_env: dict[str, str]
    log_path: Path
    users: dict[int, FakeUser] = field(default_factory=dict)

    def user(self, id: int, first_name: str, *, last_name: str | None = None, username: str | None = None,
             language_code: str = "ru") -> FakeUser:
        return self.emu.user(id=id, first_name=first_name, last_name=last_name, username=username,
                             language_code=language_code)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


async def start_bot(emu: BotAPIEmulator, database_url: str, workdir: Path, extra_env: dict[str, str] | None = None):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "ADMIN_"))},
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.url,
        "DATABASE_URL": database_url,
        "ADMIN_IDS": str(E2E_ADMIN_ID),
        "PYTHONPATH": str(REPO),
        "CHART_MODE": "thread",
        # real time runs on: keep scheduled digests and reminders out of scripted flows
        "SCHEDULER_ENABLED": "false",
        "WEB_PORT": "0",  # no web server unless a test asks for one (tests run side by side)
        **(extra_env or {}),
    }
    log_path = workdir / "bot.log"
    log = log_path.open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=workdir, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT
    )
    log.close()
    # ready once it polls for updates
    async def polling() -> None:
        while not emu.calls("getUpdates"):
            if proc.returncode is not None:
                raise AssertionError(f"bot exited with {proc.returncode}:\n{log_path.read_text()}")
            await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(polling(), timeout=60)
    except TimeoutError:
        proc.kill()
        raise AssertionError(f"bot did not start polling:\n{log_path.read_text()}") from None
    return proc, env, log_path


async def stop_bot(proc: asyncio.subprocess.Process) -> int:
    if proc.returncode is None:
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(proc.wait(), timeout=20)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    return proc.returncode


@pytest.fixture
async def e2e(database_url: str, db: Database, tmp_path: Path) -> AsyncIterator[E2E]:
    async with BotAPIEmulator(bot_username="teamdesk_test_bot") as emu:
        proc, env, log_path = await start_bot(emu, database_url, tmp_path)
        ctx = E2E(emu, proc, db, env, log_path)
        try:
            yield ctx
            await emu.wait_idle()
        finally:
            code = await stop_bot(ctx.proc)  # a test may have restarted the bot
        log = log_path.read_text(errors="replace")
        assert emu.violations == [], f"Bot API violations: {emu.violations}"
        assert emu.unanswered_callbacks() == [], "unanswered callback queries"
        assert "Traceback" not in log, log[-4000:]
        # no secret or contact ever reaches a log line (bot/logs.py redacts them)
        from bot.logs import EMAIL, PHONE, TOKEN_SHAPE

        assert emu.token not in log, "the bot token in the log"
        assert not (TOKEN_SHAPE.search(log) or EMAIL.search(log) or PHONE.search(log)), "a secret or contact in the log"
        assert code in (0, -signal.SIGINT), f"bot exit code {code}\n{log[-4000:]}"
