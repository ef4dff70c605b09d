"""Use cases of digests: a manager's preferences and the digest of their scope right now."""

from __future__ import annotations

from bot.config import parse_hhmm
from bot.domain.digests import DAILY, KINDS, SMM_MODES, DigestPrefs, new_row_values, prefs_of
from bot.errors import UserError
from bot.i18n import Translator
from bot.services.base import Service
from models import scheduling_repo as repo
from models.org import Member
from models.scheduling import DigestPreference

__all__ = ["DigestPrefs", "DigestService"]


class DigestService(Service):
    async def prefs(self, member: Member) -> DigestPrefs:
        self.require_manager(member)
        row = await repo.preference(self.session, member.id)
        return prefs_of(row, parse_hhmm(self.settings.daily_digest_time))

    async def _row(self, member: Member) -> DigestPreference:
        row = await repo.preference(self.session, member.id)
        if row is None:
            row = DigestPreference(member_id=member.id, **new_row_values())
            self.session.add(row)
        return row

    async def toggle(self, member: Member, kind: str) -> DigestPrefs:
        self.require_manager(member)
        if kind not in KINDS:
            raise UserError("error-bad-choice")
        async with self.db.writing(self.session):
            row = await self._row(member)
            setattr(row, kind, not getattr(row, kind))
        return await self.prefs(member)

    async def set_smm(self, member: Member, mode: str) -> DigestPrefs:
        """Where the weekly SMM section goes: inside the weekly digest or as its own message (``SMM_MODES``)."""
        self.require_manager(member)
        if mode not in SMM_MODES:
            raise UserError("error-bad-choice")
        async with self.db.writing(self.session):
            row = await self._row(member)
            row.smm_digest = mode
        return await self.prefs(member)

    async def set_time(self, member: Member, value: str) -> DigestPrefs:
        self.require_manager(member)
        try:
            at = parse_hhmm(value)
        except ValueError as exc:
            raise UserError("digest-bad-time", text=value) from exc
        async with self.db.writing(self.session):
            row = await self._row(member)
            row.daily_time = f"{at:%H:%M}"
        return await self.prefs(member)

    async def now(self, member: Member, t: Translator, renderer):
        """/digest now: the daily digest of the member's scope, rendered by the app's chart ``renderer``."""
        from scheduler import digest as dg

        return await dg.render(renderer, await self.plan_now(member, t))

    async def plan_now(self, member: Member, t: Translator):
        """The daily digest of the member's scope as of now (chart jobs + caption, nothing rendered),
        built like the scheduled one (``scheduler.digest.digest_plan``)."""
        from bot.services import build_services
        from scheduler import digest as dg

        self.require_manager(member)
        scope = await dg.scope_of(self.session, member)
        if scope is None:
            raise UserError("digest-nothing")
        services = build_services(self.session, self.db, self.settings, self.clock)
        plan = await dg.digest_plan(services, t, scope, DAILY, self.clock.now())
        if plan.empty:
            raise UserError("digest-nothing")
        return plan
