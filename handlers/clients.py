"""The client cabinet: a client's Approve / Request changes buttons, /pending and /projects for clients;
/approval (managers: a project's approval mode and whether clients see authors); the admin's clients
section (opened from /members)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot import access, text, ui
from bot.callbacks import ClientAdminCb, ClientCb
from bot.commands import set_member_commands
from bot.errors import UserError
from bot.i18n import Catalog, Translator, member_language
from bot.parsing import CbInt, parse_id, parse_month
from bot.sender import Sender
from bot.services import Services
from bot.services.clients import REVISION_REASONS, Decision
from bot.views import client_card_text, client_report_parts, translator_for
from models.clients import APPROVE, CHANGES
from models.org import Member
from scheduler.render_pool import ChartRenderer

#: a long link in /pending shows as a label of this many characters that opens it: five cards of the longest
#: title and link stay within one message, so every card with buttons is shown whole
PENDING_LINK_LABEL = 80


#: /approval: projects a page (each line names the project's number, mode and clients)
APPROVAL_PER_PAGE = 10  # ten of the longest names fit into one message


class ApprovalCb(CallbackData, prefix="apv"):
    """A page of /approval (managers)."""

    page: CbInt = 0


class ClientInput(StatesGroup):
    comment = State()


def is_client(_event: object, member: Member | None = None) -> bool:
    """Router filter: the update comes from an active client."""
    return access.is_client(member)


def _t(catalog: Catalog, svc: Services, member: Member) -> Translator:
    return translator_for(catalog, svc.settings.default_language, member)


#: the delivery log's kinds of a client's decision told to the team (one row per recipient and decision)
TOLD_APPROVED, TOLD_CHANGES, TOLD_CHANGES_MANAGER = "client_told_approved", "client_told_changes", "client_told_mgr"


async def tell_team(sender: Sender, catalog: Catalog, svc: Services, d: Decision) -> None:
    """The writer hears of every decision; their managers of a change request. Each notice once, through the
    delivery log (claimed before the send, marked after), keyed by the recorded decision."""
    u = d.unit
    at = svc.clock.now()
    key = f"d{d.decision_id}"

    async def tell(m: Member, kind: str, text: str) -> None:
        await sender.send_once(m.id, m.telegram_id, text, kind=kind, key=key, at=at)

    wt = _t(catalog, svc, d.author)
    if d.decision == APPROVE:
        await tell(d.author, TOLD_APPROVED, wt("client-told-approved", id=u.id, title=u.title,
                                               project=d.project.name, client=d.client.display_name))
        return
    args = {"id": u.id, "title": u.title, "project": d.project.name, "client": d.client.display_name,
            "comment": d.revision.reason_text or ""}
    due = d.due_at.strftime("%d.%m %H:%M") if d.due_at else "—"
    await tell(d.author, TOLD_CHANGES, wt("client-told-changes", reason=wt(f"reason-{d.revision.reason}"), due=due,
                                          **args))
    for m in d.managers:
        mt = _t(catalog, svc, m)
        await tell(m, TOLD_CHANGES_MANAGER, mt("client-told-changes-manager", author=d.author.display_name,
                                               reason=mt(f"reason-{d.revision.reason}"), **args))


# -- decisions ------------------------------------------------------------------------------------------
async def on_approve(query: CallbackQuery, callback_data: ClientCb, svc: Services, member: Member, t: Translator,
                     sender: Sender, catalog: Catalog, callback_answer: CallbackAnswer) -> None:
    decision = await svc.clients.decide(member, callback_data.id, APPROVE)
    callback_answer.text = t("client-approved-done")
    card = await svc.clients.card(member, callback_data.id)
    await ui.edit(query, client_card_text(t, card) + "\n\n" + t("client-decision-approved"))
    await tell_team(sender, catalog, svc, decision)


async def on_changes(query: CallbackQuery, callback_data: ClientCb, svc: Services, member: Member,
                     t: Translator) -> None:
    card = await svc.clients.check_decidable(member, callback_data.id)
    kb = ui.builder()
    for r in REVISION_REASONS:
        kb.row(InlineKeyboardButton(text=t(f"reason-{r}"), callback_data=ClientCb(a="r", id=card.unit_id, v=r).pack()))
    kb.row(InlineKeyboardButton(text=t("client-no-reason"), callback_data=ClientCb(a="r", id=card.unit_id,
                                                                                     v="-").pack()))
    await ui.edit(query, client_card_text(t, card) + "\n\n" + t("client-pick-reason"), kb.as_markup())


async def on_reason(query: CallbackQuery, callback_data: ClientCb, svc: Services, member: Member, t: Translator,
                    state: FSMContext) -> None:
    if callback_data.v != "-" and callback_data.v not in REVISION_REASONS:
        raise UserError("error-bad-choice")
    card = await svc.clients.check_decidable(member, callback_data.id)
    await state.set_state(ClientInput.comment)
    await state.update_data(unit=card.unit_id, reason=None if callback_data.v == "-" else callback_data.v)
    await ui.edit(query, client_card_text(t, card) + "\n\n" + t("client-enter-comment", n=10))


async def on_comment(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator,
                     sender: Sender, catalog: Catalog) -> None:
    data = await state.get_data()
    try:
        decision = await svc.clients.decide(member, data["unit"], CHANGES, reason=data.get("reason"),
                                            comment=message.text)
    except UserError as exc:
        if exc.key not in ("client-comment-short", "error-too-long"):
            await state.clear()  # the unit cannot take a decision any more: the form is over
        raise
    await state.clear()
    await message.answer(t("client-changes-done", id=decision.unit.id))
    await tell_team(sender, catalog, svc, decision)


# -- /pending and /projects -------------------------------------------------------------------------------
async def _pending(svc: Services, member: Member, t: Translator, page: int):
    data = await svc.clients.pending(member, page)
    lines = [t("pending-title", n=data.total)]
    kb = ui.builder()
    if not data.total:
        lines.append(t("pending-empty"))
    for card in data.cards:
        lines.append("")
        lines.append(client_card_text(t, card, link_label=PENDING_LINK_LABEL))
        kb.row(InlineKeyboardButton(text=t("client-btn-approve-n", id=card.unit_id),
                                    callback_data=ClientCb(a="ok", id=card.unit_id).pack()),
               InlineKeyboardButton(text=t("client-btn-changes-n", id=card.unit_id),
                                    callback_data=ClientCb(a="ch", id=card.unit_id).pack()))
    nav = ui.nav_row(data.page, data.pages, lambda p: ClientCb(a="pg", id=p).pack())
    if nav:
        kb.row(*nav)
    return text.cut("\n".join(lines)), kb.as_markup()


async def on_pending(message: Message, svc: Services, member: Member, t: Translator) -> None:
    body, markup = await _pending(svc, member, t, 0)
    await message.answer(body, reply_markup=markup)


async def on_pending_page(query: CallbackQuery, callback_data: ClientCb, svc: Services, member: Member,
                          t: Translator) -> None:
    body, markup = await _pending(svc, member, t, callback_data.id)
    await ui.edit(query, body, markup)


def _hours(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


async def _client_projects(svc: Services, member: Member, t: Translator, page: int):
    data = await svc.clients.my_projects(member, page)
    if not data.total:
        return t("client-projects-none"), None
    month = data.month
    lines = [t("client-projects-title", month=t(f"month-{month.month}"), year=month.year)]
    lines += ui.fit([t("client-projects-line", name=r.name, sent=r.sent, approved=r.approved, waiting=r.waiting,
                       revisions=r.revisions, hours=_hours(r.avg_hours)) for r in data.projects],
                    lambda n: t("list-more", n=n))
    previous = svc.clients.report_default_month(member)
    kb = ui.builder()
    for r in data.projects:  # every project of the page has its report button
        kb.row(InlineKeyboardButton(text=ui.truncate(text.plain(t("client-report-btn", month=t(f"month-{previous.month}"),
                                                                  project=r.name)), 60),
                                    callback_data=ClientCb(a="rep", id=r.project_id).pack()))
    nav = ui.nav_row(data.page, data.pages, lambda p: ClientCb(a="pp", id=p).pack())
    if nav:
        kb.row(*nav)
    return "\n".join(lines), kb.as_markup()


async def on_client_projects(message: Message, svc: Services, member: Member, t: Translator) -> None:
    body, markup = await _client_projects(svc, member, t, 0)
    await message.answer(body, reply_markup=markup)


async def on_client_projects_page(query: CallbackQuery, callback_data: ClientCb, svc: Services, member: Member,
                                  t: Translator) -> None:
    body, markup = await _client_projects(svc, member, t, callback_data.id)
    await ui.edit(query, body, markup)


async def send_report(target: Message, svc: Services, member: Member, t: Translator, project_id: int,
                      month, renderer: ChartRenderer) -> None:
    """The report as a short message plus the PDF document (rendered by the chart workers)."""
    report = await svc.clients.report(member, project_id, month)
    parts = client_report_parts(t, report)
    pdf = await renderer.render("client_report_pdf", parts["title"], parts["lines"], parts["chart_title"],
                                parts["weeks"], subject=parts["title"], keywords=parts["keywords"])
    await target.answer(parts["message"])
    await target.answer_document(BufferedInputFile(pdf, filename=parts["filename"]))


async def on_report_button(query: CallbackQuery, callback_data: ClientCb, svc: Services, member: Member,
                           t: Translator, renderer: ChartRenderer) -> None:
    await send_report(query.message, svc, member, t, callback_data.id, svc.clients.report_default_month(member),
                      renderer)


async def on_client_report(message: Message, command: CommandObject, svc: Services, member: Member,
                           t: Translator, renderer: ChartRenderer) -> None:
    args = (command.args or "").split()
    if not args or len(args) > 2:
        raise UserError("client-report-usage")
    month = parse_month(args[1]) if len(args) == 2 else svc.clients.report_default_month(member)
    await send_report(message, svc, member, t, parse_id(args[0]), month, renderer)


# -- /approval (managers) --------------------------------------------------------------------------------
async def on_approval(message: Message, command: CommandObject, svc: Services, member: Member,
                      t: Translator) -> None:
    args = (command.args or "").split()
    if args:
        project_id = parse_id(args[0])
        if len(args) == 2 and args[1].lower() in access.APPROVAL_MODES:
            p = await svc.clients.set_approval(member, project_id, mode=args[1].lower())
        elif len(args) == 3 and args[1].lower() in ("authors", "авторы") and args[2].lower() in ("on", "off"):
            p = await svc.clients.set_approval(member, project_id, show_authors=args[2].lower() == "on")
        else:
            raise UserError("approval-usage")
        mode = await svc.clients.mode_of(p)
        await message.answer(t("approval-saved", name=p.name, mode=t(f"approval-mode-{mode}"),
                               authors="yes" if p.show_authors else "no"))
        return
    body, markup = await _approval_list(svc, member, t, 0)
    await message.answer(body, reply_markup=markup)


async def _approval_list(svc: Services, member: Member, t: Translator, page: int):
    rows = await svc.clients.approval_projects(member)
    page = ui.clamp_page(page, len(rows), APPROVAL_PER_PAGE)
    lines = [t("approval-title")]
    lines += ui.fit([t("approval-line", id=p.id, name=p.name, mode=t(f"approval-mode-{mode}"), clients=n,
                       authors="yes" if p.show_authors else "no")
                     for p, mode, n in ui.page_items(rows, page, APPROVAL_PER_PAGE)],
                    lambda n: t("list-more", n=n), ui.TEXT_BUDGET - 400)
    if not rows:
        lines.append(t("approval-empty"))
    lines.append("")
    lines.append(t("approval-usage"))
    nav = ui.nav_row(page, ui.pages_of(len(rows), APPROVAL_PER_PAGE), lambda n: ApprovalCb(page=n).pack())
    return "\n".join(lines), (InlineKeyboardMarkup(inline_keyboard=[nav]) if nav else None)


async def on_approval_page(query: CallbackQuery, callback_data: ApprovalCb, svc: Services, member: Member,
                           t: Translator) -> None:
    body, markup = await _approval_list(svc, member, t, callback_data.page)
    await ui.edit(query, body, markup)


# -- the admin's clients section ----------------------------------------------------------------------------
async def _clients_list(svc: Services, member: Member, t: Translator, page: int):
    data = await svc.clients.clients_page(member, page)
    lines = [t("clients-title", total=data.total)]
    kb = ui.builder()
    for c in data.clients:
        lines.append(t("clients-line", name=c.display_name, username=f" @{c.username}" if c.username else "",
                       active="yes" if c.active else "no"))
        kb.row(InlineKeyboardButton(text=ui.truncate(c.display_name, 40),
                                    callback_data=ClientAdminCb(a="open", id=c.id).pack()))
    nav = ui.nav_row(data.page, data.pages, lambda p: ClientAdminCb(a="list", page=p).pack())
    if nav:
        kb.row(*nav)
    return "\n".join(lines), kb.as_markup()


async def _client_card(svc: Services, member: Member, t: Translator, client_id: int, page: int = 0):
    """The client's card: name, projects, a **Remove** button per project (ui.PER_PAGE a page, so a client
    of any number of projects stays within Telegram's 100 buttons), **Add**, (de)activate, **Back**."""
    info = await svc.clients.client_info(member, client_id)
    c = info.client
    names = text.fit_names([ui.quoted(t, p.name) for p in info.projects], lambda n: t("list-more", n=n)) or "—"
    body = t("client-admin-card", name=c.display_name, username=f"@{c.username}" if c.username else "—",
             projects=names, status=t("member-active" if c.active else "member-inactive"))
    kb = ui.builder()
    page = ui.clamp_page(page, len(info.projects))
    for p in ui.page_items(info.projects, page):
        kb.row(InlineKeyboardButton(text=ui.truncate(text.plain(t("client-admin-remove", name=p.name)), 60),
                                    callback_data=ClientAdminCb(a="rm", id=c.id, p=p.id, page=page).pack()))
    nav = ui.nav_row(page, ui.pages_of(len(info.projects)), lambda n: ClientAdminCb(a="open", id=c.id, page=n).pack())
    if nav:
        kb.row(*nav)
    kb.row(InlineKeyboardButton(text=t("client-admin-add"), callback_data=ClientAdminCb(a="add", id=c.id).pack()))
    kb.row(InlineKeyboardButton(text=t("member-deactivate" if c.active else "member-activate"),
                                callback_data=ClientAdminCb(a="off" if c.active else "on", id=c.id).pack()))
    kb.row(InlineKeyboardButton(text=t("back"), callback_data=ClientAdminCb(a="list").pack()))
    return body, kb.as_markup()


async def on_admin(query: CallbackQuery, callback_data: ClientAdminCb, svc: Services, member: Member,
                   t: Translator, bot: Bot, catalog: Catalog, callback_answer: CallbackAnswer) -> None:
    a, cid = callback_data.a, callback_data.id
    if a == "list":
        body, markup = await _clients_list(svc, member, t, callback_data.page)
        await ui.edit(query, body, markup)
        return
    if a == "add":
        await svc.clients.client_info(member, cid)
        projects = await svc.reporting.projects()
        page = ui.clamp_page(callback_data.page, len(projects))
        kb = ui.builder()
        for p in ui.page_items(projects, page):
            kb.row(InlineKeyboardButton(text=ui.truncate(p.name, 40),
                                        callback_data=ClientAdminCb(a="addp", id=cid, p=p.id).pack()))
        nav = ui.nav_row(page, ui.pages_of(len(projects)), lambda n: ClientAdminCb(a="add", id=cid, page=n).pack())
        if nav:
            kb.row(*nav)
        kb.row(InlineKeyboardButton(text=t("back"), callback_data=ClientAdminCb(a="open", id=cid).pack()))
        await ui.edit(query, t("client-admin-pick-project"), kb.as_markup())
        return
    if a in ("addp", "rm"):
        await svc.clients.set_client_project(member, cid, callback_data.p, add=a == "addp")
        callback_answer.text = t("saved")
    elif a in ("off", "on"):
        target = await svc.org.set_active(member, cid, a == "on")
        await set_member_commands(bot, catalog, target, member_language(target, svc.settings.default_language))
        callback_answer.text = t("saved")
    elif a != "open":
        raise UserError("error-bad-choice")
    # a removal stays on its page of the card (clamped when that page emptied)
    body, markup = await _client_card(svc, member, t, cid, callback_data.page if a in ("open", "rm") else 0)
    await ui.edit(query, body, markup)


def create_router() -> Router:
    router = Router(name="clients")
    client = {"client": True}
    router.message.register(on_pending, Command("pending"), is_client, flags=client)
    router.message.register(on_client_projects, Command("projects"), is_client, flags=client)
    router.message.register(on_comment, StateFilter(ClientInput.comment), F.text & ~F.text.startswith("/"),
                            is_client, flags=client)
    router.message.register(ui.on_not_text, StateFilter(ClientInput.comment), ~F.text, is_client, flags=client)
    router.callback_query.register(on_approve, ClientCb.filter(F.a == "ok"), flags=client)
    router.callback_query.register(on_changes, ClientCb.filter(F.a == "ch"), flags=client)
    router.callback_query.register(on_reason, ClientCb.filter(F.a == "r"), flags=client)
    router.callback_query.register(on_pending_page, ClientCb.filter(F.a == "pg"), flags=client)
    router.callback_query.register(on_report_button, ClientCb.filter(F.a == "rep"), flags=client)
    router.callback_query.register(on_client_projects_page, ClientCb.filter(F.a == "pp"), flags=client)
    router.message.register(on_client_report, Command("client_report"), flags={"role": "manager"})
    router.message.register(on_approval, Command("approval"), flags={"role": "manager"})
    router.callback_query.register(on_approval_page, ApprovalCb.filter(), flags={"role": "manager"})
    router.callback_query.register(on_admin, ClientAdminCb.filter(), flags={"role": "admin"})
    return router
