"""/settings: language and time zone (buttons, or `/settings tz Area/City`)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from bot import access, ui
from bot.callbacks import DigestCb
from bot.commands import set_member_commands
from bot.errors import UserError
from bot.i18n import Catalog, Translator
from bot.parsing import button_int
from bot.services import Services
from models.org import Member

TIMEZONES = (
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk",
    "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok",
    "Asia/Magadan", "Asia/Kamchatka", "Europe/Minsk", "Asia/Almaty", "Asia/Tbilisi", "UTC",
)


class SettingsCb(CallbackData, prefix="set"):
    action: str  # lang | tz | menu
    value: str = ""


def _menu(t: Translator, member: Member, settings_tz: str):
    text = t("settings-title", language=t(f"language-{t.lang}"), timezone=member.timezone or settings_tz)
    kb = ui.builder()
    kb.row(
        InlineKeyboardButton(text="Русский", callback_data=SettingsCb(action="lang", value="ru").pack()),
        InlineKeyboardButton(text="English", callback_data=SettingsCb(action="lang", value="en").pack()),
    )
    buttons = [InlineKeyboardButton(text=tz.split("/")[-1].replace("_", " "),
                                    callback_data=SettingsCb(action="tz", value=str(i)).pack())
               for i, tz in enumerate(TIMEZONES)]
    for i in range(0, len(buttons), 3):
        kb.row(*buttons[i:i + 3])
    if access.receives_digests(member):
        kb.row(InlineKeyboardButton(text=t("settings-digests"), callback_data=DigestCb(action="menu").pack()))
    return text, kb.as_markup()


async def on_settings(message: Message, command: CommandObject, svc: Services, member: Member,
                      t: Translator) -> None:
    args = (command.args or "").split()
    if args:
        if len(args) == 2 and args[0].lower() in ("tz", "timezone", "пояс"):
            await svc.org.set_timezone(member, args[1])
            await message.answer(t("settings-timezone-saved", timezone=member.timezone))
            return
        raise UserError("settings-usage")
    text, markup = _menu(t, member, svc.settings.timezone)
    await message.answer(text, reply_markup=markup)


async def on_language(query: CallbackQuery, callback_data: SettingsCb, svc: Services, member: Member,
                      catalog: Catalog, bot: Bot) -> None:
    await svc.org.set_language(member, callback_data.value)
    t = catalog.translator(callback_data.value)
    await set_member_commands(bot, catalog, member, t.lang, web_base_url=svc.settings.web_base_url)
    text, markup = _menu(t, member, svc.settings.timezone)
    await ui.edit(query, text, markup)


async def on_timezone(query: CallbackQuery, callback_data: SettingsCb, svc: Services, member: Member,
                      t: Translator) -> None:
    tz = TIMEZONES[button_int(callback_data.value, hi=len(TIMEZONES) - 1)]
    await svc.org.set_timezone(member, tz)
    text, markup = _menu(t, member, svc.settings.timezone)
    await ui.edit(query, text, markup)


def create_router() -> Router:
    router = Router(name="settings")
    clients_too = {"client": True}  # language and time zone are for clients too
    router.message.register(on_settings, Command("settings"), flags=clients_too)
    router.callback_query.register(on_language, SettingsCb.filter(F.action == "lang"), flags=clients_too)
    router.callback_query.register(on_timezone, SettingsCb.filter(F.action == "tz"), flags=clients_too)
    return router
