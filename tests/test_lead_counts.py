"""The /funnel month counters equal the recount from the leads' paths: a property test over random paths (pure),
and the counters the services keep (create, moves, lost, take) equal a rebuild from ``lead_events``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.domain import funnel as fn
from bot.domain.workdays import utc_range
from bot.services import lead_counts
from models import leads_repo
from models.leads import FunnelStage
from tests.recording import Harness
from tests.test_leads import (
    SALES1,
    WRITER,
    lead_by_name,
    one_line,
    settings,
    setup,
    to,
)

_ = settings  # the leads tests' settings fixture (admins, charts in a thread)
TZ = "Europe/Moscow"
STAGES = [fn.Stage(1, "open", 1), fn.Stage(2, "open", 2), fn.Stage(3, "open", 3), fn.Stage(4, "open", 4),
          fn.Stage(5, "won", 5), fn.Stage(6, "lost", 6), fn.Stage(7, "open", 7)]
BASE = datetime(2026, 9, 20, tzinfo=UTC)


@st.composite
def paths(draw) -> list[fn.Path]:
    out = []
    for lead_id in range(1, draw(st.integers(0, 25)) + 1):
        at = BASE + timedelta(minutes=draw(st.integers(0, 60 * 24 * 90)))
        created = at
        steps = [(draw(st.sampled_from([1, 2, 7])), at)]
        for _ in range(draw(st.integers(0, 5))):
            at += timedelta(seconds=draw(st.integers(0, 3600 * 24 * 20)))
            steps.append((draw(st.sampled_from([1, 2, 3, 4, 5, 6, 7])), at))
        out.append(fn.Path(lead_id, created, tuple(steps), draw(st.sampled_from([None, 1, 2])),
                           draw(st.sampled_from([None, "insta", "vk"])), draw(st.sampled_from([None, 1]))))
    return out


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= abs(b) * (fn.RATIO - 1) + 1e-9


def same(counted: fn.Funnel, exact: fn.Funnel, *, medians: bool = True) -> None:
    assert counted.cohort == exact.cohort and counted.lost == exact.lost and counted.won_rate == exact.won_rate
    for c, e in zip(counted.stages, exact.stages, strict=True):
        assert (c.stage_id, c.entered, c.reached, c.conversion) == (e.stage_id, e.entered, e.reached, e.conversion)
        if medians:
            assert close(c.median_days, e.median_days), (c, e)
    if medians:
        assert close(counted.days_to_first_change, exact.days_to_first_change)


@hsettings(max_examples=150, deadline=None)
@given(paths(), st.sampled_from([(2026, 9), (2026, 10), (2026, 11), (2026, 12)]),
       st.sets(st.sampled_from([2, 3, 7])))
def test_counters_equal_the_recount(ps: list[fn.Path], month: tuple[int, int], archived: set[int]) -> None:
    """For any paths, any month and any stages archived since: the counts equal :func:`fn.compute`'s exactly, the
    medians within the histogram's ±2 %; also per owner, per source and per product."""
    stages = [s for s in STAGES if s.id not in archived]
    first = date(*month, 1)
    last = (date(month[0] + month[1] // 12, month[1] % 12 + 1, 1)) - timedelta(days=1)
    start, end = utc_range(first, last, TZ)
    key = month[0] * 100 + month[1]
    moved = [p for p in ps if any(start <= at < end for _, at in p.steps)]  # what leads_repo.paths reads
    rows: Counter = Counter()
    for p in ps:
        rows.update(lead_counts.lead_rows(p, TZ))
    total = [(m, s, sig, b, n) for (mo, m, o, _src, _pr, s, sig, b), n in rows.items()
             if mo == key and o == lead_counts.EVERYONE]
    same(fn.from_counts(stages, total), fn.compute(stages, moved, start, end))
    for group, at in (("owner", 0), ("source", 1), ("product", 2)):
        kept = (fn.COHORT, fn.ENTERED, fn.SET, fn.FIRST) if group == "owner" else (fn.COHORT, fn.ENTERED, fn.SET)
        by: dict = {}
        for (mo, m, *dims, s, sig, b), n in rows.items():
            if mo == key and dims[0] != lead_counts.EVERYONE and m in kept:
                by.setdefault(dims[at] or None, []).append((m, s, sig, b, n))
        exact = fn.grouped(stages, moved, start, end, {"owner": lambda p: p.owner_id, "source": lambda p: p.source,
                                                       "product": lambda p: p.product_id}[group])
        counted = {k: fn.from_counts(stages, r) for k, r in by.items()}
        assert set(exact) == set(counted)
        for k, f in exact.items():
            same(counted[k], f, medians=False)  # the groups show no medians of stays
            if group == "owner":
                assert close(counted[k].days_to_first_change, f.days_to_first_change)  # /team leads


def test_histogram_median() -> None:
    assert fn.histogram_median(Counter()) is None
    for seconds in (1, 59, 3600, 86_400 * 3.3, 86_400 * 400):
        got = fn.histogram_median(Counter({fn.bucket(seconds): 1}))
        assert abs(got * fn.DAY - seconds) <= seconds * (fn.RATIO - 1)
    assert fn.bucket(0.5) == 0 and fn.bucket_seconds(0) == 0


async def test_counters_kept_by_the_services_equal_a_rebuild(harness: Harness, db, settings, clock) -> None:
    h = harness
    await setup(h, db)
    for i in range(4):
        card = await one_line(h, WRITER, f"Счётный Лид{i} +7 916 400-00-{i:02d}")
        clock.advance(hours=5)
        if i >= 1:
            card = h.messages(await h.press(WRITER, card, card.button("Тёплый лид")))[-1]
        if i == 2:
            ask = h.messages(await h.press(WRITER, card, card.button("Отказ")))[-1]
            h.messages(await h.press(WRITER, ask, ask.button("Цена")))
        if i == 3:
            sent = await h.press(WRITER, card, card.button("Заявка"))
            take = to(SALES1, sent)[0]
            await h.press(SALES1, take, take.button("Беру"))
    lead = await lead_by_name(db, "Счётный Лид3")
    async with db.session() as s:
        kept = lead_counts.stored(await leads_repo.all_counts(s))
        conn = await s.connection()
        recounted = await conn.run_sync(lambda c: lead_counts.recount(c, settings.timezone))
        stages = list(await s.scalars(select(FunnelStage)))
    assert kept == +recounted and kept
    owners = {k[2] for k, n in kept.items() if k[1] == fn.COHORT and k[2] != lead_counts.EVERYONE}
    assert lead.owner_id in owners  # the take moved the lead's rows to its new owner
    # /funnel for this month reads the counters and says what the recount says
    from bot.services import build_services
    from models.org import Member

    async with db.session() as s:
        admin = await s.scalar(select(Member).where(Member.telegram_id == 1))
        svc = build_services(s, db, settings, clock).leads
        assert await lead_counts.counts_timezone(s) == settings.timezone  # so /funnel reads the counters
        today = svc.today(admin)
        first, last = date(today.year, today.month, 1), svc.this_month(admin)[1]
        defs0 = [fn.Stage(x.id, x.kind, x.position) for x in stages if not x.archived]
        assert await svc._counted(admin, first, last, "owner", defs0) is not None  # the counters, not the recount
        assert await svc._counted(admin, first, last - timedelta(days=1), None, defs0) is None  # not a whole month
        report = await svc.funnel(admin, first, last, "owner")
        start, end, ps = await svc._paths(admin, first, last)
        defs = [fn.Stage(x.id, x.kind, x.position) for x in stages if not x.archived]
        same(report.total, fn.compute(defs, ps, start, end))
        assert report.total.cohort == 4 and report.total.lost == 1
        exact = fn.grouped(defs, ps, start, end, lambda p: p.owner_id)
        names = {m.id: m.display_name for m in await s.scalars(select(Member))}
        assert sorted((label, f.cohort) for label, f in report.groups) == sorted(
            (names[k], f.cohort) for k, f in exact.items())
        quality = await svc.team_quality(admin, first, last)
        assert sum(q.created for q in quality) == 4
