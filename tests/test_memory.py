"""The bot process stays near its import floor (issue 9 point 5; docs/performance.md, "Memory"):
it never imports matplotlib (charts render in worker processes) and does not keep Alembic loaded."""

import sqlite3
import subprocess
import sys
from pathlib import Path

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
