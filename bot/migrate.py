"""Apply Alembic migrations (at start-up and by ``python -m bot migrate``).

The running bot migrates in a child process (:func:`upgrade_in_subprocess`), so Alembic and the
migration scripts (~11 MiB) are never loaded into the long-lived bot process.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "models" / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database to ``revision``; call it where no event loop runs."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, revision)


def upgrade_in_subprocess(url: str, revision: str = "head") -> int:
    """Upgrade in a child Python process and return its exit code (0 = up to date).

    The URL (which may hold a password) goes through stdin, not the command line. The child's
    errors go to this process's stderr.
    """
    root = str(MIGRATIONS.parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    code = "import sys; from bot.migrate import upgrade; upgrade(sys.stdin.readline().rstrip('\\n'), sys.argv[1])"
    return subprocess.run([sys.executable, "-c", code, revision], input=url + "\n", text=True, env=env).returncode


def head_revisions() -> set[str]:
    """The newest migration revision(s) of this code, read from the files (without loading Alembic)."""
    import re

    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r'^revision\s*=\s*["\']([^"\']+)["\']', text, re.M)
        down = re.search(r'^down_revision\s*=\s*(.+)$', text, re.M)
        if rev:
            revisions.add(rev.group(1))
        if down:
            parents.update(re.findall(r'["\']([^"\']+)["\']', down.group(1)))
    return revisions - parents


def known_revisions() -> set[str]:
    """Every migration revision this code knows (a database at another one is newer than the code)."""
    import re

    found = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        rev = re.search(r'^revision\s*=\s*["\']([^"\']+)["\']', path.read_text(encoding="utf-8"), re.M)
        if rev:
            found.add(rev.group(1))
    return found
