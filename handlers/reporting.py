"""/report (flow or one line), unit buttons, /mine, /me, /team, /away."""

from __future__ import annotations

from datetime import date
from typing import NoReturn

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import ui
from bot.callbacks import CourseCb
from bot.domain.pace import round1
from bot.errors import UserError
from bot.i18n import Catalog, Translator
from bot.parsing import CbInt, button_int
from bot.sender import Sender
from bot.services import Services
from bot.services.base import form_key
from bot.services.reporting import REVISION_REASONS, MinePage, UnitView, parse_report_line
from bot.views import send_client_cards
from models.org import Member
from models.reporting import REVISION, SENT

PROJECTS_PER_PAGE = 8


class ReportFlow(StatesGroup):
    stream = State()
    project = State()
    content = State()
    confirm = State()


class UnitInput(StatesGroup):
    edit = State()
    reason = State()


class RepCb(CallbackData, prefix="rp"):
    step: str  # s (stream) | p (project) | pg (page) | ok | no
    id: CbInt = 0


class UnitCb(CallbackData, prefix="u"):
    a: str  # send | rev | fix | approve | rr | edit | del | delok | open | show
    id: CbInt
    v: str = ""


class MineCb(CallbackData, prefix="mi"):
    page: CbInt
    first: str  # YYYYMMDD
    last: str


# -- rendering ------------------------------------------------------------------------------------
def _dm(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def unit_text(t: Translator, v: UnitView) -> str:
    u = v.unit
    lines = [t("unit-head", id=u.id, stream=v.stream.name(t.lang), project=v.project.name)]
    if u.link and u.title != u.link:
        lines.append(t("unit-title-link", title=u.title, link=u.link))
    elif u.link:
        lines.append(t("unit-link", link=u.link))
    else:
        lines.append(t("unit-title", title=u.title))
    lines.append(t("unit-state", state=t(f"state-{u.state}"), revisions=v.revisions))
    if v.open_revision is not None:
        r = v.open_revision
        reason = t(f"reason-{r.reason}") + (f": {r.reason_text}" if r.reason_text else "")
        lines.append(t("unit-revision-open", reason=reason, due=v.due_at.strftime("%d.%m %H:%M")))
        if v.overdue:
            lines.append(t("unit-revision-overdue"))
    return "\n".join(lines)


def unit_markup(t: Translator, v: UnitView, back: list[InlineKeyboardButton] | None = None
                ) -> InlineKeyboardMarkup | None:
    """The card's buttons: next steps, Undo (within UNDO_MINUTES), edit/delete, and ``back`` (the /mine list
    it was opened from) when given. Built directly: the keyboard builder's export deep-copies every button,
    and this runs on every report."""
    row = [InlineKeyboardButton(text=t(f"unit-btn-{a}"), callback_data=UnitCb(a=a, id=v.unit.id).pack())
           for a in v.actions]
    rows = [row[i:i + 2] for i in range(0, len(row), 2)]
    if v.undo is not None:
        rows.append([InlineKeyboardButton(text=t("unit-btn-undo"),
                                          callback_data=UnitCb(a="undo", id=v.unit.id, v=str(v.undo)).pack())])
    if v.can_edit:
        rows.append([InlineKeyboardButton(text=t("unit-btn-edit"), callback_data=UnitCb(a="edit", id=v.unit.id).pack()),
                     InlineKeyboardButton(text=t("unit-btn-del"), callback_data=UnitCb(a="del", id=v.unit.id).pack())])
    if back:
        rows.append(list(back))
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None

def _back(query: CallbackQuery) -> list[InlineKeyboardButton]:
    """The Back-to-/mine button of the card being acted on, kept through its edits."""
    markup = query.message.reply_markup if query.message is not None else None
    return [b for r in (markup.inline_keyboard if markup else []) for b in r
            if b.callback_data and b.callback_data.startswith(MineCb.__prefix__ + ":")]


async def _card(query: CallbackQuery, t: Translator, view: UnitView, extra: str = "") -> None:
    """Edit the card being acted on in place, keeping its Back button."""
    await ui.edit(query, unit_text(t, view) + extra, unit_markup(t, view, _back(query)))



# -- /report --------------------------------------------------------------------------------------
async def on_report(message: Message, command: CommandObject, state: FSMContext, svc: Services, member: Member,
                    t: Translator) -> None:
    await state.clear()
    if command.args:
        stream_token, project_name, text = parse_report_line(command.args)
        stream = await svc.reporting.find_stream(stream_token)
        project = await svc.reporting.find_project(project_name)
        view = await svc.reporting.create_unit(member, stream.id, project.id, text,
                                               key=form_key("unit-line", message))
        await message.answer(t("report-saved") + "\n\n" + unit_text(t, view), reply_markup=unit_markup(t, view))
        return
    streams = await svc.reporting.streams()
    if not await svc.reporting.projects():
        raise UserError("report-no-projects")
    if len(streams) == 1:
        await state.set_state(ReportFlow.project)
        await state.update_data(stream=streams[0].id, q="")
        text, markup = await _projects(svc, t, state, 0)
        await message.answer(text, reply_markup=markup)
        return
    kb = ui.builder()
    for s in streams:
        kb.row(InlineKeyboardButton(text=ui.truncate(s.name(t.lang), 60), callback_data=RepCb(step="s", id=s.id).pack()))
    await state.set_state(ReportFlow.stream)
    await message.answer(t("report-pick-stream"), reply_markup=kb.as_markup())


async def _in_flow(state: FSMContext) -> dict:
    current = await state.get_state()
    if not current or not current.startswith("ReportFlow"):
        raise UserError("button-outdated")
    return await state.get_data()


async def _projects(svc: Services, t: Translator, state: FSMContext, page: int):
    data = await state.get_data()
    query = data.get("q") or ""
    projects = await svc.reporting.projects(query)
    stream = await svc.reporting.stream(data["stream"])
    page = ui.clamp_page(page, len(projects), PROJECTS_PER_PAGE)
    kb = ui.builder()
    for p in ui.page_items(projects, page, PROJECTS_PER_PAGE):
        kb.row(InlineKeyboardButton(text=ui.truncate(p.name, 60), callback_data=RepCb(step="p", id=p.id).pack()))
    nav = ui.nav_row(page, ui.pages_of(len(projects), PROJECTS_PER_PAGE), lambda n: RepCb(step="pg", id=n).pack())
    if nav:
        kb.row(*nav)
    lines = [t("report-pick-project", stream=stream.name(t.lang))]
    if query:
        lines.append(t("report-filter", query=query, n=len(projects)))
    if len(projects) > PROJECTS_PER_PAGE:  # more than one page: typing part of a name narrows it
        lines.append(t("report-filter-hint"))
    return "\n".join(lines), kb.as_markup()


async def on_stream(query: CallbackQuery, callback_data: RepCb, state: FSMContext, svc: Services,
                    t: Translator) -> None:
    await _in_flow(state)
    await svc.reporting.stream(callback_data.id)
    await state.set_state(ReportFlow.project)
    await state.update_data(stream=callback_data.id, q="")
    text, markup = await _projects(svc, t, state, 0)
    await ui.edit(query, text, markup)


async def on_projects_page(query: CallbackQuery, callback_data: RepCb, state: FSMContext, svc: Services,
                           t: Translator) -> None:
    data = await _in_flow(state)
    if "stream" not in data:
        raise UserError("button-outdated")
    text, markup = await _projects(svc, t, state, callback_data.id)
    await ui.edit(query, text, markup)


async def on_project_filter(message: Message, state: FSMContext, svc: Services, t: Translator) -> None:
    await state.update_data(q=" ".join(message.text.split())[:100])
    text, markup = await _projects(svc, t, state, 0)
    await message.answer(text, reply_markup=markup)


async def on_project(query: CallbackQuery, callback_data: RepCb, state: FSMContext, svc: Services,
                     t: Translator) -> None:
    data = await _in_flow(state)
    if "stream" not in data:
        raise UserError("button-outdated")
    project = await svc.reporting.project(callback_data.id)
    await state.set_state(ReportFlow.content)
    await state.update_data(project=project.id)
    stream = await svc.reporting.stream(data["stream"])
    await ui.edit(query, t("report-enter-content", stream=stream.name(t.lang), project=project.name,
                         limit=svc.settings.title_max))


async def on_content(message: Message, state: FSMContext, svc: Services, t: Translator) -> None:
    data = await state.get_data()
    title, link = svc.reporting.parse_content(message.text)
    stream = await svc.reporting.stream(data["stream"])
    project = await svc.reporting.project(data["project"])
    await state.set_state(ReportFlow.confirm)
    await state.update_data(text=message.text)
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=t("report-btn-save"), callback_data=RepCb(step="ok").pack()),
           InlineKeyboardButton(text=t("report-btn-cancel"), callback_data=RepCb(step="no").pack()))
    sent = await message.answer(t("report-confirm", stream=stream.name(t.lang), project=project.name, title=title,
                                  link=link or "—"), reply_markup=kb.as_markup())
    await state.update_data(confirm=sent.message_id)  # the form's Save button: its message is the form's key


async def on_confirm(query: CallbackQuery, callback_data: RepCb, state: FSMContext, svc: Services, member: Member,
                     t: Translator, callback_answer: CallbackAnswer) -> None:
    key = form_key("unit", query.message)
    data = await state.get_data()
    if await state.get_state() != ReportFlow.confirm.state or data.get("confirm") != query.message.message_id:
        view = await svc.reporting.saved_unit(member, key)  # Save pressed again: show what it saved
        if view is None:
            raise UserError("button-outdated")
    else:
        view = await svc.reporting.create_unit(member, data["stream"], data["project"], data["text"], key=key)
        await state.clear()
    callback_answer.text = t("report-saved")
    await ui.edit(query, t("report-saved") + "\n\n" + unit_text(t, view), unit_markup(t, view))


async def on_flow_cancel(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await _in_flow(state)  # an old report's "Cancel" must not drop another form (a plan number, an edit)
    await state.clear()
    await ui.edit(query, t("cancel-done"))


async def on_flow_buttons(message: Message, t: Translator) -> None:
    await message.answer(t("flow-use-buttons"))


# -- unit buttons ---------------------------------------------------------------------------------
async def on_unit_move(query: CallbackQuery, callback_data: UnitCb, svc: Services, member: Member, t: Translator,
                       callback_answer: CallbackAnswer, sender: Sender, catalog: Catalog) -> None:
    try:
        result = await svc.reporting.transition(member, callback_data.id, callback_data.a)
    except UserError as exc:
        await _stale(query, svc, member, t, exc, callback_data.id)
    callback_answer.text = t("unit-moved" if result.changed else "unit-already",
                             state=t(f"state-{result.view.unit.state}"))
    await _card(query, t, result.view)
    if result.changed and result.view.unit.state == SENT:  # sent for approval: the project's clients decide
        await send_client_cards(sender, catalog, svc.settings.default_language,
                                await svc.clients.approval_requests(result.view.unit.id))


async def _stale(query: CallbackQuery, svc: Services, member: Member, t: Translator, exc: UserError,
                 unit_id: int) -> NoReturn:
    """A button of an older copy of the card that no longer applies: show the unit as it is now (its
    current buttons), then say why nothing was done."""
    if exc.key == "unit-bad-transition":
        await _card(query, t, await svc.reporting.view_after_refusal(member, unit_id))
    raise exc


async def on_unit_undo(query: CallbackQuery, callback_data: UnitCb, svc: Services, member: Member, t: Translator,
                       callback_answer: CallbackAnswer) -> None:
    event_id = button_int(callback_data.v)
    try:
        view = await svc.reporting.undo(member, callback_data.id, event_id)
    except UserError as exc:
        if exc.key in ("unit-undo-gone", "unit-undo-expired"):  # the card shows what holds now
            await _card(query, t, await svc.reporting.view_after_refusal(member, callback_data.id))
        raise
    callback_answer.text = t("unit-undone", state=t(f"state-{view.unit.state}"))
    await _card(query, t, view)


async def on_unit_rev(query: CallbackQuery, callback_data: UnitCb, svc: Services, member: Member,
                      t: Translator) -> None:
    try:
        view = await svc.reporting.check_action(member, callback_data.id, "rev")
    except UserError as exc:
        await _stale(query, svc, member, t, exc, callback_data.id)
    kb = ui.builder()
    for r in REVISION_REASONS:
        kb.row(InlineKeyboardButton(text=t(f"reason-{r}"), callback_data=UnitCb(a="rr", id=view.unit.id, v=r).pack()))
    kb.row(InlineKeyboardButton(text=t("back"), callback_data=UnitCb(a="open", id=view.unit.id).pack()))
    if back := _back(query):  # the /mine list stays one tap away through the picker
        kb.row(*back)
    await ui.edit(query, unit_text(t, view) + "\n\n" + t("revision-pick-reason"), kb.as_markup())


async def on_unit_reason(query: CallbackQuery, callback_data: UnitCb, svc: Services, member: Member, t: Translator,
                         state: FSMContext, callback_answer: CallbackAnswer) -> None:
    if callback_data.v not in REVISION_REASONS:
        raise UserError("error-bad-choice")
    if callback_data.v == "other":
        view = await svc.reporting.check_action(member, callback_data.id, "rev")
        if view.unit.state == REVISION:  # already in revision (an old menu): a reason typed now would be lost
            callback_answer.text = t("unit-already", state=t(f"state-{view.unit.state}"))
            await ui.edit(query, unit_text(t, view), unit_markup(t, view))
            return
        await state.set_state(UnitInput.reason)
        await state.update_data(unit=callback_data.id)
        await ui.edit(query, t("revision-enter-other"))
        return
    try:
        result = await svc.reporting.transition(member, callback_data.id, "rev", reason=callback_data.v)
    except UserError as exc:
        await _stale(query, svc, member, t, exc, callback_data.id)
    callback_answer.text = t("unit-moved" if result.changed else "unit-already",
                             state=t(f"state-{result.view.unit.state}"))
    await _card(query, t, result.view)


async def on_reason_text(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    data = await state.get_data()
    result = await svc.reporting.transition(member, data["unit"], "rev", reason="other", reason_text=message.text)
    await state.clear()
    head = t("unit-moved" if result.changed else "unit-already", state=t(f"state-{result.view.unit.state}"))
    await message.answer(head + "\n\n" + unit_text(t, result.view), reply_markup=unit_markup(t, result.view))


async def on_unit_edit(query: CallbackQuery, callback_data: UnitCb, svc: Services, member: Member, t: Translator,
                       state: FSMContext) -> None:
    view = await svc.reporting.editable(member, callback_data.id)
    await state.set_state(UnitInput.edit)
    await state.update_data(unit=view.unit.id)
    await query.message.answer(t("unit-enter-edit", id=view.unit.id, limit=svc.settings.title_max))


async def on_edit_text(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    data = await state.get_data()
    view = await svc.reporting.edit_unit(member, data["unit"], message.text)
    await state.clear()
    await message.answer(t("saved") + "\n\n" + unit_text(t, view), reply_markup=unit_markup(t, view))


async def on_unit_del(query: CallbackQuery, callback_data: UnitCb, svc: Services, member: Member,
                      t: Translator) -> None:
    view = await svc.reporting.editable(member, callback_data.id)
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=t("unit-btn-delok"), callback_data=UnitCb(a="delok", id=view.unit.id).pack()),
           InlineKeyboardButton(text=t("back"), callback_data=UnitCb(a="open", id=view.unit.id).pack()))
    if back := _back(query):
        kb.row(*back)
    await ui.edit(query, unit_text(t, view) + "\n\n" + t("unit-delete-confirm"), kb.as_markup())


async def on_unit_delok(query: CallbackQuery, callback_data: UnitCb, svc: Services, member: Member, t: Translator,
                        callback_answer: CallbackAnswer) -> None:
    result = await svc.reporting.delete_unit(member, callback_data.id)
    callback_answer.text = t("unit-deleted" if result.changed else "unit-already",
                             state=t(f"state-{result.view.unit.state}"))
    await _card(query, t, result.view)


async def on_unit_open(query: CallbackQuery, callback_data: UnitCb, svc: Services, member: Member,
                       t: Translator) -> None:
    view = await svc.reporting.view(member, callback_data.id)
    if callback_data.a == "show":  # from /mine: the list message becomes the card, Back returns to that page
        parts = callback_data.v.split(".")
        back = []
        if len(parts) == 3 and all(p.isascii() and p.isdigit() for p in parts) and len(parts[0]) < 6 \
                and len(parts[1]) == len(parts[2]) == 8:
            mine = MineCb(page=int(parts[0]), first=parts[1], last=parts[2])
            back = [InlineKeyboardButton(text=t("mine-back"), callback_data=mine.pack())]
        await ui.edit(query, unit_text(t, view), unit_markup(t, view, back))
    else:
        await _card(query, t, view)


# -- /mine ----------------------------------------------------------------------------------------
def mine_render(t: Translator, data: MinePage):
    lines = [t("mine-title", first=_dm(data.first), last=_dm(data.last), total=data.total)]
    if data.total:
        lines.append(" · ".join(t("mine-count", state=t(f"state-{s}"), n=data.counts[s])
                                for s in ("written", "sent", "revision", "approved") if data.counts.get(s)))
    else:
        lines.append(t("mine-empty"))
    kb = ui.builder()
    current = None
    for v in data.views:
        if v.unit.state != current:
            current = v.unit.state
            lines.append("")
            lines.append(t("mine-group", state=t(f"state-{current}")))
        lines.append(t("mine-line", id=v.unit.id, title=ui.truncate(v.unit.title, 80), project=v.project.name,
                       overdue="yes" if v.overdue else "no"))
    first, last = data.first.strftime("%Y%m%d"), data.last.strftime("%Y%m%d")
    for v in data.views:  # the card opens in this message; its Back returns to this page
        kb.row(InlineKeyboardButton(text=ui.truncate(f"#{v.unit.id} {v.unit.title}", 60), callback_data=UnitCb(
            a="show", id=v.unit.id, v=f"{data.page}.{first}.{last}").pack()))
    nav = ui.nav_row(data.page, data.pages, lambda p: MineCb(page=p, first=first, last=last).pack())
    if nav:
        kb.row(*nav)
    return "\n".join(lines), kb.as_markup()


async def on_mine(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator) -> None:
    first, last = svc.reporting.parse_range(member, command.args)
    text, markup = mine_render(t, await svc.reporting.mine(member, first, last))
    await message.answer(text, reply_markup=markup)


async def on_mine_page(query: CallbackQuery, callback_data: MineCb, svc: Services, member: Member,
                       t: Translator) -> None:
    from datetime import datetime

    try:
        first = datetime.strptime(callback_data.first, "%Y%m%d").date()
        last = datetime.strptime(callback_data.last, "%Y%m%d").date()
    except ValueError as exc:
        raise UserError("error-bad-choice") from exc
    if first > last or (last - first).days > 366:
        raise UserError("error-bad-choice")
    text, markup = mine_render(t, await svc.reporting.mine(member, first, last, callback_data.page))
    await ui.edit(query, text, markup)


# -- /me and /team ---------------------------------------------------------------------------------
def _num(x: float | None) -> float | str:
    return "—" if x is None else round1(x)


async def on_me(message: Message, svc: Services, member: Member, t: Translator) -> None:
    s, median = await svc.reporting.me(member)
    p = s.pace
    lines = [t("me-title", month=t(f"month-{s.month.month}"), year=s.month.year, plan=s.plan, done=s.done,
               percent=_num(p.percent))]
    for st in s.streams:
        lines.append(t("me-stream", stream=st.name(t.lang), done=st.done, plan=st.plan))
    lines.append(t("me-states", written=s.states.get("written", 0), sent=s.states.get("sent", 0),
                   revision=s.states.get("revision", 0), approved=s.states.get("approved", 0)))
    if s.plan:
        lag = round1(p.lag_units)
        key = "me-pace-behind" if lag > 0 else "me-pace-ahead" if lag < 0 else "me-pace-on"
        lines.append(t(key, expected=round1(p.expected), units=abs(lag), days=abs(round1(p.lag_days))))
        lines.append(t("me-forecast", forecast=_num(p.forecast), needed=_num(p.needed_per_day),
                       left=p.available_left, total=p.available_total))
    else:
        lines.append(t("me-no-plan"))
    lines.append(t("me-revisions", revisions=s.revisions, rate=_num(s.revisions_per_unit), median=_num(median)))
    await message.answer("\n".join(lines))


TEAM_PER_PAGE = 25


class TeamCb(CallbackData, prefix="tm"):
    page: CbInt


async def _team(svc: Services, member: Member, t: Translator, page: int):
    stats, median, month = await svc.reporting.team(member)
    page = ui.clamp_page(page, len(stats), TEAM_PER_PAGE)
    lines = [t("team-title", month=t(f"month-{month.month}"), year=month.year, n=len(stats), median=_num(median))]
    if not stats:
        lines.append(t("team-empty"))
    for i, s in enumerate(ui.page_items(stats, page, TEAM_PER_PAGE), start=page * TEAM_PER_PAGE + 1):
        q = s.quality
        flag = ""
        if q.flagged:  # no change to show when last month had no revisions (an infinite rise)
            flag = t("team-flag-new") if q.change is None else t("team-flag", change=round1(q.change * 100))
        lines.append(t("team-line", i=i, name=ui.truncate(s.display_name, 30), done=s.done, plan=s.plan,
                       percent=_num(s.pace.percent), lag=round1(s.pace.lag_days),
                       rate=_num(s.revisions_per_unit)) + flag)
    lines.append("")
    lines.append(t("team-legend"))
    nav = ui.nav_row(page, ui.pages_of(len(stats), TEAM_PER_PAGE), lambda p: TeamCb(page=p).pack())
    kb = ui.builder()
    # the quality loop: a flagged writer's course for their most frequent revision reason, one button
    offers = await svc.courses.offers(member, [s.member_id for s in stats if s.quality.flagged])
    for writer, course, reason in offers[:5]:
        lines.append(t("team-course-offer", name=writer.display_name, reason=t(f"reason-{reason}"),
                       course=course.title))
        kb.row(InlineKeyboardButton(text=ui.truncate(t("team-course-offer-btn", name=writer.display_name,
                                                       course=course.title), 60),
                                    callback_data=CourseCb(a="offer", id=course.id, p=writer.id).pack()))
    if nav:
        kb.row(*nav)
    return "\n".join(lines), (kb.as_markup() if nav or offers else None)


async def on_team(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator) -> None:
    arg = (command.args or "").strip().lower()
    if arg.split()[:1] in (["smm"], ["смм"]):
        raise SkipHandler()  # /team smm: the SMM feature's (handlers/smm.py)
    if arg in ("projects", "проекты"):
        rows, overall, month = await svc.reporting.team_projects(member)
        lines = [t("team-projects-title", month=t(f"month-{month.month}"), year=month.year, rate=_num(overall))]
        if not rows:
            lines.append(t("team-empty"))
        lines += ui.fit([t("team-project-line", name=ui.truncate(r.name, 60), units=r.units, revisions=r.revisions,
                           rate=_num(r.rate), flag="yes" if r.stands_out else "no")
                         + (t("team-project-client", revisions=r.client_revisions, hours=_num(r.client_hours))
                            if r.client_revisions or r.client_hours is not None else "") for r in rows],
                        lambda n: t("team-projects-more", n=n))
        await message.answer("\n".join(lines))
        return
    if arg:
        raise UserError("team-usage")
    text, markup = await _team(svc, member, t, 0)
    await message.answer(text, reply_markup=markup)


async def on_team_page(query: CallbackQuery, callback_data: TeamCb, svc: Services, member: Member,
                       t: Translator) -> None:
    text, markup = await _team(svc, member, t, callback_data.page)
    await ui.edit(query, text, markup)


# -- /away ------------------------------------------------------------------------------------------
async def on_away(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator) -> None:
    words = (command.args or "").split()
    target = member
    if words and words[0].startswith("@"):
        target = await svc.reporting.find_member(member, words.pop(0))
    remove = bool(words) and words[0].lower() in ("clear", "снять", "убрать")
    if remove:
        words.pop(0)
    if not words:
        if remove or target.id != member.id:
            raise UserError("away-usage")
        days = await svc.reporting.days_off(member)
        shown = ", ".join(d.strftime("%d.%m") for d in days) or "—"
        await message.answer(t("away-list", days=shown) + "\n" + t("away-usage"))
        return
    first, last = svc.reporting.parse_range(target, " ".join(words))
    n = await svc.reporting.set_away(member, target, first, last, remove=remove)
    await message.answer(t("away-removed" if remove else "away-saved", name=target.display_name,
                           first=_dm(first), last=_dm(last), n=n))


def create_router() -> Router:
    router = Router(name="reporting")
    manager = {"role": "manager"}
    router.message.register(on_report, Command("report"))
    router.message.register(on_mine, Command("mine"))
    router.message.register(on_me, Command("me"))
    router.message.register(on_away, Command("away"))
    router.message.register(on_team, Command("team"), flags=manager)
    plain = F.text & ~F.text.startswith("/")
    router.message.register(on_project_filter, StateFilter(ReportFlow.project), plain)
    router.message.register(on_content, StateFilter(ReportFlow.content), plain)
    router.message.register(on_reason_text, StateFilter(UnitInput.reason), plain)
    router.message.register(on_edit_text, StateFilter(UnitInput.edit), plain)
    # anything else mid-form: say what the form is waiting for (not "I didn't understand")
    router.message.register(on_flow_buttons, StateFilter(ReportFlow.stream, ReportFlow.confirm),
                            ~F.text.startswith("/"))
    router.message.register(ui.on_not_text, StateFilter(ReportFlow.project, ReportFlow.content, UnitInput.edit,
                                                           UnitInput.reason), ~F.text)
    router.callback_query.register(on_stream, RepCb.filter(F.step == "s"))
    router.callback_query.register(on_projects_page, RepCb.filter(F.step == "pg"))
    router.callback_query.register(on_project, RepCb.filter(F.step == "p"))
    router.callback_query.register(on_confirm, RepCb.filter(F.step == "ok"))
    router.callback_query.register(on_flow_cancel, RepCb.filter(F.step == "no"))
    router.callback_query.register(on_unit_move, UnitCb.filter(F.a.in_({"send", "fix", "approve"})))
    router.callback_query.register(on_unit_rev, UnitCb.filter(F.a == "rev"))
    router.callback_query.register(on_unit_reason, UnitCb.filter(F.a == "rr"))
    router.callback_query.register(on_unit_edit, UnitCb.filter(F.a == "edit"))
    router.callback_query.register(on_unit_del, UnitCb.filter(F.a == "del"))
    router.callback_query.register(on_unit_delok, UnitCb.filter(F.a == "delok"))
    router.callback_query.register(on_unit_open, UnitCb.filter(F.a.in_({"open", "show"})))
    router.callback_query.register(on_unit_undo, UnitCb.filter(F.a == "undo"))
    router.callback_query.register(on_mine_page, MineCb.filter())
    router.callback_query.register(on_team_page, TeamCb.filter(), flags=manager)
    return router
