"""/plan (manager): month → members → a number per stream, or pasted lines; /plan copy.
/projects (manager) and /streams (admin)."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import ui
from bot.errors import UserError
from bot.i18n import Translator, month_name
from bot.parsing import CbInt, button_int, parse_id
from bot.services import Services
from bot.services.plans import PasteResult, parse_number
from handlers.reporting import on_flow_not_text
from models.org import Member


class PlanFlow(StatesGroup):
    month = State()  # month chosen: pasted lines are read
    number = State()  # a number for one member and stream


class PlanCb(CallbackData, prefix="pl"):
    a: str  # m (month) | pg (page) | mem (member card) | st (stream: ask number)
    month: str  # YYYYMM
    id: CbInt = 0  # member id or page
    s: CbInt = 0  # stream id


class ProjCb(CallbackData, prefix="pj"):
    a: str  # pg | arc | un
    id: CbInt = 0
    page: CbInt = 0


def _m(month: date) -> str:
    return month.strftime("%Y%m")


def _parse_month(value: str) -> date:
    """``YYYYMM`` from button data or the form's state."""
    if len(value) != 6:
        raise UserError("button-outdated")
    try:
        return date(button_int(value[:4], hi=9999), button_int(value[4:6], hi=12), 1)
    except ValueError as exc:  # year or month 0
        raise UserError("button-outdated") from exc


async def _board(svc: Services, member: Member, t: Translator, month: date, page: int):
    board = await svc.plans.board(member, month)
    streams = board.streams
    lines = [t("plan-board-title", month=month_name(t, month)),
             t("plan-board-streams", streams=" / ".join(s.name(t.lang) for s in streams))]
    page = ui.clamp_page(page, len(board.members))
    kb = ui.builder()
    chunk = board.members[page * ui.PER_PAGE:(page + 1) * ui.PER_PAGE]
    for m in chunk:
        values = " / ".join(str(board.plans.get((m.id, s.id), 0)) for s in streams)
        lines.append(t("plan-board-line", name=m.display_name, values=values))
        kb.row(InlineKeyboardButton(text=ui.truncate(f"{m.display_name}: {values}", 60),
                                    callback_data=PlanCb(a="mem", month=_m(month), id=m.id).pack()))
    if not board.members:
        lines.append(t("plan-board-empty"))
    nav = ui.nav_row(page, ui.pages_of(len(board.members)), lambda p: PlanCb(a="pg", month=_m(month), id=p).pack())
    if nav:
        kb.row(*nav)
    lines.append("")
    lines.append(t("plan-paste-hint", example=" ".join(["25"] * len(streams))))
    return "\n".join(lines), kb.as_markup()


def _paste_report(t: Translator, result: PasteResult) -> str:
    if not result.failures:
        return t("plan-paste-saved", members=result.members, values=result.applied)
    lines = [t("plan-paste-failed", n=len(result.failures))]
    lines += ui.fit([t(f"plan-fail-{f.code}", no=f.line_no, line=ui.truncate(f.line, 80), who=ui.truncate(f.who, 60))
                     for f in result.failures], lambda n: t("plan-fail-more", n=n))
    return "\n".join(lines)


async def on_plan(message: Message, command: CommandObject, state: FSMContext, svc: Services, member: Member,
                  t: Translator) -> None:
    await state.clear()
    current, nxt = svc.plans.months(member)
    args = (command.args or "").strip()
    first, _, rest = args.partition("\n")
    words = first.split()
    month = current
    if words and words[0].lower() in ("next", "следующий"):
        month = nxt
        words.pop(0)
    if words and words[0].lower() in ("copy", "копировать"):
        words.pop(0)
        if words and words[0].lower() in ("next", "следующий"):
            month = nxt
        copied, kept = await svc.plans.copy_previous(member, month)
        await message.answer(t("plan-copied", month=month_name(t, month), copied=copied, kept=kept))
        return
    lines = "\n".join([" ".join(words), rest]).strip()
    if lines:
        await message.answer(_paste_report(t, await svc.plans.paste(member, month, lines)))
        return
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=month_name(t, current), callback_data=PlanCb(a="m", month=_m(current)).pack()),
           InlineKeyboardButton(text=month_name(t, nxt), callback_data=PlanCb(a="m", month=_m(nxt)).pack()))
    await message.answer(t("plan-pick-month"), reply_markup=kb.as_markup())



async def on_month(query: CallbackQuery, callback_data: PlanCb, state: FSMContext, svc: Services, member: Member,
                   t: Translator) -> None:
    month = svc.plans.check_month(member, _parse_month(callback_data.month))
    await state.set_state(PlanFlow.month)
    await state.update_data(month=_m(month))
    page = callback_data.id if callback_data.a == "pg" else 0
    text, markup = await _board(svc, member, t, month, page)
    await ui.edit(query, text, markup)


async def on_member(query: CallbackQuery, callback_data: PlanCb, svc: Services, member: Member,
                    t: Translator) -> None:
    month = svc.plans.check_month(member, _parse_month(callback_data.month))
    target = await svc.plans.member(member, callback_data.id)
    board = await svc.plans.board(member, month)
    kb = ui.builder()
    for s in board.streams:
        value = board.plans.get((target.id, s.id), 0)
        kb.row(InlineKeyboardButton(text=ui.truncate(f"{s.name(t.lang)}: {value}", 60),
                                    callback_data=PlanCb(a="st", month=_m(month), id=target.id, s=s.id).pack()))
    kb.row(InlineKeyboardButton(text=t("back"), callback_data=PlanCb(a="m", month=_m(month)).pack()))
    await ui.edit(query, t("plan-member", name=target.display_name, month=month_name(t, month)), kb.as_markup())


async def on_stream(query: CallbackQuery, callback_data: PlanCb, state: FSMContext, svc: Services, member: Member,
                    t: Translator) -> None:
    month = svc.plans.check_month(member, _parse_month(callback_data.month))
    target = await svc.plans.member(member, callback_data.id)
    stream = await svc.reporting.stream(callback_data.s)
    await state.set_state(PlanFlow.number)
    await state.update_data(month=_m(month), member=target.id, stream=stream.id)
    await query.message.answer(t("plan-enter-number", name=target.display_name, stream=stream.name(t.lang),
                                 month=month_name(t, month), max=1000))


async def on_number(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    data = await state.get_data()
    units = parse_number(message.text)
    month = _parse_month(data["month"])
    await svc.plans.set_plan(member, data["member"], month, data["stream"], units)
    await state.set_state(PlanFlow.month)
    text, markup = await _board(svc, member, t, month, 0)
    await message.answer(t("saved") + "\n\n" + text, reply_markup=markup)


async def on_paste(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    data = await state.get_data()
    month = _parse_month(data["month"])
    result = await svc.plans.paste(member, month, message.text)
    await message.answer(_paste_report(t, result))
    if not result.failures:
        text, markup = await _board(svc, member, t, month, 0)
        await message.answer(text, reply_markup=markup)


# -- /projects ------------------------------------------------------------------------------------
async def _projects(svc: Services, t: Translator, page: int):
    projects = await svc.reporting.projects(include_archived=True)
    page = ui.clamp_page(page, len(projects))
    lines = [t("projects-title", n=len(projects))]
    kb = ui.builder()
    for p in projects[page * ui.PER_PAGE:(page + 1) * ui.PER_PAGE]:
        lines.append(t("projects-line", id=p.id, name=p.name, archived="yes" if p.archived else "no"))
        kb.row(InlineKeyboardButton(
            text=ui.truncate(t("projects-btn-restore" if p.archived else "projects-btn-archive") + " " + p.name, 60),
            callback_data=ProjCb(a="un" if p.archived else "arc", id=p.id, page=page).pack()))
    nav = ui.nav_row(page, ui.pages_of(len(projects)), lambda n: ProjCb(a="pg", page=n).pack())
    if nav:
        kb.row(*nav)
    lines.append("")
    lines.append(t("projects-usage"))
    return "\n".join(lines), kb.as_markup()


async def on_projects(message: Message, command: CommandObject, svc: Services, member: Member,
                      t: Translator) -> None:
    args = (command.args or "").strip()
    if args:
        verb, _, rest = args.partition(" ")
        verb = verb.lower()
        if verb in ("add", "добавить"):
            p = await svc.reporting.add_project(member, rest)
            await message.answer(t("projects-added", name=p.name, id=p.id))
            return
        ident, _, name = rest.strip().partition(" ")
        if not ident or verb not in ("rename", "переименовать", "archive", "архив"):
            raise UserError("projects-usage")
        project_id = parse_id(ident)
        if verb in ("rename", "переименовать"):
            p = await svc.reporting.rename_project(member, project_id, name)
            await message.answer(t("projects-renamed", name=p.name, id=p.id))
            return
        if verb in ("archive", "архив"):
            p = await svc.reporting.archive_project(member, project_id)
            await message.answer(t("projects-archived", name=p.name))
            return
        raise UserError("projects-usage")
    text, markup = await _projects(svc, t, 0)
    await message.answer(text, reply_markup=markup)


async def on_projects_cb(query: CallbackQuery, callback_data: ProjCb, svc: Services, member: Member, t: Translator,
                         callback_answer: CallbackAnswer) -> None:
    if callback_data.a in ("arc", "un"):
        await svc.reporting.archive_project(member, callback_data.id, callback_data.a == "arc")
        callback_answer.text = t("saved")
    text, markup = await _projects(svc, t, callback_data.page)
    await ui.edit(query, text, markup)


# -- /streams -------------------------------------------------------------------------------------
async def on_streams(message: Message, command: CommandObject, svc: Services, member: Member,
                     t: Translator) -> None:
    args = (command.args or "").strip()
    if args:
        verb, _, rest = args.partition(" ")
        code, _, names = rest.strip().partition(" ")
        name_ru, sep, name_en = names.partition("|")
        if not sep:
            raise UserError("streams-usage")
        if verb.lower() in ("add", "добавить"):
            s = await svc.reporting.add_stream(member, code, name_ru, name_en)
        elif verb.lower() in ("rename", "переименовать"):
            s = await svc.reporting.rename_stream(member, code, name_ru, name_en)
        else:
            raise UserError("streams-usage")
        await message.answer(t("streams-saved", code=s.code, name_ru=s.name_ru, name_en=s.name_en))
        return
    lines = [t("streams-title")]
    lines += ui.fit([t("streams-line", code=s.code, name_ru=ui.truncate(s.name_ru, 60),
                       name_en=ui.truncate(s.name_en, 60)) for s in await svc.reporting.streams()],
                    lambda n: t("list-more", n=n), ui.TEXT_BUDGET - 300)
    lines.append("")
    lines.append(t("streams-usage"))
    await message.answer("\n".join(lines))


def create_router() -> Router:
    router = Router(name="plans")
    manager = {"role": "manager"}
    router.message.register(on_plan, Command("plan"), flags=manager)
    router.message.register(on_projects, Command("projects"), flags=manager)
    router.message.register(on_streams, Command("streams"), flags={"role": "admin"})
    plain = F.text & ~F.text.startswith("/")
    router.message.register(on_number, StateFilter(PlanFlow.number), plain, flags=manager)
    router.message.register(on_paste, StateFilter(PlanFlow.month), plain, flags=manager)
    router.message.register(on_flow_not_text, StateFilter(PlanFlow.number), ~F.text, flags=manager)
    router.callback_query.register(on_month, PlanCb.filter(F.a.in_({"m", "pg"})), flags=manager)
    router.callback_query.register(on_member, PlanCb.filter(F.a == "mem"), flags=manager)
    router.callback_query.register(on_stream, PlanCb.filter(F.a == "st"), flags=manager)
    router.callback_query.register(on_projects_cb, ProjCb.filter(), flags=manager)
    return router
