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
from bot.parsing import CbInt, button_int, parse_subcommand
from bot.services import Services
from bot.services.base import form_key
from bot.services.plans import PasteResult, parse_number
from bot.services.stats import previous_month
from models.org import Member


class PlanFlow(StatesGroup):
    month = State()  # month chosen: pasted lines are read
    number = State()  # a number for one member and stream


class PlanCb(CallbackData, prefix="pl"):
    a: str  # m (month) | pg (page) | mem (member card) | st (stream: ask number)
    month: str  # YYYYMM
    id: CbInt = 0  # member id or page
    s: CbInt = 0  # stream id


class PlanSetCb(CallbackData, prefix="pv"):
    """A plan value chosen by a button (last month's value)."""

    month: str  # YYYYMM
    id: CbInt  # member id
    s: CbInt  # stream id
    v: CbInt  # units


class StreamCb(CallbackData, prefix="sm"):
    a: str  # pg | arc (ask) | arcok (confirmed) | un
    id: CbInt = 0
    page: CbInt = 0


class ProjCb(CallbackData, prefix="pj"):
    a: str  # pg | arc (ask) | arcok (confirmed) | un
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
    chunk = ui.page_items(board.members, page)
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
        await message.answer(_paste_report(t, await svc.plans.paste(member, month, lines,
                                                                   key=form_key("plan", message))))
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


async def _member_card(svc: Services, member: Member, t: Translator, month: date, member_id: int):
    """One person's plan for the month: a button per stream with its value, and Back to the board."""
    target = await svc.plans.member(member, member_id)
    board = await svc.plans.board(member, month)
    kb = ui.builder()
    for s in board.streams:
        value = board.plans.get((target.id, s.id), 0)
        kb.row(InlineKeyboardButton(text=ui.truncate(f"{s.name(t.lang)}: {value}", 60),
                                    callback_data=PlanCb(a="st", month=_m(month), id=target.id, s=s.id).pack()))
    kb.row(InlineKeyboardButton(text=t("back"), callback_data=PlanCb(a="m", month=_m(month)).pack()))
    return t("plan-member", name=target.display_name, month=month_name(t, month)), kb.as_markup()


async def on_member(query: CallbackQuery, callback_data: PlanCb, svc: Services, member: Member,
                    t: Translator) -> None:
    month = svc.plans.check_month(member, _parse_month(callback_data.month))
    text, markup = await _member_card(svc, member, t, month, callback_data.id)
    await ui.edit(query, text, markup)


async def on_stream(query: CallbackQuery, callback_data: PlanCb, state: FSMContext, svc: Services, member: Member,
                    t: Translator) -> None:
    month = svc.plans.check_month(member, _parse_month(callback_data.month))
    target = await svc.plans.member(member, callback_data.id)
    stream = await svc.reporting.stream(callback_data.s)
    await state.set_state(PlanFlow.number)
    await state.update_data(month=_m(month), member=target.id, stream=stream.id)
    kb = ui.builder()
    last = await svc.plans.previous_value(member, target.id, month, stream.id)
    if last is not None:  # last month's value: one tap
        kb.row(InlineKeyboardButton(
            text=t("plan-btn-last-month", value=last, month=month_name(t, previous_month(month))),
            callback_data=PlanSetCb(month=_m(month), id=target.id, s=stream.id, v=last).pack()))
    kb.row(InlineKeyboardButton(text=t("back"), callback_data=PlanCb(a="mem", month=_m(month), id=target.id).pack()))
    await query.message.answer(t("plan-enter-number", name=target.display_name, stream=stream.name(t.lang),
                                 month=month_name(t, month), max=1000), reply_markup=kb.as_markup())


async def on_set(query: CallbackQuery, callback_data: PlanSetCb, state: FSMContext, svc: Services, member: Member,
                 t: Translator, callback_answer: CallbackAnswer) -> None:
    """A value chosen by a button: saved, then back to that person's card."""
    month = svc.plans.check_month(member, _parse_month(callback_data.month))
    await svc.plans.set_plan(member, callback_data.id, month, callback_data.s, callback_data.v)
    await state.set_state(PlanFlow.month)
    await state.update_data(month=_m(month))
    callback_answer.text = t("saved")
    text, markup = await _member_card(svc, member, t, month, callback_data.id)
    await ui.edit(query, text, markup)


async def on_number(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    data = await state.get_data()
    units = parse_number(message.text)
    month = _parse_month(data["month"])
    await svc.plans.set_plan(member, data["member"], month, data["stream"], units)
    await state.set_state(PlanFlow.month)
    text, markup = await _member_card(svc, member, t, month, data["member"])  # the next value is for them too
    await message.answer(t("saved") + "\n\n" + text, reply_markup=markup)


async def on_paste(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    data = await state.get_data()
    month = _parse_month(data["month"])
    result = await svc.plans.paste(member, month, message.text, key=form_key("plan", message))
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
    for p in ui.page_items(projects, page):
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
        cmd = parse_subcommand(args, {"add": "text", "rename": "id text", "archive": "id"}, "projects-usage")
        if cmd.verb == "add":
            p = await svc.reporting.add_project(member, cmd.text, key=form_key("project", message))
            await message.answer(t("projects-added", name=p.name, id=p.id))
        elif cmd.verb == "rename":
            p = await svc.reporting.rename_project(member, cmd.id, cmd.text)
            await message.answer(t("projects-renamed", name=p.name, id=p.id))
        else:
            p = await svc.reporting.archive_project(member, cmd.id)
            await message.answer(t("projects-archived", name=p.name))
        return
    text, markup = await _projects(svc, t, 0)
    await message.answer(text, reply_markup=markup)


async def on_projects_cb(query: CallbackQuery, callback_data: ProjCb, svc: Services, member: Member, t: Translator,
                         callback_answer: CallbackAnswer) -> None:
    if callback_data.a == "arc":  # archiving asks first
        project = next((p for p in await svc.reporting.projects(include_archived=True) if p.id == callback_data.id),
                       None)
        if project is None:
            raise UserError("projects-not-found", id=callback_data.id)
        if not project.archived:
            kb = ui.builder()
            kb.row(InlineKeyboardButton(text=t("confirm-yes-archive"),
                                        callback_data=ProjCb(a="arcok", id=project.id, page=callback_data.page).pack()),
                   InlineKeyboardButton(text=t("confirm-no"),
                                        callback_data=ProjCb(a="pg", page=callback_data.page).pack()))
            await ui.edit(query, t("projects-archive-confirm", name=project.name), kb.as_markup())
            return
    if callback_data.a in ("arcok", "un"):
        await svc.reporting.archive_project(member, callback_data.id, callback_data.a == "arcok")
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
    text, markup = await _streams(svc, t, 0)
    await message.answer(text, reply_markup=markup)


async def _streams(svc: Services, t: Translator, page: int):
    streams = await svc.reporting.streams(active_only=False)
    page = ui.clamp_page(page, len(streams))
    lines = [t("streams-title")]
    lines += ui.fit([t("streams-line" if s.active else "streams-line-archived", code=s.code,
                       name_ru=ui.truncate(s.name_ru, 60), name_en=ui.truncate(s.name_en, 60)) for s in streams],
                    lambda n: t("list-more", n=n), ui.TEXT_BUDGET - 300)
    kb = ui.builder()
    for s in ui.page_items(streams, page):
        kb.row(InlineKeyboardButton(
            text=ui.truncate(t("projects-btn-archive" if s.active else "projects-btn-restore") + " " + s.code, 60),
            callback_data=StreamCb(a="arc" if s.active else "un", id=s.id, page=page).pack()))
    nav = ui.nav_row(page, ui.pages_of(len(streams)), lambda n: StreamCb(a="pg", page=n).pack())
    if nav:
        kb.row(*nav)
    lines.append("")
    lines.append(t("streams-usage"))
    return "\n".join(lines), kb.as_markup()


async def on_streams_cb(query: CallbackQuery, callback_data: StreamCb, svc: Services, member: Member, t: Translator,
                        callback_answer: CallbackAnswer) -> None:
    if callback_data.a == "arc":  # archiving asks first
        stream = next((s for s in await svc.reporting.streams(active_only=False) if s.id == callback_data.id), None)
        if stream is None:
            raise UserError("error-bad-choice")
        if stream.active:
            kb = ui.builder()
            kb.row(InlineKeyboardButton(text=t("confirm-yes-archive"), callback_data=StreamCb(
                       a="arcok", id=stream.id, page=callback_data.page).pack()),
                   InlineKeyboardButton(text=t("confirm-no"),
                                        callback_data=StreamCb(a="pg", page=callback_data.page).pack()))
            await ui.edit(query, t("streams-archive-confirm", code=stream.code, name=stream.name(t.lang)),
                          kb.as_markup())
            return
    if callback_data.a in ("arcok", "un"):
        await svc.reporting.archive_stream(member, callback_data.id, callback_data.a == "arcok")
        callback_answer.text = t("saved")
    text, markup = await _streams(svc, t, callback_data.page)
    await ui.edit(query, text, markup)


def create_router() -> Router:
    router = Router(name="plans")
    manager = {"role": "manager"}
    router.message.register(on_plan, Command("plan"), flags=manager)
    router.message.register(on_projects, Command("projects"), flags=manager)
    router.message.register(on_streams, Command("streams"), flags={"role": "admin"})
    plain = F.text & ~F.text.startswith("/")
    router.message.register(on_number, StateFilter(PlanFlow.number), plain, flags=manager)
    router.message.register(on_paste, StateFilter(PlanFlow.month), plain, flags=manager)
    router.message.register(ui.on_not_text, StateFilter(PlanFlow.number), ~F.text, flags=manager)
    router.callback_query.register(on_month, PlanCb.filter(F.a.in_({"m", "pg"})), flags=manager)
    router.callback_query.register(on_member, PlanCb.filter(F.a == "mem"), flags=manager)
    router.callback_query.register(on_stream, PlanCb.filter(F.a == "st"), flags=manager)
    router.callback_query.register(on_set, PlanSetCb.filter(), flags=manager)
    router.callback_query.register(on_projects_cb, ProjCb.filter(), flags=manager)
    router.callback_query.register(on_streams_cb, StreamCb.filter(), flags={"role": "admin"})
    return router
