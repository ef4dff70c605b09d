"""The dashboard Mini App's data: one read per request, from the same services as the chat.

Numbers per person come from :meth:`ReportingService.team` (the one source of ``/team``), revisions per
project from :meth:`ReportingService.team_projects` (``/team projects``), ratings from
:meth:`RatingService.dashboard` / :meth:`RatingService.own_results` (``/ratings``: aggregate policies below
``k`` raters show nothing), the SMM administrators' month from :meth:`SmmService.team` (``/team smm``) and the
month's lead funnel from :meth:`LeadService.funnel` (``/funnel`` for that month), each shown where it exists.
A writer gets only their own page (and, when they report SMM accounts, their own row of the SMM table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot import access
from bot.domain.pace import round1
from bot.domain.ratings import period_of
from bot.domain.workdays import month_bounds
from bot.services.base import Service
from bot.services.leads import LeadService
from bot.services.ratings import RatingService
from bot.services.reporting import ReportingService
from bot.services.smm import SmmService
from bot.services.stats import MemberMonth, previous_month
from models import org_repo, stats_repo
from models.org import Member

#: months offered by the month filter (this one and the previous ones)
MONTHS_BACK = 12


#: rounded exactly as the chat shows numbers in /team and /me (half away from zero, one decimal)
_r1 = round1


def person_row(s: MemberMonth) -> dict[str, Any]:
    p = s.pace
    return {"member_id": s.member_id, "name": s.display_name, "department_id": s.department_id,
            "plan": s.plan, "done": s.done, "expected": _r1(p.expected), "percent": _r1(p.percent),
            "lag_days": _r1(p.lag_days), "lag_units": _r1(p.lag_units), "forecast": _r1(p.forecast),
            "status": str(p.status), "revisions": s.revisions, "revisions_per_unit": _r1(s.revisions_per_unit),
            "flagged": s.quality.flagged, "states": dict(s.states)}


def _summary(summary: Any) -> dict[str, Any]:
    if summary.hidden:
        return {"hidden": True, "k": summary.k}
    return {"hidden": False, "average": None if summary.average is None else str(summary.average),
            "count": summary.count}


@dataclass
class Overview:
    role: str
    name: str
    month: date
    months: list[date]
    departments: list[dict[str, Any]]
    department_id: int | None
    people: list[dict[str, Any]]
    median: float | None
    projects: list[dict[str, Any]] = field(default_factory=list)
    projects_rate: float | None = None
    ratings: list[dict[str, Any]] = field(default_factory=list)
    cumulative: dict[str, Any] = field(default_factory=dict)
    smm: list[dict[str, Any]] = field(default_factory=list)  # /team smm's rows; empty: no SMM accounts
    funnel: dict[str, Any] | None = None  # /funnel's month; None: no leads in the viewer's scope

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "month": self.month.strftime("%Y-%m"),
                "months": [m.strftime("%Y-%m") for m in self.months], "departments": self.departments,
                "department_id": self.department_id, "people": self.people, "median": _r1(self.median),
                "projects": self.projects, "projects_rate": _r1(self.projects_rate), "ratings": self.ratings,
                "cumulative": self.cumulative, "smm": self.smm, "funnel": self.funnel, "totals": {"plan": sum(p["plan"] for p in self.people), "done": sum(p["done"] for p in self.people),
                           "expected": _r1(sum(p["expected"] or 0 for p in self.people))}}


class DashboardService(Service):
    """Built by :func:`bot.services.build_services` with the reporting and rating services of the same
    session (the one source of /team's and /ratings' numbers)."""

    def __init__(self, *args: Any, reporting: ReportingService, ratings: RatingService, smm: SmmService,
                 leads: LeadService) -> None:
        super().__init__(*args)
        self.reporting = reporting
        self.ratings = ratings
        self.smm = smm
        self.leads = leads

    async def viewer(self, telegram_id: int) -> Member | None:
        """The active member behind a Mini App request (its initData already checked)."""
        member = await org_repo.member_by_telegram_id(self.session, telegram_id)
        return member if member is not None and member.active and not access.is_client(member) else None

    async def overview(self, actor: Member, month: date | None, department_id: int | None) -> Overview:
        reporting = self.reporting
        this_month = reporting.today(actor).replace(day=1)
        months = [this_month]
        for _ in range(MONTHS_BACK - 1):
            months.append(previous_month(months[-1]))
        month = (month or this_month).replace(day=1)
        if month not in months:
            month = this_month
        period = period_of(month)
        ratings = self.ratings
        if not access.is_manager(actor):  # a writer: their own page only (and their own SMM accounts' row)
            own = await reporting.own_month(actor, month)
            rated = [{"department": r.rater_department, **_summary(r.summary)}
                     for r in await ratings.own_results(actor, period)]
            return Overview(actor.role, actor.display_name, month, months, [], None, [person_row(own)],
                            own.revisions_per_unit, ratings=rated,
                            cumulative=await self._cumulative([own], month, reporting.today(actor)),
                            smm=await self._smm(actor, month, None))
        stats, median, month = await reporting.team(actor, month, department_id)
        projects, overall, _ = await reporting.team_projects(actor, month, department_id)
        scope = await self.manageable_department_ids(actor)
        departments = [{"id": d.id, "name": d.name} for d in await org_repo.list_departments(self.session)
                       if scope is None or d.id in scope]
        blocks = []
        for block in await ratings.dashboard(actor, period):
            if department_id is not None and block.department.id != department_id:
                continue
            blocks.append({"department": block.department.name, "count": block.count,
                           "average": None if block.average is None else str(block.average),
                           "people": [{"name": line.person.display_name, **_summary(line.summary)}
                                      for line in block.people]})
        return Overview(actor.role, actor.display_name, month, months, departments, department_id,
                        [person_row(s) for s in stats], median,
                        [{"name": p.name, "units": p.units, "revisions": p.revisions, "rate": _r1(p.rate),
                          "stands_out": p.stands_out} for p in projects], overall, blocks,
                        await self._cumulative(stats, month, reporting.today(actor)),
                        await self._smm(actor, month, department_id), await self._funnel(actor, month))

    async def _smm(self, actor: Member, month: date, department_id: int | None) -> list[dict[str, Any]]:
        """``/team smm``'s rows for the month over the accounts the viewer sees (``bot.access.smm_scope``: a
        writer who reports accounts gets their own row) — the department filter keeps the administrators in it;
        the ER change in per cent with one decimal, formatted as /team smm formats it."""
        return [{"name": r.member.display_name, "department_id": r.member.department_id, "accounts": r.accounts,
                 "due": r.due, "on_time": r.on_time, "late": r.late, "missing": r.missing,
                 "er_change": None if r.er_change is None else float(f"{r.er_change * 100:.1f}")}
                for r in await self.smm.team(actor, month)
                if department_id is None or r.member.department_id == department_id]

    async def _funnel(self, actor: Member, month: date) -> dict[str, Any] | None:
        """``/funnel``'s figures for the month over the leads the viewer's /funnel covers (the department filter
        does not narrow it, as /funnel has none); None when no lead entered the funnel that month."""
        first, last = month_bounds(month)
        report = await self.leads.funnel(actor, first, last)
        f = report.total
        if not f.cohort:
            return None
        def pct(x: float | None) -> int | None:  # whole per cents, formatted as /funnel formats them
            return None if x is None else int(f"{x * 100:.0f}")

        return {"cohort": f.cohort, "lost": f.lost, "won_rate": pct(f.won_rate),
                "stages": [{"key": report.stages[sf.stage_id].key, "name": report.stages[sf.stage_id].name,
                            "kind": report.stages[sf.stage_id].kind, "entered": sf.entered, "reached": sf.reached,
                            "conversion": pct(sf.conversion), "median_days": None if sf.median_days is None else float(f"{sf.median_days:.1f}")}
                           for sf in f.stages]}

    async def _cumulative(self, stats: list[MemberMonth], month: date, today: date) -> dict[str, Any]:
        """Units done (first sent) by the end of each day of the month so far, summed over the people shown,
        and their plan: the digest's cumulative chart as numbers (the same day counters)."""
        first, last = month_bounds(month)
        upto = min(last, today)
        per_day = (await stats_repo.done_per_day(self.session, [s.member_id for s in stats], first, upto)
                   if stats and upto >= first else {})
        done, running, day = [], 0, first
        while day <= upto:
            running += per_day.get(day, 0)
            done.append(running)
            day += timedelta(days=1)
        return {"days": (last - first).days + 1, "done": done, "plan": sum(s.plan for s in stats),
                "today": (today - first).days + 1 if first <= today <= last else None}
