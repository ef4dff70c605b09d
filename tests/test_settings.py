"""Settings: built in main(), one-line errors with exit code 2, defaults, data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings

REPO = Path(__file__).resolve().parents[1]
GOOD = "123456:" + "A" * 35


def run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS")}
    base.update(PYTHONPATH=str(REPO), **env)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=base, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        # with no token at all `python -m bot` starts the sandbox (tests/test_sandbox_browser.py); not when
        # another setting is wrong too
        ({"TIMEZONE": "Mars/Base"}, "BOT_TOKEN is missing; TIMEZONE unknown time zone"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN does not look like a token"),
        ({"BOT_TOKEN": GOOD, "TIMEZONE": "Mars/Base"}, "TIMEZONE unknown time zone"),
        ({"BOT_TOKEN": GOOD, "ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
    ],
)
def test_bad_settings_one_line_exit_2(tmp_path: Path, env: dict[str, str], needle: str) -> None:
    result = run_bot(tmp_path, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_token_for_other_commands(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "migrate")
    assert result.returncode == 2 and "BOT_TOKEN is missing" in result.stderr


def test_sandbox_reports_bad_settings_in_one_line(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "sandbox", TIMEZONE="Mars/Base")
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
    assert "TIMEZONE unknown time zone" in result.stderr and "Traceback" not in result.stderr


def test_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=bad\n", encoding="utf-8")
    result = run_bot(tmp_path)
    assert result.returncode == 2 and "BOT_TOKEN does not look like a token" in result.stderr


def test_defaults_and_lists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("DATABASE_URL", "TIMEZONE", "DEFAULT_LANGUAGE", "TELEGRAM_API_URL", "ADMIN_IDS"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(_env_file=None, bot_token=GOOD)
    assert s.database_url == "sqlite+aiosqlite:///data/teamdesk.db"
    assert s.telegram_api_url == "https://api.telegram.org"
    assert s.timezone == "Europe/Moscow" and s.default_language == "ru"
    s.ensure_data_dir()
    assert (tmp_path / "data").is_dir()
    monkeypatch.setenv("ADMIN_IDS", "1, 2,3")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    s = Settings(_env_file=None, bot_token=GOOD)
    assert s.admin_ids == {1, 2, 3}
    assert s.telegram_api_url == "http://127.0.0.1:8081"
    assert GOOD not in repr(s)  # the token is a secret


def test_settings_not_built_at_import() -> None:
    code = "import bot.app, bot.__main__, handlers, models; print('ok')"
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_migrate_command(tmp_path: Path) -> None:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    base.update(PYTHONPATH=str(REPO), BOT_TOKEN=GOOD)
    done = subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=tmp_path, env=base,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "teamdesk.db").exists()
