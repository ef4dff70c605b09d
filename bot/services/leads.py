"""Use cases of leads: the lead card (the flow, the one-line form, a forwarded message), duplicates refused by
the database's unique contacts, the funnel with its history, the hand-off to sales (*Take it*, one owner), the
products catalogue, the stages, /leads, /funnel, /team leads, /export leads and /lead forget.

Personal data: phones and e-mails leave this service only in a :class:`LeadCard` whose ``contacts`` flag says the
caller may see them (:func:`bot.access.may_see_lead_contacts`), and in exports for those leads only. Nothing here
logs a lead's contacts, and audit rows carry ids, never contacts.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bot import access
from bot.domain import funnel as fn
from bot.domain.contacts import (
    ContactError,
    Contacts,
    format_phone,
    parse_contacts,
    parse_email,
    parse_handle,
)
from bot.domain.contacts import parse_line as parse_line_form
from bot.domain.contacts import parse_phone as parse_phone_number
from bot.domain.deadlines import add_working_hours
from bot.domain.tasks import TITLE_MAX as TASK_TITLE_MAX
from bot.domain.workdays import local_today, month_bounds, utc_range
from bot.errors import NotAllowed, UserError
from bot.services import lead_counts
from bot.services.base import Service
from models import leads_repo as repo
from models import org_repo
from models.leads import HANDED, LOST, OPEN, WON, FunnelStage, Lead, LeadHandoff, Product
from models.leads import SalesDepartment as SalesMark
from models.org import Department, Member
from models.tasks import OPEN as TASK_OPEN
from models.tasks import Task

LOST_REASONS = ("price", "no_answer", "competitor", "not_target", "other")
LEADS_PER_PAGE = 8
NAME_MAX, SOURCE_MAX, NOTE_MAX, PRODUCT_MAX, STAGE_MAX = 200, 100, 1000, 100, 60
HISTORY_SHOWN = 10
GROUPS = ("owner", "source", "product")
EXAMPLES = {"phone": "+7 916 123-45-67", "email": "anna@example.com", "instagram": "@anna.sm"}


@dataclass(frozen=True, slots=True)
class Draft:
    """A lead being entered (the flow keeps it in FSM data as :meth:`as_dict`)."""

    name: str
    phone: str | None = None
    instagram: str | None = None
    email: str | None = None
    product_id: int | None = None
    source: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "phone": self.phone, "instagram": self.instagram, "email": self.email,
                "product_id": self.product_id, "source": self.source, "note": self.note}

    @classmethod
    def of(cls, data: dict) -> Draft:
        return cls(**{k: data.get(k) for k in ("name", "phone", "instagram", "email", "product_id", "source",
                                               "note")})

    @property
    def contacts(self) -> Contacts:
        return Contacts(self.phone, self.instagram, self.email)


@dataclass(frozen=True, slots=True)
class Saved:
    lead_id: int
    created: bool
    duplicate: bool  # an existing lead has one of these contacts: shown instead


@dataclass(frozen=True, slots=True)
class HistoryLine:
    at: datetime  # in the viewer's time zone
    from_stage: FunnelStage | None
    to_stage: FunnelStage
    actor: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class LeadCard:
    lead: Lead
    stage: FunnelStage
    owner: Member | None
    product: Product | None
    contacts: bool  # the viewer may see the phone and the e-mail
    phone: str | None  # formatted; None when hidden or absent
    email: str | None
    may_work: bool
    back: FunnelStage | None  # the previous open stage (a button), if the viewer may move it
    forward: FunnelStage | None
    closable: bool  # won / lost buttons
    stages: dict[int, FunnelStage]
    history: list[HistoryLine]
    handoff: LeadHandoff | None  # the open hand-off, if any
    # open tasks linked to the lead (its next steps) with their due time in the viewer's zone; shown to those who
    # see the whole lead (a task's title often names the client): bot.access.may_link_task_to_lead
    next_steps: list[tuple[Task, datetime]] = field(default_factory=list)
    next_steps_shown: bool = False  # the viewer may see them and link a new one (the *Next step* button)

    @property
    def forgotten(self) -> bool:
        return self.lead.forgotten_at is not None


@dataclass(frozen=True, slots=True)
class HandoffNotice:
    """Who gets the *Take it* card after a move to the hand-off stage."""

    handoff: LeadHandoff
    lead: Lead
    department: Department
    recipients: list[Member]
    hander: Member


@dataclass(frozen=True, slots=True)
class Moved:
    card: LeadCard
    notice: HandoffNotice | None
    no_sales: bool  # moved to the hand-off stage, but no department is marked as sales


@dataclass(frozen=True, slots=True)
class Taken:
    lead: Lead
    taker: Member
    hander: Member | None
    task_id: int | None = None  # the taker's hand-off task (their next step with the lead)


@dataclass(frozen=True, slots=True)
class LeadsPage:
    leads: list[Lead]
    stages: dict[int, FunnelStage]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class FunnelReport:
    start: date
    end: date  # inclusive
    stages: dict[int, FunnelStage]
    total: fn.Funnel
    groups: list[tuple[str, fn.Funnel]] = field(default_factory=list)  # (label, figures) for a grouping


@dataclass(frozen=True, slots=True)
class OwnerQuality:
    name: str
    created: int
    to_application: float | None
    days_to_first_change: float | None
    overdue_tasks: int


def _chunks(text: str | None, limit: int) -> str | None:
    text = " ".join((text or "").split())
    if not text:
        return None
    if len(text) > limit:
        raise UserError("error-too-long", limit=limit)
    return text


class LeadService(Service):
    # -- parsing --------------------------------------------------------------------------------------------
    @staticmethod
    def contact_error(exc: ContactError) -> UserError:
        return UserError(f"lead-bad-{exc.field}", example=EXAMPLES[exc.field])

    def parse_line(self, text: str) -> Draft:
        """The one-line form: a name and at least one contact."""
        try:
            form = parse_line_form(text, self.settings.lead_phone_region)
        except ContactError as exc:
            raise self.contact_error(exc) from exc
        if not form.contacts.any:
            raise UserError("lead-need-contact")
        return Draft(self.check_name(form.name), form.contacts.phone, form.contacts.instagram, form.contacts.email)

    def parse_contacts(self, text: str) -> Contacts:
        try:
            contacts, rest = parse_contacts(text, self.settings.lead_phone_region)
        except ContactError as exc:
            raise self.contact_error(exc) from exc
        if not contacts.any:
            # a lone word that is none of them: say which format it failed, by its look
            word = rest.strip()
            field_ = "email" if "@" in word[1:] else "phone" if any(c.isdigit() for c in word) else "instagram"
            for parse in (parse_email, parse_handle) if field_ != "phone" else (parse_phone_number,):
                try:
                    parse(word)
                except ContactError as exc:
                    raise self.contact_error(exc) from exc
            raise UserError("lead-need-contact")
        return contacts

    @staticmethod
    def check_name(name: str | None) -> str:
        name = " ".join((name or "").split())
        if not any(ch.isalpha() for ch in name):
            raise UserError("lead-need-name")
        if len(name) > NAME_MAX:
            raise UserError("error-too-long", limit=NAME_MAX)
        return name

    @staticmethod
    def check_source(text: str | None) -> str | None:
        return _chunks(text, SOURCE_MAX)

    @staticmethod
    def check_note(text: str | None) -> str | None:
        return _chunks(text, NOTE_MAX)

    # -- creating ---------------------------------------------------------------------------------------------
    async def duplicate(self, contacts: Contacts) -> Lead | None:
        return await repo.find_duplicate(self.session, contacts.phone, contacts.instagram, contacts.email)

    async def first_stage(self) -> FunnelStage:
        stages = [s for s in await repo.stages(self.session) if s.kind == OPEN]
        if not stages:
            raise UserError("lead-no-stages")
        return stages[0]

    async def create(self, actor: Member, draft: Draft, *, key: str | None = None) -> Saved:
        """Save a lead owned by ``actor``; an existing lead with one of its contacts is returned instead (checked
        first, and by the unique constraints when two saves race)."""
        if not access.may_see_lead(actor):
            raise NotAllowed()
        name = self.check_name(draft.name)
        if not draft.contacts.any:
            raise UserError("lead-need-contact")
        if key is not None and (saved := await self.saved_id(key)) is not None:
            return Saved(saved, False, False)
        dup = await self.duplicate(draft.contacts)
        if dup is not None:
            return Saved(dup.id, False, True)
        product = None
        if draft.product_id is not None:
            product = await repo.product_by_id(self.session, draft.product_id)
            if product is None or product.archived:
                raise UserError("lead-product-gone")
        stage = await self.first_stage()
        now = self.clock.now()

        async def make(s) -> int:
            lead = Lead(name=name, phone=draft.phone, instagram=draft.instagram, email=draft.email,
                        product_id=product.id if product else None, source=self.check_source(draft.source),
                        note=self.check_note(draft.note), stage_id=stage.id, owner_id=actor.id, created_by=actor.id,
                        created_at=now, stage_at=now)
            s.add(lead)
            await s.flush()
            repo.add_event(s, lead.id, None, stage.id, actor.id, now)
            await lead_counts.record(s, self.settings.timezone, lead.id, None)
            org_repo.audit(s, actor_id=actor.id, action="lead.create", object_type="lead", object_id=lead.id, at=now)
            return lead.id

        try:
            lead_id, created = await self.create_once(key, "lead", make)
        except IntegrityError:  # another save of this person won the race on a unique contact
            dup = await self.duplicate(draft.contacts)
            if dup is None:
                raise
            return Saved(dup.id, False, True)
        return Saved(int(lead_id), created, False)

    # -- the card --------------------------------------------------------------------------------------------
    def tz(self, member: Member) -> str:
        return member.timezone or self.settings.timezone

    async def _lead(self, lead_id: int) -> Lead:
        lead = await repo.lead_by_id(self.session, lead_id)
        if lead is None:
            raise UserError("lead-not-found", id=lead_id)
        return lead

    async def _owner(self, lead: Lead) -> Member | None:
        return await org_repo.member_by_id(self.session, lead.owner_id) if lead.owner_id else None

    async def may_see_contacts(self, actor: Member, lead: Lead, owner: Member | None = None) -> bool:
        owner = owner if owner is not None else await self._owner(lead)
        return access.may_see_lead_contacts(actor, owner, await self.managed_ids(actor),
                                            await repo.handed_departments(self.session, lead.id))

    async def card(self, actor: Member, lead_id: int) -> LeadCard:
        if not access.may_see_lead(actor):
            raise NotAllowed()
        s = self.session
        lead = await self._lead(lead_id)
        owner = await self._owner(lead)
        managed = await self.managed_ids(actor)
        contacts = access.may_see_lead_contacts(actor, owner, managed, await repo.handed_departments(s, lead.id))
        may_work = access.may_work_lead(actor, owner, managed)
        all_stages = {st.id: st for st in await repo.stages(s, archived=True)}
        stage = all_stages[lead.stage_id]
        open_stages = [st for st in all_stages.values() if st.kind == OPEN and not st.archived]
        open_stages.sort(key=lambda st: (st.position, st.id))
        back = forward = None
        if may_work and stage.kind == OPEN and stage in open_stages:
            i = open_stages.index(stage)
            back = open_stages[i - 1] if i > 0 else None
            forward = open_stages[i + 1] if i + 1 < len(open_stages) else None
        elif may_work and stage.kind in (WON, LOST) and open_stages:
            back = open_stages[-1]  # reopen
        events = await repo.history(s, lead.id)
        actors = {m.id: m for m in await org_repo.list_members(s)} if events else {}
        zone = ZoneInfo(self.tz(actor))
        history = [HistoryLine(e.at.astimezone(zone), all_stages.get(e.from_stage_id) if e.from_stage_id else None,
                               all_stages[e.to_stage_id],
                               actors[e.actor_id].display_name if e.actor_id in actors else None, e.reason)
                   for e in events[-HISTORY_SHOWN:]]
        product = await repo.product_by_id(s, lead.product_id) if lead.product_id else None
        handed_to = await repo.handed_departments(s, lead.id)
        steps_shown = access.may_link_task_to_lead(actor, owner, managed, handed_to) and lead.forgotten_at is None
        steps = [(task, task.due_at.astimezone(zone)) for task in await repo.open_tasks_of_lead(s, lead.id)] \
            if steps_shown else []
        return LeadCard(lead, stage, owner, product, contacts,
                        format_phone(lead.phone) if contacts and lead.phone else None,
                        lead.email if contacts else None, may_work, back, forward,
                        may_work and stage.kind == OPEN, all_stages, history, await repo.open_handoff(s, lead.id),
                        steps, steps_shown)

    # -- moving through the funnel ------------------------------------------------------------------------------
    async def move(self, actor: Member, lead_id: int, stage_id: int, *, reason: str | None = None) -> Moved:
        """Move the lead to ``stage_id`` (forward, back, won, lost with a reason); every change is stored with its
        time and who made it. Entering LEAD_HANDOFF_STAGE opens a hand-off to the sales department; leaving it
        before anyone took it cancels that hand-off."""
        s = self.session
        now = self.clock.now()
        notice_id: int | None = None
        no_sales = False
        async with self.db.writing(s):
            lead = await self._lead(lead_id)
            owner = await self._owner(lead)
            if not access.may_work_lead(actor, owner, await self.managed_ids(actor)):
                raise NotAllowed()
            target = await repo.stage_by_id(s, stage_id)
            if target is None or target.archived:
                raise UserError("lead-stage-gone")
            if target.id == lead.stage_id:
                raise UserError("lead-already-there")
            if target.kind == LOST:
                if reason not in LOST_REASONS:
                    raise UserError("lead-lost-reason")
            else:
                reason = None
            current = lead.stage_id
            before = await lead_counts.facts(s, self.settings.timezone, lead.id)
            if not await repo.move_lead(s, lead.id, current, target.id, now):
                raise UserError("lead-moved-meanwhile")
            repo.add_event(s, lead.id, current, target.id, actor.id, now, reason)
            await lead_counts.record(s, self.settings.timezone, lead.id, before)
            if target.key == self.settings.lead_handoff_stage:
                sales = await repo.sales_department_ids(s)
                if sales and await repo.open_handoff(s, lead.id) is None:
                    handoff = LeadHandoff(lead_id=lead.id, open_lead_id=lead.id, department_id=sales[0],
                                          handed_by=actor.id, created_at=now)
                    s.add(handoff)
                    await s.flush()
                    notice_id = handoff.id
                no_sales = not sales
            else:
                await repo.cancel_open_handoff(s, lead.id, now)
            org_repo.audit(s, actor_id=actor.id, action="lead.move", object_type="lead", object_id=lead.id, at=now,
                           to=target.key, reason=reason)
        card = await self.card(actor, lead_id)
        notice = None
        if notice_id is not None:
            handoff = await repo.handoff_by_id(s, notice_id)
            department = await org_repo.department_by_id(s, handoff.department_id)
            members = await org_repo.list_members(s, department_ids=[handoff.department_id], active_only=True)
            notice = HandoffNotice(handoff, card.lead, department,
                                   [m for m in members if m.id != actor.id and not m.unreachable
                                    and access.may_take_handoff(m, handoff.department_id)], actor)
        return Moved(card, notice, no_sales)

    async def handoff_lead(self, handoff_id: int) -> tuple[LeadHandoff, Lead] | None:
        handoff = await repo.handoff_by_id(self.session, handoff_id)
        if handoff is None:
            return None
        return handoff, await self._lead(handoff.lead_id)

    async def take(self, actor: Member, handoff_id: int, task_prefix: str = "") -> Taken:
        """*Take it*: the first member of the sales department to press becomes the owner (a conditional UPDATE:
        exactly one, also under simultaneous presses); the lead moves on to *handed to sales*, and the taker gets
        an open task linked to it, "<task_prefix> <lead name>", due HANDOFF_SLA_HOURS working hours later (their
        zone; the hand-off task of point 6: the new owner's next step, on their morning agenda and reminded)."""
        s = self.session
        now = self.clock.now()
        task_id: int | None = None
        async with self.db.writing(s):
            handoff = await repo.handoff_by_id(s, handoff_id)
            if handoff is None:
                raise UserError("lead-handoff-gone")
            if not access.may_take_handoff(actor, handoff.department_id):
                raise NotAllowed()
            if not await repo.take_handoff(s, handoff.id, actor.id, now):
                won = False
            else:
                won = True
                lead = await self._lead(handoff.lead_id)
                before = await lead_counts.facts(s, self.settings.timezone, lead.id)
                values: dict[str, object] = {"owner_id": actor.id}
                handed = await repo.stage_by_key(s, HANDED)
                stage = await repo.stage_by_id(s, lead.stage_id)
                if handed is not None and not handed.archived and stage.key == self.settings.lead_handoff_stage:
                    if await repo.move_lead(s, lead.id, lead.stage_id, handed.id, now, **values):
                        repo.add_event(s, lead.id, stage.id, handed.id, actor.id, now)
                        values = {}
                if values:
                    lead.owner_id = actor.id
                await lead_counts.record(s, self.settings.timezone, lead.id, before)
                due = add_working_hours(now, self.settings.handoff_sla_hours, self.tz(actor),
                                        self.settings.holiday_country)
                title = " ".join(f"{task_prefix} {lead.name or f'#{lead.id}'}".split())[:TASK_TITLE_MAX]
                task = Task(title=title, creator_id=actor.id, assignee_id=actor.id, due_at=due, status=TASK_OPEN,
                            lead_id=lead.id, created_at=now, updated_at=now)
                s.add(task)
                await s.flush()
                task_id = task.id
                org_repo.audit(s, actor_id=actor.id, action="lead.take", object_type="lead", object_id=lead.id,
                               at=now, handoff=handoff.id, task=task_id)
        handoff = await repo.handoff_by_id(s, handoff_id)
        if not won:
            if handoff.taken_by is None:  # cancelled: the lead went back meanwhile
                raise UserError("lead-handoff-gone")
            taker = await org_repo.member_by_id(s, handoff.taken_by)
            raise UserError("lead-handoff-taken", name=taker.display_name if taker else "—")
        lead = await self._lead(handoff.lead_id)
        hander = await org_repo.member_by_id(s, handoff.handed_by) if handoff.handed_by else None
        return Taken(lead, actor, hander, task_id)

    async def set_note(self, actor: Member, lead_id: int, note: str) -> LeadCard:
        now = self.clock.now()
        async with self.db.writing(self.session):
            lead = await self._lead(lead_id)
            if not access.may_work_lead(actor, await self._owner(lead), await self.managed_ids(actor)):
                raise NotAllowed()
            if lead.forgotten_at is not None:
                raise UserError("lead-forgotten")
            lead.note = self.check_note(note)
            org_repo.audit(self.session, actor_id=actor.id, action="lead.note", object_type="lead",
                           object_id=lead.id, at=now)
        return await self.card(actor, lead_id)

    # -- personal data ------------------------------------------------------------------------------------------
    async def forget(self, actor: Member, lead_id: int) -> Lead:
        """Erase the lead's personal fields (name, phone, Instagram, e-mail, note) on request; its anonymous
        funnel history stays. Admins; audited (without the erased values)."""
        self.require_admin(actor)
        now = self.clock.now()
        async with self.db.writing(self.session):
            lead = await self._lead(lead_id)
            if lead.forgotten_at is not None:
                raise UserError("lead-forgotten")
            lead.name, lead.phone, lead.instagram, lead.email, lead.note = "", None, None, None, None
            lead.forgotten_at = now
            org_repo.audit(self.session, actor_id=actor.id, action="lead.forget", object_type="lead",
                           object_id=lead.id, at=now)
        return lead

    # -- /leads ---------------------------------------------------------------------------------------------------
    async def _scope(self, actor: Member) -> dict[str, object]:
        departments, own = access.lead_scope(actor, await self.managed_ids(actor))
        if own:
            return {"department_ids": None, "owner_id": actor.id}
        return {"department_ids": departments, "owner_id": None,
                "also_owner": actor.id if departments is not None else None}

    async def leads_page(self, actor: Member, page: int, query: str | None = None) -> LeadsPage:
        """My open leads by stage (managers: their departments'), filtered by a typed name, phone or handle."""
        if not access.may_see_lead(actor):
            raise NotAllowed()
        s = self.session
        stages = {st.id: st for st in await repo.stages(s, archived=True)}
        open_ids = [st.id for st in stages.values() if st.kind == OPEN]
        text = phone = None
        q = " ".join((query or "").split())[:60]
        if q:
            digits = "".join(ch for ch in q if ch.isascii() and ch.isdigit())
            if digits and len(digits) >= 3 and not any(ch.isalpha() for ch in q):
                phone = digits[1:] if len(digits) > 10 and digits[0] in "78" else digits
            else:
                text = q.removeprefix("@").lower()
        scope = await self._scope(actor)
        _, total = await repo.list_leads(s, stage_ids=open_ids, text=text, phone=phone, limit=0, **scope)
        pages = max(1, -(-total // LEADS_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        leads, total = await repo.list_leads(s, stage_ids=open_ids, text=text, phone=phone,
                                             offset=page * LEADS_PER_PAGE, limit=LEADS_PER_PAGE, **scope)
        return LeadsPage(leads, stages, page, pages, total)

    # -- products -------------------------------------------------------------------------------------------------
    async def products(self, *, archived: bool = False) -> list[Product]:
        return await repo.products(self.session, archived=archived)

    async def add_product(self, actor: Member, name: str) -> Product:
        self.require_manager(actor)
        name = _chunks(name, PRODUCT_MAX)
        if not name:
            raise UserError("products-usage")
        now = self.clock.now()
        try:
            async with self.db.writing(self.session) as s:
                if await repo.product_by_name(s, name) is not None:
                    raise UserError("product-exists", name=name)
                product = Product(name=name, archived=False, created_at=now)
                s.add(product)
                await s.flush()
                org_repo.audit(s, actor_id=actor.id, action="product.add", object_type="product",
                               object_id=product.id, at=now, name=name)
        except IntegrityError as exc:
            raise UserError("product-exists", name=name) from exc
        return product

    async def change_product(self, actor: Member, product_id: int, *, name: str | None = None,
                             archived: bool | None = None) -> Product:
        self.require_manager(actor)
        now = self.clock.now()
        try:
            async with self.db.writing(self.session) as s:
                product = await repo.product_by_id(s, product_id)
                if product is None:
                    raise UserError("product-not-found", id=product_id)
                if name is not None:
                    name = _chunks(name, PRODUCT_MAX)
                    if not name:
                        raise UserError("products-usage")
                    other = await repo.product_by_name(s, name)
                    if other is not None and other.id != product.id:
                        raise UserError("product-exists", name=name)
                    product.name = name
                if archived is not None:
                    product.archived = archived
                org_repo.audit(s, actor_id=actor.id, action="product.change", object_type="product",
                               object_id=product.id, at=now, name=product.name, archived=product.archived)
        except IntegrityError as exc:
            raise UserError("product-exists", name=name or "") from exc
        return product

    # -- stages ---------------------------------------------------------------------------------------------------
    async def stages(self, *, archived: bool = False) -> list[FunnelStage]:
        return await repo.stages(self.session, archived=archived)

    async def add_stage(self, actor: Member, name: str) -> FunnelStage:
        """A new open stage, placed after the last open one (before won and lost)."""
        self.require_admin(actor)
        name = _chunks(name, STAGE_MAX)
        if not name:
            raise UserError("stages-usage")
        now = self.clock.now()
        async with self.db.writing(self.session) as s:
            stages = await repo.stages(s, archived=True)
            last_open = max((st.position for st in stages if st.kind == OPEN), default=0)
            for st in stages:
                if st.position > last_open:
                    st.position += 1
            stage = FunnelStage(key=f"c{len(stages) + 1}-{int(now.timestamp()) % 100000}", name=name,
                                position=last_open + 1, kind=OPEN, archived=False)
            s.add(stage)
            await s.flush()
            org_repo.audit(s, actor_id=actor.id, action="stage.add", object_type="funnel_stage", object_id=stage.id,
                           at=now, name=name)
        return stage

    async def change_stage(self, actor: Member, stage_id: int, *, name: str | None = None, shift: int = 0,
                           archived: bool | None = None) -> FunnelStage:
        """Rename, move one place up or down among the open stages, archive or restore."""
        self.require_admin(actor)
        now = self.clock.now()
        async with self.db.writing(self.session) as s:
            stage = await repo.stage_by_id(s, stage_id)
            if stage is None:
                raise UserError("stage-not-found", id=stage_id)
            if name is not None:
                stage.name = _chunks(name, STAGE_MAX)
                if not stage.name:
                    raise UserError("stages-usage")
            if shift:
                if stage.kind != OPEN:
                    raise UserError("stage-fixed")
                opened = [st for st in await repo.stages(s, archived=True) if st.kind == OPEN]
                i = opened.index(stage)
                j = i + shift
                if not 0 <= j < len(opened):
                    raise UserError("stage-at-edge")
                stage.position, opened[j].position = opened[j].position, stage.position
            if archived is not None:
                if archived and (stage.kind != OPEN or stage.key == self.settings.lead_handoff_stage):
                    raise UserError("stage-fixed")
                open_left = [st for st in await repo.stages(s) if st.kind == OPEN and st.id != stage.id]
                if archived and not open_left:
                    raise UserError("stage-fixed")
                stage.archived = archived
            org_repo.audit(s, actor_id=actor.id, action="stage.change", object_type="funnel_stage",
                           object_id=stage.id, at=now, name=stage.name, archived=stage.archived, shift=shift)
        return stage

    # -- sales departments ----------------------------------------------------------------------------------------
    async def sales_departments(self) -> list[Department]:
        ids = await repo.sales_department_ids(self.session)
        return await org_repo.list_departments(self.session, ids) if ids else []

    async def set_sales(self, actor: Member, department_id: int, on: bool) -> Department:
        self.require_admin(actor)
        now = self.clock.now()
        try:
            async with self.db.writing(self.session) as s:
                department = await org_repo.department_by_id(s, department_id)
                if department is None:
                    raise UserError("error-department-not-found")
                mark = await s.get(SalesMark, department_id)
                if on and mark is None:
                    s.add(SalesMark(department_id=department_id, marked_by=actor.id, marked_at=now))
                elif not on and mark is not None:
                    await s.delete(mark)
                org_repo.audit(s, actor_id=actor.id, action="department.sales", object_type="department",
                               object_id=department_id, at=now, on=on)
        except IntegrityError:  # marked by a concurrent press
            pass
        return await org_repo.department_by_id(self.session, department_id)

    # -- /funnel ---------------------------------------------------------------------------------------------------
    def today(self, actor: Member) -> date:
        return local_today(self.clock.now(), self.tz(actor))

    def this_month(self, actor: Member) -> tuple[date, date]:
        return month_bounds(self.today(actor))

    async def _paths(self, actor: Member, first: date, last: date):
        start, end = utc_range(first, last, self.tz(actor))
        rows = await repo.paths(self.session, start, end, **await self._scope(actor))
        steps: dict[int, list[tuple[int, datetime]]] = {}
        for lead_id, stage_id, at in rows.events:
            steps.setdefault(lead_id, []).append((stage_id, at))
        paths = [fn.Path(lead_id, created, tuple(steps.get(lead_id, ())), owner, source, product)
                 for lead_id, created, owner, source, product in rows.leads]
        return start, end, paths

    async def funnel(self, actor: Member, first: date, last: date, group: str | None = None) -> FunnelReport:
        """The period's figures (:mod:`bot.domain.funnel`) over the leads the actor's /leads covers; managers."""
        self.require_manager(actor)
        if group is not None and group not in GROUPS:
            raise UserError("error-bad-choice")
        all_stages = await repo.stages(self.session, archived=True)
        stage_defs = [fn.Stage(st.id, st.kind, st.position) for st in all_stages if not st.archived]
        counted = await self._counted(actor, first, last, group, stage_defs)
        if counted is not None:
            total, figures = counted
        else:
            start, end, paths = await self._paths(actor, first, last)
            total = fn.compute(stage_defs, paths, start, end)
            figures = {}
            if group is not None:
                keyer = {"owner": lambda p: p.owner_id, "source": lambda p: p.source,
                         "product": lambda p: p.product_id}[group]
                figures = fn.grouped(stage_defs, paths, start, end, keyer)
        groups: list[tuple[str, fn.Funnel]] = []
        if group is not None:
            if group == "owner":
                names = {m.id: m.display_name for m in await org_repo.list_members(self.session)}
            elif group == "product":
                names = {p.id: p.name for p in await repo.products(self.session, archived=True)}
            else:
                names = {}
            labeled = [(names.get(k, k) if k is not None else None, f) for k, f in figures.items()]
            groups = sorted(((str(label) if label is not None else "—", f) for label, f in labeled),
                            key=lambda x: (-x[1].cohort, x[0].casefold()))
        return FunnelReport(first, last, {st.id: st for st in all_stages}, total, groups)

    async def _counted(self, actor: Member, first: date, last: date, group: str | None,
                       stage_defs: list[fn.Stage], *, total: bool = True) -> tuple[fn.Funnel | None, dict] | None:
        """The figures from the counters: whole months from the month counters, the other days of the period from
        the day counters (:func:`bot.domain.funnel.period_parts`: at most half a month of days at either end), in
        the team's time zone (the caller's zone is it, and the counters were computed in it); ``None`` otherwise
        (then the paths are recounted). The total reads the team's rows (an admin), the departments' rows plus
        the caller's own (a manager) or the owner's; its medians are exact: the histograms say in which bucket
        the middle value(s) lie, and ``lead_facts`` gives them (``None`` as well if the two disagree: rows
        written around the services)."""
        tz = self.settings.timezone
        if self.tz(actor) != tz or await lead_counts.counts_timezone(self.session) != tz:
            return None
        months, plus, minus = fn.period_parts(first, last)
        start, end = utc_range(first, last, tz)
        since = first.year * 10000 + first.month * 100 + first.day
        one_month = len(months) == 1 and not plus and not minus  # its *entered* rows; else the entries before since
        scope = await self._scope(actor)
        keys: list[int] | None  # the counter rows of the total
        owners: list[int] | None  # the owners in scope (the groups by owner, the facts)
        if scope["owner_id"] is not None:
            keys = owners = [scope["owner_id"]]
        elif scope["department_ids"] is None:
            keys = owners = None
        else:
            departments = sorted(set(scope["department_ids"]))
            members = await org_repo.list_members(self.session, department_ids=departments)
            also = scope.get("also_owner")
            owners = sorted({m.id for m in members} | ({also} if also else set()))
            keys = [lead_counts.department_key(d) for d in departments]
            if also and actor.department_id not in departments:  # the manager's own leads outside them
                keys.append(also)

        async def rows_of(count_keys: list[int] | None, by: str | None) -> list[tuple]:
            summed: Counter[tuple] = Counter()
            for row in await repo.count_rows(self.session, months, count_keys, by, first_change=not total,
                                             since=None if one_month else since):
                summed[row[:-1]] += row[-1]
            for days, sign in [(d, 1) for d in plus] + [(d, -1) for d in minus]:
                span = (days[0].year * 10000 + days[0].month * 100 + days[0].day,
                        days[1].year * 10000 + days[1].month * 100 + days[1].day)
                for row in await repo.count_rows(self.session, span, count_keys, by, first_change=not total,
                                                 since=since, days=True):
                    summed[row[:-1]] += sign * row[-1]
            return [(*k, n) for k, n in summed.items() if n]

        whole = None
        if total:
            rows = await rows_of(keys, None)
            middles = await self._middles(rows, stage_defs, start, end, owners)
            if middles is None:
                return None
            whole = fn.from_counts(stage_defs, rows, since, middles)
        figures: dict = {}
        if group is not None:
            by: dict = {}
            # the owners' rows by owner key (the whole team: every member's and the leads without owner, 0)
            every = owners if owners is not None else [0, *(m.id for m in await org_repo.list_members(self.session))]
            for key, *row in await rows_of(every, group):
                by.setdefault(key or None, []).append(tuple(row))  # owner 0, source "", product 0: none
            for k, rows in by.items():
                middles = {}
                if not total:  # /team leads: each owner's median days to the first change
                    middles = await self._middles(rows, stage_defs, start, end, [k or 0])
                    if middles is None:
                        return None
                figures[k] = fn.from_counts(stage_defs, rows, since, middles)
        return whole, figures

    async def _middles(self, rows: list[tuple], stage_defs: list[fn.Stage], start: datetime, end: datetime,
                       owners: list[int] | None) -> dict[tuple[str, int], list[float]] | None:
        """The middle durations of each histogram in ``rows`` (the stays of the funnel's stages, the first
        changes), read from ``lead_facts`` in one statement; ``None`` when the facts do not hold what the counters
        count."""
        ordered = {st.id for st in fn.order(stage_defs)}
        wanted = [(metric, stage_id, *pick)
                  for (metric, stage_id), hist in fn.histograms(rows).items()
                  if metric == fn.FIRST or stage_id in ordered for pick in fn.middle_picks(hist)]
        found = await repo.fact_values(self.session, wanted, start, end, owners)
        need: Counter[tuple[str, int]] = Counter()
        for metric, stage_id, _b, _offset, count in wanted:
            need[(metric, stage_id)] += count
        if any(len(found.get(k, ())) != n for k, n in need.items()):
            return None
        return found

    # -- /team leads ------------------------------------------------------------------------------------------------
    async def team_quality(self, actor: Member, first: date, last: date) -> list[OwnerQuality]:
        """Per owner in the manager's scope: leads created in the period, their conversion to the hand-off stage
        (reached), the median days to a lead's first stage change, and their overdue tasks now."""
        self.require_manager(actor)
        stages = await repo.stages(self.session)
        stage_defs = [fn.Stage(st.id, st.kind, st.position) for st in stages]
        counted = await self._counted(actor, first, last, "owner", stage_defs, total=False)
        if counted is not None:
            figures = counted[1]
        else:
            start, end, paths = await self._paths(actor, first, last)
            figures = fn.grouped(stage_defs, paths, start, end, lambda p: p.owner_id)
        handoff = await repo.stage_by_key(self.session, self.settings.lead_handoff_stage)
        owners = [k for k, f in figures.items() if k is not None and f.cohort]
        names = {m.id: m.display_name for m in await org_repo.list_members(self.session)}
        overdue = await repo.overdue_task_counts(self.session, owners, self.clock.now())
        out = []
        for owner in owners:
            f = figures[owner]
            sf = f.stage(handoff.id) if handoff is not None else None
            out.append(OwnerQuality(names.get(owner, "—"), f.cohort, fn.share(sf.reached if sf else 0, f.cohort),
                                    f.days_to_first_change, overdue.get(owner, 0)))
        return sorted(out, key=lambda q: (-q.created, q.name.casefold()))

    # -- /export leads ----------------------------------------------------------------------------------------------
    async def export(self, actor: Member, month: date, stage_names: dict[int, str]) -> tuple[bytes, bytes, int]:
        """The month's leads (created in it) in the caller's scope, as CSV and XLSX; phone and e-mail only for the
        leads whose contacts the caller may see. Managers."""
        self.require_manager(actor)
        first, last = month_bounds(month)
        start, end = utc_range(first, last, self.tz(actor))
        leads = await repo.leads_created(self.session, start, end, **await self._scope(actor))
        members = {m.id: m for m in await org_repo.list_members(self.session)}
        products = {p.id: p.name for p in await repo.products(self.session, archived=True)}
        managed = await self.managed_ids(actor)
        zone = ZoneInfo(self.tz(actor))
        header = ["id", "created_at", "name", "phone", "instagram", "email", "product", "source", "stage", "owner"]
        rows: list[list[object]] = []
        for lead in leads:
            owner = members.get(lead.owner_id) if lead.owner_id else None
            see = access.may_see_lead_contacts(actor, owner, managed,
                                               await repo.handed_departments(self.session, lead.id))
            rows.append([lead.id, lead.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), lead.name,
                         format_phone(lead.phone) if see and lead.phone else "",
                         lead.instagram if see and lead.instagram else "",
                         lead.email if see and lead.email else "", products.get(lead.product_id, ""),
                         lead.source or "", stage_names.get(lead.stage_id, ""),
                         owner.display_name if owner else ""])
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8-sig"), _xlsx(header, rows), len(rows)

    # -- the hand-off SLA (the scheduler) -----------------------------------------------------------------------------
    async def waiting_handoffs(self, created_before: datetime) -> list[tuple[LeadHandoff, Lead, list[Member]]]:
        """Open hand-offs nobody took, created before ``created_before``, with the sales department's managers."""
        out = []
        for h in await repo.waiting_handoffs(self.session, created_before):
            lead = await repo.lead_by_id(self.session, h.lead_id)
            managers = [m for m in await org_repo.managers_of_department(self.session, h.department_id)
                        if not m.unreachable]
            out.append((h, lead, managers))
        return out

    async def mark_sla_notified(self, handoff_ids: list[int]) -> None:
        now = self.clock.now()
        async with self.db.writing(self.session) as s:
            for hid in handoff_ids:
                await repo.mark_sla_notified(s, hid, now)


def _xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("leads")
    ws.append(header)
    for row in rows:
        # a text starting with = would be stored as a formula: keep what people typed as text
        ws.append([f"'{v}" if isinstance(v, str) and v.startswith("=") else v for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

