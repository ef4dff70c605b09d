"""Use cases of the client cabinet: client invites, a client's projects, approval by the client in Telegram,
/pending and /projects for clients, and the admin's management of clients. Rules live in :mod:`bot.access`.

A client decision is a compare-and-set of the unit's state (sent → approved, sent → revision) plus one row
in ``client_decisions`` whose unique key (unit, round) is the database's guarantee that two clients pressing
at once, or one pressing twice, record one decision.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bot import access
from bot.domain import smm as smm_rules
from bot.domain.deadlines import revision_due
from bot.domain.workdays import local_today, month_bounds, utc_range
from bot.errors import NotAllowed, UserError
from bot.services.base import Service
from bot.services.stats import UnitFacts, record_unit_change
from models import clients_repo as repo
from models import org_repo, smm_repo
from models import reporting_repo as rrepo
from models.clients import APPROVE, CHANGES, ClientDecision
from models.org import Invite, Member, Role
from models.reporting import APPROVED, DELETED, REVISION, SENT, Project, Revision, Stream, Unit

REVISION_REASONS = ("factual", "style", "brief", "client_changed", "typos", "other")
MIN_COMMENT_LETTERS = 10
MAX_COMMENT = 500
PENDING_PER_PAGE = 5
CLIENTS_PER_PAGE = 8
PROJECTS_PER_PAGE = 8  # a client's /projects: a line and a report button each


@dataclass(frozen=True, slots=True)
class ClientCard:
    """What a client is shown of a unit: never the author unless the project shows authors."""

    unit_id: int
    project: str
    stream: Stream
    title: str
    link: str | None
    sent_at: datetime | None  # in the client's time zone
    author: str | None
    state: str


@dataclass(frozen=True, slots=True)
class Decision:
    unit: Unit
    project: Project
    client: Member
    decision: str  # approve | changes
    author: Member
    managers: list[Member]  # the author's department managers (told of a change request)
    revision: Revision | None
    due_at: datetime | None  # the reaction deadline of the revision, in the author's time zone
    decision_id: int  # the recorded ClientDecision: the notices' key in the delivery log


@dataclass(frozen=True, slots=True)
class PendingPage:
    cards: list[ClientCard]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class ProjectFigures:
    project_id: int
    name: str
    month: date
    sent: int
    approved: int
    waiting: int
    revisions: int
    avg_hours: float | None


@dataclass(frozen=True, slots=True)
class ProjectsPage:
    """A page of a client's /projects: each project with its figures (and its report button)."""

    projects: list[ProjectFigures]
    month: date  # this month (the client's)
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class AccountWeek:
    """One reported week of an account in the client report (metrics: :mod:`bot.domain.smm`)."""

    end: date
    followers: int | None
    growth: int | None  # followers now − a week before (None when either is unknown)
    reach: int | None
    interactions: int | None
    er: float | None  # engagement rate by reach


@dataclass(frozen=True, slots=True)
class AccountMonth:
    """An open SMM account of the project in the month: its reported weeks, the followers at the month's end
    (its last week) and their growth over the month (against the week before the month's first), and the weeks
    that have ended but have no figures."""

    name: str
    weeks: tuple[AccountWeek, ...]
    followers: int | None
    growth: int | None
    missing: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class ClientSmmWeek:
    """One week's figures of an account for its project's client, with the week before (for the change);
    ``responsible`` only when the project shows authors."""

    account: str
    project: str
    end: date
    figures: dict[str, int | None]
    previous: dict[str, int | None] | None
    responsible: str | None


@dataclass(frozen=True, slots=True)
class ClientReport:
    """A project's month for its client: units delivered (approved) by stream, waiting now, revisions by
    reason, the average time to a client decision and the approved units by week (Monday of the week)."""

    project: Project
    month: date
    approved: int
    by_stream: list[tuple[Stream, int]]
    waiting: int
    revisions: dict[str, int]
    avg_hours: float | None
    weeks: list[tuple[date, int]]
    accounts: tuple[AccountMonth, ...] = ()

    @property
    def revisions_total(self) -> int:
        return sum(self.revisions.values())


@dataclass(frozen=True, slots=True)
class ClientsPage:
    clients: list[Member]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class ClientInfo:
    client: Member
    projects: list[Project]


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


class ClientService(Service):
    def tz(self, member: Member) -> str:
        return member.timezone or self.settings.timezone

    # -- invites ----------------------------------------------------------------------------------------
    async def _project_departments(self, project_ids: list[int]) -> dict[int, set[int]]:
        return await repo.project_departments(self.session, project_ids)

    async def invite_projects(self, actor: Member) -> list[Project]:
        """Open projects the actor may invite a client to (an admin all; a manager their departments')."""
        self.require_manager(actor)
        projects = await rrepo.list_projects(self.session)
        managed = await self.managed_ids(actor)
        deps = await self._project_departments([p.id for p in projects])
        return [p for p in projects if access.may_manage_project(actor, deps[p.id], managed)]

    async def create_invite(self, actor: Member, project_ids: list[int], *,
                            key: str | None = None) -> tuple[Invite, list[Project]]:
        """A one-use client invite for these projects (each in the actor's scope). ``key``: the form's
        idempotency key (a second press of the same form returns the invite it made)."""
        saved = await self.saved_id(key) if key is not None else None
        if saved is not None:  # the same form pressed again (or redelivered): the invite it made
            return await self._saved_invite(saved)
        ids = sorted(set(project_ids))
        projects = [await rrepo.project_by_id(self.session, pid) for pid in ids]
        if not ids or any(p is None or p.archived for p in projects):
            raise UserError("client-invite-no-projects")
        deps = await self._project_departments(ids)
        if not access.can_invite_client(actor, [deps[pid] for pid in ids], await self.managed_ids(actor)):
            raise NotAllowed()
        now = self.clock.now()

        async def create(s) -> int:
            invite = Invite(token=secrets.token_urlsafe(12), role=Role.CLIENT.value, department_id=None,
                            expires_at=now + timedelta(hours=self.settings.invite_ttl_hours), uses_left=1,
                            created_by=actor.id, created_at=now)
            s.add(invite)
            await s.flush()
            await repo.set_invite_projects(s, invite.id, ids)
            org_repo.audit(s, actor_id=actor.id, action="invite.created", object_type="invite", object_id=invite.id,
                           at=now, role=Role.CLIENT.value, projects=ids, uses=1)
            return invite.id

        invite_id, created = await self.create_once(key, "client_invite", create)
        if not created:
            return await self._saved_invite(invite_id)
        return await org_repo.invite_by_id(self.session, invite_id), projects

    async def _saved_invite(self, invite_id: int) -> tuple[Invite, list[Project]]:
        invite = await org_repo.invite_by_id(self.session, invite_id)
        return invite, [await rrepo.project_by_id(self.session, pid)
                        for pid in await repo.invite_project_ids(self.session, invite.id)]

    # -- approval mode ------------------------------------------------------------------------------------
    async def mode_of(self, project: Project) -> str:
        has = bool(await repo.projects_with_active_clients(self.session, [project.id]))
        return access.approval_mode(project.approval_mode, has)

    async def approval_projects(self, actor: Member) -> list[tuple[Project, str, int]]:
        """(project, its mode, active clients) for the projects the actor manages (/approval)."""
        projects = await self.invite_projects(actor)
        out = []
        for p in projects:
            clients = await repo.active_clients(self.session, p.id)
            out.append((p, access.approval_mode(p.approval_mode, bool(clients)), len(clients)))
        return out

    async def set_approval(self, actor: Member, project_id: int, *, mode: str | None = None,
                           show_authors: bool | None = None) -> Project:
        self.require_manager(actor)
        if mode is not None and mode not in access.APPROVAL_MODES:
            raise UserError("approval-usage")
        async with self.db.writing(self.session) as s:
            project = await rrepo.project_by_id(s, project_id)
            if project is None or project.archived:
                raise UserError("projects-not-found", id=project_id)
            deps = await self._project_departments([project.id])
            if not access.may_manage_project(actor, deps[project.id], await self.managed_ids(actor)):
                raise NotAllowed()
            old = {"mode": project.approval_mode, "show_authors": project.show_authors}
            if mode is not None:
                project.approval_mode = mode
            if show_authors is not None:
                project.show_authors = show_authors
            org_repo.audit(s, actor_id=actor.id, action="project.approval", object_type="project",
                           object_id=project.id, at=self.clock.now(), old=old,
                           new={"mode": project.approval_mode, "show_authors": project.show_authors})
        return project

    # -- cards ----------------------------------------------------------------------------------------------
    async def _card(self, client: Member, unit: Unit, project: Project) -> ClientCard:
        s = self.session
        stream = await rrepo.stream_by_id(s, unit.stream_id)
        author = None
        if project.show_authors:
            a = await org_repo.member_by_id(s, unit.author_id)
            author = a.display_name if a is not None else None
        sent = await repo.round_started(s, unit.id) or unit.sent_at
        local = sent.astimezone(ZoneInfo(self.tz(client))) if sent is not None else None
        return ClientCard(unit.id, project.name, stream, unit.title, unit.link, local, author, unit.state)

    async def approval_requests(self, unit_id: int) -> list[tuple[Member, ClientCard]]:
        """Who gets the unit card now that it was sent for approval: every active client of its project, when
        the project is approved by the client."""
        unit = await rrepo.unit_by_id(self.session, unit_id)
        if unit is None or unit.state != SENT:
            return []
        project = await rrepo.project_by_id(self.session, unit.project_id)
        clients = await repo.active_clients(self.session, project.id)
        if access.approval_mode(project.approval_mode, bool(clients)) != access.CLIENT_MODE:
            return []
        return [(c, await self._card(c, unit, project)) for c in clients]

    async def _client_unit(self, client: Member, unit_id: int) -> tuple[Unit, Project]:
        """The unit when it belongs to one of the client's projects (checked now, on every action)."""
        unit = await rrepo.unit_by_id(self.session, unit_id)
        mine = await repo.project_ids_of(self.session, client.id)
        if unit is None or not access.client_sees_project(client, unit.project_id, mine):
            raise UserError("client-unit-unavailable")
        project = await rrepo.project_by_id(self.session, unit.project_id)
        if project is None or project.archived:
            raise UserError("client-unit-unavailable")
        return unit, project

    async def card(self, client: Member, unit_id: int) -> ClientCard:
        unit, project = await self._client_unit(client, unit_id)
        return await self._card(client, unit, project)

    async def reminder_card(self, client: Member, unit_id: int) -> ClientCard | None:
        """The card to remind a client of, or ``None`` when the unit no longer waits for them."""
        try:
            card = await self.card(client, unit_id)
        except UserError:
            return None
        return card if card.state == SENT and access.is_client(client) else None

    async def check_decidable(self, client: Member, unit_id: int) -> ClientCard:
        """Refuse early (before asking for a comment) a unit that waits for no decision."""
        unit, project = await self._client_unit(client, unit_id)
        self._check_state(unit)
        if await self.mode_of(project) != access.CLIENT_MODE:
            raise UserError("client-mode-team")
        return await self._card(client, unit, project)

    @staticmethod
    def _check_state(unit: Unit) -> None:
        if unit.state == DELETED:
            raise UserError("client-unit-deleted")
        if unit.state in (APPROVED, REVISION):
            raise UserError("client-already-decided")
        if unit.state != SENT:
            raise UserError("client-unit-unavailable")

    @staticmethod
    def check_comment(comment: str | None) -> str:
        comment = " ".join((comment or "").split())
        if letters(comment) < MIN_COMMENT_LETTERS:
            raise UserError("client-comment-short", n=MIN_COMMENT_LETTERS)
        if len(comment) > MAX_COMMENT:
            raise UserError("error-too-long", limit=MAX_COMMENT)
        return comment

    # -- decisions -----------------------------------------------------------------------------------------
    async def decide(self, client: Member, unit_id: int, decision: str, *, reason: str | None = None,
                     comment: str | None = None) -> Decision:
        if decision not in (APPROVE, CHANGES):
            raise UserError("error-bad-choice")
        if decision == CHANGES:
            comment = self.check_comment(comment)
            if reason is not None and reason not in REVISION_REASONS:
                raise UserError("error-bad-choice")
        now = self.clock.now()
        s = self.session
        try:
            async with self.db.writing(s):
                unit, project = await self._client_unit(client, unit_id)
                self._check_state(unit)
                if await self.mode_of(project) != access.CLIENT_MODE:
                    raise UserError("client-mode-team")
                round_at = await repo.round_started(s, unit.id) or unit.sent_at or unit.updated_at
                to = APPROVED if decision == APPROVE else REVISION
                values: dict[str, object] = {"updated_at": now}
                if to == APPROVED:
                    values["approved_at"] = now
                was = UnitFacts.of(unit)
                if not await rrepo.move_unit(s, unit.id, [SENT], to, **values):
                    raise UserError("client-already-decided")
                # the counters /me, /team and the digests read (as the team's own buttons keep them)
                await record_unit_change(s, self.settings.timezone, was, replace(
                    was, state=to, revisions=(now,) if to == REVISION else ()))
                record = ClientDecision(unit_id=unit.id, round_at=round_at, client_id=client.id, decision=decision,
                                        decided_at=now, seconds=max(0, int((now - round_at).total_seconds())))
                s.add(record)
                rrepo.add_event(s, unit.id, client.id, "approved" if to == APPROVED else "revision_received",
                                SENT, to, now)
                revision = None
                if to == REVISION:
                    revision = Revision(unit_id=unit.id, reason=reason or "other", reason_text=comment,
                                        received_at=now, recorded_by=client.id)
                    s.add(revision)
                await s.flush()
                org_repo.audit(s, actor_id=client.id, action=f"client.{decision}", object_type="unit",
                               object_id=unit.id, at=now, project_id=project.id, reason=reason,
                               comment=comment)
        except IntegrityError as exc:  # the other press won the race on the (unit, round) key
            raise UserError("client-already-decided") from exc
        unit = await rrepo.unit_by_id(s, unit_id)
        author = await org_repo.member_by_id(s, unit.author_id)
        managers = []
        if decision == CHANGES and author.department_id is not None:
            managers = [m for m in await org_repo.managers_of_department(s, author.department_id)
                        if m.id != author.id]
        due = None
        if revision is not None:
            tz = author.timezone or self.settings.timezone
            due = revision_due(revision.received_at, self.settings.revision_deadline_hours, tz,
                               self.settings.holiday_country).astimezone(ZoneInfo(tz))
        return Decision(unit, project, client, decision, author, managers, revision, due, record.id)

    # -- /pending and /projects ------------------------------------------------------------------------
    async def _open_project_ids(self, client: Member) -> list[int]:
        projects = await repo.projects_of(self.session, client.id)
        out = []
        for p in projects:
            if await self.mode_of(p) == access.CLIENT_MODE:
                out.append(p.id)
        return out

    async def pending(self, client: Member, page: int = 0) -> PendingPage:
        ids = await self._open_project_ids(client)
        total = await repo.count_waiting(self.session, ids) if ids else 0
        pages = max(1, -(-total // PENDING_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        units = await repo.waiting_units(self.session, ids, offset=page * PENDING_PER_PAGE,
                                         limit=PENDING_PER_PAGE) if ids else []
        projects = {p.id: p for p in await repo.projects_of(self.session, client.id)}
        cards = [await self._card(client, u, projects[u.project_id]) for u in units]
        return PendingPage(cards, page, pages, total)

    async def my_projects(self, client: Member, page: int = 0) -> ProjectsPage:
        """A page of the client's projects with this month's figures (the month in the client's time zone)."""
        today = local_today(self.clock.now(), self.tz(client))
        first, last = month_bounds(today)
        start, end = utc_range(first, last, self.tz(client))
        projects = await repo.projects_of(self.session, client.id)
        pages = max(1, -(-len(projects) // PROJECTS_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        out = []
        for p in projects[page * PROJECTS_PER_PAGE:(page + 1) * PROJECTS_PER_PAGE]:
            f = await repo.month_figures(self.session, p.id, start, end)
            avg = f["avg_seconds"]
            out.append(ProjectFigures(p.id, p.name, first, f["sent"], f["approved"], f["waiting"], f["revisions"],
                                      None if avg is None else avg / 3600))
        return ProjectsPage(out, first, page, pages, len(projects))

    # -- the monthly client report ------------------------------------------------------------------------
    @staticmethod
    def previous_month(today: date) -> date:
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1)

    def report_default_month(self, member: Member) -> date:
        return self.previous_month(local_today(self.clock.now(), self.tz(member)))

    async def report_projects(self, actor: Member) -> list[Project]:
        """The projects whose report the actor may get: a client's own; a manager's (as for /invite)."""
        if access.is_client(actor):
            return await repo.projects_of(self.session, actor.id)
        return await self.invite_projects(actor)

    async def report(self, actor: Member, project_id: int, month: date) -> ClientReport:
        """The report of a project the actor may see (its client, its manager, an admin)."""
        if project_id not in {p.id for p in await self.report_projects(actor)}:
            raise UserError("client-unit-unavailable" if access.is_client(actor) else "error-not-allowed")
        return await self.build_report(project_id, month)

    async def build_report(self, project_id: int, month: date) -> ClientReport:
        """The report itself (no access check: ``python -m bot client-report`` and :meth:`report`). Month bounds
        in the team's time zone (TIMEZONE)."""
        s, tz = self.session, self.settings.timezone
        project = await rrepo.project_by_id(s, project_id)
        if project is None:
            raise UserError("projects-not-found", id=project_id)
        first, last = month_bounds(month)
        start, end = utc_range(first, last, tz)
        approved = await repo.approved_in(s, project.id, start, end)
        streams = {st.id: st for st in await rrepo.list_streams(s, active_only=False)}
        per_stream: dict[int, int] = {}
        weeks: dict[date, int] = {}
        monday = first - timedelta(days=first.weekday())
        while monday <= last:
            weeks[monday] = 0
            monday += timedelta(days=7)
        for u in approved:
            per_stream[u.stream_id] = per_stream.get(u.stream_id, 0) + 1
            day = u.approved_at.astimezone(ZoneInfo(tz)).date()
            weeks[day - timedelta(days=day.weekday())] += 1
        by_stream = sorted(((streams[sid], n) for sid, n in per_stream.items()), key=lambda x: x[0].position)
        f = await repo.month_figures(s, project.id, start, end)
        avg = f["avg_seconds"]
        return ClientReport(project, first, len(approved), by_stream, f["waiting"],
                            await repo.revision_reasons(s, project.id, start, end),
                            None if avg is None else avg / 3600, sorted(weeks.items()),
                            await self._account_months(project.id, first, last))

    async def _account_months(self, project_id: int, first: date, last: date) -> tuple[AccountMonth, ...]:
        """The project's open SMM accounts in the month ``first..last``: the weeks ending in it that have ended
        (today in the team's time zone), from the account's start date on (a week reported before it counts)."""
        accounts = [a for a, _, _ in await smm_repo.accounts(self.session, project_id=project_id)]
        if not accounts:
            return ()
        found = await smm_repo.week_figures(self.session, [a.id for a in accounts], first - timedelta(weeks=1), last)
        today = local_today(self.clock.now(), self.settings.timezone)
        out = []
        for a in accounts:
            weeks = found.get(a.id, {})
            limit = min(last, smm_rules.last_week_end(today, a.week_end))
            end = smm_rules.week_end_of(first, a.week_end)
            shown, missing, last_end = [], [], None
            while end <= limit:
                cur = weeks.get(end)
                if cur is not None:
                    prev = weeks.get(end - timedelta(weeks=1))
                    shown.append(AccountWeek(end, cur.get("followers"), smm_rules.growth(prev, cur), cur.get("reach"),
                                             smm_rules.interactions(cur), smm_rules.er_reach(cur)))
                elif end >= a.start_date:
                    missing.append(end)
                last_end = end
                end += timedelta(weeks=1)
            before = weeks.get(smm_rules.week_end_of(first, a.week_end) - timedelta(weeks=1))
            at_end = weeks.get(last_end) if last_end is not None else None
            out.append(AccountMonth(a.name, tuple(shown), at_end.get("followers") if at_end else None,
                                    smm_rules.growth(before, at_end), tuple(missing)))
        return tuple(out)

    async def smm_week(self, client: Member, account_id: int, week_end: date) -> ClientSmmWeek | None:
        """A week's figures of an open account of one of the client's projects (``None`` when the account is
        archived or gone, the project is no longer the client's, or the week has no figures)."""
        account = await smm_repo.account_by_id(self.session, account_id)
        if account is None or account.archived or not access.is_client(client):
            return None
        if account.project_id not in {p.id for p in await repo.projects_of(self.session, client.id)}:
            return None
        found = (await smm_repo.week_figures(self.session, [account.id], week_end - timedelta(weeks=1),
                                             week_end)).get(account.id, {})
        if week_end not in found:
            return None
        project = await rrepo.project_by_id(self.session, account.project_id)
        responsible = None
        if project.show_authors:
            member = await org_repo.member_by_id(self.session, account.responsible_id)
            responsible = member.display_name if member is not None else None
        return ClientSmmWeek(account.name, project.name, week_end, found[week_end],
                             found.get(week_end - timedelta(weeks=1)), responsible)

    # -- the admin's management of clients ---------------------------------------------------------------
    async def clients_page(self, actor: Member, page: int) -> ClientsPage:
        if not access.may_manage_clients(actor):
            raise NotAllowed()
        total = await org_repo.count_members(self.session, clients=True)
        pages = max(1, -(-total // CLIENTS_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        clients = await repo.list_clients(self.session, offset=page * CLIENTS_PER_PAGE, limit=CLIENTS_PER_PAGE)
        return ClientsPage(clients, page, pages, total)

    async def client_info(self, actor: Member, client_id: int) -> ClientInfo:
        if not access.may_manage_clients(actor):
            raise NotAllowed()
        client = await org_repo.member_by_id(self.session, client_id)
        if client is None or not access.is_client_role(client.role):
            raise UserError("error-member-not-found")
        return ClientInfo(client, await repo.projects_of(self.session, client.id))

    async def set_client_project(self, actor: Member, client_id: int, project_id: int, add: bool) -> ClientInfo:
        if not access.may_manage_clients(actor):
            raise NotAllowed()
        now = self.clock.now()
        async with self.db.writing(self.session) as s:
            client = await org_repo.member_by_id(s, client_id)
            if client is None or not access.is_client_role(client.role):
                raise UserError("error-member-not-found")
            project = await rrepo.project_by_id(s, project_id)
            if project is None or project.archived:
                raise UserError("projects-not-found", id=project_id)
            if add:
                changed = await repo.add_project(s, client.id, project.id, actor.id, now)
            else:
                changed = await repo.remove_project(s, client.id, project.id)
            if changed:  # a second press changes and audits nothing
                org_repo.audit(s, actor_id=actor.id, action="client.project_added" if add else "client.project_removed",
                               object_type="member", object_id=client.id, at=now, project_id=project.id)
        return await self.client_info(actor, client_id)
