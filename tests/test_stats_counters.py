"""The counters (models/stats.py) always equal a recount from the events, whatever the writes did.

A property-based test: hypothesis draws sequences of operations (report a unit, send it, revision
received, revision done, approve, delete, edit, undo, rate someone, let time pass — across a month
boundary in the team's zone) run through the production services; after each sequence the stored
counters must equal :func:`bot.services.stats.recount` and the per-month numbers must equal the plain
SQL counts over units and revisions (``models.reporting_repo``: done, written and revision counts).
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.domain.pace import DONE_STATES
from bot.errors import NotAllowed, UserError
from bot.services import build_services
from bot.services.stats import month_range_utc, month_stats, rebuild, rebuild_set_based, recount, stored
from models import reporting_repo
from models.org import Department, Member, department_managers
from models.ratings import RatingPolicy
from models.reporting import Project
from tests.conftest import ADMIN_ID, PG_URL, _reset
from tests.recording import BOT_TOKEN

START = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 20:00 in Moscow: the month ends in 4 hours
WRITERS = 2
RATERS = 3

unit_ref = st.integers(min_value=0, max_value=3)
unit_step = st.tuples(st.sampled_from(["send", "rev", "fix", "approve", "delete", "edit", "undo"]), unit_ref)
operation = st.one_of(  # steps on units drawn most often, so that units travel far along their life
    st.tuples(st.just("create"), st.integers(0, WRITERS - 1), st.integers(0, 1), st.integers(0, 1)),
    unit_step, unit_step, unit_step, unit_step,
    st.tuples(st.just("rate"), st.integers(0, RATERS - 1), st.integers(0, WRITERS - 1), st.integers(1, 5),
              st.sampled_from([None, "task 1", "task 2"])),
    st.tuples(st.just("wait"), st.integers(1, 30)),
)
LIFE = [("create", 0, 0, 0), ("send", 0), ("rev", 0), ("wait", 5), ("fix", 0), ("rev", 0), ("create", 1, 1, 1),
        ("fix", 0), ("approve", 0), ("send", 1), ("rate", 0, 0, 4, None), ("rate", 0, 0, 2, None),
        ("rate", 1, 0, 5, "task 1"), ("rate", 1, 0, 3, "task 2"), ("delete", 0), ("edit", 1), ("undo", 1),
        ("send", 1), ("rev", 1), ("undo", 1), ("rev", 1), ("fix", 1), ("undo", 1), ("approve", 1), ("undo", 1)]

_serial = count()


async def _org(db: Database, now: datetime) -> dict:
    async with db.session() as s, db.writing(s):
        team, raters = Department(name="Team", created_at=now), Department(name="Raters", created_at=now)
        s.add_all([team, raters])
        await s.flush()
        manager = Member(telegram_id=100, display_name="Manager", role="manager", department_id=team.id,
                         active=True, unreachable=False, created_at=now)
        writers = [Member(telegram_id=200 + i, display_name=f"Writer {i}", role="writer", department_id=team.id,
                          active=True, unreachable=False, created_at=now) for i in range(WRITERS)]
        rating = [Member(telegram_id=300 + i, display_name=f"Rater {i}", role="writer", department_id=raters.id,
                         active=True, unreachable=False, created_at=now) for i in range(RATERS)]
        projects = [Project(name=f"Client {i}", archived=False, created_at=now) for i in range(2)]
        s.add_all([manager, *writers, *rating, *projects])
        await s.flush()
        await s.execute(department_managers.insert().values(member_id=manager.id, department_id=team.id))
        policy = RatingPolicy(rater_department_id=raters.id, rated_department_id=team.id, cadence="both",
                              mode="anonymous", active=True, created_at=now)
        s.add(policy)
        await s.flush()
        return {"manager": manager, "writers": writers, "raters": rating, "projects": [p.id for p in projects],
                "policy": policy.id}


async def _run(db: Database, app_settings: Settings, ops: list[tuple]) -> None:
    clock = FrozenClock(START)
    org = await _org(db, clock.now())
    units: list[int] = []
    for op in ops:
        async with db.session() as s:
            svc = build_services(s, db, app_settings, clock).reporting
            try:
                if op[0] == "create":
                    _, w, stream, project = op
                    view = await svc.create_unit(org["writers"][w], stream + 1, org["projects"][project], "A post")
                    units.append(view.unit.id)
                elif op[0] == "wait":
                    clock.advance(hours=op[1])
                elif op[0] == "rate":
                    _, r, w, score, task = op
                    await build_services(s, db, app_settings, clock).ratings.submit(
                        org["raters"][r], org["policy"], org["writers"][w].id, task, score,
                        None if score == 5 else "Задачи ставятся поздно и без описания")
                elif units:
                    unit_id = units[op[1] % len(units)]
                    if op[0] == "delete":
                        await svc.delete_unit(org["manager"], unit_id)
                    elif op[0] == "edit":
                        await svc.edit_unit(org["manager"], unit_id, "An edited post")
                    elif op[0] == "undo":  # the card's Undo button: the last state change, if it may be undone
                        event_id = (await svc.view(org["manager"], unit_id)).undo
                        if event_id is not None:
                            await svc.undo(org["manager"], unit_id, event_id)
                    else:
                        await svc.transition(org["manager"], unit_id, op[0], reason="style")
            except (UserError, NotAllowed):
                pass  # a step that does not fit the unit's state is refused and changes nothing

    tz = app_settings.timezone
    async with db.engine.connect() as conn:
        expected = await conn.run_sync(recount, tz)
        assert await conn.run_sync(stored) == expected
    if not db.is_sqlite:  # the set-based rebuild (bench/bigdb.py on PostgreSQL) gives the same counters
        async with db.engine.begin() as conn:
            assert await conn.run_sync(rebuild_set_based, tz) == len(expected)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(stored) == expected
    # and the month numbers the screens show equal plain counts over units and revisions
    async with db.session() as s:
        members = [org["manager"], *org["writers"]]
        ids = [m.id for m in members]
        for month in (START.date().replace(day=1), (START + timedelta(days=5)).date().replace(day=1)):
            start, end = month_range_utc(month, tz)
            done: dict[int, int] = {}
            states: dict[int, dict[str, int]] = {}
            for author, _stream, state, n in await reporting_repo.done_counts(s, ids, start, end, sorted(DONE_STATES)):
                done[author] = done.get(author, 0) + n
                states.setdefault(author, {})[state] = states.get(author, {}).get(state, 0) + n
            for author, _stream, n in await reporting_repo.written_counts(s, ids, start, end):
                states.setdefault(author, {})["written"] = states.get(author, {}).get("written", 0) + n
            revisions = await reporting_repo.revision_counts(s, ids, start, end)
            for m in await month_stats(s, members, month, clock.now(), app_settings):
                assert m.done == done.get(m.member_id, 0)
                assert m.revisions == revisions.get(m.member_id, 0)
                assert {k: v for k, v in m.states.items() if v} == states.get(m.member_id, {})


def _database(migrated: str, tmp_path: Path) -> Database:
    if PG_URL:
        return Database(PG_URL)
    target = tmp_path / f"counters-{next(_serial)}.db"
    shutil.copyfile(migrated, target)
    return Database(f"sqlite+aiosqlite:///{target}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=30))
@example(ops=LIFE)  # every kind of step at least once, across the month boundary
@example(ops=[("create", 0, 0, 0), ("wait", 5), ("send", 0), ("rev", 0), ("delete", 0)])
def test_counters_equal_a_recount_after_any_operations(migrated: str, tmp_path: Path, ops: list[tuple]) -> None:
    async def scenario() -> None:
        db = _database(migrated, tmp_path)
        if PG_URL:
            await _reset(db)
        app_settings = Settings(_env_file=None, bot_token=BOT_TOKEN, database_url=db.url,
                                admin_ids=frozenset({ADMIN_ID}), telegram_api_url="http://127.0.0.1:1")
        try:
            await _run(db, app_settings, ops)
        finally:
            await db.dispose()

    asyncio.run(scenario())


async def test_rebuild_stats_command_recounts_from_the_events(db: Database, settings: Settings, database_url,
                                                              monkeypatch, tmp_path: Path) -> None:
    """Counters that drifted (here: emptied) come back with ``python -m bot rebuild-stats``."""
    from bot.__main__ import main
    from models.stats import MemberMonthStat

    clock = FrozenClock(START)
    org = await _org(db, clock.now())
    async with db.session() as s:
        svc = build_services(s, db, settings, clock).reporting
        view = await svc.create_unit(org["writers"][0], 1, org["projects"][0], "A post")
        await svc.transition(org["manager"], view.unit.id, "send")
    async with db.engine.connect() as conn:
        expected = await conn.run_sync(recount, settings.timezone)
    assert expected  # the unit is counted
    async with db.session() as s, db.writing(s):
        await s.execute(MemberMonthStat.__table__.delete())
    async with db.engine.connect() as conn:
        assert await conn.run_sync(stored) != expected
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    assert await asyncio.to_thread(main, ["rebuild-stats"]) == 0
    async with db.engine.connect() as conn:
        assert await conn.run_sync(stored) == expected
    async with db.session() as s:
        rows = list(await s.scalars(select(MemberMonthStat)))
        assert [(r.member_id, r.sent) for r in rows] == [(org["writers"][0].id, 1)]
    assert await rebuild(db, settings) == len(expected)
