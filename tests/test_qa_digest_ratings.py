"""QA probe: the rating section of weekly/monthly digests keeps aggregate results hidden below k."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.sandbox.tghtml import parse_html
from models.org import Department, Member
from models.ratings import Rating, RatingPolicy
from tests.scheduling_helpers import MSK_0900_MON, add_units, at_msk, make_jobs, make_team


async def test_weekly_digest_ratings_hide_aggregate_below_k(db, settings, clock) -> None:
    team = await make_team(db, writers=2, plan=42)
    now = datetime(2026, 11, 10, tzinfo=UTC)
    async with db.session() as s, db.writing(s):
        raters = Department(name="Raters", created_at=now)
        s.add(raters)
        await s.flush()
        rater = Member(telegram_id=777, display_name="Secret Rater", username="secret_rater", role="manager",
                       department_id=raters.id, active=True, unreachable=False, created_at=now)
        s.add(rater)
        agg = RatingPolicy(rater_department_id=raters.id, rated_department_id=team.department_id,
                           cadence="monthly", mode="aggregate", active=True, created_at=now)
        s.add(agg)
        await s.flush()
        w0, w1 = team.writers
        rows = [(w0, 5, "a"), (w0, 4, "b"), (w1, 2, "c"), (w1, 3, "d"), (w1, 3, "e")]
        for i, (w, score, key) in enumerate(rows):
            s.add(Rating(policy_id=agg.id, rated_id=w.id, period="2026-11", task_ref=None, score=score,
                         comment="Secret Rater wrote this long comment" if i == 0 else None,
                         dedup_key=f"d{key}", rater_key=f"r{key}", rater_id=None, created_at=now, updated_at=now))
    await add_units(db, team.writers[0], team.project_id, 5, at_msk(12, 12))
    settings = settings.model_copy(update={"chart_mode": "thread", "chart_workers": 1})
    jobs, sender = make_jobs(db, settings, clock)
    clock.set(MSK_0900_MON)
    await jobs.tick(MSK_0900_MON)
    weekly = [c for c in sender.calls if c.kind == "digest_weekly" and c.chat_id == team.manager.telegram_id]
    assert len(weekly) == 1
    plain, _ = parse_html(weekly[0].text)
    assert "<1>" in plain and "2.67" in plain  # w1 has 3 ratings: shown
    assert "4.50" not in plain  # w0 has 2 < k: hidden
    assert "Secret" not in plain
    names = [n for n, _ in weekly[0].pngs]
    assert "ratings.png" in names
    jobs.renderer.shutdown()
