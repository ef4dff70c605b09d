"""/invite: role → department → a deep link that registers whoever opens it."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from bot import ui
from bot.i18n import Translator
from bot.parsing import CbInt
from bot.services import Services
from bot.services.base import form_key
from models.org import Member


class InviteCb(CallbackData, prefix="inv"):
    step: str  # role | dept | page
    role: str = ""
    dept: CbInt = 0
    page: CbInt = 0


def _roles_keyboard(svc: Services, member: Member, t: Translator):
    kb = ui.builder()
    for role in svc.org.invitable_roles(member):
        kb.button(text=t(f"role-{role.value}"), callback_data=InviteCb(step="role", role=role.value).pack())
    kb.adjust(1)
    return kb.as_markup()


async def on_invite(message: Message, svc: Services, member: Member, t: Translator) -> None:
    await message.answer(t("invite-pick-role"), reply_markup=_roles_keyboard(svc, member, t))


async def _departments(
    query: CallbackQuery, svc: Services, member: Member, t: Translator, role: str, page: int
):
    departments = await svc.org.departments_for_invite(member)
    if not departments:
        await ui.edit(query, t("invite-no-departments"))
        return
    page = ui.clamp_page(page, len(departments))
    kb = ui.builder()
    for d in departments[page * ui.PER_PAGE : (page + 1) * ui.PER_PAGE]:
        kb.row(
            InlineKeyboardButton(
                text=ui.truncate(d.name, 40), callback_data=InviteCb(step="dept", role=role, dept=d.id).pack()
            )
        )
    nav = ui.nav_row(
        page, ui.pages_of(len(departments)), lambda p: InviteCb(step="page", role=role, page=p).pack()
    )
    if nav:
        kb.row(*nav)
    text = t("invite-pick-department", role=t(f"role-{role}"))
    await ui.edit(query, text, kb.as_markup())


async def on_role(
    query: CallbackQuery, callback_data: InviteCb, svc: Services, member: Member, t: Translator
) -> None:
    svc.org.check_invite_role(member, callback_data.role)
    await _departments(query, svc, member, t, callback_data.role, 0)


async def on_page(
    query: CallbackQuery, callback_data: InviteCb, svc: Services, member: Member, t: Translator
) -> None:
    await _departments(query, svc, member, t, callback_data.role, callback_data.page)


async def on_department(
    query: CallbackQuery, callback_data: InviteCb, svc: Services, member: Member, t: Translator, bot: Bot
) -> None:
    invite, department = await svc.org.create_invite(member, callback_data.role, callback_data.dept,
                                                     key=form_key("invite", query.message))
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={invite.token}"
    await ui.edit(
        query,
        t(
            "invite-created",
            role=t(f"role-{invite.role}"),
            department=department.name,
            link=link,
            hours=svc.settings.invite_ttl_hours,
        ),
    )


def create_router() -> Router:
    router = Router(name="invites")
    flags = {"role": "manager"}
    router.message.register(on_invite, Command("invite"), flags=flags)
    router.callback_query.register(on_role, InviteCb.filter(F.step == "role"), flags=flags)
    router.callback_query.register(on_page, InviteCb.filter(F.step == "page"), flags=flags)
    router.callback_query.register(on_department, InviteCb.filter(F.step == "dept"), flags=flags)
    return router
