"""Use cases of content reporting: streams, client projects, units and their life, revisions, days off,
and the read side shown by /mine, /me and /team.

Unit life (the state machine; ``deleted`` is reachable from every other state)::

    written --send--> sent --approve--> approved
                       |  ^
                  rev  |  | fix (revision done: reaction time recorded)
                       v  |
                     revision

A transition is a compare-and-set on the state, so pressing a button twice (or two people pressing it
at once) records one transition; pressing it when the unit is already where the button leads answers
"already" and records nothing; anything else (approving a deleted unit) is refused with a message.
The last transition can be undone within ``UNDO_MINUTES`` (:meth:`ReportingService.undo`): it is reverted
as if it had not happened (state, event, revision row, sent/approved time) and the undo is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot import access
from bot.domain.deadlines import revision_due
from bot.domain.workdays import local_today, month_bounds, utc_range
from bot.errors import NotAllowed, UserError
from bot.parsing import parse_period_range
from bot.services.base import Service
from bot.services.stats import (
    MemberMonth,
    UnitFacts,
    month_range_utc,
    month_stats,
    record_unit_change,
    sort_by_lag,
    team_median_rate,
    unit_change,
)
from bot.text import truncate
from models import clients_repo, idempotency_repo, org_repo, stats_repo
from models import reporting_repo as repo
from models.org import Member, Role
from models.reporting import APPROVED, DELETED, REVISION, SENT, WRITTEN, Project, Revision, Stream, Unit

MAX_PROJECT_NAME = 200
MAX_STREAM_NAME = 100
MAX_LINK = 1000
MAX_REASON_TEXT = 500
REVISION_REASONS = ("factual", "style", "brief", "client_changed", "typos", "other")
STREAM_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
MINE_PER_PAGE = 8
PROJECT_PILE_SHARE = 1.5  # a project's revisions per unit ≥ 1.5 × the team's...
PROJECT_PILE_MIN = 3  # ...with at least this many revisions stands out in /team projects

# action → (states it may start from, state it leads to, event kind)
ACTIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "send": (frozenset({WRITTEN}), SENT, "sent"),
    "rev": (frozenset({SENT}), REVISION, "revision_received"),
    "fix": (frozenset({REVISION}), SENT, "revision_done"),
    "approve": (frozenset({SENT}), APPROVED, "approved"),
}


UNDOABLE = frozenset(kind for _froms, _to, kind in ACTIONS.values())  # state changes an Undo reverts


def next_actions(state: str) -> list[str]:
    """Transitions that fit a unit in ``state``, in button order."""
    return [a for a, (froms, _to, _k) in ACTIONS.items() if state in froms]


@dataclass(frozen=True, slots=True)
class UnitView:
    unit: Unit
    stream: Stream
    project: Project
    open_revision: Revision | None
    revisions: int
    due_at: datetime | None  # deadline of the open revision, in the author's time zone
    overdue: bool
    actions: tuple[str, ...]  # transitions that fit
    can_edit: bool
    undo: int | None = None  # the event the actor may undo now (its id goes into the Undo button)


@dataclass(frozen=True, slots=True)
class TransitionResult:
    view: UnitView
    changed: bool  # False: it already was there (a repeated press)


@dataclass(frozen=True, slots=True)
class MinePage:
    views: list[UnitView]
    counts: dict[str, int]
    first: date
    last: date
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class ProjectStat:
    project_id: int
    name: str
    units: int
    revisions: int
    rate: float | None
    stands_out: bool
    client_revisions: int = 0  # of the revisions, those the project's client asked for in Telegram
    client_hours: float | None = None  # the client's average time to a decision


def clean(text: str | None) -> str:
    return " ".join((text or "").split())


def looks_like_link(token: str) -> bool:
    return token.lower().startswith(("http://", "https://", "www."))


def valid_link(token: str) -> bool:
    if len(token) > MAX_LINK or any(c.isspace() for c in token):
        return False
    url = token if "://" in token else "https://" + token
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and "." in host and not host.startswith(".") \
        and not host.endswith(".")


QUOTES = {'"': '"', "«": "»", "“": "”", "„": "“", "'": "'"}


def _take_name(text: str) -> tuple[str, str]:
    """The leading quoted name (any words) or the first word → (name, the rest); ``report-usage`` when a quote
    is not closed."""
    text = text.strip()
    closing = QUOTES.get(text[:1])
    if closing:
        end = text.find(closing, 1)
        if end < 0:
            raise UserError("report-usage")
        return clean(text[1:end]), text[end + 1:].strip()
    name, _, rest = text.partition(" ")
    return name, rest.strip()


def parse_report_line(args: str) -> tuple[str, str, str]:
    """``<stream> <project> <title or link>`` → (stream, project, rest). The stream is its code or its Russian or
    English name, the project its exact name; each is one word or quoted (``"..."``, ``«...»``, ``“...”``) when it
    has several. Raises ``UserError("report-usage")`` on a missing part."""
    stream, rest = _take_name(args or "")
    if not stream or not rest:
        raise UserError("report-usage")
    project, text = _take_name(rest)
    if not project or not text:
        raise UserError("report-usage")
    return stream, project, text


class ReportingService(Service):
    # -- access --------------------------------------------------------------------------------------
    async def manages(self, actor: Member, member: Member) -> bool:
        scope = await self.manageable_department_ids(actor)
        return scope is None or member.department_id in scope

    def tz(self, member: Member) -> str:
        return member.timezone or self.settings.timezone

    def today(self, member: Member) -> date:
        return local_today(self.clock.now(), self.tz(member))

    # -- streams ---------------------------------------------------------------------------------------
    async def streams(self, *, active_only: bool = True) -> list[Stream]:
        streams = await repo.cached_streams(self.session)
        return [s for s in streams if s.active] if active_only else streams

    async def stream(self, stream_id: int) -> Stream:
        stream = await repo.cached_stream_by_id(self.session, stream_id)
        if stream is None or not stream.active:
            raise UserError("error-bad-choice")
        return stream

    async def find_stream(self, token: str) -> Stream:
        token = clean(token).lower()
        streams = await self.streams()
        for s in streams:
            if token in (s.code.lower(), s.name_ru.lower(), s.name_en.lower()):
                return s
        raise UserError("report-unknown-stream", stream=token, valid=", ".join(s.code for s in streams))

    async def add_stream(self, actor: Member, code: str, name_ru: str, name_en: str) -> Stream:
        self.require_admin(actor)
        code = code.strip().lower()
        if not STREAM_CODE_RE.match(code):
            raise UserError("streams-bad-code")
        name_ru, name_en = self._stream_names(name_ru, name_en)
        async with self.db.writing(self.session) as s:
            if await repo.stream_by_code(s, code) is not None:
                raise UserError("streams-exists", code=code)
            stream = Stream(code=code, name_ru=name_ru, name_en=name_en, active=True,
                            position=await repo.max_stream_position(s) + 1)
            s.add(stream)
            await s.flush()
            org_repo.audit(s, actor_id=actor.id, action="stream.created", object_type="stream",
                           object_id=stream.id, at=self.clock.now(), code=code, name_ru=name_ru, name_en=name_en)
        return stream

    async def rename_stream(self, actor: Member, code: str, name_ru: str, name_en: str) -> Stream:
        self.require_admin(actor)
        name_ru, name_en = self._stream_names(name_ru, name_en)
        async with self.db.writing(self.session) as s:
            stream = await repo.stream_by_code(s, code.strip())
            if stream is None:
                raise UserError("streams-not-found", code=code.strip())
            old = (stream.name_ru, stream.name_en)
            stream.name_ru, stream.name_en = name_ru, name_en
            org_repo.audit(s, actor_id=actor.id, action="stream.renamed", object_type="stream",
                           object_id=stream.id, at=self.clock.now(), old=list(old), new=[name_ru, name_en])
        return stream

    async def archive_stream(self, actor: Member, stream_id: int, archived: bool = True) -> Stream:
        """Archive (or restore) a stream: an archived one is not offered in /report or the plan board."""
        self.require_admin(actor)
        async with self.db.writing(self.session) as s:
            stream = await repo.stream_by_id(s, stream_id)
            if stream is None:
                raise UserError("error-bad-choice")
            if stream.active != archived:
                return stream  # a second press or a stale confirmation: nothing to do, nothing to audit
            stream.active = not archived
            org_repo.audit(s, actor_id=actor.id, action="stream.archived" if archived else "stream.restored",
                           object_type="stream", object_id=stream.id, at=self.clock.now(), code=stream.code)
        return stream

    @staticmethod
    def _stream_names(name_ru: str, name_en: str) -> tuple[str, str]:
        name_ru, name_en = clean(name_ru), clean(name_en)
        if not name_ru or not name_en:
            raise UserError("streams-usage")
        if max(len(name_ru), len(name_en)) > MAX_STREAM_NAME:
            raise UserError("error-too-long", limit=MAX_STREAM_NAME)
        return name_ru, name_en

    # -- projects --------------------------------------------------------------------------------------
    async def projects(self, query: str | None = None, *, include_archived: bool = False) -> list[Project]:
        return await repo.list_projects(self.session, query=clean(query) or None, include_archived=include_archived)

    async def project(self, project_id: int) -> Project:
        project = await repo.cached_project_by_id(self.session, project_id)
        if project is None or project.archived:
            raise UserError("error-bad-choice")
        return project

    async def find_project(self, name: str) -> Project:
        project = await repo.cached_project_by_name(self.session, clean(name))
        if project is None or project.archived:
            names = [p.name for p in await self.projects()]
            # one name a line (the names themselves may hold commas and quotes; the quotes are the locale's)
            shown = "\n".join(f"• {truncate(n, 60)}" for n in names[:20]) + ("\n…" if len(names) > 20 else "")
            raise UserError("report-unknown-project", project=clean(name), valid=shown or "—")
        return project

    async def add_project(self, actor: Member, name: str, *, key: str | None = None) -> Project:
        self.require_manager(actor)
        name = self._project_name(name)

        async def create(s) -> int:
            other = await repo.project_by_name(s, name)
            if other is not None:
                raise UserError("projects-exists", name=other.name)
            project = Project(name=name, archived=False, created_by=actor.id, created_at=self.clock.now())
            s.add(project)
            await s.flush()
            org_repo.audit(s, actor_id=actor.id, action="project.created", object_type="project",
                           object_id=project.id, at=self.clock.now(), name=name)
            return project.id

        project_id, _created = await self.create_once(key, "project", create)
        return await repo.project_by_id(self.session, project_id)

    async def rename_project(self, actor: Member, project_id: int, name: str) -> Project:
        self.require_manager(actor)
        name = self._project_name(name)
        async with self.db.writing(self.session) as s:
            project = await repo.project_by_id(s, project_id)
            if project is None:
                raise UserError("projects-not-found", id=project_id)
            other = await repo.project_by_name(s, name)
            if other is not None and other.id != project.id:
                raise UserError("projects-exists", name=other.name)
            old, project.name = project.name, name
            org_repo.audit(s, actor_id=actor.id, action="project.renamed", object_type="project",
                           object_id=project.id, at=self.clock.now(), old=old, new=name)
        return project

    async def archive_project(self, actor: Member, project_id: int, archived: bool = True) -> Project:
        self.require_manager(actor)
        async with self.db.writing(self.session) as s:
            project = await repo.project_by_id(s, project_id)
            if project is None:
                raise UserError("projects-not-found", id=project_id)
            if project.archived == archived:
                return project  # a second press or a stale confirmation: nothing to do, nothing to audit
            project.archived = archived
            org_repo.audit(s, actor_id=actor.id, action="project.archived" if archived else "project.restored",
                           object_type="project", object_id=project.id, at=self.clock.now())
        return project

    @staticmethod
    def _project_name(name: str) -> str:
        name = clean(name)
        if not name:
            raise UserError("projects-usage")
        if len(name) > MAX_PROJECT_NAME:
            raise UserError("error-too-long", limit=MAX_PROJECT_NAME)
        return name

    # -- units -----------------------------------------------------------------------------------------
    def parse_content(self, text: str) -> tuple[str, str | None]:
        """Title or link (or a title followed by a link) → (title, link); validated."""
        text = clean(text)
        if not text:
            raise UserError("report-title-empty")
        words = text.split(" ")
        link = None
        if looks_like_link(words[-1]):
            link = words.pop()
            if not valid_link(link):
                raise UserError("report-bad-link", link=link)
        elif len(words) == 1 and "://" in words[0]:
            raise UserError("report-bad-link", link=words[0])
        title = " ".join(words) or (link or "")
        if len(title) > self.settings.title_max:
            if not words and link:  # a bare long link: a shortened title, the link in full
                title = title[: self.settings.title_max - 1] + "…"
            else:
                raise UserError("report-title-too-long", limit=self.settings.title_max, length=len(title))
        return title, link

    async def create_unit(self, author: Member, stream_id: int, project_id: int, text: str, *,
                          key: str | None = None) -> UnitView:
        """The one write of /report (its confirm step): nothing is stored before it. A form's ``key``
        (``form_key``) makes a repeated Save show the unit it saved instead of storing another."""
        title, link = self.parse_content(text)
        now = self.clock.now()
        made: dict[str, object] = {}

        async def create(s, claim: idempotency_repo.Claim | None) -> tuple[int, bool]:
            made["stream"] = await self.stream(stream_id)
            made["project"] = await self.project(project_id)
            facts = UnitFacts(author.id, stream_id, project_id, WRITTEN, now, None)
            unit, claimed = await repo.insert_unit(
                s, author_id=author.id, stream_id=stream_id, project_id=project_id, title=title, link=link,
                state=WRITTEN, at=now, counters=unit_change(self.settings.timezone, None, facts), claim=claim)
            made["unit"] = unit
            return unit.id, claimed

        # the key is claimed with the unit's writes (a repeat is rolled back): see create_once
        unit_id, created = await self.create_once(key, "unit", create, claim_last=True)
        if created:
            return self._new_unit_view(made["unit"], made["stream"], made["project"])
        return await self.view(author, unit_id)

    @staticmethod
    def _new_unit_view(unit: Unit, stream: Stream, project: Project) -> UnitView:
        """The view of a unit its author has just reported, from the inserted row (no re-read in a third
        transaction): written, no revisions, editable (the edit window starts now), nothing to undo."""
        return UnitView(unit, stream, project, None, 0, None, False, tuple(next_actions(unit.state)), True)

    async def saved_unit(self, actor: Member, key: str) -> UnitView | None:
        """The unit a /report form saved under ``key`` (a Save pressed again after the form ended)."""
        unit_id = await self.saved_id(key)
        return await self.view(actor, unit_id) if unit_id is not None else None

    async def _unit_for(self, actor: Member, unit_id: int) -> tuple[Unit, Member]:
        unit = await repo.unit_by_id(self.session, unit_id)
        if unit is None:
            raise UserError("unit-not-found")
        author = await org_repo.member_by_id(self.session, unit.author_id)
        if not await self.may_see_member(actor, author):
            raise NotAllowed()
        return unit, author

    async def _can_edit(self, actor: Member, unit: Unit, author: Member) -> bool:
        """Managers of the author always; the author within the edit window; deleted units never."""
        if unit.state == DELETED:
            return False
        if access.is_manager(actor) and await self.manages(actor, author):
            return True
        if unit.author_id == actor.id:
            return self.clock.now() - unit.created_at <= timedelta(hours=self.settings.edit_window_hours)
        return False

    def revision_due(self, revision: Revision, author: Member) -> datetime:
        return revision_due(revision.received_at, self.settings.revision_deadline_hours, self.tz(author),
                            self.settings.holiday_country)

    async def view(self, actor: Member, unit_id: int) -> UnitView:
        unit, author = await self._unit_for(actor, unit_id)
        return (await self._views(actor, author, [unit]))[0]

    async def _views(self, actor: Member, author: Member, units: list[Unit]) -> list[UnitView]:
        """The views of ``author``'s units for ``actor`` (who may see the author): their streams, projects,
        open revisions and revision counts in one query each, whatever the number of units (a page of
        ``/mine`` is four queries, not four per unit); the undo check queries only recently changed units."""
        s = self.session
        ids = [u.id for u in units]
        # streams and a single project from the row cache (a card: no query); a page's projects in one query
        streams = {i: await repo.cached_stream_by_id(s, i) for i in {u.stream_id for u in units}}
        project_ids = {u.project_id for u in units}
        projects = ({i: await repo.cached_project_by_id(s, i) for i in project_ids} if len(project_ids) == 1
                    else await repo.projects_by_ids(s, project_ids))
        open_revs = await repo.latest_open_revisions(s, [u.id for u in units if u.state == REVISION])
        totals = await repo.revision_totals(s, ids)
        zone = ZoneInfo(self.tz(author))
        now = self.clock.now()
        views = []
        for unit in units:
            open_rev = open_revs.get(unit.id)
            due = self.revision_due(open_rev, author).astimezone(zone) if open_rev else None
            views.append(UnitView(unit, streams[unit.stream_id], projects[unit.project_id], open_rev,
                                  totals.get(unit.id, 0), due, due is not None and now > due,
                                  tuple(next_actions(unit.state)), await self._can_edit(actor, unit, author),
                                  await self._undoable(actor, unit, author)))
        return views

    def _undo_window(self) -> timedelta:
        return timedelta(minutes=self.settings.undo_minutes)

    async def _undoable(self, actor: Member, unit: Unit, author: Member) -> int | None:
        """The id of the unit's last state change when ``actor`` may undo it now, else None."""
        if unit.state in (WRITTEN, DELETED) or self.clock.now() - unit.updated_at > self._undo_window():
            return None  # no query for units that changed long ago
        event = await repo.last_state_event(self.session, unit.id)
        if event is None or event.kind not in UNDOABLE or event.to_state != unit.state \
                or self.clock.now() - event.at > self._undo_window():
            return None
        if event.actor_id != actor.id and not (Role(actor.role).at_least(Role.MANAGER)
                                               and await self.manages(actor, author)):
            return None
        if await clients_repo.is_client_decision(self.session, unit.id, event.at):
            return None  # a client's decision is the client's: the team does not undo it
        return event.id

    async def undo(self, actor: Member, unit_id: int, event_id: int) -> UnitView:
        """Revert the unit's last state change (``event_id``, from its card's Undo button) within
        ``UNDO_MINUTES``: the state, its event, the revision row and the sent/approved times go back to what
        they were, so counters and stats read as if it had not happened; the undo itself is audited.
        Pressed twice, after another change or after the window: a message, nothing changes."""
        now = self.clock.now()
        async with self.db.writing(self.session) as s:
            unit, author = await self._unit_for(actor, unit_id)
            event = await repo.last_state_event(s, unit.id)
            if event is None or event.id != event_id or event.kind not in UNDOABLE or event.to_state != unit.state:
                raise UserError("unit-undo-gone")
            if now - event.at > self._undo_window():
                raise UserError("unit-undo-expired", minutes=self.settings.undo_minutes)
            if await self._undoable(actor, unit, author) != event.id:
                raise NotAllowed()
            values: dict[str, object] = {"updated_at": now}
            if event.kind == "sent":
                values["sent_at"] = None  # only a written unit is sent: this was its first sending
            elif event.kind == "approved":
                values["approved_at"] = None
            # compare-and-set on the state and on the event row: two undo presses revert once
            if not await repo.move_unit(s, unit.id, [event.to_state], event.from_state, **values) \
                    or not await repo.delete_event(s, event.id):
                raise UserError("unit-undo-gone")
            was = UnitFacts.of(unit)  # as it was before this undo (``unit`` is not refreshed by move_unit)
            back = replace(was, state=event.from_state, sent_at=None if event.kind == "sent" else unit.sent_at)
            if event.kind == "revision_received":
                rev = await repo.open_revision(s, unit.id)
                if rev is not None:
                    was = replace(was, revisions=(rev.received_at,))  # the revision leaves the counters
                    await s.delete(rev)
            await record_unit_change(s, self.settings.timezone, was, back)
            if event.kind == "revision_done":
                rev = await repo.last_closed_revision(s, unit.id)
                if rev is not None:
                    rev.done_at, rev.reaction_seconds = None, None
            org_repo.audit(s, actor_id=actor.id, action="unit.undone", object_type="unit", object_id=unit.id,
                           at=now, kind=event.kind, from_state=event.to_state, to_state=event.from_state,
                           changed_at=event.at.isoformat(), changed_by=event.actor_id)
        return await self.view(actor, unit_id)

    async def view_after_refusal(self, actor: Member, unit_id: int) -> UnitView:
        """The unit as it is now, after a write was refused and rolled back (which expired the actor)."""
        await self.session.refresh(actor)
        return await self.view(actor, unit_id)

    async def editable(self, actor: Member, unit_id: int) -> UnitView:
        """The unit when the actor may edit or delete it now; else why not (a deleted unit is never edited)."""
        view = await self.view(actor, unit_id)
        if view.unit.state == DELETED:
            raise UserError("unit-bad-transition", state=DELETED)
        if not view.can_edit:
            raise UserError("unit-edit-window", hours=self.settings.edit_window_hours)
        return view

    async def check_action(self, actor: Member, unit_id: int, action: str) -> UnitView:
        """Refuse early (before asking for a reason) when the action does not fit."""
        view = await self.view(actor, unit_id)
        froms, to, _kind = ACTIONS[action]
        if view.unit.state not in froms and view.unit.state != to:
            raise UserError("unit-bad-transition", state=view.unit.state)
        return view

    async def transition(self, actor: Member, unit_id: int, action: str, *, reason: str | None = None,
                         reason_text: str | None = None) -> TransitionResult:
        if action not in ACTIONS:
            raise UserError("error-bad-choice")
        froms, to, kind = ACTIONS[action]
        if action == "rev":
            if reason not in REVISION_REASONS:
                raise UserError("error-bad-choice")
            reason_text = clean(reason_text) or None
            if reason == "other" and not reason_text:
                raise UserError("revision-other-empty")
            if reason_text and len(reason_text) > MAX_REASON_TEXT:
                raise UserError("error-too-long", limit=MAX_REASON_TEXT)
        now = self.clock.now()
        async with self.db.writing(self.session) as s:
            unit, author = await self._unit_for(actor, unit_id)
            before = unit.state
            override = False
            if action == "approve" and unit.state in froms:
                mode = await self.approval_mode(unit.project_id)
                if not access.may_mark_approved(actor, author, mode, await self.managed_ids(actor)):
                    raise UserError("unit-client-approves")
                override = mode == access.CLIENT_MODE
            values: dict[str, object] = {"updated_at": now}
            if to == SENT and unit.sent_at is None:
                values["sent_at"] = now
            if to == APPROVED:
                values["approved_at"] = now
            moved = await repo.move_unit(s, unit.id, sorted(froms), to, **values)
            if not moved:
                unit = await repo.unit_by_id(s, unit.id)
                if unit.state != to:
                    raise UserError("unit-bad-transition", state=unit.state)
            else:
                repo.add_event(s, unit.id, actor.id, kind, before, to, now)
                if override:  # a manager approved for the client: audited
                    org_repo.audit(s, actor_id=actor.id, action="unit.approved_override", object_type="unit",
                                   object_id=unit.id, at=now, project_id=unit.project_id)
                was = replace(UnitFacts.of(unit), state=before)
                await record_unit_change(s, self.settings.timezone, was, replace(
                    was, state=to, sent_at=values.get("sent_at", unit.sent_at),
                    revisions=(now,) if action == "rev" else ()))
                if action == "rev":
                    s.add(Revision(unit_id=unit.id, reason=reason, reason_text=reason_text, received_at=now,
                                   recorded_by=actor.id))
                elif action == "fix":
                    rev = await repo.open_revision(s, unit.id)
                    if rev is not None:
                        rev.done_at = now
                        rev.reaction_seconds = int((now - rev.received_at).total_seconds())
        return TransitionResult(await self.view(actor, unit_id), moved)

    async def approval_mode(self, project_id: int) -> str:
        """``client`` or ``team`` (:func:`bot.access.approval_mode`)."""
        project = await repo.project_by_id(self.session, project_id)
        has = bool(await clients_repo.projects_with_active_clients(self.session, [project_id]))
        return access.approval_mode(project.approval_mode if project else None, has)

    async def edit_unit(self, actor: Member, unit_id: int, text: str) -> UnitView:
        title, link = self.parse_content(text)
        now = self.clock.now()
        async with self.db.writing(self.session) as s:
            unit, author = await self._unit_for(actor, unit_id)
            if unit.state == DELETED:
                raise UserError("unit-bad-transition", state=unit.state)
            if not await self._can_edit(actor, unit, author):
                raise UserError("unit-edit-window", hours=self.settings.edit_window_hours)
            old = {"title": unit.title, "link": unit.link}
            unit.title, unit.link, unit.updated_at = title, link, now
            repo.add_event(s, unit.id, actor.id, "edited", unit.state, unit.state, now)
            org_repo.audit(s, actor_id=actor.id, action="unit.edited", object_type="unit", object_id=unit.id,
                           at=now, old=old, new={"title": title, "link": link})
        return await self.view(actor, unit_id)

    async def delete_unit(self, actor: Member, unit_id: int) -> TransitionResult:
        now = self.clock.now()
        async with self.db.writing(self.session) as s:
            unit, author = await self._unit_for(actor, unit_id)
            if unit.state == DELETED:
                moved = False
            else:
                if not await self._can_edit(actor, unit, author):
                    raise UserError("unit-edit-window", hours=self.settings.edit_window_hours)
                before = unit.state
                moved = await repo.move_unit(s, unit.id, [WRITTEN, SENT, REVISION, APPROVED], DELETED,
                                             deleted_at=now, updated_at=now)
                if moved:
                    repo.add_event(s, unit.id, actor.id, "deleted", before, DELETED, now)
                    await record_unit_change(s, self.settings.timezone, replace(
                        UnitFacts.of(unit, await stats_repo.revision_times(s, unit.id)), state=before), None)
                    org_repo.audit(s, actor_id=actor.id, action="unit.deleted", object_type="unit",
                                   object_id=unit.id, at=now, state=before, title=unit.title)
        return TransitionResult(await self.view(actor, unit_id), moved)

    async def overdue_revisions(self) -> list[tuple[Revision, Unit, datetime]]:
        """Open revisions past the team's reaction deadline (for the scheduler's reminder)."""
        out = []
        now = self.clock.now()
        for rev, unit in await repo.all_open_revisions(self.session):
            author = await org_repo.member_by_id(self.session, unit.author_id)
            due = self.revision_due(rev, author)
            if now > due:
                out.append((rev, unit, due))
        return out

    # -- /mine -------------------------------------------------------------------------------------------
    def parse_range(self, member: Member, text: str | None) -> tuple[date, date]:
        today = self.today(member)
        if not clean(text):
            return month_bounds(today)
        return parse_period_range(clean(text), today)

    async def mine(self, member: Member, first: date, last: date, page: int = 0) -> MinePage:
        start, end = utc_range(first, last, self.tz(member))
        counts = await repo.count_units_of_author(self.session, member.id, start, end)
        total = sum(counts.values())
        pages = max(1, -(-total // MINE_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        units = await repo.units_of_author(self.session, member.id, start, end, offset=page * MINE_PER_PAGE,
                                           limit=MINE_PER_PAGE)
        views = await self._views(member, member, units)
        return MinePage(views, counts, first, last, page, pages, total)

    # -- days off --------------------------------------------------------------------------------------
    async def find_member(self, actor: Member, who: str) -> Member:
        """``@username`` or a full display name (case-insensitive) among the members the actor manages."""
        self.require_manager(actor)
        scope = await self.manageable_department_ids(actor)
        members = await org_repo.list_members(self.session, department_ids=scope, active_only=True)
        who = clean(who)
        if who.startswith("@"):
            found = [m for m in members if m.username and m.username.lower() == who[1:].lower()]
        else:
            found = [m for m in members if m.display_name.lower() == who.lower()]
        if len(found) != 1:
            raise UserError("member-ambiguous" if found else "member-unknown", who=who)
        return found[0]

    async def set_away(self, actor: Member, target: Member, first: date, last: date, *,
                       remove: bool = False) -> int:
        if not await self.may_see_member(actor, target):
            raise NotAllowed()
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        async with self.db.writing(self.session) as s:
            if remove:
                n = await repo.remove_days_off(s, target.id, first, last)
            else:
                n = await repo.add_days_off(s, target.id, days, actor.id)
            org_repo.audit(s, actor_id=actor.id, action="days_off.removed" if remove else "days_off.added",
                           object_type="member", object_id=target.id, at=self.clock.now(),
                           first=first.isoformat(), last=last.isoformat())
        return n

    async def days_off(self, member: Member) -> list[date]:
        today = self.today(member)
        first = today.replace(day=1)
        last = month_bounds(month_bounds(today)[1] + timedelta(days=1))[1]
        return sorted(d for _m, d in await repo.days_off_between(self.session, [member.id], first, last))

    # -- stats: /me and /team -------------------------------------------------------------------------
    async def team_members(self, department_ids: list[int] | None, month: date) -> list[Member]:
        """Active writers of the departments, plus anyone else there with a plan this month."""
        members = await org_repo.list_members(self.session, department_ids=department_ids, active_only=True)
        planned = await repo.plan_member_ids(self.session, month)
        return [m for m in members if m.role == Role.WRITER.value or m.id in planned]

    async def _stats(self, members: list[Member], month: date) -> list[MemberMonth]:
        return await month_stats(self.session, members, month, self.clock.now(), self.settings,
                                 quality_rise=self.settings.quality_rise_share,
                                 quality_min_units=self.settings.quality_min_units)

    async def own_month(self, member: Member, month: date) -> MemberMonth:
        """One member's month (a writer's own dashboard page; the same numbers as their line in /team)."""
        return (await self._stats([member], month.replace(day=1)))[0]

    async def me(self, member: Member) -> tuple[MemberMonth, float | None]:
        month = self.today(member).replace(day=1)
        peers = await self.team_members([member.department_id], month)
        if member.id not in {p.id for p in peers}:
            peers.append(member)
        stats = await self._stats(peers, month)
        mine = next(s for s in stats if s.member_id == member.id)
        return mine, team_median_rate(stats)

    async def _team_scope(self, actor: Member, department_id: int | None) -> list[int] | None:
        """The actor's departments, or the one asked for if the actor manages it (the dashboard's filter)."""
        self.require_manager(actor)
        scope = await self.manageable_department_ids(actor)
        if department_id is None:
            return scope
        if scope is not None and department_id not in scope:
            raise NotAllowed()
        return [department_id]

    async def team(self, actor: Member, month: date | None = None, department_id: int | None = None
                   ) -> tuple[list[MemberMonth], float | None, date]:
        """``/team`` and the dashboard: this month (or ``month``) of the actor's departments (or one)."""
        scope = await self._team_scope(actor, department_id)
        month = (month or self.today(actor)).replace(day=1)
        stats = await self._stats(await self.team_members(scope, month), month)
        return sort_by_lag(stats), team_median_rate(stats), month

    async def team_projects(self, actor: Member, month: date | None = None, department_id: int | None = None
                            ) -> tuple[list[ProjectStat], float | None, date]:
        scope = await self._team_scope(actor, department_id)
        month = (month or self.today(actor)).replace(day=1)
        members = await org_repo.list_members(self.session, department_ids=scope)
        rows = await stats_repo.project_month(self.session, [m.id for m in members], month)
        start, end = month_range_utc(month, self.settings.timezone)
        units, revs = sum(r[2] for r in rows), sum(r[3] for r in rows)
        overall = revs / units if units else None
        out = []
        client = await clients_repo.client_figures(self.session, [r[0] for r in rows], [m.id for m in members],
                                                   start, end)
        for pid, name, n, r in rows:
            rate = r / n if n else None
            stands = r >= PROJECT_PILE_MIN and (rate is None or overall is None or rate >= overall * PROJECT_PILE_SHARE)
            crev, secs = client.get(pid, (0, None))
            out.append(ProjectStat(pid, name, n, r, rate, stands, crev, None if secs is None else secs / 3600))
        out.sort(key=lambda p: (not p.stands_out, -(p.rate if p.rate is not None else p.revisions), p.name.lower()))
        return out, overall, month
