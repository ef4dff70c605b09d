"""/start (registration by invite), /help and /cancel."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot import access, text, ui
from bot.commands import available, description_key, set_member_commands
from bot.i18n import Catalog, Translator, member_language
from bot.sender import Sender
from bot.services import Services
from bot.services.org import TgUser
from bot.views import course_enrolled
from models.org import Member


async def on_start(
    message: Message, command: CommandObject, svc: Services, t: Translator, bot: Bot, catalog: Catalog,
    state: FSMContext, sender: Sender,
) -> None:
    await state.clear()
    user = message.from_user
    result = await svc.org.start(
        TgUser(user.id, user.full_name, user.username, user.language_code),
        command.args,
        default_department_name=t("default-department"),
    )
    if result.outcome == "known":
        await message.answer(t("start-known", name=result.member.display_name))
        return
    if result.outcome in ("registered", "client_added") and access.is_client(result.member):
        await _client_registered(message, result, svc, t, bot, catalog, sender)
        return
    if result.outcome == "registered":
        member = result.member
        await message.answer(
            t("start-registered", name=member.display_name, role=t(f"role-{member.role}"),
              department=result.department.name if result.department else "")
        )
        await set_member_commands(bot, catalog, member, t.lang, web_base_url=svc.settings.web_base_url)
        # the onboarding courses of the new member's role and department start right away
        for item in await svc.courses.auto_enrol(member):
            body, markup = course_enrolled(t, item.course.title, item.deadline, item.enrolment_id)
            await message.answer(body, reply_markup=markup)
        if result.inviter is not None:
            inviter = result.inviter
            it = catalog.translator(member_language(inviter, svc.settings.default_language))
            # through the process-wide sender: never raises (the inviter may have blocked the bot)
            await sender.send_text(inviter.telegram_id, it(
                "invite-used", name=member.display_name, role=it(f"role-{member.role}"),
                department=result.department.name if result.department else ""), kind="invite_used")
        return
    await message.answer(t(f"start-{result.outcome.replace('_', '-')}"))


async def _client_registered(message: Message, result, svc: Services, t: Translator, bot: Bot,
                             catalog: Catalog, sender: Sender) -> None:
    member = result.member
    names = text.fit_names([ui.quoted(t, p.name) for p in result.projects], lambda n: t("list-more", n=n))
    if result.outcome == "client_added":  # a client already: another invite adds its projects
        await message.answer(t("start-client-added", name=member.display_name, projects=names))
    else:
        await message.answer(t("start-registered-client", name=member.display_name, projects=names))
        await set_member_commands(bot, catalog, member, t.lang)
    if result.inviter is not None:
        inviter = result.inviter
        it = catalog.translator(member_language(inviter, svc.settings.default_language))
        await sender.send_text(inviter.telegram_id, it("invite-used-client", name=member.display_name, projects=(
            text.fit_names([ui.quoted(it, p.name) for p in result.projects], lambda n: it("list-more", n=n)))),
            kind="invite_used")


async def on_help(message: Message, t: Translator, member: Member | None, known_member: Member | None) -> None:
    role = access.menu_role(member)
    lines = [t("help-title")]
    for cmd in available(role):
        lines.append(f"/{cmd.name} — {t(description_key(cmd, role))}")
    if member is None:
        lines.append("")
        # a switched-off member is not "unregistered": an invite link would not be what they need
        lines.append(t("start-inactive" if known_member is not None else "help-not-registered"))
    elif access.is_client(member):
        lines.append("")
        lines.append(t("help-client"))
    else:
        lines.append("")
        lines.append(t("help-report-usage"))
        lines.append("")
        lines.append(t("help-role", role=t(f"role-{member.role}")))
    await message.answer("\n".join(lines))


async def on_cancel(message: Message, state: FSMContext, t: Translator) -> None:
    had = await state.get_state()
    await state.clear()
    await message.answer(t("cancel-done" if had else "cancel-nothing"))


def create_router() -> Router:
    router = Router(name="common")
    router.message.register(on_start, CommandStart(), F.chat.type == "private", flags={"public": True})
    router.message.register(on_help, Command("help"), flags={"public": True})
    router.message.register(on_cancel, Command("cancel"), flags={"public": True})
    return router
