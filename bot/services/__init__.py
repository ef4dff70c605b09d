"""Services: one use case per method, one commit per write (through ``Database.writing``).

:class:`Services` is built per update by the session middleware and handed to
handlers as ``svc``; each feature adds a cached property here.
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.services.digests import DigestService
from bot.services.org import OrgService
from bot.services.plans import PlanService
from bot.services.ratings import RatingService
from bot.services.reporting import ReportingService


class Services:
    def __init__(self, session: AsyncSession, db: Database, settings: Settings, clock: Clock) -> None:
        self.session = session
        self.db = db
        self.settings = settings
        self.clock = clock

    @cached_property
    def org(self) -> OrgService:
        return OrgService(self.session, self.db, self.settings, self.clock)

    @cached_property
    def ratings(self) -> RatingService:
        return RatingService(self.session, self.db, self.settings, self.clock)

    @cached_property
    def reporting(self) -> ReportingService:
        return ReportingService(self.session, self.db, self.settings, self.clock)

    @cached_property
    def plans(self) -> PlanService:
        return PlanService(self.session, self.db, self.settings, self.clock)

    @cached_property
    def digests(self) -> DigestService:
        return DigestService(self.session, self.db, self.settings, self.clock)
