"""Queries of the client cabinet. Functions take a session and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import few_ids
from models.clients import ClientDecision, ClientProject, InviteProject
from models.org import Member, Role
from models.reporting import APPROVED, SENT, Project, Revision, Unit, UnitEvent

CLIENT = Role.CLIENT.value


async def project_ids_of(session: AsyncSession, member_id: int) -> list[int]:
    """The projects a client is a client of (archived ones too: callers filter)."""
    rows = await session.scalars(select(ClientProject.project_id).where(ClientProject.member_id == member_id))
    return sorted(rows)


async def projects_of(session: AsyncSession, member_id: int) -> list[Project]:
    q = (select(Project).join(ClientProject, ClientProject.project_id == Project.id)
         .where(ClientProject.member_id == member_id, Project.archived.is_(False))
         .order_by(func.lower(Project.name), Project.id))
    return list(await session.scalars(q))


async def add_project(session: AsyncSession, member_id: int, project_id: int, added_by: int | None,
                      at: datetime) -> bool:
    exists = await session.get(ClientProject, (member_id, project_id))
    if exists is not None:
        return False
    session.add(ClientProject(member_id=member_id, project_id=project_id, added_by=added_by, added_at=at))
    await session.flush()
    return True


async def remove_project(session: AsyncSession, member_id: int, project_id: int) -> bool:
    result = await session.execute(delete(ClientProject).where(ClientProject.member_id == member_id,
                                                               ClientProject.project_id == project_id))
    return result.rowcount == 1


async def active_clients(session: AsyncSession, project_id: int) -> list[Member]:
    q = (select(Member).join(ClientProject, ClientProject.member_id == Member.id)
         .where(ClientProject.project_id == project_id, Member.active.is_(True), Member.role == CLIENT)
         .order_by(Member.id))
    return list(await session.scalars(q))


async def projects_with_active_clients(session: AsyncSession, project_ids: Sequence[int]) -> set[int]:
    q = (select(ClientProject.project_id).join(Member, Member.id == ClientProject.member_id)
         .where(ClientProject.project_id.in_(list(project_ids)), Member.active.is_(True), Member.role == CLIENT))
    return set(await session.scalars(q))


async def project_departments(session: AsyncSession, project_ids: Sequence[int]) -> dict[int, set[int]]:
    """project id → the departments of its creator and of its units' authors (a manager's projects)."""
    out: dict[int, set[int]] = {p: set() for p in project_ids}
    created = (select(Project.id, Member.department_id).join(Member, Member.id == Project.created_by)
               .where(Project.id.in_(list(project_ids))))
    authors = (select(Unit.project_id, Member.department_id).join(Member, Member.id == Unit.author_id)
               .where(Unit.project_id.in_(list(project_ids))).distinct())
    for q in (created, authors):
        for pid, dep in (await session.execute(q)).all():
            if dep is not None:
                out[pid].add(dep)
    return out


async def set_invite_projects(session: AsyncSession, invite_id: int, project_ids: Sequence[int]) -> None:
    for pid in sorted(set(project_ids)):
        session.add(InviteProject(invite_id=invite_id, project_id=pid))
    await session.flush()


async def invite_project_ids(session: AsyncSession, invite_id: int) -> list[int]:
    return sorted(await session.scalars(select(InviteProject.project_id).where(InviteProject.invite_id == invite_id)))


async def clear_projects(session: AsyncSession, member_id: int) -> None:
    await session.execute(delete(ClientProject).where(ClientProject.member_id == member_id))


#: an event that moved a unit into *sent* from another state (not an edit of a sent unit, which is sent → sent)
_ENTERED_SENT = (UnitEvent.to_state == SENT, or_(UnitEvent.from_state.is_(None), UnitEvent.from_state != SENT))


def _round_starts():
    """unit id → when it last went to *sent* (a subquery)."""
    return (select(UnitEvent.unit_id, func.max(UnitEvent.at).label("at")).where(*_ENTERED_SENT)
            .group_by(UnitEvent.unit_id).subquery())


async def round_started(session: AsyncSession, unit_id: int) -> datetime | None:
    """When the unit last went to *sent* (the current round of approval; editing it does not start one)."""
    return await session.scalar(select(func.max(UnitEvent.at)).where(UnitEvent.unit_id == unit_id, *_ENTERED_SENT))


async def waiting_units(session: AsyncSession, project_ids: Sequence[int], *, offset: int = 0,
                        limit: int | None = None) -> list[Unit]:
    """Units waiting for a decision (sent) in these projects, oldest first: by when the round started."""
    started = _round_starts()
    q = (select(Unit).outerjoin(started, started.c.unit_id == Unit.id)
         .where(Unit.project_id.in_(list(project_ids)), Unit.state == SENT)
         .order_by(func.coalesce(started.c.at, Unit.sent_at, Unit.updated_at), Unit.id).offset(offset))
    if limit is not None:
        q = q.limit(limit)
    return list(await session.scalars(q))


async def count_waiting(session: AsyncSession, project_ids: Sequence[int]) -> int:
    return int(await session.scalar(select(func.count(Unit.id)).where(Unit.project_id.in_(list(project_ids)),
                                                                     Unit.state == SENT)) or 0)


async def month_figures(session: AsyncSession, project_id: int, start: datetime, end: datetime) -> dict[str, float | int | None]:
    """One project's figures for [start, end): units sent for approval (first time), approved, waiting now,
    revisions received, and the average seconds to a client decision."""
    sent = await session.scalar(select(func.count(Unit.id)).where(
        Unit.project_id == project_id, Unit.sent_at >= start, Unit.sent_at < end, Unit.state != "deleted"))
    approved = await session.scalar(select(func.count(Unit.id)).where(
        Unit.project_id == project_id, Unit.state == APPROVED, Unit.approved_at >= start, Unit.approved_at < end))
    waiting = await session.scalar(select(func.count(Unit.id)).where(Unit.project_id == project_id,
                                                                     Unit.state == SENT))
    revisions = await session.scalar(select(func.count(Revision.id)).join(Unit, Unit.id == Revision.unit_id).where(
        Unit.project_id == project_id, Revision.received_at >= start, Revision.received_at < end,
        Unit.state != "deleted"))
    avg = await session.scalar(select(func.avg(ClientDecision.seconds)).join(Unit, Unit.id == ClientDecision.unit_id)
                               .where(Unit.project_id == project_id, ClientDecision.decided_at >= start,
                                      ClientDecision.decided_at < end))
    return {"sent": int(sent or 0), "approved": int(approved or 0), "waiting": int(waiting or 0),
            "revisions": int(revisions or 0), "avg_seconds": float(avg) if avg is not None else None}


async def list_clients(session: AsyncSession, *, offset: int = 0, limit: int | None = None) -> list[Member]:
    q = (select(Member).where(Member.role == CLIENT)
         .order_by(Member.active.desc(), func.lower(Member.display_name), Member.id).offset(offset))
    if limit is not None:
        q = q.limit(limit)
    return list(await session.scalars(q))


async def client_figures(session: AsyncSession, project_ids: Sequence[int], author_ids: Sequence[int],
                         start: datetime, end: datetime) -> dict[int, tuple[int, float | None]]:
    """project id → (revisions requested by clients in [start, end), average seconds to a client decision), for
    the units of these authors.

    More than ``MANY_IDS`` projects or authors (a digest of everyone lists all projects and all members) are
    not bound as ``IN (...)``: the period's rows are read through the ``received_at`` / ``decided_at``
    indexes and the ids kept in Python (per author, with sums and counts for the average)."""
    projects, authors = few_ids(project_ids), few_ids(author_ids)
    keep_projects, keep_authors = set(project_ids), set(author_ids)
    per_author = authors is None
    by = (Unit.project_id, Unit.author_id) if per_author else (Unit.project_id,)
    revs = (select(*by, func.count(Revision.id)).join(Unit, Unit.id == Revision.unit_id)
            .join(Member, Member.id == Revision.recorded_by)
            .where(Member.role == CLIENT, Revision.received_at >= start,
                   Revision.received_at < end, Unit.state != "deleted").group_by(*by))
    seconds = ((func.sum(ClientDecision.seconds), func.count(ClientDecision.seconds)) if per_author
               else (func.avg(ClientDecision.seconds),))
    avg = (select(*by, *seconds).join(Unit, Unit.id == ClientDecision.unit_id)
           .where(ClientDecision.decided_at >= start, ClientDecision.decided_at < end).group_by(*by))
    if projects is not None:
        revs, avg = revs.where(Unit.project_id.in_(projects)), avg.where(Unit.project_id.in_(projects))
    if authors is not None:
        revs, avg = revs.where(Unit.author_id.in_(authors)), avg.where(Unit.author_id.in_(authors))

    def kept(row) -> bool:
        return row[0] in keep_projects and (not per_author or row[1] in keep_authors)

    r: dict[int, int] = {}
    for row in (await session.execute(revs)).all():
        if kept(row):
            r[row[0]] = r.get(row[0], 0) + int(row[-1])
    a: dict[int, float] = {}
    if per_author:
        totals: dict[int, list[int]] = {}
        for pid, _author, total, n in (await session.execute(avg)).all():
            if kept((pid, _author)) and n:
                acc = totals.setdefault(pid, [0, 0])
                acc[0] += int(total)
                acc[1] += int(n)
        a = {pid: total / n for pid, (total, n) in totals.items()}
    else:
        a = {pid: float(x) for pid, x in (await session.execute(avg)).all() if x is not None and pid in keep_projects}
    out: dict[int, tuple[int, float | None]] = {}
    for pid in set(r) | set(a):
        out[pid] = (r.get(pid, 0), a.get(pid))
    return out


async def client_project_lines(session: AsyncSession, author_ids: Sequence[int], start: datetime, end: datetime
                               ) -> list[tuple[int, str, int, float | None]]:
    """(project id, name, revisions requested by clients in [start, end), average seconds to a client decision)
    for the units of these authors, every project with either: :func:`client_figures` over all projects
    with their names, in one statement (a ``UNION ALL`` of the revisions' and the decisions' sums per project
    and author, joined to the projects; the digests' client lines).

    Revisions are kept to those a client recorded before their unit is looked up, and the authors are kept
    in Python whatever their number: the period's rows are read through the ``(recorded_by, received_at)``
    and ``decided_at`` indexes (a bound list of authors made SQLite read every unit the authors ever made
    through ``(author_id, created_at)`` instead: 30 ms for a manager's 26 people on the big database)."""
    by_client = Revision.recorded_by.in_(select(Member.id).where(Member.role == CLIENT))
    revs = (select(Unit.project_id.label("project_id"), Unit.author_id.label("author_id"),
                   func.count(Revision.id).label("revisions"), literal(0).label("seconds"),
                   literal(0).label("decisions"))
            .join(Unit, Unit.id == Revision.unit_id)
            .where(by_client, Revision.received_at >= start, Revision.received_at < end, Unit.state != "deleted")
            .group_by(Unit.project_id, Unit.author_id))
    decisions = (select(Unit.project_id, Unit.author_id, literal(0), func.sum(ClientDecision.seconds),
                        func.count(ClientDecision.seconds))
                 .join(Unit, Unit.id == ClientDecision.unit_id)
                 .where(ClientDecision.decided_at >= start, ClientDecision.decided_at < end)
                 .group_by(Unit.project_id, Unit.author_id))
    parts = union_all(revs, decisions).subquery()
    q = (select(parts.c.project_id, Project.name, parts.c.author_id, parts.c.revisions, parts.c.seconds,
                parts.c.decisions).join(Project, Project.id == parts.c.project_id))
    wanted = set(author_ids)
    sums: dict[int, list] = {}
    for pid, name, author, n, seconds, decided in (await session.execute(q)).all():
        if author in wanted:
            acc = sums.setdefault(pid, [name, 0, 0, 0])
            acc[1] += int(n or 0)
            acc[2] += int(seconds or 0)
            acc[3] += int(decided or 0)
    return [(pid, name, n, total / decided if decided else None)
            for pid, (name, n, total, decided) in sums.items() if n or decided]


async def waiting_in_client_projects(session: AsyncSession, sent_before: datetime) -> list[tuple[Unit, datetime]]:
    """Units waiting for a decision (sent) whose current round started before ``sent_before``, in projects
    that have an active client, with the round's start."""
    started = _round_starts()
    with_clients = (select(ClientProject.project_id).join(Member, Member.id == ClientProject.member_id)
                    .where(Member.active.is_(True), Member.role == CLIENT))
    at = func.coalesce(started.c.at, Unit.sent_at)
    q = (select(Unit, at).outerjoin(started, started.c.unit_id == Unit.id)
         .where(Unit.state == SENT, at < sent_before, Unit.project_id.in_(with_clients))
         .order_by(Unit.id))
    return [(u, at) for u, at in (await session.execute(q)).all()]


async def approved_in(session: AsyncSession, project_id: int, start: datetime, end: datetime) -> list[Unit]:
    q = (select(Unit).where(Unit.project_id == project_id, Unit.state == APPROVED, Unit.approved_at >= start,
                            Unit.approved_at < end).order_by(Unit.approved_at, Unit.id))
    return list(await session.scalars(q))


async def revision_reasons(session: AsyncSession, project_id: int, start: datetime, end: datetime) -> dict[str, int]:
    q = (select(Revision.reason, func.count(Revision.id)).join(Unit, Unit.id == Revision.unit_id)
         .where(Unit.project_id == project_id, Revision.received_at >= start, Revision.received_at < end,
                Unit.state != "deleted").group_by(Revision.reason))
    return {r: int(n) for r, n in (await session.execute(q)).all()}


async def is_client_decision(session: AsyncSession, unit_id: int, at: datetime) -> bool:
    """Whether the unit's state change at ``at`` was a client's decision (the team cannot undo those)."""
    return bool(await session.scalar(select(func.count(ClientDecision.id)).where(
        ClientDecision.unit_id == unit_id, ClientDecision.decided_at == at)))
