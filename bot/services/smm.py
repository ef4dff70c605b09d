"""SMM accounts and their weekly figures: /accounts, the weekly form (/smm and the scheduled one), /stats.

Who may do what is :func:`bot.access.may_manage_account` (managers over the responsible member's department,
admins) and :func:`bot.access.may_report_account` (also the responsible member); every method re-checks with the
ids it gets, so a forged button changes nothing. The rules and metrics are :mod:`bot.domain.smm`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from bot import access
from bot.domain import smm as rules
from bot.domain.workdays import local_today, public_holidays
from bot.errors import NotAllowed, UserError
from bot.parsing import parse_day, parse_id
from bot.services.base import Service
from models import org_repo, reporting_repo
from models import smm_repo as repo
from models.org import Member
from models.reporting import Project
from models.smm import FORM, IMPORT, SmmAccount, SmmWeek

STATS_WEEKS = 8
#: the largest sheet taken (Telegram lets bots download up to 20 MB)
IMPORT_MAX_BYTES = 20 * 1024 * 1024
IMPORT_TYPES = (".csv", ".xlsx")
NAME_MAX = 100
OLDEST = date(2000, 1, 1)

Figures = dict[str, int | None]


@dataclass(slots=True)
class AccountView:
    account: SmmAccount
    project: Project
    responsible: Member


@dataclass(slots=True)
class WeekForm:
    view: AccountView
    week_end: date
    saved: Figures  # what the week holds now ({} when not reported)
    hints: Figures  # last week's figures ({} when none)
    counted: int | None = None  # followers counted by the bot in the channel (Telegram channels)

    @property
    def account(self) -> SmmAccount:
        return self.view.account


@dataclass(slots=True)
class SaveResult:
    saved: bool
    warnings: list[str] = field(default_factory=list)
    changed: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    created: bool = False


@dataclass(slots=True)
class ImportResult:
    saved: bool
    created: int = 0
    replaced: int = 0
    conflicts: list[date] = field(default_factory=list)  # weeks that have figures already (asked to replace)
    errors: list[rules.CellError] = field(default_factory=list)
    rows: int = 0


def read_sheet(data: bytes, filename: str) -> list[list[object]]:
    """The cells of a CSV (UTF-8 or Windows-1251; comma, semicolon or tab) or of an XLSX file's first sheet, row by
    row. A file that cannot be read is ``UserError("smm-import-unreadable")``."""
    name = (filename or "").lower()
    if len(data) > IMPORT_MAX_BYTES:
        raise UserError("smm-import-too-big", mb=IMPORT_MAX_BYTES // (1024 * 1024))
    if name.endswith(".xlsx"):
        import zipfile

        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise UserError("smm-import-unreadable", name=filename[:60]) from exc
        try:
            sheet = book.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(list(row))
                if len(rows) > rules.IMPORT_MAX_ROWS + 10:
                    raise UserError("smm-import-too-many", n=rules.IMPORT_MAX_ROWS)
            return rows
        finally:
            book.close()
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "cp1251"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UserError("smm-import-unreadable", name=filename[:60])
        first = text.split("\n", 1)[0]
        delimiter = max((";", ",", "\t"), key=first.count)
        rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
        if len(rows) > rules.IMPORT_MAX_ROWS + 10:
            raise UserError("smm-import-too-many", n=rules.IMPORT_MAX_ROWS)
        return [[c if c.strip() else None for c in r] for r in rows]
    raise UserError("smm-import-type", name=filename[:60])


EXPORT_COLUMNS = ("project", "account", "network", "handle", "responsible", "week_end", *rules.FIELDS,
                  "interactions_total", "er_reach", "er_followers", "growth", "growth_pct")


def export_files(rows: list[ExportRow], titles: dict[str, str]) -> tuple[bytes, bytes]:
    """``/export smm``: the rows as CSV (UTF-8 with BOM, ``;``, for spreadsheets) and XLSX (shares as numbers with a
    percent format). ``titles``: column → its translated title."""
    from openpyxl import Workbook

    header = [titles.get(c, c) for c in EXPORT_COLUMNS]

    def values(r: ExportRow) -> list[object]:
        a = r.view.account
        return [r.view.project.name, a.name, a.network, a.handle, r.view.responsible.display_name, r.week_end,
                *(r.figures.get(f) for f in rules.FIELDS), r.interactions, r.er, r.er_followers, r.growth,
                r.growth_pct]

    text = io.StringIO()
    out = csv.writer(text, delimiter=";")
    out.writerow(header)
    for r in rows:
        out.writerow(["" if v is None else (f"{v:.4f}" if isinstance(v, float) else v) for v in values(r)])
    book = Workbook(write_only=True)
    sheet = book.create_sheet("SMM")
    sheet.append(header)
    for r in rows:
        sheet.append(values(r))
    xlsx = io.BytesIO()
    book.save(xlsx)
    return text.getvalue().encode("utf-8-sig"), xlsx.getvalue()


@dataclass(slots=True)
class StatsView:
    view: AccountView
    ends: list[date]
    weeks: list[Figures | None]
    er: list[float | None]
    er_followers: list[float | None]
    growth: list[int | None]
    growth_pct: list[float | None]
    er_average: list[float | None]  # the 4-week moving average of ER by reach


@dataclass(slots=True)
class SmmDigest:
    """The weekly SMM section of a manager's scope. Each account's week is the latest one whose report was due
    (its first working day after the week's end has passed): ``on_time`` reported by then, ``late`` after,
    ``missing`` not at all."""

    rows: list[StatsRow]
    on_time: list[StatsRow]
    late: list[StatsRow]
    missing: list[StatsRow]
    best: list[StatsRow]
    worst: list[StatsRow]
    falls: list[StatsRow]
    er_prev: dict[int, float | None] = field(default_factory=dict)  # account → ER by reach the week before

    @property
    def reported(self) -> list[StatsRow]:
        return self.on_time + self.late

    @property
    def week(self) -> date:
        return max(r.week_end for r in self.rows)


@dataclass(slots=True)
class TeamRow:
    """One responsible member's month (``/team smm``)."""

    member: Member
    accounts: int
    due: int  # weeks ended in the month (after the accounts' start)
    on_time: int  # reported by the end of the first working day after the week's end
    late: int
    missing: int
    er_change: float | None  # median week-over-week change of their accounts' ER by reach


@dataclass(slots=True)
class ExportRow:
    view: AccountView
    week_end: date
    figures: Figures
    interactions: int | None
    er: float | None
    er_followers: float | None
    growth: int | None
    growth_pct: float | None


@dataclass(slots=True)
class StatsRow:
    account_id: int
    name: str
    project: str
    responsible: str
    week_end: date
    er: float | None
    growth: int | None
    growth_pct: float | None
    flags: rules.WeekFlags
    er_change: float | None = None  # week over week


class SmmService(Service):
    def tz(self, member: Member) -> str:
        return member.timezone or self.settings.timezone

    def today(self, member: Member) -> date:
        return local_today(self.clock.now(), self.tz(member))

    # -- loading and checks ----------------------------------------------------------------------------------
    async def _view(self, account_id: int) -> AccountView:
        account = await repo.account_by_id(self.session, account_id)
        if account is None:
            raise UserError("smm-account-not-found", id=account_id)
        project = await reporting_repo.project_by_id(self.session, account.project_id)
        responsible = await org_repo.member_by_id(self.session, account.responsible_id)
        assert project is not None and responsible is not None
        return AccountView(account, project, responsible)

    async def _managed(self, actor: Member, account_id: int) -> AccountView:
        view = await self._view(account_id)
        if not access.may_manage_account(actor, view.responsible.department_id, await self.managed_ids(actor)):
            raise NotAllowed()
        return view

    async def reportable(self, actor: Member, account_id: int) -> AccountView:
        """The account, if ``actor`` may fill and see its figures (else ``NotAllowed``)."""
        view = await self._view(account_id)
        if not access.may_report_account(actor, view.responsible.id, view.responsible.department_id,
                                         await self.managed_ids(actor)):
            raise NotAllowed()
        return view

    async def _responsible(self, actor: Member, ref: str) -> Member:
        """A team member named by ``@username`` or id, whom ``actor`` may put in charge of an account."""
        ref = (ref or "").strip()
        member = None
        if ref.startswith("@") and len(ref) > 1:
            member = await self.session.scalar(select(Member).where(
                func.lower(Member.username) == ref[1:].lower(), Member.role != "client"))
        else:
            member = await org_repo.member_by_id(self.session, parse_id(ref))
        if member is None or not member.active or access.is_client(member):
            raise UserError("smm-member-not-found", ref=ref)
        if not access.may_manage_account(actor, member.department_id, await self.managed_ids(actor)):
            raise UserError("smm-member-out-of-scope", name=member.display_name)
        return member

    @staticmethod
    def _handle(network: str, text: str) -> str:
        try:
            return rules.normalize_handle(network, text)
        except rules.HandleError as exc:
            raise UserError(f"smm-handle-{exc.code}", network=rules.NETWORK_NAMES[network],
                            example=rules.EXAMPLES[network]) from exc

    @staticmethod
    def _name(text: str) -> str:
        name = " ".join((text or "").split())
        if not name:
            raise UserError("smm-name-empty")
        if len(name) > NAME_MAX:
            raise UserError("error-too-long", limit=NAME_MAX)
        return name

    # -- accounts --------------------------------------------------------------------------------------------
    async def _in_scope(self, actor: Member, read, account_id) -> list:
        """The rows ``read`` (``repo.accounts`` or ``repo.account_summaries``) gives for the accounts ``actor``
        sees (:func:`bot.access.smm_scope`: their departments' and their own), each account once."""
        departments, own = access.smm_scope(actor, await self.managed_ids(actor))
        rows = [] if departments == [] else list(await read(self.session, department_ids=departments))
        if own and departments is not None:
            seen = {account_id(r) for r in rows}
            rows += [r for r in await read(self.session, responsible_id=actor.id) if account_id(r) not in seen]
        return rows

    async def accounts(self, actor: Member) -> list[AccountView]:
        """Accounts ``actor`` sees (:func:`bot.access.smm_scope`): managers their departments' members' and their
        own, admins all; a writer the accounts they are responsible for."""
        rows = await self._in_scope(actor, repo.accounts, lambda r: r[0].id)
        return [AccountView(a, p, m) for a, p, m in rows]

    async def add_account(self, actor: Member, key: str | None, project_ref: str, network_text: str,
                          handle_text: str, responsible_ref: str, weekday_text: str | None = None,
                          start_text: str | None = None) -> tuple[AccountView, bool]:
        self.require_manager(actor)
        project = await reporting_repo.project_by_id(self.session, parse_id(project_ref))
        if project is None or project.archived:
            raise UserError("smm-project-not-found", ref=project_ref)
        try:
            network = rules.parse_network(network_text)
        except rules.HandleError as exc:
            raise UserError("smm-network-unknown", text=network_text[:20],
                            networks=", ".join(rules.NETWORKS)) from exc
        handle = self._handle(network, handle_text)
        responsible = await self._responsible(actor, responsible_ref)
        weekday = rules.SUNDAY
        if weekday_text:
            found = rules.parse_weekday(weekday_text)
            if found is None:
                raise UserError("smm-weekday-invalid", text=weekday_text[:20])
            weekday = found
        start = self.today(actor)
        if start_text:
            start = parse_day(start_text)

        async def create(s) -> int:
            if await repo.find_account(s, project.id, network, handle) is not None:
                raise UserError("smm-account-exists", handle=handle)
            now = self.clock.now()
            account = SmmAccount(project_id=project.id, network=network, handle=handle,
                                 name=rules.default_name(network, handle)[:NAME_MAX],
                                 responsible_id=responsible.id, week_end=weekday, start_date=start, archived=False,
                                 created_by=actor.id, created_at=now)
            s.add(account)
            await s.flush()
            org_repo.audit(s, actor_id=actor.id, action="smm_account_add", object_type="smm_account",
                           object_id=account.id, at=now, project=project.id, network=network, handle=handle,
                           responsible=responsible.id)
            return account.id

        account_id, created = await self.create_once(key, "smm_account", create)
        assert account_id is not None
        return await self._view(account_id), created

    async def rename(self, actor: Member, account_id: int, name_text: str) -> AccountView:
        name = self._name(name_text)
        view = await self._managed(actor, account_id)
        async with self.db.writing(self.session) as s:
            old, view.account.name = view.account.name, name
            org_repo.audit(s, actor_id=actor.id, action="smm_account_rename", object_type="smm_account",
                           object_id=account_id, at=self.clock.now(), before=old, after=name)
        return view

    async def reassign(self, actor: Member, account_id: int, responsible_ref: str) -> AccountView:
        view = await self._managed(actor, account_id)
        member = await self._responsible(actor, responsible_ref)
        async with self.db.writing(self.session) as s:
            old, view.account.responsible_id = view.account.responsible_id, member.id
            org_repo.audit(s, actor_id=actor.id, action="smm_account_reassign", object_type="smm_account",
                           object_id=account_id, at=self.clock.now(), before=old, after=member.id)
        view.responsible = member
        return view

    async def archive(self, actor: Member, account_id: int, archived: bool = True) -> AccountView:
        view = await self._managed(actor, account_id)
        if view.account.archived != archived:
            async with self.db.writing(self.session) as s:
                view.account.archived = archived
                org_repo.audit(s, actor_id=actor.id, action="smm_account_archive" if archived else
                               "smm_account_restore", object_type="smm_account", object_id=account_id,
                               at=self.clock.now())
        return view

    # -- the weekly form -------------------------------------------------------------------------------------
    def last_week(self, account: SmmAccount, member: Member) -> date:
        """The latest week of the account that has ended (in ``member``'s time zone)."""
        return rules.last_week_end(self.today(member), account.week_end)

    def _check_week(self, account: SmmAccount, actor: Member, week_end: date) -> None:
        if week_end.weekday() != account.week_end or not OLDEST <= week_end <= self.last_week(account, actor):
            raise UserError("smm-week-invalid", day=week_end.strftime("%d.%m.%Y"),
                            last=self.last_week(account, actor).strftime("%d.%m.%Y"))

    async def form(self, actor: Member, account_id: int, week_end: date | None = None, *,
                   exact: bool = False) -> WeekForm:
        """The week's form (the latest ended week by default); a typed day means its week, a button's day
        (``exact``) must be one of the account's week ends."""
        view = await self.reportable(actor, account_id)
        if view.account.archived:
            raise UserError("smm-account-archived", name=view.account.name)
        if week_end is None:
            week_end = self.last_week(view.account, actor)
        else:
            if not exact:
                week_end = rules.week_end_of(week_end, view.account.week_end)
            self._check_week(view.account, actor, week_end)
        return await self.week_form(view, week_end)

    async def week_form(self, view: AccountView, week_end: date) -> WeekForm:
        found = await repo.week_figures(self.session, [view.account.id], week_end - timedelta(weeks=1), week_end)
        by_week = found.get(view.account.id, {})
        counted = None
        if view.account.channel_status == "admin" and view.account.channel_count is not None:
            counted = view.account.channel_count
        return WeekForm(view, week_end, by_week.get(week_end, {}), by_week.get(week_end - timedelta(weeks=1), {}),
                        counted)

    # -- import -----------------------------------------------------------------------------------------------
    async def import_sheet(self, actor: Member, account_id: int, rows: list[list[object]], *,
                           replace: bool = False) -> ImportResult:
        """Many weeks at once from a sheet's cells (:func:`read_sheet`): all rows or none. Any problem → the list
        of problems, nothing saved; weeks that have figures already → asked first (``replace``), and a replaced
        week's previous figures go to the audit log."""
        view = await self.reportable(actor, account_id)
        if view.account.archived:
            raise UserError("smm-account-archived", name=view.account.name)
        table = rules.read_table(rows, view.account.week_end, self.last_week(view.account, actor))
        if table.errors:
            return ImportResult(False, errors=table.errors, rows=len(table.weeks))
        ends = sorted(table.weeks)
        existing = {w.week_end: w for w in await repo.weeks(self.session, [account_id], ends[0], ends[-1])}
        conflicts = sorted(d for d in ends if d in existing)
        if conflicts and not replace:
            return ImportResult(False, conflicts=conflicts, rows=len(ends))
        now = self.clock.now()
        previous: dict[str, dict[str, int | None]] = {}
        fresh = [{"account_id": account_id, "week_end": end, "source": IMPORT, "reported_by": actor.id,
                  "reported_at": now, "updated_at": now, **{f: table.weeks[end].get(f) for f in rules.FIELDS}}
                 for end in ends if end not in existing]
        async with self.db.writing(self.session) as s:
            if fresh:  # one multi-row insert (thousands of weeks), no ORM objects
                await s.execute(insert(SmmWeek), fresh)
            for end in conflicts:
                figures = table.weeks[end]
                row = existing[end]
                before = repo.figures_of(row)
                changed = {k: before[k] for k, v in figures.items() if before[k] != v}
                if changed:
                    previous[end.isoformat()] = changed
                    for k, v in figures.items():
                        setattr(row, k, v)
                    row.source, row.updated_at = IMPORT, now
            org_repo.audit(s, actor_id=actor.id, action="smm_import", object_type="smm_account",
                           object_id=account_id, at=now, weeks=len(ends), first=ends[0].isoformat(),
                           last=ends[-1].isoformat(), replaced=previous)
        return ImportResult(True, created=len(ends) - len(conflicts), replaced=len(conflicts), rows=len(ends))

    async def digest(self, actor: Member) -> SmmDigest | None:
        """The weekly SMM section of a manager's scope (``None`` without accounts): for each open account the
        latest week whose report was due — the end of the first working day after the week's end (as ``/team
        smm`` counts it) has passed by the actor's today — who reported it on time, late or not at all, the three
        best and worst movers by week-over-week change of ER by reach, and the falls of more than SMM_DROP_SHARE
        (ER, reach or followers)."""
        rows = await self._scope_summaries(actor)
        today = self.today(actor)
        country = self.settings.holiday_country
        hol = public_holidays(today.year - 1, country) | public_holidays(today.year, country)
        due: dict[int, date] = {}
        for r in rows:
            end = rules.last_week_end(today, r.week_end)
            while rules.next_working_day(end, hol) >= today:
                end -= timedelta(weeks=1)
            if end >= r.start_date:
                due[r.id] = end
        rows = [r for r in rows if r.id in due]
        if not rows:
            return None
        first, last = min(due.values()) - timedelta(weeks=1), max(due.values())
        found = await repo.week_figures(self.session, list(due), first, last, repo.RATE_FIGURES)
        reported_at = await repo.reported_at(self.session, list(due), first, last)
        share = self.settings.smm_drop_share
        out: list[StatsRow] = []
        on_time, late, missing = [], [], []
        er_prev: dict[int, float | None] = {}
        for r in rows:
            end = due[r.id]
            cur, prev = found[r.id].get(end), found[r.id].get(end - timedelta(weeks=1))
            row = StatsRow(r.id, r.name, r.project, r.responsible, end, rules.er_reach(cur), rules.growth(prev, cur),
                           rules.growth_pct(prev, cur), rules.flags(prev, cur, share),
                           rules.change(rules.er_reach(prev), rules.er_reach(cur)))
            out.append(row)
            er_prev[r.id] = rules.er_reach(prev)
            at = reported_at.get((r.id, end))
            if cur is None or at is None:
                missing.append(row)
            elif local_today(at, r.responsible_tz or self.settings.timezone) <= rules.next_working_day(end, hol):
                on_time.append(row)
            else:
                late.append(row)
        moved = sorted((r for r in out if r.er_change is not None), key=lambda r: r.er_change or 0.0)
        best = [r for r in reversed(moved[-3:]) if (r.er_change or 0) > 0]
        worst = [r for r in moved[:3] if (r.er_change or 0) < 0]
        falls = [r for r in out if not r.flags.missing and r.flags.any]
        return SmmDigest(out, on_time, late, missing, best, worst, falls, er_prev)

    # -- the administrators' quality and the export ---------------------------------------------------------
    async def _month_weeks(self, actor: Member, month: date):
        """The accounts ``actor`` sees (:meth:`accounts`) and their weeks ending in ``month`` (and the week before
        each)."""
        views = await self.accounts(actor)
        first = month.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        found = await repo.week_figures(self.session, [v.account.id for v in views], first - timedelta(weeks=1),
                                        nxt - timedelta(days=1)) if views else {}
        return views, first, nxt - timedelta(days=1), found

    async def team(self, actor: Member, month: date) -> list[TeamRow]:
        """Per responsible member: weeks due in the month, reported on time / late / missing, accounts handled,
        the median week-over-week change of their accounts' ER by reach (the article's "quality of the
        administrator"). Over the accounts ``actor`` sees (:func:`bot.access.smm_scope`): a manager's scope's (and
        their own), everyone's for an admin, a writer's own (their row only, the dashboard's); ``/team smm`` itself
        is for managers (its handler's role flag)."""
        views, first, last, found = await self._month_weeks(actor, month)
        if not views:
            return []
        rows = await repo.weeks(self.session, [v.account.id for v in views], first, last)
        reported = {(w.account_id, w.week_end): w.reported_at for w in rows}
        country = self.settings.holiday_country
        hol = public_holidays(first.year, country) | public_holidays(first.year + 1, country)
        by_member: dict[int, TeamRow] = {}
        changes: dict[int, list[float | None]] = {}
        for v in views:
            m = v.responsible
            row = by_member.setdefault(m.id, TeamRow(m, 0, 0, 0, 0, 0, None))
            row.accounts += 1
            end = rules.week_end_of(first, v.account.week_end)
            limit = min(last, self.last_week(v.account, m))
            while end <= limit:
                if end >= v.account.start_date or (v.account.id, end) in reported:
                    row.due += 1
                    at = reported.get((v.account.id, end))
                    if at is None:
                        row.missing += 1
                    else:
                        deadline = rules.next_working_day(end, hol)
                        row.on_time += local_today(at, self.tz(m)) <= deadline
                        row.late += local_today(at, self.tz(m)) > deadline
                    weeks = found.get(v.account.id, {})
                    changes.setdefault(m.id, []).append(rules.change(
                        rules.er_reach(weeks.get(end - timedelta(weeks=1))), rules.er_reach(weeks.get(end))))
                end += timedelta(weeks=1)
        for mid, row in by_member.items():
            row.er_change = rules.median_or_none(changes.get(mid, []))
        return sorted(by_member.values(), key=lambda r: (-(r.missing + r.late), r.member.display_name.lower()))

    async def export_rows(self, actor: Member, month: date) -> list[ExportRow]:
        """Every account's reported weeks ending in ``month``, with the computed metrics (managers and admins)."""
        self.require_manager(actor)
        views, first, last, found = await self._month_weeks(actor, month)
        out = []
        for v in views:
            weeks = found.get(v.account.id, {})
            for end in sorted(d for d in weeks if first <= d <= last):
                cur, prev = weeks[end], weeks.get(end - timedelta(weeks=1))
                out.append(ExportRow(v, end, cur, rules.interactions(cur), rules.er_reach(cur),
                                     rules.er_followers(cur), rules.growth(prev, cur), rules.growth_pct(prev, cur)))
        return out

    # -- Telegram channels count themselves ------------------------------------------------------------------
    async def channel_update(self, chat_id: int, username: str | None, is_admin: bool) -> list[AccountView]:
        """The bot became an administrator of a channel (``is_admin``) or lost that role: the Telegram-channel
        accounts that are this channel (by id, or by its public username the first time) change their status.
        → the accounts whose status changed."""
        async with self.db.writing(self.session) as s:
            found = await repo.account_by_chat(s, chat_id, username)
            changed = []
            status = "admin" if is_admin else "removed"
            for a in found:
                if a.chat_id != chat_id or a.channel_status != status:
                    a.chat_id, a.channel_status = chat_id, status
                    org_repo.audit(s, actor_id=None, action=f"smm_channel_{status}", object_type="smm_account",
                                   object_id=a.id, at=self.clock.now(), chat=chat_id)
                    changed.append(a.id)
        return [await self._view(i) for i in changed]

    async def record_count(self, account_id: int, count: int | None, day: date) -> None:
        """The channel's subscriber count as read by the bot on ``day`` (``None``: the read failed; tried again
        the next day, the last count stays)."""
        async with self.db.writing(self.session):
            account = await repo.account_by_id(self.session, account_id)
            if account is None:
                return
            account.channel_counted_on = day
            if count is not None and 0 <= count <= rules.MAX_VALUE:
                account.channel_count = count

    async def channels_to_count(self, day: date) -> list[tuple[int, int]]:
        """(account id, chat id) of the channels where the bot is an administrator, not counted on ``day`` yet."""
        return [(a.id, a.chat_id) for a in await repo.channel_accounts(self.session)
                if a.chat_id is not None and (a.channel_counted_on is None or a.channel_counted_on < day)]

    async def due_form(self, account_id: int, week_end: date) -> WeekForm | None:
        """The scheduler's form for a week with no report yet; ``None`` when it was reported, or the account was
        archived, meanwhile."""
        view = await self._view(account_id)
        if view.account.archived or await repo.week(self.session, account_id, week_end) is not None:
            return None
        return await self.week_form(view, week_end)

    async def save_week(self, actor: Member, account_id: int, week_end: date, values: dict[str, int], *,
                        source: str = FORM, confirmed: bool = False) -> SaveResult:
        """Save (or correct) the given figures of one week; the others keep their values. Implausible figures
        (:func:`bot.domain.smm.implausible`) are saved only ``confirmed``. A correction writes the previous
        values to the audit log."""
        view = await self.reportable(actor, account_id)
        if view.account.archived:
            raise UserError("smm-account-archived", name=view.account.name)
        self._check_week(view.account, actor, week_end)
        values = {k: v for k, v in values.items() if k in rules.FIELDS}
        for k, v in values.items():
            if not isinstance(v, int) or not 0 <= v <= rules.MAX_VALUE:
                raise UserError("smm-value-range", field=k, value=str(v)[:20], hi=rules.MAX_VALUE)
        if not values:
            raise UserError("smm-nothing-to-save")
        form = await self.week_form(view, week_end)
        if form.counted is not None and "followers" not in values and form.saved.get("followers") is None:
            values["followers"] = form.counted  # counted by the bot in the channel
        merged = {f: form.saved.get(f) for f in rules.FIELDS} | values
        warnings = rules.implausible(form.hints or None, merged)
        if warnings and not confirmed:
            return SaveResult(False, warnings)
        now = self.clock.now()
        async with self.db.writing(self.session) as s:
            row = await repo.week(s, account_id, week_end)
            created = row is None
            if row is None:
                row = SmmWeek(account_id=account_id, week_end=week_end, source=source, reported_by=actor.id,
                              reported_at=now, updated_at=now)
                s.add(row)
            changed = {k: (getattr(row, k), v) for k, v in values.items() if getattr(row, k) != v}
            for k, v in values.items():
                setattr(row, k, v)
            if changed:
                row.updated_at = now
                if not created:
                    row.source = source
                org_repo.audit(s, actor_id=actor.id, action="smm_week_report" if created else "smm_week_correct",
                               object_type="smm_account", object_id=account_id, at=now,
                               week=week_end.isoformat(), source=source,
                               changes={k: [a, b] for k, (a, b) in changed.items()})
        return SaveResult(True, warnings, changed, created)

    async def my_accounts(self, actor: Member) -> list[AccountView]:
        return [AccountView(a, p, m) for a, p, m in await repo.accounts(self.session, responsible_id=actor.id)]

    # -- statistics ------------------------------------------------------------------------------------------
    async def stats(self, actor: Member, account_id: int, n: int = STATS_WEEKS) -> StatsView:
        view = await self.reportable(actor, account_id)
        last = self.last_week(view.account, actor)
        ends = rules.week_ends(last, n + 3)  # three more for the moving average of the first shown week
        found = (await repo.week_figures(self.session, [account_id], ends[0], last)).get(account_id, {})
        weeks = rules.aligned(found, ends)
        prev = [None, *weeks[:-1]]
        er = [rules.er_reach(w) for w in weeks]
        ma = rules.moving_average(er, 4)
        cut = slice(3, None)
        return StatsView(view, ends[cut], weeks[cut], er[cut], [rules.er_followers(w) for w in weeks][cut],
                         [rules.growth(a, b) for a, b in zip(prev, weeks, strict=True)][cut],
                         [rules.growth_pct(a, b) for a, b in zip(prev, weeks, strict=True)][cut], ma[cut])

    async def _scope_summaries(self, actor: Member) -> list:
        """The open accounts of the manager's scope (and their own) as plain rows (``repo.account_summaries``)."""
        self.require_manager(actor)
        return await self._in_scope(actor, repo.account_summaries, lambda r: r.id)

    async def stats_all(self, actor: Member) -> list[StatsRow]:
        """Every account in the manager's scope with its last ended week: ER, growth and the flags (a fall of
        more than SMM_DROP_SHARE, or no report). Plain rows and the covering index: 2,000 accounts in one pass."""
        rows = await self._scope_summaries(actor)
        if not rows:
            return []
        today = self.today(actor)
        lasts = {r.id: rules.last_week_end(today, r.week_end) for r in rows}
        first = min(lasts.values()) - timedelta(weeks=1)
        found = await repo.week_figures(self.session, list(lasts), first, max(lasts.values()), repo.RATE_FIGURES)
        share = self.settings.smm_drop_share
        out = []
        for r in rows:
            last = lasts[r.id]
            cur = found[r.id].get(last)
            prev = found[r.id].get(last - timedelta(weeks=1))
            out.append(StatsRow(r.id, r.name, r.project, r.responsible, last, rules.er_reach(cur),
                                rules.growth(prev, cur), rules.growth_pct(prev, cur), rules.flags(prev, cur, share),
                                rules.change(rules.er_reach(prev), rules.er_reach(cur))))
        return out
