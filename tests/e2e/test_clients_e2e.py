"""Issue 10 end-to-end: a manager invites a client to one of two projects; a writer sends units for approval;
the client requests changes on one (the writer and the manager are told, the revision shows in /team projects)
and approves another; the writer's *approved* in client mode is refused; /pending and /projects show the right
figures; the monthly report is a valid PDF with the numbers this test recomputes from the database; nothing a
client received names a team member or another project."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.domain.workdays import local_today
from bot.services.stats import month_range_utc
from models.clients import ClientDecision
from models.reporting import Project, Revision, Unit
from tests.e2e.conftest import E2E, E2E_ADMIN_ID
from tests.e2e.test_reporting_e2e import paced
from tests.test_clients_review import pdf_text

TZ = "Europe/Moscow"


async def invite_token(user, role_button: str, pick: list[str]) -> str:
    await user.send("/invite")
    msg = await user.wait_message()
    await user.press(msg, role_button)
    msg = await user.wait_edit(msg)
    for p in pick:
        await user.press(msg, p)
        msg = await user.wait_edit(msg)
    if role_button == "клиент":
        await user.press(msg, next(b["text"] for row in msg.reply_markup["inline_keyboard"] for b in row
                                   if "Создать ссылку" in b["text"]))
        msg = await user.wait_edit(msg)
    return next(w for w in msg.text.split() if "start=" in w).split("start=")[1]


async def test_client_cabinet_scenario(e2e: E2E) -> None:
    admin = paced(e2e.user(E2E_ADMIN_ID, "Olga", last_name="Admin", username="olga"))
    await admin.send("/start")
    await admin.wait_message()
    for name in ("Alpha", "Beta Secret"):
        await admin.send(f'/projects add {name}')
        await admin.wait_message()
    manager = paced(e2e.user(3, "Max", last_name="Bossov", username="maxboss"))
    await manager.send(f"/start {await invite_token(admin, 'руководитель', ['Общий отдел'])}")
    await manager.wait_message()
    writer = paced(e2e.user(2, "Anna", last_name="Petrova", username="anna"))
    await writer.send(f"/start {await invite_token(admin, 'автор', ['Общий отдел'])}")
    await writer.wait_message()
    # the manager invites a client to one of the two projects
    client = paced(e2e.user(50, "Carl", last_name="Client", username="carl"))
    await client.send(f"/start {await invite_token(manager, 'клиент', ['Alpha'])}")
    assert "клиент проектов: «Alpha»" in (await client.wait_message()).text

    cards = {}
    for project, title in (("Alpha", "Post A"), ("Alpha", "Post B"), ("Alpha", "Post C"),
                           ('"Beta Secret"', "Post D")):
        await writer.send(f"/report smm {project} {title}")
        card = await writer.wait_message()
        await writer.press(card, "Отправлена на согласование")
        cards[title] = await writer.wait_edit(card)
    got = {}
    for _ in range(3):
        m = await client.wait_message()
        got[next(t for t in ("Post A", "Post B", "Post C") if t in m.text)] = m
    assert set(got) == {"Post A", "Post B", "Post C"}

    # changes on A: a reason, a comment; the writer and the manager are told
    await client.press(got["Post A"], "✏️ Нужны правки")
    reasons = await client.wait_edit(got["Post A"])
    await client.press(reasons, "Стиль или тон")
    await client.wait_edit(reasons)
    await client.send("Поменяйте заголовок, он скучный")
    assert "переданы команде" in (await client.wait_message()).text
    told = await writer.wait_message(lambda m: "просит правки" in (m.text or ""))
    assert "Поменяйте заголовок" in told.text
    assert "Anna Petrova" in (await manager.wait_message(lambda m: "просит правки" in (m.text or ""))).text
    # approve B: the writer is told
    await client.press(got["Post B"], "✅ Согласовать")
    await client.wait_edit(got["Post B"])
    await writer.wait_message(lambda m: "согласовал" in (m.text or ""))
    # the writer's "approved" on C is refused in client mode
    await writer.press(cards["Post C"], "Согласована")
    await e2e.emu.wait_idle()
    answers = [c for c in e2e.emu.calls("answerCallbackQuery")
               if "согласует клиент" in str(c["params"].get("text", ""))]
    assert answers

    # the figures
    await manager.send("/team projects")
    team = await manager.wait_message()
    assert "от клиента в боте правок 1" in team.text
    await client.send("/pending")
    pending = await client.wait_message()
    assert "Post C" in pending.text and "Post A" not in pending.text and "Post B" not in pending.text
    await client.send("/projects")
    projects = await client.wait_message()
    now = datetime.now(UTC)
    month = local_today(now, TZ).replace(day=1)
    start, _end = month_range_utc(month, TZ)
    async with e2e.db.session() as s:
        alpha = await s.scalar(select(Project).where(Project.name == "Alpha"))
        sent = await s.scalar(select(func.count(Unit.id)).where(Unit.project_id == alpha.id, Unit.sent_at >= start))
        approved = await s.scalar(select(func.count(Unit.id)).where(Unit.project_id == alpha.id,
                                                                    Unit.state == "approved"))
        waiting = await s.scalar(select(func.count(Unit.id)).where(Unit.project_id == alpha.id, Unit.state == "sent"))
        revisions = await s.scalar(select(func.count(Revision.id)).join(Unit, Unit.id == Revision.unit_id)
                                   .where(Unit.project_id == alpha.id))
    assert (sent, approved, waiting, revisions) == (3, 1, 1, 1)
    assert (f"отправлено на согласование {sent}, согласовано {approved}, ждут решения {waiting}, "
            f"правок {revisions}") in projects.text

    # the monthly report: a valid PDF with the same numbers
    await manager.send(f"/client_report {alpha.id} {month:%Y-%m}")
    summary = await manager.wait_message()
    assert f"Согласовано (сдано) единиц: {approved}" in summary.text
    doc = await manager.wait_message(lambda m: m.document is not None)
    pdf = doc.files[0].raw_bytes
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and b"/FontFile2" in pdf
    keywords = re.search(rb"/Keywords \((.*?)\)", pdf).group(1).decode()
    assert f"approved={approved}; waiting={waiting}; revisions={revisions}" in keywords
    # ...and the PDF's own text (what the client's boss reads) says the same, with the decision time
    async with e2e.db.session() as s:
        avg = await s.scalar(select(func.avg(ClientDecision.seconds)).join(Unit, Unit.id == ClientDecision.unit_id)
                             .where(Unit.project_id == alpha.id))
    text = pdf_text(pdf)
    for line in ("Отчёт по проекту «Alpha»", f"Согласовано (сдано) единиц: {approved}",
                 f"· Контент для соцсетей: {approved}", f"Ждут решения сейчас: {waiting}", f"Правок: {revisions}",
                 f"· Стиль или тон: {revisions}", f"Среднее время решения клиента: {avg / 3600:.1f} ч"):
        assert line in text and line in summary.text, line

    # the leak scan: nothing the client received names a team member or another project
    await e2e.emu.wait_idle()
    seen = []
    for m in client.messages:
        seen += [m.text or "", m.html or ""] + [str(h) for h in m.history]
        if m.reply_markup:
            seen += [b["text"] for row in m.reply_markup.get("inline_keyboard", []) for b in row]
    for c in e2e.emu.calls("answerCallbackQuery"):  # the alerts the client saw
        record = e2e.emu.callbacks.get(str(c["params"].get("callback_query_id")))
        if record is not None and record.user_id == client.id:
            seen.append(str(c["params"].get("text", "")))
    blob = "\n".join(seen)
    for secret in ("Anna", "Petrova", "anna", "Olga", "olga", "Max", "Bossov", "maxboss", "Beta Secret", "Post D"):
        assert secret not in blob, secret
