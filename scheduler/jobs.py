"""What the scheduler does each minute, as plain async functions of ``now``.

Every delivery is decided from (now, the schedule, the deliveries already recorded) and *claimed*
— a ``deliveries`` row inserted and committed, UNIQUE (member, kind, period) — before it is sent,
so it goes out at most once, also across restarts: APScheduler only calls :meth:`Jobs.tick` every
minute and once at start-up (which is the catch-up: anything planned within the grace period and
not recorded goes out now). Tests call the same methods with a frozen clock. See docs/scheduler.md.
"""

from __future__ import annotations

import asyncio
import logging
import time as monotime
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile
from sqlalchemy.exc import IntegrityError

from bot import access
from bot.clock import Clock
from bot.config import Settings, parse_hhmm
from bot.db import Database
from bot.domain import smm as smm_rules
from bot.domain.deadlines import add_working_hours, revision_due
from bot.domain.digests import DELIVERY_KINDS, WEEKLY, DigestPrefs, prefs_of
from bot.domain.learning import stalled
from bot.domain.pace import PaceStatus, round1
from bot.domain.tasks import notice_key, notices
from bot.domain.workdays import is_working_day, local_now, public_holidays
from bot.i18n import Catalog, member_language
from bot.sender import ONCE_TEXT, Outcome, Sender
from bot.services import Services, build_services
from bot.services.stats import MemberMonth, month_stats
from bot.text import CAPTION_LIMIT, fit

# the same forms /rating_campaign sends; the client's card and report
from bot.views import (
    article_review,
    client_card,
    client_report_parts,
    client_smm_week,
    course_nudge,
    deliver_forms,
    smm_form,
    stage_name,
    task_card,
    task_due,
    task_line,
)
from models import clients_repo, idempotency_repo, leads_repo, org_repo, reporting_repo, smm_repo, tasks_repo
from models import scheduling_repo as repo
from models.org import Member, Role
from models.scheduling import EXPIRED, FAILED, RESENDING, JobRun, LagState
from scheduler import digest as dg
from scheduler import smm_digest as smm_section
from scheduler.chart_data import CLIENT_REPORT_PDF
from scheduler.render_pool import ChartMemo, ChartRenderer
from scheduler.ttl_cache import TtlCache

log = logging.getLogger(__name__)

LAG_MANAGER, LAG_MEMBER = "lag_manager", "lag_member"
REMIND_REPORT = "remind_report"
REVISION_WRITER, REVISION_MANAGER = "revision_writer", "revision_manager"
CLIENT_REMIND, CLIENT_ESCALATE = "client_remind", "client_escalate"
CLIENT_REPORT = "client_report"
RATING_CAMPAIGN, RATING_REMINDER = "rating_campaign", "rating_reminder"
KB_REVIEW, COURSE_NUDGE, COURSE_OVERDUE = "kb_review", "course_nudge", "course_overdue"
SMM_FORM, SMM_REMIND, SMM_MANAGER = "smm_form", "smm_remind", "smm_manager"
SMM_DIGEST = "smm_digest"
#: the status of an ``smm_digest`` row whose section went inside the weekly digest (sent and recorded there)
WITH_WEEKLY = "with_weekly"
SMM_CLIENT = "smm_client"
#: how far back a reported week still goes to the project's clients (a late report does; an imported history not)
SMM_CLIENT_WEEKS = 2
#: the n-th working day after an SMM week's end (the responsible member's) brings: 1 the form, 2 the form again
#: as a reminder, 3 a note to their managers
SMM_STEPS = {1: SMM_FORM, 2: SMM_REMIND, 3: SMM_MANAGER}
HANDOFF_SLA = "handoff_sla"
TASK_DUE, TASK_OVERDUE, TASK_ESCALATE = "task_due", "task_overdue", "task_escalate"
TASK_AGENDA = "task_agenda"
#: how long overdue notices may wait for a working day within NOTIFY_HOURS (the New Year holidays and more)
TASK_NOTICE_HORIZON = timedelta(days=16)
STATS_CHUNK = 500  # members per month_stats call (bound parameters)


# --- the schedule: pure functions ----------------------------------------------------------
def smm_week_key(day: date) -> str:
    """The period key of the weekly SMM section sent on ``day``: its ISO week (``2026-W47``)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class Occurrence:
    kind: str  # daily | weekly | monthly
    period_key: str
    planned_at: datetime  # aware UTC


def _holidays(days: Iterable[date], country: str) -> frozenset[date]:
    out: set[date] = set()
    for year in {d.year for d in days}:
        out |= public_holidays(year, country)
    return frozenset(out)


def first_working_day_of_week(d: date, country: str) -> bool:
    monday = d - timedelta(days=d.weekday())
    hol = _holidays([monday, d], country)
    if not is_working_day(d, hol):
        return False
    return not any(is_working_day(monday + timedelta(days=i), hol) for i in range(d.weekday()))


def first_working_day_of_month(d: date, country: str) -> bool:
    hol = _holidays([d], country)
    if not is_working_day(d, hol):
        return False
    return not any(is_working_day(d.replace(day=i), hol) for i in range(1, d.day))


def digest_occurrences(prefs: DigestPrefs, tz: str, country: str, start: datetime, end: datetime) -> list[Occurrence]:
    """Digests of one manager planned in [start, end] (aware datetimes), oldest first.

    Daily on team working days (but not on the month's first working day when the monthly is on:
    both would show last month's final picture), weekly on the first working day of the ISO week (about the
    previous week), monthly on the first working day of the month (about the previous month), all
    at ``prefs.at`` in the team time zone ``tz``.
    """
    zone = ZoneInfo(tz)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    out: list[Occurrence] = []
    while day <= last:
        planned = datetime.combine(day, prefs.at, zone).astimezone(UTC)
        if start <= planned <= end:
            hol = _holidays([day], country)
            monthly = prefs.monthly and first_working_day_of_month(day, country)
            # on the month's first working day the daily shows last month's final picture
            # (scheduler.digest.build): the monthly digest already does, so it goes instead
            if prefs.daily and is_working_day(day, hol) and not monthly:
                out.append(Occurrence(dg.DAILY, dg.period_key(dg.DAILY, day), planned))
            if prefs.weekly and first_working_day_of_week(day, country):
                out.append(Occurrence(dg.WEEKLY, dg.period_key(dg.WEEKLY, day), planned))
            if monthly:
                out.append(Occurrence(dg.MONTHLY, dg.period_key(dg.MONTHLY, day), planned))
        day += timedelta(days=1)
    return out


def in_notify_window(local: datetime, settings: Settings) -> bool:
    start, end = settings.notify_window
    return start <= local.time() < end


# --- results --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Sent:
    member_id: int
    kind: str
    period_key: str
    status: str


@dataclass
class Report:
    sent: list[Sent] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def kinds(self, status: str = "sent") -> Counter[str]:
        return Counter(s.kind for s in self.sent if s.status == status)


def _payload(data: dict[str, Any]) -> dict[str, Any]:
    """What a claim needs to be sent again after a restart, JSON-serialisable (``deliveries.payload``)."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, dg.Scope):
            v = None if v.department_ids is None else list(v.department_ids)
        elif isinstance(v, date | datetime):
            v = v.isoformat()
        out[k] = v
    return out


def _scope(value: Any) -> dg.Scope:
    if isinstance(value, dg.Scope):
        return value
    return dg.Scope(None if value is None else tuple(value))


@dataclass(slots=True)
class Claim:
    member: Member
    kind: str
    period_key: str
    planned_at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> repo.DeliveryKey:
        return repo.DeliveryKey(self.member.id, self.kind, self.period_key)


# --- the ratings feature's monthly campaign --------------------------------------------------
# Forms are claimed (RatingForm.status pending) before they are sent and marked after each send; a
# restart sends the claimed-but-unsent ones once (Jobs.recover). See docs/ratings.md.
async def run_rating_campaign(jobs: Jobs, services: Services, now: datetime) -> str:
    """First working day: claim and send this month's rating forms (not to a rater whose form is
    filled or open)."""

    items = await services.ratings.campaign()
    sent = await deliver_forms(jobs.sender, services, jobs.catalog, items, kind=RATING_CAMPAIGN)
    return f"ok: {sent} of {len(items)} forms sent"


async def remind_raters(jobs: Jobs, services: Services, now: datetime) -> str:
    """RATING_REMINDER_DAYS later: send the forms that were sent and are still open again, as a reminder."""
    items = await services.ratings.claim_reminders()
    sent = await deliver_forms(jobs.sender, services, jobs.catalog, items, reminder=True, kind=RATING_REMINDER)
    return f"ok: {sent} of {len(items)} forms sent"


# --- the jobs -----------------------------------------------------------------------------------
class Jobs:
    def __init__(self, db: Database, settings: Settings, catalog: Catalog, sender: Sender,
                 renderer: ChartRenderer, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.catalog = catalog
        self.sender = sender
        self.renderer = renderer
        self.clock = clock
        self.grace = timedelta(hours=settings.digest_grace_hours)
        self._keys_pruned_at: datetime | None = None
        #: rendered digests by (scope, kind, period, language), forgotten by age (_prune_cache)
        self._cache: TtlCache[tuple[str, str, str, str], dg.Digest] = TtlCache()
        #: each distinct chart rendered once for all digests carrying it (see ChartMemo)
        self.charts = ChartMemo(renderer)
        self._locks: dict[tuple[str, str, str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self.renders = 0  # digests rendered (for tests and the benchmark)
        self.stopping = False  # set on shutdown: claimed deliveries not started stay pending (recover)

    def _lang(self, member: Member) -> str:
        return member_language(member, self.settings.default_language)

    def _t(self, member: Member):
        return self.catalog.translator(self._lang(member))

    def _tz(self, member: Member) -> str:
        return member.timezone or self.settings.timezone

    # -- the minute ----------------------------------------------------------------------------
    async def tick(self, now: datetime | None = None) -> Report:
        """Everything due at ``now``: digests, reminders, overdue revisions, rating campaign."""
        now = now or self.clock.now()
        report = Report()
        for step in (self.send_digests, self.remind_reports, self.overdue_revisions, self.client_approvals,
                     self.client_reports, self.rating_campaign, self.prune_keys, self.task_reminders,
                     self.task_agenda, self.handoff_sla, self.learning, self.smm_channels, self.smm_weekly,
                     self.smm_digests, self.smm_clients):
            try:
                await step(now, report)
            except asyncio.CancelledError:
                raise
            except Exception:  # one broken job must not stop the others
                log.exception("scheduler step %s failed", step.__name__)
        return report

    async def prune_keys(self, now: datetime, report: Report | None = None) -> int:
        """Forget idempotency keys older than twice the form lifetime (at least two days: Telegram keeps an
        unconfirmed update for 24 hours), at most once an hour. → how many were removed."""
        if self._keys_pruned_at is not None and now - self._keys_pruned_at < timedelta(hours=1):
            return 0
        self._keys_pruned_at = now
        keep = timedelta(hours=max(2 * self.settings.form_ttl_hours, 48))
        async with self.db.session() as s, self.db.writing(s):
            removed = await idempotency_repo.prune(s, now - keep)
        if removed:
            log.info("forgot %d idempotency key(s) older than %s", removed, keep)
        return removed

    # -- digests -------------------------------------------------------------------------------
    async def _managers(self) -> tuple[list[Member], dict[int, DigestPrefs], dict[int, dg.Scope]]:
        async with self.db.session() as s:
            managers = [m for m in await org_repo.list_members(
                s, active_only=True, roles=access.DIGEST_ROLES) if not m.unreachable]
            rows = await repo.preferences(s, [m.id for m in managers])
            scopes: dict[int, dg.Scope] = {}
            for m in managers:
                scope = await dg.scope_of(s, m)
                if scope is not None:
                    scopes[m.id] = scope
        default_at = parse_hhmm(self.settings.daily_digest_time)
        return managers, {m.id: prefs_of(rows.get(m.id), default_at) for m in managers}, scopes

    def _due_digests(self, managers, prefs, scopes, start: datetime, end: datetime) -> list[Claim]:
        out = []
        for m in managers:
            if m.id not in scopes:
                continue
            for occ in digest_occurrences(prefs[m.id], self.settings.timezone, self.settings.holiday_country,
                                          start, end):
                out.append(Claim(m, DELIVERY_KINDS[occ.kind], occ.period_key, occ.planned_at,
                                 {"digest": occ.kind, "scope": scopes[m.id]}))
        return out

    async def send_digests(self, now: datetime, report: Report | None = None) -> Report:
        report = report if report is not None else Report()
        managers, prefs, scopes = await self._managers()
        due = self._due_digests(managers, prefs, scopes, now - self.grace, now)
        companions = await self._smm_with_weekly(due, prefs, now)
        claims = [*await self._claim(due, now), *companions]
        await self._send_all(claims, self._deliver, report)
        self._prune_cache()
        return report

    async def prepare(self, now: datetime | None = None, lead: timedelta | None = None) -> int:
        """Render digests planned within ``lead`` (DIGEST_PREPARE_MINUTES) ahead, so that at the planned
        time they only have to be handed over. Returns how many were rendered now."""
        now = now or self.clock.now()
        lead = lead if lead is not None else timedelta(minutes=self.settings.digest_prepare_minutes)
        if lead <= timedelta(0):
            return 0
        managers, prefs, scopes = await self._managers()
        wanted: dict[tuple[str, str, str, str], Claim] = {}
        for c in self._due_digests(managers, prefs, scopes, now + timedelta(seconds=1), now + lead):
            wanted.setdefault((c.data["scope"].key, c.data["digest"], c.period_key, self._lang(c.member)), c)
        before = self.renders
        sem = asyncio.Semaphore(max(2, self.renderer.max_workers * 2))

        async def one(c: Claim) -> None:
            async with sem:
                await self.digest(c.data["scope"], c.data["digest"], c.planned_at, self._lang(c.member))

        await asyncio.gather(*(one(c) for c in wanted.values()))
        return self.renders - before

    async def digest(self, scope: dg.Scope, kind: str, at: datetime, lang: str) -> dg.Digest | None:
        """The digest of ``scope`` as planned at ``at``: from the cache, or built and rendered now."""
        key = (scope.key, kind, dg.period_key(kind, dg.team_today(at, self.settings)), lang)
        async with self._locks[key]:
            hit = self._cache.get(key)
            if hit is not None:
                return hit
            async with self.db.session() as s:
                services = build_services(s, self.db, self.settings, self.clock)
                plan = await dg.build(s, self.settings, self.catalog.translator(lang), scope, kind, at,
                                      ratings=services.ratings)
            if plan.empty:
                return None
            result = await dg.render(self.charts, plan)
            self.renders += 1
            self._cache.put(key, result)
            return result

    def _prune_cache(self) -> None:
        horizon = monotime.monotonic() - (self.grace.total_seconds()
                                          + self.settings.digest_prepare_minutes * 60 + 3600)
        for key in self._cache.prune(horizon):
            self._locks.pop(key, None)
        self.charts.prune(horizon)

    # -- lag warnings ----------------------------------------------------------------------------
    async def lag_stats(self, s, month: date, now: datetime) -> tuple[list[Member], list[MemberMonth]]:
        """Every active member and their month (the numbers the lag check decides on)."""
        members = await org_repo.list_members(s, active_only=True)
        stats: list[MemberMonth] = []
        for i in range(0, len(members), STATS_CHUNK):
            stats += await month_stats(s, members[i:i + STATS_CHUNK], month, now, self.settings)
        return members, stats

    async def check_lags(self, now: datetime | None = None, report: Report | None = None) -> Report:
        """Warn once per crossing of LAG_WARNING_DAYS: the member's managers and (kindly) the member."""
        now = now or self.clock.now()
        report = report if report is not None else Report()
        threshold = self.settings.lag_warning_days
        month = dg.team_today(now, self.settings).replace(day=1)
        claims: list[Claim] = []
        async with self.db.session() as s:
            members, stats = await self.lag_stats(s, month, now)
            by_id = {m.id: m for m in members}
            async with self.db.writing(s):
                states = await repo.lag_states(s, [m.id for m in members], month)
                managers_cache: dict[int, list[Member]] = {}
                for st in stats:
                    member = by_id[st.member_id]
                    local = local_now(now, self._tz(member))
                    hol = _holidays([local.date()], self.settings.holiday_country)
                    if not is_working_day(local.date(), hol, st.days_off) or not in_notify_window(local,
                                                                                                  self.settings):
                        continue
                    over = st.pace.status == PaceStatus.BEHIND and st.pace.lag_days >= threshold
                    state = states.get(member.id)
                    if over and (state is None or not state.crossed):
                        if state is None:
                            state = LagState(member_id=member.id, month=month, crossed=False, crossings=0,
                                             changed_at=now)
                            s.add(state)
                        state.crossed, state.crossings, state.changed_at = True, state.crossings + 1, now
                        key = f"{month:%Y-%m}:{state.crossings}"
                        info = {"name": member.display_name, "days": round1(st.pace.lag_days),
                                "per_day": round1(st.pace.needed_per_day), "done": st.done, "plan": st.plan}
                        if not member.unreachable:
                            claims.append(Claim(member, LAG_MEMBER, key, now, info))
                        for manager in await self._managers_of(s, member, managers_cache):
                            claims.append(Claim(manager, LAG_MANAGER, f"{member.id}:{key}", now, info))
                    elif not over and state is not None and state.crossed:
                        state.crossed, state.changed_at = False, now
                await repo.insert_deliveries(s, [self._row(c, now) for c in claims])
        await self._send_all(claims, self._deliver, report)
        return report

    async def _managers_of(self, s, member: Member, cache: dict[int, list[Member]]) -> list[Member]:
        """Active managers of the member's department, else the admins; never the member themself."""
        if member.department_id not in cache:
            found = await org_repo.managers_of_department(s, member.department_id)
            if not found:
                found = await org_repo.list_members(s, active_only=True, roles=[Role.ADMIN.value])
            cache[member.department_id] = found
        return [m for m in cache[member.department_id] if m.id != member.id and not m.unreachable]

    # -- reminders -------------------------------------------------------------------------------
    async def remind_reports(self, now: datetime, report: Report | None = None) -> Report:
        """Writers with a plan who reported nothing today get one reminder at REMIND_AT (their time)."""
        report = report if report is not None else Report()
        at = parse_hhmm(self.settings.remind_at)
        due: list[Claim] = []
        async with self.db.session() as s:
            writers = [m for m in await org_repo.list_members(s, active_only=True, roles=[Role.WRITER.value])
                       if not m.unreachable]
            if not writers:
                return report
            month = dg.team_today(now, self.settings).replace(day=1)
            with_plan = {p.member_id for p in await reporting_repo.plans_for_month(s, [w.id for w in writers],
                                                                                     month) if p.units > 0}
            by_start: dict[datetime, list[Member]] = defaultdict(list)
            for w in writers:
                if w.id not in with_plan:
                    continue
                local = local_now(now, self._tz(w))
                zone = ZoneInfo(self._tz(w))
                planned = datetime.combine(local.date(), at, zone).astimezone(UTC)
                if not planned <= now <= planned + self.grace:
                    continue
                if not is_working_day(local.date(), _holidays([local.date()], self.settings.holiday_country)):
                    continue
                day_start = datetime.combine(local.date(), time.min, zone).astimezone(UTC)
                by_start[day_start].append(w)
                due.append(Claim(w, REMIND_REPORT, local.date().isoformat(), planned, {"day": local.date()}))
            if not due:
                return report
            off = {(mid, d) for mid, d in await reporting_repo.days_off_between(
                s, [c.member.id for c in due], min(c.data["day"] for c in due), max(c.data["day"] for c in due))}
            reported: set[int] = set()
            for start, group in by_start.items():
                reported |= await repo.authors_with_units_since(s, [m.id for m in group], start)
        due = [c for c in due if (c.member.id, c.data["day"]) not in off and c.member.id not in reported]
        claims = await self._claim(due, now)
        await self._send_all(claims, self._deliver, report)
        return report

    async def overdue_revisions(self, now: datetime, report: Report | None = None) -> Report:
        """A revision open past its deadline (REVISION_DEADLINE_HOURS working hours, the rule the unit card
        shows: :func:`bot.domain.deadlines.revision_due`) reminds its writer and tells their managers, once."""
        report = report if report is not None else Report()
        hours = self.settings.revision_deadline_hours
        due: list[Claim] = []
        async with self.db.session() as s:
            # working hours are never more than clock hours: received before now - hours is a superset
            open_revisions = await repo.overdue_revisions(s, now - timedelta(hours=hours))
            if not open_revisions:
                return report
            authors = {m.id: m for m in await org_repo.list_members(s, active_only=True)}
            days_off = {(mid, d) for mid, d in await reporting_repo.days_off_between(
                s, list(authors), now.date() - timedelta(days=1), now.date() + timedelta(days=1))}
            managers_cache: dict[int, list[Member]] = {}
            for rev, unit in open_revisions:
                writer = authors.get(unit.author_id)
                if writer is None:
                    continue
                if now < revision_due(rev.received_at, hours, self._tz(writer), self.settings.holiday_country):
                    continue
                local = local_now(now, self._tz(writer))
                hol = _holidays([local.date()], self.settings.holiday_country)
                if (not is_working_day(local.date(), hol) or (writer.id, local.date()) in days_off
                        or not in_notify_window(local, self.settings)):
                    continue
                hours = int((now - rev.received_at).total_seconds() // 3600)
                info = {"title": unit.title, "hours": hours, "name": writer.display_name}
                if not writer.unreachable:
                    due.append(Claim(writer, REVISION_WRITER, f"r{rev.id}", now, info))
                for manager in await self._managers_of(s, writer, managers_cache):
                    due.append(Claim(manager, REVISION_MANAGER, f"r{rev.id}", now, info))
        claims = await self._claim(due, now)
        await self._send_all(claims, self._deliver, report)
        return report

    # -- the client cabinet ------------------------------------------------------------------------
    async def client_approvals(self, now: datetime, report: Report | None = None) -> Report:
        """A unit waiting for a client decision CLIENT_APPROVAL_HOURS working hours (the client's zone) sends the
        project's clients its card again, once per round of approval; at twice that the author's managers are
        told, once. Within the notify window, on working days, through the delivery log (exactly once)."""
        report = report if report is not None else Report()
        hours = self.settings.client_approval_hours
        country = self.settings.holiday_country
        due: list[Claim] = []
        async with self.db.session() as s:
            waiting = await clients_repo.waiting_in_client_projects(s, now - timedelta(hours=hours))
            if not waiting:
                return report
            services = build_services(s, self.db, self.settings, self.clock)
            managers_cache: dict[int, list[Member]] = {}
            for unit, round_at in waiting:
                project = await reporting_repo.project_by_id(s, unit.project_id)
                if project is None or await services.clients.mode_of(project) != access.CLIENT_MODE:
                    continue
                key = f"c{unit.id}:{int(round_at.timestamp())}"

                def now_fits(tz: str, after: int, round_at: datetime = round_at) -> bool:
                    local = local_now(now, tz)
                    return (now >= add_working_hours(round_at, after, tz, country)
                            and is_working_day(local.date(), _holidays([local.date()], country))
                            and in_notify_window(local, self.settings))

                for client in await clients_repo.active_clients(s, project.id):
                    if not client.unreachable and now_fits(self._tz(client), hours):
                        due.append(Claim(client, CLIENT_REMIND, key, now, {"unit": unit.id}))
                author = await org_repo.member_by_id(s, unit.author_id)
                if author is None or author.department_id is None:
                    continue
                waited = int((now - round_at).total_seconds() // 3600)
                for manager in await self._managers_of(s, author, managers_cache):
                    if now_fits(self._tz(manager), 2 * hours):
                        due.append(Claim(manager, CLIENT_ESCALATE, key, now,
                                         {"id": unit.id, "title": unit.title, "project": project.name,
                                          "hours": waited, "name": author.display_name}))
        claims = await self._claim(due, now)
        await self._send_all(claims, self._deliver, report)
        return report

    async def client_reports(self, now: datetime, report: Report | None = None) -> Report:
        """On the first working day of the month (team time zone), from DAILY_DIGEST_TIME within the grace
        period: every active client of every open project gets the previous month's report (message + PDF),
        once per client, project and month (the delivery log)."""
        report = report if report is not None else Report()
        zone = ZoneInfo(self.settings.timezone)
        today = dg.team_today(now, self.settings)
        at = datetime.combine(today, parse_hhmm(self.settings.daily_digest_time), zone).astimezone(UTC)
        if not at <= now <= at + self.grace or not first_working_day_of_month(today, self.settings.holiday_country):
            return report
        month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        due: list[Claim] = []
        async with self.db.session() as s:
            for project in await reporting_repo.list_projects(s):
                for client in await clients_repo.active_clients(s, project.id):
                    if not client.unreachable:
                        due.append(Claim(client, CLIENT_REPORT, f"{project.id}:{month:%Y-%m}", at,
                                         {"project": project.id, "month": f"{month:%Y-%m}"}))
        claims = await self._claim(due, now)
        await self._send_all(claims, self._deliver, report)
        return report

    async def _send_client_report(self, c: Claim, t) -> Outcome | None:
        month = datetime.strptime(c.data["month"], "%Y-%m").date()
        async with self.db.session() as s:
            services = build_services(s, self.db, self.settings, self.clock)
            if c.data["project"] not in {p.id for p in await services.clients.report_projects(c.member)}:
                return None  # no longer the client's project
            data = await services.clients.build_report(c.data["project"], month)
        parts = client_report_parts(t, data)
        pdf = await self.renderer.render(CLIENT_REPORT_PDF, parts["title"], parts["lines"], parts["chart_title"],
                                         parts["weeks"], subject=parts["title"], keywords=parts["keywords"])
        first = await self.sender.send_text(c.member.telegram_id, parts["message"], kind=c.kind)
        if not first.ok:
            return first
        return await self.sender.deliver(c.member.telegram_id, SendDocument(
            chat_id=c.member.telegram_id, document=BufferedInputFile(pdf, filename=parts["filename"])), kind=c.kind)

    # -- the knowledge base and courses ------------------------------------------------------------------
    async def learning(self, now: datetime, report: Report | None = None) -> Report:
        """On the recipient's working days, within the notify window, through the delivery log (once each):
        an article past its review date reminds its owner (Still correct / Edit), once per review date; a
        learner without progress for COURSE_NUDGE_DAYS working days gets one nudge per stall; past an
        enrolment's deadline the learner's managers are told, once."""
        report = report if report is not None else Report()
        country = self.settings.holiday_country
        due: list[Claim] = []
        async with self.db.session() as s:
            services = build_services(s, self.db, self.settings, self.clock)
            reviews = await services.kb.due_reviews(now)
            enrolments = await services.courses.open_enrolments(now)
            if not reviews and not enrolments:
                return report
            people = {m.id for _a, m in reviews} | {m.id for _e, _c, m, _st in enrolments}
            days_off = set(await reporting_repo.days_off_between(
                s, list(people), now.date() - timedelta(days=1), now.date() + timedelta(days=1)))

            def now_fits(member: Member) -> date | None:
                local = local_now(now, self._tz(member))
                hol = _holidays([local.date()], country)
                if (not is_working_day(local.date(), hol) or (member.id, local.date()) in days_off
                        or not in_notify_window(local, self.settings)):
                    return None
                return local.date()

            for article, owner in reviews:
                if now_fits(owner) is not None:
                    due.append(Claim(owner, KB_REVIEW, f"a{article.id}:{article.review_at.isoformat()}", now,
                                     {"article": article.id, "title": article.title,
                                      "checked": article.checked_at.date().isoformat()}))
            managers_cache: dict[int, list[Member]] = {}
            for e, course, learner, status in enrolments:
                info = {"enrolment": e.id, "title": course.title, "lesson": status.lesson,
                        "lessons": status.lessons, "name": learner.display_name,
                        "date": e.deadline.strftime("%d.%m.%Y") if e.deadline else ""}
                today = now_fits(learner)
                last = local_now(e.last_activity_at, self._tz(learner)).date()
                if (today is not None and not learner.unreachable
                        and stalled(last, today, self.settings.course_nudge_days, country)):
                    due.append(Claim(learner, COURSE_NUDGE, f"e{e.id}:{last.isoformat()}", now, info))
                if e.deadline is not None and local_now(now, self._tz(learner)).date() > e.deadline:
                    for manager in await self._managers_of(s, learner, managers_cache):
                        if now_fits(manager) is not None:
                            due.append(Claim(manager, COURSE_OVERDUE, f"e{e.id}", now, info))
        claims = await self._claim(due, now)
        await self._send_all(claims, self._deliver, report)
        return report

    # -- SMM weekly figures ------------------------------------------------------------------------
    async def smm_weekly(self, now: datetime, report: Report | None = None) -> Report:
        """Each open SMM account whose latest ended week has no report: on the first working day after the week's
        end (the responsible member's working days, time zone and days off) from SMM_FORM_AT within the grace
        period, the responsible member gets the week's form; on the second working day the form again as a
        reminder; from the third their managers (else the admins) are told, at SMM_FORM_AT in each manager's time
        zone on the manager's first working day (public holidays, their days off) from then. Once each (the
        delivery log)."""
        report = report if report is not None else Report()
        at = parse_hhmm(self.settings.smm_form_at)
        country = self.settings.holiday_country
        due: list[Claim] = []

        def planned_for(member: Member) -> tuple[date, datetime]:
            today = local_now(now, self._tz(member)).date()
            return today, datetime.combine(today, at, ZoneInfo(self._tz(member))).astimezone(UTC)

        async with self.db.session() as s:
            rows = [(a, p, m) for a, p, m in await smm_repo.accounts(s) if m.active]
            if not rows:
                return report
            plan: list[tuple[Any, Any, Member, date, datetime]] = []
            for a, p, m in rows:
                today, planned = planned_for(m)
                week_end = smm_rules.last_week_end(today, a.week_end)
                if week_end < a.start_date or (today - week_end).days > 14:
                    continue
                # the form and the reminder: the responsible member's time; the managers' note (the third working
                # day or later: at least three days after the week's end) is timed by each manager below
                if planned <= now <= planned + self.grace or (today - week_end).days >= 3:
                    plan.append((a, p, m, week_end, planned))
            if not plan:
                return report
            first = min(x[3] for x in plan)
            last = max(local_now(now, self._tz(x[2])).date() for x in plan)
            off: dict[int, set[date]] = defaultdict(set)
            for mid, d in await reporting_repo.days_off_between(s, sorted({x[2].id for x in plan}), first, last):
                off[mid].add(d)
            reported = await smm_repo.reported_weeks(s, [x[0].id for x in plan], [x[3] for x in plan])
            managers_cache: dict[int, list[Member]] = {}
            notes: list[tuple[Member, date, datetime, str, dict[str, Any]]] = []  # the managers' notes, if working
            for a, p, m, week_end, planned in plan:
                if (a.id, week_end) in reported:
                    continue
                today = local_now(now, self._tz(m)).date()
                hol = _holidays([week_end, today], country)
                n = sum(1 for i in range(1, (today - week_end).days + 1)
                        if is_working_day(week_end + timedelta(days=i), hol, off[m.id]))
                key = f"{a.id}:{week_end.isoformat()}"
                data = {"account": a.id, "week": week_end}
                kind = SMM_STEPS.get(n)
                if kind in (SMM_FORM, SMM_REMIND):
                    if (not m.unreachable and planned <= now <= planned + self.grace
                            and is_working_day(today, hol, off[m.id])):
                        due.append(Claim(m, kind, key, planned, data))
                elif n >= 3 and m.department_id is not None:
                    info = data | {"name": m.display_name, "title": a.name, "project": p.name}
                    for manager in await self._managers_of(s, m, managers_cache):
                        mday, mplanned = planned_for(manager)
                        if mplanned <= now <= mplanned + self.grace:
                            notes.append((manager, mday, mplanned, key, info))
            if notes:  # the managers' days off: one query for all of them (their today differs by time zone)
                managers_off: dict[int, set[date]] = defaultdict(set)
                for mid, d in await reporting_repo.days_off_between(
                        s, sorted({x[0].id for x in notes}), min(x[1] for x in notes), max(x[1] for x in notes)):
                    managers_off[mid].add(d)
                for manager, mday, mplanned, key, info in notes:
                    if is_working_day(mday, _holidays([mday], country), managers_off[manager.id]):
                        due.append(Claim(manager, SMM_MANAGER, key, mplanned, info))
        claims = await self._claim(due, now)
        await self._send_all(claims, self._deliver, report)
        return report

    async def smm_channels(self, now: datetime, report: Report | None = None) -> Report:
        """Once a day (team date) the subscriber count of each Telegram channel where the bot is an administrator
        (``getChatMemberCount``): the weekly form shows it as the followers figure."""
        report = report if report is not None else Report()
        bot = getattr(self.sender, "bot", None)
        if bot is None:
            return report
        today = dg.team_today(now, self.settings)
        async with self.db.session() as s:
            services = build_services(s, self.db, self.settings, self.clock)
            for account_id, chat_id in await services.smm.channels_to_count(today):
                try:
                    count = await bot.get_chat_member_count(chat_id)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # removed meanwhile, or Telegram down: tried again tomorrow
                    log.warning("getChatMemberCount %s for SMM account %s: %s", chat_id, account_id, exc)
                    report.skipped["smm_count_failed"] += 1
                    await services.smm.record_count(account_id, None, today)
                    continue
                await services.smm.record_count(account_id, count, today)
                report.sent.append(Sent(0, "smm_count", f"{account_id}:{today}", "sent"))
        return report

    async def _smm_departments(self) -> set[int | None]:
        """The departments of the open SMM accounts' responsible members."""
        async with self.db.session() as s:
            return await smm_section.departments(s)

    @staticmethod
    def _smm_in_scope(scope: dg.Scope, departments: set[int | None]) -> bool:
        return smm_section.in_scope(scope, departments)

    async def _smm_with_weekly(self, due: list[Claim], prefs: dict[int, DigestPrefs], now: datetime) -> list[Claim]:
        """The weekly digests of ``due`` whose managers want the SMM section inside (and have accounts in scope)
        carry it (``data["smm"]``): its delivery row (``smm_digest``, the week's key) is claimed first, as done
        inside the weekly digest, so that it goes once whichever way. → those rows' claims (sent as nothing)."""
        wanted = [c for c in due if c.kind == DELIVERY_KINDS[WEEKLY] and prefs[c.member.id].smm_with_weekly]
        if not wanted:
            return []
        departments = await self._smm_departments()
        wanted = [c for c in wanted if self._smm_in_scope(c.data["scope"], departments)]
        if not wanted:
            return []
        async with self.db.session() as s:  # the weekly digest was claimed already: its SMM section stays as it was
            taken = await repo.keys_exist(s, [c.key for c in wanted])
        wanted = [c for c in wanted if c.key not in taken]
        won = await self._claim([Claim(c.member, SMM_DIGEST, smm_week_key(dg.team_today(c.planned_at, self.settings)),
                                       c.planned_at, {"with_weekly": True}) for c in wanted], now)
        members = {c.member.id for c in won}
        for c in wanted:
            if c.member.id in members:
                c.data["smm"] = True
        return won

    async def smm_digests(self, now: datetime, report: Report | None = None) -> Report:
        """On the first working day of the ISO week (team zone), at the manager's digest time (DAILY_DIGEST_TIME
        or their own) within the grace period: every manager with SMM accounts in their scope who chose it as its
        own message (or switched the weekly digest off) gets the week's SMM section — a chart and who reported on
        time, the best and worst movers, the flagged falls — once per manager and week. The others get it inside
        the weekly digest (:meth:`_smm_with_weekly`); the same delivery row (``smm_digest``, the week) stands for
        both, so a change of mind after one was sent sends nothing again."""
        report = report if report is not None else Report()
        zone = ZoneInfo(self.settings.timezone)
        today = dg.team_today(now, self.settings)
        if not first_working_day_of_week(today, self.settings.holiday_country):
            return report
        managers, prefs, scopes = await self._managers()
        key = smm_week_key(today)
        due = []
        for m in managers:
            if m.id not in scopes or prefs[m.id].smm_with_weekly:
                continue
            at = datetime.combine(today, prefs[m.id].at, zone).astimezone(UTC)
            if at <= now <= at + self.grace:
                due.append(Claim(m, SMM_DIGEST, key, at))
        if not due:
            return report
        # a manager without accounts in scope gets no SMM section (and no delivery row)
        departments = await self._smm_departments()
        claims = await self._claim([c for c in due if self._smm_in_scope(scopes[c.member.id], departments)], now)
        await self._send_all(claims, self._deliver, report)
        return report

    async def smm_clients(self, now: datetime, report: Report | None = None) -> Report:
        """Every active client of a project gets each reported week of the project's open SMM accounts (the
        latest SMM_CLIENT_WEEKS ended weeks: a late report still goes, an imported history does not) as one short
        message, once per client, account and week (the delivery log), on the client's working day within the
        notify window (their time zone)."""
        report = report if report is not None else Report()
        country = self.settings.holiday_country
        due: list[Claim] = []
        async with self.db.session() as s:
            accounts = [a for a, _p, _m in await smm_repo.accounts(s)]
            if not accounts:
                return report
            clients: dict[int, list[Member]] = {}
            for project_id in {a.project_id for a in accounts}:
                clients[project_id] = [c for c in await clients_repo.active_clients(s, project_id)
                                       if not c.unreachable]
            accounts = [a for a in accounts if clients[a.project_id]]
            if not accounts:
                return report
            today = dg.team_today(now, self.settings)
            ends = {a.id: smm_rules.week_ends(smm_rules.last_week_end(today, a.week_end), SMM_CLIENT_WEEKS)
                    for a in accounts}
            reported = await smm_repo.reported_weeks(s, [a.id for a in accounts],
                                                     [e for es in ends.values() for e in es])
            fits: dict[int, bool] = {}
            for a in accounts:
                for client in clients[a.project_id]:
                    if client.id not in fits:
                        local = local_now(now, self._tz(client))
                        fits[client.id] = (is_working_day(local.date(), _holidays([local.date()], country))
                                           and in_notify_window(local, self.settings))
                    if not fits[client.id]:
                        continue
                    for end in ends[a.id]:
                        if (a.id, end) in reported:
                            due.append(Claim(client, SMM_CLIENT, f"{a.id}:{end.isoformat()}", now,
                                             {"account": a.id, "week": end}))
        claims = await self._claim(due, now)
        await self._send_all(claims, self._deliver, report)
        return report

    async def _send_smm_client(self, c: Claim, t) -> Outcome | None:
        week = date.fromisoformat(c.data["week"]) if isinstance(c.data["week"], str) else c.data["week"]
        async with self.db.session() as s:
            w = await build_services(s, self.db, self.settings, self.clock).clients.smm_week(
                c.member, c.data["account"], week)
        if w is None:  # archived, no longer the client's project: nothing to say
            return None
        return await self.sender.send_text(c.member.telegram_id, client_smm_week(t, w), kind=c.kind)

    async def _smm_digest(self, member: Member):
        async with self.db.session() as s:
            return await build_services(s, self.db, self.settings, self.clock).smm.digest(member)

    async def _send_smm_digest(self, c: Claim, t) -> Outcome | None:
        if c.data.get("with_weekly"):  # the section went inside the weekly digest (its own delivery row)
            return Outcome(WITH_WEEKLY, 0, "inside the weekly digest")
        digest = await self._smm_digest(c.member)
        if digest is None:  # no accounts in the manager's scope
            return None
        png, text = await smm_section.section(self.renderer, t, digest, CAPTION_LIMIT)
        return await self.sender.send_charts(c.member.telegram_id, [png], text, kind=c.kind)

    async def _send_weekly_with_smm(self, c: Claim, t, weekly: dg.Digest | None) -> Outcome | None:
        """The weekly digest with the SMM section inside: its chart last in the album, its text after the digest's
        in the caption (lists shortened to fit 1024 characters; when even its shortest form does not fit, the
        whole text follows the pictures as a message)."""
        smm = await self._smm_digest(c.member)
        chat = c.member.telegram_id
        if smm is None:
            return None if weekly is None else await self.sender.send_charts(chat, weekly.pngs, weekly.caption,
                                                                            kind=c.kind)
        # nobody with a plan in scope (weekly None): the SMM section alone
        pngs, caption = await smm_section.inside_weekly(self.renderer, t, smm, weekly)
        return await self.sender.send_charts(chat, pngs, caption, kind=c.kind)

    async def _send_smm_form(self, c: Claim, t) -> Outcome | None:
        week = date.fromisoformat(c.data["week"]) if isinstance(c.data["week"], str) else c.data["week"]
        async with self.db.session() as s:
            form = await build_services(s, self.db, self.settings, self.clock).smm.due_form(c.data["account"], week)
        if form is None:  # reported, archived or reassigned meanwhile: nothing to ask for
            return None
        text, markup = smm_form(t, form, reminder=c.kind == SMM_REMIND)
        return await self.sender.send_text(c.member.telegram_id, text, reply_markup=markup, kind=c.kind)


    # -- leads: the hand-off to sales ---------------------------------------------------------------
    async def handoff_sla(self, now: datetime, report: Report | None = None) -> Report:
        """A lead handed to sales that nobody took within HANDOFF_SLA_HOURS working hours (the manager's zone)
        tells the sales department's managers, once per hand-off (the delivery log), on working days within the
        notify window."""
        report = report if report is not None else Report()
        hours = self.settings.handoff_sla_hours
        country = self.settings.holiday_country
        due: list[Claim] = []
        notified: list[int] = []
        async with self.db.session() as s:
            services = build_services(s, self.db, self.settings, self.clock)
            # working hours are never fewer clock hours: created before now - hours is a superset
            waiting = await services.leads.waiting_handoffs(now - timedelta(hours=hours))
            if not waiting:
                return report
            departments = {d.id: d for d in await org_repo.list_departments(s)}
            for handoff, lead, managers in waiting:
                hander = await org_repo.member_by_id(s, handoff.handed_by) if handoff.handed_by else None
                told = 0
                for manager in managers:
                    tz = self._tz(manager)
                    local = local_now(now, tz)
                    if (now < add_working_hours(handoff.created_at, hours, tz, country)
                            or not is_working_day(local.date(), _holidays([local.date()], country))
                            or not in_notify_window(local, self.settings)):
                        continue
                    waited = int((now - handoff.created_at).total_seconds() // 3600)
                    dept = departments.get(handoff.department_id)
                    due.append(Claim(manager, HANDOFF_SLA, f"h{handoff.id}", now, {
                        "id": lead.id, "name": lead.name if lead.forgotten_at is None else "—",
                        "department": dept.name if dept else "—", "hours": waited,
                        "by": hander.display_name if hander else "—"}))
                    told += 1
                if managers and told == len(managers):  # every manager is told (now or before): done scanning it
                    notified.append(handoff.id)
        claims = await self._claim(due, now)
        await self._send_all(claims, self._deliver, report)
        if notified:
            async with self.db.session() as s:
                await build_services(s, self.db, self.settings, self.clock).leads.mark_sla_notified(
                    sorted(set(notified)))
        return report

    # -- rating campaign -------------------------------------------------------------------------
    async def rating_campaign(self, now: datetime, report: Report | None = None) -> Report:
        """First working day of the month: start the campaign; RATING_REMINDER_DAYS later: remind raters."""
        report = report if report is not None else Report()
        zone = ZoneInfo(self.settings.timezone)
        today = dg.team_today(now, self.settings)
        at = datetime.combine(today, parse_hhmm(self.settings.daily_digest_time), zone).astimezone(UTC)
        if not at <= now <= at + self.grace:
            return report
        country = self.settings.holiday_country
        first = next((today.replace(day=i) for i in range(1, today.day + 1)
                      if first_working_day_of_month(today.replace(day=i), country)), None)
        jobs: list[tuple[str, Callable[[Jobs, Services, datetime], Awaitable[str]]]] = []
        if first_working_day_of_month(today, country):
            jobs.append((RATING_CAMPAIGN, run_rating_campaign))
        if first is not None and today == first + timedelta(days=self.settings.rating_reminder_days):
            jobs.append((RATING_REMINDER, remind_raters))
        for kind, hook in jobs:
            async with self.db.session() as s:
                try:
                    async with self.db.writing(s):
                        s.add(JobRun(kind=kind, period_key=f"{today:%Y-%m}", started_at=now))
                except IntegrityError:
                    report.skipped[kind] += 1
                    continue
                outcome = await hook(self, build_services(s, self.db, self.settings, self.clock), now)
                run = await repo.job_run(s, kind, f"{today:%Y-%m}")
                async with self.db.writing(s):
                    run.outcome = outcome
                report.sent.append(Sent(0, kind, f"{today:%Y-%m}", outcome.split(":")[0]))
                log.info("%s %s: %s", kind, today, outcome)
        return report

    # -- tasks ------------------------------------------------------------------------------------------
    async def task_reminders(self, now: datetime, report: Report | None = None) -> Report:
        """An open task reminds its assignee at its due time (with Done, +1 hour, Tomorrow); TASK_OVERDUE_HOURS
        later it reminds them once more; at twice that its creator's managers are told (when the creator
        has none but themself: the creator). Each once per due time (moving a task starts afresh), through the
        delivery log. The due-time reminder goes at the time the member chose; the overdue ones only on the
        assignee's working days within NOTIFY_HOURS (their zone). See docs/tasks.md."""
        report = report if report is not None else Report()
        hours = self.settings.task_overdue_hours
        country = self.settings.holiday_country
        due: list[Claim] = []
        async with self.db.session() as s:
            # a task overdue longer than its notices can wait (twice the hours, then days off) is not re-read
            since = now - timedelta(hours=2 * hours) - TASK_NOTICE_HORIZON
            open_tasks = await tasks_repo.open_due_between(s, since, now + timedelta(microseconds=1))
            if not open_tasks:
                return report
            members = {m.id: m for m in await org_repo.list_members(s, active_only=True)}
            days_off = {(mid, d) for mid, d in await reporting_repo.days_off_between(
                s, sorted({t.assignee_id for t in open_tasks}), now.date() - timedelta(days=1),
                now.date() + timedelta(days=1))}
            managers_cache: dict[int, list[Member]] = {}
            for task in open_tasks:
                assignee = members.get(task.assignee_id)
                if assignee is None:
                    continue
                n = notices(task.due_at, now, hours)
                key = notice_key(task.id, task.due_at)
                data = {"task": task.id, "due": int(task.due_at.timestamp())}
                if n.due and not assignee.unreachable:
                    due.append(Claim(assignee, TASK_DUE, key, task.due_at, data))
                if not n.overdue:
                    continue
                local = local_now(now, self._tz(assignee))
                if (not is_working_day(local.date(), _holidays([local.date()], country))
                        or (assignee.id, local.date()) in days_off or not in_notify_window(local, self.settings)):
                    continue
                if not assignee.unreachable:
                    due.append(Claim(assignee, TASK_OVERDUE, key, task.due_at + timedelta(hours=hours), data))
                creator = members.get(task.creator_id)
                if not n.escalate or creator is None:
                    continue
                told = [m for m in (await self._managers_of(s, creator, managers_cache)
                                    if creator.department_id is not None else []) if m.id != assignee.id]
                if not told and creator.id != assignee.id and not creator.unreachable:
                    told = [creator]
                for manager in told:
                    due.append(Claim(manager, TASK_ESCALATE, key, task.due_at + timedelta(hours=2 * hours), data))
        claims = await self._claim(due, now)
        await self._send_all(claims, self._deliver, report)
        return report

    async def task_agenda(self, now: datetime, report: Report | None = None) -> Report:
        """Each working morning at TASK_AGENDA_TIME (member's zone; after a restart still within DIGEST_GRACE_HOURS)
        a member with open tasks due today or overdue, made before that time, or with leads in an open stage
        without an open task linked (no next step), gets one agenda message (nothing when there is nothing), once
        per day (the delivery log)."""
        report = report if report is not None else Report()
        at = parse_hhmm(self.settings.task_agenda_time)
        country = self.settings.holiday_country
        due: list[Claim] = []
        async with self.db.session() as s:
            # today ends within two days of now in every zone: a superset, each member's day is checked below
            ids = await tasks_repo.assignees_with_open_before(s, now + timedelta(days=2))
            # whose morning it is now: they may also have leads without a next step (point 8), asked only for them
            active = [m for m in await org_repo.list_members(s, active_only=True) if not m.unreachable]
            morning = [m.id for m in active
                       if self._morning(m, at, now) <= now <= self._morning(m, at, now) + self.grace]
            for owner in await leads_repo.owners_without_next_step(s, morning):
                ids[owner] = datetime.min.replace(tzinfo=UTC)  # their leads wait since before the morning
            if not ids:
                return report
            members = [m for m in active if m.id in ids]
            days_off = {(mid, d) for mid, d in await reporting_repo.days_off_between(
                s, [m.id for m in members], now.date() - timedelta(days=1), now.date() + timedelta(days=1))}
            for m in members:
                local = local_now(now, self._tz(m))
                planned = self._morning(m, at, now)
                # the morning's agenda: late (a restart) within the grace period, but not for a member whose
                # tasks all came after the morning (they just made them; the reminders will come)
                if not planned <= now <= planned + self.grace or ids[m.id] > planned:
                    continue
                if (not is_working_day(local.date(), _holidays([local.date()], country))
                        or (m.id, local.date()) in days_off):
                    continue
                due.append(Claim(m, TASK_AGENDA, local.date().isoformat(), planned, {"day": local.date()}))
        claims = await self._claim(due, now)
        await self._send_all(claims, self._deliver, report)
        return report

    def _morning(self, m: Member, at: time, now: datetime) -> datetime:
        """The member's today's TASK_AGENDA_TIME (their zone), as UTC."""
        return datetime.combine(local_now(now, self._tz(m)).date(), at, ZoneInfo(self._tz(m))).astimezone(UTC)

    async def _send_task_notice(self, c: Claim, t) -> Outcome | None:
        """A task reminder, overdue reminder or a manager's notice; ``None`` when the task was done, moved or
        reassigned since it was claimed."""
        d = c.data
        async with self.db.session() as s:
            tasks = build_services(s, self.db, self.settings, self.clock).tasks
            view = await tasks.notice_view(c.member, d["task"], d["due"], as_assignee=c.kind != TASK_ESCALATE)
        if view is None:
            return None
        if c.kind == TASK_ESCALATE:
            late = int((self.clock.now() - view.task.due_at).total_seconds() // 3600)
            text = t("task-escalate", id=view.task.id, title=view.task.title, name=view.assignee.display_name,
                     due=task_due(view), hours=late)
            return await self.sender.send_text(c.member.telegram_id, text, kind=c.kind)
        text, markup = task_card(t, view, "task-remind-head" if c.kind == TASK_DUE else "task-overdue-head")
        return await self.sender.send_text(c.member.telegram_id, text, reply_markup=markup, kind=c.kind)

    async def _send_task_agenda(self, c: Claim, t) -> Outcome | None:
        async with self.db.session() as s:
            tasks = build_services(s, self.db, self.settings, self.clock).tasks
            agenda = await tasks.agenda(c.member, self.clock.now())
        if agenda.empty:
            return None
        lines = [t("task-agenda-head")]
        for key, views in (("task-agenda-overdue", agenda.overdue), ("task-agenda-today", agenda.today)):
            if views:
                lines += ["", t(key, n=len(views)), *(task_line(t, v, c.member.id) for v in views)]
        if agenda.no_step_total:
            lines += ["", t("task-agenda-no-step", n=agenda.no_step_total),
                      *(t("task-agenda-lead", id=lead.id, name=lead.name or "—",
                          stage=stage_name(t, agenda.stages.get(lead.stage_id))) for lead in agenda.no_step)]
            if agenda.no_step_total > len(agenda.no_step):
                lines.append(t("list-more", n=agenda.no_step_total - len(agenda.no_step)))
            lines.append(t("task-agenda-no-step-hint"))
        lines += ["", t("task-agenda-foot")]
        text = "\n".join(fit(lines, lambda n: t("list-more", n=n)))
        return await self.sender.send_text(c.member.telegram_id, text, kind=c.kind)

    # -- claim, send, record ------------------------------------------------------------------------
    async def _deliver(self, c: Claim) -> Outcome | None:
        """Build one claimed delivery's message (in the member's language) and send it; the only place
        that turns a claim into a message, for the run that claimed it and for :meth:`recover` alike.
        ``None``: nothing to say (an empty digest)."""
        t = self._t(c.member)
        chat = c.member.telegram_id
        d = c.data
        if ONCE_TEXT in d:  # a notice a handler sent through Sender.send_once, left unsent by a restart
            return await self.sender.send_text(chat, d[ONCE_TEXT], kind=c.kind)
        if c.kind in DELIVERY_KINDS.values():
            digest = await self.digest(_scope(d["scope"]), d["digest"], c.planned_at, self._lang(c.member))
            if d.get("smm"):
                return await self._send_weekly_with_smm(c, t, digest)
            if digest is None:  # nobody with a plan in scope: nothing to say
                return None
            return await self.sender.send_charts(chat, digest.pngs, digest.caption, kind=c.kind)
        if c.kind == LAG_MEMBER:
            text = t("lag-member", days=d["days"], per_day=d["per_day"] or 0, done=d["done"], plan=d["plan"])
        elif c.kind == LAG_MANAGER:
            text = t("lag-manager", name=d["name"], days=d["days"], per_day=d["per_day"] or 0, done=d["done"],
                     plan=d["plan"])
        elif c.kind == REMIND_REPORT:
            text = t("remind-report")
        elif c.kind in (REVISION_WRITER, REVISION_MANAGER):
            key = "revision-overdue-writer" if c.kind == REVISION_WRITER else "revision-overdue-manager"
            text = t(key, **d)
        elif c.kind == CLIENT_REMIND:
            async with self.db.session() as s:
                card = await build_services(s, self.db, self.settings, self.clock).clients.reminder_card(
                    c.member, d["unit"])
            if card is None:  # decided, deleted or no longer the client's meanwhile: nothing to remind of
                return None
            text, markup = client_card(t, card, reminder=True)
            return await self.sender.send_text(chat, text, reply_markup=markup, kind=c.kind)
        elif c.kind == CLIENT_ESCALATE:
            text = t("client-waiting-manager", **d)
        elif c.kind == CLIENT_REPORT:
            return await self._send_client_report(c, t)
        elif c.kind == KB_REVIEW:
            text, markup = article_review(t, d["article"], d["title"], date.fromisoformat(d["checked"]))
            return await self.sender.send_text(chat, text, reply_markup=markup, kind=c.kind)
        elif c.kind == COURSE_NUDGE:
            text, markup = course_nudge(t, d["title"], d["lesson"], d["lessons"], d["enrolment"])
            return await self.sender.send_text(chat, text, reply_markup=markup, kind=c.kind)
        elif c.kind == COURSE_OVERDUE:
            text = t("course-overdue-manager", name=d["name"], title=d["title"], date=d["date"], lesson=d["lesson"],
                     lessons=d["lessons"])
        elif c.kind in (SMM_FORM, SMM_REMIND):
            return await self._send_smm_form(c, t)
        elif c.kind == SMM_DIGEST:
            return await self._send_smm_digest(c, t)
        elif c.kind == SMM_CLIENT:
            return await self._send_smm_client(c, t)
        elif c.kind == SMM_MANAGER:
            week = date.fromisoformat(d["week"]) if isinstance(d["week"], str) else d["week"]
            text = t("smm-remind-manager", name=d["name"], account=d["title"], project=d["project"],
                     week=week.strftime("%d.%m.%Y"))

        elif c.kind == HANDOFF_SLA:
            text = t("handoff-sla", **d)
        elif c.kind in (TASK_DUE, TASK_OVERDUE, TASK_ESCALATE):
            return await self._send_task_notice(c, t)
        elif c.kind == TASK_AGENDA:
            return await self._send_task_agenda(c, t)
        else:
            raise ValueError(f"unknown delivery kind {c.kind}")
        return await self.sender.send_text(chat, text, kind=c.kind)

    # -- after a restart ---------------------------------------------------------------------------
    async def recover(self, now: datetime | None = None, report: Report | None = None) -> Report:
        """Once at start-up, before the first tick: deliveries (and rating forms) claimed but never
        sent — the process stopped in between — are sent once if planned within DIGEST_GRACE_HOURS
        (status ``resending`` meanwhile), else marked ``expired`` with the reason; one interrupted
        again while resent is expired too."""
        now = now or self.clock.now()
        report = report if report is not None else Report()
        since = now - self.grace
        claims: list[Claim] = []
        async with self.db.session() as s, self.db.writing(s):
            rows = await repo.unfinished_deliveries(s, before=now)
            members = {m.id: m for m in await org_repo.list_members(s)} if rows else {}
            for row in rows:
                member = members.get(row.member_id)
                reason = None
                if row.status == RESENDING:
                    reason = "expired: interrupted again while resent after a restart"
                elif row.planned_at < since:
                    reason = "expired: not sent before a restart and past DIGEST_GRACE_HOURS"
                elif row.payload is None or member is None or not member.active or member.unreachable:
                    reason = "expired: not sent before a restart; cannot be rebuilt or member gone"
                if reason is not None:
                    row.status, row.error = EXPIRED, reason
                    report.skipped["expired"] += 1
                    continue
                row.status = RESENDING
                claims.append(Claim(member, row.kind, row.period_key, row.planned_at, dict(row.payload)))
        if claims:
            log.info("recovering %d delivery(ies) left pending by the last run", len(claims))
        await self._send_all(claims, self._deliver, report)
        await self._recover_forms(now, report)
        return report

    async def _recover_forms(self, now: datetime, report: Report) -> None:
        async with self.db.session() as s:
            services = build_services(s, self.db, self.settings, self.clock)
            forms, reminders, expired = await services.ratings.unsent_forms(now - self.grace)
            report.skipped["expired"] += expired
            if forms:
                sent = await deliver_forms(self.sender, services, self.catalog, forms, kind=RATING_CAMPAIGN)
                report.sent.extend(Sent(0, RATING_CAMPAIGN, "recovered", "sent") for _ in range(sent))
            if reminders:
                sent = await deliver_forms(self.sender, services, self.catalog, reminders, reminder=True,
                                           kind=RATING_REMINDER)
                report.sent.extend(Sent(0, RATING_REMINDER, "recovered", "sent") for _ in range(sent))

    @staticmethod
    def _row(c: Claim, now: datetime) -> dict[str, Any]:
        return {"member_id": c.member.id, "kind": c.kind, "period_key": c.period_key,
                "planned_at": c.planned_at, "created_at": now, "payload": _payload(c.data)}

    async def _claim(self, due: Sequence[Claim], now: datetime) -> list[Claim]:
        """Record the deliveries not recorded yet and return them (insert-or-skip = at most once)."""
        if not due:
            return []
        unique = list({c.key: c for c in due}.values())
        async with self.db.session() as s:
            taken = await repo.keys_exist(s, [c.key for c in unique])
            fresh = [c for c in unique if c.key not in taken]
            if not fresh:
                return []
            try:
                async with self.db.writing(s):
                    await repo.insert_deliveries(s, [self._row(c, now) for c in fresh])
                return fresh
            except IntegrityError:  # another instance claimed some of them meanwhile: one by one
                pass
            won = []
            for c in fresh:
                try:
                    async with self.db.writing(s):
                        await repo.insert_deliveries(s, [self._row(c, now)])
                    won.append(c)
                except IntegrityError:
                    continue
            return won

    async def _send_all(self, claims: Sequence[Claim], one: Callable[[Claim], Awaitable[Outcome | None]],
                        report: Report) -> None:
        """Send claimed deliveries with SEND_CONCURRENCY workers; record every outcome."""
        if not claims:
            return
        queue: asyncio.Queue[Claim] = asyncio.Queue()
        for c in claims:
            queue.put_nowait(c)
        results: list[tuple[Claim, Outcome]] = []

        async def worker() -> None:
            while not queue.empty() and not self.stopping:  # on shutdown: finish the send in hand only
                c = queue.get_nowait()
                try:
                    outcome = await one(c)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # building or rendering failed: record, go on
                    log.exception("delivery %s to member %s failed", c.kind, c.member.id)
                    outcome = Outcome(FAILED, 0, f"{type(exc).__name__}: {exc}")
                if outcome is None:
                    report.skipped["empty_digest" if c.kind in DELIVERY_KINDS.values() else "empty"] += 1
                    outcome = Outcome("skipped", 0, "nothing to send")
                results.append((c, outcome))
                report.sent.append(Sent(c.member.id, c.kind, c.period_key, outcome.status))

        workers = min(self.settings.send_concurrency, len(claims))
        try:
            await asyncio.gather(*(worker() for _ in range(workers)))
        finally:
            await self._record(results)

    async def _record(self, results: Sequence[tuple[Claim, Outcome]]) -> None:
        if not results:
            return
        now = self.clock.now()
        async with self.db.session() as s, self.db.writing(s):
            for c, o in results:
                await repo.set_outcome(s, c.key, o.status, o.attempts, now if o.ok else None, o.error)
