"""SMM accounts and weekly figures: /accounts (managers), /smm (the weekly form: buttons per figure or one pasted
line), /stats (8 weeks as a table and a chart; /stats all for managers)."""

from __future__ import annotations

import asyncio
import html
from datetime import date

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, ChatMemberUpdated, InlineKeyboardButton, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import text, ui
from bot.callbacks import SmmCb
from bot.domain import smm as rules
from bot.errors import UserError
from bot.i18n import Catalog, Html, Translator
from bot.parsing import is_int, parse_count, parse_day, parse_figures, parse_id, parse_month
from bot.sender import Sender
from bot.services import Services
from bot.services.base import form_key
from bot.services.smm import (
    EXPORT_COLUMNS,
    IMPORT_MAX_BYTES,
    IMPORT_TYPES,
    AccountView,
    StatsView,
    export_files,
    read_sheet,
)
from bot.views import count_text, send_to, share_text, smm_form, translator_for
from models.org import Member
from scheduler.render_pool import ChartRenderer

SMM_CHART = "smm_weeks"


class SmmForm(StatesGroup):
    filling = State()


def _account_line(t: Translator, v: AccountView) -> str:
    a = v.account
    return t("smm-account-line", id=a.id, name=a.name, project=v.project.name, network=t(f"smm-network-{a.network}"),
             handle=a.handle, who=v.responsible.display_name, weekday=t(f"smm-weekday-{a.week_end}"),
             archived="yes" if a.archived else "no",
             channel=a.channel_status or "none")


# -- /accounts -------------------------------------------------------------------------------------------------
async def on_accounts(message: Message, command: CommandObject, svc: Services, member: Member,
                      t: Translator) -> None:
    args = (command.args or "").split()
    sub = args[0].lower() if args else ""
    if sub == "add":
        if not 5 <= len(args) <= 7:
            raise UserError("smm-accounts-usage")
        view, created = await svc.smm.add_account(member, form_key("smm_account", message), args[1], args[2],
                                                  args[3], args[4], args[5] if len(args) > 5 else None,
                                                  args[6] if len(args) > 6 else None)
        await message.answer(t("smm-account-added" if created else "smm-account-exists-saved") + "\n"
                             + _account_line(t, view))
        return
    if sub == "rename" and len(args) >= 3:
        view = await svc.smm.rename(member, parse_id(args[1]), " ".join(args[2:]))
    elif sub == "reassign" and len(args) == 3:
        view = await svc.smm.reassign(member, parse_id(args[1]), args[2])
    elif sub in ("archive", "restore") and len(args) == 2:
        view = await svc.smm.archive(member, parse_id(args[1]), sub == "archive")
    elif sub:
        raise UserError("smm-accounts-usage")
    else:
        views = await svc.smm.accounts(member)
        lines = [t("smm-accounts-title", n=len(views))]
        lines += ui.fit([_account_line(t, v) for v in views], lambda n: t("list-more", n=n), ui.TEXT_BUDGET - 900)
        if not views:
            lines.append(t("smm-accounts-empty"))
        lines += ["", t("smm-accounts-usage")]
        await message.answer("\n".join(lines))
        return
    await message.answer(t("saved") + "\n" + _account_line(t, view))


# -- the weekly form -------------------------------------------------------------------------------------------
async def _pending(state: FSMContext, account_id: int, week: int) -> dict:
    """The figures typed into this form so far (the FSM holds one form at a time)."""
    data = await state.get_data()
    if data.get("acc") == account_id and data.get("w") == week:
        return dict(data.get("vals") or {})
    return {}


async def _show_form(target: Message, svc: Services, member: Member, t: Translator, state: FSMContext,
                     account_id: int, week_end: date | None, *, note: str = "", exact: bool = False) -> None:
    form = await svc.smm.form(member, account_id, week_end, exact=exact)
    w = form.week_end.toordinal()
    pending = await _pending(state, form.account.id, w)
    await state.set_state(SmmForm.filling)
    await state.update_data(acc=form.account.id, w=w, vals=pending, field=None)
    body, markup = smm_form(t, form, pending, note=note)
    await target.answer(body, reply_markup=markup)


async def on_smm(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator,
                 state: FSMContext) -> None:
    args = (command.args or "").split()
    if len(args) > 2:
        raise UserError("smm-usage")
    if args:
        week = parse_day(args[1]) if len(args) == 2 else None
        await _show_form(message, svc, member, t, state, parse_id(args[0]), week)
        return
    views = await svc.smm.my_accounts(member)
    if not views:
        raise UserError("smm-no-accounts")
    if len(views) == 1:
        await _show_form(message, svc, member, t, state, views[0].account.id, None)
        return
    kb = ui.builder()
    for v in views[:ui.PER_PAGE * 3]:
        kb.row(InlineKeyboardButton(text=ui.truncate(f"{v.account.name} · {v.project.name}", 60),
                                    callback_data=SmmCb(a="o", id=v.account.id).pack()))
    await message.answer(t("smm-pick-account"), reply_markup=kb.as_markup())


async def on_open(query: CallbackQuery, callback_data: SmmCb, svc: Services, member: Member, t: Translator,
                  state: FSMContext) -> None:
    week = _week(callback_data) if callback_data.w else None
    await _show_form(query.message, svc, member, t, state, callback_data.id, week, exact=True)


def _week(callback_data: SmmCb) -> date:
    if not 1 <= callback_data.w <= date.max.toordinal():
        raise UserError("button-outdated")
    return date.fromordinal(callback_data.w)


async def on_field(query: CallbackQuery, callback_data: SmmCb, svc: Services, member: Member, t: Translator,
                   state: FSMContext) -> None:
    if callback_data.f not in rules.FIELDS:
        raise UserError("button-outdated")
    form = await svc.smm.form(member, callback_data.id, _week(callback_data), exact=True)  # re-checks both
    w = form.week_end.toordinal()
    pending = await _pending(state, form.account.id, w)
    await state.set_state(SmmForm.filling)
    await state.update_data(acc=form.account.id, w=w, vals=pending, field=callback_data.f)
    await query.message.answer(t("smm-enter-value", field=t(f"smm-field-{callback_data.f}"),
                                 hi=count_text(rules.MAX_VALUE)))


async def on_value(message: Message, svc: Services, member: Member, t: Translator, state: FSMContext) -> None:
    """A number for the figure picked by its button, or a pasted line of figures."""
    data = await state.get_data()
    if "acc" not in data:
        await state.clear()
        raise UserError("smm-form-expired")
    raw = message.text or ""
    field = data.get("field")
    compact = raw.strip()
    for ch in " \u00a0\u2009\u202f\u2007":
        compact = compact.replace(ch, "")
    if field and (is_int(compact) or not any(c.isalpha() for c in raw)):
        values = {field: parse_count(raw, t(f"smm-field-{field}"))}
    else:
        try:
            values = parse_figures(raw)
        except UserError as exc:
            if "field" in exc.args_ and exc.args_["field"] in rules.FIELDS:
                exc.args_["field"] = t(f"smm-field-{exc.args_['field']}")
            raise
    pending = dict(data.get("vals") or {}) | values
    await state.update_data(vals=pending, field=None)
    await _show_form(message, svc, member, t, state, data["acc"], date.fromordinal(data["w"]),
                     note=t("smm-form-taken", n=len(values)), exact=True)


async def _save(query: CallbackQuery, callback_data: SmmCb, svc: Services, member: Member, t: Translator,
                state: FSMContext, callback_answer: CallbackAnswer, confirmed: bool) -> None:
    week = _week(callback_data)
    pending = await _pending(state, callback_data.id, callback_data.w)
    if not pending:
        form = await svc.smm.form(member, callback_data.id, week, exact=True)
        if form.saved:  # a second press of Save, or Save on a form saved before: show what is saved
            callback_answer.text = t("smm-saved-short")
            body, _ = smm_form(t, form, note=t("smm-saved"))
            await ui.edit(query, body)
            return
        raise UserError("smm-nothing-to-save")
    result = await svc.smm.save_week(member, callback_data.id, week, pending, confirmed=confirmed)
    form = await svc.smm.form(member, callback_data.id, week, exact=True)
    if not result.saved:
        notes = "\n".join(t(f"smm-warn-{w}") for w in result.warnings)
        body, _ = smm_form(t, form, pending, note=t("smm-are-you-sure", warnings=Html(notes)))
        kb = ui.builder()
        kb.row(InlineKeyboardButton(text=t("smm-btn-sure"),
                                    callback_data=SmmCb(a="y", id=callback_data.id, w=callback_data.w).pack()),
               InlineKeyboardButton(text=t("smm-btn-back"),
                                    callback_data=SmmCb(a="o", id=callback_data.id, w=callback_data.w).pack()))
        await ui.edit(query, body, kb.as_markup())
        return
    await state.clear()
    callback_answer.text = t("smm-saved-short")
    note = t("smm-saved") if result.created else t("smm-corrected", n=len(result.changed))
    body, _ = smm_form(t, form, note=note)
    await ui.edit(query, body)


async def on_save(query: CallbackQuery, callback_data: SmmCb, svc: Services, member: Member, t: Translator,
                  state: FSMContext, callback_answer: CallbackAnswer) -> None:
    await _save(query, callback_data, svc, member, t, state, callback_answer, False)


async def on_sure(query: CallbackQuery, callback_data: SmmCb, svc: Services, member: Member, t: Translator,
                  state: FSMContext, callback_answer: CallbackAnswer) -> None:
    await _save(query, callback_data, svc, member, t, state, callback_answer, True)


# -- import: a CSV or XLSX file sent while an account's form is open (or with the account's number as caption) ------
async def _import(status: Message, svc: Services, member: Member, t: Translator, bot: Bot, account_id: int,
                  file_id: str, filename: str, replace: bool) -> None:
    await ui.edit_message(status, t("smm-import-reading", name=filename))
    buffer = await bot.download(file_id)
    data = buffer.read() if buffer is not None else b""
    rows = await asyncio.to_thread(read_sheet, data, filename)  # openpyxl off the event loop
    await ui.edit_message(status, t("smm-import-checking", n=max(len(rows) - 1, 0)))
    result = await svc.smm.import_sheet(member, account_id, rows, replace=replace)
    if result.errors:
        lines = [t("smm-import-refused", n=len(result.errors))]
        lines += ui.fit([t(f"smm-import-error-{e.code}", row=e.row, column=e.column or "—", value=e.value)
                         for e in result.errors], lambda n: t("list-more", n=n), ui.TEXT_BUDGET - 300)
        await ui.edit_message(status, "\n".join(lines))
        return
    if result.conflicts:
        shown = ", ".join(d.strftime("%d.%m.%Y") for d in result.conflicts[:10])
        more = len(result.conflicts) - 10
        kb = ui.builder()
        kb.row(InlineKeyboardButton(text=t("smm-import-btn-replace"),
                                    callback_data=SmmCb(a="ir", id=account_id).pack()),
               InlineKeyboardButton(text=t("smm-import-btn-cancel"),
                                    callback_data=SmmCb(a="ic", id=account_id).pack()))
        await ui.edit_message(status, t("smm-import-conflicts", n=len(result.conflicts), rows=result.rows,
                                        weeks=shown + (f" … +{more}" if more > 0 else "")), kb.as_markup())
        return
    await ui.edit_message(status, t("smm-import-done", created=result.created, replaced=result.replaced))


async def on_document(message: Message, svc: Services, member: Member, t: Translator, state: FSMContext,
                      bot: Bot) -> None:
    doc = message.document
    data = await state.get_data()
    caption = (message.caption or "").strip()
    if caption:
        account_id = parse_id(caption.split()[0])
    elif "acc" in data:
        account_id = data["acc"]
    else:
        raise UserError("smm-import-which")
    name = doc.file_name or "file"
    if not name.lower().endswith(IMPORT_TYPES):
        raise UserError("smm-import-type", name=name[:60])
    if (doc.file_size or 0) > IMPORT_MAX_BYTES:
        raise UserError("smm-import-too-big", mb=IMPORT_MAX_BYTES // (1024 * 1024))
    await svc.smm.reportable(member, account_id)
    await state.update_data(imp={"acc": account_id, "file": doc.file_id, "name": name})
    status = await message.answer(t("smm-import-reading", name=name))
    await _import(status, svc, member, t, bot, account_id, doc.file_id, name, False)


async def on_import_answer(query: CallbackQuery, callback_data: SmmCb, svc: Services, member: Member,
                           t: Translator, state: FSMContext, bot: Bot, callback_answer: CallbackAnswer) -> None:
    pending = (await state.get_data()).get("imp")
    if not pending or pending.get("acc") != callback_data.id:
        raise UserError("smm-import-expired")
    if callback_data.a == "ic":
        await state.update_data(imp=None)
        await ui.edit(query, t("smm-import-cancelled"))
        return
    await state.update_data(imp=None)  # a second press finds nothing to replace
    await _import(query.message, svc, member, t, bot, callback_data.id, pending["file"], pending["name"], True)


# -- /stats ----------------------------------------------------------------------------------------------------
def stats_table(t: Translator, s: StatsView) -> str:
    rows = [f"{t('smm-col-week'):<5} {t('smm-col-followers'):>9} {t('smm-col-growth'):>7} {t('smm-col-er'):>6} "
            f"{t('smm-col-reach'):>9}"]
    for end, w, er, g in zip(s.ends, s.weeks, s.er, s.growth, strict=True):
        if w is None:
            rows.append(f"{end:%d.%m}  " + t("smm-stats-missing"))
            continue
        rows.append(f"{end:%d.%m} {count_text(w.get('followers')):>9} {_signed(g):>7} {share_text(er):>6} "
                    f"{count_text(w.get('reach')):>9}")
    return "\n".join(rows)


def _signed(n: int | None) -> str:
    return "—" if n is None else f"{n:+,}".replace(",", "\u202f")


def chart_points(s: StatsView) -> list[tuple[str, int | None, float | None]]:
    """(label, followers, ER by reach in %) per week; ``None`` marks a missing week (chart input)."""
    return [(f"{e:%d.%m}", w.get("followers") if w else None, None if er is None else er * 100)
            for e, w, er in zip(s.ends, s.weeks, s.er, strict=True)]


async def _send_stats(target: Message, svc: Services, member: Member, t: Translator, renderer: ChartRenderer,
                      account_id: int) -> None:
    s = await svc.smm.stats(member, account_id)
    a = s.view.account
    last = next((i for i in range(len(s.weeks) - 1, -1, -1) if s.weeks[i] is not None), None)
    summary = ""
    if last is not None:
        summary = t("smm-stats-summary", er=share_text(s.er[last]), erf=share_text(s.er_followers[last]),
                    growth=_signed(s.growth[last]), pct=share_text(s.growth_pct[last], signed=True),
                    avg=share_text(s.er_average[last]), week=s.ends[last].strftime("%d.%m"))
    body = "\n".join([t("smm-stats-title", name=a.name, project=s.view.project.name,
                        network=t(f"smm-network-{a.network}")),
                      "<pre>" + html.escape(stats_table(t, s)) + "</pre>", summary])
    await target.answer(body)
    png = await renderer.render(SMM_CHART, chart_points(s), title=f"{a.name} · {s.view.project.name}",
                                labels={"followers": t("smm-field-followers"), "er": t("smm-chart-er"),
                                        "missing": t("smm-chart-missing"), "no_data": t("smm-chart-no-data")})
    await target.answer_photo(BufferedInputFile(png, filename=f"smm-{a.id}.png"))


async def on_stats(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator,
                   renderer: ChartRenderer) -> None:
    args = (command.args or "").split()
    if args and args[0].lower() in ("all", "все"):
        await _stats_all(message, svc, member, t)
        return
    if len(args) == 1:
        await _send_stats(message, svc, member, t, renderer, parse_id(args[0]))
        return
    if args:
        raise UserError("smm-stats-usage")
    views = await svc.smm.accounts(member)
    if not views:
        raise UserError("smm-no-accounts")
    if len(views) == 1:
        await _send_stats(message, svc, member, t, renderer, views[0].account.id)
        return
    await message.answer(*_pick(t, views, 0))


def _pick(t: Translator, views: list[AccountView], page: int):
    page = ui.clamp_page(page, len(views))
    kb = ui.builder()
    for v in ui.page_items(views, page):
        kb.row(InlineKeyboardButton(text=ui.truncate(f"{v.project.name} · {v.account.name}", 60),
                                    callback_data=SmmCb(a="st", id=v.account.id).pack()))
    nav = ui.nav_row(page, ui.pages_of(len(views)), lambda p: SmmCb(a="pg", id=p).pack())
    if nav:
        kb.row(*nav)
    return t("smm-stats-pick"), kb.as_markup()


async def on_stats_page(query: CallbackQuery, callback_data: SmmCb, svc: Services, member: Member,
                        t: Translator) -> None:
    body, markup = _pick(t, await svc.smm.accounts(member), callback_data.id)
    await ui.edit(query, body, markup)


async def on_stats_button(query: CallbackQuery, callback_data: SmmCb, svc: Services, member: Member,
                          t: Translator, renderer: ChartRenderer) -> None:
    await _send_stats(query.message, svc, member, t, renderer, callback_data.id)


async def _stats_all(message: Message, svc: Services, member: Member, t: Translator) -> None:
    rows = await svc.smm.stats_all(member)
    lines = []
    flagged = 0
    for r in rows:
        f = r.flags
        marks = []
        if f.missing:
            marks.append(t("smm-flag-missing"))
        if f.er_fell:
            marks.append(t("smm-flag-er"))
        if f.reach_fell:
            marks.append(t("smm-flag-reach"))
        if f.followers_fell:
            marks.append(t("smm-flag-followers"))
        flagged += bool(marks)
        lines.append(t("smm-all-line-flagged" if marks else "smm-all-line", id=r.account_id, name=r.name,
                       project=r.project, who=r.responsible,
                       week=r.week_end.strftime("%d.%m"), er=share_text(r.er), growth=_signed(r.growth),
                       pct=share_text(r.growth_pct, signed=True), marks=", ".join(marks)))
    head = t("smm-all-title", n=len(rows), flagged=flagged,
             share=f"{svc.settings.smm_drop_share * 100:.0f}")
    if not rows:
        await message.answer(head + "\n" + t("smm-accounts-empty"))
        return
    for part in text.split_lines([head, *lines]):
        await message.answer(part)


# -- Telegram channels: the bot made (or no longer) an administrator ----------------------------------------------
async def on_my_chat_member(event: ChatMemberUpdated, svc: Services, bot: Bot, sender: Sender,
                            catalog: Catalog) -> None:
    if event.chat.type != "channel":
        return
    is_admin = event.new_chat_member.status == "administrator"
    views = await svc.smm.channel_update(event.chat.id, event.chat.username, is_admin)
    if not views:
        return
    if is_admin:
        try:
            count = await bot.get_chat_member_count(event.chat.id)
        except TelegramAPIError:
            count = None
        if count is not None:
            for v in views:
                await svc.smm.record_count(v.account.id, count, svc.smm.today(v.responsible))
    for v in views:
        t = translator_for(catalog, svc.settings.default_language, v.responsible)
        await send_to(sender, v.responsible, t("smm-channel-added" if is_admin else "smm-channel-removed",
                                               title=event.chat.title or event.chat.username or "",
                                               name=v.account.name), kind="smm_channel")


# -- /team smm and /export smm (managers) ----------------------------------------------------------------------
def _smm_args(message: Message) -> bool:
    """``/team smm …`` and ``/export smm …`` (the /team and /export handlers pass these on)."""
    parts = (message.text or "").split()
    return len(parts) > 1 and parts[1].lower() in ("smm", "смм")


async def on_team_smm(message: Message, command: CommandObject, svc: Services, member: Member,
                      t: Translator) -> None:
    args = (command.args or "").split()
    month = parse_month(args[1]) if len(args) > 1 else svc.smm.today(member).replace(day=1)
    rows = await svc.smm.team(member, month)
    lines = [t("smm-team-title", month=t(f"month-{month.month}"), year=month.year)]
    if not rows:
        lines.append(t("smm-accounts-empty"))
    lines += ui.fit([t("smm-team-line", name=r.member.display_name, accounts=r.accounts, due=r.due,
                       on_time=r.on_time, late=r.late, missing=r.missing,
                       er=share_text(r.er_change, signed=True)) for r in rows], lambda n: t("list-more", n=n))
    await message.answer("\n".join(lines))


async def on_export_smm(message: Message, command: CommandObject, svc: Services, member: Member,
                        t: Translator) -> None:
    args = (command.args or "").split()
    if len(args) != 2:
        raise UserError("smm-export-usage")
    month = parse_month(args[1])
    rows = await svc.smm.export_rows(member, month)
    if not rows:
        await message.answer(t("smm-export-empty", month=t(f"month-{month.month}"), year=month.year))
        return
    titles = {c: t(f"smm-col-export-{c.replace('_', '-')}") for c in EXPORT_COLUMNS}
    csv_data, xlsx_data = await asyncio.to_thread(export_files, rows, titles)
    caption = t("smm-export-caption", month=t(f"month-{month.month}"), year=month.year, n=len(rows))
    await message.answer_document(BufferedInputFile(csv_data, filename=f"smm-{month:%Y-%m}.csv"), caption=caption)
    await message.answer_document(BufferedInputFile(xlsx_data, filename=f"smm-{month:%Y-%m}.xlsx"))


def create_router() -> Router:
    router = Router(name="smm")
    manager = {"role": "manager"}
    router.message.register(on_accounts, Command("accounts"), flags=manager)
    router.message.register(on_team_smm, Command("team"), _smm_args, flags=manager)
    router.message.register(on_export_smm, Command("export"), _smm_args, flags=manager)
    router.message.register(on_smm, Command("smm"))
    router.message.register(on_stats, Command("stats"))
    router.message.register(on_value, StateFilter(SmmForm.filling), F.text & ~F.text.startswith("/"))
    router.message.register(ui.on_not_text, StateFilter(SmmForm.filling), ~F.text & ~F.document)
    router.callback_query.register(on_open, SmmCb.filter(F.a == "o"))
    router.callback_query.register(on_field, SmmCb.filter(F.a == "f"))
    router.callback_query.register(on_save, SmmCb.filter(F.a == "s"))
    router.callback_query.register(on_sure, SmmCb.filter(F.a == "y"))
    router.callback_query.register(on_stats_button, SmmCb.filter(F.a == "st"))
    router.callback_query.register(on_stats_page, SmmCb.filter(F.a == "pg"))
    router.my_chat_member.register(on_my_chat_member)
    router.message.register(on_document, F.document)
    router.callback_query.register(on_import_answer, SmmCb.filter(F.a.in_({"ir", "ic"})))
    return router
