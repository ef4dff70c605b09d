"""`python -m bot seed-demo` and `python -m bot digest --preview out.png` (no Telegram at all)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from bot.__main__ import main
from models.org import Department, Member
from scheduler import charts
from tests.recording import BOT_TOKEN


async def test_seed_demo_then_preview_writes_png(db, database_url, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ADMIN_IDS", "42")
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    assert await asyncio.to_thread(main, ["seed-demo"]) == 0
    async with db.session() as s:
        assert await s.scalar(select(func.count(Department.id))) == 3
        people = await s.scalar(select(func.count(Member.id)))
        assert 20 <= people <= 30
        writers = await s.scalar(select(func.count(Member.id)).where(Member.role == "writer"))
    # a second run refuses: the database is not empty
    assert await asyncio.to_thread(main, ["seed-demo"]) == 1

    out = tmp_path / "out.png"
    assert await asyncio.to_thread(main, ["digest", "--preview", str(out)]) == 0
    png = out.read_bytes()
    # the admin's digest covers everyone: one row per writer, 1080 px wide
    assert charts.png_size(png) == (charts.WIDTH_PX, charts.rows_height_px(writers))
    assert charts.png_size((tmp_path / "out-cumulative.png").read_bytes()) == (1080, 810)
    printed = capsys.readouterr().out
    assert "Дайджест на" in printed and "1080x" in printed
    assert "3 SMM accounts, 7 leads, a course for 3 writers" in printed  # seed-demo says what it created
