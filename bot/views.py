"""Messages that both a handler and a scheduler job send, rendered once: (text, markup) from a
translator and the rows they show. Handlers and jobs import this module, never each other."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import RateCb
from bot.domain import ratings as dom
from bot.i18n import Translator, month_name


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
