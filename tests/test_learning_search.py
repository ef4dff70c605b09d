"""Knowledge base search at the service level: the term counts (``kb_term_stats``) kept with the postings through
every write, and the bounded reading of common words — the common terms share ``COMMON_TERM`` candidates read
by weight, a few statements whatever the size, and the ranking still puts the article with every word first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from bot.clock import FrozenClock
from bot.services import build_services
from bot.services import kb as kb_service
from bot.services.kb import Draft
from models.learning import Term, TermStat
from models.org import Member

NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)


async def admin(db) -> Member:
    async with db.session() as s, db.writing(s):
        m = Member(telegram_id=1, display_name="Olga", role="admin", active=True, unreachable=False, created_at=NOW)
        s.add(m)
    return m


def draft(text: str) -> Draft:
    return Draft(parts=[{"text": text}], html=text, attachments=[])


async def write(db, settings, actor: Member, title: str, body: str) -> int:
    async with db.session() as s:
        svc = build_services(s, db, settings, FrozenClock(NOW)).kb
        article_id, _created = await svc.create_article(actor, title, draft(body), category_id=None, roles=[],
                                                        departments=[], key=None)
    return article_id


async def stats_and_counts(db) -> tuple[dict[str, int], dict[str, int]]:
    async with db.session() as s:
        stats = {t: n for t, n in await s.execute(select(TermStat.term, TermStat.df))}
        counted = {t: n for t, n in await s.execute(select(Term.term, func.count()).group_by(Term.term))}
        articles = await s.scalar(select(func.count(func.distinct(Term.article_id))))
    if articles:
        counted[""] = articles
    return stats, counted


async def test_term_counts_follow_every_write(db, settings) -> None:
    actor = await admin(db)
    first = await write(db, settings, actor, "Контент-план клиента", "План публикаций на месяц")
    await write(db, settings, actor, "Мониторинг площадок", "Каждое утро проверяем площадки клиента")
    stats, counted = await stats_and_counts(db)
    assert stats == counted and stats[""] == 2 and stats["клиент"] == 2
    async with db.session() as s:
        svc = build_services(s, db, settings, FrozenClock(NOW)).kb
        await svc.edit_article(actor, first, draft("Другой текст без плана"), title="Регламент")
        assert (await stats_and_counts(db))[0] == (await stats_and_counts(db))[1]
        await svc.set_archived(actor, first, True)
        stats, counted = await stats_and_counts(db)
        assert stats == counted and stats[""] == 1 and "регламент" not in stats and stats["клиент"] == 1
        await svc.set_archived(actor, first, False)
        stats, counted = await stats_and_counts(db)
        assert stats == counted and stats[""] == 2
        # what search reads: the query's counts and the article count, in one statement
        from models import learning_repo

        df, total = await learning_repo.doc_freq(s, ["клиент", "регламент", "нет-такого"])
        assert (df, total) == ({"клиент": 1, "регламент": 1}, 2)


async def test_rebuild_stats_counts_the_terms_again(db, settings) -> None:
    from sqlalchemy import delete, update

    from bot.services.stats import rebuild

    actor = await admin(db)
    await write(db, settings, actor, "Контент-план клиента", "План публикаций на месяц")
    async with db.session() as s, db.writing(s):  # counts in doubt: one wrong, one missing
        await s.execute(update(TermStat).where(TermStat.term == "клиент").values(df=7))
        await s.execute(delete(TermStat).where(TermStat.term == "план"))
    await rebuild(db, settings)
    stats, counted = await stats_and_counts(db)
    assert stats == counted and stats["план"] == 1 and stats["клиент"] == 1


async def test_common_words_share_the_candidates_and_rank_the_article_with_all_words_first(
        db, settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb_service, "COMMON_TERM", 4)  # "common" after four articles
    actor = await admin(db)
    ids = [await write(db, settings, actor, f"Заметка {i}", "контент " * (i + 1) + "клиент") for i in range(6)]
    ids += [await write(db, settings, actor, f"Отчёт {i}", "клиент " * (i + 2) + ("площадка" if i < 3 else ""))
            for i in range(6)]
    both = await write(db, settings, actor, "Контент для клиента", "контент клиент контент клиент")
    statements: list[str] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def count(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    async with db.session() as s:
        svc = build_services(s, db, settings, FrozenClock(NOW)).kb
        found = await svc.search(actor, "контента клиенту", limit=5)
    event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    # both words are common (7 and 13 articles > 4): they share four candidates, two each, by weight
    assert found[0].id == both  # the only one with both words in its title
    assert len(found) <= 4
    assert len(statements) <= 5, statements  # counts, candidates, weights, audiences, articles
    # a rare word (three articles) brings all of its articles
    async with db.session() as s:
        svc = build_services(s, db, settings, FrozenClock(NOW)).kb
        rare = await svc.search(actor, "площадки", limit=10)
    assert {a.id for a in rare} == set(ids[6:9])


def test_migration_counts_the_existing_postings_and_adds_the_weight_index() -> None:
    """The revision before 0019 → head on SQLite: ``kb_term_stats`` is filled from the postings already there (the empty term: the
    indexed articles), the schema matches the models, and the downgrade drops the table and the index."""
    import sqlite3
    import tempfile
    from pathlib import Path

    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, inspect

    from bot.migrate import alembic_config, upgrade
    from models import Base

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.db"
        url = f"sqlite+aiosqlite:///{path}"
        before = ScriptDirectory.from_config(alembic_config(url)).get_revision("0019").down_revision
        upgrade(url, before)
        con = sqlite3.connect(path)
        for i in (1, 2):
            con.execute("INSERT INTO kb_articles (id, title, body_html, body_parts, audience_roles,"
                        " audience_departments, version, archived, review_at, checked_at, created_at, updated_at)"
                        " VALUES (?, 't', 'b', '[]', '[]', '[]', 1, 0, '2027-01-01', '2026-01-01 00:00:00',"
                        " '2026-01-01 00:00:00', '2026-01-01 00:00:00')", (i,))
        con.executemany("INSERT INTO kb_terms (term, article_id, weight) VALUES (?, ?, ?)",
                        [("план", 1, 5), ("план", 2, 1), ("клиент", 2, 3)])
        con.commit()
        con.close()
        upgrade(url)
        engine = create_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            assert dict(conn.exec_driver_sql("SELECT term, df FROM kb_term_stats").all()) == \
                {"": 2, "план": 2, "клиент": 1}
            assert "ix_kb_terms_term_weight" in {ix["name"] for ix in inspect(conn).get_indexes("kb_terms")}
            diff = [d for d in compare_metadata(MigrationContext.configure(conn), Base.metadata) if "kb_" in repr(d)]
            assert diff == []
        command.downgrade(alembic_config(url), before)
        with engine.connect() as conn:
            assert "kb_term_stats" not in inspect(conn).get_table_names()
            assert "ix_kb_terms_term_weight" not in {ix["name"] for ix in inspect(conn).get_indexes("kb_terms")}
        engine.dispose()
