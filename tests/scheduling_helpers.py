"""Shared by the scheduler tests: a small team in the database, a recording sender, Jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.i18n import Catalog
from bot.sender import Outcome
from bot.services.stats import rebuild_in
from models.org import Department, Member, department_managers
from models.reporting import Plan, Project, Revision, Unit
from models.smm import SmmAccount
from scheduler.jobs import Jobs
from scheduler.render_pool import ChartRenderer

TEAM_TZ = "Europe/Moscow"  # the default TIMEZONE the tests run with

MSK_0900_MON = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)  # Monday 16 Nov 2026, 09:00 Moscow


@dataclass
class Call:
    chat_id: int
    kind: str
    text: str
    pngs: tuple = ()


@dataclass
class FakeSender:
    """Records what would be sent; chats in ``blocked`` answer like a 403."""

    calls: list[Call] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)

    async def send_text(self, chat_id: int, text: str, *, kind: str = "message", reply_markup=None) -> Outcome:
        return self._out(Call(chat_id, kind, text))

    async def send_charts(self, chat_id: int, pngs, caption: str, *, kind: str = "digest") -> Outcome:
        return self._out(Call(chat_id, kind, caption, tuple(pngs)))

    async def deliver(self, chat_id: int, method, *, kind: str = "message") -> Outcome:
        return self._out(Call(chat_id, kind, getattr(method, "text", "") or ""))

    def _out(self, call: Call) -> Outcome:
        if call.chat_id in self.blocked:
            return Outcome("unreachable", 1, "403")
        self.calls.append(call)
        return Outcome("sent", 1)

    def kinds(self, chat_id: int | None = None) -> list[str]:
        return [c.kind for c in self.calls if chat_id is None or c.chat_id == chat_id]


@dataclass
class Team:
    department_id: int
    manager: Member
    writers: list[Member]
    project_id: int


async def make_team(db: Database, *, writers: int = 3, plan: int = 40, manager_tid: int = 100,
                    dept_name: str = "Контент", first_writer_tid: int = 200,
                    month: date = date(2026, 11, 1)) -> Team:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    async with db.session() as s, db.writing(s):
        dept = Department(name=dept_name, created_at=now)
        s.add(dept)
        await s.flush()
        manager = Member(telegram_id=manager_tid, display_name=f"Руководитель {dept_name}", role="manager",
                         department_id=dept.id, active=True, unreachable=False, created_at=now)
        s.add(manager)
        ws = [Member(telegram_id=first_writer_tid + i, display_name=f"Автор <{i}> & Co", role="writer",
                     department_id=dept.id, active=True, unreachable=False, created_at=now)
              for i in range(writers)]
        s.add_all(ws)
        project = Project(name=f"Проект {dept_name}", created_at=now)
        s.add(project)
        await s.flush()
        await s.execute(department_managers.insert().values(member_id=manager.id, department_id=dept.id))
        for w in ws:
            s.add(Plan(member_id=w.id, month=month, stream_id=1, units=plan, updated_at=now))
    return Team(dept.id, manager, ws, project.id)


async def add_units(db: Database, author: Member, project_id: int, n: int, at: datetime,
                    state: str = "sent") -> list[int]:
    async with db.session() as s, db.writing(s):
        units = [Unit(author_id=author.id, stream_id=1, project_id=project_id, title=f"Пост {i}", state=state,
                      created_at=at, updated_at=at, sent_at=at if state != "written" else None)
                 for i in range(n)]
        s.add_all(units)
        await s.flush()
        await rebuild_in(s, TEAM_TZ)  # rows written around the services: recount the counters
        return [u.id for u in units]


async def add_revision(db: Database, unit_id: int, received_at: datetime) -> int:
    async with db.session() as s, db.writing(s):
        unit = await s.get(Unit, unit_id)
        unit.state = "revision"
        rev = Revision(unit_id=unit_id, reason="style", received_at=received_at)
        s.add(rev)
        await s.flush()
        await rebuild_in(s, TEAM_TZ)
        return rev.id


def make_jobs(db: Database, settings: Settings, clock: FrozenClock, sender=None) -> tuple[Jobs, FakeSender]:
    sender = sender or FakeSender()
    renderer = ChartRenderer(max_workers=1, mode="thread")
    return Jobs(db, settings, Catalog(), sender, renderer, clock), sender


def at_msk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=3)


async def add_account(db: Database, project_id: int, member_id: int, handle: str = "brand.shop") -> int:
    """An Instagram account of ``project_id`` with ``member_id`` responsible, weeks ending on Sunday from 1 Oct 2026."""
    async with db.session() as s, db.writing(s):
        a = SmmAccount(project_id=project_id, network="instagram", handle=handle, name=f"Instagram @{handle}",
                       responsible_id=member_id, week_end=6, start_date=date(2026, 10, 1), archived=False,
                       created_at=datetime(2026, 11, 1, tzinfo=UTC))
        s.add(a)
        await s.flush()
        return a.id
