"""Who may do what, in one place: roles, department scope, invitations, visibility, command menus.

Pure functions over a member (``role``, ``active``, ``id``, ``department_id``) and the ids of the
departments that member manages (``managed``, loaded by the caller: ``Service.scope_of`` does it
for services, the digest scope for jobs). No I/O: the access middleware, the services, the
scheduler's jobs and the command menus call these; no handler writes a permission rule out.

The rules:

* roles are ordered writer < manager < admin; a role grants everything a lower one does;
* an admin's scope is every department (``None``); a manager's is the departments they manage;
  a writer manages none (``[]``);
* a manager may invite writers and managers into the departments they manage; an admin anyone anywhere;
* a member sees their own things; a manager also those of members in their scope; an admin everyone's;
* managers and admins have their own command menu and receive digests;
* a client is outside the team: no department, grants no team role, sees only the client commands
  (``CLIENT_COMMANDS``), and only the units of the projects they are a client of; managers (for the
  projects of the departments they manage) and admins invite clients and manage their projects;
* a project is approved by its client in Telegram ("client" mode: the default once it has an active
  client) or marked by the team ("team"); in client mode the team cannot press *approved*, except a
  manager of the author (an override, audited).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Protocol

from models.org import Role


class Actor(Protocol):
    id: int
    role: str
    department_id: int | None
    active: bool


#: what each role may invite (in menu order)
INVITABLE: dict[Role, tuple[Role, ...]] = {
    Role.ADMIN: (Role.WRITER, Role.MANAGER, Role.ADMIN, Role.CLIENT),
    Role.MANAGER: (Role.WRITER, Role.MANAGER, Role.CLIENT),
    Role.WRITER: (),
    Role.CLIENT: (),
}

#: the roles of the team (what /members may assign; a client joins by a client invite only)
TEAM_ROLES = (Role.WRITER, Role.MANAGER, Role.ADMIN)

#: the only commands a client may run (everything else is refused with a clear message)
CLIENT_COMMANDS = ("start", "help", "cancel", "settings", "pending", "projects")

#: approval modes of a project
CLIENT_MODE, TEAM_MODE = "client", "team"
APPROVAL_MODES = (CLIENT_MODE, TEAM_MODE)


def role_of(member: Actor | None) -> Role | None:
    """The member's role, or ``None`` for nobody (no member, switched off, or an unknown role)."""
    if member is None or not member.active:
        return None
    try:
        return Role(member.role)
    except ValueError:
        return None


def grants(have: Role | str | None, need: Role | str | None) -> bool:
    """Whether role ``have`` includes role ``need`` (``need`` ``None``: anyone, even nobody). The client
    role grants no team role and is granted by none."""
    if need is None:
        return True
    if have is None:
        return False
    if Role(need) == Role.CLIENT or Role(have) == Role.CLIENT:
        return Role(have) == Role(need)
    return Role(have).at_least(Role(need))


def is_client(member: Actor | None) -> bool:
    """An active member of role client."""
    return role_of(member) == Role.CLIENT


def is_client_role(role: Role | str | None) -> bool:
    return role is not None and Role(role) == Role.CLIENT


def at_least(member: Actor | None, role: Role | str) -> bool:
    """An active member whose role is ``role`` or higher."""
    return grants(role_of(member), role)


def is_admin(member: Actor | None) -> bool:
    return at_least(member, Role.ADMIN)


def is_manager(member: Actor | None) -> bool:
    """Managers and admins."""
    return at_least(member, Role.MANAGER)


def role_needs_managed_ids(role: Role | str | None) -> bool:
    """Whether the scope of ``role`` depends on the departments its holder manages (a manager's does;
    an admin's is everything, a writer's nothing): callers load them only then."""
    return role is not None and Role(role) == Role.MANAGER


def needs_managed_ids(member: Actor | None) -> bool:
    return role_needs_managed_ids(role_of(member))


def role_scope(role: Role | str | None, managed: Iterable[int] = ()) -> list[int] | None:
    """Departments a holder of ``role`` who manages ``managed`` may manage and see: ``None`` means all
    (admins), ``[]`` none (writers, nobody)."""
    if role is None:
        return []
    role = Role(role)
    if role == Role.ADMIN:
        return None
    if role == Role.MANAGER:
        return sorted(set(managed))
    return []  # writers and clients manage nothing


def department_scope(member: Actor | None, managed: Iterable[int] = ()) -> list[int] | None:
    """Departments the member manages: ``None`` means all (admins), ``[]`` none (writers, nobody)."""
    return role_scope(role_of(member), managed)


def can_manage_department(member: Actor | None, department_id: int, managed: Iterable[int] = ()) -> bool:
    scope = department_scope(member, managed)
    return scope is None or department_id in scope


def invitable_roles(member: Actor | None) -> list[Role]:
    """Roles the member may invite, in menu order."""
    role = role_of(member)
    return list(INVITABLE[role]) if role is not None else []


def can_invite(member: Actor | None, role: Role | str, department_id: int, managed: Iterable[int] = ()) -> bool:
    """May ``member`` invite someone as ``role`` into ``department_id``? (Clients join projects, not a
    department: :func:`can_invite_client`.)"""
    try:
        wanted = Role(role)
    except ValueError:
        return False
    if wanted == Role.CLIENT:
        return False
    return wanted in invitable_roles(member) and can_manage_department(member, department_id, managed)


def may_manage_project(member: Actor | None, project_departments: Iterable[int], managed: Iterable[int] = ()) -> bool:
    """Whether ``member`` may invite clients to a project, or manage its clients and approval settings: an
    admin any project; a manager a project of a department they manage (``project_departments``: the
    departments of the project's creator and authors)."""
    if not is_manager(member):
        return False
    scope = department_scope(member, managed)
    return scope is None or bool(set(project_departments) & set(scope))


def can_invite_client(member: Actor | None, project_departments: Iterable[Iterable[int]],
                      managed: Iterable[int] = ()) -> bool:
    """May ``member`` invite a client to every one of these projects (one or more)?"""
    projects = list(project_departments)
    return Role.CLIENT in invitable_roles(member) and bool(projects) and all(
        may_manage_project(member, deps, managed) for deps in projects)


def may_manage_clients(member: Actor | None) -> bool:
    """Adding or removing a client's projects and switching a client off: admins."""
    return is_admin(member)


def client_sees_project(client: Actor | None, project_id: int, client_project_ids: Collection[int]) -> bool:
    """A client sees (and decides on) the units of the projects they are a client of, and nothing else;
    a switched-off client nothing."""
    return is_client(client) and project_id in client_project_ids


def approval_mode(mode: str | None, has_active_client: bool) -> str:
    """The project's approval mode: its own setting, else by the client once the project has an active one."""
    if mode in APPROVAL_MODES:
        return mode
    return CLIENT_MODE if has_active_client else TEAM_MODE


def may_mark_approved(actor: Actor | None, author: Actor, mode: str, managed: Iterable[int] = ()) -> bool:
    """In team mode whoever may act on the unit; in client mode only a manager of the author (an override)."""
    if mode != CLIENT_MODE:
        return True
    if not is_manager(actor) or author.department_id is None:
        return False
    return can_manage_department(actor, author.department_id, managed)


def may_see_member(actor: Actor | None, member: Actor, managed: Iterable[int] = ()) -> bool:
    """Whether ``actor`` may see (and, where the feature allows, act on) ``member``'s things: their own,
    a manager's for the departments they manage, an admin's for everyone."""
    if actor is None or not actor.active:
        return False
    if actor.id == member.id:
        return True
    if member.department_id is None:  # a client: only admins see them (in /members)
        return is_admin(actor)
    return is_manager(actor) and can_manage_department(actor, member.department_id, managed)


def may_see_department_pair(actor: Actor | None, a: int, b: int, managed: Collection[int] = ()) -> bool:
    """Whether ``actor`` may see something that concerns departments ``a`` and ``b`` (a rating policy:
    rater and rated department): admins always, managers when they manage either."""
    if not is_manager(actor):
        return False
    scope = department_scope(actor, managed)
    return scope is None or a in scope or b in scope


def roles_at_least(role: Role | str) -> list[str]:
    """The role values that include ``role`` (to select, say, every manager and admin from the database)."""
    return [r.value for r in Role if grants(r, role)]


#: who receives digests: managers and admins
DIGEST_ROLES = roles_at_least(Role.MANAGER)
#: who has a chat-scoped command menu: managers, admins and clients
MENU_ROLES = [*DIGEST_ROLES, Role.CLIENT.value]


def menu_role(member: Actor | None) -> Role | None:
    """Whose command menu this member gets (``None``: the default, public menu)."""
    return role_of(member)


def has_own_menu(member: Actor | None) -> bool:
    """Managers, admins and clients get a chat-scoped command menu; everyone else sees the default one."""
    return is_manager(member) or is_client(member)


def client_may_run(command: str) -> bool:
    return command in CLIENT_COMMANDS


def receives_digests(member: Actor | None) -> bool:
    """Digests (and the digest settings) are for managers and admins."""
    return is_manager(member)


def digest_scope(member: Actor | None, managed: Iterable[int] = ()) -> list[int] | None:
    """The departments a member's digest covers (the one rule for /digest, the scheduled digests and
    ``python -m bot digest``): ``None`` means everyone (admins), a manager's are the departments they
    manage, ``[]`` means no digest (writers, nobody, a manager of no department)."""
    if not receives_digests(member):
        return []
    return department_scope(member, managed)


def allowed_by_flag(member: Actor | None, needed: str | None, client_ok: bool = False) -> bool:
    """The access middleware's check: an active member, with at least the handler's ``role`` flag; a
    client only in handlers flagged ``client`` (the client commands and buttons)."""
    role = role_of(member)
    if role is None:
        return False
    if role == Role.CLIENT:
        return client_ok
    return grants(role, needed)


# --- the knowledge base and courses (bot/services/learning.py) ---------------------------------------------
def may_read_article(member: Actor | None, audience_roles: Collection[str], audience_departments: Collection[int],
                     *, archived: bool = False) -> bool:
    """An article's audience: team members only (never a client or a stranger); everyone in the team when the
    article lists no roles and no departments, else a member whose role or department is listed; managers and
    admins, who write and edit articles, read every one (archived ones too)."""
    role = role_of(member)
    if role is None or role == Role.CLIENT:
        return False
    if is_manager(member):
        return True
    if archived:
        return False
    if not audience_roles and not audience_departments:
        return True
    return role.value in audience_roles or (member.department_id is not None
                                            and member.department_id in audience_departments)


def may_write_articles(member: Actor | None) -> bool:
    """Managers and admins write, edit, move and archive articles and build courses."""
    return is_manager(member)


def course_applies_at_registration(role: str, department_id: int | None, auto_roles: Collection[str],
                                   auto_departments: Collection[int]) -> bool:
    """A course is given to a new member automatically when their role is one of its roles and, if it
    names departments, their department is one of them."""
    if role not in auto_roles or department_id is None:
        return False
    return not auto_departments or department_id in auto_departments


def may_assign_course(actor: Actor | None, learner: Actor, managed: Iterable[int] = ()) -> bool:
    """A manager assigns courses to members of the departments they manage; an admin to anyone in the team."""
    if not is_manager(actor) or learner.department_id is None or not learner.active:
        return False
    return can_manage_department(actor, learner.department_id, managed)


def may_manage_account(actor: Actor | None, responsible_department_id: int | None,
                       managed: Iterable[int] = ()) -> bool:
    """Adding, renaming, reassigning and archiving an SMM account (and assigning a member to it): an admin any;
    a manager one whose responsible member is in a department they manage."""
    if not is_manager(actor) or responsible_department_id is None:
        return False
    return can_manage_department(actor, responsible_department_id, managed)


def may_report_account(actor: Actor | None, responsible_id: int, responsible_department_id: int | None,
                       managed: Iterable[int] = ()) -> bool:
    """Filling or correcting an SMM account's weekly figures and seeing its statistics: its responsible member,
    a manager of that member's department, an admin."""
    role = role_of(actor)
    if role is None or role == Role.CLIENT:
        return False
    if actor is not None and actor.id == responsible_id:
        return True
    return may_manage_account(actor, responsible_department_id, managed)


def smm_scope(actor: Actor | None, managed: Iterable[int] = ()) -> tuple[list[int] | None, bool]:
    """Whose SMM accounts a member's lists and summaries cover (``/accounts``, ``/stats``, ``/team smm``, the weekly
    SMM section, the dashboard's SMM table): (the departments of the accounts' responsible members — ``None``
    all —, their own accounts too). An admin every account; a manager the accounts of the departments they
    manage and their own; anyone else in the team (a writer who reports accounts) their own only — the figures
    they fill and see (:func:`may_report_account`), never another's; a client or nobody none."""
    role = role_of(actor)
    if role is None or role == Role.CLIENT:
        return [], False
    return role_scope(role, managed), True


# -- leads ---------------------------------------------------------------------------------------------
def may_work_lead(actor: Actor | None, owner: Actor | None, managed: Iterable[int] = ()) -> bool:
    """Moving a lead through the funnel, editing it: its owner, the owner's managers, admins (a lead whose
    owner is gone: admins)."""
    if is_client(actor) or actor is None or not actor.active:
        return False
    if owner is None:
        return is_admin(actor)
    return may_see_member(actor, owner, managed)


def may_see_lead_contacts(actor: Actor | None, owner: Actor | None, managed: Iterable[int] = (),
                          handed_to: Collection[int] = ()) -> bool:
    """Phones and e-mails are personal data: the lead's owner, the owner's managers, admins, and the sales
    departments the lead was handed to (``handed_to``: their ids; members and managers of those). Everyone else
    sees the name and the stage only."""
    if may_work_lead(actor, owner, managed):
        return True
    if actor is None or not actor.active or is_client(actor):
        return False
    if actor.department_id is not None and actor.department_id in handed_to:
        return True
    scope = department_scope(actor, managed)
    return bool(handed_to) and scope is not None and bool(set(scope) & set(handed_to))


def may_see_lead(actor: Actor | None) -> bool:
    """A lead's name and stage: anyone in the team (clients: nothing)."""
    return role_of(actor) is not None and not is_client(actor)


def may_link_task_to_lead(actor: Actor | None, owner: Actor | None, managed: Iterable[int] = (),
                          handed_to: Collection[int] = ()) -> bool:
    """A task linked to a lead (its next step), and the lead card's list of them: whoever sees the whole lead
    (:func:`may_see_lead_contacts`: its owner, the owner's managers, admins, the sales department it was handed
    to). A task's title often names the client, so the rest of the team sees neither."""
    return may_see_lead_contacts(actor, owner, managed, handed_to)


def may_take_handoff(actor: Actor | None, sales_department_id: int) -> bool:
    """*Take it* under a hand-off: a member of the sales department it was handed to."""
    return may_see_lead(actor) and actor is not None and actor.department_id == sales_department_id


def lead_scope(actor: Actor | None, managed: Iterable[int] = ()) -> tuple[list[int] | None, bool]:
    """Whose leads /leads and /export list: (departments of owners — ``None`` all —, own only). A writer: their
    own; a manager: their departments'; an admin: everyone's."""
    if is_manager(actor):
        return department_scope(actor, managed), False
    return [], True


# --- tasks ----------------------------------------------------------------------------------------------------
def _team_member(member: Actor | None) -> bool:
    role = role_of(member)
    return role is not None and role != Role.CLIENT


def _manages_member(actor: Actor | None, member: Actor, managed: Iterable[int]) -> bool:
    return (is_manager(actor) and member.department_id is not None
            and can_manage_department(actor, member.department_id, managed))


def may_assign_task(actor: Actor | None, assignee: Actor | None, managed: Iterable[int] = ()) -> bool:
    """Who may give a task to ``assignee``: anyone in the team to themselves; a manager to the active members
    of the departments they manage; an admin to any active team member. Never a client, either way."""
    if not _team_member(actor) or not _team_member(assignee):
        return False
    return actor.id == assignee.id or _manages_member(actor, assignee, list(managed))


def may_act_on_task(actor: Actor | None, assignee: Actor, creator_id: int, managed: Iterable[int] = ()) -> bool:
    """Who may complete or move a task: its assignee, its creator, a manager of the assignee's department, an
    admin."""
    if not _team_member(actor):
        return False
    return actor.id in (assignee.id, creator_id) or _manages_member(actor, assignee, list(managed))


def may_reassign_task(actor: Actor | None, assignee: Actor, creator_id: int, new_assignee: Actor | None,
                      managed: Iterable[int] = ()) -> bool:
    """Reassigning is for managers (and admins): a task they may act on, to someone they may assign to."""
    managed = list(managed)
    return (is_manager(actor) and may_act_on_task(actor, assignee, creator_id, managed)
            and may_assign_task(actor, new_assignee, managed))
