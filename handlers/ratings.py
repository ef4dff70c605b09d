"""Peer ratings: /rate (form), /ratings (results, dashboard, leaderboard), /export ratings,
/rating_policies and /rating_campaign (admin). The monthly form is :func:`bot.views.form_message`
(the scheduler sends it too).

Callback data only ever names a policy, a person and a score; who rates is always the sender, and the
service re-checks the pair. Under anonymous and aggregate policies no text here names a rater to
anyone but that rater.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, Message

from bot import ui
from bot.callbacks import RateCb
from bot.domain import ratings as dom
from bot.errors import NotAllowed, UserError
from bot.i18n import Catalog, Translator, member_language
from bot.parsing import CbInt
from bot.sender import Sender
from bot.services import Services
from bot.services.ratings import OwnResult, SubmitResult
from bot.text import split_lines
from bot.views import deliver_forms, rating_month, score_keyboard
from models.org import Member

log = logging.getLogger(__name__)
MAX_TEXT = 4000
COMMENTS_SHOWN = 30


class PolicyCb(CallbackData, prefix="po"):
    a: str  # list | open | set | add | rater | rated | cad | new
    id: CbInt = 0
    r: CbInt = 0
    d: CbInt = 0
    c: str = ""
    v: str = ""
    pg: CbInt = 0


class ViewCb(CallbackData, prefix="rv"):
    m: CbInt
    per: str


class RateForm(StatesGroup):
    task = State()
    score = State()
    comment = State()
    confirm = State()


# -- rendering helpers ------------------------------------------------------------------
def _chunks(lines: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Messages of whole lines within ``limit`` (a line too long alone is split without cutting HTML)."""
    return split_lines(lines, limit)


_month = rating_month


def _summary_lines(t: Translator, r: OwnResult) -> list[str]:
    s = r.summary
    lines = [t("rating-policy-from", department=r.rater_department, mode=t(f"rating-mode-{s.mode.value}"))]
    if s.hidden:
        lines.append(t("rating-hidden", k=s.k))
        return lines
    if not s.count:
        lines.append(t("rating-none-yet"))
        return lines
    lines.append(t("rating-average", average=str(s.average), count=s.count))
    lines.append(t("rating-distribution", dist=" · ".join(f"{k}★ {v}" for k, v in s.distribution.items())))
    for view in s.comments[:COMMENTS_SHOWN]:
        if view.rater_label:
            lines.append(t("rating-comment-open", score=view.score, comment=view.comment, rater=view.rater_label))
        else:
            lines.append(t("rating-comment-line", score=view.score, comment=view.comment))
    if len(s.comments) > COMMENTS_SHOWN:
        lines.append(t("rating-more-comments", count=len(s.comments) - COMMENTS_SHOWN))
    return lines



# -- /rate ----------------------------------------------------------------------------------
async def _targets_view(svc: Services, member: Member, t: Translator, page: int):
    targets = await svc.ratings.targets(member)
    if not targets:
        return t("rating-nothing-to-rate"), None
    page = ui.clamp_page(page, len(targets))
    kb = ui.builder()
    for target in targets[page * ui.PER_PAGE:(page + 1) * ui.PER_PAGE]:
        label = ui.truncate(target.person.display_name, 40)
        if target.done_score is not None:
            label += f" ✓{target.done_score}"
        kb.row(InlineKeyboardButton(text=label, callback_data=RateCb(
            a="who", p=target.policy.id, m=target.person.id).pack()))
    nav = ui.nav_row(page, ui.pages_of(len(targets)), lambda pg: RateCb(a="page", s=pg).pack())
    if nav:
        kb.row(*nav)
    return t("rating-pick-person", month=_month(t, svc.ratings.current_period())), kb.as_markup()


async def on_rate(message: Message, svc: Services, member: Member, t: Translator, state: FSMContext) -> None:
    await state.clear()
    text, markup = await _targets_view(svc, member, t, 0)
    await message.answer(text, reply_markup=markup)


async def on_rate_page(query: CallbackQuery, callback_data: RateCb, svc: Services, member: Member,
                       t: Translator) -> None:
    text, markup = await _targets_view(svc, member, t, callback_data.s)
    await ui.edit(query, text, markup)


async def _score_prompt(svc: Services, member: Member, t: Translator, data: dict) -> tuple[str, object]:
    existing = await svc.ratings.existing(member, data["p"], data["m"], data.get("task"))
    lines = [t("rating-pick-score", name=data["name"])]
    if data.get("task"):
        lines.append(t("rating-task", task=data["task"]))
    if existing is not None:
        lines.append(t("rating-already", score=existing.score))
    return "\n".join(lines), score_keyboard(data["p"], data["m"])


async def on_who(query: CallbackQuery, callback_data: RateCb, svc: Services, member: Member, t: Translator,
                 state: FSMContext) -> None:
    policy, rated = await svc.ratings.check_target(member, callback_data.p, callback_data.m)
    data = {"p": policy.id, "m": rated.id, "name": rated.display_name, "task": None}
    await state.set_data(data)
    if policy.cadence == dom.Cadence.MONTHLY.value:
        await state.set_state(RateForm.score)
        text, markup = await _score_prompt(svc, member, t, data)
        await ui.edit(query, text, markup)
        return
    await state.set_state(RateForm.task)
    kb = None
    if policy.cadence == dom.Cadence.BOTH.value:
        b = ui.builder()
        b.row(InlineKeyboardButton(text=t("rating-button-no-task"),
                                   callback_data=RateCb(a="notask", p=policy.id, m=rated.id).pack()))
        kb = b.as_markup()
    key = "rating-ask-task-optional" if kb is not None else "rating-ask-task"
    await ui.edit(query, t(key, name=rated.display_name), kb)


async def on_task_text(message: Message, svc: Services, member: Member, t: Translator, state: FSMContext) -> None:
    data = await state.get_data()
    if "p" not in data:
        await state.clear()
        raise UserError("rating-form-expired")
    task = svc.ratings.clean_task_ref(message.text)
    if task is None:
        raise UserError("rating-task-empty")
    await svc.ratings.check_target(member, data["p"], data["m"])
    data["task"] = task
    await state.set_data(data)
    await state.set_state(RateForm.score)
    text, markup = await _score_prompt(svc, member, t, data)
    await message.answer(text, reply_markup=markup)


async def on_no_task(query: CallbackQuery, callback_data: RateCb, svc: Services, member: Member, t: Translator,
                     state: FSMContext) -> None:
    data = await state.get_data()
    if data.get("p") != callback_data.p or data.get("m") != callback_data.m:
        raise UserError("rating-form-expired")
    data["task"] = None
    await state.set_data(data)
    await state.set_state(RateForm.score)
    text, markup = await _score_prompt(svc, member, t, data)
    await ui.edit(query, text, markup)


async def on_score(query: CallbackQuery, callback_data: RateCb, svc: Services, member: Member, t: Translator,
                   state: FSMContext) -> None:
    if callback_data.s not in dom.SCORES:
        raise UserError("error-bad-choice")
    if callback_data.per:
        svc.ratings.check_period_open(callback_data.per)
        if callback_data.per != svc.ratings.current_period():
            raise UserError("rating-error-period-closed")
    policy, rated = await svc.ratings.check_target(member, callback_data.p, callback_data.m)
    data = await state.get_data()
    if callback_data.per:  # a campaign form: the buttons carry all there is to know
        data = {"p": policy.id, "m": rated.id, "name": rated.display_name, "task": None}
    elif data.get("p") != policy.id or data.get("m") != rated.id or "name" not in data:
        # a /rate form closed by /cancel, a save or another /rate: starting over from its buttons would
        # silently drop the task it was for
        raise UserError("rating-form-expired")
    if not dom.cadence_allows(policy.cadence, data.get("task")):
        raise UserError("rating-error-task-required")
    data["score"] = callback_data.s
    await state.set_data(data)
    await state.set_state(RateForm.comment)
    if callback_data.s == dom.MAX_SCORE:
        kb = ui.builder()
        kb.row(InlineKeyboardButton(text=t("rating-button-no-comment"),
                                    callback_data=RateCb(a="nocom", p=policy.id, m=rated.id).pack()))
        await ui.edit(query, t("rating-ask-comment-optional", name=rated.display_name, score=callback_data.s),
                    kb.as_markup())
    else:
        await ui.edit(query, t("rating-ask-comment", name=rated.display_name, score=callback_data.s,
                             letters=dom.MIN_COMMENT_LETTERS))


def _confirm_view(t: Translator, data: dict):
    lines = [t("rating-confirm", name=data["name"], score=data["score"])]
    if data.get("task"):
        lines.append(t("rating-task", task=data["task"]))
    if data.get("comment"):
        lines.append(t("rating-your-comment", comment=data["comment"]))
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=t("rating-button-save"), callback_data=RateCb(
        a="ok", p=data["p"], m=data["m"]).pack()),
           InlineKeyboardButton(text=t("rating-button-cancel"), callback_data=RateCb(a="no").pack()))
    return "\n".join(lines), kb.as_markup()


async def on_comment_text(message: Message, svc: Services, t: Translator, state: FSMContext) -> None:
    data = await state.get_data()
    if "score" not in data:
        await state.clear()
        raise UserError("rating-form-expired")
    data["comment"] = svc.ratings.check_comment(data["score"], message.text)
    await state.set_data(data)
    await state.set_state(RateForm.confirm)
    text, markup = _confirm_view(t, data)
    await message.answer(text, reply_markup=markup)


async def on_no_comment(query: CallbackQuery, callback_data: RateCb, svc: Services, t: Translator,
                        state: FSMContext) -> None:
    data = await state.get_data()
    if data.get("p") != callback_data.p or data.get("m") != callback_data.m or "score" not in data:
        raise UserError("rating-form-expired")
    data["comment"] = svc.ratings.check_comment(data["score"], None)
    await state.set_data(data)
    await state.set_state(RateForm.confirm)
    text, markup = _confirm_view(t, data)
    await ui.edit(query, text, markup)


async def on_save(query: CallbackQuery, callback_data: RateCb, svc: Services, member: Member, t: Translator,
                  state: FSMContext, sender: Sender, catalog: Catalog, callback_answer) -> None:
    data = await state.get_data()
    if data.get("p") != callback_data.p or data.get("m") != callback_data.m or "score" not in data:
        raise UserError("rating-form-expired")
    result = await svc.ratings.submit(member, data["p"], data["m"], data.get("task"), data["score"],
                                      data.get("comment"))
    await state.clear()
    callback_answer.text = t("saved")
    lines = [t("rating-saved" if result.created else "rating-updated", name=result.rated.display_name,
               score=result.rating.score, month=_month(t, result.rating.period))]
    if result.rating.task_ref:
        lines.append(t("rating-task", task=result.rating.task_ref))
    if result.rating.comment:
        lines.append(t("rating-your-comment", comment=result.rating.comment))
    lines.append(t("rating-can-change"))
    await ui.edit(query, "\n".join(lines))
    await _notify(sender, catalog, svc, member, result)


async def on_form_cancel(query: CallbackQuery, t: Translator, state: FSMContext) -> None:
    await state.clear()
    await ui.edit(query, t("rating-cancelled"))


async def on_use_buttons(message: Message, t: Translator) -> None:
    await message.answer(t("rating-use-buttons"))


async def _notify(sender: Sender, catalog: Catalog, svc: Services, rater: Member, result: SubmitResult) -> None:
    """Tell the rated person, as their policy allows. The rater is named only under an open policy."""
    if result.notify is None:
        return
    rated = result.rated
    t = catalog.translator(member_language(rated, svc.settings.default_language))
    r = result.rating
    if result.notify == dom.AnonymityMode.OPEN.value:
        text = t("rating-notify-open", rater=rater.display_name, score=r.score, comment=r.comment or "—",
                 task=r.task_ref or "—")
    elif result.notify == dom.AnonymityMode.ANONYMOUS.value:
        text = t("rating-notify-anonymous", score=r.score, comment=r.comment or "—")
    else:
        text = t("rating-notify-threshold", month=_month(t, r.period), k=svc.ratings.k)
    await sender.send_text(rated.telegram_id, text, kind="rating_notice")  # never raises; logs the outcome


# -- /ratings ---------------------------------------------------------------------------------
async def on_ratings(message: Message, command: CommandObject, svc: Services, member: Member,
                     t: Translator) -> None:
    args = (command.args or "").split()
    if args and args[0].lower() in ("top", "топ"):
        await _top(message, svc, member, t, args[1] if len(args) > 1 else None)
        return
    period = svc.ratings.parse_period(args[0] if args else None)
    lines = [t("rating-results-title", month=_month(t, period))]
    own = await svc.ratings.own_results(member, period)
    if not own:
        lines.append(t("rating-no-policy"))
    for r in own:
        lines += ["", *_summary_lines(t, r)]
    given = await svc.ratings.given(member, period)
    if given:
        lines += ["", t("rating-given-title")]
        for g in given:
            task = f" ({g.rating.task_ref})" if g.rating.task_ref else ""
            lines.append(t("rating-given-line", name=g.rated.display_name + task, score=g.rating.score))
    for chunk in _chunks(lines):
        await message.answer(chunk)
    if await svc.ratings.is_manager_view(member):
        await _dashboard(message, svc, member, t, period)


async def _dashboard(message: Message, svc: Services, member: Member, t: Translator, period: str) -> None:
    blocks = await svc.ratings.dashboard(member, period)
    lines = [t("rating-dashboard-title", month=_month(t, period))]
    kb = ui.builder()
    if not blocks:
        lines.append(t("rating-dashboard-empty"))
    for block in blocks:
        lines.append("")
        lines.append(t("rating-dept-line", department=block.department.name,
                       average=str(block.average) if block.average is not None else "—", count=block.count))
        if block.count:
            lines.append(t("rating-distribution",
                           dist=" · ".join(f"{k}★ {v}" for k, v in block.distribution.items())))
        if block.trend:
            lines.append(t("rating-trend", trend=", ".join(f"{p}: {a} ({n})" for p, a, n in block.trend)))
        for line in block.people:
            s = line.summary
            if s.hidden:
                lines.append(t("rating-person-hidden", name=line.person.display_name, k=s.k))
            else:
                lines.append(t("rating-person-line", name=line.person.display_name, average=str(s.average),
                               count=s.count))
                if len(kb.export()) < 90:
                    kb.row(InlineKeyboardButton(text=ui.truncate(line.person.display_name, 40),
                                                callback_data=ViewCb(m=line.person.id, per=period).pack()))
    chunks = _chunks(lines)
    for i, chunk in enumerate(chunks):
        await message.answer(chunk, reply_markup=kb.as_markup() if i == len(chunks) - 1 and kb.export() else None)


async def on_person(query: CallbackQuery, callback_data: ViewCb, svc: Services, member: Member,
                    t: Translator) -> None:
    period = svc.ratings.parse_period(callback_data.per)
    person, results = await svc.ratings.person_detail(member, callback_data.m, period)
    lines = [t("rating-person-title", name=person.display_name, month=_month(t, period))]
    for r in results:
        lines += ["", *_summary_lines(t, r)]
    for chunk in _chunks(lines):
        await query.message.answer(chunk)


async def _top(message: Message, svc: Services, member: Member, t: Translator, period_text: str | None) -> None:
    if not await svc.ratings.is_manager_view(member):
        raise NotAllowed()
    period = svc.ratings.parse_period(period_text)
    rows, members, minimum = await svc.ratings.top(member, period)
    lines = [t("rating-top-title", month=_month(t, period), min=minimum)]
    if not rows:
        lines.append(t("rating-top-empty"))
    for row in rows:
        person = members.get(row.person_id)
        lines.append(t("rating-top-line", rank=row.rank, name=person.display_name if person else "—",
                       average=str(row.average), count=row.count))
    for chunk in _chunks(lines):
        await message.answer(chunk)


# -- /export ratings YYYY-MM --------------------------------------------------------------------
async def on_export(message: Message, command: CommandObject, svc: Services, member: Member,
                    t: Translator) -> None:
    args = (command.args or "").split()
    if not args or args[0].lower() not in ("ratings", "оценки"):
        raise UserError("rating-export-usage")
    period = svc.ratings.parse_period(args[1] if len(args) > 1 else None)
    labels = {m.value: t(f"rating-mode-{m.value}") for m in dom.AnonymityMode}
    labels["hidden"] = t("rating-rater-unknown")
    data, count = await svc.ratings.export_csv(member, period, labels)
    if count == 0:
        await message.answer(t("rating-export-empty", month=_month(t, period)))
        return
    await message.answer_document(BufferedInputFile(data, filename=f"ratings-{period}.csv"),
                                  caption=t("rating-export-caption", month=_month(t, period), count=count))


# -- /rating_policies (admin) -------------------------------------------------------------------
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
    return _chunks(lines)[0], kb.as_markup()


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
    for d in departments[page * ui.PER_PAGE:(page + 1) * ui.PER_PAGE]:
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


# -- monthly campaign --------------------------------------------------------------------------
async def on_campaign(message: Message, svc: Services, member: Member, t: Translator, sender: Sender,
                      catalog: Catalog) -> None:
    items = await svc.ratings.campaign(member)
    sent = await deliver_forms(sender, svc, catalog, items, kind="rating_campaign")
    await message.answer(t("rating-campaign-done", count=sent, month=_month(t, svc.ratings.current_period())))


def create_router() -> Router:
    router = Router(name="ratings")
    admin, manager = {"role": "admin"}, {"role": "manager"}
    router.message.register(on_rate, Command("rate"))
    router.message.register(on_ratings, Command("ratings"))
    router.message.register(on_export, Command("export"), flags=manager)
    router.message.register(on_policies, Command("rating_policies"), flags=admin)
    router.message.register(on_campaign, Command("rating_campaign"), flags=admin)
    text = F.text & ~F.text.startswith("/")
    router.message.register(on_task_text, RateForm.task, text)
    router.message.register(on_comment_text, RateForm.comment, text)
    router.message.register(on_use_buttons, RateForm.score, text)
    router.message.register(on_use_buttons, RateForm.confirm, text)
    router.callback_query.register(on_rate_page, RateCb.filter(F.a == "page"))
    router.callback_query.register(on_who, RateCb.filter(F.a == "who"))
    router.callback_query.register(on_no_task, RateCb.filter(F.a == "notask"))
    router.callback_query.register(on_score, RateCb.filter(F.a == "score"))
    router.callback_query.register(on_no_comment, RateCb.filter(F.a == "nocom"))
    router.callback_query.register(on_save, RateCb.filter(F.a == "ok"))
    router.callback_query.register(on_form_cancel, RateCb.filter(F.a == "no"))
    router.callback_query.register(on_person, ViewCb.filter(), flags=manager)
    router.callback_query.register(on_policies_list, PolicyCb.filter(F.a == "list"), flags=admin)
    router.callback_query.register(on_policy_open, PolicyCb.filter(F.a == "open"), flags=admin)
    router.callback_query.register(on_policy_set, PolicyCb.filter(F.a == "set"), flags=admin)
    router.callback_query.register(on_policy_add, PolicyCb.filter(F.a == "add"), flags=admin)
    router.callback_query.register(on_policy_rater, PolicyCb.filter(F.a == "rater"), flags=admin)
    router.callback_query.register(on_policy_rated, PolicyCb.filter(F.a == "rated"), flags=admin)
    router.callback_query.register(on_policy_cadence, PolicyCb.filter(F.a == "cad"), flags=admin)
    router.callback_query.register(on_policy_new, PolicyCb.filter(F.a == "new"), flags=admin)
    return router
