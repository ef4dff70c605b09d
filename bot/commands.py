"""The command registry: one list drives /help, role checks in the menu and setMyCommands.

Each feature appends its commands to :data:`COMMANDS` (name, minimum role, description key).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)

from bot import access
from bot.i18n import Catalog
from models.org import Member, Role

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    role: Role | None  # None: anyone, registered or not
    key: str  # translation key of the one-line description
    client_key: str | None = None  # clients get it (bot.access.CLIENT_COMMANDS), with this description
    client_only: bool = False


COMMANDS: list[Command] = [
    Command("start", None, "cmd-start", "cmd-start"),
    Command("report", Role.WRITER, "cmd-report"),
    Command("mine", Role.WRITER, "cmd-mine"),
    Command("me", Role.WRITER, "cmd-me"),
    Command("away", Role.WRITER, "cmd-away"),
    Command("lead", Role.WRITER, "cmd-lead"),
    Command("leads", Role.WRITER, "cmd-leads"),
    Command("task", Role.WRITER, "cmd-task"),
    Command("tasks", Role.WRITER, "cmd-tasks"),
    Command("rate", Role.WRITER, "cmd-rate"),
    Command("ratings", Role.WRITER, "cmd-ratings"),
    Command("kb", Role.WRITER, "cmd-kb"),
    Command("kb_categories", Role.WRITER, "cmd-kb-categories"),
    Command("learn", Role.WRITER, "cmd-learn"),
    Command("smm", Role.WRITER, "cmd-smm"),
    Command("stats", Role.WRITER, "cmd-stats"),
    Command("settings", Role.WRITER, "cmd-settings", "cmd-settings"),
    Command("help", None, "cmd-help", "cmd-help"),
    Command("cancel", None, "cmd-cancel", "cmd-cancel"),
    Command("pending", None, "cmd-pending", "cmd-pending", client_only=True),
    Command("team", Role.MANAGER, "cmd-team"),
    Command("dashboard", Role.MANAGER, "cmd-dashboard"),
    Command("plan", Role.MANAGER, "cmd-plan"),
    Command("projects", Role.MANAGER, "cmd-projects", "cmd-client-projects"),
    Command("approval", Role.MANAGER, "cmd-approval"),
    Command("client_report", Role.MANAGER, "cmd-client-report"),
    Command("accounts", Role.MANAGER, "cmd-accounts"),
    Command("invite", Role.MANAGER, "cmd-invite"),
    Command("export", Role.MANAGER, "cmd-export"),
    Command("digest", Role.MANAGER, "cmd-digest"),
    Command("kb_new", Role.MANAGER, "cmd-kb-new"),
    Command("learning", Role.MANAGER, "cmd-learning"),
    Command("courses", Role.MANAGER, "cmd-courses"),
    Command("course_new", Role.MANAGER, "cmd-course-new"),
    Command("course_import", Role.MANAGER, "cmd-course-import"),
    Command("course_assign", Role.MANAGER, "cmd-course-assign"),
    Command("course_auto", Role.MANAGER, "cmd-course-auto"),
    Command("funnel", Role.MANAGER, "cmd-funnel"),
    Command("products", Role.MANAGER, "cmd-products"),
    Command("members", Role.ADMIN, "cmd-members"),
    Command("departments", Role.ADMIN, "cmd-departments"),
    Command("streams", Role.ADMIN, "cmd-streams"),
    Command("funnel_stages", Role.ADMIN, "cmd-funnel-stages"),
    Command("rating_policies", Role.ADMIN, "cmd-rating-policies"),
    Command("rating_campaign", Role.ADMIN, "cmd-rating-campaign"),
]


def available(role: Role | None) -> list[Command]:
    """Commands this role may run, in menu order (a client: only the client commands)."""
    if access.is_client_role(role):
        return [c for c in COMMANDS if c.client_key and access.client_may_run(c.name)]
    return [c for c in COMMANDS if not c.client_only and access.grants(role, c.role)]


def description_key(command: Command, role: Role | None) -> str:
    return command.client_key if access.is_client_role(role) and command.client_key else command.key


def menu(role: Role | None, catalog: Catalog, lang: str) -> list[BotCommand]:
    t = catalog.translator(lang)
    return [BotCommand(command=c.name, description=t(description_key(c, role))[:256]) for c in available(role)]


async def setup_default_commands(bot: Bot, catalog: Catalog, default_lang: str) -> None:
    """Writer-level menu for all private chats, in Russian and English (and the default)."""
    scope = BotCommandScopeAllPrivateChats()
    for lang in catalog.languages:
        await bot.set_my_commands(menu(Role.WRITER, catalog, lang), scope=scope, language_code=lang)
    await bot.set_my_commands(menu(Role.WRITER, catalog, default_lang), scope=scope)


def dashboard_url(web_base_url: str) -> str | None:
    """The dashboard Mini App's address (``bot/dashboard``) on the bot's web server; None without WEB_BASE_URL."""
    return f"{web_base_url.rstrip('/')}/dashboard/" if web_base_url else None


async def set_member_commands(bot: Bot, catalog: Catalog, member: Member, lang: str, *,
                              web_base_url: str = "") -> None:
    """Managers, admins and clients get a chat-scoped menu with their commands; others fall back to the
    default. With ``web_base_url`` (WEB_BASE_URL), managers and admins also get the chat's menu button
    opening the dashboard Mini App, and everyone else the default button back."""
    scope = BotCommandScopeChat(chat_id=member.telegram_id)
    try:
        if access.has_own_menu(member):
            await bot.set_my_commands(menu(access.menu_role(member), catalog, lang), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
        url = dashboard_url(web_base_url)
        if url is not None:
            button = (MenuButtonWebApp(text=catalog.translator(lang)("dashboard-menu"), web_app=WebAppInfo(url=url))
                      if access.has_own_menu(member) and access.is_manager(member) else MenuButtonDefault())
            await bot.set_chat_menu_button(chat_id=member.telegram_id, menu_button=button)
    except TelegramAPIError as exc:  # a chat the bot cannot reach must not break the caller
        log.warning("could not set commands for member %s: %s", member.id, exc)
