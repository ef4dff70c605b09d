"""Messages that both a handler and a scheduler job send, rendered once: (text, markup) from a
translator and the rows they show. Handlers and jobs import this module, never each other."""

from __future__ import annotations

import html
from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import ClientCb, CourseCb, KbCb, RateCb, SmmCb, TaskCb
from bot.domain import ratings as dom
from bot.domain import smm as smm_rules
from bot.i18n import Catalog, Html, Translator, escape, member_language, month_name
from bot.text import CAPTION_LIMIT, cut, fit, visible_len


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


def client_card_text(t: Translator, card, *, reminder: bool = False, link_label: int | None = None) -> str:
    """A unit as a client sees it: project, stream, title or link, when it was sent; the author only when the
    project shows authors (``card`` is a :class:`bot.services.clients.ClientCard`). ``link_label``: a link
    longer than that shows as a shortened label that opens the whole link (lists of cards within 4096)."""
    lines = [t("client-card-reminder" if reminder else "client-card-head", id=card.unit_id, project=card.project,
               stream=card.stream.name(t.lang))]
    link = card.link
    if link and link_label is not None and len(link) > link_label:
        link = Html(f'<a href="{html.escape(link, quote=True)}">{escape(link[:link_label - 1])}…</a>')
    if card.link and card.title != card.link:
        lines.append(t("client-card-title-link", title=card.title, link=link))
    elif card.link:
        lines.append(t("client-card-link", link=link))
    else:
        lines.append(t("client-card-title", title=card.title))
    if card.sent_at is not None:
        lines.append(t("client-card-sent", at=card.sent_at.strftime("%d.%m.%Y %H:%M")))
    if card.author:
        lines.append(t("client-card-author", name=card.author))
    return "\n".join(lines)


def client_card_buttons(t: Translator, unit_id: int) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=t("client-btn-approve"), callback_data=ClientCb(a="ok", id=unit_id).pack()),
            InlineKeyboardButton(text=t("client-btn-changes"), callback_data=ClientCb(a="ch", id=unit_id).pack())]


def client_card(t: Translator, card, *, reminder: bool = False):
    """The card with Approve / Request changes (text, markup)."""
    kb = InlineKeyboardBuilder()
    kb.row(*client_card_buttons(t, card.unit_id))
    return client_card_text(t, card, reminder=reminder), kb.as_markup()


def translator_for(catalog: Catalog, default_language: str, member) -> Translator:
    """A recipient's translator, in their language (:func:`bot.i18n.member_language`)."""
    return catalog.translator(member_language(member, default_language))


async def send_to(sender, member, text: str, markup: InlineKeyboardMarkup | None = None, *,
                  kind: str = "client") -> None:
    """The client cabinet's one way to send a proactive message: the process-wide sender (never raises; a
    recipient who blocked the bot does not fail the update of whoever caused the message)."""
    await sender.send_text(member.telegram_id, text, reply_markup=markup, kind=kind)


async def send_client_cards(sender, catalog: Catalog, default_language: str, requests) -> None:
    """After *sent for approval*: each client (``requests``: (client, card) pairs from
    ``ClientService.approval_requests``) gets the card with Approve / Request changes in their language."""
    for client, card in requests:
        text, markup = client_card(translator_for(catalog, default_language, client), card)
        await send_to(sender, client, text, markup, kind="client_card")


def _hours(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def client_report_parts(t: Translator, r) -> dict:
    """The monthly client report (``r``: :class:`bot.services.clients.ClientReport`) as translated parts: the
    message (HTML) and what the PDF shows (plain ``title``, ``lines``, ``chart_title``, ``weeks``), plus the
    figures as PDF keywords. The CLI and the handlers render it the same way."""
    month = f"{t(f'month-{r.month.month}')} {r.month.year}"
    title = t("client-report-title", project=r.project.name, month=month)
    streams = [t("client-report-stream", stream=st.name(t.lang), n=n) for st, n in r.by_stream]
    reasons = [t("client-report-reason", reason=t(f"reason-{k}"), n=n) for k, n in sorted(r.revisions.items())]
    lines = [t("client-report-approved", n=r.approved), *streams,
             t("client-report-waiting", n=r.waiting),
             t("client-report-revisions", n=r.revisions_total), *reasons,
             t("client-report-avg", hours=_hours(r.avg_hours)), *client_report_accounts(t, r.accounts)]
    weeks = [(d.strftime("%d.%m"), n) for d, n in r.weeks]
    keywords = (f"approved={r.approved}; waiting={r.waiting}; revisions={r.revisions_total}; "
                f"avg_hours={'none' if r.avg_hours is None else f'{r.avg_hours:.1f}'}; weeks={','.join(str(n) for _, n in r.weeks)}")
    # the message stays short (many accounts make many lines): whatever does not fit is in the PDF
    shown = fit(lines, lambda n: t("client-report-more", n=n))
    message = "\n".join([f"<b>{title}</b>", *shown, "", t("client-report-pdf")])
    return {"message": message, "title": plain_title(title), "lines": [plain_title(x) for x in lines],
            "chart_title": t("client-report-chart"), "weeks": weeks, "keywords": keywords,
            "filename": f"report-{r.project.id}-{r.month:%Y-%m}.pdf"}


def client_report_accounts(t: Translator, accounts) -> list[str]:
    """The project's SMM accounts in the client report (``accounts``: :class:`bot.services.clients.AccountMonth`):
    per account the followers at the month's end and their growth, a line per reported week (followers and
    growth, reach, interactions, ER by reach) and the weeks with no figures. Nothing when there are none."""
    if not accounts:
        return []
    out = [t("client-report-smm")]
    for a in accounts:
        out.append(t("client-report-smm-account", name=a.name, followers=count_text(a.followers),
                     growth=signed_count(a.growth)))
        for w in a.weeks:
            out.append(t("client-report-smm-week", end=w.end.strftime("%d.%m"), followers=count_text(w.followers),
                         growth=signed_count(w.growth), reach=count_text(w.reach),
                         interactions=count_text(w.interactions), er=share_text(w.er)))
        if a.missing:
            out.append(t("client-report-smm-missing", weeks=", ".join(d.strftime("%d.%m") for d in a.missing)))
        elif not a.weeks:
            out.append(t("client-report-smm-none"))
    return out


def client_smm_week(t: Translator, w) -> str:
    """A client's short weekly message about one account (``w``: :class:`bot.services.clients.ClientSmmWeek`):
    followers (and growth), reach, interactions and ER by reach, each with its change from the week before;
    the responsible member only when given (the project shows authors)."""
    cur, prev = w.figures, w.previous
    change = smm_rules.changes(prev, cur)
    start = date.fromordinal(w.end.toordinal() - 6)
    lines = [t("smm-client-head", name=w.account, project=w.project,
               start=start.strftime("%d.%m"), end=w.end.strftime("%d.%m.%Y")),
             t("smm-client-followers", n=count_text(cur.get("followers")),
               growth=signed_count(smm_rules.growth(prev, cur))),
             t("smm-client-reach", n=count_text(cur.get("reach")), change=share_text(change["reach"], signed=True)),
             t("smm-client-interactions", n=count_text(smm_rules.interactions(cur)),
               change=share_text(change["interactions"], signed=True)),
             t("smm-client-er", er=share_text(smm_rules.er_reach(cur)),
               change=share_text(smm_rules.change(smm_rules.er_reach(prev), smm_rules.er_reach(cur)), signed=True))]
    if w.responsible:
        lines.append(t("smm-client-by", name=w.responsible))
    return "\n".join(lines)


def signed_count(n: int | None) -> str:
    """+1 234 / −56 / 0 (digit groups as :func:`count_text`); "—" when unknown."""
    if n is None:
        return "—"
    return ("+" if n > 0 else "−" if n < 0 else "") + count_text(abs(n))


def plain_title(text: str) -> str:
    """The translator escapes arguments for HTML; the PDF wants the plain text back."""
    return html.unescape(text)


# --- courses and the knowledge base (handlers/courses.py, handlers/common.py at registration, the scheduler) --
def _one_button(text: str, data: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.row(InlineKeyboardButton(text=text, callback_data=data))
    return kb.as_markup()


def course_enrolled(t: Translator, title: str, deadline, enrolment_id: int):
    """A new learner's notice with the button to the course's first lesson (text, markup)."""
    due = t("course-deadline", date=deadline.strftime("%d.%m.%Y")) if deadline else ""
    return (t("course-enrolled", title=title, deadline=due),
            _one_button(t("course-btn-open"), CourseCb(a="les", id=enrolment_id).pack()))


def course_nudge(t: Translator, title: str, lesson: int, lessons: int, enrolment_id: int):
    """A stalled learner's one nudge, with the button to the current lesson (text, markup)."""
    return (t("course-nudge", title=title, lesson=lesson, lessons=lessons),
            _one_button(t("course-btn-open"), CourseCb(a="les", id=enrolment_id).pack()))


def article_review(t: Translator, article_id: int, title: str, checked):
    """The freshness reminder to an article's owner: Still correct / Edit (text, markup)."""
    kb = InlineKeyboardBuilder()
    kb.row(InlineKeyboardButton(text=t("kb-btn-still-correct"), callback_data=KbCb(a="ok", id=article_id).pack()),
           InlineKeyboardButton(text=t("kb-btn-edit-it"), callback_data=KbCb(a="ed", id=article_id).pack()))
    return t("kb-stale-remind", title=title, checked=checked.strftime("%d.%m.%Y")), kb.as_markup()


# --- the weekly SMM figures form (/smm, the scheduler's weekly form and reminder) ------------------------------
def count_text(n: int | None) -> str:
    """12 340 (digit groups by a narrow no-break space, as typed back it parses); "—" when unknown."""
    return "—" if n is None else f"{n:,}".replace(",", "\u202f")


def share_text(x: float | None, *, signed: bool = False) -> str:
    """A share as a percentage with one decimal ("4.1%", "+12.0%"); "—" when not defined."""
    if x is None:
        return "—"
    return f"{x * 100:+.1f}%" if signed else f"{x * 100:.1f}%"


def smm_form(t: Translator, form, pending: dict | None = None, *, note: str = "", reminder: bool = False):
    """The week's form (``form``: :class:`bot.services.smm.WeekForm`): each figure with its value (typed now,
    saved before, or counted by the bot) and last week's as a hint; a button per figure, Save, and how to paste
    a line. → (text, markup)."""
    pending = pending or {}
    a = form.view.account
    start = form.week_end.toordinal() - 6
    head = t("smm-form-reminder" if reminder else "smm-form-head", name=a.name, project=form.view.project.name,
             first=date.fromordinal(start).strftime("%d.%m"), last=form.week_end.strftime("%d.%m.%Y"))
    lines = [head, ""]
    for f in smm_rules.FIELDS:
        value = pending.get(f, form.saved.get(f))
        mark = "✎ " if f in pending else ""
        if value is None and f == "followers" and form.counted is not None:
            value, mark = form.counted, "🤖 "
        hint = form.hints.get(f)
        if hint is None:
            lines.append(t("smm-form-line", mark=mark, field=t(f"smm-field-{f}"), value=count_text(value)))
        else:
            lines.append(t("smm-form-line-hint", mark=mark, field=t(f"smm-field-{f}"), value=count_text(value),
                           hint=count_text(hint)))
    if form.saved:
        lines.append("")
        lines.append(t("smm-form-saved-before"))
    lines.append("")
    lines.append(t("smm-form-how"))
    if note:
        lines.append("")
        lines.append(note)
    kb = InlineKeyboardBuilder()
    w = form.week_end.toordinal()
    buttons = [InlineKeyboardButton(text=t(f"smm-field-{f}"), callback_data=SmmCb(a="f", id=a.id, w=w, f=f).pack())
               for f in smm_rules.FIELDS]
    for i in range(0, len(buttons), 3):
        kb.row(*buttons[i:i + 3])
    kb.row(InlineKeyboardButton(text=t("smm-btn-save"), callback_data=SmmCb(a="s", id=a.id, w=w).pack()))
    return "\n".join(lines), kb.as_markup()


#: names per list (on time, late, no report) and lines per list (movers, falls) of the weekly SMM section, before it
#: shrinks to fit its limit
SMM_DIGEST_LIST = 12


def smm_digest_text(t: Translator, d, limit: int = CAPTION_LIMIT, *, chart_cut: tuple[int, int] | None = None) -> str:
    """The weekly SMM section (``d``: :class:`bot.services.smm.SmmDigest`) within ``limit`` visible characters (a
    photo's caption by default): who reported on time, late or not at all, the three best and worst movers by ER
    change, the flagged falls; lists shrink ("… and N more") to fit. ``chart_cut``: (shown, total) when the chart
    shows only some accounts; a negative ``limit`` gives the shortest form."""
    def line(r) -> str:
        return t("smm-digest-line", name=r.name, project=r.project, who=r.responsible, er=share_text(r.er),
                 change=share_text(r.er_change, signed=True))

    def names(rows, n: int) -> str:
        who = sorted({r.responsible for r in rows}, key=str.lower)
        return ", ".join(who[:n]) + (" " + t("list-more", n=len(who) - n) if len(who) > n else "")

    def assemble(n: int) -> str:
        out = [t("smm-digest-title", week=d.week.strftime("%d.%m.%Y"), on_time=len(d.on_time), total=len(d.rows))]
        for key, rows in (("smm-digest-on-time", d.on_time), ("smm-digest-late", d.late),
                          ("smm-digest-missing", d.missing)):
            if rows:
                out.append(t(key, names=names(rows, max(n, 1))))
        if chart_cut is not None:
            out.append(t("smm-digest-chart-cut", shown=chart_cut[0], total=chart_cut[1]))
        for key, rows in (("smm-digest-best", d.best), ("smm-digest-worst", d.worst), ("smm-digest-falls", d.falls)):
            if rows:
                out += ["", t(key), *(line(r) for r in rows[:n])]
                if len(rows) > n:
                    out.append(t("list-more", n=len(rows) - n))
        return "\n".join(out)

    if limit < 0:  # the shortest form (every list cut to one line): how much room the section needs at least
        return assemble(0)
    for n in range(SMM_DIGEST_LIST, -1, -1):
        text = assemble(n)
        if visible_len(text) <= limit:
            return text
    return cut(text, limit)


#: the funnel stages the migration seeds: their names are translated (``stage-<key>``); added stages carry a name
DEFAULT_STAGE_KEYS = ("dialogue", "warm", "application", "handed", "won", "lost")


def stage_name(t: Translator, stage) -> str:
    """A funnel stage as people read it (/lead cards, /funnel, the weekly digest's funnel section)."""
    if stage is None:
        return "—"
    if stage.name:
        return stage.name
    return t(f"stage-{stage.key}") if stage.key in DEFAULT_STAGE_KEYS else stage.key


# -- tasks: the reminder card (the scheduler sends it, /tasks and the buttons show it) ---------------------------
def task_due(view) -> str:
    return view.due_local.strftime("%d.%m %H:%M")


def task_line(t: Translator, view, viewer_id: int) -> str:
    """One task in a list: number, due time (viewer's zone), title; whose it is when not the viewer's;
    a mark for a recurring one (``view``: :class:`bot.services.tasks.TaskView`)."""
    line = t("task-line", id=view.task.id, due=task_due(view), title=view.task.title)
    if view.assignee is not None and view.assignee.id != viewer_id:
        line += t("task-line-assignee", name=view.assignee.display_name)
    if view.task.recurrence:
        line += t("task-line-repeat")
    return line


def task_card_text(t: Translator, view, head: str = "task-card-head") -> str:
    """A task with its number, title, due time, assignee and recurrence; ``head``: the first line's key
    (``task-card-head``, ``task-remind-head``, ``task-overdue-head``)."""
    lines = [t(head, id=view.task.id), t("task-card-title", title=view.task.title),
             t("task-card-due", due=task_due(view))]
    if view.assignee is not None:
        lines.append(t("task-card-assignee", name=view.assignee.display_name))
    if view.task.unit_id is not None:
        lines.append(t("task-card-unit", id=view.task.unit_id))
    if view.task.lead_id is not None:
        lines.append(t("task-card-lead", id=view.task.lead_id))
    if view.task.recurrence:
        lines.append(t(f"task-repeat-{view.task.recurrence}"))
    return "\n".join(lines)


def task_buttons(t: Translator, task_id: int) -> InlineKeyboardMarkup:
    """Done, +1 hour, Tomorrow."""
    kb = InlineKeyboardBuilder()
    kb.row(InlineKeyboardButton(text=t("task-btn-done"), callback_data=TaskCb(a="done", id=task_id).pack()),
           InlineKeyboardButton(text=t("task-btn-hour"), callback_data=TaskCb(a="h1", id=task_id).pack()),
           InlineKeyboardButton(text=t("task-btn-tomorrow"), callback_data=TaskCb(a="tm", id=task_id).pack()))
    return kb.as_markup()


def task_card(t: Translator, view, head: str = "task-card-head"):
    """(text, markup): the task card with Done / +1 hour / Tomorrow."""
    return task_card_text(t, view, head), task_buttons(t, view.task.id)
