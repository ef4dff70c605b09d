"""What every service shares: its per-update dependencies and the role checks."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.errors import NotAllowed
from models import org_repo
from models.org import Member, Role


class Service:
    def __init__(self, session: AsyncSession, db: Database, settings: Settings, clock: Clock) -> None:
        self.session = session
        self.db = db
        self.settings = settings
        self.clock = clock

    @staticmethod
    def require_admin(actor: Member) -> None:
        if actor.role != Role.ADMIN.value:
            raise NotAllowed()

    @staticmethod
    def require_manager(actor: Member) -> None:
        """Managers and admins."""
        if not Role(actor.role).at_least(Role.MANAGER):
            raise NotAllowed()

    async def manageable_department_ids(self, actor: Member) -> list[int] | None:
        """Departments the actor manages; ``None`` means all (admins), ``[]`` none (writers)."""
        if actor.role == Role.ADMIN.value:
            return None
        if actor.role == Role.MANAGER.value:
            return await org_repo.managed_department_ids(self.session, actor.id)
        return []
