"""Issue 12 (leads) end-to-end through ``python -m bot`` and the emulator: an administrator adds two leads (one by the
flow, one by the one-line form), a duplicate is refused, a lead moves to application and is handed to the sales
department, two sales members press **Take it** at once and exactly one owns it (the administrator is told who),
the /funnel figures match the test's own count from the database, and a writer of another department sees no
phone."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models.leads import FunnelStage, Lead, LeadEvent, LeadHandoff
from models.org import Department, Member
from tests.e2e.conftest import E2E, E2E_ADMIN_ID
from tests.e2e.test_clients_e2e import invite_token
from tests.e2e.test_reporting_e2e import paced


async def test_leads_scenario(e2e: E2E) -> None:
    admin = paced(e2e.user(E2E_ADMIN_ID, "Olga", last_name="Admin", username="olga"))
    await admin.send("/start")
    await admin.wait_message()
    for name in ("Продажи", "Дизайн"):
        await admin.send(f"/departments add {name}")
        await admin.wait_message()
    async with e2e.db.session() as s:
        sales_id = await s.scalar(select(Department.id).where(Department.name == "Продажи"))
    await admin.send(f"/departments sales {sales_id} on")
    assert "отдел продаж" in (await admin.wait_message()).text
    people = {}
    for uid, first, dept in ((10, "Sergey", "Продажи"), (11, "Sveta", "Продажи"), (3, "Oleg", "Дизайн")):
        user = paced(e2e.user(uid, first, last_name="T", username=first.lower()))
        await user.send(f"/start {await invite_token(admin, 'автор', [dept])}")
        await user.wait_message()
        people[first] = user

    # lead one by the flow
    await admin.send("/lead")
    await admin.wait_message()
    await admin.send("Мария Иванова")
    await admin.wait_message()
    await admin.send("8 (916) 123-45-67 maria@example.com")
    source = await admin.wait_message()
    await admin.send("Instagram студии")
    confirm = await admin.wait_message()
    await admin.press(confirm, "💾 Сохранить")
    card = await admin.wait_message(lambda m: "Лид #" in (m.text or ""))
    assert "+7 916 123-45-67" in card.text and source is not None
    # lead two by the one-line form
    await admin.send("/lead Анна Смирнова +7 903 000-11-22 @anna.sm")
    card2 = await admin.wait_message()
    assert "Лид сохранён" in card2.text
    # a duplicate (the same phone typed differently) is refused: the existing card, nothing new
    await admin.send("/lead Мария И. +79161234567")
    assert "уже есть" in (await admin.wait_message()).text
    async with e2e.db.session() as s:
        assert await s.scalar(select(func.count(Lead.id))) == 2
        lead = await s.scalar(select(Lead).where(Lead.name == "Мария Иванова"))

    # to application: the sales members get Take it
    await admin.press(card, "Тёплый лид ▶")
    card = await admin.wait_edit(card)
    await admin.press(card, "Заявка ▶")
    await admin.wait_edit(card)
    cards = {}
    for first in ("Sergey", "Sveta"):
        cards[first] = await people[first].wait_message(lambda m: "🙋 Беру" in str(m.buttons))
    # both press at once
    await asyncio.gather(people["Sergey"].press(cards["Sergey"], "🙋 Беру"),
                         people["Sveta"].press(cards["Sveta"], "🙋 Беру"))
    told = await admin.wait_message(lambda m: "взял(а) лида" in (m.text or ""))
    await e2e.emu.wait_idle()
    async with e2e.db.session() as s:
        handoff = await s.scalar(select(LeadHandoff).where(LeadHandoff.lead_id == lead.id))
        owner = await s.get(Member, handoff.taken_by)
        lead = await s.get(Lead, lead.id)
    assert lead.owner_id == owner.id and owner.telegram_id in (10, 11)
    assert owner.display_name.split()[0] in told.text
    assert len([m for m in admin.messages if "взял(а) лида" in (m.text or "")]) == 1

    # the funnel figures, recomputed by the test from the stored changes: every stage's line (entered, reached,
    # conversion, median days), for this month (the month counters) and for the days of it so far (the facts)
    names = {"dialogue": "Диалог", "warm": "Тёплый лид", "application": "Заявка", "handed": "Передан в продажи",
             "won": "Успешно"}
    async with e2e.db.session() as s:
        stages = list(await s.scalars(select(FunnelStage).where(FunnelStage.archived.is_(False))))
        events = (await s.execute(select(LeadEvent.lead_id, LeadEvent.to_stage_id, LeadEvent.at)
                                  .order_by(LeadEvent.lead_id, LeadEvent.at, LeadEvent.id))).all()
        created = await s.scalar(select(func.count(Lead.id)))
    order = sorted((st for st in stages if st.kind == "open"), key=lambda st: st.position) + [
        st for st in stages if st.kind == "won"]
    position = {st.id: i for i, st in enumerate(order)}
    paths: dict[int, list] = {}
    for lead_id, stage_id, at in events:
        paths.setdefault(lead_id, []).append((stage_id, at))
    expected = [f"{created} новых лида"]
    for i, st in enumerate(order):
        entered = len({lead_id for lead_id, stage_id, _ in events if stage_id == st.id})
        reached = [sum(1 for p in paths.values() if max(position.get(x, -1) for x, _ in p) >= k) for k in (i, i - 1)]
        stays = sorted((b[1] - a[1]).total_seconds() / 86_400 for p in paths.values() for a, b in itertools.pairwise(p)
                       if a[0] == st.id)
        mid = len(stays) // 2
        median = "—" if not stays else f"{(stays[mid] if len(stays) % 2 else (stays[mid - 1] + stays[mid]) / 2):.1f}"
        conversion = "—" if i == 0 else f"{reached[0] * 100 / reached[1]:.0f}%" if reached[1] else "—"
        expected.append(f"{names[st.key]}: вошли {entered}, дошли {reached[0]}, конверсия {conversion}, "
                        f"медиана {median} дн. на этапе")
    assert expected[2] == "Тёплый лид: вошли 1, дошли 1, конверсия 50%, медиана 0.0 дн. на этапе"
    for period in ("", "01." + datetime.now(ZoneInfo("Europe/Moscow")).strftime("%m") + "-"
                   + datetime.now(ZoneInfo("Europe/Moscow")).strftime("%d.%m")):
        await admin.send(f"/funnel {period}".strip())
        text = (await admin.wait_message(lambda m: "Воронка лидов" in (m.text or ""))).text
        for line in expected:
            assert line in text, (line, text)

    # a writer of another department sees the name and the stage, never the phone
    oleg = people["Oleg"]
    await oleg.send(f"/lead {lead.id}")
    seen = await oleg.wait_message()
    assert "Мария Иванова" in seen.text and "+7 916" not in seen.text and "maria@" not in seen.text
