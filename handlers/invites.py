"""/invite: role → department → a deep link that registers whoever opens it."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from bot import access, text, ui
from bot.errors import UserError
from bot.i18n import Translator
from bot.parsing import CbInt
from bot.services import Services
from bot.services.base import form_key
from models.org import Member


class InviteCb(CallbackData, prefix="inv"):
    step: str  # role | dept | page; a client invite: cp (toggle a project) | cpg (page) | cok (make the link)
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
    for d in ui.page_items(departments, page):
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
    query: CallbackQuery, callback_data: InviteCb, svc: Services, member: Member, t: Translator, state: FSMContext
) -> None:
    svc.org.check_invite_role(member, callback_data.role)
    if access.is_client_role(callback_data.role):
        await state.update_data(invite_projects=[])
        await _client_projects(query, svc, member, t, [], 0)
        return
    await _departments(query, svc, member, t, callback_data.role, 0)


# -- a client invite: one or more projects (multi-select, paginated) ------------------------------------
async def _client_projects(query: CallbackQuery, svc: Services, member: Member, t: Translator, picked: list[int],
                           page: int) -> None:
    projects = await svc.clients.invite_projects(member)
    if not projects:
        await ui.edit(query, t("invite-no-projects"))
        return
    page = ui.clamp_page(page, len(projects))
    kb = ui.builder()
    for p in ui.page_items(projects, page):
        mark = "✅ " if p.id in picked else ""
        kb.row(InlineKeyboardButton(text=mark + ui.truncate(p.name, 40),
                                    callback_data=InviteCb(step="cp", dept=p.id, page=page).pack()))
    nav = ui.nav_row(page, ui.pages_of(len(projects)), lambda n: InviteCb(step="cpg", page=n).pack())
    if nav:
        kb.row(*nav)
    if picked:
        kb.row(InlineKeyboardButton(text=t("invite-client-make", n=len(picked)),
                                    callback_data=InviteCb(step="cok").pack()))
    await ui.edit(query, t("invite-pick-projects", n=len(picked)), kb.as_markup())


async def _picked(state: FSMContext) -> list[int]:
    data = await state.get_data()
    return [int(x) for x in data.get("invite_projects", []) if isinstance(x, int)]


async def on_client_toggle(query: CallbackQuery, callback_data: InviteCb, svc: Services, member: Member,
                           t: Translator, state: FSMContext) -> None:
    allowed = {p.id for p in await svc.clients.invite_projects(member)}
    if callback_data.dept not in allowed:
        raise UserError("error-bad-choice")
    picked = await _picked(state)
    picked = [x for x in picked if x != callback_data.dept] if callback_data.dept in picked \
        else [*picked, callback_data.dept]
    await state.update_data(invite_projects=picked)
    await _client_projects(query, svc, member, t, picked, callback_data.page)


async def on_client_page(query: CallbackQuery, callback_data: InviteCb, svc: Services, member: Member,
                         t: Translator, state: FSMContext) -> None:
    await _client_projects(query, svc, member, t, await _picked(state), callback_data.page)


async def on_client_make(query: CallbackQuery, svc: Services, member: Member, t: Translator, state: FSMContext,
                         bot: Bot) -> None:
    invite, projects = await svc.clients.create_invite(member, await _picked(state),
                                                       key=form_key("client_invite", query.message))
    await state.update_data(invite_projects=[])
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={invite.token}"
    names = text.fit_names([ui.quoted(t, p.name) for p in projects], lambda n: t("list-more", n=n))
    await ui.edit(query, t("invite-client-created", projects=names,
                           link=link, hours=svc.settings.invite_ttl_hours))


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
    router.callback_query.register(on_client_toggle, InviteCb.filter(F.step == "cp"), flags=flags)
    router.callback_query.register(on_client_page, InviteCb.filter(F.step == "cpg"), flags=flags)
    router.callback_query.register(on_client_make, InviteCb.filter(F.step == "cok"), flags=flags)
    return router
