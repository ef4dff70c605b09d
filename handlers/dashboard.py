"""/dashboard (managers, admins): a button that opens the team dashboard Mini App (``bot/dashboard``)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, WebAppInfo

from bot.commands import dashboard_url
from bot.errors import UserError
from bot.i18n import Translator
from bot.services import Services


async def on_dashboard(message: Message, svc: Services, t: Translator) -> None:
    url = dashboard_url(svc.settings.web_base_url)
    if url is None:
        raise UserError("dashboard-no-url")
    button = InlineKeyboardButton(text=t("dashboard-open"), web_app=WebAppInfo(url=url))
    await message.answer(t("dashboard-intro"), reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]))


def create_router() -> Router:
    router = Router(name="dashboard")
    router.message.register(on_dashboard, Command("dashboard"), flags={"role": "manager"})
    return router
