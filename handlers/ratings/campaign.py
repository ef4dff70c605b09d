"""/rating_campaign (admin): send this month's rating forms now, as the scheduler does on the first
working day (:func:`bot.views.deliver_forms`)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.i18n import Catalog, Translator
from bot.sender import Sender
from bot.services import Services
from bot.views import deliver_forms
from handlers.ratings._common import month
from models.org import Member


async def on_campaign(message: Message, svc: Services, member: Member, t: Translator, sender: Sender,
                      catalog: Catalog) -> None:
    items = await svc.ratings.campaign(member)
    sent = await deliver_forms(sender, svc, catalog, items, kind="rating_campaign")
    await message.answer(t("rating-campaign-done", count=sent, month=month(t, svc.ratings.current_period())))


def register(router: Router) -> None:
    router.message.register(on_campaign, Command("rating_campaign"), flags={"role": "admin"})
