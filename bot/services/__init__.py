"""Services: one use case per method, one commit per write (through ``Database.writing``).

:class:`Services` is built only by :func:`build_services`: per update by the session middleware
(handed to handlers as ``svc``), at start-up and in the scheduler's jobs. Each feature adds a cached
property to :class:`Services`; a new dependency is wired in :func:`build_services` once.
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.services.clients import ClientService
from bot.services.courses import CourseService
from bot.services.dashboard import DashboardService
from bot.services.digests import DigestService
from bot.services.kb import KbService
from bot.services.leads import LeadService
from bot.services.org import OrgService
from bot.services.plans import PlanService
from bot.services.ratings import RatingService
from bot.services.reporting import ReportingService
from bot.services.smm import SmmService
from bot.services.tasks import TaskService


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
    def clients(self) -> ClientService:
        return ClientService(self.session, self.db, self.settings, self.clock)

    @cached_property
    def smm(self) -> SmmService:
        return SmmService(self.session, self.db, self.settings, self.clock)

    @cached_property
    def leads(self) -> LeadService:
        return LeadService(self.session, self.db, self.settings, self.clock)

    @cached_property
    def digests(self) -> DigestService:
        return DigestService(self.session, self.db, self.settings, self.clock)

    @cached_property
    def kb(self) -> KbService:
        return KbService(self.session, self.db, self.settings, self.clock)

    @cached_property
    def courses(self) -> CourseService:
        return CourseService(self.session, self.db, self.settings, self.clock)

    @cached_property
    def dashboard(self) -> DashboardService:
        return DashboardService(self.session, self.db, self.settings, self.clock, reporting=self.reporting,
                                ratings=self.ratings, smm=self.smm, leads=self.leads)

    @cached_property
    def tasks(self) -> TaskService:
        return TaskService(self.session, self.db, self.settings, self.clock)


def build_services(session: AsyncSession, db: Database, settings: Settings, clock: Clock) -> Services:
    """The one place services are built (the middleware, start-up and jobs call it;
    ``tests/test_architecture.py`` fails on a ``Services(...)`` anywhere else)."""
    return Services(session, db, settings, clock)
