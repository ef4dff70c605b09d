"""Entry point: ``python -m bot [run|migrate]``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import Settings, format_settings_error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="teamdesk Telegram bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="apply migrations and run the bot with long polling (default)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    return parser


def load_settings() -> Settings:
    try:
        settings = Settings()
    except Exception as exc:  # pydantic ValidationError and .env parsing errors
        print(format_settings_error(exc), file=sys.stderr)
        raise SystemExit(2) from None
    settings.ensure_data_dir()
    return settings


async def run_polling(settings: Settings) -> None:
    from bot.app import create_bot, create_dispatcher
    from bot.db import Database

    db = Database(settings.database_url)
    bot = create_bot(settings)
    dp = create_dispatcher(settings, db)
    try:
        await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())
    finally:
        await dp.storage.close()
        await bot.session.close()
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    from bot.migrate import upgrade

    upgrade(settings.database_url)
    if args.command == "migrate":
        print("teamdesk: database is up to date")
        return 0
    asyncio.run(run_polling(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
