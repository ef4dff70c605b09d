"""QA of the newer features as a brand-new user (clients, SMM, leads, tasks, knowledge base and courses):
English-speaking members, hostile free text in every field, every button pressed twice, forged and stale
buttons, a member without the role, blocked recipients, /cancel mid-form, empty lists (fast, in-process)."""

from __future__ import annotations

import html
import re

from tests.conftest import ADMIN_ID
from tests.recording import Harness, Person, Sent

ADMIN = Person(ADMIN_ID, "Olga", "Admin", "olga", language_code="en")
MANAGER = Person(4, "Max", "Boss", "maxboss", language_code="en")
WRITER = Person(2, "Anna", "Writer", "anna", language_code="en")
SALES = Person(10, "Sergey", "Sales", "sergey", language_code="en")
CLIENT = Person(50, "Carl", "Client", "carl", language_code="en")
CYR = re.compile("[А-Яа-яЁё]")
NASTY = "<b>Tom & Jerry</b> $1 {$x} 😀 مرحبا " + "x" * 5000
SHORT_NASTY = "<i>Tom & Jerry</i> $1 😀 مرحبا"
IDS = {"project": 0}  # the Bakery project's number, set by setup() (PostgreSQL keeps counting ids across tests)


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class Seen:
    """Every text and button label the bot showed, with what caused it."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.items: list[tuple[str, str]] = []

    def add(self, cause: str, sent: list[Sent]) -> list[Sent]:
        for s in sent:
            for t in (s.params.get("text"), s.params.get("caption"), s.params.get("question"),
                      s.params.get("explanation")):
                if t:
                    self.items.append((cause, t))
            self.items += [(cause, b) for b, _ in s.buttons()]
            for _, data in s.buttons():
                assert len(data.encode()) <= 64, (cause, data)
        return sent

    async def send(self, p: Person, text: str) -> list[Sent]:
        return self.add(text[:60], await self.h.send(p, text))

    async def press(self, p: Person, msg: Sent, data: str) -> list[Sent]:
        return self.add(data, await self.h.press(p, msg, data))

    def problems(self, allowed: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        out = []
        for cause, t in self.items:
            text = plain(t).replace("{$x}", "").replace('in Russian: "завтра 15:00", "через 2 часа"', "")
            for a in allowed:
                text = text.replace(a, "")
            if CYR.search(text) or "went wrong" in text or re.search(r"\{ ?\$|\b[a-z]+-[a-z]+-[a-z-]+\b", text):
                out.append((cause, t[:300]))
        return out


async def crawl(s: Seen, p: Person, msgs: list[Sent], depth: int = 2, limit: int = 12) -> None:
    """Press every button of ``msgs`` twice, then of what they answered, ``depth`` levels deep."""
    if depth == 0:
        return
    for m in s.h.messages(msgs):
        if m.params.get("chat_id") not in (None, p.id):
            continue
        for _, data in m.buttons()[:limit]:
            if not data or data.startswith("http"):
                continue
            first = await s.press(p, m, data)
            await s.press(p, m, data)
            await crawl(s, p, first, depth - 1, limit)


async def invite(s: Seen, who: Person, role: str, department: str | None = None) -> None:
    h = s.h
    msg = h.messages(await h.send(ADMIN, "/invite"))[0]
    msg = h.messages(await h.press(ADMIN, msg, msg.button(role)))[0]
    if department is not None:
        msg = h.messages(await h.press(ADMIN, msg, msg.button(department)))[0]
    else:
        msg = h.messages(await h.press(ADMIN, msg, msg.buttons()[0][1]))[0]
    token = msg.text.split("start=")[1].split()[0]
    await s.send(who, f"/start {token}")


async def setup(h: Harness) -> Seen:
    s = Seen(h)
    await s.send(ADMIN, "/start")
    await s.send(ADMIN, "/departments rename 1 General")
    await s.send(ADMIN, "/departments add Sales")
    added = h.messages(await s.send(ADMIN, "/projects add Bakery"))[0].text
    IDS["project"] = int(added.split("(number ")[1].split(")")[0])
    await invite(s, MANAGER, "manager", "General")
    await invite(s, WRITER, "writer", "General")
    await invite(s, SALES, "writer", "Sales")
    return s


async def lead_id(db) -> int:
    from sqlalchemy import select

    from models.leads import Lead

    async with db.session() as session:
        return await session.scalar(select(Lead.id))



async def test_explore_empty_lists_in_english(harness: Harness, db) -> None:
    s = await setup(harness)
    for p in (ADMIN, MANAGER, WRITER):
        for cmd in ("/leads", "/funnel", "/team leads", "/products", "/funnel_stages", "/tasks", "/smm", "/stats",
                    "/stats all", "/accounts", "/team smm", "/kb", "/kb_categories", "/courses", "/learn",
                    "/learning", "/kb stale", "/export smm 2026-11", "/export leads 2026-11", "/approval",
                    "/client_report 1", "/pending", "/lead 999", "/stats 5", "/smm 5 2026-11-08", "/dashboard",
                    "/kb nothing", "/task", "/cancel"):
            await crawl(s, p, await s.send(p, cmd), depth=1)
    assert s.problems(("General", "Bakery")) == []


async def test_explore_nasty_free_text_in_english(harness: Harness, db) -> None:
    h = harness
    s = await setup(h)
    # leads
    await s.send(ADMIN, f"/products add {NASTY}")
    await s.send(ADMIN, f"/funnel_stages add {NASTY}")
    await s.send(WRITER, "/lead")
    await s.send(WRITER, NASTY)
    r = await s.send(WRITER, "+7 916 123-45-67 @anna.sm")
    await crawl(s, WRITER, r, depth=1, limit=2)
    await s.send(WRITER, NASTY)
    r = await s.send(WRITER, "/leads")
    await crawl(s, WRITER, r, depth=3)
    await s.send(WRITER, f"/lead Bob {NASTY} +7 916 222-33-44")
    lead = await lead_id(db)
    await s.send(WRITER, f"/lead {lead} note {NASTY}")
    await crawl(s, WRITER, await s.send(WRITER, f"/lead {lead}"), depth=2)
    await crawl(s, ADMIN, await s.send(ADMIN, "/funnel"), depth=1)
    await s.send(ADMIN, "/team leads")
    # tasks
    await s.send(WRITER, f"/task {NASTY} tomorrow 15:00")
    await s.send(MANAGER, "/task")
    await s.send(MANAGER, NASTY)
    r = await s.send(MANAGER, "tomorrow 15:00")
    await crawl(s, MANAGER, r, depth=2)
    await crawl(s, WRITER, await s.send(WRITER, "/tasks"), depth=2)
    await crawl(s, MANAGER, await s.send(MANAGER, "/tasks"), depth=2)
    # smm
    await s.send(ADMIN, f"/accounts add {IDS['project']} instagram @brand.shop @anna")
    await s.send(ADMIN, f"/accounts rename 1 {NASTY}")
    r = await s.send(WRITER, "/smm")
    await s.send(WRITER, "followers 1200 likes 50 reach 900")
    await crawl(s, WRITER, r, depth=1)
    await s.send(WRITER, NASTY)
    await crawl(s, WRITER, await s.send(WRITER, "/stats"), depth=1)
    await crawl(s, ADMIN, await s.send(ADMIN, "/stats all"), depth=1)
    await crawl(s, ADMIN, await s.send(ADMIN, "/accounts"), depth=1)
    # kb and courses
    await s.send(ADMIN, f"/kb_categories add {NASTY}")
    await s.send(ADMIN, "/kb_new")
    await s.send(ADMIN, NASTY)
    r = await s.send(ADMIN, NASTY)
    await crawl(s, ADMIN, r, depth=3, limit=3)
    await crawl(s, WRITER, await s.send(WRITER, "/kb"), depth=3)
    await s.send(WRITER, f"/kb {NASTY}")
    await s.send(ADMIN, f"/course_new {NASTY}")
    await crawl(s, ADMIN, await s.send(ADMIN, "/courses"), depth=2)
    await s.send(ADMIN, "/course_assign 1 @anna")
    await crawl(s, WRITER, await s.send(WRITER, "/learn"), depth=3)
    await crawl(s, ADMIN, await s.send(ADMIN, "/learning"), depth=1)
    probs = s.problems(("General", "Bakery"))
    assert probs == [], "\n".join(f"{c!r}: {t!r}" for c, t in probs)


def mutations(data: str) -> list[str]:
    parts = data.split(":")
    out = []
    for i, part in enumerate(parts[1:], start=1):
        for v in ("0", "-1", "99999999999", "1" + "0" * 30, "x", "", "1e3"):
            if v != part:
                out.append(":".join([*parts[:i], v, *parts[i + 1:]])[:64])
    return out


async def fuzz(s: Seen, p: Person, msg: Sent, seen_data: set[str]) -> None:
    for _, data in msg.buttons():
        for forged in mutations(data):
            if forged in seen_data:
                continue
            seen_data.add(forged)
            await s.press(p, msg, forged)



async def test_forged_stale_and_foreign_buttons_change_nothing(harness: Harness, db) -> None:
    """Every button of a lead card, a task card, the SMM form and /stats, with each field forged (0, -1, a huge
    number, a non-number, empty), pressed by the owner and by a writer of another department; then the real
    buttons pressed by that writer: a clear refusal each time, never an internal error, and nothing changes."""
    from sqlalchemy import select

    from models.leads import Lead
    from models.smm import SmmWeek
    from models.tasks import Task

    h = harness
    s = await setup(h)
    await s.send(ADMIN, f"/accounts add {IDS['project']} instagram @brand.shop @anna")
    await s.send(WRITER, "/lead Bob +7 916 222-33-44")
    await s.send(WRITER, "/task Call Bob tomorrow 15:00")
    msgs = [m for cmd in (f"/lead {await lead_id(db)}", "/tasks", "/smm", "/stats") for m in h.messages(await s.send(WRITER, cmd))]
    msgs += h.messages(await s.press(WRITER, msgs[1], msgs[1].buttons()[0][1]))  # the task's card
    assert len([m for m in msgs if m.buttons()]) >= 4
    done: set[str] = set()
    for m in msgs:
        await fuzz(s, WRITER, m, done)
    async with db.session() as session:
        before = ((await session.scalar(select(Lead))).stage_id, (await session.scalar(select(Task))).status)
    for m in msgs:
        await fuzz(s, SALES, m, set())
        for _, data in m.buttons():
            if not data.startswith(("tk:ls", "tk:pg")):  # a list of one's own tasks is not foreign
                sent = await s.press(SALES, m, data)
                assert [a.params.get("text") for a in h.answers(sent)] != [""], data
                assert not [x for x in sent if x.method in ("SendMessage", "EditMessageText")], data
    async with db.session() as session:
        assert ((await session.scalar(select(Lead))).stage_id, (await session.scalar(select(Task))).status) == before
        assert (await session.scalars(select(SmmWeek))).all() == []
    assert not [x for x in s.items if "went wrong" in x[1]]


# -- courses: Telegram's quiz limits as Telegram counts them ------------------------------------------------------
def emoji_course(question: str, option: str, explanation: list[str]) -> str:
    lines = "\n".join(f"> {x}" for x in explanation)
    return f"# Emoji course\npass: 50\n\n## Lesson one\nRead this & that.\n\n### {question}\n- [ ] {option}\n" \
           f"- [x] <b>R&D</b>\n{lines}\n"


async def test_quiz_limits_count_utf16_units_and_explanation_lines(harness: Harness, db) -> None:
    """A question of 200 emoji (400 UTF-16 units), an answer of 60 emoji and a four-line explanation passed the
    course check (it counted code points and no line feeds), then sendPoll was refused by Telegram when the
    learner pressed "Take the quiz". Now the import names each problem and saves nothing; at the limits the quiz
    goes out."""
    from sqlalchemy import func, select

    from models.learning import Course

    h = harness
    s = await setup(h)
    await s.send(ADMIN, "/course_import")
    [reply] = h.messages(await s.send(ADMIN, emoji_course("😀" * 200, "😀" * 60, ["one", "two", "three", "four"])))
    assert "nothing was saved" in reply.text.lower()
    assert "line 7: the question is longer than 300 characters" in reply.text
    assert "line 8: an answer must be 1 to 100 characters" in reply.text
    assert "line 7: an explanation (&gt; …) has at most 3 lines" in reply.text  # "> …" once parsed
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Course)) == 0
    # a stray line's message shows "> …" as typed, not "&gt; …" (it was escaped twice)
    [stray] = h.messages(await s.send(ADMIN, "/course_import"))
    [stray] = h.messages(await s.send(ADMIN, emoji_course("Q?", "a", ["x"]) + "stray text\n"))
    assert "an explanation (&gt; …)" in stray.text and "&amp;" not in stray.text
    await s.send(ADMIN, "/course_import")
    # exactly at the limits, as Telegram counts them
    [ok] = h.messages(await s.send(ADMIN, emoji_course("😀" * 150, "😀" * 50, ["one", "two", "three"])))
    assert "Course imported" in ok.text
    async with db.session() as session:
        course_id = await session.scalar(select(Course.id))
    sent = await s.send(ADMIN, f"/course_assign {course_id} @anna")
    note = next(m for m in h.messages(sent) if m.params.get("chat_id") == WRITER.id)
    lesson = h.messages(await s.press(WRITER, note, note.buttons()[0][1]))[-1]
    polls = [x for x in await s.press(WRITER, lesson, lesson.button("quiz")) if x.method == "SendPoll"]
    assert len(polls) == 1 and polls[0].params["explanation"].count("\n") == 2
    assert h.session.violations == []


# -- English quotation marks ----------------------------------------------------------------------------------------
async def client_link(s: Seen, *projects: str) -> str:
    h = s.h
    msg = h.messages(await s.send(ADMIN, "/invite"))[0]
    msg = h.messages(await s.press(ADMIN, msg, msg.button("client")))[0]
    for p in projects:
        msg = h.messages(await s.press(ADMIN, msg, msg.button(p)))[0]
    msg = h.messages(await s.press(ADMIN, msg, msg.button("Create the link")))[0]
    return msg.text.split("start=")[1].split()[0]


async def test_english_readers_get_english_quotation_marks(harness: Harness, db) -> None:
    """Project names in a client's welcome, the client invite, the inviter's notice and the admin's client card,
    and the knowledge base's titles and searches were quoted «…» in English too; a name with "&" shows as typed."""
    h = harness
    s = await setup(h)
    await s.send(ADMIN, "/projects add Tom & Jerry")
    await s.send(CLIENT, f"/start {await client_link(s, 'Bakery', 'Tom & Jerry')}")
    members = h.messages(await s.send(ADMIN, "/members"))[0]
    section = h.messages(await s.press(ADMIN, members, members.button("Clients")))[0]
    await s.press(ADMIN, section, section.button("Carl"))
    await s.send(WRITER, "/kb nothing")
    await s.send(ADMIN, "/kb_categories add Guides")
    await s.send(ADMIN, "/kb_new")
    await s.send(ADMIN, "Tone of voice")
    shown = [plain(t) for _, t in s.items]
    assert any("“Bakery”, “Tom & Jerry”" in x for x in shown)  # the welcome, the invite, the inviter's notice
    assert sum("“Bakery”" in x for x in shown) >= 4, shown
    assert "Nothing found for “nothing”. Try other words." in shown
    assert "Category “Guides” added." in shown
    assert any(x.startswith("“Tone of voice”. Now send the text") for x in shown)
    assert not [x for x in shown if "«" in x.replace("« ", "") or "»" in x]


# -- names with "$" in charts and the client report ---------------------------------------------------------------
DOLLAR_NAMES = ("Shop $x^$ sale", r"Bad $\frac$ name", "Tom $5 and $10")


def test_client_report_pdf_renders_names_with_dollars_as_typed() -> None:
    """A project or an account named "Shop $x^$ sale" made the monthly client report fail (matplotlib read the
    text between two "$" as mathtext: ValueError), and "Tom $5 and $10" lost its dollars; now every line is
    plain text."""
    from scheduler.report_pdf import render_client_report

    for name in DOLLAR_NAMES:
        pdf = render_client_report(f"Report for project “{name}”, October 2026", [f"Instagram {name}: 12 followers"],
                                   f"Approved by week, {name}", [("w1", 1), ("w2", 0)])
        assert pdf.startswith(b"%PDF")


def test_chart_titles_with_dollars_render() -> None:
    """/stats titles its chart with the account's and the project's names: "Shop $x^$ sale" broke the chart."""
    from scheduler.charts import lead_funnel, smm_weeks

    for name in DOLLAR_NAMES:
        assert smm_weeks([("09.11", 100, 2.5), ("16.11", 120, 3.0)], title=f"{name} · Bakery").startswith(b"\x89PNG")
        assert lead_funnel([("Dialogue", 3, None), ("Won", 1, 0.3)], title=name).startswith(b"\x89PNG")


# -- building a course in the bot ------------------------------------------------------------------------------------
async def test_adding_a_lesson_twice_adds_one_and_a_bad_question_says_so(harness: Harness, db) -> None:
    """**➕ Lesson** → an article, pressed twice, made the course two identical lessons (and two presses at once an
    internal error on the lessons' positions); a question typed in the bot with a problem answered "the course file
    was not imported"."""
    from sqlalchemy import func, select

    from models.learning import CourseLesson

    h = harness
    s = await setup(h)
    await s.send(ADMIN, "/kb_new")
    await s.send(ADMIN, "Tone of voice")
    done = h.messages(await s.send(ADMIN, "Write as you speak."))[-1]
    cats = h.messages(await s.press(ADMIN, done, done.button("Done")))[-1]
    aud = h.messages(await s.press(ADMIN, cats, cats.buttons()[0][1]))[-1]
    await s.press(ADMIN, aud, aud.button("Save"))
    card = h.messages(await s.send(ADMIN, "/course_new Onboarding"))[-1]
    picker = h.messages(await s.press(ADMIN, card, card.button("Lesson")))[-1]
    article = picker.button("Tone of voice")
    first = h.messages(await s.press(ADMIN, picker, article))[-1]
    again = await s.press(ADMIN, picker, article)  # the same card: nothing to edit, no error
    assert "1. Tone of voice" in first.text and "2. " not in first.text
    assert all("2. " not in (m.text or "") for m in h.messages(again))
    assert [a.params.get("text") or "" for a in h.answers(again)] == [""]
    courses = h.messages(await s.send(ADMIN, "/courses"))[-1]  # a fresh card: the same article once more
    card2 = h.messages(await s.press(ADMIN, courses, courses.button("Onboarding")))[-1]
    picker2 = h.messages(await s.press(ADMIN, card2, card2.button("Lesson")))[-1]
    [refused] = h.answers(await s.press(ADMIN, picker2, picker2.button("Tone of voice")))
    assert refused.params["text"] == "“Tone of voice” is a lesson of this course already."
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(CourseLesson)) == 1
    pick = h.messages(await s.press(ADMIN, first, first.button("Question")))[-1]
    await s.press(ADMIN, pick, pick.buttons()[0][1])
    [reply] = h.messages(await s.send(ADMIN, "Which tone?\n- [ ] loud\n- [ ] quiet"))
    assert reply.text.startswith("The question was not added. Problems: 1\nline 1: no right answer")
    assert "course file" not in reply.text


# -- leads: the one-line form ------------------------------------------------------------------------------------
async def test_one_line_lead_with_a_too_long_name_is_refused_not_cut(harness: Harness, db) -> None:
    """The step-by-step form refuses a name over 200 characters; the one-line form cut it to 200 silently and
    saved the lead under a name the member never typed."""
    from sqlalchemy import func, select

    from models.leads import Lead

    h = harness
    s = await setup(h)
    [reply] = h.messages(await s.send(WRITER, f"/lead {'Maria ' * 50}+7 916 222-33-44"))
    assert reply.text == "Too long: at most 200 characters."
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Lead)) == 0
    [card] = h.messages(await s.send(WRITER, f"/lead {'Maria ' * 30}Smith +7 916 222-33-44"))
    assert "Lead saved" in card.text and "Maria Maria" in card.text
