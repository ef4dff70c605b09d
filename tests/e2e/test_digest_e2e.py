"""Demo data, then the real bot: /digest sends charts (uploads checked by the strict emulator), the
ratings dashboard shows the demo ratings, and a newcomer can still register (ids keep counting)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.__main__ import main
from models.org import Member
from scheduler import charts
from tests.e2e.conftest import E2E, E2E_ADMIN_ID
from tests.recording import BOT_TOKEN


@pytest.fixture
async def demo(db, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ADMIN_IDS", str(E2E_ADMIN_ID))
    monkeypatch.chdir(tmp_path)
    assert await asyncio.to_thread(main, ["seed-demo"]) == 0


async def test_digest_ratings_and_registration_after_demo(demo, e2e: E2E) -> None:
    admin = e2e.user(E2E_ADMIN_ID, "Olga", username="olga")
    await admin.send("/start")
    assert "С возвращением" in (await admin.wait_message()).text

    await admin.send("/digest")
    album = await admin.wait_message(lambda m: m.photo is not None, timeout=60)
    png = album.raw_bytes
    assert charts.png_size(png)[0] == charts.WIDTH_PX
    assert "Дайджест на" in album.text  # the caption under the first picture

    await e2e.emu.wait_idle()
    await admin.send("/ratings")
    dashboard = await admin.wait_message(lambda m: "Дашборд" in m.text)
    assert "SMM и соцсети" in dashboard.text or "Репутация" in dashboard.text

    await admin.send("/invite")
    pick_role = await admin.wait_message()
    await admin.press(pick_role, "автор")
    pick_dept = await admin.wait_edit(pick_role)
    await admin.press(pick_dept, "Репутация")
    done = await admin.wait_edit(pick_dept)
    token = done.text.split("start=")[1].split()[0]
    newcomer = e2e.user(5555, "Новенькая", username="newbie")
    await newcomer.send(f"/start {token}")
    assert "Добро пожаловать" in (await newcomer.wait_message()).text
    async with e2e.db.session() as s:
        assert await s.scalar(select(func.count(Member.id)).where(Member.telegram_id == 5555)) == 1
