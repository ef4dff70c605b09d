"""Entry point: ``python -m bot [run|sandbox|migrate|backup FILE|restore FILE|seed-demo|rebuild-stats|digest
--preview out.png|client-report ...]``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import Settings, format_settings_error
from bot.domain.digests import DAILY, KINDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="teamdesk Telegram bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="apply migrations and run the bot: long polling, or a webhook with WEBHOOK_URL "
                              "(default)")
    sub.add_parser("sandbox", help="run without Telegram: a local Bot API, demo data in data/sandbox.db and a web "
                                   "chat on http://127.0.0.1:8080 (the default when BOT_TOKEN is not set)")
    sub.add_parser("migrate", help="apply database migrations and exit (any earlier teamdesk database)")
    backup = sub.add_parser("backup", help="a consistent copy of the database while the bot runs (SQLite: "
                                           "online backup; PostgreSQL: pg_dump custom format)")
    backup.add_argument("file", metavar="FILE")
    restore = sub.add_parser("restore", help="restore a backup into an empty database, then migrate it")
    restore.add_argument("file", metavar="FILE")
    sub.add_parser("seed-demo", help="fill an empty database with a demo organisation (3 departments, ~25 people, "
                                     "SMM accounts, leads, a course)")
    sub.add_parser("rebuild-stats", help="recompute every counter (per member, project and rating, per month) "
                                         "from the units, revisions and ratings")
    digest = sub.add_parser("digest", help="render a digest from the database (no Telegram)")
    digest.add_argument("--preview", metavar="OUT.png", required=True,
                        help="write the first chart here, the others next to it as OUT-<chart>.png")
    digest.add_argument("--manager", type=int, metavar="TELEGRAM_ID",
                        help="whose digest (default: the first admin, else the first manager)")
    digest.add_argument("--kind", choices=KINDS, default=DAILY)
    report = sub.add_parser("client-report", help="write a project's monthly client report as a PDF (no Telegram)")
    report.add_argument("--project", type=int, required=True, metavar="N", help="the project's number")
    report.add_argument("--month", required=True, metavar="YYYY-MM")
    report.add_argument("--out", required=True, metavar="REPORT.pdf")
    report.add_argument("--lang", choices=("ru", "en"), default=None, help="default: DEFAULT_LANGUAGE")
    return parser


def load_settings() -> Settings:
    try:
        settings = Settings()
    except Exception as exc:  # pydantic ValidationError and .env parsing errors
        print(format_settings_error(exc), file=sys.stderr)
        raise SystemExit(2) from None
    settings.ensure_data_dir()
    return settings


async def check_telegram(bot, settings: Settings) -> None:
    """A refused BOT_TOKEN or an unreachable Bot API at start is one line and exit code 2, like the
    database and Redis (``bot.health``), not a traceback from the first request of the start-up hooks."""
    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError

    from bot.health import one_line

    try:
        await bot.me()
    except TelegramUnauthorizedError:
        problem = "BOT_TOKEN: Telegram refused the token (Unauthorized)"
    except (TelegramNetworkError, TelegramAPIError) as exc:
        problem = f"TELEGRAM_API_URL ({settings.telegram_api_url}): cannot connect: {one_line(exc)}"
    else:
        return
    print(f"teamdesk: {problem}", file=sys.stderr)
    raise SystemExit(2)


def token_missing(exc: Exception) -> bool:
    """The settings failed only because BOT_TOKEN is not set or empty (``make run`` on a fresh machine, or
    ``.env.example`` copied as it is); a malformed token is an error, not a reason for the sandbox."""
    from pydantic import ValidationError

    def unset(e) -> bool:
        raw = e.get("input")
        raw = raw.get_secret_value() if hasattr(raw, "get_secret_value") else raw
        return e["type"] == "missing" or (isinstance(raw, str) and not raw.strip())

    return isinstance(exc, ValidationError) and all(
        tuple(e.get("loc", ())) == ("bot_token",) and unset(e) for e in exc.errors())


def sandbox() -> int:
    """``python -m bot sandbox``: the sandbox settings (a real BOT_TOKEN is ignored, never used), migrations, run."""
    from bot.sandbox.run import SANDBOX_TOKEN, sandbox_settings
    from bot.sandbox.run import main as run_sandbox

    try:
        settings = sandbox_settings(Settings(bot_token=SANDBOX_TOKEN))
    except Exception as exc:
        print(format_settings_error(exc), file=sys.stderr)
        return 2
    settings.ensure_data_dir()
    from bot.health import check_dependencies
    from bot.migrate import upgrade_in_subprocess

    check_dependencies(settings, redis=False)
    if upgrade_in_subprocess(settings.database_url) != 0:
        print("teamdesk: database migration failed (see above)", file=sys.stderr)
        return 2
    return run_sandbox(settings)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "sandbox":
        return sandbox()
    if args.command in (None, "run"):
        try:
            Settings()
        except Exception as exc:
            if token_missing(exc):  # no token: the sandbox instead of an error (a real token always wins)
                print("teamdesk: BOT_TOKEN is not set: starting the sandbox (python -m bot sandbox)", file=sys.stderr)
                return sandbox()
    settings = load_settings()
    from bot.logs import secrets_of, setup_logging

    # LOG_FORMAT, and no line with the token, a secret, a phone number or an e-mail
    setup_logging(settings.log_format, secrets_of(settings))
    from bot.health import check_dependencies

    # an unreachable database (or REDIS_URL, for the bot itself) is one line and exit code 2
    check_dependencies(settings, redis=args.command in (None, "run"))
    if args.command == "migrate":
        from bot.migrate import upgrade

        upgrade(settings.database_url)
        print("teamdesk: database is up to date")
        return 0
    if args.command in ("backup", "restore"):
        return backup_or_restore(settings, args.command, args.file)
    from bot.migrate import upgrade_in_subprocess

    # in a child process: the bot must not keep Alembic loaded (docs/performance.md, "Memory")
    if upgrade_in_subprocess(settings.database_url) != 0:
        print("teamdesk: database migration failed (see above)", file=sys.stderr)
        return 2
    if args.command == "seed-demo":
        return asyncio.run(seed_demo(settings))
    if args.command == "rebuild-stats":
        return asyncio.run(rebuild_stats(settings))
    if args.command == "digest":
        return asyncio.run(preview_digest(settings, args.preview, args.manager, args.kind))
    if args.command == "client-report":
        return client_report(settings, args.project, args.month, args.out, args.lang or settings.default_language)
    from bot.runtime import serve

    return asyncio.run(serve(settings, check_telegram))


def backup_or_restore(settings: Settings, command: str, file: str) -> int:
    from pathlib import Path

    from bot.backup import BackupError, backup, restore

    try:
        summary = (backup if command == "backup" else restore)(settings.database_url, Path(file))
    except BackupError as exc:
        print(f"teamdesk: {command}: {exc}", file=sys.stderr)
        return 2
    print(f"teamdesk: {summary}")
    return 0


async def seed_demo(settings: Settings) -> int:
    from bot.clock import Clock
    from bot.demo import seed_demo as seed

    demo = await seed(settings, Clock().now())
    if demo is None:
        print("teamdesk: the database already has members; seed-demo fills an empty database only",
              file=sys.stderr)
        return 1
    print(f"teamdesk: demo organisation created: {demo.summary()}")
    return 0


async def rebuild_stats(settings: Settings) -> int:
    from bot.db import Database
    from bot.progress import Progress
    from bot.services.stats import rebuild

    db = Database(settings.database_url)
    try:
        rows = await rebuild(db, settings, progress=Progress)
    finally:
        await db.dispose()
    print(f"teamdesk: counters recomputed from the units, revisions and ratings: {rows} rows "
          f"(time zone {settings.timezone})")
    return 0


async def preview_digest(settings: Settings, out: str, manager_tid: int | None, kind: str) -> int:
    """Render a digest from the database into PNG files and print its text (no Telegram): what the manager would
    receive. A weekly digest carries the weekly SMM section inside when the manager's /settings choice puts it there
    (and their scope has SMM accounts), as the scheduler sends it; otherwise the section's own message follows."""
    from pathlib import Path

    from bot.clock import Clock
    from bot.db import Database
    from bot.domain.digests import WEEKLY
    from bot.i18n import Catalog, member_language
    from bot.services import build_services
    from bot.text import CAPTION_LIMIT, plain
    from models import org_repo
    from models.org import Role
    from scheduler import charts
    from scheduler import digest as dg
    from scheduler import smm_digest as smm_section
    from scheduler.render_pool import ChartRenderer

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            if manager_tid is not None:
                member = await org_repo.member_by_telegram_id(session, manager_tid)
            else:
                holders = await org_repo.list_members(session, active_only=True,
                                                      roles=[Role.ADMIN.value, Role.MANAGER.value])
                holders.sort(key=lambda m: (m.role != Role.ADMIN.value, m.id))
                member = holders[0] if holders else None
            scope = await dg.scope_of(session, member) if member is not None else None
            if scope is None:
                print("teamdesk: no such manager or admin (try: python -m bot seed-demo)", file=sys.stderr)
                return 1
            t = Catalog().translator(member_language(member, settings.default_language))
            clock = Clock()
            services = build_services(session, db, settings, clock)
            # the same builder as the delivery (ratings chart and section included)
            plan = await dg.digest_plan(services, t, scope, kind, clock.now())
            smm, prefs = None, None
            if kind == WEEKLY and smm_section.in_scope(scope, await smm_section.departments(session)):
                # the weekly SMM section as the scheduler builds it, and where this manager gets it
                smm, prefs = await services.smm.digest(member), await services.digests.prefs(member)
    finally:
        await db.dispose()
    if plan.empty and smm is None:
        print("teamdesk: nobody in this digest has a plan: nothing to render", file=sys.stderr)
        return 1
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)

    def write(pngs, first_here: bool) -> None:
        for i, (name, png) in enumerate(pngs):
            path = target if i == 0 and first_here else target.with_name(
                f"{target.stem}-{Path(name).stem}{target.suffix}")
            path.write_bytes(png)
            width, height = charts.png_size(png)
            print(f"{path}: {width}x{height} px")

    renderer = ChartRenderer(max_workers=1, mode="thread")  # the chart functions of the workers, in this process
    try:
        digest = None if plan.empty else await dg.render(renderer, plan)
        if smm is not None and prefs.smm_with_weekly:  # inside the weekly digest (alone when it is empty)
            pngs, caption = await smm_section.inside_weekly(renderer, t, smm, digest)
            write(pngs, True)
            print(plain(caption))
            return 0
        if digest is not None:
            write(digest.pngs, True)
            print(plain(digest.caption))
        if smm is not None:  # its own message: a photo with the section as its caption
            note = "digest-preview-smm-own" if prefs.weekly else "digest-preview-smm-weekly-off"
            png, text = await smm_section.section(renderer, t, smm, CAPTION_LIMIT)
            print("\n" + plain(t(note, name=member.display_name)))
            write([png], False)
            print(plain(text))
        return 0
    finally:
        renderer.shutdown()


def client_report(settings: Settings, project_id: int, month: str, out: str, lang: str) -> int:
    """The monthly client report of one project, as the bot sends it: the message on stdout, the PDF in ``out``."""
    from pathlib import Path

    from bot.text import plain
    from scheduler.report_pdf import render_client_report

    parts = asyncio.run(_client_report_parts(settings, project_id, month, lang))
    if parts is None:
        return 1
    pdf = render_client_report(parts["title"], parts["lines"], parts["chart_title"], parts["weeks"],
                               subject=parts["title"], keywords=parts["keywords"])
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pdf)
    print(plain(parts["message"]))
    print(f"{target}: {len(pdf)} bytes")
    return 0


async def _client_report_parts(settings: Settings, project_id: int, month: str, lang: str) -> dict | None:
    from bot.clock import Clock
    from bot.db import Database
    from bot.errors import UserError
    from bot.i18n import Catalog
    from bot.parsing import parse_month
    from bot.services import build_services
    from bot.text import plain
    from bot.views import client_report_parts

    t = Catalog().translator(lang)
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            try:
                report = await build_services(session, db, settings, Clock()).clients.build_report(
                    project_id, parse_month(month))
            except UserError as exc:
                print(f"teamdesk: {plain(t(exc.key, **exc.args_))}", file=sys.stderr)
                return None
    finally:
        await db.dispose()
    return client_report_parts(t, report)


if __name__ == "__main__":
    sys.exit(main())
