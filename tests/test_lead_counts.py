"""The /funnel month counters equal the recount from the leads' paths: a property test over random paths (pure) for
the team, each department and each owner, with medians read exactly from the spans; and the counters and spans the
services keep (create, moves, lost, take, a member changing department) equal a rebuild from ``lead_events``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.domain import funnel as fn
from bot.domain.workdays import utc_range
from bot.services import lead_counts, lead_rebuild
from models import leads_repo
from models.leads import FunnelStage, LeadFact
from tests.recording import Harness
from tests.test_leads import (
    SALES1,
    SALES_MGR,
    WRITER,
    department_id,
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


#: owner → department (owner 3 has none; a lead without owner has none)
DEPARTMENTS = {1: 1, 2: 1, 4: 2}


@st.composite
def paths(draw) -> list[fn.Path]:
    out = []
    # stays from a few seconds (many in one bucket, ties) to weeks, to the microsecond (the displayed tenth of a day
    # must come out the same as the exact median's)
    gap = st.one_of(st.integers(0, 40), st.integers(0, 3600 * 24 * 20), st.sampled_from([8640 * 5, 8640 * 15 + 1]))
    for lead_id in range(1, draw(st.integers(0, 25)) + 1):
        at = BASE + timedelta(minutes=draw(st.integers(0, 60 * 24 * 90)), microseconds=draw(st.integers(0, 999_999)))
        created = at
        steps = [(draw(st.sampled_from([1, 2, 7])), at)]
        for _ in range(draw(st.integers(0, 5))):
            at += timedelta(seconds=draw(gap), microseconds=draw(st.sampled_from([0, 1, 499_999, 500_000])))
            steps.append((draw(st.sampled_from([1, 2, 3, 4, 5, 6, 7])), at))
        out.append(fn.Path(lead_id, created, tuple(steps), draw(st.sampled_from([None, 1, 2, 3, 4])),
                           draw(st.sampled_from([None, "insta", "vk"])), draw(st.sampled_from([None, 1]))))
    return out


def same(counted: fn.Funnel, exact: fn.Funnel, *, medians: bool = True) -> None:
    assert counted.cohort == exact.cohort and counted.lost == exact.lost and counted.won_rate == exact.won_rate
    for c, e in zip(counted.stages, exact.stages, strict=True):
        assert (c.stage_id, c.entered, c.reached, c.conversion) == (e.stage_id, e.entered, e.reached, e.conversion)
        if medians:  # exact: the same number, so the same tenth of a day on screen
            assert c.median_days == e.median_days, (c, e)
            assert shown(c.median_days) == shown(e.median_days)
    if medians:
        assert counted.days_to_first_change == exact.days_to_first_change


def shown(days: float | None) -> str:
    return "—" if days is None else f"{days:.1f}"  # handlers.leads._days


def fact_values(facts: list[dict], metric: str, stage_id: int, picks, start, end, owners) -> list[float]:
    """What ``leads_repo.fact_values`` reads, over a list of fact rows."""
    out: list[float] = []
    for b, offset, count in picks:
        found = sorted(r["seconds"] for r in facts if r["metric"] == metric and r["stage_id"] == stage_id
                       and r["bucket"] == b and start <= r["at"] < end and (owners is None or r["owner_id"] in owners))
        out += found[offset:offset + count]
    return out


def middles(rows, stages, facts, start, end, owners) -> dict:
    """``LeadService._middles`` over a list of fact rows."""
    ordered = {s.id for s in fn.order(stages)}
    out = {}
    for (metric, stage_id), hist in fn.histograms(rows).items():
        if metric == fn.STAY and stage_id not in ordered:
            continue
        picks = fn.middle_picks(hist)
        out[(metric, stage_id)] = fact_values(facts, metric, stage_id, picks, start, end, owners)
        assert len(out[(metric, stage_id)]) == sum(c for _, _, c in picks)
    return out


def period_rows(counts: Counter, first: date, last: date, owner_keys, owners, group=None):
    """``LeadService._counted``'s rows over the counters: the whole months' month rows of these owner keys
    (grouped: the owners' rows, ``owner_keys`` None) plus and minus the day rows of the days around them (of the
    same keys); one whole month reads *entered*, another period the *entries* before its first day."""
    months, plus, minus = fn.period_parts(first, last)
    since = first.year * 10000 + first.month * 100 + first.day
    one_month = len(months) == 1 and not plus and not minus
    entered = fn.ENTERED if one_month else fn.ENTRIES
    dims = {None: None, "owner": 0, "source": 1, "product": 2}[group]
    kept = {None: (fn.COHORT, entered, fn.SET, fn.STAY, fn.FIRST), "owner": (fn.COHORT, entered, fn.SET, fn.FIRST)
            }.get(group, (fn.COHORT, entered, fn.SET))
    summed: Counter = Counter()

    def ours(d) -> bool:
        return d[0] in owner_keys if group is None else d[0] >= 0 and (owners is None or d[0] in owners)

    def add(dim, m, st_, sig, b, n) -> None:
        if m not in kept or (m == fn.ENTRIES and b >= since):
            return
        b = 0 if m == fn.ENTRIES else b
        summed[(m, st_, sig, b) if group is None else (dim, m, st_, sig, b)] += n

    spans = [(day_key(a), day_key(b), 1) for a, b in plus] + [(day_key(a), day_key(b), -1) for a, b in minus]
    for (mo, m, *d, st_, sig, b), n in counts.items():
        if not ours(d):
            continue
        if lead_counts.is_day(mo):
            assert m != fn.ENTERED  # the day rows hold no *entered*
            for lo, hi, sign in spans:
                if lo <= mo <= hi:
                    add(d[dims] if group else None, m, st_, sig, b, sign * n)
        elif mo in months:
            add(d[dims] if group else None, m, st_, sig, b, n)
    return [(*k, n) for k, n in summed.items() if n]


def day_key(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


PERIODS = [(date(2026, m, 1), date(2026, m + 1, 1) - timedelta(days=1)) for m in (9, 10, 11)] + [
    (date(2026, 12, 1), date(2026, 12, 31)), (date(2026, 10, 5), date(2026, 10, 11)),
    (date(2026, 10, 2), date(2026, 10, 31)), (date(2026, 9, 25), date(2026, 11, 3)),
    (date(2026, 11, 16), date(2026, 11, 16)), (date(2026, 9, 1), date(2026, 12, 20))]


@hsettings(max_examples=150, deadline=None)
@given(paths(), st.sampled_from(PERIODS), st.sets(st.sampled_from([2, 3, 7])))
def test_counters_equal_the_recount(ps: list[fn.Path], period: tuple[date, date], archived: set[int]) -> None:
    """For any paths, whole months or any days, and any stages archived since: the figures from the month and day
    counters (and the facts the medians are read from) equal :func:`fn.compute`'s exactly, medians included (read from the facts at the histograms' middle
    ranks), for the whole team, each department (its rows) and each owner; and per owner, per source and per
    product."""
    stages = [s for s in STAGES if s.id not in archived]
    first, last = period
    start, end = utc_range(first, last, TZ)
    since = first.year * 10000 + first.month * 100 + first.day
    moved = [p for p in ps if any(start <= at < end for _, at in p.steps)]  # what leads_repo.paths reads
    counts: Counter = Counter()
    facts: list[dict] = []
    for p in ps:
        counts.update(lead_counts.lead_rows(p, TZ, DEPARTMENTS.get(p.owner_id)))
        facts += lead_counts.fact_rows(p, TZ)

    def figures(owner_keys, owners) -> fn.Funnel:
        rows = period_rows(counts, first, last, owner_keys, owners)
        return fn.from_counts(stages, rows, since, middles(rows, stages, facts, start, end, owners))

    same(figures([lead_counts.EVERYONE], None), fn.compute(stages, moved, start, end))
    for d in (1, 2):
        owners = [o for o, dep in DEPARTMENTS.items() if dep == d]
        same(figures([lead_counts.department_key(d)], owners),
             fn.compute(stages, [p for p in moved if p.owner_id in owners], start, end))
    for o in (1, 2, 3, 4):
        same(figures([o], [o]), fn.compute(stages, [p for p in moved if p.owner_id == o], start, end))
    for group in ("owner", "source", "product"):
        by: dict = {}
        for key, *row in period_rows(counts, first, last, None, None, group):
            by.setdefault(key or None, []).append(tuple(row))
        exact = fn.grouped(stages, moved, start, end, {"owner": lambda p: p.owner_id, "source": lambda p: p.source,
                                                       "product": lambda p: p.product_id}[group])
        assert {k for k, f in exact.items()} == set(by)
        for k, f in exact.items():
            mids = middles(by[k], stages, facts, start, end, [k or 0]) if group == "owner" else {}
            counted = fn.from_counts(stages, by[k], since, mids)
            same(counted, f, medians=False)  # the groups show no medians of stays
            if group == "owner":
                assert counted.days_to_first_change == f.days_to_first_change  # /team leads


def test_period_parts() -> None:
    assert fn.period_parts(date(2026, 11, 1), date(2026, 11, 30)) == ([202611], [], [])
    assert fn.period_parts(date(2026, 11, 2), date(2026, 11, 30)) == ([202611], [], [(date(2026, 11, 1),) * 2])
    assert fn.period_parts(date(2026, 11, 10), date(2026, 11, 16)) == ([], [(date(2026, 11, 10),
                                                                               date(2026, 11, 16))], [])
    assert fn.period_parts(date(2026, 10, 16), date(2026, 12, 15)) == (
        [202610, 202611], [(date(2026, 12, 1), date(2026, 12, 15))], [(date(2026, 10, 1), date(2026, 10, 15))])


def test_middle_picks() -> None:
    assert fn.middle_picks(Counter()) == []
    assert fn.middle_picks(Counter({5: 3})) == [(5, 1, 1)]
    assert fn.middle_picks(Counter({5: 2, 9: 2})) == [(5, 1, 1), (9, 0, 1)]
    assert fn.middle_picks(Counter({5: 1, 7: 4, 9: 1})) == [(7, 1, 2)]
    assert fn.middle_median([86_400.0]) == 1.0 and fn.middle_median([0.0, 86_400.0]) == 0.5
    assert fn.middle_median([]) is None
    assert fn.bucket(0.5) == 0 and fn.bucket(1) == 1 and fn.bucket(fn.RATIO ** 10) == 11


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
    stages = await same_as_rebuild(db, settings)
    async with db.session() as s:
        kept = lead_counts.stored(await leads_repo.all_counts(s))
    owners = {k[2] for k, n in kept.items() if k[1] == fn.COHORT and k[2] >= 0}
    assert lead.owner_id in owners  # the take moved the lead's rows to its new owner
    sales = await department_id(db, "Продажи")
    assert any(k[2] == lead_counts.department_key(sales) for k in kept)  # ...and to the sales department's
    # /funnel for this month reads the counters and says what the recount says: the admin (the team's rows), the
    # sales manager (the department's rows and their own), before and after the writer joins sales
    from bot.services import build_services
    from models.org import Member

    async def check(who: int, cohort: int) -> None:
        async with db.session() as s:
            actor = await s.scalar(select(Member).where(Member.telegram_id == who))
            svc = build_services(s, db, settings, clock).leads
            assert await lead_counts.counts_timezone(s) == settings.timezone  # so /funnel reads the counters
            today = svc.today(actor)
            first, last = date(today.year, today.month, 1), svc.this_month(actor)[1]
            defs = [fn.Stage(x.id, x.kind, x.position) for x in stages if not x.archived]
            for a, b in ((first, today), (today, today), (first - timedelta(days=20), today)):  # not whole months
                assert await svc._counted(actor, a, b, "owner", defs) is not None  # the counters, not the recount
                start, end, ps = await svc._paths(actor, a, b)
                same((await svc.funnel(actor, a, b, "owner")).total, fn.compute(defs, ps, start, end))
            assert await svc._counted(actor, first, last, "owner", defs) is not None
            report = await svc.funnel(actor, first, last, "owner")
            start, end, ps = await svc._paths(actor, first, last)
            same(report.total, fn.compute(defs, ps, start, end))
            assert report.total.cohort == cohort
            assert any(sf.median_days is not None for sf in report.total.stages)
            exact = fn.grouped(defs, ps, start, end, lambda p: p.owner_id)
            names = {m.id: m.display_name for m in await s.scalars(select(Member))}
            assert sorted((label, f.cohort) for label, f in report.groups) == sorted(
                (names[k], f.cohort) for k, f in exact.items())
            quality = await svc.team_quality(actor, first, last)
            assert sum(q.created for q in quality) == cohort
            by_name = {q.name: q.days_to_first_change for q in quality}
            for k, f in exact.items():
                assert by_name[names[k]] == f.days_to_first_change

    await check(1, 4)
    assert (await lead_by_name(db, "Счётный Лид2")).owner_id not in (None, lead.owner_id)
    await check(SALES_MGR.id, 1)  # the lead SALES1 took
    async with db.session() as s:
        admin = await s.scalar(select(Member).where(Member.telegram_id == 1))
        writer = await s.scalar(select(Member).where(Member.telegram_id == WRITER.id))
        await build_services(s, db, settings, clock).org.set_department(admin, writer.id, sales)
    await same_as_rebuild(db, settings)
    await check(SALES_MGR.id, 4)  # the writer's three leads came with them


async def same_as_rebuild(db, settings) -> list[FunnelStage]:
    """The counters and spans kept equal a rebuild from the leads and their events."""
    async with db.session() as s:
        kept = lead_counts.stored(await leads_repo.all_counts(s))
        cols = ("lead_id", "metric", "stage_id", "sig", "at", "bucket", "seconds", "owner_id", "source", "product_id")
        facts = sorted(tuple(r) for r in (await s.execute(select(*(getattr(LeadFact, c) for c in cols)))).all())
        conn = await s.connection()
        rebuilt: list[dict] = []
        recounted = await conn.run_sync(lambda c: lead_counts.recount(c, settings.timezone,
                                                                      on_facts=rebuilt.extend))
        # the set-based rebuild (rebuild-stats, the migrations) writes the same rows as the recount lead by lead
        written = await conn.run_sync(lead_counts.rebuild_sync, settings.timezone)
        set_based = lead_counts.stored(await leads_repo.all_counts(s))
        set_facts = sorted(tuple(r) for r in (await s.execute(select(*(getattr(LeadFact, c) for c in cols)))).all())
        await s.rollback()
        stages = list(await s.scalars(select(FunnelStage)))
    assert kept == +recounted and kept
    assert any(lead_counts.is_day(k[0]) for k in kept) and any(not lead_counts.is_day(k[0]) for k in kept)
    assert facts == sorted(tuple(r[c] for c in cols) for r in rebuilt) and facts
    assert set_based == kept and written == len(kept)
    assert set_facts == facts
    return stages


@pytest.mark.parametrize("tz", ["Europe/Moscow", "Europe/Berlin", "America/Havana"])
async def test_set_based_rebuild_equals_the_recount_lead_by_lead(db, tz: str) -> None:
    """``rebuild_sync`` (INSERT … SELECT, what rebuild-stats and the migrations run) writes the rows the recount
    lead by lead in Python writes, on random paths: microsecond stays at bucket edges, re-entries the same day, a
    zone with summer time (its transition days; Havana's clocks skip midnight), leads without owner, source,
    product or department, a lead with no events."""
    import random

    from models.leads import Lead, LeadEvent
    from models.org import Department, Member

    rng = random.Random(7)
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    async with db.session() as s:
        stage_ids = [x.id for x in await s.scalars(select(FunnelStage))]
        s.add(Department(id=50, name="Отдел", created_at=t0))
        for i in (101, 102, 103):
            s.add(Member(id=i, telegram_id=70_000 + i, display_name=f"M{i}", role="writer",
                         department_id=50 if i != 103 else None, created_at=t0))
        await s.flush()
        edges = [b for _, b in lead_rebuild.bucket_starts(10**13)][:300:7]
        for n in range(1, 121):
            at = t0 + timedelta(seconds=rng.randrange(0, 86_400 * 250), microseconds=rng.randrange(10**6))
            lead = Lead(id=n, name=f"Лид {n}", stage_id=stage_ids[0], owner_id=rng.choice([None, 101, 102, 103]),
                        source=rng.choice([None, "insta", "vk"]), created_at=at, stage_at=at)
            s.add(lead)
            await s.flush()
            if n == 120:
                continue  # a lead with no events at all
            for _ in range(rng.randrange(1, 7)):
                s.add(LeadEvent(lead_id=n, to_stage_id=rng.choice(stage_ids), at=at))
                kind = rng.random()
                us = (rng.choice(edges) + rng.choice([-1, 0, 1]) if kind < 0.3 else rng.randrange(0, 40) * 10**6
                      if kind < 0.5 else rng.randrange(0, 86_400 * 20 * 10**6))
                at += timedelta(microseconds=0 if rng.random() < 0.1 else max(0, us))  # 0: the same instant
        await s.flush()
        conn = await s.connection()
        rebuilt: list[dict] = []
        recounted = await conn.run_sync(lambda c: lead_counts.recount(c, tz, on_facts=rebuilt.extend))
        written = await conn.run_sync(lead_counts.rebuild_sync, tz)
        kept = lead_counts.stored(await leads_repo.all_counts(s))
        cols = ("lead_id", "metric", "stage_id", "sig", "at", "bucket", "seconds", "owner_id", "source", "product_id")
        facts = sorted(tuple(r) for r in (await s.execute(select(*(getattr(LeadFact, c) for c in cols)))).all())
    assert kept == +recounted and written == len(kept) > 1000
    assert facts == sorted(tuple(r[c] for c in cols) for r in rebuilt)
    assert {k[2] for k in kept} >= {-1, lead_counts.department_key(50), 0, 101, 103}


def test_bucket_starts_are_the_buckets_edges() -> None:
    starts = lead_rebuild.bucket_starts(10**13)
    assert starts[0] == (1, 1_000_000) and len(starts) == fn.bucket(10**7) and len({lo for _, lo in starts}) == len(starts)
    for b, lo in starts:
        assert fn.bucket(lo / 10**6) == b and fn.bucket((lo - 1) / 10**6) == b - 1
