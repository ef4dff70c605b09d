"""Peer ratings between departments: policies, rating, the monthly campaign, views and export.

Anonymity: under anonymous and aggregate policies the rater is stored only as an HMAC
(``rater_key``/``dedup_key``, see :mod:`bot.domain.ratings`), and nothing this service returns for
other people carries the rater: no id, no name, no timestamp, and comments are ordered by score and
text, never by time. See docs/ratings.md.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.domain import ratings as dom
from bot.domain.workdays import local_today
from bot.errors import NotAllowed, UserError
from bot.services.base import Service
from bot.services.stats import record_rating
from models import org_repo, stats_repo
from models import ratings_repo as repo
from models.org import Department, Member
from models.ratings import Rating, RatingForm, RatingPolicy, RatingThreshold
from models.stats import RatingStat

MAX_TASK_REF = 300
TREND_MONTHS = 6


@dataclass(frozen=True, slots=True)
class Target:
    policy: RatingPolicy
    person: Member
    done_score: int | None  # the month-level rating already given this period, if any


@dataclass(frozen=True, slots=True)
class SubmitResult:
    rating: Rating
    created: bool
    policy: RatingPolicy
    rated: Member
    notify: str | None  # open | anonymous | threshold | None


@dataclass(frozen=True, slots=True)
class CampaignItem:
    rater: Member
    rated: Member
    policy: RatingPolicy
    period: str
    form_id: int = 0  # the RatingForm row that records this delivery


# RatingForm.status / reminder_status (the same words as models.scheduling's delivery statuses)
FORM_PENDING, FORM_SENT, FORM_RESENDING, FORM_EXPIRED = "pending", "sent", "resending", "expired"
OPEN_FORM = (FORM_PENDING, FORM_SENT, FORM_RESENDING)


@dataclass(frozen=True, slots=True)
class OwnResult:
    policy: RatingPolicy
    rater_department: str
    summary: dom.RatingSummary


@dataclass(frozen=True, slots=True)
class PersonLine:
    person: Member
    summary: dom.RatingSummary  # hidden in aggregate mode below k


@dataclass
class DepartmentBlock:
    department: Department
    people: list[PersonLine] = field(default_factory=list)
    average: Decimal | None = None
    count: int = 0
    distribution: dict[int, int] = field(default_factory=dict)
    trend: list[tuple[str, Decimal, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class GivenRating:
    rated: Member
    policy: RatingPolicy
    rating: Rating


def _months_back(period: str, n: int) -> list[str]:
    d = dom.parse_period(period)
    out = []
    y, m = d.year, d.month
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return sorted(out)


class RatingService(Service):
    def __init__(self, session: AsyncSession, db: Database, settings: Settings, clock: Clock) -> None:
        super().__init__(session, db, settings, clock)
        self._secret = settings.rating_key()

    # -- time ------------------------------------------------------------------------
    def today(self) -> date:
        return local_today(self.clock.now(), self.settings.timezone)

    def current_period(self) -> str:
        return dom.period_of(self.today())

    def parse_period(self, text: str | None) -> str:
        if not text:
            return self.current_period()
        try:
            return dom.period_of(dom.parse_period(text))
        except dom.PeriodError as exc:
            raise UserError("rating-error-period", text=text) from exc

    @property
    def k(self) -> int:
        return self.settings.rating_threshold_k

    def rater_key(self, policy_id: int, member_id: int) -> str:
        return dom.rater_key(self._secret, policy_id, member_id)

    # -- policies (admin) ---------------------------------------------------------------
    async def policies(self, actor: Member) -> tuple[list[RatingPolicy], dict[int, Department]]:
        self.require_admin(actor)
        departments = {d.id: d for d in await org_repo.list_departments(self.session)}
        return await repo.list_policies(self.session), departments

    async def policy(self, actor: Member, policy_id: int) -> tuple[RatingPolicy, dict[int, Department]]:
        self.require_admin(actor)
        policy = await repo.policy_by_id(self.session, policy_id)
        if policy is None:
            raise UserError("rating-error-policy-not-found")
        departments = {d.id: d for d in await org_repo.list_departments(self.session)}
        return policy, departments

    async def create_policy(self, actor: Member, rater_dept: int, rated_dept: int, cadence: str,
                            mode: str) -> RatingPolicy:
        self.require_admin(actor)
        try:
            cadence, mode = dom.Cadence(cadence).value, dom.AnonymityMode(mode).value
        except ValueError as exc:
            raise UserError("error-bad-choice") from exc
        now = self.clock.now()
        async with self.db.writing(self.session) as s:
            for dept in (rater_dept, rated_dept):
                if await org_repo.department_by_id(s, dept) is None:
                    raise UserError("error-department-not-found")
            if await repo.policy_by_pair(s, rater_dept, rated_dept) is not None:
                raise UserError("rating-error-policy-exists")
            policy = RatingPolicy(rater_department_id=rater_dept, rated_department_id=rated_dept,
                                  cadence=cadence, mode=mode, active=True, created_at=now)
            s.add(policy)
            await s.flush()
            org_repo.audit(s, actor_id=actor.id, action="rating_policy.created", object_type="rating_policy",
                           object_id=policy.id, at=now, rater_department_id=rater_dept,
                           rated_department_id=rated_dept, cadence=cadence, mode=mode)
        return policy

    async def update_policy(self, actor: Member, policy_id: int, what: str, value: str) -> RatingPolicy:
        self.require_admin(actor)
        async with self.db.writing(self.session) as s:
            policy = await repo.policy_by_id(s, policy_id)
            if policy is None:
                raise UserError("rating-error-policy-not-found")
            try:
                if what == "mode":
                    new = dom.AnonymityMode(value).value
                    old, policy.mode = policy.mode, new
                    if new != dom.AnonymityMode.OPEN.value:
                        # ratings given openly must not keep the rater once the policy is anonymous
                        await repo.scrub_rater_ids(s, policy.id)
                elif what == "cadence":
                    new = dom.Cadence(value).value
                    old, policy.cadence = policy.cadence, new
                elif what == "active":
                    new = value == "1"
                    old, policy.active = policy.active, new
                else:
                    raise UserError("error-bad-choice")
            except ValueError as exc:
                raise UserError("error-bad-choice") from exc
            org_repo.audit(s, actor_id=actor.id, action=f"rating_policy.{what}", object_type="rating_policy",
                           object_id=policy.id, at=self.clock.now(), old=old, new=new)
        return policy

    # -- who may rate whom ------------------------------------------------------------
    async def targets(self, member: Member) -> list[Target]:
        """People the member may rate now, over every active policy of their department."""
        period = self.current_period()
        out: list[Target] = []
        for policy in await repo.policies_for_rater_department(self.session, member.department_id):
            people = [p for p in await repo.active_members_of(self.session, policy.rated_department_id)
                      if p.id != member.id]
            given = {r.rated_id: r.score for r in await repo.ratings(
                self.session, policy_ids=[policy.id], periods=[period],
                rater_keys=[self.rater_key(policy.id, member.id)]) if r.task_ref is None}
            out += [Target(policy, p, given.get(p.id)) for p in people]
        return out

    async def check_target(self, member: Member, policy_id: int, rated_id: int) -> tuple[RatingPolicy, Member]:
        """Server-side check of a (policy, person) pair taken from callback data."""
        policy = await repo.policy_by_id(self.session, policy_id)
        rated = await org_repo.member_by_id(self.session, rated_id)
        if rated is not None and rated.id == member.id:
            raise UserError("rating-error-self")
        if policy is None or not policy.active or rated is None or not rated.active:
            raise UserError("rating-error-not-in-policy")
        reason = dom.can_rate(member.id, member.department_id, rated.id, rated.department_id,
                              policy.rater_department_id, policy.rated_department_id)
        if reason == dom.REASON_SELF:
            raise UserError("rating-error-self")
        if reason is not None:
            raise UserError("rating-error-not-in-policy")
        return policy, rated

    @staticmethod
    def clean_task_ref(text: str | None) -> str | None:
        text = " ".join((text or "").split())
        if not text or not any(ch.isalnum() for ch in text):
            return None
        if len(text) > MAX_TASK_REF:
            raise UserError("error-too-long", limit=MAX_TASK_REF)
        return text

    @staticmethod
    def check_comment(score: int, text: str | None) -> str | None:
        try:
            check = dom.validate_comment(score, text)
        except (TypeError, ValueError) as exc:
            raise UserError("error-bad-choice") from exc
        if not check.ok:
            raise UserError(f"rating-comment-{check.reason.replace('_', '-')}", letters=dom.MIN_COMMENT_LETTERS,
                            limit=dom.MAX_COMMENT_LENGTH)
        return check.comment

    def check_period_open(self, period: str) -> None:
        try:
            if dom.period_closed(period, self.today()):
                raise UserError("rating-error-period-closed")
        except dom.PeriodError as exc:
            raise UserError("error-bad-choice") from exc

    async def existing(self, member: Member, policy_id: int, rated_id: int, task_ref: str | None) -> Rating | None:
        key = dom.dedup_key(self._secret, policy_id, member.id, rated_id, self.current_period(), task_ref)
        return await repo.rating_by_dedup(self.session, key)

    # -- submit --------------------------------------------------------------------
    async def submit(self, member: Member, policy_id: int, rated_id: int, task_ref: str | None, score: int,
                     comment: str | None) -> SubmitResult:
        """Store (or replace) the member's rating; every input is re-checked here."""
        if isinstance(score, bool) or not isinstance(score, int) or not dom.MIN_SCORE <= score <= dom.MAX_SCORE:
            raise UserError("error-bad-choice")
        task_ref = self.clean_task_ref(task_ref)
        comment = self.check_comment(score, comment)
        for attempt in range(3):
            try:
                return await self._submit(member, policy_id, rated_id, task_ref, score, comment)
            except IntegrityError:
                # a concurrent press stored the same rating (or form/threshold) first: retry as an update
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _submit(self, member: Member, policy_id: int, rated_id: int, task_ref: str | None, score: int,
                      comment: str | None) -> SubmitResult:
        now = self.clock.now()
        period = self.current_period()
        async with self.db.writing(self.session) as s:
            policy, rated = await self.check_target(member, policy_id, rated_id)
            if not dom.cadence_allows(policy.cadence, task_ref):
                raise UserError("rating-error-task-required" if task_ref is None else "rating-error-no-task")
            key = dom.dedup_key(self._secret, policy.id, member.id, rated.id, period, task_ref)
            open_mode = policy.mode == dom.AnonymityMode.OPEN.value
            rating = await repo.rating_by_dedup(s, key)
            created = rating is None
            old_score = None if rating is None else rating.score
            if rating is None:
                rating = Rating(policy_id=policy.id, rated_id=rated.id, period=period, task_ref=task_ref,
                                score=score, comment=comment, dedup_key=key,
                                rater_key=self.rater_key(policy.id, member.id),
                                rater_id=member.id if open_mode else None, created_at=now, updated_at=now)
                s.add(rating)
            else:
                rating.score, rating.comment, rating.updated_at = score, comment, now
                rating.rater_id = member.id if open_mode else None
            await s.flush()
            new_rater = created and await stats_repo.ratings_of_rater(s, policy.id, rated.id, period,
                                                                      rating.rater_key) == 1
            await record_rating(s, policy.id, rated.id, period, old_score, score, new_rater=new_rater)
            if task_ref is None:
                rkey = self.rater_key(policy.id, member.id)
                form = await repo.form(s, policy.id, rated.id, period, rkey)
                if form is None:
                    s.add(RatingForm(policy_id=policy.id, rated_id=rated.id, period=period, rater_key=rkey,
                                     sent_at=None, filled=True))
                else:
                    form.filled = True
            notify = None
            if created:
                if policy.mode == dom.AnonymityMode.AGGREGATE.value:
                    raters = await repo.count_raters(s, policy.id, rated.id, period)
                    if raters >= self.k and await repo.threshold(s, policy.id, rated.id, period) is None:
                        s.add(RatingThreshold(policy_id=policy.id, rated_id=rated.id, period=period,
                                              reached_at=now))
                        notify = "threshold"
                else:
                    notify = policy.mode
            await s.flush()
        return SubmitResult(rating, created, policy, rated, notify)

    # -- monthly campaign ----------------------------------------------------------------
    # A form is its own delivery log (models.ratings.RatingForm): claimed ``pending`` here before it is
    # sent, its outcome recorded by :meth:`form_outcome` after; a rater with an open form (pending or
    # sent, not filled) for the period is not sent another.
    async def campaign(self, actor: Member | None = None) -> list[CampaignItem]:
        """Claim this month's forms to send (``/rating_campaign`` by ``actor``, or the scheduler): not for
        a form already filled, rated or open; one audit row."""
        period = self.current_period()
        now = self.clock.now()
        items: list[CampaignItem] = []
        async with self.db.writing(self.session) as s:
            for policy in await repo.list_policies(s, active_only=True):
                if policy.cadence == dom.Cadence.PER_TASK.value:
                    continue
                raters = await repo.active_members_of(s, policy.rater_department_id)
                rated = await repo.active_members_of(s, policy.rated_department_id)
                for rater in raters:
                    rkey = self.rater_key(policy.id, rater.id)
                    for person in rated:
                        if person.id == rater.id:
                            continue
                        form = await repo.form(s, policy.id, person.id, period, rkey)
                        if form is not None and (form.filled or form.status in OPEN_FORM):
                            continue
                        key = dom.dedup_key(self._secret, policy.id, rater.id, person.id, period, None)
                        if await repo.rating_by_dedup(s, key) is not None:
                            continue
                        if form is None:
                            form = RatingForm(policy_id=policy.id, rated_id=person.id, period=period,
                                              rater_key=rkey, sent_at=None, filled=False, attempts=0)
                            s.add(form)
                        form.status, form.claimed_at, form.error = FORM_PENDING, now, None
                        await s.flush()
                        items.append(CampaignItem(rater, person, policy, period, form.id))
            org_repo.audit(s, actor_id=actor.id if actor is not None else None, action="rating_campaign.started",
                           object_type="rating_campaign", object_id=None, at=now, period=period,
                           forms=len(items), by="command" if actor is not None else "scheduler")
        return items

    async def claim_reminders(self) -> list[CampaignItem]:
        """Claim a reminder for each of this month's forms that was actually sent and is still open
        (once per form)."""
        period = self.current_period()
        now = self.clock.now()
        items: list[CampaignItem] = []
        async with self.db.writing(self.session) as s:
            for policy in await repo.list_policies(s, active_only=True):
                if policy.cadence == dom.Cadence.PER_TASK.value:
                    continue
                forms = [f for f in await repo.open_forms(s, policy.id, period) if f.reminder_status is None]
                if not forms:
                    continue
                raters = {self.rater_key(policy.id, m.id): m
                          for m in await repo.active_members_of(s, policy.rater_department_id)}
                rated = {m.id: m for m in await repo.active_members_of(s, policy.rated_department_id)}
                for form in forms:
                    rater, person = raters.get(form.rater_key), rated.get(form.rated_id)
                    if rater is not None and person is not None:
                        form.reminder_status, form.reminder_claimed_at = FORM_PENDING, now
                        items.append(CampaignItem(rater, person, policy, period, form.id))
        return items

    async def form_outcome(self, item: CampaignItem, status: str, attempts: int, error: str | None, *,
                           reminder: bool = False) -> None:
        """Record how sending a claimed form (or its reminder) went."""
        async with self.db.writing(self.session) as s:
            form = await s.get(RatingForm, item.form_id)
            if form is None:
                return
            if reminder:
                form.reminder_status = status
                return
            form.status, form.attempts, form.error = status, attempts, (error or None) and error[:200]
            if status == FORM_SENT:
                form.sent_at = self.clock.now()

    async def unsent_forms(self, since) -> tuple[list[CampaignItem], list[CampaignItem], int]:
        """After a restart: forms and reminders claimed but never sent. Those claimed at or after ``since``
        are returned (forms, reminders) to be sent once (marked ``resending``); older ones — and ones
        interrupted while being resent — are marked ``expired``. Returns (forms, reminders, expired)."""
        forms: list[CampaignItem] = []
        reminders: list[CampaignItem] = []
        expired = 0
        async with self.db.writing(self.session) as s:
            rows = await repo.unsent_forms(s)
            if not rows:
                return forms, reminders, 0
            policies = {p.id: p for p in await repo.list_policies(s)}
            members: dict[int, dict] = {}
            for form in rows:
                policy = policies.get(form.policy_id)
                for reminder in (False, True):
                    status = form.reminder_status if reminder else form.status
                    claimed = form.reminder_claimed_at if reminder else form.claimed_at
                    if status not in (FORM_PENDING, FORM_RESENDING):
                        continue
                    item = None
                    if (status == FORM_PENDING and claimed is not None and claimed >= since and policy is not None
                            and policy.active and form.period == self.current_period() and not form.filled):
                        if policy.id not in members:
                            raters = {self.rater_key(policy.id, m.id): m
                                      for m in await repo.active_members_of(s, policy.rater_department_id)}
                            rated = {m.id: m for m in await repo.active_members_of(s, policy.rated_department_id)}
                            members[policy.id] = {"raters": raters, "rated": rated}
                        rater = members[policy.id]["raters"].get(form.rater_key)
                        person = members[policy.id]["rated"].get(form.rated_id)
                        if rater is not None and person is not None:
                            item = CampaignItem(rater, person, policy, form.period, form.id)
                    if item is None:
                        expired += 1
                        reason = ("expired: interrupted again while resent" if status == FORM_RESENDING
                                  else "expired: not sent before a restart, past DIGEST_GRACE_HOURS or void")
                        if reminder:
                            form.reminder_status = FORM_EXPIRED
                        else:
                            form.status, form.error = FORM_EXPIRED, reason
                    elif reminder:
                        form.reminder_status = FORM_RESENDING
                        reminders.append(item)
                    else:
                        form.status = FORM_RESENDING
                        forms.append(item)
        return forms, reminders, expired

    async def digest_averages(self, member_ids: Sequence[int], month: date) -> dict[int, tuple[float | None, int]]:
        """Average score and count per member for a month, as a manager may see them: under an
        aggregate policy a person below k ratings is left out. No rater identity is involved."""
        wanted = set(member_ids)
        totals: dict[int, tuple[int, int]] = {}
        # the counters with their policy's mode in one statement (what _rating_stats reads in two)
        for st in await stats_repo.rating_stats_with_mode(self.session, dom.period_of(month)):
            if st.rated_id in wanted and dom.visible_to_manager(st.mode, st.raters, self.k):
                total, n = totals.get(st.rated_id, (0, 0))
                totals[st.rated_id] = (total + st.total, n + st.count)
        return {m: (float(dom.round_half_up(Fraction(total, n))), n) for m, (total, n) in totals.items() if n}

    # -- views -------------------------------------------------------------------------
    async def _rows(self, policy: RatingPolicy, ratings: list[Rating]) -> list[dom.RatingRow]:
        labels: dict[int, str] = {}
        if dom.show_rater_identity(policy.mode):
            members = await repo.members_by_ids(self.session, [r.rater_id for r in ratings if r.rater_id])
            labels = {i: m.display_name for i, m in members.items()}
        return [dom.RatingRow(score=r.score, comment=r.comment, created_at=r.created_at,
                              rater_label=labels.get(r.rater_id) if r.rater_id else None, rater_key=r.rater_key)
                for r in ratings]

    async def own_results(self, member: Member, period: str) -> list[OwnResult]:
        """What the member may see about ratings of themselves, per policy that rates their department."""
        departments = {d.id: d for d in await org_repo.list_departments(self.session)}
        out = []
        by_policy: dict[int, list[Rating]] = defaultdict(list)
        for r in await repo.ratings(self.session, rated_id=member.id, periods=[period]):  # one query, all policies
            by_policy[r.policy_id].append(r)
        for policy in await repo.list_policies(self.session):
            ratings = by_policy.get(policy.id, [])
            if policy.rated_department_id != member.department_id and not ratings:
                continue
            summary = dom.present_ratings(policy.mode, await self._rows(policy, ratings), self.k)
            dept = departments.get(policy.rater_department_id)
            out.append(OwnResult(policy, dept.name if dept else "—", summary))
        return out

    async def given(self, member: Member, period: str) -> list[GivenRating]:
        """The member's own ratings of others in a period (only they see this)."""
        policies = await repo.list_policies(self.session)
        if not policies:
            return []
        keys = {p.id: self.rater_key(p.id, member.id) for p in policies}
        ratings = [r for r in await repo.ratings(self.session, policy_ids=list(keys), periods=[period],
                                                 rater_keys=list(keys.values()))
                   if keys.get(r.policy_id) == r.rater_key]  # one query, all policies
        people = await repo.members_by_ids(self.session, [r.rated_id for r in ratings])
        out = []
        for policy in policies:
            out += [GivenRating(people[r.rated_id], policy, r) for r in ratings
                    if r.policy_id == policy.id and r.rated_id in people]
        return out

    async def _scope(self, actor: Member) -> list[RatingPolicy]:
        """Policies a manager may see: those touching a department they manage; admins: all."""
        self.require_manager(actor)
        managed = await self.managed_ids(actor)
        return [p for p in await repo.list_policies(self.session)
                if access.may_see_department_pair(actor, p.rater_department_id, p.rated_department_id, managed)]

    async def _visible_groups(self, policies: list[RatingPolicy], periods: list[str]
                              ) -> dict[tuple[int, int, str], list[Rating]]:
        """(policy, rated, period) → ratings, only groups a manager may see (aggregate: ≥ k distinct raters)."""
        by_id = {p.id: p for p in policies}
        groups: dict[tuple[int, int, str], list[Rating]] = defaultdict(list)
        if not policies:
            return groups
        for r in await repo.ratings(self.session, policy_ids=list(by_id), periods=periods):
            groups[(r.policy_id, r.rated_id, r.period)].append(r)
        return {key: rs for key, rs in groups.items()
                if dom.visible_to_manager(by_id[key[0]].mode, dom.distinct_raters(r.rater_key for r in rs), self.k)}

    async def is_manager_view(self, member: Member) -> bool:
        return access.is_manager(member)

    async def _rating_stats(self, policies: list[RatingPolicy], periods: list[str]
                            ) -> tuple[list[RatingStat], dict[tuple[int, int, str], RatingStat]]:
        """The counters of (policy, person, period) rows: all of them, and those a manager may see."""
        if not policies:
            return [], {}
        by_id = {p.id: p for p in policies}
        rows = await stats_repo.rating_stats(self.session, list(by_id), periods)
        return rows, {(r.policy_id, r.rated_id, r.period): r for r in rows
                      if dom.visible_to_manager(by_id[r.policy_id].mode, r.raters, self.k)}  # k counts raters

    async def dashboard(self, actor: Member, period: str) -> list[DepartmentBlock]:
        policies = await self._scope(actor)
        departments = {d.id: d for d in await org_repo.list_departments(self.session)}
        by_id = {p.id: p for p in policies}
        months = _months_back(period, TREND_MONTHS)
        rows, groups = await self._rating_stats(policies, months)
        blocks: dict[int, DepartmentBlock] = {}
        for policy in policies:
            dept = departments.get(policy.rated_department_id)
            if dept is not None and dept.id not in blocks:
                blocks[dept.id] = DepartmentBlock(dept)
        # people: everyone with ratings this period, plus active members of rated departments
        people_ids: dict[int, set[int]] = defaultdict(set)
        for r in rows:
            if r.period == period:
                people_ids[by_id[r.policy_id].rated_department_id].add(r.rated_id)
        # aggregate: everyone rated by the rule shows as hidden below k, with or without ratings, so that
        # the list does not tell "somebody has just rated X" (the first rating) from "nobody did"
        aggregate_depts = {p.rated_department_id for p in policies if p.mode == dom.AnonymityMode.AGGREGATE.value}
        members: dict[int, Member] = {}
        if aggregate_depts:  # their active members in one query (not one per rule)
            for m in await org_repo.list_members(self.session, department_ids=sorted(aggregate_depts),
                                                 active_only=True):
                people_ids[m.department_id].add(m.id)
                members[m.id] = m
        members.update(await repo.members_by_ids(
            self.session, [i for ids in people_ids.values() for i in ids if i not in members]))
        trends: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)  # department → period → (sum, count)
        for (pid, _rated, per), st in groups.items():
            trend = trends[by_id[pid].rated_department_id]
            total, n = trend.get(per, (0, 0))
            trend[per] = (total + st.total, n + st.count)
        for dept_id, block in blocks.items():
            await asyncio.sleep(0)  # many departments: let other updates run between them
            dept_policies = [p for p in policies if p.rated_department_id == dept_id]
            counts: Counter[int] = Counter()
            for person_id in sorted(people_ids.get(dept_id, ()), key=lambda i: (
                    members[i].display_name.lower() if i in members else "", i)):
                if person_id not in members:
                    continue
                person: Counter[int] = Counter()
                hidden = False
                for p in dept_policies:
                    group = groups.get((p.id, person_id, period))
                    if group is None:
                        hidden = hidden or p.mode == dom.AnonymityMode.AGGREGATE.value
                        continue
                    person.update(_score_counts(group))
                summary = None
                if sum(person.values()):
                    summary = dom.summary_of_counts(dom.AnonymityMode.ANONYMOUS, person, 1)
                elif hidden:
                    summary = dom.present_ratings(dom.AnonymityMode.AGGREGATE, [], self.k)
                if summary is not None:
                    block.people.append(PersonLine(members[person_id], summary))
                counts.update(person)
            trend = trends.get(dept_id, {})
            summary = dom.summary_of_counts(dom.AnonymityMode.ANONYMOUS, counts, 1)
            block.average = summary.average
            block.count = summary.count or 0
            block.distribution = summary.distribution
            block.trend = dom.trend_of_totals(trend)
        return [b for b in sorted(blocks.values(), key=lambda b: b.department.name.lower())]

    async def person_detail(self, actor: Member, rated_id: int, period: str
                            ) -> tuple[Member, list[OwnResult]]:
        """A manager's view of one person: per policy, what the policy lets a manager see."""
        policies = await self._scope(actor)
        person = await org_repo.member_by_id(self.session, rated_id)
        if person is None:
            raise UserError("error-member-not-found")
        departments = {d.id: d for d in await org_repo.list_departments(self.session)}
        out = []
        for policy in policies:
            ratings = await repo.ratings(self.session, policy_ids=[policy.id], rated_id=rated_id, periods=[period])
            if not ratings and policy.rated_department_id != person.department_id:
                continue
            summary = dom.present_ratings(policy.mode, await self._rows(policy, ratings), self.k)
            dept = departments.get(policy.rater_department_id)
            out.append(OwnResult(policy, dept.name if dept else "—", summary))
        if not out:
            raise NotAllowed()
        return person, out

    async def top(self, actor: Member, period: str) -> tuple[list[dom.LeaderRow], dict[int, Member], int]:
        policies = await self._scope(actor)
        _rows, groups = await self._rating_stats(policies, [period])
        per_person: dict[int, list[int]] = defaultdict(list)
        for (_pid, rated_id, _per), st in groups.items():
            per_person[rated_id] += [score for score, n in _score_counts(st).items() for _ in range(n)]
        minimum = self.settings.rating_top_min
        rows = dom.leaderboard(per_person, minimum)
        members = await repo.members_by_ids(self.session, [r.person_id for r in rows])
        return rows, members, minimum

    async def export_csv(self, actor: Member, period: str, labels: dict[str, str]) -> tuple[bytes, int]:
        """CSV of the period's visible ratings; the rater column is filled only under open policies,
        and anonymous rows carry no timestamps and are ordered by person, score and text."""
        policies = await self._scope(actor)
        by_id = {p.id: p for p in policies}
        groups = await self._visible_groups(policies, [period])
        departments = {d.id: d for d in await org_repo.list_departments(self.session)}
        rated = await repo.members_by_ids(self.session, [k[1] for k in groups])
        raters = await repo.members_by_ids(self.session, [r.rater_id for rs in groups.values() for r in rs
                                                          if r.rater_id and by_id[r.policy_id].mode == "open"])
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["period", "rater_department", "rated_department", "mode", "rated", "task",
                         "score", "comment", "rater", "created_at"])
        rows = []
        for (pid, rated_id, per), rs in groups.items():
            policy = by_id[pid]
            open_mode = policy.mode == dom.AnonymityMode.OPEN.value
            if not open_mode:
                rs = sorted(rs, key=lambda r: (r.score, (r.comment or "").casefold(), r.comment or ""))
            for r in rs:
                rater = raters.get(r.rater_id) if open_mode and r.rater_id else None
                rows.append([
                    per,
                    departments[policy.rater_department_id].name if policy.rater_department_id in departments else "",
                    departments[policy.rated_department_id].name if policy.rated_department_id in departments else "",
                    labels.get(policy.mode, policy.mode),
                    rated[rated_id].display_name if rated_id in rated else "",
                    (r.task_ref or "") if open_mode else "",  # a task can point at whoever did it
                    r.score,
                    r.comment or "",
                    (rater.display_name if rater else labels.get("hidden", "")) if open_mode else "",
                    r.created_at.isoformat(timespec="seconds") if open_mode else "",
                ])
        rows.sort(key=lambda row: (row[1], row[2], row[4].lower()))
        for row in rows:
            writer.writerow([_csv_safe(v) for v in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8"), len(rows)


def _score_counts(st: RatingStat) -> dict[int, int]:
    return {1: st.s1, 2: st.s2, 3: st.s3, 4: st.s4, 5: st.s5}


def _csv_safe(value: object) -> object:
    """Defuse spreadsheet formulas in user text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
