"""The bot process stays near its import floor (issue 9 point 5; docs/performance.md, "Memory"):
it never imports matplotlib (charts render in worker processes), does not keep Alembic loaded, and
what only one rarely used feature needs is imported by that feature (phone numbers, the stemmer, Redis
without REDIS_URL, the holidays of ~250 countries, a language's Fluent bundle nobody uses)."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> None:
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_bot_does_not_import_matplotlib():
    """Importing the app, the handlers, the jobs and the render pool loads no matplotlib, numpy, PIL."""
    _run(
        "import sys\n"
        "import bot.app, bot.__main__, bot.migrate, handlers, scheduler.jobs, scheduler.render_pool\n"
        "import scheduler.digest, scheduler.chart_data\n"
        "handlers.create_routers()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'matplotlib', 'numpy', 'PIL', 'alembic'})\n"
        "assert not heavy, heavy\n"
    )


#: loaded by the feature that needs it, never by the bot's start (each was 1–8 MiB of the bot's RSS)
LAZY = {"phonenumbers", "snowballstemmer", "redis", "holidays", "openpyxl", "hypothesis", "alembic",
        "matplotlib", "numpy", "PIL", "bot.sandbox", "bot.dashboard"}


def test_start_up_imports_no_rarely_used_library():
    """Everything the running bot imports and builds before its first update (the app, the dispatcher
    with all routers, the web server's and the runtime's modules), with REDIS_URL unset: none of ``LAZY`` is loaded and no
    Fluent bundle is built yet."""
    _run(
        "import sys\n"
        "from bot.config import Settings\n"
        "from bot.db import Database\n"
        "import bot.runtime, bot.web, bot.__main__, scheduler.jobs, scheduler.service\n"
        "from bot.app import create_dispatcher\n"
        "settings = Settings(bot_token='123456:' + 'A' * 35, database_url='sqlite+aiosqlite:///:memory:',\n"
        "                    redis_url='')\n"
        "dp = create_dispatcher(settings, Database(settings.database_url))\n"
        f"lazy = {sorted(LAZY)!r}\n"
        "loaded = sorted(m for m in sys.modules if any(m == n or m.startswith(n + '.') for n in lazy))\n"
        "assert not loaded, loaded\n"
        "assert not dp.workflow_data['catalog']._bundles, 'a Fluent bundle was built at start-up'\n"
    )


def test_one_country_holidays_without_the_other_countries():
    """The holidays of the configured country load that country's module alone, not the ~250 of
    ``holidays.countries``, and give the same days as ``holidays.country_holidays``."""
    _run(
        "import sys\n"
        "from bot.domain.workdays import public_holidays\n"
        "days = public_holidays(2026, 'ru')\n"
        "assert __import__('datetime').date(2026, 11, 4) in days\n"
        "loaded = [m for m in sys.modules if m.startswith('holidays.countries')]\n"
        "assert not loaded, loaded[:5]\n"
    )


@pytest.mark.parametrize("country", ["RU", "RUS", "BY", "KZ", "UA", "US", "GB", "UK", "DE", "FR", "AX", "TR"])
def test_direct_country_holidays_equal_the_packages(country):
    import holidays

    from bot.domain.workdays import _public_holidays_cached

    for year in (2025, 2026, 2027):
        assert _public_holidays_cached(year, country) == frozenset(holidays.country_holidays(country, years=year))


def test_catalog_builds_a_language_at_its_first_use():
    from bot.i18n import Catalog

    catalog = Catalog()
    assert catalog.translator("ru")("language-ru") and list(catalog._bundles) == ["ru"]
    assert catalog.translator("de").lang == "ru" and list(catalog._bundles) == ["ru"]  # unsupported: default
    assert set(catalog.keys) == {"ru", "en"} and set(catalog._bundles) == {"ru", "en"}


def test_migration_runs_in_a_child_process(tmp_path):
    db = tmp_path / "m.db"
    _run(
        "import sys\n"
        "from bot.migrate import upgrade_in_subprocess\n"
        f"assert upgrade_in_subprocess('sqlite+aiosqlite:///{db}') == 0\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'alembic']\n"
    )
    with sqlite3.connect(db) as conn:
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    heads = sorted(p.name[:4] for p in (ROOT / "models" / "migrations" / "versions").glob("[0-9]*.py"))
    assert version == heads[-1]


def test_start_up_computes_the_holidays_in_a_child_process():
    """``python -m bot`` computes last, this and next year's holidays in a child process: the bot then
    answers them without loading ``holidays``, the same days as computed in process."""
    _run(
        "import sys\n"
        "from datetime import date\n"
        "from bot.__main__ import HolidaysChild\n"
        "from bot.domain.workdays import public_holidays\n"
        "assert HolidaysChild('ru', today=date(2026, 6, 1)).collect()\n"
        "days = {y: public_holidays(y, 'RU') for y in (2025, 2026, 2027)}\n"
        "assert date(2026, 11, 4) in days[2026] and date(2027, 1, 7) in days[2027], days\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'holidays']\n"
        "from bot.domain.workdays import _public_holidays_cached\n"
        "assert all(days[y] == _public_holidays_cached(y, 'RU') for y in days)\n"
        "assert not HolidaysChild('XX', today=date(2026, 6, 1)).collect()\n"
    )


async def test_freed_memory_goes_back_to_the_os_when_the_bot_goes_idle():
    """bot.runtime.trim_when_idle: malloc_trim once idle after the start, then once after each busy spell
    (never while an update is in hand, never again while nothing happened)."""
    import asyncio
    from types import SimpleNamespace

    from bot.runtime import malloc_trim, trim_when_idle

    calls: list[int] = []
    inbox = SimpleNamespace(started_total=0, tasks=set())
    watcher = asyncio.create_task(trim_when_idle(inbox, calls.append, every=0.01))
    try:
        await asyncio.sleep(0.05)
        assert calls == [0]  # idle after the start
        busy = asyncio.get_running_loop().create_future()
        inbox.tasks = {busy}
        inbox.started_total += 1
        await asyncio.sleep(0.05)
        assert calls == [0]  # an update in hand: not now
        busy.set_result(None)
        await asyncio.sleep(0.05)
        assert calls == [0, 0]  # idle again after the spell: once
        await asyncio.sleep(0.05)
        assert calls == [0, 0]
    finally:
        watcher.cancel()
    if sys.platform.startswith("linux"):
        assert malloc_trim() is not None and malloc_trim()(0) in (0, 1)  # glibc: 1 if memory was released
