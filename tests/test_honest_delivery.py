"""Issue 8 points 1, 6, 7, 9, 17, 18, 20: proactive messages in the member's language, one sender with
one flood-control state, rating forms and deliveries claimed before sending and recovered once after a
restart, one digest builder for preview and delivery, form state lifetime."""

from __future__ import annotations

import ast
import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.sender import Sender
from bot.services import Services
from bot.services.stats import rebuild_in
from models import scheduling_repo as repo
from models.org import Department, Member
from models.ratings import Rating, RatingForm, RatingPolicy
from models.reporting import Plan
from tests.conftest import ADMIN_ID
from tests.recording import BOT_TOKEN, Harness, Person, RecordingSession
from tests.scheduling_helpers import TEAM_TZ, FakeSender, at_msk, make_jobs, make_team

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 1, tzinfo=UTC)


# -- 1. the member's Telegram language for every proactive message --------------------------------
async def test_english_telegram_member_gets_english_proactive_messages(harness: Harness, db, settings,
                                                                       clock) -> None:
    h = harness
    admin = Person(ADMIN_ID, "Olga", language_code="en")
    writer = Person(2, "Ann", language_code="en-GB")
    await h.send(admin, "/start")
    async with db.session() as s:
        admin_m = await s.scalar(select(Member).where(Member.telegram_id == ADMIN_ID))
        assert admin_m.language is None and admin_m.telegram_language == "en"
        invite, _dept = await Services(s, db, settings, clock).org.create_invite(admin_m, "writer",
                                                                                  admin_m.department_id)
    sent = await h.send(writer, f"/start {invite.token}")
    notice = [m for m in h.messages(sent) if m.params["chat_id"] == ADMIN_ID]
    assert len(notice) == 1 and "joined with your invite" in notice[0].text
    assert h.dp.workflow_data["sender"].stats["sent"] == 1  # it went through the process-wide sender

    async with db.session() as s, db.writing(s):
        writer_m = await s.scalar(select(Member).where(Member.telegram_id == writer.id))
        assert writer_m.telegram_language == "en-GB"
        s.add(Plan(member_id=writer_m.id, month=date(2026, 11, 1), stream_id=1, units=20, updated_at=NOW))
        rated = Department(name="Accounts", created_at=NOW)
        s.add(rated)
        await s.flush()
        s.add(Member(telegram_id=50, display_name="Boris", role="writer", department_id=rated.id, active=True,
                     unreachable=False, created_at=NOW))
        s.add(RatingPolicy(rater_department_id=writer_m.department_id, rated_department_id=rated.id,
                           cadence="monthly", mode="anonymous", active=True, created_at=NOW))
    settings = settings.model_copy(update={"chart_mode": "thread", "chart_workers": 1})
    jobs, fake = make_jobs(db, settings, clock)
    await jobs.send_digests(at_msk(16, 9, 0))
    await jobs.remind_reports(at_msk(16, 18, 0))
    from scheduler.jobs import run_rating_campaign

    async with db.session() as s:
        await run_rating_campaign(jobs, Services(s, db, settings, clock), clock.now())
    by_kind = {(c.kind, c.chat_id): c.text for c in fake.calls}
    assert "Digest for" in by_kind[("digest_daily", ADMIN_ID)]
    assert "nothing reported today" in by_kind[("remind_report", writer.id)]
    assert "Rating for" in by_kind[("rating_campaign", writer.id)]
    assert "Rating for" in by_kind[("rating_campaign", ADMIN_ID)]
    jobs.renderer.shutdown()

    # Telegram's language changes: stored on the next update, and followed from then on
    await h.send(Person(2, "Ann", language_code="ru"), "/help")
    async with db.session() as s:
        writer_m = await s.scalar(select(Member).where(Member.telegram_id == writer.id))
        assert writer_m.telegram_language == "ru"
    jobs, fake = make_jobs(db, settings, clock)
    await jobs.remind_reports(at_msk(17, 18, 0))
    assert "Напоминание" in fake.calls[0].text or "ничего" in fake.calls[0].text
    # a choice in /settings wins over Telegram's language
    async with db.session() as s, db.writing(s):
        (await s.get(Member, writer_m.id)).language = "en"
    jobs, fake = make_jobs(db, settings, clock)
    await jobs.remind_reports(at_msk(18, 18, 0))
    assert "nothing reported today" in fake.calls[0].text


# -- 6. a 429 holds the chat for every sender in the process ----------------------------------------
class FloodSession(RecordingSession):
    """Answers 429 (retry after 1 s) to the first request to each chat in ``flood``, and to the first
    getMe; records when every request was made. Has the client middleware, as ``create_bot`` makes it."""

    def __init__(self, flood: set[Any]) -> None:
        from bot.telegram import RetryAfter

        super().__init__()
        self.middleware(RetryAfter())
        self.flood = set(flood)
        self.times: list[tuple[float, str, Any, bool]] = []  # (monotonic, method, chat, refused)
        self.refused = asyncio.Event()

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:  # noqa: ASYNC109
        chat = getattr(method, "chat_id", None)
        key = chat if chat is not None else method.__api_method__
        if key in self.flood:
            self.flood.discard(key)
            self.times.append((time.monotonic(), method.__api_method__, chat, True))
            self.refused.set()
            raise TelegramRetryAfter(method=method, message="Too Many Requests: retry after 1", retry_after=1)
        self.times.append((time.monotonic(), method.__api_method__, chat, False))
        return await super().make_request(bot, method, timeout)


async def test_429_holds_the_chat_for_every_sender_and_attempts_are_real(db) -> None:
    session = FloodSession({501})
    bot = Bot(BOT_TOKEN, session=session)
    sender = Sender(bot, db, chat_interval=0.0)
    first = asyncio.create_task(sender.send_text(501, "first"))
    await session.refused.wait()
    # during the hold: a second delivery to the same chat, and a handler's reply to it
    second = asyncio.create_task(sender.send_text(501, "second"))
    reply = asyncio.create_task(bot.send_message(501, "reply"))
    other = asyncio.create_task(sender.send_text(502, "another chat"))
    a, b, _, c = await asyncio.gather(first, second, reply, other)
    assert (a.status, a.attempts) == ("sent", 2)  # the 429 is an attempt, not hidden by the client
    assert (b.status, b.attempts) == ("sent", 1)
    assert c.ok
    refused_at = next(t for t, _, _, refused in session.times if refused)
    later = [t for t, _, chat, refused in session.times if chat == 501 and not refused]
    assert len(later) == 3 and min(later) >= refused_at + 1.0 - 0.01  # nothing into chat 501 during the hold
    other_at = next(t for t, _, chat, _ in session.times if chat == 502)
    assert other_at < refused_at + 1.0  # other chats are not held
    await bot.session.close()


async def test_429_without_a_chat_holds_every_chat(db) -> None:
    session = FloodSession({"getMe"})
    bot = Bot(BOT_TOKEN, session=session)
    sender = Sender(bot, db, chat_interval=0.0)
    me = asyncio.create_task(bot.get_me())  # the client waits out the hold and tries again
    await session.refused.wait()
    outcome = await sender.send_text(503, "any chat")
    await me
    refused_at = next(t for t, _, _, refused in session.times if refused)
    sent_at = next(t for t, _, chat, _ in session.times if chat == 503)
    assert outcome.ok and sent_at >= refused_at + 1.0 - 0.01
    await bot.session.close()


async def test_delivery_log_records_the_real_attempts(db, settings, clock) -> None:
    team = await make_team(db, writers=1)
    session = FloodSession({team.writers[0].telegram_id})
    bot = Bot(BOT_TOKEN, session=session)
    jobs, _ = make_jobs(db, settings, clock, sender=Sender(bot, db, chat_interval=0.0))
    await jobs.remind_reports(at_msk(16, 18, 0))
    async with db.session() as s:
        [row] = await repo.deliveries(s, kind="remind_report")
    assert (row.status, row.attempts) == ("sent", 2)
    await bot.session.close()


# -- 7 + 18. rating forms claimed before sending, recovered once; no second form while one is open ----
class DiesAfter(FakeSender):
    """The process is stopped (cancelled) while sending message number ``n + 1``."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    async def send_text(self, chat_id: int, text: str, *, kind: str = "message", reply_markup=None):
        if len(self.calls) >= self.n:
            raise asyncio.CancelledError
        return await super().send_text(chat_id, text, kind=kind, reply_markup=reply_markup)


async def rating_org(db) -> None:
    async with db.session() as s, db.writing(s):
        raters = Department(name="Raters", created_at=NOW)
        rated = Department(name="Rated", created_at=NOW)
        s.add_all([raters, rated])
        await s.flush()
        for i in range(3):
            s.add(Member(telegram_id=900 + i, display_name=f"Rater {i}", role="writer", department_id=raters.id,
                         active=True, unreachable=False, created_at=NOW))
        for i in range(2):
            s.add(Member(telegram_id=950 + i, display_name=f"Person {i}", role="writer", department_id=rated.id,
                         active=True, unreachable=False, created_at=NOW))
        s.add(RatingPolicy(rater_department_id=raters.id, rated_department_id=rated.id, cadence="monthly",
                           mode="aggregate", active=True, created_at=NOW))


async def form_statuses(db) -> list[str | None]:
    async with db.session() as s:
        return sorted(f.status for f in await s.scalars(select(RatingForm)))


async def test_campaign_stopped_midway_sends_the_rest_once_after_restart(db, settings, clock) -> None:
    from scheduler.jobs import remind_raters, run_rating_campaign

    await rating_org(db)
    clock.set(at_msk(2, 9, 5))
    jobs, dying = make_jobs(db, settings, clock, sender=DiesAfter(2))
    async with db.session() as s:
        with pytest.raises(asyncio.CancelledError):
            await run_rating_campaign(jobs, Services(s, db, settings, clock), clock.now())
    assert len(dying.calls) == 2
    assert await form_statuses(db) == ["pending"] * 4 + ["sent"] * 2  # not "all sent"
    # the reminder reminds only those whose form was actually sent
    async with db.session() as s:
        reminders = await Services(s, db, settings, clock).ratings.claim_reminders()
    assert len(reminders) == 2
    async with db.session() as s, db.writing(s):  # (undo the reminder claim for the rest of the test)
        for f in await s.scalars(select(RatingForm)):
            f.reminder_status = None
    # the restart, within the grace period: the four unsent forms go out, once
    clock.set(at_msk(2, 10, 0))
    jobs, fake = make_jobs(db, settings, clock)
    await jobs.recover()
    assert fake.kinds() == ["rating_campaign"] * 4
    assert {c.chat_id for c in fake.calls} | {c.chat_id for c in dying.calls} == {900, 901, 902}
    assert await form_statuses(db) == ["sent"] * 6
    await jobs.recover()
    assert len(fake.calls) == 4
    # and the next /rating_campaign (or tick) sends nobody another form: they are all open
    async with db.session() as s:
        assert await Services(s, db, settings, clock).ratings.campaign() == []
    # three days later everybody who got a form is reminded
    clock.set(at_msk(5, 9, 0))
    async with db.session() as s:
        await remind_raters(jobs, Services(s, db, settings, clock), clock.now())
    assert fake.kinds().count("rating_reminder") == 6


async def test_unsent_forms_past_the_grace_period_expire(db, settings, clock) -> None:
    from scheduler.jobs import run_rating_campaign

    await rating_org(db)
    clock.set(at_msk(2, 9, 5))
    jobs, _dying = make_jobs(db, settings, clock, sender=DiesAfter(1))
    async with db.session() as s:
        with pytest.raises(asyncio.CancelledError):
            await run_rating_campaign(jobs, Services(s, db, settings, clock), clock.now())
    clock.set(at_msk(2, 9, 5) + timedelta(hours=settings.digest_grace_hours, minutes=1))
    jobs, fake = make_jobs(db, settings, clock)
    report = await jobs.recover()
    assert fake.calls == [] and report.skipped["expired"] == 5
    async with db.session() as s:
        errors = {f.error for f in await s.scalars(select(RatingForm)) if f.status == "expired"}
    assert errors and all("DIGEST_GRACE_HOURS" in e for e in errors)


# -- 17. pending deliveries after a restart: sent once inside the grace period, else expired --------
async def test_pending_deliveries_are_sent_once_or_expired_after_restart(db, settings, clock) -> None:
    team = await make_team(db, writers=1)
    settings = settings.model_copy(update={"chart_mode": "thread", "chart_workers": 1})

    class DiesOnDigest(FakeSender):
        async def send_charts(self, chat_id, pngs, caption, *, kind="digest"):
            raise asyncio.CancelledError

    jobs, _ = make_jobs(db, settings, clock, sender=DiesOnDigest())
    with pytest.raises(asyncio.CancelledError):  # SIGTERM while the digest was being sent
        await jobs.send_digests(at_msk(16, 9, 0))
    jobs.renderer.shutdown()
    async with db.session() as s:
        rows = await repo.deliveries(s)
    assert {r.status for r in rows} == {"pending"} and all(r.payload for r in rows)
    # an older pending delivery (past the grace period) and one interrupted while resent
    async with db.session() as s, db.writing(s):
        await repo.insert_deliveries(s, [
            {"member_id": team.writers[0].id, "kind": "remind_report", "period_key": "2026-11-13",
             "planned_at": at_msk(13, 18), "created_at": at_msk(13, 18), "payload": {"day": "2026-11-13"}}])
    clock.set(at_msk(16, 9, 30))
    jobs, fake = make_jobs(db, settings, clock)
    await jobs.recover()
    assert sorted(fake.kinds()) == ["digest_daily", "digest_weekly"]
    async with db.session() as s:
        rows = {(r.kind, r.period_key): r for r in await repo.deliveries(s)}
    assert rows[("digest_daily", "2026-11-16")].status == "sent"
    old = rows[("remind_report", "2026-11-13")]
    assert old.status == "expired" and "DIGEST_GRACE_HOURS" in old.error
    await jobs.recover()  # once
    assert len(fake.calls) == 2
    jobs.renderer.shutdown()


async def test_delivery_interrupted_again_while_resent_expires(db, settings, clock) -> None:
    team = await make_team(db, writers=1)
    async with db.session() as s, db.writing(s):
        await repo.insert_deliveries(s, [
            {"member_id": team.writers[0].id, "kind": "remind_report", "period_key": "2026-11-16",
             "planned_at": at_msk(16, 18), "created_at": at_msk(16, 18), "payload": {"day": "2026-11-16"}}])
    clock.set(at_msk(16, 18, 5))
    jobs, _ = make_jobs(db, settings, clock, sender=DiesAfter(0))
    with pytest.raises(asyncio.CancelledError):
        await jobs.recover()
    jobs, fake = make_jobs(db, settings, clock)
    await jobs.recover()
    async with db.session() as s:
        [row] = await repo.deliveries(s)
    assert fake.calls == [] and row.status == "expired" and "interrupted again" in row.error


async def test_stopping_the_scheduler_lets_the_send_in_flight_finish(settings) -> None:
    from scheduler.jobs import Report
    from scheduler.service import SchedulerService

    class SlowJobs:
        stopping = False

        def __init__(self) -> None:
            self.started = asyncio.Event()
            self.finished = False

        async def recover(self) -> Report:
            return Report()

        async def tick(self) -> Report:
            self.started.set()
            await asyncio.sleep(0.3)  # a send in flight
            self.finished = True
            return Report()

        async def prepare(self) -> int:
            return 0

        async def check_lags(self) -> None:
            return None

    jobs = SlowJobs()
    service = SchedulerService(jobs, settings)  # type: ignore[arg-type]
    service.start()
    await asyncio.wait_for(jobs.started.wait(), 10)
    await service.stop(grace=10)
    assert jobs.finished and jobs.stopping


# -- 9. the preview builds the digest like the delivery ---------------------------------------------
async def test_monthly_preview_has_the_ratings_chart_and_section(db, database_url, tmp_path, monkeypatch,
                                                                  capsys) -> None:
    from bot.__main__ import main

    team = await make_team(db, writers=2, month=date(2026, 11, 1))
    async with db.session() as s, db.writing(s):
        raters = Department(name="Raters", created_at=NOW)
        s.add(raters)
        await s.flush()
        policy = RatingPolicy(rater_department_id=raters.id, rated_department_id=team.department_id,
                              cadence="monthly", mode="anonymous", active=True, created_at=NOW)
        s.add(policy)
        await s.flush()
        s.add(Rating(policy_id=policy.id, rated_id=team.writers[0].id, period="2026-11", task_ref=None, score=4,
                     comment=None, dedup_key="d1", rater_key="r1", rater_id=None, created_at=NOW, updated_at=NOW))
        await s.flush()
        await rebuild_in(s, TEAM_TZ)  # written around the services: recount the counters
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("bot.clock.Clock", lambda: FrozenClock(datetime(2026, 12, 1, 7, 0, tzinfo=UTC)))
    out = tmp_path / "out.png"
    assert await asyncio.to_thread(main, ["digest", "--preview", str(out), "--kind", "monthly"]) == 0
    assert (tmp_path / "out-ratings.png").exists()
    printed = capsys.readouterr().out
    assert "4.00" in printed  # the rating section of the caption, as the delivered monthly digest has it


# -- 18. form state lifetime ------------------------------------------------------------------------
def test_form_state_lifetime_is_a_setting(settings) -> None:
    from bot.app import create_storage

    storage = create_storage(settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/1"}))
    assert storage.state_ttl == storage.data_ttl == 24 * 3600
    storage = create_storage(settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/1",
                                                         "form_ttl_hours": 2}))
    assert storage.state_ttl == storage.data_ttl == 2 * 3600


# -- 20. one way to send ----------------------------------------------------------------------------
def test_handlers_do_not_send_messages_to_others_directly() -> None:
    """Messages to someone other than the person being answered go through the process-wide Sender."""
    offenders = []
    for path in sorted((REPO / "handlers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("send_message", "send_photo", "send_media_group", "send_document")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "bot"):
                offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Sender":
                offenders.append(f"{path.name}:{node.lineno} builds its own Sender")
    assert offenders == []


async def test_rating_notice_goes_through_the_sender(harness: Harness, db) -> None:
    from tests.test_ratings import A1, R1, rate, setup_org

    await setup_org(harness, db, mode="anonymous", cadence="monthly")
    sender = harness.dp.workflow_data["sender"]
    before = sender.stats["sent"]
    sent = await rate(harness, R1, "Anna", 5, comment=None)
    assert [m for m in harness.messages(sent) if m.params["chat_id"] == A1.id]
    assert sender.stats["sent"] == before + 1
