"""Leads: /lead (the flow, the one-line form, a card by number, a note, forget), a forwarded message offering a
lead, the card's stage buttons, *Take it* under a hand-off, /leads, /funnel with its chart, /team leads,
/export leads, /products (managers), /funnel_stages and /departments sales (admins)."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
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
    MessageOriginHiddenUser,
    MessageOriginUser,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot import text, ui
from bot.callbacks import TaskCb
from bot.domain import funnel as fn
from bot.domain.contacts import format_phone
from bot.domain.workdays import month_bounds
from bot.errors import NotAllowed, UserError
from bot.i18n import Catalog, Translator, member_language
from bot.parsing import CbInt, is_int, parse_id, parse_month, parse_period_range, parse_subcommand
from bot.sender import Sender
from bot.services import Services
from bot.services.base import form_key
from bot.services.leads import GROUPS, LOST_REASONS, Draft, FunnelReport, HandoffNotice, LeadCard
from bot.views import stage_name
from models.leads import LOST, OPEN, WON, FunnelStage
from models.org import Member
from scheduler.render_pool import ChartRenderer


class LeadFlow(StatesGroup):
    offer = State()  # a forwarded message: start a lead?
    name = State()
    contacts = State()
    product = State()
    source = State()
    confirm = State()


class LeadCb(CallbackData, prefix="ld"):
    """A lead card's buttons and /leads."""

    a: str  # open | mv (to stage s) | lost (pick a reason) | lr (lost with reason v) | pg (/leads page s)
    id: CbInt = 0
    s: CbInt = 0
    v: str = ""


class LeadFormCb(CallbackData, prefix="lf"):
    """The /lead flow and the offer under a forwarded message."""

    a: str  # go | no | p (product id) | np (no product) | ns (no source) | ok (save)
    id: CbInt = 0


class HandoffCb(CallbackData, prefix="lh"):
    """*Take it* under a hand-off card (sent to the sales department's members)."""

    id: CbInt


class FunnelCb(CallbackData, prefix="fu"):
    """/funnel's grouping buttons: the period as two yyyymmdd numbers."""

    g: str  # "" | owner | source | product
    f: CbInt
    l: CbInt  # noqa: E741


# -- rendering ----------------------------------------------------------------------------------------------
def lead_name(t: Translator, lead) -> str:
    return t("lead-forgotten-name") if lead.forgotten_at is not None else lead.name


def card_text(t: Translator, card: LeadCard) -> str:
    lead = card.lead
    lines = [t("lead-card-head", id=lead.id, name=lead_name(t, lead)),
             t("lead-card-stage", stage=stage_name(t, card.stage))]
    if card.forgotten:
        lines.append(t("lead-card-forgotten"))
    elif card.contacts:
        if card.phone:
            lines.append(t("lead-card-phone", phone=card.phone))
        if lead.instagram:
            lines.append(t("lead-card-instagram", handle=lead.instagram))
        if card.email:
            lines.append(t("lead-card-email", email=card.email))
    else:
        lines.append(t("lead-card-hidden"))
    if card.product is not None:
        lines.append(t("lead-card-product", product=card.product.name))
    if lead.source:
        lines.append(t("lead-card-source", source=lead.source))
    if lead.note and card.contacts:
        lines.append(t("lead-card-note", note=text.truncate(lead.note, 600)))
    lines.append(t("lead-card-owner", name=card.owner.display_name if card.owner else "—"))
    if card.handoff is not None:
        lines.append(t("lead-card-handoff"))
    if card.next_steps:
        lines.append(t("lead-card-next-steps"))
        lines += [t("lead-card-next-step", id=task.id, due=due.strftime("%d.%m %H:%M"), title=task.title)
                  for task, due in card.next_steps]
    elif card.next_steps_shown and card.stage.kind == OPEN:
        lines.append(t("lead-card-no-step"))
    if card.history:
        lines.append("")
        lines.append(t("lead-history"))
        for h in card.history:
            reason = t(f"lost-{h.reason}") if h.reason in LOST_REASONS else "none"
            lines.append(t("lead-history-line", at=h.at.strftime("%d.%m %H:%M"),
                           stage=stage_name(t, h.to_stage), who=h.actor or "—", reason=reason))
    return text.cut("\n".join(lines))


def card_markup(t: Translator, card: LeadCard) -> InlineKeyboardMarkup | None:
    kb = ui.builder()
    lid = card.lead.id
    row = []
    if card.back is not None:
        row.append(InlineKeyboardButton(text=ui.truncate("◀ " + stage_name(t, card.back), 40),
                                        callback_data=LeadCb(a="mv", id=lid, s=card.back.id).pack()))
    if card.forward is not None:
        row.append(InlineKeyboardButton(text=ui.truncate(stage_name(t, card.forward) + " ▶", 40),
                                        callback_data=LeadCb(a="mv", id=lid, s=card.forward.id).pack()))
    if row:
        kb.row(*row)
    if card.closable:
        won = next((s for s in card.stages.values() if s.kind == WON and not s.archived), None)
        lost = next((s for s in card.stages.values() if s.kind == LOST and not s.archived), None)
        row = []
        if won is not None:
            row.append(InlineKeyboardButton(text=ui.truncate("✅ " + stage_name(t, won), 40),
                                            callback_data=LeadCb(a="mv", id=lid, s=won.id).pack()))
        if lost is not None:
            row.append(InlineKeyboardButton(text=ui.truncate("✖ " + stage_name(t, lost), 40),
                                            callback_data=LeadCb(a="lost", id=lid, s=lost.id).pack()))
        if row:
            kb.row(*row)
    if card.next_steps_shown:
        kb.row(InlineKeyboardButton(text=t("lead-btn-next-step"), callback_data=TaskCb(a="nl", id=lid).pack()))
    markup = kb.as_markup()
    return markup if markup.inline_keyboard else None


async def show_card(message: Message, svc: Services, member: Member, t: Translator, lead_id: int,
                    head: str | None = None) -> None:
    card = await svc.leads.card(member, lead_id)
    body = card_text(t, card)
    await message.answer(text.cut(f"{head}\n\n{body}") if head else body, reply_markup=card_markup(t, card))


async def send_handoff(sender: Sender, catalog: Catalog, svc: Services, notice: HandoffNotice) -> int:
    """The *Take it* card to each member of the sales department, in their language (the one sender)."""
    sent = 0
    for m in notice.recipients:
        mt = catalog.translator(member_language(m, svc.settings.default_language))
        body = mt("handoff-card", id=notice.lead.id, name=lead_name(mt, notice.lead),
                  department=notice.department.name, by=notice.hander.display_name)
        kb = ui.builder()
        kb.row(InlineKeyboardButton(text=mt("handoff-take"), callback_data=HandoffCb(id=notice.handoff.id).pack()))
        outcome = await sender.send_text(m.telegram_id, body, reply_markup=kb.as_markup(), kind="lead_handoff")
        sent += outcome.ok
    return sent


# -- /lead ---------------------------------------------------------------------------------------------------
async def on_lead(message: Message, command: CommandObject, state: FSMContext, svc: Services, member: Member,
                  t: Translator) -> None:
    args = (command.args or "").strip()
    if not args:
        await state.clear()
        await state.set_state(LeadFlow.name)
        await message.answer(t("lead-ask-name"))
        return
    words = args.split()
    if words[0].lower() in ("forget", "забыть"):
        if len(words) != 2:
            raise UserError("lead-forget-usage")
        lead = await svc.leads.forget(member, parse_id(words[1]))
        await message.answer(t("lead-forgot", id=lead.id))
        return
    if is_int(words[0]):
        lead_id = parse_id(words[0])
        if len(words) >= 3 and words[1].lower() in ("note", "заметка"):
            card = await svc.leads.set_note(member, lead_id, args.split(None, 2)[2])
            await message.answer(card_text(t, card), reply_markup=card_markup(t, card))
            return
        if len(words) > 1:
            raise UserError("lead-usage")
        await show_card(message, svc, member, t, lead_id)
        return
    draft = svc.leads.parse_line(args)
    saved = await svc.leads.create(member, draft, key=form_key("lead", message))
    head = t("lead-duplicate") if saved.duplicate else (t("lead-saved") if saved.created else None)
    await show_card(message, svc, member, t, saved.lead_id, head)


async def on_name(message: Message, state: FSMContext, svc: Services, t: Translator) -> None:
    name = svc.leads.check_name(message.text)
    await state.update_data(name=name)
    await state.set_state(LeadFlow.contacts)
    await message.answer(t("lead-ask-contacts", name=name))


async def on_contacts(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    contacts = svc.leads.parse_contacts(message.text or "")
    dup = await svc.leads.duplicate(contacts)
    if dup is not None:
        await state.clear()
        await show_card(message, svc, member, t, dup.id, t("lead-duplicate"))
        return
    await state.update_data(phone=contacts.phone, instagram=contacts.instagram, email=contacts.email)
    await _ask_product(message, state, svc, t)


async def _ask_product(message: Message, state: FSMContext, svc: Services, t: Translator) -> None:
    products = await svc.leads.products()
    if not products:
        await _ask_source(message, state, t)
        return
    await state.set_state(LeadFlow.product)
    kb = ui.builder()
    for p in products[:20]:
        kb.row(InlineKeyboardButton(text=ui.truncate(p.name, 40), callback_data=LeadFormCb(a="p", id=p.id).pack()))
    kb.row(InlineKeyboardButton(text=t("lead-no-product"), callback_data=LeadFormCb(a="np").pack()))
    await message.answer(t("lead-ask-product"), reply_markup=kb.as_markup())


async def _ask_source(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(LeadFlow.source)
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=t("lead-no-source"), callback_data=LeadFormCb(a="ns").pack()))
    await message.answer(t("lead-ask-source"), reply_markup=kb.as_markup())


async def on_product(query: CallbackQuery, callback_data: LeadFormCb, state: FSMContext, svc: Services,
                     t: Translator) -> None:
    if await state.get_state() != LeadFlow.product.state:
        raise UserError("button-outdated")
    product_id = None
    if callback_data.a == "p":
        product = next((p for p in await svc.leads.products() if p.id == callback_data.id), None)
        if product is None:
            raise UserError("lead-product-gone")
        product_id = product.id
        await ui.edit(query, t("lead-product-picked", product=product.name))
    else:
        await ui.edit(query, t("lead-product-none"))
    await state.update_data(product_id=product_id)
    await _ask_source(query.message, state, t)


async def on_source(message: Message, state: FSMContext, svc: Services, t: Translator) -> None:
    source = svc.leads.check_source(message.text)
    await state.update_data(source=source)
    await _confirm(message, state, svc, t)


async def on_no_source(query: CallbackQuery, state: FSMContext, svc: Services, t: Translator) -> None:
    if await state.get_state() != LeadFlow.source.state:
        raise UserError("button-outdated")
    await state.update_data(source=None)
    await ui.edit(query, t("lead-source-none"))
    await _confirm(query.message, state, svc, t)


async def _confirm(message: Message, state: FSMContext, svc: Services, t: Translator) -> None:
    draft = Draft.of(await state.get_data())
    await state.set_state(LeadFlow.confirm)
    products = {p.id: p.name for p in await svc.leads.products(archived=True)}
    contacts = ", ".join(x for x in (draft.phone and format_phone(draft.phone), draft.instagram and "@" + draft.instagram,
                                     draft.email) if x)
    body = t("lead-confirm", name=draft.name, contacts=contacts, product=products.get(draft.product_id, "—"),
             source=draft.source or "—", note=text.truncate(draft.note or "—", 300))
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=t("lead-save"), callback_data=LeadFormCb(a="ok").pack()),
           InlineKeyboardButton(text=t("lead-cancel"), callback_data=LeadFormCb(a="no").pack()))
    await message.answer(body, reply_markup=kb.as_markup())


async def on_save(query: CallbackQuery, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    key = form_key("lead", query.message)
    data = await state.get_data()
    if await state.get_state() != LeadFlow.confirm.state:
        saved_id = await svc.leads.saved_id(key)  # a second press on Save: show what the first one saved
        if saved_id is None:
            raise UserError("button-outdated")
        await ui.edit(query, t("lead-saved"))
        return
    saved = await svc.leads.create(member, Draft.of(data), key=key)
    await state.clear()
    await ui.edit(query, t("lead-duplicate") if saved.duplicate else t("lead-saved"))
    await show_card(query.message, svc, member, t, saved.lead_id)


async def on_form_cancel(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await ui.edit(query, t("lead-cancelled"))


# -- a forwarded message ------------------------------------------------------------------------------------------
async def on_forward(message: Message, state: FSMContext, t: Translator) -> None:
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser):
        name = " ".join(x for x in (origin.sender_user.first_name, origin.sender_user.last_name) if x)
    elif isinstance(origin, MessageOriginHiddenUser):
        name = origin.sender_user_name
    else:  # a channel post or a message sent on behalf of a chat: no person to make a lead of
        raise UserError("lead-forward-not-person")
    note = message.text or message.caption
    if not note:
        raise UserError("lead-forward-not-text")
    await state.clear()
    await state.set_state(LeadFlow.offer)
    await state.update_data(name=" ".join(name.split())[:200], note=" ".join(note.split())[:1000])
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=t("lead-offer-go"), callback_data=LeadFormCb(a="go").pack()),
           InlineKeyboardButton(text=t("lead-cancel"), callback_data=LeadFormCb(a="no").pack()))
    await message.answer(t("lead-offer", name=name, note=text.truncate(note, 200)), reply_markup=kb.as_markup())


async def on_offer_go(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    if await state.get_state() != LeadFlow.offer.state:
        raise UserError("button-outdated")
    data = await state.get_data()
    await state.set_state(LeadFlow.contacts)
    await ui.edit(query, t("lead-ask-contacts", name=data.get("name") or "—"))


# -- the card's buttons ------------------------------------------------------------------------------------------
async def on_open(query: CallbackQuery, callback_data: LeadCb, svc: Services, member: Member, t: Translator) -> None:
    card = await svc.leads.card(member, callback_data.id)
    await query.message.answer(card_text(t, card), reply_markup=card_markup(t, card))


async def on_move(query: CallbackQuery, callback_data: LeadCb, svc: Services, member: Member, t: Translator,
                  sender: Sender, catalog: Catalog, callback_answer: CallbackAnswer) -> None:
    reason = None
    if callback_data.a == "lr":
        if callback_data.v not in LOST_REASONS:
            raise UserError("error-bad-choice")
        reason = callback_data.v
    moved = await svc.leads.move(member, callback_data.id, callback_data.s, reason=reason)
    callback_answer.text = t("lead-moved", stage=stage_name(t, moved.card.stage))
    await ui.edit(query, card_text(t, moved.card), card_markup(t, moved.card))
    if moved.no_sales:
        await query.message.answer(t("handoff-no-sales"))
    if moved.notice is not None:
        n = await send_handoff(sender, catalog, svc, moved.notice)
        await query.message.answer(t("handoff-sent", department=moved.notice.department.name, n=n))


async def on_lost(query: CallbackQuery, callback_data: LeadCb, svc: Services, member: Member,
                  t: Translator) -> None:
    card = await svc.leads.card(member, callback_data.id)
    if not card.may_work:
        raise NotAllowed()
    kb = ui.builder()
    for r in LOST_REASONS:
        kb.row(InlineKeyboardButton(text=t(f"lost-{r}"),
                                    callback_data=LeadCb(a="lr", id=card.lead.id, s=callback_data.s, v=r).pack()))
    kb.row(InlineKeyboardButton(text=t("back"), callback_data=LeadCb(a="open", id=card.lead.id).pack()))
    await ui.edit(query, card_text(t, card) + "\n\n" + t("lead-lost-ask"), kb.as_markup())


async def on_take(query: CallbackQuery, callback_data: HandoffCb, svc: Services, member: Member, t: Translator,
                  sender: Sender, catalog: Catalog, callback_answer: CallbackAnswer) -> None:
    taken = await svc.leads.take(member, callback_data.id, text.plain(t("lead-handoff-task")))
    callback_answer.text = t("handoff-taken-you")
    card = await svc.leads.card(member, taken.lead.id)
    await ui.edit(query, card_text(t, card), card_markup(t, card))
    if taken.hander is not None and taken.hander.id != member.id:
        ht = catalog.translator(member_language(taken.hander, svc.settings.default_language))
        await sender.send_text(taken.hander.telegram_id,
                               ht("handoff-taken", id=taken.lead.id, name=lead_name(ht, taken.lead),
                                  by=member.display_name), kind="lead_taken")


# -- /leads --------------------------------------------------------------------------------------------------------
async def _leads(svc: Services, member: Member, t: Translator, page: int, query: str | None):
    data = await svc.leads.leads_page(member, page, query)
    lines = [t("leads-title", n=data.total) + (t("leads-filter", q=query) if query else "")]
    kb = ui.builder()
    if not data.total:
        lines.append(t("leads-empty"))
    current = None
    for lead in data.leads:
        if lead.stage_id != current:
            current = lead.stage_id
            lines.append("")
            lines.append(t("leads-stage", stage=stage_name(t, data.stages.get(lead.stage_id))))
        lines.append(t("leads-line", id=lead.id, name=lead_name(t, lead)))
        kb.row(InlineKeyboardButton(text=ui.truncate(f"#{lead.id} {lead_name(t, lead)}", 40),
                                    callback_data=LeadCb(a="open", id=lead.id).pack()))
    nav = ui.nav_row(data.page, data.pages, lambda p: LeadCb(a="pg", s=p).pack())
    if nav:
        kb.row(*nav)
    if data.pages > 1 and not query:
        lines.append("")
        lines.append(t("leads-filter-hint"))
    markup = kb.as_markup()
    return text.cut("\n".join(lines)), (markup if markup.inline_keyboard else None)


async def on_leads(message: Message, command: CommandObject, state: FSMContext, svc: Services, member: Member,
                   t: Translator) -> None:
    query = " ".join((command.args or "").split())[:60] or None
    await state.update_data(leads_q=query)
    body, markup = await _leads(svc, member, t, 0, query)
    await message.answer(body, reply_markup=markup)


async def on_leads_page(query: CallbackQuery, callback_data: LeadCb, state: FSMContext, svc: Services,
                        member: Member, t: Translator) -> None:
    q = (await state.get_data()).get("leads_q")
    body, markup = await _leads(svc, member, t, callback_data.s, q)
    await ui.edit(query, body, markup)


# -- /funnel ---------------------------------------------------------------------------------------------------------
def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def _days(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def _ymd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _from_ymd(n: int) -> date:
    try:
        return date(n // 10000, n // 100 % 100, n % 100)
    except ValueError as exc:
        raise UserError("button-outdated") from exc


def _ordered(report: FunnelReport) -> list[FunnelStage]:
    return [report.stages[f.stage_id] for f in report.total.stages]


def funnel_text(t: Translator, report: FunnelReport, group: str | None, handoff_key: str) -> str:
    f = report.total
    lines = [t("funnel-title", first=report.start.strftime("%d.%m.%Y"), last=report.end.strftime("%d.%m.%Y"),
               cohort=f.cohort)]
    for st, sf in zip(_ordered(report), f.stages, strict=True):
        lines.append(t("funnel-line", stage=stage_name(t, st), entered=sf.entered, reached=sf.reached,
                       conversion=_pct(sf.conversion), days=_days(sf.median_days)))
    lines.append(t("funnel-won", rate=_pct(f.won_rate), lost=f.lost))
    if group:
        lines.append("")
        lines.append(t(f"funnel-by-{group}"))
        handoff = next((st for st in _ordered(report) if st.kind == OPEN and st.key == handoff_key), None)
        rows = []
        for label, g in report.groups:
            sf = g.stage(handoff.id) if handoff is not None else None
            rows.append(t("funnel-group-line", name=ui.truncate(label, 40), cohort=g.cohort,
                          application=_pct(fn.share(sf.reached, g.cohort) if sf else None), won=_pct(g.won_rate)))
        lines += ui.fit(rows, lambda n: t("list-more", n=n), ui.TEXT_BUDGET - 1200) or [t("funnel-empty")]
    return text.cut("\n".join(lines))


def funnel_markup(t: Translator, report: FunnelReport, group: str | None) -> InlineKeyboardMarkup:
    kb = ui.builder()
    f, l_ = _ymd(report.start), _ymd(report.end)
    kb.row(*[InlineKeyboardButton(text=("• " if g == group else "") + t(f"funnel-btn-{g}"),
                                  callback_data=FunnelCb(g=g, f=f, l=l_).pack()) for g in GROUPS])
    return kb.as_markup()


def _funnel_period(svc: Services, member: Member, args: str) -> tuple[date, date]:
    if not args:
        return svc.leads.this_month(member)
    if len(args) <= 7 and "-" in args and args[:4].isascii() and args[:4].isdigit():
        return month_bounds(parse_month(args))
    return parse_period_range(args, svc.leads.today(member))


async def on_funnel(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator,
                    renderer: ChartRenderer) -> None:
    first, last = _funnel_period(svc, member, (command.args or "").strip())
    report = await svc.leads.funnel(member, first, last)
    # (stage, leads of the period's cohort that reached it, conversion from the previous stage)
    bars = [(stage_name(t, st), sf.reached, sf.conversion)
            for st, sf in zip(_ordered(report), report.total.stages, strict=True)]
    title = t("funnel-chart-title", first=first.strftime("%d.%m"), last=last.strftime("%d.%m.%Y"))
    png = await renderer.render("lead_funnel", bars, title=title,
                                labels={"no_data": t("funnel-empty"), "axis": t("funnel-chart-axis")})
    await message.answer_photo(BufferedInputFile(png, filename="funnel.png"))
    await message.answer(funnel_text(t, report, None, svc.settings.lead_handoff_stage), reply_markup=funnel_markup(t, report, None))


async def on_funnel_group(query: CallbackQuery, callback_data: FunnelCb, svc: Services, member: Member,
                          t: Translator) -> None:
    if callback_data.g not in GROUPS:
        raise UserError("button-outdated")
    first, last = _from_ymd(callback_data.f), _from_ymd(callback_data.l)
    if last < first or (last - first).days > 366:
        raise UserError("button-outdated")
    report = await svc.leads.funnel(member, first, last, callback_data.g)
    await ui.edit(query, funnel_text(t, report, callback_data.g, svc.settings.lead_handoff_stage), funnel_markup(t, report, callback_data.g))


# -- /team leads and /export leads --------------------------------------------------------------------------------------
def _leads_arg(message: Message) -> bool:
    parts = (message.text or "").split()
    return len(parts) >= 2 and parts[1].lower() in ("leads", "лиды")


async def on_team_leads(message: Message, command: CommandObject, svc: Services, member: Member,
                        t: Translator) -> None:
    rest = (command.args or "").split()[1:]
    first, last = _funnel_period(svc, member, " ".join(rest))
    rows = await svc.leads.team_quality(member, first, last)
    lines = [t("team-leads-title", first=first.strftime("%d.%m.%Y"), last=last.strftime("%d.%m.%Y"))]
    lines += ui.fit([t("team-leads-line", name=ui.truncate(r.name, 40), created=r.created,
                       application=_pct(r.to_application), days=_days(r.days_to_first_change),
                       overdue=r.overdue_tasks) for r in rows],
                    lambda n: t("list-more", n=n)) or [t("team-leads-empty")]
    await message.answer("\n".join(lines))


async def on_export_leads(message: Message, command: CommandObject, svc: Services, member: Member,
                          t: Translator) -> None:
    rest = (command.args or "").split()[1:]
    if len(rest) > 1:
        raise UserError("leads-export-usage")
    month = parse_month(rest[0]) if rest else svc.leads.this_month(member)[0]
    names = {s.id: stage_name(t, s) for s in await svc.leads.stages(archived=True)}
    csv_data, xlsx, count = await svc.leads.export(member, month, names)
    if not count:
        await message.answer(t("leads-export-empty", month=f"{month:%Y-%m}"))
        return
    await message.answer_document(BufferedInputFile(csv_data, filename=f"leads-{month:%Y-%m}.csv"),
                                  caption=t("leads-export-caption", month=f"{month:%Y-%m}", count=count))
    await message.answer_document(BufferedInputFile(xlsx, filename=f"leads-{month:%Y-%m}.xlsx"))


# -- /products, /funnel_stages, /departments sales --------------------------------------------------------------
async def on_products(message: Message, command: CommandObject, svc: Services, member: Member,
                      t: Translator) -> None:
    args = (command.args or "").strip()
    if args:
        cmd = parse_subcommand(args, {"add": "text", "rename": "id text", "archive": "id", "restore": "id"},
                               "products-usage")
        if cmd.verb == "add":
            p = await svc.leads.add_product(member, cmd.text)
            await message.answer(t("product-added", id=p.id, name=p.name))
            return
        if cmd.verb == "rename":
            p = await svc.leads.change_product(member, cmd.id, name=cmd.text)
        else:
            p = await svc.leads.change_product(member, cmd.id, archived=cmd.verb == "archive")
        await message.answer(t("product-saved", id=p.id, name=p.name, archived="yes" if p.archived else "no"))
        return
    products = await svc.leads.products(archived=True)
    lines = [t("products-title")]
    lines += ui.fit([t("products-line", id=p.id, name=ui.truncate(p.name, 60), archived="yes" if p.archived else "no")
                     for p in products], lambda n: t("list-more", n=n), ui.TEXT_BUDGET - 400) or [t("products-empty")]
    lines += ["", t("products-usage")]
    await message.answer("\n".join(lines))


async def on_stages(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator) -> None:
    args = (command.args or "").strip()
    if args:
        cmd = parse_subcommand(args, {"add": "text", "rename": "id text", "up": "id", "down": "id", "archive": "id",
                                      "restore": "id"}, "stages-usage")
        if cmd.verb == "add":
            st = await svc.leads.add_stage(member, cmd.text)
        elif cmd.verb == "rename":
            st = await svc.leads.change_stage(member, cmd.id, name=cmd.text)
        elif cmd.verb in ("up", "down"):
            st = await svc.leads.change_stage(member, cmd.id, shift=-1 if cmd.verb == "up" else 1)
        else:
            st = await svc.leads.change_stage(member, cmd.id, archived=cmd.verb == "archive")
        await message.answer(t("stage-saved", id=st.id, name=stage_name(t, st)))
    stages = await svc.leads.stages(archived=True)
    lines = [t("stages-title")]
    for st in stages:
        lines.append(t("stages-line", id=st.id, name=stage_name(t, st), kind=st.kind,
                       archived="yes" if st.archived else "no",
                       handoff="yes" if st.key == svc.settings.lead_handoff_stage else "no"))
    lines += ["", t("stages-usage")]
    await message.answer(text.cut("\n".join(lines)))


def _sales_arg(message: Message) -> bool:
    parts = (message.text or "").split()
    return len(parts) >= 2 and parts[1].lower() in ("sales", "продажи")


async def on_sales(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator) -> None:
    rest = (command.args or "").split()[1:]
    if rest:
        if len(rest) != 2 or rest[1].lower() not in ("on", "off"):
            raise UserError("sales-usage")
        d = await svc.leads.set_sales(member, parse_id(rest[0]), rest[1].lower() == "on")
        await message.answer(t("sales-saved", name=d.name, on="yes" if rest[1].lower() == "on" else "no"))
        return
    names = ", ".join(d.name for d in await svc.leads.sales_departments()) or "—"
    await message.answer(t("sales-list", names=names) + "\n" + t("sales-usage"))


def create_router() -> Router:
    router = Router(name="leads")
    manager, admin = {"role": "manager"}, {"role": "admin"}
    plain = F.text & ~F.text.startswith("/")
    router.message.register(on_lead, Command("lead"))
    router.message.register(on_leads, Command("leads"))
    router.message.register(on_funnel, Command("funnel"), flags=manager)
    router.message.register(on_team_leads, Command("team"), _leads_arg, flags=manager)
    router.message.register(on_export_leads, Command("export"), _leads_arg, flags=manager)
    router.message.register(on_products, Command("products"), flags=manager)
    router.message.register(on_stages, Command("funnel_stages"), flags=admin)
    router.message.register(on_sales, Command("departments"), _sales_arg, flags=admin)
    router.message.register(on_name, StateFilter(LeadFlow.name), plain)
    router.message.register(on_contacts, StateFilter(LeadFlow.contacts), plain)
    router.message.register(on_source, StateFilter(LeadFlow.source), plain)
    router.message.register(ui.on_not_text, StateFilter(LeadFlow.name, LeadFlow.contacts, LeadFlow.source),
                            ~F.text & ~F.forward_origin)
    router.message.register(on_forward, StateFilter(None), F.forward_origin)
    router.callback_query.register(on_offer_go, LeadFormCb.filter(F.a == "go"))
    router.callback_query.register(on_form_cancel, LeadFormCb.filter(F.a == "no"))
    router.callback_query.register(on_product, LeadFormCb.filter(F.a.in_({"p", "np"})))
    router.callback_query.register(on_no_source, LeadFormCb.filter(F.a == "ns"))
    router.callback_query.register(on_save, LeadFormCb.filter(F.a == "ok"))
    router.callback_query.register(on_open, LeadCb.filter(F.a == "open"))
    router.callback_query.register(on_move, LeadCb.filter(F.a.in_({"mv", "lr"})))
    router.callback_query.register(on_lost, LeadCb.filter(F.a == "lost"))
    router.callback_query.register(on_leads_page, LeadCb.filter(F.a == "pg"))
    router.callback_query.register(on_take, HandoffCb.filter())
    router.callback_query.register(on_funnel_group, FunnelCb.filter())
    return router
