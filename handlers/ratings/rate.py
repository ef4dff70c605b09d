"""/rate: pick a person, (a task), a score, a comment, confirm; the rated person is told as their
policy allows. Callback data only ever names a policy, a person and a score; who rates is always the
sender, and the service re-checks the pair."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from bot import ui
from bot.callbacks import RateCb
from bot.domain import ratings as dom
from bot.errors import UserError
from bot.i18n import Catalog, Translator, member_language
from bot.sender import Sender
from bot.services import Services
from bot.services.ratings import SubmitResult
from bot.views import score_keyboard
from handlers.ratings._common import month
from models.org import Member


class RateForm(StatesGroup):
    task = State()
    score = State()
    comment = State()
    confirm = State()



async def _targets_view(svc: Services, member: Member, t: Translator, page: int):
    targets = await svc.ratings.targets(member)
    if not targets:
        return t("rating-nothing-to-rate"), None
    page = ui.clamp_page(page, len(targets))
    kb = ui.builder()
    for target in ui.page_items(targets, page):
        label = ui.truncate(target.person.display_name, 40)
        if target.done_score is not None:
            label += f" ✓{target.done_score}"
        kb.row(InlineKeyboardButton(text=label, callback_data=RateCb(
            a="who", p=target.policy.id, m=target.person.id).pack()))
    nav = ui.nav_row(page, ui.pages_of(len(targets)), lambda pg: RateCb(a="page", s=pg).pack())
    if nav:
        kb.row(*nav)
    return t("rating-pick-person", month=month(t, svc.ratings.current_period())), kb.as_markup()


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
               score=result.rating.score, month=month(t, result.rating.period))]
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
        text = t("rating-notify-threshold", month=month(t, r.period), k=svc.ratings.k)
    await sender.send_text(rated.telegram_id, text, kind="rating_notice")  # never raises; logs the outcome



def register(router: Router) -> None:
    router.message.register(on_rate, Command("rate"))
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
