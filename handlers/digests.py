"""/digest (the daily digest now, or `/digest time 09:30`) and the digest preferences screen
opened from /settings → "Digests"."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from bot import ui
from bot.callbacks import DigestCb
from bot.domain.digests import KINDS, SMM_MODES, SMM_OWN, SMM_WITH_WEEKLY, DigestPrefs
from bot.errors import UserError
from bot.i18n import Translator
from bot.parsing import button_int
from bot.sender import Sender
from bot.services import Services
from models.org import Member
from models.scheduling import UNREACHABLE
from scheduler.render_pool import ChartRenderer

QUICK_TIMES = ("08:00", "09:00", "10:00", "11:00")


def _screen(t: Translator, prefs: DigestPrefs, tz: str):
    def yes(v: bool) -> str:
        return t("digest-on" if v else "digest-off")

    text = t("digest-settings-title", daily=yes(prefs.daily), weekly=yes(prefs.weekly),
             monthly=yes(prefs.monthly), time=prefs.time, tz=tz)
    # the weekly SMM section: inside the weekly digest (when it is on) or its own message
    place = t("digest-smm-" + (SMM_WITH_WEEKLY if prefs.smm_with_weekly else SMM_OWN))
    text += "\n" + t("digest-settings-smm", place=place)
    if prefs.smm == SMM_WITH_WEEKLY and not prefs.weekly:
        text += "\n" + t("digest-smm-weekly-off")
    kb = ui.builder()
    for kind in KINDS:
        kb.row(InlineKeyboardButton(text=t(f"digest-btn-{kind}", state=yes(prefs.wants(kind))),
                                    callback_data=DigestCb(action="toggle", value=kind).pack()))
    other = SMM_OWN if prefs.smm == SMM_WITH_WEEKLY else SMM_WITH_WEEKLY
    # the button names the choice it sets (not a toggle): a double press sets the same again
    kb.row(InlineKeyboardButton(text=t("digest-btn-smm", place=t(f"digest-smm-{other}")),
                                callback_data=DigestCb(action="smm", value=str(SMM_MODES.index(other))).pack()))
    kb.row(*(InlineKeyboardButton(text=("• " if at == prefs.time else "") + at,
                                  callback_data=DigestCb(action="time", value=str(i)).pack())
             for i, at in enumerate(QUICK_TIMES)))
    return text, kb.as_markup()


async def on_digest(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator,
                    sender: Sender, renderer: ChartRenderer, digest_busy: set[int]) -> None:
    args = (command.args or "").split()
    if args:
        if len(args) == 2 and args[0].lower() in ("time", "время"):
            prefs = await svc.digests.set_time(member, args[1])
            await message.answer(t("digest-time-saved", time=prefs.time, tz=svc.settings.timezone))
            return
        raise UserError("digest-usage")
    if member.id in digest_busy:
        raise UserError("digest-not-now")
    digest_busy.add(member.id)
    try:
        digest = await svc.digests.now(member, t, renderer)  # rendered off the event loop
        outcome = await sender.send_charts(message.chat.id, digest.pngs, digest.caption,
                                                    kind="digest_now")
        if not outcome.ok and outcome.status != UNREACHABLE:
            await message.answer(t("digest-send-failed"))
    finally:
        digest_busy.discard(member.id)


async def on_menu(query: CallbackQuery, svc: Services, member: Member, t: Translator) -> None:
    text, markup = _screen(t, await svc.digests.prefs(member), svc.settings.timezone)
    if query.message:
        await query.message.answer(text, reply_markup=markup)


async def _edit(query: CallbackQuery, t: Translator, prefs: DigestPrefs, tz: str) -> None:
    text, markup = _screen(t, prefs, tz)
    await ui.edit(query, text, markup)


async def on_toggle(query: CallbackQuery, callback_data: DigestCb, svc: Services, member: Member,
                    t: Translator, callback_answer) -> None:
    prefs = await svc.digests.toggle(member, callback_data.value)
    callback_answer.text = t("saved")
    await _edit(query, t, prefs, svc.settings.timezone)


async def on_time(query: CallbackQuery, callback_data: DigestCb, svc: Services, member: Member,
                  t: Translator, callback_answer) -> None:
    at = QUICK_TIMES[button_int(callback_data.value, hi=len(QUICK_TIMES) - 1)]
    prefs = await svc.digests.set_time(member, at)
    callback_answer.text = t("saved")
    await _edit(query, t, prefs, svc.settings.timezone)


async def on_smm(query: CallbackQuery, callback_data: DigestCb, svc: Services, member: Member,
                 t: Translator, callback_answer) -> None:
    mode = SMM_MODES[button_int(callback_data.value, hi=len(SMM_MODES) - 1)]
    prefs = await svc.digests.set_smm(member, mode)
    callback_answer.text = t("saved")
    await _edit(query, t, prefs, svc.settings.timezone)


def create_router() -> Router:
    router = Router(name="digests")
    flags = {"role": "manager"}
    router.message.register(on_digest, Command("digest"), flags=flags)
    router.callback_query.register(on_menu, DigestCb.filter(F.action == "menu"), flags=flags)
    router.callback_query.register(on_toggle, DigestCb.filter(F.action == "toggle"), flags=flags)
    router.callback_query.register(on_time, DigestCb.filter(F.action == "time"), flags=flags)
    router.callback_query.register(on_smm, DigestCb.filter(F.action == "smm"), flags=flags)
    return router
