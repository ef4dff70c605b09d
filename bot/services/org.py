"""Use cases of the organisation: start/registration, invites, members, departments, settings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import access
from bot.config import SUPPORTED_LANGUAGES
from bot.errors import NotAllowed, UserError
from bot.services import lead_counts
from bot.services.base import Service
from models import clients_repo
from models import org_repo as repo
from models.org import Department, Invite, Member, Role
from models.reporting import Project

MAX_NAME = 200
MAX_DEPARTMENT_NAME = 100


@dataclass(frozen=True, slots=True)
class TgUser:
    id: int
    full_name: str
    username: str | None
    language_code: str | None


@dataclass(frozen=True, slots=True)
class StartResult:
    outcome: str  # known | registered | client_added | client_invite_team | refused | inactive | invite_invalid |
    # invite_expired | invite_used
    member: Member | None = None
    department: Department | None = None
    inviter: Member | None = None  # who made the invite, to be told that it was used
    projects: tuple[Project, ...] = ()  # a client's projects


@dataclass(frozen=True, slots=True)
class MembersPage:
    members: list[Member]
    departments: dict[int, Department]
    page: int
    pages: int
    total: int


def _telegram_language(code: str | None) -> str | None:
    return code.strip()[:8] or None if code else None


def clean_name(name: str, limit: int) -> str:
    name = " ".join(name.split())
    return name[:limit]


class OrgService(Service):
    # -- start / registration -------------------------------------------------
    async def start(self, user: TgUser, payload: str | None, *, default_department_name: str) -> StartResult:
        s = self.session
        now = self.clock.now()
        member = await repo.member_by_telegram_id(s, user.id)
        token = (payload or "").strip() or None
        if member is not None and member.active:
            invite = await repo.invite_by_token(s, token[:64]) if token is not None else None
            if invite is not None and invite.role == Role.CLIENT.value:
                # a client invite opened by someone already here: a client gets its projects added; a team
                # member stays on the team (the link is for their client) and the invite is left unused
                if not access.is_client_role(member.role):
                    return StartResult("client_invite_team", member)
                refused = self._invite_refusal(invite, now)
                if refused is not None:
                    return StartResult(refused, member)
                return await self._add_client_projects(user, member, invite)
            async with self.db.writing(s):
                self._refresh_profile(member, user)
            return StartResult("known", member)
        if token is None and member is None and user.id in self.settings.admin_ids:
            # first contact only: a switched-off admin stays off (re-enabled from /members or by an invite)
            async with self.db.writing(s):
                departments = await repo.list_departments(s)
                if departments:
                    department = min(departments, key=lambda d: d.id)
                else:
                    department = Department(name=default_department_name[:MAX_DEPARTMENT_NAME], created_at=now)
                    s.add(department)
                    await s.flush()
                member = self._new_member(user, Role.ADMIN, department.id)
                s.add(member)
                await s.flush()
                repo.audit(s, actor_id=member.id, action="member.registered", object_type="member",
                           object_id=member.id, at=now, role=Role.ADMIN.value, via="admin_ids")
            return StartResult("registered", member, department)
        if token is None:
            return StartResult("inactive" if member is not None else "refused", member)
        invite = await repo.invite_by_token(s, token[:64])
        if invite is None:
            return StartResult("invite_invalid")
        refused = self._invite_refusal(invite, now)
        if refused is not None:
            return StartResult(refused)
        if invite.role == Role.CLIENT.value:
            return await self._start_client(user, member, invite)
        async with self.db.writing(s):
            if not await repo.consume_invite(s, invite.id, now):
                # someone took the last use (or it expired) in between
                return StartResult("invite_used")
            if member is None:
                member = self._new_member(user, Role(invite.role), invite.department_id)
                s.add(member)
            else:
                await lead_counts.move_owner(s, member.id, member.department_id, invite.department_id)
                member.active, member.role, member.department_id = True, invite.role, invite.department_id
                self._refresh_profile(member, user)
                # a former manager comes back with the invite's role and department only
                await repo.clear_managed_departments(s, member.id)
            await s.flush()
            if invite.role == Role.MANAGER.value:
                await repo.add_managed_department(s, member.id, invite.department_id)
            repo.audit(s, actor_id=member.id, action="member.registered", object_type="member",
                       object_id=member.id, at=now, role=invite.role, invite_id=invite.id,
                       department_id=invite.department_id)
            department = await repo.department_by_id(s, invite.department_id)
            inviter = await repo.member_by_id(s, invite.created_by) if invite.created_by else None
        if inviter is not None and (not inviter.active or inviter.id == member.id):
            inviter = None
        return StartResult("registered", member, department, inviter)

    @staticmethod
    def _invite_refusal(invite: Invite, now) -> str | None:
        if invite.expires_at <= now:
            return "invite_expired"
        if invite.uses_left <= 0:
            return "invite_used"
        return None

    async def _add_client_projects(self, user: TgUser, member: Member, invite: Invite) -> StartResult:
        """An active client opened another client invite: its (still open) projects are added to theirs."""
        s, now = self.session, self.clock.now()
        async with self.db.writing(s):
            if not await repo.consume_invite(s, invite.id, now):
                return StartResult("invite_used", member)
            self._refresh_profile(member, user)
            projects = []
            for pid in await clients_repo.invite_project_ids(s, invite.id):
                project = await s.get(Project, pid)
                if project is None or project.archived:
                    continue
                projects.append(project)
                if await clients_repo.add_project(s, member.id, pid, invite.created_by, now):
                    repo.audit(s, actor_id=member.id, action="client.project_added", object_type="member",
                               object_id=member.id, at=now, project_id=pid, invite_id=invite.id)
            inviter = await repo.member_by_id(s, invite.created_by) if invite.created_by else None
        if inviter is not None and (not inviter.active or inviter.id == member.id):
            inviter = None
        return StartResult("client_added", member, None, inviter, tuple(projects))

    async def _start_client(self, user: TgUser, member: Member | None, invite: Invite) -> StartResult:
        """A client invite: the person becomes a client of exactly the invite's (still open) projects."""
        s, now = self.session, self.clock.now()
        async with self.db.writing(s):
            if not await repo.consume_invite(s, invite.id, now):
                return StartResult("invite_used")
            if member is None:
                member = self._new_member(user, Role.CLIENT, None)
                s.add(member)
            else:  # a switched-off member (or client) comes back as a client of these projects only
                await lead_counts.move_owner(s, member.id, member.department_id, None)
                member.active, member.role, member.department_id = True, Role.CLIENT.value, None
                self._refresh_profile(member, user)
                await repo.clear_managed_departments(s, member.id)
                await clients_repo.clear_projects(s, member.id)
            await s.flush()
            projects = []
            for pid in await clients_repo.invite_project_ids(s, invite.id):
                project = await s.get(Project, pid)
                if project is not None and not project.archived:
                    await clients_repo.add_project(s, member.id, pid, invite.created_by, now)
                    projects.append(project)
            repo.audit(s, actor_id=member.id, action="member.registered", object_type="member",
                       object_id=member.id, at=now, role=Role.CLIENT.value, invite_id=invite.id,
                       projects=[p.id for p in projects])
            inviter = await repo.member_by_id(s, invite.created_by) if invite.created_by else None
        if inviter is not None and (not inviter.active or inviter.id == member.id):
            inviter = None
        return StartResult("registered", member, None, inviter, tuple(projects))

    def _new_member(self, user: TgUser, role: Role, department_id: int | None) -> Member:
        return Member(
            telegram_id=user.id,
            display_name=clean_name(user.full_name or str(user.id), MAX_NAME),
            username=user.username,
            role=role.value,
            department_id=department_id,
            language=None,
            telegram_language=_telegram_language(user.language_code),
            timezone=None,
            active=True,
            unreachable=False,
            created_at=self.clock.now(),
        )

    @staticmethod
    def _refresh_profile(member: Member, user: TgUser) -> None:
        name = clean_name(user.full_name or str(user.id), MAX_NAME)
        if member.display_name != name:
            member.display_name = name
        if member.username != user.username:
            member.username = user.username
        if member.unreachable:
            member.unreachable = False
        if user.language_code and member.telegram_language != _telegram_language(user.language_code):
            member.telegram_language = _telegram_language(user.language_code)

    async def note_telegram_language(self, member: Member, language_code: str | None) -> None:
        """Remember the member's Telegram language when it changed (a write only then): proactive
        messages follow it until the member picks a language in /settings."""
        code = _telegram_language(language_code)
        if code is None or member.telegram_language == code:
            return
        async with self.db.writing(self.session):
            member.telegram_language = code

    # -- access helpers ----------------------------------------------------------
    async def departments_for_invite(self, actor: Member) -> list[Department]:
        ids = await self.manageable_department_ids(actor)
        return await repo.list_departments(self.session, ids)

    @staticmethod
    def invitable_roles(actor: Member) -> list[Role]:
        return access.invitable_roles(actor)

    def check_invite_role(self, actor: Member, role: str) -> None:
        """The role picked on the /invite keyboard is one the actor may invite."""
        if role not in {r.value for r in access.invitable_roles(actor)}:
            raise NotAllowed()

    # -- invites -------------------------------------------------------------------
    async def create_invite(self, actor: Member, role: str, department_id: int, uses: int = 1, *,
                            key: str | None = None) -> tuple[Invite, Department]:
        try:
            role_enum = Role(role)
        except ValueError as exc:
            raise UserError("error-bad-choice") from exc
        if not access.can_invite(actor, role_enum, department_id, await self.managed_ids(actor)):
            raise NotAllowed()
        department = await repo.department_by_id(self.session, department_id)
        if department is None:
            raise UserError("error-department-not-found")
        if not 1 <= uses <= 100:
            raise UserError("error-bad-choice")
        now = self.clock.now()

        async def create(s) -> int:
            invite = Invite(
                token=secrets.token_urlsafe(12),
                role=role_enum.value,
                department_id=department_id,
                expires_at=now + timedelta(hours=self.settings.invite_ttl_hours),
                uses_left=uses,
                created_by=actor.id,
                created_at=now,
            )
            s.add(invite)
            await s.flush()
            repo.audit(s, actor_id=actor.id, action="invite.created", object_type="invite", object_id=invite.id,
                       at=now, role=invite.role, department_id=department_id, uses=uses)
            return invite.id

        invite_id, _created = await self.create_once(key, "invite", create)
        invite = await repo.invite_by_id(self.session, invite_id)
        if invite.department_id != department.id:  # the form saved earlier was for another department
            department = await repo.department_by_id(self.session, invite.department_id)
        return invite, department

    # -- members -----------------------------------------------------------------
    async def members_page(self, actor: Member, page: int, per_page: int = 8) -> MembersPage:
        self.require_admin(actor)
        total = await repo.count_members(self.session)
        pages = max(1, -(-total // per_page))
        page = min(max(page, 0), pages - 1)
        members = await repo.list_members(self.session, offset=page * per_page, limit=per_page)
        departments = {d.id: d for d in await repo.list_departments(self.session)}
        return MembersPage(members, departments, page, pages, total)

    async def member_card(self, actor: Member, member_id: int) -> tuple[Member, Department | None, list[int]]:
        self.require_admin(actor)
        member = await repo.member_by_id(self.session, member_id)
        if member is None:
            raise UserError("error-member-not-found")
        department = (await repo.department_by_id(self.session, member.department_id)
                      if member.department_id is not None else None)
        managed = await repo.managed_department_ids(self.session, member.id)
        return member, department, managed

    async def set_role(self, actor: Member, member_id: int, role: str) -> Member:
        self.require_admin(actor)
        try:
            new_role = Role(role)
        except ValueError as exc:
            raise UserError("error-bad-choice") from exc
        if new_role not in access.TEAM_ROLES:
            raise UserError("error-bad-choice")  # clients join by a client invite only
        async with self.db.writing(self.session) as s:
            member = await self._target(member_id)
            if access.is_client_role(member.role):
                raise UserError("error-bad-choice")
            if member.id == actor.id and new_role != Role.ADMIN:
                raise UserError("error-cannot-demote-self")
            old = member.role
            member.role = new_role.value
            await repo.clear_managed_departments(s, member.id)
            if new_role == Role.MANAGER:
                await repo.add_managed_department(s, member.id, member.department_id)
            repo.audit(s, actor_id=actor.id, action="member.role", object_type="member", object_id=member.id,
                       at=self.clock.now(), old=old, new=new_role.value)
        return member

    async def set_department(self, actor: Member, member_id: int, department_id: int) -> Member:
        self.require_admin(actor)
        async with self.db.writing(self.session) as s:
            member = await self._target(member_id)
            if access.is_client_role(member.role):
                raise UserError("error-bad-choice")  # a client belongs to no department
            if await repo.department_by_id(s, department_id) is None:
                raise UserError("error-department-not-found")
            old = member.department_id
            await lead_counts.move_owner(s, member.id, old, department_id)  # their leads' /funnel rows
            member.department_id = department_id
            if member.role == Role.MANAGER.value:
                await repo.clear_managed_departments(s, member.id)
                await repo.add_managed_department(s, member.id, department_id)
            repo.audit(s, actor_id=actor.id, action="member.department", object_type="member",
                       object_id=member.id, at=self.clock.now(), old=old, new=department_id)
        return member

    async def set_active(self, actor: Member, member_id: int, active: bool) -> Member:
        self.require_admin(actor)
        async with self.db.writing(self.session) as s:
            member = await self._target(member_id)
            if member.id == actor.id and not active:
                raise UserError("error-cannot-deactivate-self")
            if member.active == active:
                return member  # a second press or a stale confirmation: nothing to do, nothing to audit
            member.active = active
            repo.audit(s, actor_id=actor.id, action="member.activate" if active else "member.deactivate",
                       object_type="member", object_id=member.id, at=self.clock.now())
        return member

    async def _target(self, member_id: int) -> Member:
        member = await repo.member_by_id(self.session, member_id)
        if member is None:
            raise UserError("error-member-not-found")
        return member

    # -- departments -----------------------------------------------------------
    async def list_departments(self) -> list[Department]:
        return await repo.list_departments(self.session)

    async def add_department(self, actor: Member, name: str) -> Department:
        self.require_admin(actor)
        name = self._department_name(name)
        async with self.db.writing(self.session) as s:
            if await repo.department_by_name(s, name) is not None:
                raise UserError("error-department-exists", name=name)
            department = Department(name=name, created_at=self.clock.now())
            s.add(department)
            await s.flush()
            repo.audit(s, actor_id=actor.id, action="department.created", object_type="department",
                       object_id=department.id, at=self.clock.now(), name=name)
        return department

    async def rename_department(self, actor: Member, department_id: int, name: str) -> Department:
        self.require_admin(actor)
        name = self._department_name(name)
        async with self.db.writing(self.session) as s:
            department = await repo.department_by_id(s, department_id)
            if department is None:
                raise UserError("error-department-not-found")
            other = await repo.department_by_name(s, name)
            if other is not None and other.id != department.id:
                raise UserError("error-department-exists", name=name)
            old, department.name = department.name, name
            repo.audit(s, actor_id=actor.id, action="department.renamed", object_type="department",
                       object_id=department.id, at=self.clock.now(), old=old, new=name)
        return department

    @staticmethod
    def _department_name(name: str) -> str:
        name = " ".join((name or "").split())
        if not name:
            raise UserError("error-department-name-empty")
        if len(name) > MAX_DEPARTMENT_NAME:
            raise UserError("error-too-long", limit=MAX_DEPARTMENT_NAME)
        return name

    # -- personal settings -----------------------------------------------------
    async def set_language(self, member: Member, language: str) -> Member:
        if language not in SUPPORTED_LANGUAGES:
            raise UserError("error-bad-choice")
        async with self.db.writing(self.session):
            member.language = language
        return member

    async def set_timezone(self, member: Member, tz: str) -> Member:
        tz = tz.strip()
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise UserError("error-bad-timezone", tz=tz) from exc
        async with self.db.writing(self.session):
            member.timezone = tz
        return member

    async def command_holders(self) -> list[Member]:
        """Active managers and admins (they get chat-scoped command menus)."""
        return await repo.list_members(self.session, active_only=True, roles=access.MENU_ROLES)
