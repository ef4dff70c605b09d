"""What every service shares: its per-update dependencies and the access checks (rules in :mod:`bot.access`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.errors import NotAllowed
from models import org_repo
from models.org import Member


class Service:
    def __init__(self, session: AsyncSession, db: Database, settings: Settings, clock: Clock) -> None:
        self.session = session
        self.db = db
        self.settings = settings
        self.clock = clock

    @staticmethod
    def require_admin(actor: Member) -> None:
        if not access.is_admin(actor):
            raise NotAllowed()

    @staticmethod
    def require_manager(actor: Member) -> None:
        """Managers and admins."""
        if not access.is_manager(actor):
            raise NotAllowed()

    async def managed_ids(self, actor: Member) -> list[int]:
        """The departments the actor manages as a manager (loaded only when their scope depends on it)."""
        if not access.needs_managed_ids(actor):
            return []
        return await org_repo.managed_department_ids(self.session, actor.id)

    async def manageable_department_ids(self, actor: Member) -> list[int] | None:
        """Departments the actor manages; ``None`` means all (admins), ``[]`` none (writers)."""
        return access.department_scope(actor, await self.managed_ids(actor))

    async def may_see_member(self, actor: Member, member: Member) -> bool:
        """The actor themselves, their manager, or an admin (:func:`bot.access.may_see_member`)."""
        return access.may_see_member(actor, member, await self.managed_ids(actor))
