"""Knowledge base search over many articles: the stemmed token index (``kb_terms``) against a LIKE scan.

Builds a database with ``--articles`` (20,000) articles whose words follow a Zipf distribution over the
Russian seed texts plus synthetic words (so a few stems are in nearly every article and most are rare), indexes
them exactly as the service does (``bot.domain.search.article_terms``), then runs the same queries (one to
three words, common and rare, in inflected forms) through ``KbService.search`` as a writer, and, as the
baseline in the same run, through a plain ``lower(body) LIKE '%word%'`` scan per word (what a search without
an index would do; every match, as a ranked search must see them all). Prints per search the database time (summed around each statement's execution) and the
whole call's time, median and 95th percentile, and the ratio to the baseline. No asserts.

    python bench/kb.py                 # SQLite (a temporary file)
    python bench/kb.py --url postgresql+asyncpg://user@host:5432/scratch --reset
    options: --articles 20000 --queries 60
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, text

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.domain import search
from bot.migrate import upgrade
from bot.progress import Progress
from bot.services import build_services
from models import learning_repo
from models.learning import Article, Term
from models.org import Department, Member

SEEDS = Path("/work/shared/seeds")  # the Russian seed texts (any folder of .txt files will do)
TOKEN = "4242424:BENCH_TOKEN_abcdefghijklmnopqrstuvwxyz"


def vocabulary(rng: random.Random) -> list[str]:
    words: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")) if SEEDS.exists() else []:
        words += [w.lower() for w in re.findall(r"[а-яёa-z]{3,}", path.read_text(encoding="utf-8"), re.I)]
    seen = list(dict.fromkeys(words)) or ["контент", "план", "клиент", "мониторинг"]
    syllables = ["ка", "ро", "ми", "ту", "ле", "на", "во", "си", "пра", "ст", "ор", "ен"]
    synthetic = {"".join(rng.choice(syllables) for _ in range(rng.randint(3, 5))) for _ in range(30000)}
    return seen + sorted(synthetic)


def zipf_sampler(vocab: list[str], rng: random.Random):
    weights = [1 / (i + 1) ** 1.05 for i in range(len(vocab))]
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)

    def sample(k: int) -> list[str]:
        return rng.choices(vocab, cum_weights=cum, k=k)

    return sample


async def build(db: Database, n: int, rng: random.Random) -> list[str]:
    vocab = vocabulary(rng)
    sample = zipf_sampler(vocab, rng)
    now = datetime(2026, 11, 16, tzinfo=UTC)
    async with db.session() as s, db.writing(s):
        dept = Department(name="Bench", created_at=now)
        s.add(dept)
        await s.flush()
        s.add(Member(telegram_id=1, display_name="Reader", role="writer", department_id=dept.id, active=True,
                     unreachable=False, created_at=now))
    progress = Progress(n, "articles")
    batch = 500
    for start in range(0, n, batch):
        articles, terms = [], []
        for i in range(start, min(n, start + batch)):
            title = " ".join(sample(rng.randint(2, 6)))
            body = " ".join(sample(rng.randint(80, 220)))
            aud = [] if i % 10 else [dept.id + 1]  # every tenth article is for another department
            articles.append({"id": i + 1, "title": title[:200], "body_html": body, "body_parts": [],
                             "audience_roles": [], "audience_departments": aud, "version": 1, "archived": False,
                             "review_at": date(2027, 5, 1), "checked_at": now, "created_at": now,
                             "updated_at": now})
            terms += [{"term": t, "article_id": i + 1, "weight": w}
                      for t, w in search.article_terms(title, body).items()]
        async with db.session() as s, db.writing(s):
            await s.execute(insert(Article), articles)
            await s.execute(insert(Term), terms)
        progress.update(min(batch, n - start))
    progress.close()
    async with db.session() as s, db.writing(s):  # the bulk load bypassed replace_terms: count the terms once
        await learning_repo.rebuild_term_stats(s)
    return vocab


async def run(url: str, n: int, queries: int, reset: bool) -> None:
    if reset and url.startswith("postgresql"):
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    rng = random.Random(13)
    async with db.session() as s:
        have = (await s.execute(text("SELECT count(*) FROM kb_articles"))).scalar()
    vocab = await build(db, n, rng) if not have else vocabulary(rng)
    if url.startswith("postgresql"):
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    spent = [0.0]
    by_statement: dict[str, float] = {}

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(db.engine.sync_engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        took = time.perf_counter() - conn.info.pop("t0", time.perf_counter())
        spent[0] += took
        key = " ".join(statement.split())[:90]
        by_statement[key] = by_statement.get(key, 0.0) + took

    # queries: inflected forms of common, middling and rare words, one to three words each
    ranks = [0, 2, 5, 20, 60, 200, 800, 3000]
    qs = []
    for i in range(queries):
        words = [vocab[min(rng.choice(ranks) + rng.randint(0, 3), len(vocab) - 1)] for _ in range(1 + i % 3)]
        qs.append(" ".join(w + ("а" if re.search("[а-я]$", w) and j % 2 else "") for j, w in enumerate(words)))
    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url)
    index_db, index_all, like_db = [], [], []
    async with db.session() as s:
        svc = build_services(s, db, settings, Clock())
        reader = await s.get(Member, 1)
        await svc.kb.search(reader, qs[0])  # warm the caches
        for q in qs:
            spent[0] = 0.0
            t0 = time.perf_counter()
            found = await svc.kb.search(reader, q)
            index_all.append(time.perf_counter() - t0)
            index_db.append(spent[0])
            assert found is not None
            s.expunge_all()
        for q in qs:
            spent[0] = 0.0
            for w in search.words(q):
                await s.execute(text("SELECT id FROM kb_articles WHERE archived = :f AND "
                                     "(lower(title) LIKE :p OR lower(body_html) LIKE :p)"),
                                {"f": False, "p": f"%{w[:max(3, len(w) - 2)]}%"})
            like_db.append(spent[0])
    await db.dispose()

    def ms(xs: list[float]) -> str:
        xs = sorted(xs)
        return f"median {statistics.median(xs) * 1000:.1f} ms, p95 {xs[int(len(xs) * 0.95) - 1] * 1000:.1f} ms"

    print(f"{n} articles, {queries} searches ({url.split(':')[0]})")
    print(f"  token index, database time:  {ms(index_db)}")
    print(f"  token index, whole search:   {ms(index_all)}")
    print(f"  LIKE scan (baseline), db:    {ms(like_db)}")
    if "--statements" in sys.argv:
        for k, v in sorted(by_statement.items(), key=lambda kv: -kv[1])[:8]:
            print(f"  {v * 1000:9.1f} ms  {k}")
    print(f"  ratio index / LIKE (median db time): "
          f"{statistics.median(index_db) / max(statistics.median(like_db), 1e-9):.3f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url")
    p.add_argument("--articles", type=int, default=20000)
    p.add_argument("--queries", type=int, default=60)
    p.add_argument("--reset", action="store_true")
    p.add_argument("--statements", action="store_true", help="print the slowest statements")
    p.add_argument("--keep", help="an SQLite file to build once and reuse on later runs")
    args = p.parse_args()
    if args.keep:
        asyncio.run(run(f"sqlite+aiosqlite:///{args.keep}", args.articles, args.queries, False))
        return
    if args.url:
        asyncio.run(run(args.url, args.articles, args.queries, args.reset))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite+aiosqlite:///{tmp}/kb.db", args.articles, args.queries, False))


if __name__ == "__main__":
    main()
