"""Queries of leads, the funnel and the hand-offs. Functions take a session and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, text, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.leads import (
    OPEN,
    FunnelStage,
    Lead,
    LeadCount,
    LeadEvent,
    LeadFact,
    LeadHandoff,
    Product,
    SalesDepartment,
)
from models.org import Member
from models.tasks import OPEN as TASK_OPEN
from models.tasks import Task


# -- stages ------------------------------------------------------------------------------------------------
async def stages(session: AsyncSession, *, archived: bool = False) -> list[FunnelStage]:
    q = select(FunnelStage).order_by(FunnelStage.position, FunnelStage.id)
    if not archived:
        q = q.where(FunnelStage.archived.is_(False))
    return list(await session.scalars(q))


async def stage_by_id(session: AsyncSession, stage_id: int) -> FunnelStage | None:
    return await session.get(FunnelStage, stage_id)


async def stage_by_key(session: AsyncSession, key: str) -> FunnelStage | None:
    return await session.scalar(select(FunnelStage).where(FunnelStage.key == key))


async def max_stage_position(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(FunnelStage.position))) or 0)


# -- products ---------------------------------------------------------------------------------------------
async def products(session: AsyncSession, *, archived: bool = False) -> list[Product]:
    q = select(Product).order_by(func.lower(Product.name), Product.id)
    if not archived:
        q = q.where(Product.archived.is_(False))
    return list(await session.scalars(q))


async def product_by_id(session: AsyncSession, product_id: int) -> Product | None:
    return await session.get(Product, product_id)


async def product_by_name(session: AsyncSession, name: str) -> Product | None:
    return await session.scalar(select(Product).where(func.lower(Product.name) == name.lower()))


# -- sales departments --------------------------------------------------------------------------------------
async def sales_department_ids(session: AsyncSession) -> list[int]:
    return sorted(await session.scalars(select(SalesDepartment.department_id)))


# -- leads ---------------------------------------------------------------------------------------------------
async def lead_by_id(session: AsyncSession, lead_id: int) -> Lead | None:
    """Read from the database every time: stage moves and takes are conditional UPDATEs past the session."""
    return await session.get(Lead, lead_id, populate_existing=True)


async def find_duplicate(session: AsyncSession, phone: str | None, instagram: str | None,
                         email: str | None) -> Lead | None:
    """The lead with any of these contacts (three unique indexes: one probe each)."""
    for column, value in ((Lead.phone, phone), (Lead.instagram, instagram), (Lead.email, email)):
        if value:
            lead = await session.scalar(select(Lead).where(column == value))
            if lead is not None:
                return lead
    return None


def add_event(session: AsyncSession, lead_id: int, from_stage: int | None, to_stage: int, actor_id: int | None,
              at: datetime, reason: str | None = None) -> None:
    session.add(LeadEvent(lead_id=lead_id, from_stage_id=from_stage, to_stage_id=to_stage, actor_id=actor_id,
                          at=at, reason=reason))


async def move_lead(session: AsyncSession, lead_id: int, from_stage: int, to_stage: int, at: datetime,
                    **values: object) -> bool:
    """Compare-and-set of the lead's stage: False when it is no longer at ``from_stage`` (a concurrent move)."""
    result = await session.execute(update(Lead).where(Lead.id == lead_id, Lead.stage_id == from_stage)
                                   .values(stage_id=to_stage, stage_at=at, **values)
                                   .execution_options(synchronize_session=False))
    return result.rowcount == 1


async def history(session: AsyncSession, lead_id: int) -> list[LeadEvent]:
    q = select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.at, LeadEvent.id)
    return list(await session.scalars(q))


def _scoped(q, department_ids: Sequence[int] | None, owner_id: int | None, also_owner: int | None = None):
    """One owner's leads; or those of owners in these departments (``None``: everyone's), plus ``also_owner``'s."""
    if owner_id is not None:
        return q.where(Lead.owner_id == owner_id)
    if department_ids is not None:
        in_deps = Lead.owner_id.in_(select(Member.id).where(Member.department_id.in_(list(department_ids))))
        return q.where(or_(in_deps, Lead.owner_id == also_owner) if also_owner is not None else in_deps)
    return q


def _matching(q, text: str | None, phone: str | None):
    if not text and not phone:
        return q
    conds = []
    if text:
        like = f"%{text.lower()}%"
        conds += [func.lower(Lead.name).like(like), Lead.instagram.like(like)]
    if phone:
        conds.append(Lead.phone.like(f"%{phone}%"))
    return q.where(or_(*conds))


async def list_leads(session: AsyncSession, *, department_ids: Sequence[int] | None, owner_id: int | None,
                     stage_ids: Sequence[int], also_owner: int | None = None, text: str | None = None,
                     phone: str | None = None, offset: int = 0, limit: int | None = None) -> tuple[list[Lead], int]:
    """Leads in these stages, of one owner or of owners in these departments (``None``: all), matching the typed
    filter (a name or handle fragment; digits of a phone); ordered by stage, then newest first. → (page, total)"""
    base = select(Lead).join(FunnelStage, FunnelStage.id == Lead.stage_id).where(Lead.stage_id.in_(list(stage_ids)))
    base = _matching(_scoped(base, department_ids, owner_id, also_owner), text, phone)
    total = int(await session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    q = base.order_by(FunnelStage.position, Lead.created_at.desc(), Lead.id.desc()).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return list(await session.scalars(q)), total


async def leads_created(session: AsyncSession, start: datetime, end: datetime, *,
                        department_ids: Sequence[int] | None, owner_id: int | None,
                        also_owner: int | None = None) -> list[Lead]:
    q = _scoped(select(Lead).where(Lead.created_at >= start, Lead.created_at < end), department_ids, owner_id,
                also_owner)
    return list(await session.scalars(q.order_by(Lead.created_at, Lead.id)))


@dataclass(frozen=True, slots=True)
class PathRows:
    """The input of :mod:`bot.domain.funnel` as plain rows: leads (id, created_at, owner, source, product) and
    their stage changes (lead id, stage id, at) in lead and time order."""

    leads: list[tuple[int, datetime, int | None, str | None, int | None]]
    events: list[tuple[int, int, datetime]]


async def paths(session: AsyncSession, start: datetime, end: datetime, *, department_ids: Sequence[int] | None,
                owner_id: int | None = None, also_owner: int | None = None) -> PathRows:
    """Leads in scope with a stage change (their creation included) in [start, end), with every change of theirs.
    Plain rows through the covering indexes of ``lead_events`` (no ORM objects: a month can hold 10,000 leads)."""
    moved = select(LeadEvent.lead_id).where(LeadEvent.at >= start, LeadEvent.at < end)
    if owner_id is not None:  # one owner: their leads first (few), then which of them moved
        mine = select(Lead.id).where(Lead.owner_id == owner_id)
        moved = moved.where(LeadEvent.lead_id.in_(mine))
    ids = _scoped(select(Lead.id).where(Lead.id.in_(moved)), department_ids, owner_id, also_owner)
    leads = (await session.execute(
        _scoped(select(Lead.id, Lead.created_at, Lead.owner_id, Lead.source, Lead.product_id)
                .where(Lead.id.in_(moved)), department_ids, owner_id, also_owner))).all()
    if not leads:
        return PathRows([], [])
    events = (await session.execute(select(LeadEvent.lead_id, LeadEvent.to_stage_id, LeadEvent.at)
                                    .where(LeadEvent.lead_id.in_(ids))
                                    .order_by(LeadEvent.lead_id, LeadEvent.at, LeadEvent.id))).all()
    return PathRows([tuple(r) for r in leads], [tuple(r) for r in events])


async def open_stage_ids(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(FunnelStage.id).where(FunnelStage.kind == OPEN)))


# -- hand-offs -----------------------------------------------------------------------------------------------
async def handoff_by_id(session: AsyncSession, handoff_id: int) -> LeadHandoff | None:
    return await session.get(LeadHandoff, handoff_id, populate_existing=True)


async def open_handoff(session: AsyncSession, lead_id: int) -> LeadHandoff | None:
    return await session.scalar(select(LeadHandoff).where(LeadHandoff.open_lead_id == lead_id)
                                .execution_options(populate_existing=True))


async def handed_departments(session: AsyncSession, lead_id: int) -> list[int]:
    """The sales departments this lead was ever handed to (they keep seeing its contacts)."""
    return sorted(set(await session.scalars(select(LeadHandoff.department_id)
                                            .where(LeadHandoff.lead_id == lead_id))))


async def take_handoff(session: AsyncSession, handoff_id: int, member_id: int, at: datetime) -> bool:
    """The first press wins: a conditional UPDATE (still open and untaken); False for every later one."""
    result = await session.execute(
        update(LeadHandoff).where(LeadHandoff.id == handoff_id, LeadHandoff.taken_by.is_(None),
                                  LeadHandoff.open_lead_id.is_not(None))
        .values(taken_by=member_id, taken_at=at, open_lead_id=None).execution_options(synchronize_session=False))
    return result.rowcount == 1


async def cancel_open_handoff(session: AsyncSession, lead_id: int, at: datetime) -> bool:
    result = await session.execute(
        update(LeadHandoff).where(LeadHandoff.open_lead_id == lead_id)
        .values(open_lead_id=None, cancelled_at=at).execution_options(synchronize_session=False))
    return result.rowcount == 1


async def waiting_handoffs(session: AsyncSession, created_before: datetime) -> list[LeadHandoff]:
    """Open hand-offs nobody took, created before ``created_before``, whose SLA notice is not recorded."""
    q = select(LeadHandoff).where(and_(LeadHandoff.open_lead_id.is_not(None), LeadHandoff.taken_by.is_(None),
                                       LeadHandoff.sla_notified_at.is_(None),
                                       LeadHandoff.created_at < created_before)).order_by(LeadHandoff.id)
    return list(await session.scalars(q))


async def mark_sla_notified(session: AsyncSession, handoff_id: int, at: datetime) -> None:
    await session.execute(update(LeadHandoff).where(LeadHandoff.id == handoff_id)
                          .values(sla_notified_at=at).execution_options(synchronize_session=False))


async def overdue_task_counts(session: AsyncSession, member_ids: Sequence[int], now: datetime) -> dict[int, int]:
    """member id → open tasks assigned to them whose due time has passed (``/team leads``)."""
    if not member_ids:
        return {}
    q = (select(Task.assignee_id, func.count(Task.id))
         .where(Task.assignee_id.in_(list(member_ids)), Task.status == TASK_OPEN, Task.due_at < now)
         .group_by(Task.assignee_id))
    return {m: int(n) for m, n in (await session.execute(q)).all()}


# -- next steps (tasks linked to leads) ------------------------------------------------------------------------
def _no_open_task():
    return ~select(Task.id).where(Task.lead_id == Lead.id, Task.status == TASK_OPEN).exists()


async def open_tasks_of_lead(session: AsyncSession, lead_id: int, *, limit: int = 5) -> list[Task]:
    """The lead's open tasks (its next steps), soonest first."""
    q = (select(Task).where(Task.lead_id == lead_id, Task.status == TASK_OPEN)
         .order_by(Task.due_at, Task.id).limit(limit))
    return list(await session.scalars(q))


async def without_next_step(session: AsyncSession, owner_id: int, *, limit: int = 10) -> tuple[list[Lead], int]:
    """The owner's leads in an open stage with no open task linked (oldest first) → (the first ``limit``, how
    many in all)."""
    base = (select(Lead).join(FunnelStage, FunnelStage.id == Lead.stage_id)
            .where(Lead.owner_id == owner_id, FunnelStage.kind == OPEN, _no_open_task()))
    total = int(await session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    if not total:
        return [], 0
    leads = list(await session.scalars(base.order_by(Lead.stage_at, Lead.id).limit(limit)))
    return leads, total


async def owners_without_next_step(session: AsyncSession, owner_ids: Sequence[int]) -> set[int]:
    """Those of these members who own a lead in an open stage with no open task linked (the morning agenda;
    through ``ix_leads_owner_stage``)."""
    if not owner_ids:
        return set()
    q = (select(Lead.owner_id).join(FunnelStage, FunnelStage.id == Lead.stage_id)
         .where(Lead.owner_id.in_(list(owner_ids)), FunnelStage.kind == OPEN, _no_open_task()).distinct())
    return set(await session.scalars(q))


# -- the /funnel month counters ---------------------------------------------------------------------------------
async def lead_path(session: AsyncSession, lead_id: int):
    """The lead's (id, created_at, owner, source, product, the owner's department) and its stage changes (stage id,
    at) in time order, or None."""
    row = (await session.execute(select(Lead.id, Lead.created_at, Lead.owner_id, Lead.source, Lead.product_id,
                                        Member.department_id)
                                 .outerjoin(Member, Member.id == Lead.owner_id).where(Lead.id == lead_id))).first()
    if row is None:
        return None
    events = (await session.execute(select(LeadEvent.to_stage_id, LeadEvent.at).where(LeadEvent.lead_id == lead_id)
                                    .order_by(LeadEvent.at, LeadEvent.id))).all()
    return row, [tuple(e) for e in events]


async def bump_counts(session: AsyncSession, changes: dict[tuple, int]) -> None:
    """Add ``changes`` (full key → delta) to ``lead_counts``, creating missing rows; rows in key order (no
    deadlock between two writers on PostgreSQL); a row a concurrent transaction created first: a savepoint, then
    an add. SQLite serialises writers."""
    cols = ("month", "metric", "owner_id", "source", "product_id", "stage_id", "sig", "bucket")
    postgres = session.bind.dialect.name != "sqlite"
    for key in sorted(changes):
        delta = changes[key]
        where = [getattr(LeadCount, c) == v for c, v in zip(cols, key, strict=True)]
        add = update(LeadCount).where(*where).values(n=LeadCount.n + delta).execution_options(
            synchronize_session=False)
        if (await session.execute(add)).rowcount:
            continue
        row = {**dict(zip(cols, key, strict=True)), "n": delta}
        if not postgres:
            await session.execute(insert(LeadCount).values(row))
            continue
        try:
            async with session.begin_nested():
                await session.execute(insert(LeadCount).values(row))
        except IntegrityError:
            await session.execute(add)


async def replace_facts(session: AsyncSession, lead_id: int, rows: list[dict]) -> None:
    """The lead's ``lead_facts`` become ``rows``."""
    await session.execute(delete(LeadFact).where(LeadFact.lead_id == lead_id))
    if rows:
        await session.execute(insert(LeadFact), rows)


async def add_owner_rows(session: AsyncSession, member_id: int, key: int, sign: int) -> None:
    """Add ``sign`` × a member's counter rows (summed over source and product) to the rows of owner key ``key`` (a
    department's), creating missing rows: one statement, rows in key order (PostgreSQL: no deadlock between two
    writers)."""
    await session.execute(text("""
        INSERT INTO lead_counts (month, metric, owner_id, source, product_id, stage_id, sig, bucket, n)
        SELECT month, metric, :key, '', 0, stage_id, sig, bucket, :sign * SUM(n) FROM lead_counts
        WHERE owner_id = :member GROUP BY month, metric, stage_id, sig, bucket HAVING SUM(n) <> 0
        ORDER BY month, metric, stage_id, sig, bucket
        ON CONFLICT (owner_id, month, metric, source, product_id, stage_id, sig, bucket)
        DO UPDATE SET n = lead_counts.n + excluded.n"""), {"key": key, "sign": sign, "member": member_id})


async def fact_values(session: AsyncSession, wanted: Sequence[tuple[str, int, int, int, int]], start: datetime,
                      end: datetime, owner_ids: Sequence[int] | None) -> dict[tuple[str, int], list[float]]:
    """The durations (seconds) at ``wanted`` picks — (metric, stage id, bucket, offset, count): the count values
    from the offset in the bucket, ascending — among the facts of that metric (stay, first) and stage that fall in
    [start, end) and belong to these owners (``None``: anyone) → (metric, stage id) → the values in pick order.
    One statement: a read of ``ix_lead_facts_pick`` per pick (a bucket holds few facts a month)."""
    if not wanted:
        return {}
    parts = []
    for i, (metric, stage_id, b, offset, count) in enumerate(wanted):
        q = (select(LeadFact.seconds).where(LeadFact.metric == metric, LeadFact.stage_id == stage_id,
                                            LeadFact.bucket == b, LeadFact.at >= start, LeadFact.at < end)
             .order_by(LeadFact.seconds).offset(offset).limit(count))
        if owner_ids is not None:
            q = q.where(LeadFact.owner_id.in_(list(owner_ids)))
        sub = q.subquery()
        parts.append(select(literal(i).label("pick"), sub.c.seconds))
    out: dict[tuple[str, int], list[float]] = {}
    rows = (await session.execute(union_all(*parts) if len(parts) > 1 else parts[0])).all()
    for i, seconds in sorted(rows, key=lambda r: (r[0], r[1])):
        out.setdefault(tuple(wanted[i][:2]), []).append(float(seconds))
    return out


def _summed(table, cols: list, since: int | None, group: str | None, first_change: bool, metric_col):
    """The shape of :func:`count_rows`: the metrics a scope reads (one whole month:
    *entered*; another period: the *entries* before ``since``, their buckets summed as 0)."""
    entered = "entered" if since is None else "entries"
    metrics = ["cohort", "set", entered]
    if group is None:
        metrics += ["stay", "first"]
    elif first_change and group == "owner":
        metrics.append("first")
    bucket = case((table.metric == "entries", 0), else_=table.bucket)
    cols = [*cols, table.metric, table.stage_id, table.sig, bucket]
    where = [metric_col.in_(metrics)]
    if since is not None:
        where.append(or_(table.metric != "entries", table.bucket < since))
    return cols, where


async def count_rows(session: AsyncSession, months: Sequence[int] | tuple[int, int], owner_ids: Sequence[int] | None,
                     group: str | None = None, *, first_change: bool = False, since: int | None = None,
                     days: bool = False) -> list[tuple]:
    """The months' counters summed over these owner keys (members, or -1 - d for department d's rows; ``None``:
    the whole team's rows, owner -1): rows of (metric, stage id, signature, bucket, n), with the group's column
    first when ``group`` is owner, source or product. ``since`` None: one whole month (*entered*); else the
    period's first day (yyyymmdd: the *entries* before it). Grouped rows leave the histograms out (the groups
    show no medians) except the first changes by owner when ``first_change`` (``/team leads``). The key starts
    with the owner: each owner key and month is one range of the primary key. ``days``: ``months`` is a range of
    days (first, last as yyyymmdd) read from the day rows instead."""
    if not months:
        return []
    dims = {"owner": LeadCount.owner_id, "source": LeadCount.source, "product": LeadCount.product_id}
    cols, where = _summed(LeadCount, [dims[group]] if group is not None else [], since, group, first_change,
                          LeadCount.metric)
    period = LeadCount.month.between(*months) if days else LeadCount.month.in_(list(months))
    q = select(*cols, func.sum(LeadCount.n)).where(period, *where)
    if owner_ids is not None:
        q = q.where(LeadCount.owner_id.in_(list(owner_ids)))
    elif group is None:
        q = q.where(LeadCount.owner_id == -1)
    else:
        q = q.where(LeadCount.owner_id >= 0)
    return [tuple(r) for r in (await session.execute(q.group_by(*cols))).all()]


async def all_counts(session: AsyncSession) -> list[tuple]:
    return [tuple(r) for r in (await session.execute(select(
        LeadCount.month, LeadCount.metric, LeadCount.owner_id, LeadCount.source, LeadCount.product_id,
        LeadCount.stage_id, LeadCount.sig, LeadCount.bucket, LeadCount.n))).all()]


# -- the set-based rebuild of the counters and facts (migrations 0018 and 0022, ``python -m bot rebuild-stats``) ---
#: stage bits per word of a lead's stage set (signed 64-bit sums)
_BITS = 62


def _micro(dialect: str, x: str) -> str:
    """An instant as integer microseconds since the epoch, exactly (SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff')."""
    if dialect == "sqlite":
        return f"(unixepoch(substr({x}, 1, 19)) * 1000000 + CAST(substr({x}, 21, 6) AS INTEGER))"
    return f"CAST(extract(epoch FROM {x}) * 1000000 AS BIGINT)"


def _day(x: str) -> str:
    return f"(SELECT d.day FROM tmp_lead_days d WHERE d.lo <= {x} ORDER BY d.lo DESC LIMIT 1)"


def _bucket(m: str) -> str:
    return f"COALESCE((SELECT k.b FROM tmp_lead_buckets k WHERE k.lo <= {m} ORDER BY k.lo DESC, k.b DESC LIMIT 1), 0)"


def lead_time_range(conn) -> tuple[datetime, datetime] | None:
    """The first and last instant of the leads' creations and stage changes (a sync connection), or None."""
    lo1, hi1 = conn.execute(select(func.min(Lead.created_at), func.max(Lead.created_at))).one()
    lo2, hi2 = conn.execute(select(func.min(LeadEvent.at), func.max(LeadEvent.at))).one()
    found = [x for x in (lo1, hi1, lo2, hi2) if x is not None]
    return (min(found), max(found)) if found else None


def rebuild_counts(conn, day_starts: Sequence[tuple[int, datetime]], bucket_starts: Sequence[tuple[int, int]],
                   signature, *, days: bool) -> int:
    """Replace ``lead_facts`` and ``lead_counts`` by a recount from ``leads`` and ``lead_events``, set-based (a
    sync connection; the caller's transaction). ``day_starts``: (yyyymmdd, the first instant of that day in the
    team's zone) covering every instant of the leads; ``bucket_starts``: (histogram bucket, its first duration in
    microseconds) from 1 up; ``signature``: stage ids → a stage set's signature. The facts are what
    ``bot.domain.funnel.facts`` gives lead by lead, the counters their sums by month (and by day when ``days``)
    under each owner, the team (-1) and the owner's department (-1 - id). Returns the counter rows written."""
    from sqlalchemy import BigInteger as BigInt
    from sqlalchemy import Column, Float, Integer, MetaData, String, Table, inspect

    from models.base import UTCDateTime

    d = conn.dialect.name
    md = MetaData()
    ts = UTCDateTime
    tmp = {
        "days": Table("tmp_lead_days", md, Column("day", Integer), Column("lo", ts(), index=True),
                      prefixes=["TEMPORARY"]),
        "buckets": Table("tmp_lead_buckets", md, Column("b", Integer), Column("lo", BigInt(), index=True),
                         prefixes=["TEMPORARY"]),
        "bits": Table("tmp_lead_bits", md, Column("stage_id", Integer, primary_key=True), Column("word", Integer),
                      Column("val", BigInt()), prefixes=["TEMPORARY"]),
        "ev": Table("tmp_lead_ev", md, Column("lead_id", Integer), Column("stage_id", Integer), Column("at", ts()),
                    Column("rn", Integer), Column("next_at", ts()), Column("day", Integer),
                    Column("next_day", Integer), Column("m", BigInt()), Column("next_m", BigInt()),
                    prefixes=["TEMPORARY"]),
        "dims": Table("tmp_lead_dims", md, Column("lead_id", Integer, primary_key=True), Column("created_at", ts()),
                      Column("owner_id", Integer), Column("source", String(100)), Column("product_id", Integer),
                      Column("dept", Integer), Column("day", Integer), Column("m", BigInt()),
                      prefixes=["TEMPORARY"]),
        "facts": Table("tmp_lead_facts", md, Column("lead_id", Integer), Column("metric", String(8)),
                       Column("stage_id", Integer), Column("sig", String(250)), Column("at", ts()),
                       Column("bucket", Integer), Column("seconds", Float), Column("owner_id", Integer),
                       Column("source", String(100)), Column("product_id", Integer), Column("day", Integer),
                       Column("dept", Integer), prefixes=["TEMPORARY"]),
        "own": Table("tmp_lead_own", md, Column("period", Integer), Column("metric", String(8)),
                     Column("owner_id", Integer), Column("source", String(100)), Column("product_id", Integer),
                     Column("stage_id", Integer), Column("sig", String(250)), Column("bucket", Integer),
                     Column("dept", Integer), Column("n", Integer), prefixes=["TEMPORARY"]),
        "ent": Table("tmp_lead_ent", md, Column("lead_id", Integer), Column("month", Integer),
                     Column("stage_id", Integer), Column("owner_id", Integer), Column("source", String(100)),
                     Column("product_id", Integer), Column("dept", Integer), prefixes=["TEMPORARY"]),
    }
    stage_ids = sorted(conn.scalars(select(LeadEvent.to_stage_id).distinct()).all())
    words = max(1, -(-len(stage_ids) // _BITS))
    Table("tmp_lead_masks", md, Column("lead_id", Integer, primary_key=True),
          *(Column(f"w{i}", BigInt()) for i in range(words)), prefixes=["TEMPORARY"])
    sigs = Table("tmp_lead_sigs", md, *(Column(f"w{i}", BigInt()) for i in range(words)), Column("sig", String(250)),
                 prefixes=["TEMPORARY"])
    md.drop_all(conn, checkfirst=True)
    md.create_all(conn)
    try:
        if day_starts:
            conn.execute(insert(tmp["days"]), [{"day": day, "lo": lo} for day, lo in day_starts])
        if bucket_starts:
            conn.execute(insert(tmp["buckets"]), [{"b": b, "lo": lo} for b, lo in bucket_starts])
        bit_of = {s: (i // _BITS, 1 << (i % _BITS)) for i, s in enumerate(stage_ids)}
        if bit_of:
            conn.execute(insert(tmp["bits"]), [{"stage_id": s, "word": w, "val": v} for s, (w, v) in bit_of.items()])
        run = conn.execute
        run(text(f"""INSERT INTO tmp_lead_ev (lead_id, stage_id, at, rn, next_at, day, next_day, m, next_m)
            SELECT x.lead_id, x.stage_id, x.at, x.rn, x.next_at, {_day('x.at')},
                   CASE WHEN x.next_at IS NULL THEN NULL ELSE {_day('x.next_at')} END,
                   {_micro(d, 'x.at')}, {_micro(d, 'x.next_at')}
            FROM (SELECT e.lead_id, e.to_stage_id AS stage_id, e.at,
                         row_number() OVER (PARTITION BY e.lead_id ORDER BY e.at, e.id) AS rn,
                         lead(e.at) OVER (PARTITION BY e.lead_id ORDER BY e.at, e.id) AS next_at
                  FROM lead_events e) x"""))
        run(text(f"""INSERT INTO tmp_lead_dims (lead_id, created_at, owner_id, source, product_id, dept, day, m)
            SELECT l.id, l.created_at, COALESCE(l.owner_id, 0), COALESCE(l.source, ''), COALESCE(l.product_id, 0),
                   m.department_id, {_day('l.created_at')}, {_micro(d, 'l.created_at')}
            FROM leads l LEFT JOIN members m ON m.id = l.owner_id"""))
        ws = [f"w{i}" for i in range(words)]
        run(text(f"""INSERT INTO tmp_lead_masks (lead_id, {', '.join(ws)})
            SELECT s.lead_id, {', '.join(f'CAST(SUM(CASE WHEN b.word = {i} THEN b.val ELSE 0 END) AS BIGINT)'
                                         for i in range(words))}
            FROM (SELECT DISTINCT lead_id, stage_id FROM tmp_lead_ev) s
            JOIN tmp_lead_bits b ON b.stage_id = s.stage_id GROUP BY s.lead_id"""))
        found = run(text(f"SELECT DISTINCT {', '.join(ws)} FROM tmp_lead_masks")).all()
        if found:
            rows = []
            for mask in found:
                ids = [s for s, (w, v) in bit_of.items() if int(mask[w]) & v]
                rows.append({**{f"w{i}": int(mask[i]) for i in range(words)}, "sig": signature(ids)})
            conn.execute(insert(sigs), rows)
        cols = "lead_id, metric, stage_id, sig, at, bucket, seconds, owner_id, source, product_id, day, dept"
        dims = "t.owner_id, t.source, t.product_id"
        seconds = "CAST({} AS DOUBLE PRECISION) / CAST(1000000 AS DOUBLE PRECISION)"
        if d == "sqlite":
            seconds = "CAST({} AS REAL) / 1000000.0"
        for select_ in (
                f"SELECT t.lead_id, 'cohort', 0, '', t.created_at, 0, 0.0, {dims}, t.day, t.dept FROM tmp_lead_dims t",
                f"""SELECT t.lead_id, 'set', 0, COALESCE(g.sig, ''), t.created_at, 0, 0.0, {dims}, t.day, t.dept
                    FROM tmp_lead_dims t LEFT JOIN tmp_lead_masks k ON k.lead_id = t.lead_id
                    LEFT JOIN tmp_lead_sigs g ON {' AND '.join(f'g.{w} = k.{w}' for w in ws)}""",
                f"""SELECT x.lead_id, 'entries', x.stage_id, '', x.at, COALESCE(x.prev, 0), 0.0, {dims}, x.day, t.dept
                    FROM (SELECT y.lead_id, y.stage_id, y.day, y.at,
                                 lag(y.day) OVER (PARTITION BY y.lead_id, y.stage_id ORDER BY y.day) AS prev
                          FROM (SELECT lead_id, stage_id, day, MIN(at) AS at FROM tmp_lead_ev
                                GROUP BY lead_id, stage_id, day) y) x
                    JOIN tmp_lead_dims t ON t.lead_id = x.lead_id""",
                f"""SELECT e.lead_id, 'stay', e.stage_id, '', e.next_at, {_bucket('e.next_m - e.m')},
                           {seconds.format('e.next_m - e.m')}, {dims}, e.next_day, t.dept
                    FROM tmp_lead_ev e JOIN tmp_lead_dims t ON t.lead_id = e.lead_id WHERE e.next_at IS NOT NULL""",
                f"""SELECT t.lead_id, 'first', 0, '', t.created_at, {_bucket('e.m - t.m')},
                           {seconds.format('e.m - t.m')}, {dims}, t.day, t.dept
                    FROM tmp_lead_ev e JOIN tmp_lead_dims t ON t.lead_id = e.lead_id WHERE e.rn = 2"""):
            run(text(f"INSERT INTO tmp_lead_facts ({cols}) {select_}"))
        # the facts: their indexes dropped while the rows go in, built once after
        indexes = inspect(conn).get_indexes("lead_facts")  # those of the database's revision
        for ix in indexes:
            run(text(f"DROP INDEX {ix['name']}"))
        run(delete(LeadFact))
        run(text("""INSERT INTO lead_facts (lead_id, metric, stage_id, sig, at, bucket, seconds, owner_id, source,
                                                product_id)
            SELECT lead_id, metric, stage_id, sig, at, bucket, seconds, owner_id, source, product_id
            FROM tmp_lead_facts ORDER BY lead_id"""))
        for ix in indexes:
            run(text(f"CREATE {'UNIQUE ' if ix['unique'] else ''}INDEX {ix['name']} ON lead_facts "
                     f"({', '.join(ix['column_names'])})"))
        run(delete(LeadCount))
        # the owners' rows at the finest level (days, or months), with the owner's department: one sort of the facts;
        # the team's, the departments' and the months' rows are summed from these smaller rows
        fine = "t.day" if days else "t.day / 100"
        per_owner = "t.metric IN ('stay', 'first')"
        run(text(f"""INSERT INTO tmp_lead_own (period, metric, owner_id, source, product_id, stage_id, sig, bucket,
                                               dept, n)
            SELECT {fine}, t.metric, t.owner_id, CASE WHEN {per_owner} THEN '' ELSE t.source END,
                   CASE WHEN {per_owner} THEN 0 ELSE t.product_id END, t.stage_id, t.sig, t.bucket, t.dept, COUNT(*)
            FROM tmp_lead_facts t GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"""))
        into = "INSERT INTO lead_counts (month, metric, owner_id, source, product_id, stage_id, sig, bucket, n) "
        dept = "t.dept IS NOT NULL AND t.owner_id <> 0"
        tail = "t.stage_id, t.sig, t.bucket, SUM(t.n) FROM tmp_lead_own t"
        run(text(into + "SELECT period, metric, owner_id, source, product_id, stage_id, sig, bucket, n FROM tmp_lead_own"))
        run(text(into + f"SELECT t.period, t.metric, -1, '', 0, {tail} GROUP BY 1, 2, 6, 7, 8"))
        run(text(into + f"SELECT t.period, t.metric, -1 - t.dept, '', 0, {tail} WHERE {dept} GROUP BY 1, 2, 3, 6, 7, 8"))
        if days:  # the month rows from the day rows
            run(text(into + f"""SELECT t.period / 100, t.metric, t.owner_id, t.source, t.product_id, {tail}
                                GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"""))
            run(text(into + """SELECT t.month / 100, t.metric, t.owner_id, '', 0, t.stage_id, t.sig, t.bucket, SUM(t.n)
                               FROM lead_counts t WHERE t.owner_id < 0 AND t.month >= 10000000
                               GROUP BY 1, 2, 3, 6, 7, 8"""))
        # entered: once per lead, stage and month (what one whole month reads)
        run(text("""INSERT INTO tmp_lead_ent (lead_id, month, stage_id, owner_id, source, product_id, dept)
            SELECT DISTINCT t.lead_id, t.day / 100, t.stage_id, t.owner_id, t.source, t.product_id, t.dept
            FROM tmp_lead_facts t WHERE t.metric = 'entries'"""))
        tail = "t.stage_id, '', 0, COUNT(*) FROM tmp_lead_ent t"
        run(text(into + f"SELECT t.month, 'entered', t.owner_id, t.source, t.product_id, {tail} GROUP BY 1, 3, 4, 5, 6"))
        run(text(into + f"SELECT t.month, 'entered', -1, '', 0, {tail} GROUP BY 1, 6"))
        run(text(into + f"SELECT t.month, 'entered', -1 - t.dept, '', 0, {tail} WHERE {dept} GROUP BY 1, 3, 6"))
        return int(conn.scalar(select(func.count()).select_from(LeadCount)) or 0)
    finally:
        md.drop_all(conn, checkfirst=True)
