"""Monthly plans: set per member and stream, paste lines, copy last month.

Pasted lines (``/plan`` after choosing the month, or ``/plan [next]`` with lines below the command)::

    @anna 40          → anna: first active stream (smm) = 40, other streams unchanged
    Анна Петрова 25 12 → Анна Петрова: smm = 25, reputation = 12

A member is named by ``@username`` or the full display name (case-insensitive) and must be in a
department the manager manages. Numbers are whole, 0–1000, and map to the active streams in order.
Pasting is **all-or-nothing**: if any line fails, nothing is saved and every failed line is reported
with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.domain.workdays import local_today
from bot.errors import NotAllowed, UserError
from bot.parsing import is_int, parse_int
from bot.services.base import Service
from bot.services.stats import previous_month
from models import org_repo
from models import reporting_repo as repo
from models.org import Member, Role
from models.reporting import Plan, Stream

PLAN_MAX = 1000


@dataclass(frozen=True, slots=True)
class PasteFailure:
    line_no: int
    line: str
    code: str  # format | numbers | range | unknown | ambiguous | duplicate
    who: str = ""


@dataclass(frozen=True, slots=True)
class PasteResult:
    applied: int  # plan values written
    members: int
    failures: list[PasteFailure] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlanBoard:
    month: date
    streams: list[Stream]
    members: list[Member]
    plans: dict[tuple[int, int], int]  # (member_id, stream_id) → units


def next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def parse_number(text: str) -> int:
    """A plan typed by the manager: a whole number 0..PLAN_MAX (``bot.parsing``'s messages otherwise)."""
    return parse_int(text, lo=0, hi=PLAN_MAX)


class PlanService(Service):
    async def _scope(self, actor: Member) -> list[int] | None:
        self.require_manager(actor)
        return await self.manageable_department_ids(actor)

    def months(self, actor: Member) -> tuple[date, date]:
        """The months a plan may be set for: the current one and the next (actor's local date)."""
        current = local_today(self.clock.now(), actor.timezone or self.settings.timezone).replace(day=1)
        return current, next_month(current)

    def check_month(self, actor: Member, month: date) -> date:
        if month not in self.months(actor):
            raise UserError("plan-bad-month")
        return month

    async def _members(self, actor: Member) -> list[Member]:
        return await org_repo.list_members(self.session, department_ids=await self._scope(actor), active_only=True)

    async def board(self, actor: Member, month: date) -> PlanBoard:
        self.check_month(actor, month)
        members = await self._members(actor)
        streams = await repo.list_streams(self.session)
        planned = {(p.member_id, p.stream_id): p.units
                   for p in await repo.plans_for_month(self.session, [m.id for m in members], month)}
        shown = [m for m in members if m.role == Role.WRITER.value or any(k[0] == m.id for k in planned)]
        return PlanBoard(month, streams, shown, planned)

    async def member(self, actor: Member, member_id: int) -> Member:
        target = await org_repo.member_by_id(self.session, member_id)
        scope = await self._scope(actor)
        if target is None or not target.active:
            raise UserError("error-member-not-found")
        if scope is not None and target.department_id not in scope:
            raise NotAllowed()
        return target

    async def previous_value(self, actor: Member, member_id: int, month: date, stream_id: int) -> int | None:
        """The member's plan for the stream in the month before ``month`` (offered as a one-tap choice)."""
        self.check_month(actor, month)
        target = await self.member(actor, member_id)
        plan = await repo.plan_for(self.session, target.id, previous_month(month), stream_id)
        return plan.units if plan is not None else None

    async def set_plan(self, actor: Member, member_id: int, month: date, stream_id: int, units: int) -> Plan:
        self.check_month(actor, month)
        if not 0 <= units <= PLAN_MAX:
            raise UserError("plan-bad-number", value=units, max=PLAN_MAX)
        async with self.db.writing(self.session) as s:
            target = await self.member(actor, member_id)
            stream = await repo.stream_by_id(s, stream_id)
            if stream is None or not stream.active:
                raise UserError("error-bad-choice")
            plan = await self._upsert(actor, target.id, month, stream_id, units)
        return plan

    async def _upsert(self, actor: Member, member_id: int, month: date, stream_id: int, units: int) -> Plan:
        s = self.session
        now = self.clock.now()
        plan = await repo.plan_for(s, member_id, month, stream_id)
        old = plan.units if plan is not None else None
        if plan is None:
            plan = Plan(member_id=member_id, month=month, stream_id=stream_id, units=units, set_by=actor.id,
                        updated_at=now)
            s.add(plan)
        else:
            plan.units, plan.set_by, plan.updated_at = units, actor.id, now
        if old != units:
            org_repo.audit(s, actor_id=actor.id, action="plan.set", object_type="member", object_id=member_id,
                           at=now, month=month.isoformat(), stream_id=stream_id, old=old, new=units)
        return plan

    async def paste(self, actor: Member, month: date, text: str, *, key: str | None = None) -> PasteResult:
        """All-or-nothing: any failed line → nothing saved, every failure listed."""
        self.check_month(actor, month)
        members = await self._members(actor)
        streams = await repo.list_streams(self.session)
        failures: list[PasteFailure] = []
        parsed: list[tuple[Member, list[int]]] = []
        seen: set[int] = set()
        lines = [(i, " ".join(line.split())) for i, line in enumerate(text.splitlines(), start=1)]
        lines = [(i, line) for i, line in lines if line]
        if not lines:
            raise UserError("plan-paste-empty")
        for no, line in lines:
            words = line.split(" ")
            numbers: list[str] = []
            while words and is_int(words[-1]):
                numbers.insert(0, words.pop())
            who = " ".join(words)
            if not who or not numbers:
                failures.append(PasteFailure(no, line, "format"))
                continue
            if len(numbers) > len(streams):
                failures.append(PasteFailure(no, line, "numbers", who))
                continue
            try:
                values = [parse_int(n, lo=0, hi=PLAN_MAX) for n in numbers]
            except UserError:
                failures.append(PasteFailure(no, line, "range", who))
                continue
            if who.startswith("@"):
                found = [m for m in members if m.username and m.username.lower() == who[1:].lower()]
            else:
                found = [m for m in members if m.display_name.lower() == who.lower()]
            if len(found) != 1:
                failures.append(PasteFailure(no, line, "ambiguous" if found else "unknown", who))
                continue
            if found[0].id in seen:
                failures.append(PasteFailure(no, line, "duplicate", who))
                continue
            seen.add(found[0].id)
            parsed.append((found[0], values))
        if failures:
            return PasteResult(0, 0, failures)
        applied = sum(min(len(values), len(streams)) for _member, values in parsed)

        async def write(_s) -> None:
            for member, values in parsed:
                for stream, units in zip(streams, values, strict=False):
                    await self._upsert(actor, member.id, month, stream.id, units)

        await self.create_once(key, "plan", write)  # a redelivered paste reports the same and writes nothing
        return PasteResult(applied, len(parsed))

    async def copy_previous(self, actor: Member, month: date) -> tuple[int, int]:
        """Copy last month's plans into ``month``; plans already set there are kept. → (copied, kept)."""
        self.check_month(actor, month)
        members = await self._members(actor)
        copied = kept = 0
        async with self.db.writing(self.session) as s:
            prev = await repo.plans_for_month(s, [m.id for m in members], previous_month(month))
            for p in prev:
                if await repo.plan_for(s, p.member_id, month, p.stream_id) is not None:
                    kept += 1
                    continue
                await self._upsert(actor, p.member_id, month, p.stream_id, p.units)
                copied += 1
        return copied, kept
