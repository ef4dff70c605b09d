"""/ratings: one's own results and the ratings one gave, the dashboard of a manager's departments
with a button per person, and `/ratings top`. Under anonymous and aggregate policies no text here names
a rater to anyone but that rater."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from bot import ui
from bot.errors import NotAllowed
from bot.i18n import Translator
from bot.parsing import CbInt
from bot.services import Services
from bot.services.ratings import OwnResult
from handlers.ratings._common import chunks, month
from models.org import Member

COMMENTS_SHOWN = 30


class ViewCb(CallbackData, prefix="rv"):
    m: CbInt
    per: str



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



async def on_ratings(message: Message, command: CommandObject, svc: Services, member: Member,
                     t: Translator) -> None:
    args = (command.args or "").split()
    if args and args[0].lower() in ("top", "топ"):
        await _top(message, svc, member, t, args[1] if len(args) > 1 else None)
        return
    period = svc.ratings.parse_period(args[0] if args else None)
    lines = [t("rating-results-title", month=month(t, period))]
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
    for chunk in chunks(lines):
        await message.answer(chunk)
    if await svc.ratings.is_manager_view(member):
        await _dashboard(message, svc, member, t, period)


async def _dashboard(message: Message, svc: Services, member: Member, t: Translator, period: str) -> None:
    blocks = await svc.ratings.dashboard(member, period)
    lines = [t("rating-dashboard-title", month=month(t, period))]
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
    parts = chunks(lines)
    for i, chunk in enumerate(parts):
        await message.answer(chunk, reply_markup=kb.as_markup() if i == len(parts) - 1 and kb.export() else None)


async def on_person(query: CallbackQuery, callback_data: ViewCb, svc: Services, member: Member,
                    t: Translator) -> None:
    period = svc.ratings.parse_period(callback_data.per)
    person, results = await svc.ratings.person_detail(member, callback_data.m, period)
    lines = [t("rating-person-title", name=person.display_name, month=month(t, period))]
    for r in results:
        lines += ["", *_summary_lines(t, r)]
    for chunk in chunks(lines):
        await query.message.answer(chunk)


async def _top(message: Message, svc: Services, member: Member, t: Translator, period_text: str | None) -> None:
    if not await svc.ratings.is_manager_view(member):
        raise NotAllowed()
    period = svc.ratings.parse_period(period_text)
    rows, members, minimum = await svc.ratings.top(member, period)
    lines = [t("rating-top-title", month=month(t, period), min=minimum)]
    if not rows:
        lines.append(t("rating-top-empty"))
    for row in rows:
        person = members.get(row.person_id)
        lines.append(t("rating-top-line", rank=row.rank, name=person.display_name if person else "—",
                       average=str(row.average), count=row.count))
    for chunk in chunks(lines):
        await message.answer(chunk)


def register(router: Router) -> None:
    router.message.register(on_ratings, Command("ratings"))
    router.callback_query.register(on_person, ViewCb.filter(), flags={"role": "manager"})
