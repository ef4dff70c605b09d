"""/export ratings YYYY-MM: the month's ratings in the manager's scope as CSV."""

from __future__ import annotations

from aiogram import Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.domain import ratings as dom
from bot.errors import UserError
from bot.i18n import Translator
from bot.services import Services
from handlers.ratings._common import month
from models.org import Member


async def on_export(message: Message, command: CommandObject, svc: Services, member: Member,
                    t: Translator) -> None:
    args = (command.args or "").split()
    if args and args[0].lower() in ("smm", "смм"):
        raise SkipHandler()  # /export smm: the SMM feature's (handlers/smm.py)
    if not args or args[0].lower() not in ("ratings", "оценки"):
        raise UserError("rating-export-usage")
    period = svc.ratings.parse_period(args[1] if len(args) > 1 else None)
    labels = {m.value: t(f"rating-mode-{m.value}") for m in dom.AnonymityMode}
    labels["hidden"] = t("rating-rater-unknown")
    data, count = await svc.ratings.export_csv(member, period, labels)
    if count == 0:
        await message.answer(t("rating-export-empty", month=month(t, period)))
        return
    await message.answer_document(BufferedInputFile(data, filename=f"ratings-{period}.csv"),
                                  caption=t("rating-export-caption", month=month(t, period), count=count))


def register(router: Router) -> None:
    router.message.register(on_export, Command("export"), flags={"role": "manager"})
