"""Messages that both a handler and a scheduler job send, rendered once: (text, markup) from a
translator and the rows they show. Handlers and jobs import this module, never each other."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import RateCb
from bot.domain import ratings as dom
from bot.i18n import Translator, member_language, month_name


def rating_month(t: Translator, period: str) -> str:
    """"November 2026" for the rating period "2026-11"."""
    return month_name(t, dom.parse_period(period))


def score_keyboard(p: int, m: int, per: str = "") -> InlineKeyboardMarkup:
    """One row of score buttons for policy ``p`` and rated member ``m`` (``per``: a campaign form's month)."""
    kb = InlineKeyboardBuilder()
    kb.row(*[InlineKeyboardButton(text=str(s), callback_data=RateCb(a="score", p=p, m=m, s=s, per=per).pack())
             for s in dom.SCORES])
    return kb.as_markup()


def form_message(t: Translator, item, departments: dict, *, reminder: bool = False):
    """The monthly rating form for one rated person: text and score buttons (/rating_campaign and the
    scheduler's campaign and reminder send it; /rate answers its buttons)."""
    dept = departments.get(item.rated.department_id)
    text = t("rating-form-reminder" if reminder else "rating-form", name=item.rated.display_name,
             department=dept.name if dept else "—", month=rating_month(t, item.period))
    return text, score_keyboard(item.policy.id, item.rated.id, item.period)


async def deliver_forms(sender, svc, catalog, items: list, *, reminder: bool = False,
                        kind: str = "rating_form") -> int:
    """Send claimed forms (``svc.ratings.campaign()``/``claim_reminders()``) through the process-wide
    sender, each in its rater's language, recording each outcome right after its send (a restart then
    finds the rest still pending). Used by /rating_campaign and the scheduler. Returns how many were sent."""
    departments = {d.id: d for d in await svc.org.list_departments()}
    sent = 0
    for item in _interleaved(items):
        t = catalog.translator(member_language(item.rater, svc.settings.default_language))
        text, markup = form_message(t, item, departments, reminder=reminder)
        outcome = await sender.send_text(item.rater.telegram_id, text, reply_markup=markup, kind=kind)
        await svc.ratings.form_outcome(item, outcome.status, outcome.attempts, outcome.error, reminder=reminder)
        sent += outcome.ok
    return sent


def _interleaved(items: list) -> list:
    """One form per rater in turn, so that the per-chat interval of the sender overlaps across raters."""
    by_rater: dict[int, list] = {}
    for item in items:
        by_rater.setdefault(item.rater.id, []).append(item)
    queues = list(by_rater.values())
    out = []
    for i in range(max((len(q) for q in queues), default=0)):
        out.extend(q[i] for q in queues if i < len(q))
    return out
