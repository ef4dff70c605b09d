"""/members (admin): paginated list, a card per member with role, department and activation buttons.
/departments (admin): list, add, rename."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from bot import access, ui
from bot.callbacks import ClientAdminCb
from bot.commands import set_member_commands
from bot.i18n import Catalog, Translator, member_language
from bot.parsing import CbInt, button_int, parse_subcommand
from bot.services import Services
from models.org import Member


class MemberCb(CallbackData, prefix="mem"):
    action: str  # list | open | role | depts | dept | deact (ask) | active
    id: CbInt = 0
    page: CbInt = 0
    value: str = ""


def _line(t: Translator, m: Member, departments) -> str:
    dept = departments.get(m.department_id)
    key = "members-line" if m.active else "members-line-inactive"
    return t(key, name=m.display_name, username=f" @{m.username}" if m.username else "",
             role=t(f"role-{m.role}"), department=dept.name if dept else "—")


async def _render_list(svc: Services, member: Member, t: Translator, page: int):
    data = await svc.org.members_page(member, page)
    lines = [t("members-title", total=data.total)]
    kb = ui.builder()
    for i, m in enumerate(data.members, start=data.page * 8 + 1):
        lines.append(f"{i}. " + _line(t, m, data.departments))
        kb.row(InlineKeyboardButton(text=f"{i}. {ui.truncate(m.display_name, 40)}",
                                    callback_data=MemberCb(action="open", id=m.id, page=data.page).pack()))
    nav = ui.nav_row(data.page, data.pages, lambda p: MemberCb(action="list", page=p).pack())
    if nav:
        kb.row(*nav)
    kb.row(InlineKeyboardButton(text=t("members-clients"), callback_data=ClientAdminCb(a="list").pack()))
    return "\n".join(lines), kb.as_markup()


async def on_members(message: Message, svc: Services, member: Member, t: Translator) -> None:
    text, markup = await _render_list(svc, member, t, 0)
    await message.answer(text, reply_markup=markup)


async def on_list(query: CallbackQuery, callback_data: MemberCb, svc: Services, member: Member,
                  t: Translator) -> None:
    text, markup = await _render_list(svc, member, t, callback_data.page)
    await ui.edit(query, text, markup)


async def _render_card(svc: Services, actor: Member, t: Translator, member_id: int, page: int):
    m, dept, _managed = await svc.org.member_card(actor, member_id)
    text = t("member-card", name=m.display_name, username=f"@{m.username}" if m.username else "—",
             role=t(f"role-{m.role}"), department=dept.name if dept else "—",
             status=t("member-active" if m.active else "member-inactive"), tid=m.telegram_id)
    kb = ui.builder()
    kb.row(*[
        InlineKeyboardButton(text=t(f"role-{r.value}"),
                             callback_data=MemberCb(action="role", id=m.id, page=page, value=r.value).pack())
        for r in access.TEAM_ROLES if r.value != m.role
    ])
    kb.row(InlineKeyboardButton(text=t("member-change-department"),
                                callback_data=MemberCb(action="depts", id=m.id, page=page).pack()))
    kb.row(InlineKeyboardButton(
        text=t("member-deactivate" if m.active else "member-activate"),
        callback_data=(MemberCb(action="deact", id=m.id, page=page) if m.active
                       else MemberCb(action="active", id=m.id, page=page, value="1")).pack()))
    kb.row(InlineKeyboardButton(text=t("back"), callback_data=MemberCb(action="list", page=page).pack()))
    return text, kb.as_markup()


async def on_deactivate_ask(query: CallbackQuery, callback_data: MemberCb, svc: Services, member: Member,
                            t: Translator) -> None:
    """Switching someone off asks first; Yes switches off (twice is harmless), No returns to the card."""
    m, _dept, _managed = await svc.org.member_card(member, callback_data.id)
    if not m.active:  # a stale button: show the card as it is
        return await on_open(query, callback_data, svc, member, t)
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=t("confirm-yes-deactivate"), callback_data=MemberCb(
               action="active", id=m.id, page=callback_data.page, value="0").pack()),
           InlineKeyboardButton(text=t("confirm-no"),
                                callback_data=MemberCb(action="open", id=m.id, page=callback_data.page).pack()))
    await ui.edit(query, t("member-deactivate-confirm", name=m.display_name), kb.as_markup())


async def on_open(query: CallbackQuery, callback_data: MemberCb, svc: Services, member: Member,
                  t: Translator) -> None:
    text, markup = await _render_card(svc, member, t, callback_data.id, callback_data.page)
    await ui.edit(query, text, markup)


async def _refresh_menu(bot: Bot, catalog: Catalog, svc: Services, target: Member) -> None:
    lang = member_language(target, svc.settings.default_language)
    await set_member_commands(bot, catalog, target, lang, web_base_url=svc.settings.web_base_url)


async def on_role(query: CallbackQuery, callback_data: MemberCb, svc: Services, member: Member, t: Translator,
                  bot: Bot, catalog: Catalog, callback_answer) -> None:
    target = await svc.org.set_role(member, callback_data.id, callback_data.value)
    await _refresh_menu(bot, catalog, svc, target)
    callback_answer.text = t("saved")
    text, markup = await _render_card(svc, member, t, callback_data.id, callback_data.page)
    await ui.edit(query, text, markup)


async def on_active(query: CallbackQuery, callback_data: MemberCb, svc: Services, member: Member, t: Translator,
                    bot: Bot, catalog: Catalog, callback_answer) -> None:
    target = await svc.org.set_active(member, callback_data.id, callback_data.value == "1")
    await _refresh_menu(bot, catalog, svc, target)
    callback_answer.text = t("saved")
    text, markup = await _render_card(svc, member, t, callback_data.id, callback_data.page)
    await ui.edit(query, text, markup)


async def on_departments_pick(query: CallbackQuery, callback_data: MemberCb, svc: Services, member: Member,
                              t: Translator) -> None:
    departments = await svc.org.list_departments()
    page = ui.clamp_page(button_int(callback_data.value or "0"), len(departments))
    kb = ui.builder()
    for d in ui.page_items(departments, page):
        kb.row(InlineKeyboardButton(
            text=ui.truncate(d.name, 40),
            callback_data=MemberCb(action="dept", id=callback_data.id, page=callback_data.page,
                                   value=str(d.id)).pack()))
    nav = ui.nav_row(page, ui.pages_of(len(departments)), lambda p: MemberCb(
        action="depts", id=callback_data.id, page=callback_data.page, value=str(p)).pack())
    if nav:
        kb.row(*nav)
    kb.row(InlineKeyboardButton(text=t("back"),
                                callback_data=MemberCb(action="open", id=callback_data.id,
                                                       page=callback_data.page).pack()))
    await ui.edit(query, t("member-pick-department"), kb.as_markup())


async def on_department(query: CallbackQuery, callback_data: MemberCb, svc: Services, member: Member,
                        t: Translator, callback_answer) -> None:
    department_id = button_int(callback_data.value)
    await svc.org.set_department(member, callback_data.id, department_id)
    callback_answer.text = t("saved")
    text, markup = await _render_card(svc, member, t, callback_data.id, callback_data.page)
    await ui.edit(query, text, markup)



# -- /departments ---------------------------------------------------------------------------------
async def on_departments(message: Message, command: CommandObject, svc: Services, member: Member,
                         t: Translator) -> None:
    args = (command.args or "").strip()
    if args:
        cmd = parse_subcommand(args, {"add": "text", "rename": "id text"}, "departments-usage")
        if cmd.verb == "add":
            d = await svc.org.add_department(member, cmd.text)
            await message.answer(t("department-added", name=d.name, id=d.id))
        else:
            d = await svc.org.rename_department(member, cmd.id, cmd.text)
            await message.answer(t("department-renamed", name=d.name, id=d.id))
        return
    departments = await svc.org.list_departments()
    lines = [t("departments-title")]
    lines += ui.fit([t("departments-line", id=d.id, name=ui.truncate(d.name, 60)) for d in departments],
                    lambda n: t("list-more", n=n), ui.TEXT_BUDGET - 300)
    lines.append("")
    lines.append(t("departments-usage"))
    await message.answer("\n".join(lines))


def create_router() -> Router:
    router = Router(name="members")
    admin = {"role": "admin"}
    router.message.register(on_members, Command("members"), flags=admin)
    router.message.register(on_departments, Command("departments"), flags=admin)
    router.callback_query.register(on_list, MemberCb.filter(F.action == "list"), flags=admin)
    router.callback_query.register(on_open, MemberCb.filter(F.action == "open"), flags=admin)
    router.callback_query.register(on_role, MemberCb.filter(F.action == "role"), flags=admin)
    router.callback_query.register(on_active, MemberCb.filter(F.action == "active"), flags=admin)
    router.callback_query.register(on_deactivate_ask, MemberCb.filter(F.action == "deact"), flags=admin)
    router.callback_query.register(on_departments_pick, MemberCb.filter(F.action == "depts"), flags=admin)
    router.callback_query.register(on_department, MemberCb.filter(F.action == "dept"), flags=admin)
    return router
