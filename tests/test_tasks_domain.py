"""The tasks' pure rules: the due-time parser in Russian and English, the one-line split, recurrence and when
a task's notices are due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import tasks as dom
from bot.domain.workdays import public_holidays

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=MSK)  # Thursday


def at(y, mo, d, h, mi=0, tz=MSK) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


@pytest.mark.parametrize(("text", "want"), [
    ("завтра 15:00", at(2026, 12, 4, 15)),
    ("Завтра в 15:00", at(2026, 12, 4, 15)),
    ("tomorrow 15:00", at(2026, 12, 4, 15)),
    ("Tomorrow at 9:05", at(2026, 12, 4, 9, 5)),
    ("сегодня 18:00", at(2026, 12, 3, 18)),
    ("today 18.30", at(2026, 12, 3, 18, 30)),
    ("послезавтра 10:00", at(2026, 12, 5, 10)),
    ("25.12 10:00", at(2026, 12, 25, 10)),
    ("25.12.2027 10:00", at(2027, 12, 25, 10)),
    ("2026-12-25 10:00", at(2026, 12, 25, 10)),
    ("01.01 09:00", at(2027, 1, 1, 9)),  # a day already past this year: next year
    ("через 2 часа", at(2026, 12, 3, 12)),
    ("через час", at(2026, 12, 3, 11)),
    ("через 30 минут", at(2026, 12, 3, 10, 30)),
    ("через 3 дня", at(2026, 12, 6, 10)),
    ("in 2 hours", at(2026, 12, 3, 12)),
    ("in an hour", at(2026, 12, 3, 11)),
    ("in 45 minutes", at(2026, 12, 3, 10, 45)),
    ("in 1 day", at(2026, 12, 4, 10)),
    ("  завтра   15:00 ", at(2026, 12, 4, 15)),
])
def test_due_shapes_in_both_languages(text: str, want: datetime) -> None:
    assert dom.parse_due(text, NOW) == want


@pytest.mark.parametrize(("text", "code"), [
    ("", "format"), ("завтра", "format"), ("вчера 10:00", "format"), ("someday", "format"),
    ("31.02 10:00", "format"), ("2026-13-01 10:00", "format"), ("завтра 24:00", "format"),
    ("завтра 15:60", "format"), ("через две недели", "format"), ("in two hours", "format"),
    ("завтра ١٥:٠٠", "format"), ("25.12 10:00 please", "format"), ("x" * 500, "format"),
    ("сегодня 09:00", "past"), ("today 10:00", "past"), ("2026-12-01 10:00", "past"),
    ("2040-01-01 10:00", "far"), ("через 999999 дней", "far"), ("in 0 hours", "far"),
])
def test_bad_or_past_due_times(text: str, code: str) -> None:
    with pytest.raises(dom.DueError) as exc:
        dom.parse_due(text, NOW)
    assert exc.value.code == code


def test_relative_times_count_elapsed_time_across_a_clock_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2026, 10, 25, 1, 30, tzinfo=berlin)  # 03:00 CEST becomes 02:00 CET
    due = dom.parse_due("in 2 hours", before)
    assert due.astimezone(UTC) - before.astimezone(UTC) == timedelta(hours=2)


def test_due_time_is_in_the_members_zone() -> None:
    vlad = ZoneInfo("Asia/Vladivostok")
    now = NOW.astimezone(vlad)  # 17:00 there
    due = dom.parse_due("завтра 09:00", now)
    assert due == datetime(2026, 12, 4, 9, tzinfo=vlad)
    assert due.astimezone(UTC) == datetime(2026, 12, 3, 23, tzinfo=UTC)


@given(hours=st.integers(min_value=1, max_value=24 * 366), lang=st.sampled_from(["ru", "en"]))
def test_relative_hours_property(hours: int, lang: str) -> None:
    text = f"через {hours} часов" if lang == "ru" else f"in {hours} hours"
    due = dom.parse_due(text, NOW)
    assert due - NOW == timedelta(hours=hours)


@given(day=st.dates(min_value=date(2026, 12, 4), max_value=date(2030, 12, 31)),
       hh=st.integers(0, 23), mm=st.integers(0, 59))
def test_absolute_forms_agree(day: date, hh: int, mm: int) -> None:
    want = datetime(day.year, day.month, day.day, hh, mm, tzinfo=MSK)
    assert dom.parse_due(f"{day:%Y-%m-%d} {hh}:{mm:02d}", NOW) == want
    assert dom.parse_due(f"{day:%d.%m.%Y} {hh:02d}:{mm:02d}", NOW) == want
    if day.year == 2026 or (day.year == 2027 and (day.month, day.day) < (12, 3)):
        assert dom.parse_due(f"{day:%d.%m} {hh:02d}:{mm:02d}", NOW) == want


@given(st.text(max_size=60))
def test_parser_never_crashes(text: str) -> None:
    try:
        due = dom.parse_due(text, NOW)
    except dom.DueError as exc:
        assert exc.code in ("format", "past", "far")
    else:
        assert due > NOW


def test_one_line_split() -> None:
    assert dom.split_title_due("Позвонить Анне завтра 15:00", NOW) == ("Позвонить Анне", at(2026, 12, 4, 15))
    assert dom.split_title_due("Call Anna in 2 hours", NOW) == ("Call Anna", at(2026, 12, 3, 12))
    assert dom.split_title_due("Отчёт за 25.12 25.12 10:00", NOW) == ("Отчёт за 25.12", at(2026, 12, 25, 10))
    assert dom.split_title_due("Стат 2026-12-25 10:00", NOW)[0] == "Стат"
    for bad, code in (("Позвонить Анне", "format"), ("Позвонить сегодня 09:00", "past"), ("завтра 15:00", "title"),
                      ("через 2 часа", "title")):
        with pytest.raises(dom.DueError) as exc:
            dom.split_title_due(bad, NOW)
        assert exc.value.code == code


def _working(year: int = 2026):
    return dom.working_checker(public_holidays(year, "RU") | public_holidays(year + 1, "RU"))


def test_daily_recurrence_skips_weekends_and_holidays() -> None:
    friday = at(2026, 12, 4, 9)
    assert dom.next_due(friday, dom.WORKDAYS, _working()) == at(2026, 12, 7, 9)  # Monday
    thursday = at(2026, 12, 31, 9)
    nxt = dom.next_due(thursday, dom.WORKDAYS, _working())
    assert nxt.date() > date(2027, 1, 8) and nxt.weekday() < 5  # the New Year holidays
    assert nxt.time() == thursday.time()


def test_weekly_recurrence_and_catching_up() -> None:
    monday = at(2026, 11, 16, 10)
    assert dom.next_due(monday, dom.WEEK, _working()) == at(2026, 11, 23, 10)
    late = at(2026, 12, 3, 12)  # completed weeks late: the first one after now, same weekday and time
    assert dom.next_due(monday, dom.WEEK, _working(), after=late) == at(2026, 12, 7, 10)
    assert dom.next_due(at(2026, 12, 2, 9), dom.WORKDAYS, _working(), after=late) == at(2026, 12, 4, 9)
    with pytest.raises(ValueError):
        dom.next_due(monday, "monthly", _working())


def test_notices_windows() -> None:
    due = datetime(2026, 12, 3, 7, tzinfo=UTC)
    assert dom.notices(due, due - timedelta(minutes=1), 4) == dom.Notices(False, False, False)
    assert dom.notices(due, due, 4) == dom.Notices(True, False, False)
    assert dom.notices(due, due + timedelta(hours=4), 4) == dom.Notices(False, True, False)
    assert dom.notices(due, due + timedelta(hours=8), 4) == dom.Notices(False, True, True)
    assert dom.notice_key(12, due) != dom.notice_key(12, due + timedelta(hours=1))


def test_buckets() -> None:
    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    end = datetime(2026, 12, 3, 21, tzinfo=UTC)
    items = [now + timedelta(hours=h) for h in (20, -1, 3, -30, 9)]
    b = dom.bucket(items, ["d"], now, end, lambda x: x)
    assert b.overdue == [now - timedelta(hours=30), now - timedelta(hours=1)]
    assert b.today == [now + timedelta(hours=3)]
    assert b.upcoming == [now + timedelta(hours=9), now + timedelta(hours=20)]
    assert b.done_today == ["d"]


_WORD = st.text(alphabet="абвгдежзийклмнопрстуфхцчшщыэюяabcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


@given(title=st.lists(_WORD, min_size=1, max_size=6).map(" ".join),
       due=st.sampled_from(["завтра 15:00", "tomorrow 09:30", "25.12 10:00", "2027-01-05 08:00", "через 2 часа",
                            "in 3 hours", "сегодня 23:59", "через 15 минут"]))
def test_one_line_split_property(title: str, due: str) -> None:
    got_title, got_due = dom.split_title_due(f"{title} {due}", NOW)
    assert got_title == title and got_due == dom.parse_due(due, NOW)
