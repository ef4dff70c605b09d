"""Use cases of tasks: create (the /task flow and its one-line form), complete, move, reassign, /tasks, and
what the scheduler's reminders and morning agenda show. Rules live in :mod:`bot.access` (who may assign, act,
reassign) and :mod:`bot.domain.tasks` (the due-time parser, recurrence, when notices are due).

Callback data is never trusted: every action loads the task and checks the actor against it now; a task the
actor may not act on is "not found" and nothing changes. Completing is a compare-and-set (open → done), so a
double press records one completion and creates one next occurrence of a recurring task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import access
from bot.domain import tasks as dom
from bot.domain.workdays import local_now, public_holidays
from bot.errors import NotAllowed, UserError
from bot.services.base import Service
from models import leads_repo, org_repo
from models import reporting_repo as rrepo
from models import tasks_repo as repo
from models.leads import Lead
from models.org import Member
from models.tasks import OPEN, Task

HOUR, TOMORROW = "hour", "tomorrow"


@dataclass(frozen=True, slots=True)
class TaskView:
    """A task as one member is shown it: the due time in that member's zone."""

    task: Task
    assignee: Member
    creator: Member
    due_local: datetime


@dataclass(frozen=True, slots=True)
class Overview:
    overdue: list[TaskView]
    today: list[TaskView]
    upcoming: list[TaskView]
    done_today: list[TaskView]
    can_reassign: bool

    @property
    def open(self) -> list[TaskView]:
        return [*self.overdue, *self.today, *self.upcoming]


@dataclass(frozen=True, slots=True)
class Agenda:
    """The morning agenda: overdue and today's tasks, and the member's leads without a next step (the first
    few of ``no_step_total``)."""

    overdue: list[TaskView]
    today: list[TaskView]
    no_step: list[Lead]
    no_step_total: int
    stages: dict[int, object]

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.no_step_total)


@dataclass(frozen=True, slots=True)
class Completion:
    view: TaskView
    next: TaskView | None  # the next occurrence of a recurring task


@dataclass(frozen=True, slots=True)
class Reassigned:
    view: TaskView
    old: Member


class TaskService(Service):
    def tz(self, member: Member) -> str:
        return member.timezone or self.settings.timezone

    def local_now(self, member: Member) -> datetime:
        return local_now(self.clock.now(), self.tz(member))

    # -- input --------------------------------------------------------------------------------------------
    @staticmethod
    def _due_error(exc: dom.DueError) -> UserError:
        return UserError("task-title-empty" if exc.code == "title" else f"task-due-{exc.code}")

    def parse_due(self, actor: Member, text: str) -> datetime:
        """A typed due time in the actor's zone → aware UTC (``task-due-format|past|far`` otherwise)."""
        try:
            return dom.parse_due(text or "", self.local_now(actor)).astimezone(UTC)
        except dom.DueError as exc:
            raise self._due_error(exc) from exc

    def split_one_line(self, actor: Member, text: str) -> tuple[str, datetime]:
        """``/task <title> <due>`` → (title, due in UTC)."""
        try:
            title, due = dom.split_title_due(text or "", self.local_now(actor))
        except dom.DueError as exc:
            raise self._due_error(exc) from exc
        return self.check_title(title), due.astimezone(UTC)

    @staticmethod
    def check_title(title: str | None) -> str:
        title = " ".join((title or "").split())
        if not title:
            raise UserError("task-title-empty")
        if len(title) > dom.TITLE_MAX:
            raise UserError("error-too-long", limit=dom.TITLE_MAX)
        return title

    # -- who --------------------------------------------------------------------------------------------------
    async def assignees(self, actor: Member) -> list[Member]:
        """Whom the actor may give a task to: themselves first, then (managers) the active members of the
        departments they manage (admins: the whole team)."""
        managed = await self.managed_ids(actor)
        scope = access.department_scope(actor, managed)
        others: list[Member] = []
        if access.is_manager(actor):
            others = await org_repo.list_members(self.session, active_only=True, department_ids=scope)
        return [actor, *(m for m in others if m.id != actor.id and access.may_assign_task(actor, m, managed))]

    async def _member(self, member_id: int) -> Member | None:
        return await org_repo.member_by_id(self.session, member_id)

    async def _view(self, task: Task, viewer: Member) -> TaskView:
        assignee = await self._member(task.assignee_id)
        creator = await self._member(task.creator_id)
        return TaskView(task, assignee, creator, task.due_at.astimezone(ZoneInfo(self.tz(viewer))))

    # -- a lead's next step ------------------------------------------------------------------------------------
    async def lead_for_task(self, actor: Member, lead_id: int) -> Lead:
        """The lead a task of the actor's may be linked to: one whose whole card the actor sees
        (:func:`bot.access.may_link_task_to_lead`); otherwise "not found" (a forged button, another's lead)."""
        lead = await leads_repo.lead_by_id(self.session, lead_id)
        owner = await self._member(lead.owner_id) if lead is not None and lead.owner_id else None
        if lead is None or not access.may_link_task_to_lead(
                actor, owner, await self.managed_ids(actor), await leads_repo.handed_departments(self.session, lead.id)):
            raise UserError("task-lead-not-found", id=lead_id)
        return lead

    # -- create -------------------------------------------------------------------------------------------------
    async def create(self, actor: Member, title: str, due_at: datetime, *, assignee_id: int | None = None,
                     recurrence: str | None = None, unit_id: int | None = None, lead_id: int | None = None,
                     key: str | None = None) -> tuple[TaskView, bool]:
        """A task for ``assignee_id`` (default: the actor). → (its view, created); ``created`` is False when the
        form's ``key`` made it before (a double press of Save)."""
        if key is not None and (saved := await self.saved_id(key)) is not None:
            return await self._view(await repo.task_by_id(self.session, saved), actor), False
        title = self.check_title(title)
        now = self.clock.now()
        if due_at <= now:
            raise UserError("task-due-past")
        if recurrence is not None and recurrence not in dom.RECURRENCES:
            raise UserError("error-bad-choice")
        managed = await self.managed_ids(actor)
        assignee = actor if assignee_id in (None, actor.id) else await self._member(assignee_id)
        if not access.may_assign_task(actor, assignee, managed):
            raise NotAllowed()
        if unit_id is not None:
            unit = await rrepo.unit_by_id(self.session, unit_id)
            author = await self._member(unit.author_id) if unit is not None else None
            if author is None or not access.may_see_member(actor, author, managed):
                raise UserError("task-unit-not-found", id=unit_id)
        if lead_id is not None:
            await self.lead_for_task(actor, lead_id)

        async def make(s) -> int:
            task = Task(title=title, creator_id=actor.id, assignee_id=assignee.id, due_at=due_at, status=OPEN,
                        recurrence=recurrence, unit_id=unit_id, lead_id=lead_id, created_at=now, updated_at=now)
            s.add(task)
            await s.flush()
            org_repo.audit(s, actor_id=actor.id, action="task.created", object_type="task", object_id=task.id,
                           at=now, assignee=assignee.id, recurrence=recurrence)
            return task.id

        task_id, created = await self.create_once(key, "task", make)
        return await self._view(await repo.task_by_id(self.session, task_id), actor), created

    # -- act ------------------------------------------------------------------------------------------------------
    async def _actionable(self, actor: Member, task_id: int) -> tuple[Task, Member]:
        """The task when the actor may act on it now; otherwise "not found" (a forged or stale button)."""
        task = await repo.task_by_id(self.session, task_id)
        assignee = await self._member(task.assignee_id) if task is not None else None
        if task is None or assignee is None or not access.may_act_on_task(
                actor, assignee, task.creator_id, await self.managed_ids(actor)):
            raise UserError("task-not-found")
        return task, assignee

    def _working(self, member: Member):
        years = range(self.clock.now().year, self.clock.now().year + 6)
        holidays = frozenset().union(*(public_holidays(y, self.settings.holiday_country) for y in years))
        return dom.working_checker(holidays)

    async def complete(self, actor: Member, task_id: int) -> Completion:
        now = self.clock.now()
        s = self.session
        async with self.db.writing(s):
            task, assignee = await self._actionable(actor, task_id)
            if not await repo.complete(s, task.id, actor.id, now):
                raise UserError("task-already-done")
            nxt_id = None
            if task.recurrence in dom.RECURRENCES:
                zone = ZoneInfo(self.tz(assignee))
                due = dom.next_due(task.due_at.astimezone(zone), task.recurrence, self._working(assignee),
                                   after=now.astimezone(zone)).astimezone(UTC)
                nxt = Task(title=task.title, creator_id=task.creator_id, assignee_id=task.assignee_id, due_at=due,
                           status=OPEN, recurrence=task.recurrence, unit_id=task.unit_id, lead_id=task.lead_id,
                           created_at=now, updated_at=now)
                s.add(nxt)
                await s.flush()
                nxt_id = nxt.id
            org_repo.audit(s, actor_id=actor.id, action="task.done", object_type="task", object_id=task.id, at=now,
                           next=nxt_id)
        task = await repo.task_by_id(s, task_id)
        await s.refresh(task)
        nxt_view = await self._view(await repo.task_by_id(s, nxt_id), actor) if nxt_id else None
        return Completion(await self._view(task, actor), nxt_view)

    async def postpone(self, actor: Member, task_id: int, how: str) -> TaskView:
        """*+1 hour* (from the due time, or from now when it has passed) or *Tomorrow* (the assignee's next day,
        at the task's time of day)."""
        if how not in (HOUR, TOMORROW):
            raise UserError("error-bad-choice")
        now = self.clock.now()
        task, assignee = await self._actionable(actor, task_id)
        if how == HOUR:
            due = (max(task.due_at, now) + timedelta(hours=1)).replace(second=0, microsecond=0)
        else:
            zone = ZoneInfo(self.tz(assignee))
            at: time = task.due_at.astimezone(zone).time()
            due = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), at, zone).astimezone(UTC)
        return await self._move(actor, task_id, due)

    async def move(self, actor: Member, task_id: int, text: str) -> TaskView:
        """A typed new due time (the actor's zone)."""
        await self._actionable(actor, task_id)
        return await self._move(actor, task_id, self.parse_due(actor, text))

    async def _move(self, actor: Member, task_id: int, due: datetime) -> TaskView:
        now = self.clock.now()
        s = self.session
        async with self.db.writing(s):
            task, _ = await self._actionable(actor, task_id)
            old = task.due_at
            if not await repo.move(s, task.id, due, now):
                raise UserError("task-already-done")
            org_repo.audit(s, actor_id=actor.id, action="task.moved", object_type="task", object_id=task.id, at=now,
                           old=old.isoformat(), new=due.isoformat())
        task = await repo.task_by_id(s, task_id)
        await s.refresh(task)
        return await self._view(task, actor)

    async def reassign_choices(self, actor: Member, task_id: int) -> tuple[TaskView, list[Member]]:
        task, assignee = await self._actionable(actor, task_id)
        managed = await self.managed_ids(actor)
        if not access.is_manager(actor):
            raise NotAllowed()
        choices = [m for m in await self.assignees(actor) if m.id != assignee.id
                   and access.may_reassign_task(actor, assignee, task.creator_id, m, managed)]
        return await self._view(task, actor), choices

    async def reassign(self, actor: Member, task_id: int, member_id: int) -> Reassigned:
        now = self.clock.now()
        s = self.session
        async with self.db.writing(s):
            task, old = await self._actionable(actor, task_id)
            new = await self._member(member_id)
            if not access.may_reassign_task(actor, old, task.creator_id, new, await self.managed_ids(actor)):
                raise NotAllowed()
            if new.id == old.id:
                raise UserError("task-same-assignee")
            if not await repo.reassign(s, task.id, new.id, now):
                raise UserError("task-already-done")
            org_repo.audit(s, actor_id=actor.id, action="task.reassigned", object_type="task", object_id=task.id,
                           at=now, old=old.id, new=new.id)
        task = await repo.task_by_id(s, task_id)
        await s.refresh(task)
        return Reassigned(await self._view(task, actor), old)

    async def card(self, actor: Member, task_id: int) -> TaskView:
        """A task the actor may act on (its card under /tasks)."""
        task, _ = await self._actionable(actor, task_id)
        await self.session.refresh(task)
        return await self._view(task, actor)

    async def saved_view(self, actor: Member, key: str) -> TaskView | None:
        """The task a /task form with this key made (a second press after the form ended), if the actor may
        still see it."""
        task_id = await self.saved_id(key)
        if task_id is None:
            return None
        try:
            return await self.card(actor, task_id)
        except UserError:
            return None

    # -- read -------------------------------------------------------------------------------------------------------
    def _day(self, member: Member, now: datetime) -> tuple[datetime, datetime]:
        """The member's today as [start, end) in UTC."""
        zone = ZoneInfo(self.tz(member))
        day = now.astimezone(zone).date()
        start = datetime.combine(day, time.min, zone)
        end = datetime.combine(day + timedelta(days=1), time.min, zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    async def overview(self, actor: Member) -> Overview:
        """/tasks: my open tasks (assigned to me or given by me) overdue, due today, upcoming; done today."""
        now = self.clock.now()
        start, end = self._day(actor, now)
        open_tasks = await repo.open_related(self.session, actor.id)
        done = await repo.done_related_since(self.session, actor.id, start)
        views = [await self._view(x, actor) for x in open_tasks]
        done_views = [await self._view(x, actor) for x in done]
        b = dom.bucket(views, done_views, now, end, lambda v: v.task.due_at)
        return Overview(b.overdue, b.today, b.upcoming, b.done_today, access.is_manager(actor))

    async def agenda(self, member: Member, now: datetime, *, shown: int = 10) -> Agenda:
        """The morning agenda: overdue and due today of the member's own open tasks, and their leads in an open
        stage without an open task linked (issue 12, point 8)."""
        _start, end = self._day(member, now)
        views = [await self._view(x, member) for x in await repo.open_of(self.session, [member.id], before=end)]
        b = dom.bucket(views, [], now, end, lambda v: v.task.due_at)
        leads, total = await leads_repo.without_next_step(self.session, member.id, limit=shown)
        stages = {st.id: st for st in await leads_repo.stages(self.session, archived=True)} if leads else {}
        return Agenda(b.overdue, b.today, leads, total, stages)

    async def notice_view(self, member: Member, task_id: int, due_ts: int, *, as_assignee: bool) -> TaskView | None:
        """What a reminder shows, or ``None`` when it has nothing to say any more: the task is done, moved (its
        due time is no longer the one the notice was planned for) or given to someone else."""
        task = await repo.task_by_id(self.session, task_id)
        if task is None:
            return None
        await self.session.refresh(task)
        if task.status != OPEN or int(task.due_at.timestamp()) != due_ts:
            return None
        if as_assignee and task.assignee_id != member.id:
            return None
        return await self._view(task, member)
