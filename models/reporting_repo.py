"""Aggregate queries over units, revisions, plans and days off. Never commits."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, delete, func, insert, literal, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import idempotency_repo, stats_repo
from models.base import dialect_of, few_ids
from models.cache import instance, values
from models.reporting import DayOff, Plan, Project, Revision, Stream, Unit, UnitEvent


async def list_streams(session: AsyncSession, *, active_only: bool = True) -> list[Stream]:
    q = select(Stream).order_by(Stream.position, Stream.id)
    if active_only:
        q = q.where(Stream.active.is_(True))
    return list(await session.scalars(q))


async def done_counts(
    session: AsyncSession, member_ids: Sequence[int], start: datetime, end: datetime, done_states: Sequence[str]
) -> list[tuple[int, int, str, int]]:
    """(author_id, stream_id, state, count) of units first sent for approval in [start, end)."""
    q = (
        select(Unit.author_id, Unit.stream_id, Unit.state, func.count(Unit.id))
        .where(Unit.author_id.in_(list(member_ids)), Unit.sent_at >= start, Unit.sent_at < end,
               Unit.state.in_(list(done_states)))
        .group_by(Unit.author_id, Unit.stream_id, Unit.state)
    )
    return [tuple(r) for r in (await session.execute(q)).all()]


async def written_counts(
    session: AsyncSession, member_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[int, int, int]]:
    """(author_id, stream_id, count) of units reported in [start, end) and not yet sent."""
    q = (
        select(Unit.author_id, Unit.stream_id, func.count(Unit.id))
        .where(Unit.author_id.in_(list(member_ids)), Unit.created_at >= start, Unit.created_at < end,
               Unit.state == "written")
        .group_by(Unit.author_id, Unit.stream_id)
    )
    return [tuple(r) for r in (await session.execute(q)).all()]


async def revision_counts(
    session: AsyncSession, member_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, int]:
    """Revisions received in [start, end) per author (units not deleted)."""
    q = (
        select(Unit.author_id, func.count(Revision.id))
        .join(Unit, Unit.id == Revision.unit_id)
        .where(Unit.author_id.in_(list(member_ids)), Revision.received_at >= start, Revision.received_at < end,
               Unit.state != "deleted")
        .group_by(Unit.author_id)
    )
    return {a: n for a, n in (await session.execute(q)).all()}


async def plans_for_month(session: AsyncSession, member_ids: Sequence[int], month: date) -> list[Plan]:
    few = few_ids(member_ids)
    q = select(Plan).where(Plan.month == month)
    if few is not None:
        return list(await session.scalars(q.where(Plan.member_id.in_(few))))
    wanted = set(member_ids)
    return [p for p in await session.scalars(q) if p.member_id in wanted]


async def days_off_between(
    session: AsyncSession, member_ids: Sequence[int], first: date, last: date
) -> list[tuple[int, date]]:
    few = few_ids(member_ids)
    q = select(DayOff.member_id, DayOff.day).where(DayOff.day >= first, DayOff.day <= last)
    if few is not None:
        return [tuple(r) for r in (await session.execute(q.where(DayOff.member_id.in_(few)))).all()]
    wanted = set(member_ids)
    return [tuple(r) for r in (await session.execute(q)).all() if r[0] in wanted]


# -- streams and projects (used by the reporting service) ---------------------------------------
async def stream_by_id(session: AsyncSession, stream_id: int) -> Stream | None:
    return await session.get(Stream, stream_id)


async def stream_by_code(session: AsyncSession, code: str) -> Stream | None:
    return await session.scalar(select(Stream).where(func.lower(Stream.code) == code.lower()))


async def max_stream_position(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(Stream.position))) or 0)


async def list_projects(
    session: AsyncSession, *, query: str | None = None, include_archived: bool = False
) -> list[Project]:
    q = select(Project).order_by(func.lower(Project.name), Project.id)
    if not include_archived:
        q = q.where(Project.archived.is_(False))
    if query:
        q = q.where(func.lower(Project.name).contains(query.lower(), autoescape=True))
    return list(await session.scalars(q))


async def project_by_id(session: AsyncSession, project_id: int) -> Project | None:
    return await session.get(Project, project_id)


async def projects_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, Project]:
    ids = list(ids)
    if len(ids) <= 1:  # one: from the session's identity map when already loaded
        return {i: x for i in ids if (x := await session.get(Project, i)) is not None}
    return {x.id: x for x in await session.scalars(select(Project).where(Project.id.in_(ids)))}


async def project_by_name(session: AsyncSession, name: str) -> Project | None:
    return await session.scalar(select(Project).where(func.lower(Project.name) == name.lower()))


# -- the same lookups through the row cache (models/cache.py): for reads that gate an update --------
# Cached streams and projects are detached instances shared by every reader: read them, never change
# them or add them to a session (load the row in the session to change it, as the services do).
async def cached_streams(session: AsyncSession) -> list[Stream]:
    """Every stream (active or not) in position order."""
    cache = session.info.get("row_cache")
    if cache is None:
        return await list_streams(session, active_only=False)
    streams = cache.get("streams", "all")
    if streams is None:
        generation = cache.generation("streams")
        loaded = await list_streams(session, active_only=False)
        cache.put("streams", "all", tuple(instance(Stream, values(s)) for s in loaded), generation)
        return loaded
    return list(streams)


async def cached_stream_by_id(session: AsyncSession, stream_id: int) -> Stream | None:
    if session.info.get("row_cache") is None:
        return await stream_by_id(session, stream_id)
    return next((s for s in await cached_streams(session) if s.id == stream_id), None)


async def _cached_project(session: AsyncSession, key: tuple[str, object], load) -> Project | None:
    cache = session.info.get("row_cache")
    if cache is None:
        return await load()
    project = cache.get("projects", key)
    if project is not None:
        return project
    generation = cache.generation("projects")
    project = await load()
    if project is not None:
        shared = instance(Project, values(project))
        cache.put("projects", ("id", project.id), shared, generation)
        cache.put("projects", ("name", project.name.lower()), shared, generation)
    return project


async def cached_project_by_id(session: AsyncSession, project_id: int) -> Project | None:
    return await _cached_project(session, ("id", project_id), lambda: project_by_id(session, project_id))


async def cached_project_by_name(session: AsyncSession, name: str) -> Project | None:
    """Case-insensitive exact name (Python's lower() for the cache key, the database's on a miss)."""
    return await _cached_project(session, ("name", name.lower()), lambda: project_by_name(session, name))


# -- units -------------------------------------------------------------------------------------------
async def unit_by_id(session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id, populate_existing=True)


async def move_unit(session: AsyncSession, unit_id: int, from_states: Sequence[str], to_state: str,
                    **values: object) -> bool:
    """Compare-and-set the state: True when this call moved the unit (so a double press moves it once)."""
    result = await session.execute(
        update(Unit).where(Unit.id == unit_id, Unit.state.in_(list(from_states)))
        .values(state=to_state, **values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


_INSERT_UNIT = insert(Unit.__table__)
_INSERT_EVENT = insert(UnitEvent.__table__).inline()  # no id wanted back
_UNIT_COLUMNS = ("author_id", "stream_id", "project_id", "title", "link", "state", "created_at", "updated_at")


async def insert_unit(session: AsyncSession, *, author_id: int, stream_id: int, project_id: int, title: str,
                      link: str | None, state: str, at: datetime,
                      counters: Mapping[stats_repo.Key, Mapping[str, int]] | None = None,
                      claim: idempotency_repo.Claim | None = None) -> tuple[Unit, bool]:
    """A new unit, its ``created`` event, the counter changes ``counters`` (as :func:`stats_repo.bump`) and,
    with ``claim``, the idempotency key for the unit (as :func:`idempotency_repo.claim_new`: not claimed
    when it was there, and then the caller rolls back). No unit-of-work flush: this is every report.

    → (the unit as inserted, an instance outside the session: read it, do not change it; whether the key
    was claimed — True without ``claim``).

    SQLite: one statement each (one trip to the driver's thread each). PostgreSQL: **one statement**, the
    event, counters and key as data-modifying ``WITH`` parts of the unit's insert: one round trip and one
    statement execution instead of four (they run in that statement's snapshot; none reads what another
    writes except the new unit's id, which they take from its ``RETURNING``)."""
    row = {"author_id": author_id, "stream_id": stream_id, "project_id": project_id, "title": title,
           "link": link, "state": state, "created_at": at, "updated_at": at}
    if dialect_of(session) == "postgresql":
        bumps = stats_repo.bump_rows(counters or {})
        shape = tuple((name, tuple(sorted(deltas))) for name, _values, deltas in bumps)
        params = {f"u_{c}": v for c, v in row.items()}
        for i, (name, values, deltas) in enumerate(bumps):
            params.update(stats_repo.bump_params(name, values, deltas, f"c{i}_"))
        if claim is not None:
            params.update(idempotency_repo.claim_params(claim))
        unit_id, claimed = (await session.execute(_report_statement(shape, claim is not None), params)).one()
    else:
        result = await session.execute(_INSERT_UNIT, row)
        unit_id = result.inserted_primary_key[0]
        await session.execute(_INSERT_EVENT, {"unit_id": unit_id, "actor_id": author_id, "kind": "created",
                                              "from_state": None, "to_state": state, "at": at})
        await stats_repo.bump(session, counters or {})
        claimed = True
        if claim is not None:
            claimed = await idempotency_repo.claim_new(session, claim.key, claim.kind, unit_id, claim.at)
    unit = Unit(id=unit_id, sent_at=None, approved_at=None, deleted_at=None, **row)
    return unit, bool(claimed)


@functools.cache
def _report_statement(bumps: tuple[tuple[str, tuple[str, ...]], ...], claim: bool):
    """PostgreSQL: :func:`insert_unit` as one statement, built once per shape (which counter rows with
    which columns, a key or not); the values are bound (``u_*``, ``c{i}_*``, ``claim_*``). Its result row:
    the unit's id, and 1 when the key was claimed (0 when it was there; 1 without a key)."""
    units, events = Unit.__table__, UnitEvent.__table__
    new = insert(units).values({c: bindparam(f"u_{c}", type_=units.c[c].type) for c in _UNIT_COLUMNS}) \
        .returning(units.c.id).cte("new_unit")
    event = insert(events).from_select(
        ["unit_id", "actor_id", "kind", "from_state", "to_state", "at"],
        select(new.c.id, bindparam("u_author_id", type_=units.c.author_id.type),
               literal("created", events.c.kind.type), null(),
               bindparam("u_state", type_=units.c.state.type),
               bindparam("u_created_at", type_=units.c.created_at.type))).cte("created_event")
    parts = [event, *(stats_repo.bump_cte("postgresql", name, deltas, f"c{i}_")
                      for i, (name, deltas) in enumerate(bumps))]
    if claim:
        claimed = idempotency_repo.claim_cte(new.c.id)
        parts.append(claimed)
        got = select(func.count()).select_from(claimed).scalar_subquery()
    else:
        got = literal(1)
    return select(new.c.id, got).add_cte(*parts)


def add_event(session: AsyncSession, unit_id: int, actor_id: int | None, kind: str, from_state: str | None,
              to_state: str, at: datetime) -> None:
    session.add(UnitEvent(unit_id=unit_id, actor_id=actor_id, kind=kind, from_state=from_state,
                          to_state=to_state, at=at))


STATE_EVENTS = ("created", "sent", "revision_received", "revision_done", "approved", "deleted")


async def last_state_event(session: AsyncSession, unit_id: int) -> UnitEvent | None:
    """The unit's latest event that changed its state (edits do not)."""
    return await session.scalar(select(UnitEvent).where(UnitEvent.unit_id == unit_id,
                                                        UnitEvent.kind.in_(STATE_EVENTS))
                                .order_by(UnitEvent.id.desc()).limit(1))


async def delete_event(session: AsyncSession, event_id: int) -> bool:
    """Delete one event; False when it is already gone (an undo pressed twice)."""
    result = await session.execute(delete(UnitEvent).where(UnitEvent.id == event_id)
                                   .execution_options(synchronize_session=False))
    return result.rowcount == 1


async def last_closed_revision(session: AsyncSession, unit_id: int) -> Revision | None:
    return await session.scalar(select(Revision).where(Revision.unit_id == unit_id, Revision.done_at.is_not(None))
                                .order_by(Revision.done_at.desc(), Revision.id.desc()).limit(1))


async def unit_events(session: AsyncSession, unit_id: int) -> list[UnitEvent]:
    return list(await session.scalars(select(UnitEvent).where(UnitEvent.unit_id == unit_id)
                                      .order_by(UnitEvent.at, UnitEvent.id)))


async def open_revision(session: AsyncSession, unit_id: int) -> Revision | None:
    return await session.scalar(
        select(Revision).where(Revision.unit_id == unit_id, Revision.done_at.is_(None))
        .order_by(Revision.received_at.desc(), Revision.id.desc()).limit(1)
    )


async def latest_open_revisions(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, Revision]:
    """Each unit's newest open revision (as :func:`open_revision`), for many units in one query."""
    if not unit_ids:
        return {}
    rows = await session.scalars(select(Revision).where(Revision.unit_id.in_(list(unit_ids)),
                                                        Revision.done_at.is_(None))
                                 .order_by(Revision.received_at, Revision.id))
    return {r.unit_id: r for r in rows}  # the newest comes last and wins


async def open_revisions_of(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, Revision]:
    if not unit_ids:
        return {}
    rows = await session.scalars(select(Revision).where(Revision.unit_id.in_(list(unit_ids)),
                                                        Revision.done_at.is_(None)))
    return {r.unit_id: r for r in rows}


async def revision_totals(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, int]:
    if not unit_ids:
        return {}
    q = (select(Revision.unit_id, func.count(Revision.id)).where(Revision.unit_id.in_(list(unit_ids)))
         .group_by(Revision.unit_id))
    return {u: n for u, n in (await session.execute(q)).all()}


async def all_open_revisions(session: AsyncSession) -> list[tuple[Revision, Unit]]:
    """Open revisions of units still in revision (for overdue reminders)."""
    q = (select(Revision, Unit).join(Unit, Unit.id == Revision.unit_id)
         .where(Revision.done_at.is_(None), Unit.state == "revision").order_by(Revision.received_at))
    return [(r, u) for r, u in (await session.execute(q)).all()]


async def units_of_author(
    session: AsyncSession, author_id: int, start: datetime, end: datetime, *, offset: int = 0,
    limit: int | None = None,
) -> list[Unit]:
    """Units reported in [start, end), deleted ones excluded, grouped by state then newest first."""
    order = {"written": 0, "revision": 1, "sent": 2, "approved": 3}
    from sqlalchemy import case

    q = (select(Unit).where(Unit.author_id == author_id, Unit.created_at >= start, Unit.created_at < end,
                            Unit.state != "deleted")
         .order_by(case(order, value=Unit.state, else_=9), Unit.created_at.desc(), Unit.id.desc())
         .offset(offset))
    if limit is not None:
        q = q.limit(limit)
    return list(await session.scalars(q))


async def count_units_of_author(session: AsyncSession, author_id: int, start: datetime,
                                end: datetime) -> dict[str, int]:
    q = (select(Unit.state, func.count(Unit.id))
         .where(Unit.author_id == author_id, Unit.created_at >= start, Unit.created_at < end,
                Unit.state != "deleted").group_by(Unit.state))
    return {s: n for s, n in (await session.execute(q)).all()}


async def project_stats(
    session: AsyncSession, member_ids: Sequence[int], start: datetime, end: datetime, done_states: Sequence[str]
) -> list[tuple[int, str, int, int]]:
    """(project_id, name, units done in [start, end), revisions received in [start, end)) per project."""
    done_q = (select(Unit.project_id, func.count(Unit.id))
              .where(Unit.author_id.in_(list(member_ids)), Unit.sent_at >= start, Unit.sent_at < end,
                     Unit.state.in_(list(done_states)))
              .group_by(Unit.project_id))
    rev_q = (select(Unit.project_id, func.count(Revision.id)).join(Unit, Unit.id == Revision.unit_id)
             .where(Unit.author_id.in_(list(member_ids)), Revision.received_at >= start,
                    Revision.received_at < end, Unit.state != "deleted")
             .group_by(Unit.project_id))
    done = {p: n for p, n in (await session.execute(done_q)).all()}
    revs = {p: n for p, n in (await session.execute(rev_q)).all()}
    ids = set(done) | set(revs)
    if not ids:
        return []
    names = {p.id: p.name for p in await session.scalars(select(Project).where(Project.id.in_(list(ids))))}
    return [(pid, names.get(pid, "?"), done.get(pid, 0), revs.get(pid, 0)) for pid in ids]


# -- plans and days off ---------------------------------------------------------------------------
async def plan_for(session: AsyncSession, member_id: int, month: date, stream_id: int) -> Plan | None:
    return await session.scalar(select(Plan).where(Plan.member_id == member_id, Plan.month == month,
                                                   Plan.stream_id == stream_id))


async def plan_member_ids(session: AsyncSession, month: date) -> set[int]:
    return set(await session.scalars(select(Plan.member_id).where(Plan.month == month, Plan.units > 0)))


async def add_days_off(session: AsyncSession, member_id: int, days: Sequence[date], set_by: int) -> int:
    existing = set(await session.scalars(select(DayOff.day).where(DayOff.member_id == member_id,
                                                                  DayOff.day.in_(list(days)))))
    added = 0
    for d in days:
        if d not in existing:
            session.add(DayOff(member_id=member_id, day=d, set_by=set_by))
            added += 1
    return added


async def remove_days_off(session: AsyncSession, member_id: int, first: date, last: date) -> int:
    result = await session.execute(delete(DayOff).where(DayOff.member_id == member_id, DayOff.day >= first,
                                                        DayOff.day <= last))
    return result.rowcount or 0
