"""``python -m bot seed-demo``: a realistic demo organisation for previews, the benchmark and trials.

:func:`populate` writes with Core bulk inserts (fast enough for the 15 000-member benchmark) into a
database at the newest migration: departments with a manager each, writers, plans for this and the
previous month, a month of units (sent, approved, in revision) and revisions. Deterministic for a seed.

Peer ratings: the first department rates the managers of the other two under an aggregate monthly
policy, and the second rates the third's writers under an anonymous one; raters are stored only as
HMAC keys, exactly as the bot stores them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import Settings
from bot.db import sync_id_sequences
from bot.domain.workdays import local_today, month_bounds, working_days
from bot.services.stats import previous_month
from models.org import Department, Member, department_managers
from models.reporting import Plan, Project, Revision, Stream, Unit

FIRST_F = ["Анна", "Мария", "Екатерина", "Ольга", "Дарья", "Полина", "Софья", "Алина", "Ксения", "Виктория",
           "Наталья", "Юлия", "Татьяна", "Ирина", "Елизавета"]
FIRST_M = ["Иван", "Дмитрий", "Алексей", "Сергей", "Михаил", "Артём", "Никита", "Павел", "Андрей", "Кирилл",
           "Егор", "Максим", "Роман", "Григорий", "Тимофей"]
LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов",
        "Петров", "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов", "Голубев", "Виноградов",
        "Богданов", "Воробьёв", "Фёдоров", "Михайлов", "Беляев", "Тарасов", "Белов", "Константинопольский"]
DEMO_DEPARTMENTS = ["SMM и соцсети", "Репутация", "Статьи и SEO"]
PROJECTS = ["Кофейня «Зерно»", "Клиника «Здоровье+»", "Автосалон «Мотор»", "Фитнес-клуб «Пульс»",
            "Школа английского «Speak»", "Ресторан «Пряности»", "Застройщик «Новый квартал»",
            "Интернет-магазин «Домашний уют»"]
REASONS = ["factual", "style", "brief", "client_changed", "typos", "other"]
FAKE_TID = 7_000_000_000


@dataclass
class Demo:
    department_ids: list[int] = field(default_factory=list)
    manager_ids: list[int] = field(default_factory=list)
    writer_ids: list[int] = field(default_factory=list)
    admin_id: int | None = None
    client_ids: list[int] = field(default_factory=list)
    smm_admin_id: int | None = None  # the writer who reports the demo's SMM accounts
    smm_account_ids: list[int] = field(default_factory=list)
    lead_ids: list[int] = field(default_factory=list)
    course_id: int | None = None
    learner_ids: list[int] = field(default_factory=list)  # writers the course is assigned to
    units: int = 0
    revisions: int = 0

    def summary(self) -> str:
        """What was created, for the terminal (``seed-demo``, the sandbox's first start)."""
        parts = [f"{len(self.department_ids)} departments", f"{len(self.manager_ids)} managers",
                 f"{len(self.writer_ids)} writers", f"{len(self.client_ids)} client(s)", f"{self.units} units",
                 f"{self.revisions} revisions", f"{len(self.smm_account_ids)} SMM accounts",
                 f"{len(self.lead_ids)} leads"]
        if self.course_id is not None:
            parts.append(f"a course for {len(self.learner_ids)} writers")
        return ", ".join(parts)


def person_name(rng: random.Random) -> str:
    if rng.random() < 0.5:
        last = rng.choice(LAST)
        return f"{rng.choice(FIRST_F)} {last[:-1] + 'ая' if last.endswith('ий') else last + 'а'}"
    return f"{rng.choice(FIRST_M)} {rng.choice(LAST)}"


async def _next_id(conn: AsyncConnection, column) -> int:
    return int(await conn.scalar(select(func.coalesce(func.max(column), 0)))) + 1


async def populate(conn: AsyncConnection, settings: Settings, now: datetime, *, teams: int = 3,
                   writers_per_team: int = 7, seed: int = 7, admin_telegram_id: int | None = None,
                   department_names: list[str] | None = None, revision_share: float = 0.18,
                   tid_base: int = FAKE_TID, previous: bool = True) -> Demo:
    """Insert a demo organisation; returns the ids it created."""
    rng = random.Random(seed)
    zone = ZoneInfo(settings.timezone)
    demo = Demo()
    created = now - timedelta(days=70)
    streams = [sid for sid, in (await conn.execute(select(Stream.id).where(Stream.active.is_(True))
                                                   .order_by(Stream.position))).all()]
    dept_id, member_id = await _next_id(conn, Department.id), await _next_id(conn, Member.id)
    project_id, unit_id = await _next_id(conn, Project.id), await _next_id(conn, Unit.id)
    names = department_names or DEMO_DEPARTMENTS
    departments, members, managed, plans, units, revisions = [], [], [], [], [], []
    for i in range(teams):
        name = names[i] if i < len(names) else f"Отдел {i + 1}"
        departments.append({"id": dept_id + i, "name": name, "created_at": created})
        demo.department_ids.append(dept_id + i)
    if admin_telegram_id is not None:
        members.append({"id": member_id, "telegram_id": admin_telegram_id, "display_name": "Администратор",
                        "role": "admin", "department_id": dept_id, "active": True, "unreachable": False,
                        "created_at": created})
        demo.admin_id = member_id
        member_id += 1
    tid = tid_base
    for d in demo.department_ids:
        members.append({"id": member_id, "telegram_id": tid, "display_name": person_name(rng), "role": "manager",
                        "department_id": d, "active": True, "unreachable": False, "created_at": created})
        managed.append({"member_id": member_id, "department_id": d})
        demo.manager_ids.append(member_id)
        member_id, tid = member_id + 1, tid + 1
        for _ in range(writers_per_team):
            members.append({"id": member_id, "telegram_id": tid, "display_name": person_name(rng),
                            "role": "writer", "department_id": d, "active": True, "unreachable": False,
                            "created_at": created})
            demo.writer_ids.append(member_id)
            member_id, tid = member_id + 1, tid + 1
    projects = [{"id": project_id + i, "name": p, "archived": False, "created_by": None, "created_at": created}
                for i, p in enumerate(PROJECTS)]

    await conn.execute(insert(Department), departments)
    await conn.execute(insert(Member), members)
    if managed:
        await conn.execute(insert(department_managers), managed)
    await conn.execute(insert(Project), projects)

    async def flush(final: bool = False) -> None:
        """Write pending units, then their revisions (which refer to them)."""
        nonlocal units, revisions
        if not final and len(units) < 5000:
            return
        if units:
            await conn.execute(insert(Unit), units)
            demo.units += len(units)
            units = []
        if revisions:
            await conn.execute(insert(Revision), revisions)
            demo.revisions += len(revisions)
            revisions = []

    today = local_today(now, settings.timezone)
    months = [previous_month(today), today.replace(day=1)] if previous else [today.replace(day=1)]
    for writer in demo.writer_ids:
        stream = streams[writer % len(streams)] if streams else 1
        pace_factor = rng.choice([0.55, 0.75, 0.9, 1.0, 1.0, 1.05, 1.15, 1.25])
        for month in months:
            first, last = month_bounds(month)
            days = working_days(first, last, country=settings.holiday_country)
            plan = rng.choice([30, 36, 40, 44, 50, 60])
            plans.append({"member_id": writer, "month": month, "stream_id": stream, "units": plan,
                          "set_by": None, "updated_at": datetime.combine(first, time(9), zone).astimezone(UTC)})
            rate = plan / max(len(days), 1) * pace_factor
            for day in days:
                if day > today:
                    break
                n = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
                for _ in range(n):
                    at = datetime.combine(day, time(rng.randint(10, 18), rng.randint(0, 59)), zone).astimezone(UTC)
                    if at > now:
                        continue
                    roll = rng.random()
                    written = day == today and roll < 0.4
                    state = "written" if written else ("revision" if roll < 0.08 else
                                                       "sent" if roll < 0.3 else "approved")
                    units.append({"id": unit_id, "author_id": writer, "stream_id": stream,
                                  "project_id": rng.choice(projects)["id"], "title": f"Материал №{unit_id}",
                                  "link": None, "state": state, "created_at": at, "updated_at": at,
                                  "sent_at": None if written else at,
                                  "approved_at": at + timedelta(hours=5) if state == "approved" else None,
                                  "deleted_at": None})
                    if state == "revision" or (state == "approved" and rng.random() < revision_share):
                        received = at + timedelta(hours=rng.randint(1, 20))
                        if received < now:
                            done = None if state == "revision" else received + timedelta(hours=rng.randint(1, 30))
                            revisions.append({"unit_id": unit_id, "reason": rng.choice(REASONS),
                                              "reason_text": None, "received_at": received,
                                              "done_at": done, "recorded_by": None,
                                              "reaction_seconds": int((done - received).total_seconds())
                                              if done else None})
                    unit_id += 1
        await flush()
    await flush(final=True)
    for i in range(0, len(plans), 5000):
        await conn.execute(insert(Plan), plans[i:i + 5000])
    await _seed_ratings(conn, demo, rng, settings, now, members)
    from models.ratings import RatingPolicy

    await sync_id_sequences(conn, [Department.__table__, Member.__table__, Project.__table__, Unit.__table__,
                                   Revision.__table__, Plan.__table__, RatingPolicy.__table__])
    from bot.services.stats import rebuild_sync

    await conn.run_sync(rebuild_sync, settings.timezone)  # rows went around the services: count them
    return demo


COMMENTS = {
    5: [None, "Задачи чёткие, сроки реальные — спасибо!", "Всегда понятное ТЗ и быстрые ответы"],
    4: ["Хорошо, но иногда ТЗ приходит в последний момент", "В целом ясно, пару раз меняли задачу на ходу"],
    3: ["Задачи размыты, приходится много уточнять", "Сроки часто сдвигаются без предупреждения"],
    2: ["ТЗ противоречивые, правки после согласования", "Постоянные срочные задачи без объяснения"],
}


async def _seed_ratings(conn: AsyncConnection, demo: Demo, rng: random.Random, settings: Settings,
                        now: datetime, members: list[dict]) -> None:
    """Ratings for this and the previous month (see the module docstring)."""
    from bot.domain import ratings as dom
    from models.ratings import Rating, RatingPolicy

    if len(demo.department_ids) < 3:
        return
    secret = settings.rating_key()
    by_dept: dict[int, list[dict]] = {}
    for m in members:
        by_dept.setdefault(m["department_id"], []).append(m)
    d1, d2, d3 = demo.department_ids[:3]
    policies = [
        {"rater_department_id": d1, "rated_department_id": d2, "cadence": "monthly", "mode": "aggregate"},
        {"rater_department_id": d2, "rated_department_id": d3, "cadence": "both", "mode": "anonymous"},
    ]
    today = local_today(now, settings.timezone)
    periods = [dom.period_of(previous_month(today)), dom.period_of(today)]
    rows = []
    for pid, policy in enumerate(policies, start=await _next_id(conn, RatingPolicy.id)):
        await conn.execute(insert(RatingPolicy), [{**policy, "id": pid, "active": True, "created_at": now}])
        raters = [m for m in by_dept[policy["rater_department_id"]] if m["role"] != "admin"]
        rated = [m for m in by_dept[policy["rated_department_id"]] if m["role"] != "admin"]
        for person in rated:
            bias = rng.choice([0, 0, 1, 1, 2])  # some people set tasks worse than others
            for period in periods:
                for rater in raters:
                    if rater["id"] == person["id"] or rng.random() < 0.35:
                        continue
                    score = max(2, min(5, 5 - bias + rng.choice([0, 0, 0, -1, 1])))
                    rows.append({"policy_id": pid, "rated_id": person["id"], "period": period, "task_ref": None,
                                 "score": score, "comment": rng.choice(COMMENTS[score]),
                                 "dedup_key": dom.dedup_key(secret, pid, rater["id"], person["id"], period, None),
                                 "rater_key": dom.rater_key(secret, pid, rater["id"]), "rater_id": None,
                                 "created_at": now, "updated_at": now})
    if rows:
        await conn.execute(insert(Rating), rows)


#: the demo's client (the client cabinet): approves the units of the first project in Telegram
DEMO_CLIENTS = [("Ирина Заказчикова", PROJECTS[0])]


async def add_clients(conn: AsyncConnection, demo: Demo, now: datetime) -> None:
    """A client per :data:`DEMO_CLIENTS` entry, a member of role client of that project (no department, no plan,
    never rated): the project's units sent for approval then go to them (the default once a project has one)."""
    from models.clients import ClientProject

    member_id = await _next_id(conn, Member.id)
    for i, (name, project) in enumerate(DEMO_CLIENTS):
        project_id = await conn.scalar(select(Project.id).where(Project.name == project))
        if project_id is None:
            continue
        await conn.execute(insert(Member), [{"id": member_id + i, "telegram_id": FAKE_TID - 2 - i, "display_name": name,
                                             "role": "client", "department_id": None, "active": True,
                                             "unreachable": False, "created_at": now}])
        await conn.execute(insert(ClientProject), [{"member_id": member_id + i, "project_id": project_id,
                                                    "added_by": demo.admin_id, "added_at": now}])
        demo.client_ids.append(member_id + i)
    await sync_id_sequences(conn, [Member.__table__])


#: the demo's course: one lesson with a Telegram quiz (sendPoll type=quiz, answered in the web chat)
DEMO_COURSE = """# Онбординг автора

## Контент-план
Контент-план — это **расписание** публикаций клиента: даты, темы и форматы. Его утверждает клиент.

### Что входит в контент-план?
- [ ] только даты
- [x] даты, темы и форматы
- [ ] только темы
> Дата без темы и формата ничего не планирует.

### Кто утверждает контент-план?
- [x] клиент
- [ ] автор
> План согласует тот, за чей бренд мы пишем.

## Правки
Правка — это замечание к сданному материалу. Отвечайте на правки в течение дня.
"""
#: the demo's SMM accounts: (project, network, handle); the first writer of the SMM department reports them
DEMO_SMM = [(PROJECTS[0], "instagram", "zerno.coffee"), (PROJECTS[0], "telegram", "@zerno_news"),
            (PROJECTS[3], "vk", "puls_fitness")]
#: the demo's leads: (name, phone, source, the stages it went through after the first one)
DEMO_LEADS = [("Марина Соколова", "+79161234501", "Instagram", ["warm", "won"]),
              ("Олег Белов", "+79161234502", "Сайт", ["warm"]),
              ("Студия «Лофт»", "+79161234503", "Рекомендация", ["warm", "won"]),
              ("Пекарня «Колос»", "+79161234504", "Сайт", ["lost"]),
              ("Денис Орлов", "+79161234505", "Instagram", []),
              ("Салон «Глянец»", "+79161234506", "Выставка", ["warm", "lost"]),
              ("Анна Круглова", "+79161234507", "Instagram", [])]
SMM_WEEKS = 6


async def add_features(settings: Settings, now: datetime, demo: Demo) -> None:
    """SMM accounts with weekly figures, leads in the funnel and a course with a quiz, written through the
    bot's own services (their counters and rules, the same numbers /stats, /funnel and the dashboard read)."""
    from bot.clock import FrozenClock
    from bot.db import Database
    from bot.domain.smm import last_week_end
    from bot.services import build_services
    from bot.services.leads import LOST_REASONS, Draft
    from models import leads_repo, org_repo, reporting_repo

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            svc = build_services(session, db, settings, FrozenClock(now))
            admin = await org_repo.member_by_id(session, demo.admin_id) if demo.admin_id else None
            if admin is None:
                return
            smm_writers = await org_repo.list_members(session, department_ids=demo.department_ids[:1],
                                                      roles=["writer"], active_only=True)
            if smm_writers:
                smm_admin = min(smm_writers, key=lambda m: m.id)
                demo.smm_admin_id = smm_admin.id
                projects = {p.name: p.id for p in await reporting_repo.list_projects(session)}
                rng = random.Random(11)
                for project, network, handle in DEMO_SMM:
                    view, _ = await svc.smm.add_account(admin, None, str(projects[project]), network, handle,
                                                        str(smm_admin.id), None,
                                                        (now.date() - timedelta(days=7 * SMM_WEEKS + 7))
                                                        .strftime("%d.%m.%Y"))
                    demo.smm_account_ids.append(view.account.id)
                    last = last_week_end(svc.smm.today(smm_admin), view.account.week_end)
                    followers = rng.randint(1500, 9000)
                    for k in range(SMM_WEEKS, 0, -1):
                        if k == 1 and network == "vk":
                            continue  # one account has not reported its last week: the reminder's case
                        followers += rng.randint(-20, 140)
                        posts = rng.randint(3, 7)
                        likes = rng.randint(40, 90) * posts
                        await svc.smm.save_week(smm_admin, view.account.id, last - timedelta(days=7 * (k - 1)),
                                                {"followers": followers, "posts": posts, "likes": likes,
                                                 "comments": likes // rng.randint(8, 15),
                                                 "saves": likes // rng.randint(5, 9),
                                                 "shares": likes // rng.randint(10, 20),
                                                 "reach": followers * rng.randint(60, 140) // 100},
                                                confirmed=True)
            stages = {st.key: st.id for st in await leads_repo.stages(session)}
            owner = await org_repo.member_by_id(session, demo.manager_ids[0]) if demo.manager_ids else admin
            for name, phone, source, path in DEMO_LEADS:
                draft = Draft(name=name, phone=phone, source=source)
                saved = await svc.leads.create(owner, draft)
                demo.lead_ids.append(saved.lead_id)
                for key in path:
                    if key in stages:
                        await svc.leads.move(owner, saved.lead_id, stages[key],
                                             reason=LOST_REASONS[0] if key == "lost" else None)
            course_id, _ = await svc.courses.import_markdown(admin, DEMO_COURSE, None)
            demo.course_id = course_id
            learners = [w for w in demo.writer_ids if w != demo.smm_admin_id][:3]
            for member_id in learners:
                await svc.courses.assign(admin, course_id, member_id=member_id)
            demo.learner_ids = learners
    finally:
        await db.dispose()


async def seed_demo(settings: Settings, now: datetime) -> Demo | None:
    """Fill an *empty* database (no members) with the demo organisation; None if it is not empty."""
    from bot.db import Database

    db = Database(settings.database_url)
    try:
        async with db.engine.begin() as conn:
            if await conn.scalar(select(func.count(Member.id))):
                return None
            admin = min(settings.admin_ids) if settings.admin_ids else FAKE_TID - 1
            demo = await populate(conn, settings, now, admin_telegram_id=admin)
            await add_clients(conn, demo, now)
    finally:
        await db.dispose()
    await add_features(settings, now, demo)
    return demo


