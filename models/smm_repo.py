"""Queries of the SMM feature (never commits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.org import Member
from models.reporting import Project
from models.smm import SmmAccount, SmmWeek

FIGURES = ("followers", "posts", "likes", "comments", "saves", "shares", "reach", "views", "interactions")


def figures_of(w: SmmWeek) -> dict[str, int | None]:
    return {f: getattr(w, f) for f in FIGURES}


async def account_by_id(session: AsyncSession, account_id: int) -> SmmAccount | None:
    return await session.get(SmmAccount, account_id)


async def find_account(session: AsyncSession, project_id: int, network: str, handle: str) -> SmmAccount | None:
    return await session.scalar(select(SmmAccount).where(
        SmmAccount.project_id == project_id, SmmAccount.network == network, SmmAccount.handle == handle))


async def accounts(session: AsyncSession, *, department_ids: Sequence[int] | None = None,
                   responsible_id: int | None = None, include_archived: bool = False,
                   project_id: int | None = None) -> list[tuple[SmmAccount, Project, Member]]:
    """Accounts with their project and responsible member: all (``department_ids`` None), those whose
    responsible member is in one of ``department_ids``, one member's, or one project's."""
    q = (select(SmmAccount, Project, Member).join(Project, Project.id == SmmAccount.project_id)
         .join(Member, Member.id == SmmAccount.responsible_id)
         .order_by(func.lower(Project.name), SmmAccount.id))
    if not include_archived:
        q = q.where(SmmAccount.archived.is_(False))
    if department_ids is not None:
        q = q.where(Member.department_id.in_(list(department_ids)))
    if responsible_id is not None:
        q = q.where(SmmAccount.responsible_id == responsible_id)
    if project_id is not None:
        q = q.where(SmmAccount.project_id == project_id)
    return [(a, p, m) for a, p, m in (await session.execute(q)).all()]


async def account_summaries(session: AsyncSession, *, department_ids: Sequence[int] | None = None,
                            responsible_id: int | None = None):
    """Open accounts as plain rows (``id, name, week_end, project, responsible, responsible_id, start_date,
    responsible_tz``), for screens over many accounts (``/stats all``, the weekly SMM section): no ORM objects."""
    q = (select(SmmAccount.id, SmmAccount.name, SmmAccount.week_end, Project.name.label("project"),
                Member.display_name.label("responsible"), Member.id.label("responsible_id"),
                SmmAccount.start_date, Member.timezone.label("responsible_tz"))
         .join(Project, Project.id == SmmAccount.project_id).join(Member, Member.id == SmmAccount.responsible_id)
         .where(SmmAccount.archived.is_(False)).order_by(func.lower(Project.name), SmmAccount.id))
    if department_ids is not None:
        q = q.where(Member.department_id.in_(list(department_ids)))
    if responsible_id is not None:
        q = q.where(SmmAccount.responsible_id == responsible_id)
    return list((await session.execute(q)).all())


async def account_by_chat(session: AsyncSession, chat_id: int, username: str | None) -> list[SmmAccount]:
    """Telegram-channel accounts that are this chat (by id once known, else by the channel's username)."""
    q = select(SmmAccount).where(SmmAccount.network == "telegram", SmmAccount.archived.is_(False))
    by_id = list(await session.scalars(q.where(SmmAccount.chat_id == chat_id)))
    if by_id or not username:
        return by_id
    return list(await session.scalars(q.where(SmmAccount.handle == username.lower(), SmmAccount.chat_id.is_(None))))


async def channel_accounts(session: AsyncSession) -> list[SmmAccount]:
    return list(await session.scalars(select(SmmAccount).where(
        SmmAccount.archived.is_(False), SmmAccount.chat_id.is_not(None), SmmAccount.channel_status == "admin")))


async def week(session: AsyncSession, account_id: int, week_end: date) -> SmmWeek | None:
    return await session.scalar(select(SmmWeek).where(SmmWeek.account_id == account_id,
                                                      SmmWeek.week_end == week_end))


async def weeks(session: AsyncSession, account_ids: Sequence[int], first: date, last: date) -> list[SmmWeek]:
    """Weeks ending in ``first..last`` of these accounts (all accounts when there are many: the caller filters)."""
    q = select(SmmWeek).where(SmmWeek.week_end >= first, SmmWeek.week_end <= last)
    ids = list(account_ids)
    if len(ids) <= 64:
        q = q.where(SmmWeek.account_id.in_(ids))
    wanted = set(ids)
    return [w for w in await session.scalars(q.order_by(SmmWeek.week_end)) if w.account_id in wanted]


#: the figures the rates and growth need (covered by ``ix_smm_weeks_week_end``)
RATE_FIGURES = ("followers", "likes", "comments", "saves", "shares", "reach")


async def week_figures(session: AsyncSession, account_ids: Sequence[int], first: date, last: date,
                       figures: Sequence[str] = FIGURES) -> dict[int, dict[date, dict[str, int | None]]]:
    """account id → week end → figures, for the weeks ending in ``first..last`` (plain tuples: no ORM rows);
    ``figures=RATE_FIGURES`` reads the index only."""
    cols = [getattr(SmmWeek, f) for f in figures]
    q = select(SmmWeek.account_id, SmmWeek.week_end, *cols).where(SmmWeek.week_end >= first,
                                                                  SmmWeek.week_end <= last)
    ids = list(account_ids)
    if len(ids) <= 64:
        q = q.where(SmmWeek.account_id.in_(ids))
    wanted = set(ids)
    out: dict[int, dict[date, dict[str, int | None]]] = {i: {} for i in ids}
    for row in (await session.execute(q)).all():
        if row[0] in wanted:
            out[row[0]][row[1]] = dict(zip(figures, row[2:], strict=True))
    return out


async def reported_weeks(session: AsyncSession, account_ids: Sequence[int], week_ends: Sequence[date]
                         ) -> set[tuple[int, date]]:
    """(account, week end) pairs that have a report, among these accounts and weeks."""
    if not account_ids or not week_ends:
        return set()
    q = select(SmmWeek.account_id, SmmWeek.week_end).where(SmmWeek.week_end.in_(sorted(set(week_ends))))
    ids = set(account_ids)
    return {(a, d) for a, d in (await session.execute(q)).all() if a in ids}


async def reported_at(session: AsyncSession, account_ids: Sequence[int], first: date, last: date
                      ) -> dict[tuple[int, date], datetime]:
    """(account, week end) → when the week was first reported, for the weeks ending in ``first..last``."""
    q = select(SmmWeek.account_id, SmmWeek.week_end, SmmWeek.reported_at).where(SmmWeek.week_end >= first,
                                                                                SmmWeek.week_end <= last)
    ids = list(account_ids)
    if len(ids) <= 64:
        q = q.where(SmmWeek.account_id.in_(ids))
    wanted = set(ids)
    return {(a, d): at for a, d, at in (await session.execute(q)).all() if a in wanted}
