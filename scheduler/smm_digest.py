"""The weekly SMM section of a manager's digest: who gets it, its chart job and its text, and the weekly digest with
the section inside — for the scheduler and ``python -m bot digest --preview --kind weekly`` alike (inside the
weekly digest or as its own message, the manager's choice: ``bot.domain.digests.SMM_MODES``). The chart is
rendered by the chart workers like the digest's other charts (``scheduler.charts.smm_movers``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.sender import MEDIA_GROUP_LIMIT
from bot.text import CAPTION_LIMIT, TEXT_LIMIT, visible_len
from bot.views import smm_digest_text
from models import smm_repo
from scheduler.chart_data import SMM_DOWN, SMM_FELL, SMM_MISSING, SMM_UP, SmmBar
from scheduler.digest import Digest, Scope
from scheduler.render_pool import ChartRenderer, Job

CHART = "smm_movers"
FILENAME = "smm.png"
#: accounts on the chart at most (the best and worst movers, the falls and the missing ones first)
MAX_CHART_ROWS = 40


async def departments(session: AsyncSession) -> set[int | None]:
    """The departments of the open SMM accounts' responsible members (active ones)."""
    return {m.department_id for _a, _p, m in await smm_repo.accounts(session) if m.active}


def in_scope(scope: Scope, accounts_departments: set[int | None]) -> bool:
    """Whether a digest of ``scope`` gets the SMM section: some open account's responsible member is in it."""
    return scope.department_ids is None or bool(accounts_departments & set(scope.department_ids))


def chart_rows(d) -> tuple[list[SmmBar], int]:
    """The chart's rows (``d``: :class:`bot.services.smm.SmmDigest`), at most MAX_CHART_ROWS: the best and worst
    movers, the falls and the accounts with no report first, then the largest ER changes; shown by ER change,
    the best on top, the missing at the bottom. → (rows, accounts in all)."""
    order = [*d.best, *d.worst, *d.falls, *d.missing,
             *sorted(d.rows, key=lambda r: -abs(r.er_change) if r.er_change is not None else 0.0)]
    picked: dict[int, object] = {}
    for r in order:
        if len(picked) >= MAX_CHART_ROWS:
            break
        picked.setdefault(r.account_id, r)
    missing = {r.account_id for r in d.missing}
    falls = {r.account_id for r in d.falls}

    def status(r) -> str:
        if r.account_id in missing:
            return SMM_MISSING
        if r.account_id in falls:
            return SMM_FELL
        return SMM_UP if (r.er_change or 0.0) > 0 else SMM_DOWN

    shown = sorted(picked.values(), key=lambda r: (r.account_id in missing, -(r.er_change or 0.0),
                                                   r.name.lower()))
    return [SmmBar(r.name, r.er, d.er_prev.get(r.account_id), status(r)) for r in shown], len(d.rows)


def chart_job(t: Translator, d, rows: list[SmmBar]) -> Job:
    labels = {"er_prev": t("smm-chart-er-prev"), "up": t("smm-chart-up"), "down": t("smm-chart-down"),
              "fell": t("smm-chart-fell"), "missing": t("smm-chart-missing"), "er_axis": t("smm-chart-er"),
              "no_data": t("smm-chart-no-data")}
    return CHART, (rows,), {"title": t("smm-digest-chart-title", week=d.week.strftime("%d.%m.%Y")),
                            "labels": labels}


async def section(renderer: ChartRenderer, t: Translator, d, limit: int, fallback: int | None = None
                  ) -> tuple[tuple[str, bytes], str]:
    """The section's chart (rendered off the event loop) and its text within ``limit`` visible characters, or
    within ``fallback`` when even its shortest form does not fit ``limit``. → ((file name, PNG), text)."""
    rows, total = chart_rows(d)
    name, args, kwargs = chart_job(t, d, rows)
    chart_cut = (len(rows), total) if len(rows) < total else None
    if fallback is not None and visible_len(smm_digest_text(t, d, -1, chart_cut=chart_cut)) > limit:
        limit = fallback
    png = await renderer.render(name, *args, **kwargs)
    return (FILENAME, png), smm_digest_text(t, d, limit, chart_cut=chart_cut)


async def inside_weekly(renderer: ChartRenderer, t: Translator, d, weekly: Digest | None
                        ) -> tuple[list[tuple[str, bytes]], str]:
    """The weekly digest ``weekly`` with the section of ``d`` inside: its chart last in the album, its text after the
    digest's in the caption (lists shortened to fit 1024 characters; when even its shortest form does not fit, the
    caption is longer and the sender sends the whole text after the pictures). ``weekly`` ``None`` (nobody with a
    plan in scope): the section alone. → (the album's pictures, the caption)."""
    if weekly is None:
        png, text = await section(renderer, t, d, CAPTION_LIMIT)
        return [png], text
    used = visible_len(weekly.caption) + 2
    png, text = await section(renderer, t, d, CAPTION_LIMIT - used, TEXT_LIMIT - used)
    return [*weekly.pngs[:MEDIA_GROUP_LIMIT - 1], png], weekly.caption + "\n\n" + text
