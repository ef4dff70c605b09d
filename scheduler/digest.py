"""Digest content: numbers from :func:`bot.services.stats.month_stats` turned into chart jobs and a
short caption, per scope (a set of departments, or everyone) and period.

Building is cheap (a few queries); rendering the charts is not, so a :class:`DigestPlan` carries the
chart *jobs* (``(chart name, args, kwargs)`` for :class:`scheduler.render_pool.ChartRenderer`) and
the caption, and :func:`render` turns it into PNGs off the event loop.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.config import Settings
from bot.domain import funnel as fn
from bot.domain import learning
from bot.domain.digests import DAILY, MONTHLY, WEEKLY
from bot.domain.pace import PaceStatus, round1
from bot.domain.workdays import local_today, month_bounds, utc_range, working_days
from bot.i18n import Html, Translator, month_name
from bot.services.stats import MemberMonth, month_range_utc, month_stats, previous_month, sort_by_lag
from bot.text import CAPTION_LIMIT, visible_len
from bot.views import stage_name
from models import clients_repo, leads_repo, learning_repo, org_repo, stats_repo
from models.org import Role
from scheduler.chart_data import AHEAD, BEHIND, ON_TRACK, CumulativeSeries, PersonBar, RateBar, RatingBar
from scheduler.render_pool import ChartMemo, ChartRenderer, Job

#: per-person charts show at most this many people (the most behind first); the caption says so
MAX_CHART_ROWS = 40
#: lines per list in the caption before "… and N more"
MAX_LIST_LINES = 12


class RatingsProvider(Protocol):
    """What a digest needs from the ratings feature (``Services.ratings``, see docs/scheduler.md)."""

    async def digest_averages(self, member_ids: Sequence[int], month: date) -> dict[int, tuple[float | None, int]]:
        ...


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose numbers a digest shows: these departments, or everyone (``None``)."""

    department_ids: tuple[int, ...] | None

    @property
    def key(self) -> str:
        return "all" if self.department_ids is None else ",".join(map(str, self.department_ids))


@dataclass(slots=True)
class DigestPlan:
    kind: str
    period_key: str
    lang: str
    caption: str
    jobs: list[tuple[str, Job]] = field(default_factory=list)  # (file name, job)
    people: int = 0

    @property
    def empty(self) -> bool:
        return self.people == 0


@dataclass(frozen=True, slots=True)
class Digest:
    kind: str
    period_key: str
    caption: str
    pngs: tuple[tuple[str, bytes], ...]


def team_today(now: datetime, settings: Settings) -> date:
    return local_today(now, settings.timezone)


def period_key(kind: str, day: date) -> str:
    """The period a digest sent on ``day`` (team time zone) is about, as a short key."""
    if kind == DAILY:
        return day.isoformat()
    if kind == WEEKLY:
        year, week, _ = (day - timedelta(days=7)).isocalendar()
        return f"{year}-W{week:02d}"
    prev = previous_month(day)
    return f"{prev.year}-{prev.month:02d}"


async def scope_of(session: AsyncSession, member: access.Actor) -> Scope | None:
    """Whose numbers ``member``'s digest shows (:func:`bot.access.digest_scope`: a manager's departments,
    an admin's everyone); ``None``: no digest. /digest, the scheduler and the preview all ask this."""
    managed = (await org_repo.managed_department_ids(session, member.id)
               if access.needs_managed_ids(member) else [])
    ids = access.digest_scope(member, managed)
    if ids is None:
        return Scope(None)
    return Scope(tuple(ids)) if ids else None


async def build(
    session: AsyncSession,
    settings: Settings,
    t: Translator,
    scope: Scope,
    kind: str,
    now: datetime,
    *,
    ratings: RatingsProvider | None = None,
) -> DigestPlan:
    """Numbers, chart jobs and caption of one digest (no rendering)."""
    today = team_today(now, settings)
    key = period_key(kind, today)
    members = await org_repo.list_members(session, department_ids=scope.department_ids, active_only=True)
    # the month has just begun (no working day of it has passed): a daily digest would show empty bars
    # and "everyone is on track", so it shows last month's final picture instead
    final = kind == MONTHLY or (kind == DAILY and month_just_began(today, settings.holiday_country))
    if final:
        month = previous_month(today)
    elif kind == WEEKLY:
        month = (today - timedelta(days=today.weekday() + 1)).replace(day=1)  # month of last Sunday
    else:
        month = today.replace(day=1)
    stats = await month_stats(session, members, month, now, settings)
    roles = {m.id: m.role for m in members}
    stats = [s for s in stats if s.plan > 0 or s.done > 0 or roles[s.member_id] == Role.WRITER.value]
    plan = DigestPlan(kind, key, t.lang, caption="", people=sum(1 for s in stats if s.plan > 0 or s.done > 0))
    if plan.empty:
        return plan
    ordered = sort_by_lag(stats)
    shown = ordered[:MAX_CHART_ROWS]
    labels = chart_labels(t)
    period = _period_label(kind, today, month, t)
    # charts show the month (to date); the weekly caption is about the week
    chart_period = month_name(t, month) if kind != MONTHLY else period
    plan.jobs.append(("plan_vs_done.png", (
        "plan_vs_done",
        ([PersonBar(s.display_name, s.plan, s.done, s.pace.expected, chart_status(s.pace.status))
          for s in shown],),
        {"title": t("chart-plan-title", period=chart_period), "labels": labels, "final": final},
    )))
    # the month's days (cumulative chart) and last week's done per member (weekly caption): one statement
    per_day, week_counts = await stats_repo.done_per_day_and_member(
        session, [s.member_id for s in stats], _days_so_far(settings, month, now),
        _last_week(today) if kind == WEEKLY else None)
    series = await cumulative_series(session, settings, [s.member_id for s in stats], month, now,
                                     sum(s.plan for s in stats), today if kind == DAILY and not final else None,
                                     per_day=per_day)
    plan.jobs.append(("cumulative.png", (
        "cumulative", (series,), {"title": t("chart-cumulative-title", period=chart_period), "labels": labels},
    )))
    if kind in (WEEKLY, MONTHLY):
        by_rate = sorted(shown, key=lambda s: (-(s.revisions_per_unit or 0.0), s.display_name.lower()))
        plan.jobs.append(("revisions.png", (
            "revisions_per_unit",
            ([RateBar(s.display_name, s.revisions_per_unit) for s in by_rate],),
            {"title": t("chart-revisions-title", period=chart_period), "labels": labels},
        )))
    averages: dict[int, tuple[float | None, int]] = {}
    if ratings is not None and kind in (WEEKLY, MONTHLY):
        averages = await ratings.digest_averages([s.member_id for s in stats], month)
        rated = sorted((s for s in shown if s.member_id in averages),
                       key=lambda s: (-(averages[s.member_id][0] or 0.0), s.display_name.lower()))
        if rated:
            plan.jobs.append(("ratings.png", (
                "rating_averages",
                ([RatingBar(s.display_name, *averages[s.member_id]) for s in rated],),
                {"title": t("chart-ratings-title", period=chart_period), "labels": labels},
            )))
    week_done = week_counts if kind == WEEKLY else None
    client_lines = []
    if kind in (WEEKLY, MONTHLY):  # where communication with the client is hard (issue 10, point 6)
        client_lines = [t("digest-client-line", name=name, revisions=n, hours=_num(None if sec is None else sec / 3600))
                        for name, n, sec in await client_rows(session, settings, [m.id for m in members], month)]
    funnel_lines = await funnel_section(session, settings, t, scope, today) if kind == WEEKLY else []
    plan.caption = caption(t, kind, period, stats, ordered, shown, week_done, averages,
                           final_of=month_name(t, month) if final and kind == DAILY else None,
                           client_lines=client_lines, funnel_lines=funnel_lines,
                           learning_line=await learning_line(session, t, [m.id for m in members], today)
                           if kind == WEEKLY else None)
    return plan


async def learning_line(session: AsyncSession, t: Translator, member_ids: Sequence[int], today: date) -> str | None:
    """The weekly digest's line about courses: how many enrolments of the scope are passed, in progress, failed,
    overdue, not started (``None`` when nobody in scope is on a course)."""
    enrolments = await learning_repo.enrolments_of_members(session, member_ids)
    if not enrolments:
        return None
    counts = await learning_repo.lesson_counts(session, sorted({e.course_id for e in enrolments}))
    kinds: dict[str, int] = {}
    for e in enrolments:
        st = learning.course_status(counts.get(e.course_id, 0), {int(p) for p in e.passed or []},
                                    e.started_at is not None, e.failed_position is not None, e.deadline, today)
        kinds[st.kind] = kinds.get(st.kind, 0) + 1
    return t("digest-learning", passed=kinds.get(learning.PASSED, 0), progress=kinds.get(learning.IN_PROGRESS, 0),
             failed=kinds.get(learning.FAILED, 0), overdue=kinds.get(learning.OVERDUE, 0),
             idle=kinds.get(learning.NOT_STARTED, 0))


async def funnel_section(session: AsyncSession, settings: Settings, t: Translator, scope: Scope,
                         today: date) -> list[str]:
    """The weekly digest's funnel: last week's new leads of the scope's departments, how far they got and the
    conversion per stage (the figures of ``/funnel``: :mod:`bot.domain.funnel`); empty when there were none."""
    monday = today - timedelta(days=today.weekday() + 7)
    start, end = utc_range(monday, monday + timedelta(days=6), settings.timezone)
    stages = await leads_repo.stages(session)
    rows = await leads_repo.paths(session, start, end, department_ids=scope.department_ids)
    steps: dict[int, list] = {}
    for lead_id, stage_id, at in rows.events:
        steps.setdefault(lead_id, []).append((stage_id, at))
    paths = [fn.Path(lead_id, created, tuple(steps.get(lead_id, ()))) for lead_id, created, *_ in rows.leads]
    figures = fn.compute([fn.Stage(s.id, s.kind, s.position) for s in stages], paths, start, end)
    if not figures.cohort:
        return []
    by_id = {s.id: s for s in stages}
    lines = [t("digest-funnel-line", stage=stage_name(t, by_id[f.stage_id]), reached=f.reached,
               conversion=f"{f.conversion * 100:.0f}%" if f.conversion is not None else "—")
             for f in figures.stages]
    return [t("digest-funnel-head", cohort=figures.cohort,
              won=f"{figures.won_rate * 100:.0f}%" if figures.won_rate is not None else "—"), *lines]


def month_just_began(day: date, country: str) -> bool:
    """No working day of ``day``'s month lies before ``day`` (e.g. the month's first working day)."""
    first = day.replace(day=1)
    return day == first or not working_days(first, day - timedelta(days=1), country=country)


def chart_status(status: PaceStatus) -> str:
    """The plan-vs-done bar colour for a pace status (see ``scheduler.chart_data``)."""
    if status in (PaceStatus.BEHIND, PaceStatus.NO_DAYS_LEFT):
        return BEHIND
    if status in (PaceStatus.AHEAD, PaceStatus.DONE):
        return AHEAD
    return ON_TRACK


async def digest_plan(services: Any, t: Translator, scope: Scope, kind: str, now: datetime) -> DigestPlan:
    """The one way a digest is built — the scheduled delivery, ``/digest`` and
    ``python -m bot digest --preview`` all call this: numbers, ratings section, chart jobs, caption.
    ``services`` is a :class:`bot.services.Services` (its session, settings and ratings are used)."""
    return await build(services.session, services.settings, t, scope, kind, now, ratings=services.ratings)


async def render(renderer: ChartRenderer | ChartMemo, plan: DigestPlan) -> Digest:
    pngs = await renderer.render_many([job for _, job in plan.jobs])
    return Digest(plan.kind, plan.period_key, plan.caption,
                  tuple((name, png) for (name, _), png in zip(plan.jobs, pngs, strict=True)))


def chart_labels(t: Translator) -> dict[str, str]:
    keys = ("plan", "done", "behind", "on_track", "ahead", "final_behind", "final_ahead", "expected", "units",
            "today", "day", "rate_axis", "rating_axis", "na", "no_data")
    labels = {k: t("chart-" + k.replace("_", "-")) for k in keys}
    labels["count"] = t("chart-count", count=Html("{count}"))
    return labels


def _period_label(kind: str, today: date, month: date, t: Translator) -> str:
    if kind == DAILY:
        return today.strftime("%d.%m.%Y")
    if kind == WEEKLY:
        monday = today - timedelta(days=today.weekday() + 7)
        return f"{monday:%d.%m}–{monday + timedelta(days=6):%d.%m.%Y}"
    return month_name(t, month)


def _days_so_far(settings: Settings, month: date, now: datetime) -> tuple[date, date] | None:
    """The days of ``month`` whose done units the cumulative chart sums (``None``: none to read)."""
    first, last = month_bounds(month)
    upto_day = min(last, now.astimezone(ZoneInfo(settings.timezone)).date())
    if upto_day < first or not working_days(first, last, country=settings.holiday_country):
        return None
    return first, upto_day


def _last_week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


async def cumulative_series(session: AsyncSession, settings: Settings, member_ids: Sequence[int], month: date,
                            now: datetime, plan_total: int, today: date | None, *,
                            per_day: dict[date, int] | None = None) -> CumulativeSeries:
    """Team units per working day of ``month`` (team calendar), cumulative, up to today. ``per_day``: the
    members' done per day of :func:`_days_so_far`, when the caller has read them already."""
    first, last = month_bounds(month)
    days = working_days(first, last, country=settings.holiday_country)
    if not days:
        return CumulativeSeries([], [], plan_total, today)
    counts = [0] * len(days)
    span = _days_so_far(settings, month, now)
    if span is not None:
        if per_day is None:
            per_day = await stats_repo.done_per_day(session, member_ids, *span)
        for day, n in sorted(per_day.items()):
            # work on a weekend or holiday counts on the next working day (or the last one)
            counts[min(bisect.bisect_left(days, day), len(days) - 1)] += n
    upto = len(days) if today is None else bisect.bisect_right(days, today)
    running, cumulative = 0, []
    for n in counts[:max(upto, 0)]:
        running += n
        cumulative.append(running)
    return CumulativeSeries(days, cumulative, plan_total, today)


def _num(x: float | None) -> str:
    value = round1(x)
    if value is None:
        return "—"
    return f"{value:g}"


async def client_rows(session: AsyncSession, settings: Settings, author_ids: Sequence[int],
                      month: date) -> list[tuple[str, int, float | None]]:
    """(project, revisions its client asked for in Telegram, the client's average seconds to a decision) for the
    units of these authors in the month, the most revisions first."""
    start, end = month_range_utc(month, settings.timezone)
    rows = [(name, n, sec) for _pid, name, n, sec in
            await clients_repo.client_project_lines(session, author_ids, start, end)]
    return sorted(rows, key=lambda r: (-r[1], r[0].lower()))


def caption(
    t: Translator,
    kind: str,
    period: str,
    stats: Sequence[MemberMonth],
    ordered: Sequence[MemberMonth],
    shown: Sequence[MemberMonth],
    week_done: dict[int, int] | None,
    averages: dict[int, tuple[float | None, int]],
    final_of: str | None = None,
    client_lines: Sequence[str] = (),
    learning_line: str | None = None,
    funnel_lines: Sequence[str] = (),
) -> str:
    """The digest text, fitted into a photo caption (≤ 1024 characters): lists shrink to fit.

    ``final_of`` (a month's name): a daily digest at the start of a month, about that finished month.
    """
    head = [t(f"digest-{kind}-title", period=period)]
    if final_of is not None:
        head.append(t("digest-daily-final", month=final_of))
    plan_total = sum(s.plan for s in stats)
    done_total = sum(s.done for s in stats)
    if kind == MONTHLY or final_of is not None:
        head.append(t("digest-team-month", done=done_total, plan=plan_total))
    else:
        head.append(t("digest-team-today", done=done_total, plan=plan_total,
                      expected=_num(sum(s.pace.expected for s in stats))))
    if week_done is not None:
        head.append(t("digest-week-done", units=sum(week_done.values())))
    if learning_line:
        head.append(learning_line)
    if len(shown) < len(ordered):
        head.append(t("digest-chart-cut", shown=len(shown), total=len(ordered)))

    if kind == MONTHLY or final_of is not None:
        behind = [s for s in ordered if s.plan > 0 and s.done < s.plan]
        behind_lines = [t("digest-missed-line", name=s.display_name, done=s.done, plan=s.plan) for s in behind]
        behind_title = t("digest-missed-title", count=len(behind)) if behind else t("digest-all-met")
    else:
        behind = [s for s in ordered if s.pace.status == PaceStatus.BEHIND]
        behind_lines = [
            t("digest-behind-line", name=s.display_name, days=round1(s.pace.lag_days),
              per_day=_num(s.pace.needed_per_day))
            if s.pace.needed_per_day is not None
            else t("digest-behind-line-nodays", name=s.display_name, days=round1(s.pace.lag_days))
            for s in behind
        ]
        behind_title = t("digest-behind-title", count=len(behind)) if behind else t("digest-on-track")
    flagged = [s for s in ordered if s.quality.flagged]
    quality_lines = [t("digest-quality-line", name=s.display_name, rate=_num(s.quality.current_rate),
                       prev=_num(s.quality.previous_rate)) for s in flagged]
    rated = sorted(((s, averages[s.member_id]) for s in stats if s.member_id in averages
                    and averages[s.member_id][0] is not None), key=lambda p: -(p[1][0] or 0.0))
    rating_lines = [t("digest-rating-line", name=s.display_name, average=f"{avg:.2f}", count=n)
                    for s, (avg, n) in rated]

    def assemble(limit: int) -> str:
        parts = ["\n".join(head), _section(t, behind_title, behind_lines, limit)]
        if quality_lines:
            parts.append(_section(t, t("digest-quality-title"), quality_lines, limit))
        if rating_lines:
            parts.append(_section(t, t("digest-ratings-title"), rating_lines, limit))
        if client_lines:
            parts.append(_section(t, t("digest-client-title"), list(client_lines), limit))
        if funnel_lines:
            parts.append(_section(t, t("digest-funnel-title"), list(funnel_lines), limit))
        return "\n\n".join(parts)

    for limit in range(MAX_LIST_LINES, -1, -1):
        text = assemble(limit)
        if visible_len(text) <= CAPTION_LIMIT:
            return text
    return text  # unreachable in practice (the head alone is short); the Sender sends it as a text


def _section(t: Translator, title: str, lines: list[str], limit: int) -> str:
    out = [title, *lines[:limit]]
    if len(lines) > limit:
        out.append(t("digest-more", count=len(lines) - limit))
    return "\n".join(out)


def describe(plan: DigestPlan) -> dict[str, Any]:
    """Debug/preview summary."""
    return {"kind": plan.kind, "period": plan.period_key, "charts": [n for n, _ in plan.jobs],
            "people": plan.people}
