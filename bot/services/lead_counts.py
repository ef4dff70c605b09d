"""The /funnel month counters (``lead_counts``): kept in the transaction of every lead creation, stage change and
take, read by :meth:`bot.services.leads.LeadService.funnel` for a whole month in the team's time zone, and
rebuilt from ``leads`` and ``lead_events`` (the migration's backfill, ``python -m bot rebuild-stats``).

A lead's rows are :func:`bot.domain.funnel.contributions` of its path, under its owner, source and product (stays
and first changes under its owner only), and again under the whole team (owner -1) and its owner's department
(owner -1 - department id). A write computes the lead's rows before and after and adds the difference, like
:func:`bot.services.stats.record_unit_change` for units, and replaces the lead's facts (``lead_facts``: what the counters sum,
at their instants: the days of a period that are not whole months, the exact durations the medians are read from). A member changing department moves their rows (:func:`move_owner`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import funnel as fn
from models import leads_repo as repo
from models.leads import Lead, LeadEvent
from models.org import Member
from models.stats import StatsMeta

META_KEY = "lead_counts_tz"
PAGE = 2000
#: (month, metric, owner id, source, product id, stage id, signature, bucket)
Key = tuple[int, str, int, str, int, int, str, int]
_PER_OWNER = (fn.STAY, fn.FIRST)
#: the owner id of the rows summed over the whole team: an admin's /funnel reads a few hundred rows, not every
#: owner's histograms
EVERYONE = -1


def department_key(department_id: int) -> int:
    """The owner id of a department's rows (its members' leads): -2 for department 1, -3 for 2..."""
    return -1 - department_id


def month_of(tz: str) -> Callable[[datetime], int]:
    zone = ZoneInfo(tz)

    def month(at: datetime) -> int:
        local = at.astimezone(zone)
        return local.year * 100 + local.month

    return month


def day_of(tz: str) -> Callable[[datetime], int]:
    zone = ZoneInfo(tz)

    def day(at: datetime) -> int:
        local = at.astimezone(zone)
        return local.year * 10000 + local.month * 100 + local.day

    return day


def lead_rows(path: fn.Path, tz: str, department_id: int | None = None, *, days: bool = True) -> Counter[Key]:
    """A lead's counter rows (its path, owner, source and product; ``department_id``: its owner's department): the
    month rows (``month`` yyyymm) and, with ``days``, the day rows (``month`` holding the day, yyyymmdd: the same
    facts summed by day, without *entered*), from which a period's partial months are read."""
    owner, source, product = path.owner_id or 0, path.source or "", path.product_id or 0
    out: Counter[Key] = Counter()
    day = day_of(tz)

    def add(period: int, metric: str, stage_id: int, sig: str, b: int, n: int) -> None:
        dims = (owner, "", 0) if metric in _PER_OWNER else (owner, source, product)
        out[(period, metric, *dims, stage_id, sig, b)] += n
        out[(period, metric, EVERYONE, "", 0, stage_id, sig, b)] += n  # the whole team's (an admin's /funnel)
        if department_id is not None and path.owner_id:  # the owner's department's (a manager's /funnel)
            out[(period, metric, department_key(department_id), "", 0, stage_id, sig, b)] += n

    for (month, metric, stage_id, sig, b), n in fn.contributions(path, month_of(tz), day).items():
        add(month, metric, stage_id, sig, b, n)
    if days:
        for metric, stage_id, sig, at, b, _ in fn.facts(path, day):
            add(day(at), metric, stage_id, sig, b, 1)
    return out


def is_day(period: int) -> bool:
    """A counter row's ``month`` holds a day (yyyymmdd), not a month (yyyymm)."""
    return period >= 10_000_000


def fact_rows(path: fn.Path, tz: str) -> list[dict]:
    """The lead's ``lead_facts`` rows."""
    dims = {"owner_id": path.owner_id or 0, "source": path.source or "", "product_id": path.product_id or 0}
    return [{"lead_id": path.lead_id, "metric": m, "stage_id": st, "sig": sig, "at": at, "bucket": b,
             "seconds": sec, **dims} for m, st, sig, at, b, sec in fn.facts(path, day_of(tz))]


async def _path(session: AsyncSession, lead_id: int) -> tuple[fn.Path, int | None] | None:
    await session.flush()
    found = await repo.lead_path(session, lead_id)
    if found is None:
        return None
    (lid, created, owner, source, product, department), steps = found
    return fn.Path(lid, _aware(created), tuple((s, _aware(at)) for s, at in steps), owner, source,
                   product), department


async def facts(session: AsyncSession, tz: str, lead_id: int) -> Counter[Key]:
    """What the lead contributes now (read in the caller's transaction; flushed changes included)."""
    found = await _path(session, lead_id)
    return Counter() if found is None else lead_rows(found[0], tz, found[1])


async def record(session: AsyncSession, tz: str, lead_id: int, before: Counter[Key] | None) -> None:
    """Move the counters from ``before`` (the lead's rows before the change; ``None``: a new lead) to what the
    lead contributes now, and replace its facts, in the caller's transaction."""
    found = await _path(session, lead_id)
    after = Counter() if found is None else lead_rows(found[0], tz, found[1])
    diff: Counter[Key] = Counter(after)
    diff.subtract(before or Counter())
    await repo.bump_counts(session, {k: n for k, n in diff.items() if n})
    await repo.replace_facts(session, lead_id, fact_rows(found[0], tz) if found is not None else [])


async def move_owner(session: AsyncSession, member_id: int, old: int | None, new: int | None) -> None:
    """A member changed department (``old`` → ``new``, ``None``: none): their leads' rows leave the old
    department's rows and join the new one's, in the caller's transaction (month and day rows: tens of thousands
    for a busy owner, so one ``INSERT … SELECT … ON CONFLICT`` per department, not a statement per row)."""
    if old == new:
        return
    if old is not None:
        await repo.add_owner_rows(session, member_id, department_key(old), -1)
    if new is not None:
        await repo.add_owner_rows(session, member_id, department_key(new), 1)


async def counts_timezone(session: AsyncSession) -> str | None:
    return await session.scalar(select(StatsMeta.value).where(StatsMeta.key == META_KEY))


# -- rebuild ---------------------------------------------------------------------------------------------------------
def recount(conn: Connection, tz: str, progress: Callable[[int], None] | None = None,
            on_facts: Callable[[list[dict]], None] | None = None, *, days: bool = True) -> Counter[Key]:
    """Every counter row computed in Python from ``leads``, ``lead_events`` and the owners' departments, lead by
    lead (the reference :func:`rebuild_sync` is tested against); each page's ``lead_facts`` rows are passed to
    ``on_facts`` when given."""
    out: Counter[Key] = Counter()
    last = 0
    while True:
        leads = conn.execute(select(Lead.id, Lead.created_at, Lead.owner_id, Lead.source, Lead.product_id,
                                    Member.department_id)
                             .outerjoin(Member, Member.id == Lead.owner_id)
                             .where(Lead.id > last).order_by(Lead.id).limit(PAGE)).all()
        if not leads:
            return out
        last = leads[-1][0]
        steps: dict[int, list] = {}
        for lead_id, stage_id, at in conn.execute(
                select(LeadEvent.lead_id, LeadEvent.to_stage_id, LeadEvent.at)
                .where(LeadEvent.lead_id >= leads[0][0], LeadEvent.lead_id <= last)
                .order_by(LeadEvent.lead_id, LeadEvent.at, LeadEvent.id)):
            steps.setdefault(lead_id, []).append((stage_id, _aware(at)))
        page: list[dict] = []
        for lead_id, created, owner, source, product, department in leads:
            path = fn.Path(lead_id, _aware(created), tuple(steps.get(lead_id, ())), owner, source, product)
            out.update(lead_rows(path, tz, department, days=days))
            if on_facts is not None:
                page.extend(fact_rows(path, tz))
        if on_facts is not None and page:
            on_facts(page)
        if progress is not None:
            progress(len(leads))


def _aware(at: datetime) -> datetime:
    from datetime import UTC

    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def rebuild_sync(conn: Connection, tz: str, progress: Callable[[int], None] | None = None, *,
                 days: bool = True) -> int:
    """Replace every lead counter and fact by a recount, set-based (a few ``INSERT … SELECT`` in the caller's
    transaction, also in a migration): the same rows as :func:`recount` and :func:`fact_rows` lead by lead
    (``tests/test_lead_counts.py`` compares them), in seconds at 200,000 leads instead of minutes. ``days``:
    the day rows too (migration 0018 builds the month rows only). Returns the counter rows written."""
    from bot.services import lead_rebuild

    written = lead_rebuild.rebuild(conn, tz, days=days)
    if progress is not None:
        progress(written)
    conn.execute(delete(StatsMeta).where(StatsMeta.key == META_KEY))
    conn.execute(insert(StatsMeta), [{"key": META_KEY, "value": tz}])
    return written


def write_rows(counts: Counter[Key]) -> list[dict]:
    cols = ("month", "metric", "owner_id", "source", "product_id", "stage_id", "sig", "bucket")
    return [{**dict(zip(cols, k, strict=True)), "n": n} for k, n in sorted(counts.items()) if n]


async def rebuild_in(session: AsyncSession, tz: str) -> int:
    conn = await session.connection()
    return await conn.run_sync(rebuild_sync, tz)


def stored(rows: Iterable) -> Counter[Key]:
    """Counter rows as read back (tests compare them with :func:`recount`)."""
    return Counter({tuple(r[:8]): r[8] for r in rows if r[8]})
