"""/rating_policies (admin): the list, a policy card (mode, cadence, pause) and adding a policy
department by department."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from bot import ui
from bot.domain import ratings as dom
from bot.errors import UserError
from bot.i18n import Translator
from bot.parsing import CbInt
from bot.services import Services
from handlers.ratings._common import chunks
from models.org import Member


class PolicyCb(CallbackData, prefix="po"):
    a: str  # list | open | set | add | rater | rated | cad | new
    id: CbInt = 0
    r: CbInt = 0
    d: CbInt = 0
    c: str = ""
    v: str = ""
    pg: CbInt = 0


def _policy_line(t: Translator, p, departments) -> str:
    rater = departments.get(p.rater_department_id)
    rated = departments.get(p.rated_department_id)
    return t("rating-policy-line", rater=rater.name if rater else "—", rated=rated.name if rated else "—",
             cadence=t(f"rating-cadence-{p.cadence}"), mode=t(f"rating-mode-{p.mode}"),
             status=t("rating-policy-on" if p.active else "rating-policy-off"))


async def _policies_view(svc: Services, member: Member, t: Translator):
    policies, departments = await svc.ratings.policies(member)
    lines = [t("rating-policies-title", k=svc.ratings.k)]
    kb = ui.builder()
    if not policies:
        lines.append(t("rating-policies-empty"))
    for i, p in enumerate(policies, start=1):
        lines.append(f"{i}. " + _policy_line(t, p, departments))
        if i <= 40:
            kb.row(InlineKeyboardButton(text=f"{i}. " + ui.truncate(
                f"{departments[p.rater_department_id].name} → {departments[p.rated_department_id].name}", 40),
                callback_data=PolicyCb(a="open", id=p.id).pack()))
    kb.row(InlineKeyboardButton(text=t("rating-policy-add"), callback_data=PolicyCb(a="add").pack()))
    return chunks(lines)[0], kb.as_markup()


async def on_policies(message: Message, svc: Services, member: Member, t: Translator) -> None:
    text, markup = await _policies_view(svc, member, t)
    await message.answer(text, reply_markup=markup)


async def on_policies_list(query: CallbackQuery, svc: Services, member: Member, t: Translator) -> None:
    text, markup = await _policies_view(svc, member, t)
    await ui.edit(query, text, markup)


async def _policy_card(svc: Services, member: Member, t: Translator, policy_id: int):
    p, departments = await svc.ratings.policy(member, policy_id)
    kb = ui.builder()
    kb.row(*[InlineKeyboardButton(text=("• " if p.mode == m.value else "") + t(f"rating-mode-{m.value}"),
                                  callback_data=PolicyCb(a="set", id=p.id, c="mode", v=m.value).pack())
             for m in dom.AnonymityMode])
    kb.row(*[InlineKeyboardButton(text=("• " if p.cadence == c.value else "") + t(f"rating-cadence-{c.value}"),
                                  callback_data=PolicyCb(a="set", id=p.id, c="cadence", v=c.value).pack())
             for c in dom.Cadence])
    kb.row(InlineKeyboardButton(text=t("rating-policy-pause" if p.active else "rating-policy-resume"),
                                callback_data=PolicyCb(a="set", id=p.id, c="active",
                                                       v="0" if p.active else "1").pack()))
    kb.row(InlineKeyboardButton(text=t("back"), callback_data=PolicyCb(a="list").pack()))
    text = t("rating-policy-card", line=_policy_line(t, p, departments), k=svc.ratings.k)
    return text, kb.as_markup()


async def on_policy_open(query: CallbackQuery, callback_data: PolicyCb, svc: Services, member: Member,
                         t: Translator) -> None:
    text, markup = await _policy_card(svc, member, t, callback_data.id)
    await ui.edit(query, text, markup)


async def on_policy_set(query: CallbackQuery, callback_data: PolicyCb, svc: Services, member: Member,
                        t: Translator, callback_answer) -> None:
    await svc.ratings.update_policy(member, callback_data.id, callback_data.c, callback_data.v)
    callback_answer.text = t("saved")
    text, markup = await _policy_card(svc, member, t, callback_data.id)
    await ui.edit(query, text, markup)


async def _department_picker(svc: Services, member: Member, t: Translator, step: str, r: int, page: int):
    await svc.ratings.policies(member)  # admin check
    departments = await svc.org.list_departments()
    page = ui.clamp_page(page, len(departments))
    kb = ui.builder()
    for d in ui.page_items(departments, page):
        cb = PolicyCb(a="rater", r=d.id) if step == "rater" else PolicyCb(a="rated", r=r, d=d.id)
        kb.row(InlineKeyboardButton(text=ui.truncate(d.name, 40), callback_data=cb.pack()))
    nav = ui.nav_row(page, ui.pages_of(len(departments)),
                     lambda pg: PolicyCb(a="add" if step == "rater" else "rater", r=r, pg=pg).pack())
    if nav:
        kb.row(*nav)
    kb.row(InlineKeyboardButton(text=t("back"), callback_data=PolicyCb(a="list").pack()))
    if step == "rater":
        return t("rating-policy-pick-rater"), kb.as_markup()
    rater = next((d for d in departments if d.id == r), None)
    if rater is None:
        raise UserError("error-department-not-found")
    return t("rating-policy-pick-rated", rater=rater.name), kb.as_markup()


async def on_policy_add(query: CallbackQuery, callback_data: PolicyCb, svc: Services, member: Member,
                        t: Translator) -> None:
    text, markup = await _department_picker(svc, member, t, "rater", 0, callback_data.pg)
    await ui.edit(query, text, markup)


async def on_policy_rater(query: CallbackQuery, callback_data: PolicyCb, svc: Services, member: Member,
                          t: Translator) -> None:
    text, markup = await _department_picker(svc, member, t, "rated", callback_data.r, callback_data.pg)
    await ui.edit(query, text, markup)


async def on_policy_rated(query: CallbackQuery, callback_data: PolicyCb, svc: Services, member: Member,
                          t: Translator) -> None:
    await svc.ratings.policies(member)
    kb = ui.builder()
    for c in dom.Cadence:
        kb.row(InlineKeyboardButton(text=t(f"rating-cadence-{c.value}"), callback_data=PolicyCb(
            a="cad", r=callback_data.r, d=callback_data.d, c=c.value).pack()))
    kb.row(InlineKeyboardButton(text=t("back"), callback_data=PolicyCb(a="list").pack()))
    await ui.edit(query, t("rating-policy-pick-cadence"), kb.as_markup())


async def on_policy_cadence(query: CallbackQuery, callback_data: PolicyCb, svc: Services, member: Member,
                            t: Translator) -> None:
    await svc.ratings.policies(member)
    kb = ui.builder()
    for m in dom.AnonymityMode:
        kb.row(InlineKeyboardButton(text=t(f"rating-mode-{m.value}"), callback_data=PolicyCb(
            a="new", r=callback_data.r, d=callback_data.d, c=callback_data.c, v=m.value).pack()))
    kb.row(InlineKeyboardButton(text=t("back"), callback_data=PolicyCb(a="list").pack()))
    await ui.edit(query, t("rating-policy-pick-mode", k=svc.ratings.k), kb.as_markup())


async def on_policy_new(query: CallbackQuery, callback_data: PolicyCb, svc: Services, member: Member,
                        t: Translator, callback_answer) -> None:
    policy = await svc.ratings.create_policy(member, callback_data.r, callback_data.d, callback_data.c,
                                             callback_data.v)
    callback_answer.text = t("saved")
    text, markup = await _policy_card(svc, member, t, policy.id)
    await ui.edit(query, text, markup)


def register(router: Router) -> None:
    admin = {"role": "admin"}
    router.message.register(on_policies, Command("rating_policies"), flags=admin)
    router.callback_query.register(on_policies_list, PolicyCb.filter(F.a == "list"), flags=admin)
    router.callback_query.register(on_policy_open, PolicyCb.filter(F.a == "open"), flags=admin)
    router.callback_query.register(on_policy_set, PolicyCb.filter(F.a == "set"), flags=admin)
    router.callback_query.register(on_policy_add, PolicyCb.filter(F.a == "add"), flags=admin)
    router.callback_query.register(on_policy_rater, PolicyCb.filter(F.a == "rater"), flags=admin)
    router.callback_query.register(on_policy_rated, PolicyCb.filter(F.a == "rated"), flags=admin)
    router.callback_query.register(on_policy_cadence, PolicyCb.filter(F.a == "cad"), flags=admin)
    router.callback_query.register(on_policy_new, PolicyCb.filter(F.a == "new"), flags=admin)
