"""``python -m bot backup FILE`` and ``python -m bot restore FILE``.

* SQLite: a consistent copy while the bot runs, through SQLite's online backup API (page by page, with a
  progress bar); restore copies the file back the same way into an empty database.
* PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (the PostgreSQL client tools must be on PATH;
  when they are not, one clear line says so and the exit code is 2). The password goes through the
  environment (``PGPASSWORD``), never the command line.

Restore refuses a database that already has tables and a backup whose schema is newer than the code (a
migration revision this code does not know); an older backup is restored and then migrated to the code's
schema.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bot.migrate import known_revisions, upgrade
from bot.progress import Progress

SQLITE_PREFIX = "sqlite+aiosqlite:///"
PAGES_PER_STEP = 256


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line for the console."""


@dataclass(frozen=True)
class PgTarget:
    dsn: str  # libpq URL without the password
    env: dict[str, str]


def sqlite_path(url: str) -> Path | None:
    if not url.startswith(SQLITE_PREFIX):
        return None
    path = url[len(SQLITE_PREFIX):]
    if not path or path == ":memory:":
        raise BackupError("DATABASE_URL is an in-memory SQLite database: nothing to back up")
    return Path(path).expanduser()


def pg_target(url: str) -> PgTarget:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise BackupError(f"backup supports SQLite and PostgreSQL, not {parsed.drivername}")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return PgTarget(plain.render_as_string(hide_password=False), env)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools (e.g. apt install "
                          f"postgresql-client, of the server's major version) and run again")
    return path


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, label: str) -> None:
    total = source.execute("PRAGMA page_count").fetchone()[0]
    bar = Progress(total, label)

    def step(_status: int, remaining: int, pages: int) -> None:
        bar.update(pages - remaining - bar.done)

    source.backup(target, pages=PAGES_PER_STEP, progress=step)
    bar.update(total - bar.done)
    bar.close()


def _revision_of_sqlite(conn: sqlite3.Connection) -> set[str]:
    try:
        return {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.DatabaseError:
        return set()


def _check_revision(found: set[str]) -> None:
    if not found:
        raise BackupError("the backup holds no teamdesk schema (no alembic_version)")
    unknown = found - known_revisions()
    if unknown:
        raise BackupError(f"the backup's schema ({', '.join(sorted(unknown))}) is newer than this code: "
                          f"upgrade teamdesk first, then restore")


def backup(url: str, out: Path) -> str:
    """Write a consistent copy of the database to ``out``; returns a one-line summary."""
    out.parent.mkdir(parents=True, exist_ok=True)
    source_path = sqlite_path(url)
    if source_path is not None:
        if not source_path.exists():
            raise BackupError(f"{source_path} does not exist")
        tmp = out.with_name(out.name + ".partial")
        tmp.unlink(missing_ok=True)
        src = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(tmp)
        try:
            _copy(src, dst, "backup")
            revision = _revision_of_sqlite(dst)
        finally:
            dst.close()
            src.close()
        tmp.replace(out)
        return f"{out}: {out.stat().st_size} bytes, schema {', '.join(sorted(revision)) or '?'}"
    target = pg_target(url)
    pg_dump = _tool("pg_dump")
    done = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--file", str(out), "--dbname", target.dsn],
                          env=target.env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return f"{out}: {out.stat().st_size} bytes (pg_dump custom format)"


def _pg_backup_revision(pg_restore: str, path: Path) -> set[str]:
    done = subprocess.run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"not a pg_dump custom-format file: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    found, in_copy = set(), False
    for line in done.stdout.splitlines():
        if line.startswith("COPY ") and "alembic_version" in line:
            in_copy = True
        elif in_copy and line == "\\.":
            in_copy = False
        elif in_copy and line.strip():
            found.add(line.strip())
    return found


def _pg_is_empty(url: str) -> bool:
    import asyncio

    from sqlalchemy import inspect
    from sqlalchemy.ext.asyncio import create_async_engine

    async def go() -> bool:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return not await conn.run_sync(lambda c: inspect(c).get_table_names())
        finally:
            await engine.dispose()

    return asyncio.run(go())


def restore(url: str, path: Path) -> str:
    """Restore ``path`` into the empty database of ``url``, then migrate it to the code's schema."""
    if not path.exists():
        raise BackupError(f"{path} does not exist")
    target_path = sqlite_path(url)
    if target_path is not None:
        try:
            src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            revision = _revision_of_sqlite(src)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not an SQLite backup: {exc}") from None
        try:
            _check_revision(revision)
            if target_path.exists() and target_path.stat().st_size > 0:
                dst_check = sqlite3.connect(target_path)
                try:
                    tables = dst_check.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
                finally:
                    dst_check.close()
                if tables:
                    raise BackupError(f"{target_path} is not empty: restore goes into an empty database only")
            target_path.parent.mkdir(parents=True, exist_ok=True)
            dst = sqlite3.connect(target_path)
            try:
                _copy(src, dst, "restore")
            finally:
                dst.close()
        finally:
            src.close()
    else:
        target = pg_target(url)
        pg_restore = _tool("pg_restore")
        revision = _pg_backup_revision(pg_restore, path)
        _check_revision(revision)
        if not _pg_is_empty(url):
            raise BackupError("the database is not empty: restore goes into an empty database only")
        done = subprocess.run([pg_restore, "--no-owner", "--exit-on-error", "--dbname", target.dsn, str(path)],
                              env=target.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    upgrade(url)
    return f"restored {path} (schema {', '.join(sorted(revision))}), migrated to the code's schema"
