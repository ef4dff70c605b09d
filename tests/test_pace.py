"""Tests for bot.domain.workdays and bot.domain.pace.

Calendar facts used below were checked against ``holidays`` 0.109 (RU):

* 2026-01-01..2026-01-09 are holidays (New Year block + 9 Jan substituted), so
  January 2026 has 15 working days, the first being Monday 2026-01-12.
* 2026-11-04 (Wednesday) is Unity Day; November 2026 has 21 weekdays − 1 = 20
  working days (2–3, 5–6, 9–13, 16–20, 23–27, 30).
* 2026-12-31 (Thursday) is a substituted day off; December 2026 has
  23 weekdays − 1 = 22 working days, the last being Wednesday 2026-12-30.
* January 2027: holidays 1–8, first working day Monday 2027-01-11.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.domain.pace import (
    DONE_STATES,
    UNIT_STATES,
    Pace,
    PaceStatus,
    compute_pace,
    count_done,
    counts_as_done,
    round1,
)
from bot.domain.workdays import (
    MAX_RANGE_DAYS,
    DateRangeError,
    is_working_day,
    local_now,
    local_today,
    month_bounds,
    parse_date_range,
    public_holidays,
    working_days,
)


def days(start: date, end: date) -> list[date]:
    """Every calendar day in start..end inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# ---------------------------------------------------------------------------
# month_bounds
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "first", "last"),
    [
        (date(2026, 11, 16), date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
        (date(2026, 1, 15), date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 10), date(2026, 2, 1), date(2026, 2, 28)),
        (date(2024, 2, 10), date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        (date(2026, 4, 30), date(2026, 4, 1), date(2026, 4, 30)),
    ],
)
def test_month_bounds(given: date, first: date, last: date) -> None:
    assert month_bounds(given) == (first, last)


# ---------------------------------------------------------------------------
# public holidays / working days
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 1, d) for d in range(1, 9)])
def test_ru_new_year_block_is_holiday(day: date) -> None:
    assert day in public_holidays(2026, "RU")
    assert not is_working_day(day, public_holidays(2026))


def test_ru_unity_day_2026_is_a_wednesday_holiday() -> None:
    unity = date(2026, 11, 4)
    assert unity.weekday() == 2  # Wednesday
    assert unity in public_holidays(2026)
    assert not is_working_day(unity, public_holidays(2026))
    assert is_working_day(date(2026, 11, 3), public_holidays(2026))
    assert is_working_day(date(2026, 11, 5), public_holidays(2026))


def test_public_holidays_country_code_is_case_insensitive_and_cached() -> None:
    assert public_holidays(2026, "ru") is public_holidays(2026, "RU")
    assert public_holidays(2026, " RU ") == public_holidays(2026)


def test_public_holidays_other_country() -> None:
    de = public_holidays(2026, "DE")
    assert date(2026, 10, 3) in de
    assert date(2026, 11, 4) not in de
    # No national German holiday in November 2026: all 21 weekdays work.
    assert len(working_days(date(2026, 11, 1), date(2026, 11, 30), country="DE")) == 21


@pytest.mark.parametrize("country", ["XX", "ZZ", ""])
def test_public_holidays_unknown_country(country: str) -> None:
    with pytest.raises(ValueError, match="ountry code"):
        public_holidays(2026, country)


def test_working_days_unknown_country() -> None:
    with pytest.raises(ValueError):
        working_days(date(2026, 11, 1), date(2026, 11, 30), country="XX")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 2), True),  # Monday
        (date(2026, 11, 6), True),  # Friday
        (date(2026, 11, 7), False),  # Saturday
        (date(2026, 11, 8), False),  # Sunday
        (date(2026, 11, 4), False),  # Unity Day
        (date(2026, 11, 10), False),  # personal day off
    ],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert is_working_day(day, public_holidays(2026), frozenset({date(2026, 11, 10)})) is expected


@pytest.mark.parametrize(
    ("month", "count", "first", "last"),
    [
        (date(2026, 1, 1), 15, date(2026, 1, 12), date(2026, 1, 30)),
        (date(2026, 2, 1), 19, date(2026, 2, 2), date(2026, 2, 27)),  # 23 Feb off
        (date(2026, 11, 1), 20, date(2026, 11, 2), date(2026, 11, 30)),
        (date(2026, 12, 1), 22, date(2026, 12, 1), date(2026, 12, 30)),
        (date(2027, 1, 1), 15, date(2027, 1, 11), date(2027, 1, 29)),
    ],
)
def test_working_days_of_month(month: date, count: int, first: date, last: date) -> None:
    result = working_days(*month_bounds(month))
    assert len(result) == count
    assert result[0] == first
    assert result[-1] == last
    assert result == sorted(result)


def test_working_days_spans_new_year() -> None:
    # Dec 31 2026 and Jan 1-8 2027 are holidays, Jan 9-10 2027 a weekend.
    assert working_days(date(2026, 12, 28), date(2027, 1, 12)) == [
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2027, 1, 11),
        date(2027, 1, 12),
    ]


def test_working_days_spans_several_years() -> None:
    total = working_days(date(2026, 1, 1), date(2027, 12, 31))
    y2026 = working_days(date(2026, 1, 1), date(2026, 12, 31))
    y2027 = working_days(date(2027, 1, 1), date(2027, 12, 31))
    assert total == y2026 + y2027
    assert date(2027, 11, 4) not in total  # 2027 holidays are applied too


def test_working_days_with_days_off() -> None:
    off = [date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 7), date(2026, 11, 4), date(2026, 12, 1)]
    result = working_days(date(2026, 11, 1), date(2026, 11, 30), days_off=off)
    # Only Nov 10 and 11 were working days; the Saturday, the holiday and the
    # December date change nothing.
    assert len(result) == 18
    assert date(2026, 11, 10) not in result
    assert date(2026, 11, 11) not in result


def test_working_days_accepts_generator_of_days_off() -> None:
    gen = (date(2026, 11, d) for d in (2, 3))
    assert len(working_days(date(2026, 11, 1), date(2026, 11, 30), days_off=gen)) == 18


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2026, 11, 4), []),  # holiday
        (date(2026, 11, 7), []),  # Saturday
        (date(2026, 11, 5), [date(2026, 11, 5)]),
    ],
)
def test_working_days_single_day(start: date, expected: list[date]) -> None:
    assert working_days(start, start) == expected


def test_working_days_start_after_end() -> None:
    with pytest.raises(ValueError):
        working_days(date(2026, 11, 30), date(2026, 11, 1))


# ---------------------------------------------------------------------------
# local time
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now_utc", "tz", "expected_local"),
    [
        # 13:30 UTC: 23:30 in Vladivostok (UTC+10), 16:30 in Moscow: same date.
        (datetime(2026, 11, 10, 13, 30, tzinfo=UTC), "Asia/Vladivostok", datetime(2026, 11, 10, 23, 30)),
        (datetime(2026, 11, 10, 13, 30, tzinfo=UTC), "Europe/Moscow", datetime(2026, 11, 10, 16, 30)),
        # 14:30 UTC: Vladivostok is already on the 11th, Moscow still on the 10th.
        (datetime(2026, 11, 10, 14, 30, tzinfo=UTC), "Asia/Vladivostok", datetime(2026, 11, 11, 0, 30)),
        (datetime(2026, 11, 10, 14, 30, tzinfo=UTC), "Europe/Moscow", datetime(2026, 11, 10, 17, 30)),
        # 23:30 in Moscow (20:30 UTC) is 06:30 next morning in Vladivostok.
        (datetime(2026, 11, 10, 20, 30, tzinfo=UTC), "Europe/Moscow", datetime(2026, 11, 10, 23, 30)),
        (datetime(2026, 11, 10, 20, 30, tzinfo=UTC), "Asia/Vladivostok", datetime(2026, 11, 11, 6, 30)),
    ],
)
def test_local_now_and_today(now_utc: datetime, tz: str, expected_local: datetime) -> None:
    local = local_now(now_utc, tz)
    assert local.replace(tzinfo=None) == expected_local
    assert local == now_utc  # same instant
    assert local_today(now_utc, tz) == expected_local.date()


def test_far_east_member_is_on_the_next_date_than_moscow() -> None:
    now = datetime(2026, 11, 10, 14, 30, tzinfo=UTC)
    assert local_today(now, "Asia/Vladivostok") == local_today(now, "Europe/Moscow") + timedelta(days=1)


def test_local_now_accepts_non_utc_aware_input() -> None:
    moscow_noon = datetime(2026, 11, 10, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    assert local_now(moscow_noon, "UTC").replace(tzinfo=None) == datetime(2026, 11, 10, 9, 0)


@pytest.mark.parametrize("func", [local_now, local_today])
def test_naive_datetime_rejected(func) -> None:
    with pytest.raises(ValueError, match="naive"):
        func(datetime(2026, 11, 10, 12, 0), "Europe/Moscow")


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "../etc/passwd"])
def test_unknown_timezone_rejected(tz: str) -> None:
    with pytest.raises(ValueError):
        local_today(datetime(2026, 11, 10, 12, 0, tzinfo=UTC), tz)


# ---------------------------------------------------------------------------
# parse_date_range
# ---------------------------------------------------------------------------

TODAY = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-10..2026-11-14", (date(2026, 11, 10), date(2026, 11, 14))),
        ("  2026-11-10 .. 2026-11-14  ", (date(2026, 11, 10), date(2026, 11, 14))),
        ("2026-11-10", (date(2026, 11, 10), date(2026, 11, 10))),
        ("10.11.2026-14.11.2026", (date(2026, 11, 10), date(2026, 11, 14))),
        ("10.11.2026 - 14.11.2026", (date(2026, 11, 10), date(2026, 11, 14))),
        ("10.11.2026–14.11.2026", (date(2026, 11, 10), date(2026, 11, 14))),  # en dash
        ("10.11.2026..14.11.2026", (date(2026, 11, 10), date(2026, 11, 14))),
        ("10.11.2026", (date(2026, 11, 10), date(2026, 11, 10))),
        ("10.11..14.11", (date(2026, 11, 10), date(2026, 11, 14))),
        ("1.2..3.2", (date(2026, 2, 1), date(2026, 2, 3))),  # year of today even if past
        ("10.11", (date(2026, 11, 10), date(2026, 11, 10))),
        ("2026-11-10..2026-11-10", (date(2026, 11, 10), date(2026, 11, 10))),
        ("2026-12-28..2027-01-05", (date(2026, 12, 28), date(2027, 1, 5))),
        # Exactly 366 days inclusive is allowed.
        ("2026-01-01..2027-01-01", (date(2026, 1, 1), date(2027, 1, 1))),
    ],
)
def test_parse_date_range_ok(text: str, expected: tuple[date, date]) -> None:
    assert parse_date_range(text, TODAY) == expected


def test_parse_date_range_year_comes_from_today() -> None:
    assert parse_date_range("10.11..14.11", date(2027, 3, 5)) == (date(2027, 11, 10), date(2027, 11, 14))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "format"),
        ("   ", "format"),
        ("next week", "format"),
        ("10/11/2026", "format"),
        ("10.11.26", "format"),
        ("2026-11-10..", "format"),
        ("..2026-11-14", "format"),
        ("2026-11-10...2026-11-14", "format"),
        ("2026-11-10 2026-11-14", "format"),
        ("١٠.١١", "format"),  # non-ASCII digits
        ("31.02.2026", "invalid_date"),
        ("2026-13-01", "invalid_date"),
        ("32.11..33.11", "invalid_date"),
        ("29.02", "invalid_date"),  # 2026 is not a leap year
        ("2026-11-14..2026-11-10", "order"),
        ("14.11.2026-10.11.2026", "order"),
        ("14.11..10.11.2026", "order"),
        # Year-less reversed ranges are refused too (issue 8, point 4): no rolling into next year.
        ("28.12..05.01", "order"),
        ("20.12-10.12", "order"),
        ("2026-01-01..2027-01-02", "too_long"),  # 367 days
        ("2026-01-01..2030-01-01", "too_long"),
    ],
)
def test_parse_date_range_errors(text: str, code: str) -> None:
    with pytest.raises(DateRangeError) as info:
        parse_date_range(text, TODAY)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)


def test_max_range_days_constant() -> None:
    assert MAX_RANGE_DAYS == 366


# ---------------------------------------------------------------------------
# done rule
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "done"),
    [("written", False), ("sent", True), ("revision", True), ("approved", True), ("deleted", False)],
)
def test_counts_as_done(state: str, done: bool) -> None:
    assert counts_as_done(state) is done


def test_done_states_constant() -> None:
    assert frozenset({"sent", "revision", "approved"}) == DONE_STATES
    assert DONE_STATES <= UNIT_STATES


@pytest.mark.parametrize("state", ["Sent", "draft", "", "done"])
def test_counts_as_done_unknown_state(state: str) -> None:
    with pytest.raises(ValueError, match="Unknown unit state"):
        counts_as_done(state)


def test_count_done() -> None:
    assert count_done(["written", "sent", "revision", "approved", "deleted", "sent"]) == 4
    assert count_done([]) == 0


# ---------------------------------------------------------------------------
# compute_pace
# ---------------------------------------------------------------------------


def test_pace_mid_month_worked_example() -> None:
    # November 2026, today Monday 16th. Working days before today:
    # 2, 3, 5, 6 (4th is Unity Day), 9-13 -> 9. Left: 16-20, 23-27, 30 -> 11.
    p = compute_pace(20, 7, date(2026, 11, 16))
    assert p.month == date(2026, 11, 1)
    assert (p.available_total, p.available_elapsed, p.available_left) == (20, 9, 11)
    assert p.expected == 9.0  # 20 * 9 / 20
    assert p.lag_units == 2.0  # 9 - 7
    assert p.lag_days == 2.0  # 2 / (20 / 20)
    assert p.forecast == pytest.approx(140 / 9)  # 7 + 7/9 * 11 = 15.56
    assert p.needed_per_day == pytest.approx(13 / 11)  # (20 - 7) / 11 = 1.18
    assert p.percent == 35.0
    assert p.status == PaceStatus.BEHIND == "behind"


def test_pace_today_is_not_owed_yet() -> None:
    # Tuesday Nov 3: only Monday Nov 2 has elapsed.
    p = compute_pace(20, 1, date(2026, 11, 3))
    assert p.available_elapsed == 1
    assert p.available_left == 19
    assert p.expected == 1.0
    assert p.status == PaceStatus.ON_TRACK


@pytest.mark.parametrize(
    ("today", "elapsed", "left"),
    [
        (date(2026, 11, 4), 2, 18),  # holiday itself: 2 and 3 elapsed; the 4th is nowhere
        (date(2026, 11, 5), 2, 18),  # day after holiday: still only 2 elapsed
        (date(2026, 11, 7), 4, 16),  # Saturday: whole week (without the 4th) elapsed
        (date(2026, 11, 8), 4, 16),  # Sunday
        (date(2026, 11, 9), 4, 16),  # Monday
    ],
)
def test_pace_holiday_and_weekend_counting(today: date, elapsed: int, left: int) -> None:
    p = compute_pace(20, 0, today)
    assert (p.available_elapsed, p.available_left) == (elapsed, left)
    assert p.expected == pytest.approx(20 * elapsed / 20)


def test_pace_future_days_off_raise_expected_so_far() -> None:
    # Vacation Tue 17 - Fri 20 Nov: total 16, elapsed still 9, left 7.
    off = [date(2026, 11, d) for d in (17, 18, 19, 20)]
    p = compute_pace(20, 7, date(2026, 11, 16), days_off=off)
    assert (p.available_total, p.available_elapsed, p.available_left) == (16, 9, 7)
    assert p.expected == pytest.approx(11.25)  # 20 * 9 / 16
    assert p.lag_units == pytest.approx(4.25)  # 11.25 - 7
    assert p.lag_days == pytest.approx(3.4)  # 4.25 / (20 / 16)
    assert p.needed_per_day == pytest.approx(13 / 7)
    assert p.forecast == pytest.approx(7 + 7 / 9 * 7)
    assert p.status == PaceStatus.BEHIND


def test_pace_past_days_off_reduce_expected() -> None:
    # Vacation Mon 9 - Fri 13 Nov: total 15, elapsed 4 (2, 3, 5, 6), left 11.
    # Without the vacation the same 7 units are 2 days behind (see above);
    # with it the member is ahead.
    off = [date(2026, 11, d) for d in range(9, 14)]
    p = compute_pace(20, 7, date(2026, 11, 16), days_off=off)
    assert (p.available_total, p.available_elapsed, p.available_left) == (15, 4, 11)
    assert p.expected == pytest.approx(16 / 3)  # 20 * 4 / 15 = 5.33
    assert p.lag_units == pytest.approx(16 / 3 - 7)  # -1.67
    assert p.lag_days == pytest.approx(-1.25)  # -1.67 / (20 / 15)
    assert p.forecast == pytest.approx(7 + 7 / 4 * 11)  # 26.25
    assert p.status == PaceStatus.AHEAD


def test_pace_days_off_outside_month_or_on_non_working_days_change_nothing() -> None:
    off = [date(2026, 10, 30), date(2026, 12, 1), date(2026, 11, 4), date(2026, 11, 7)]
    assert compute_pace(20, 7, date(2026, 11, 16), days_off=off) == compute_pace(20, 7, date(2026, 11, 16))


def test_pace_first_day_of_month_is_a_sunday() -> None:
    p = compute_pace(20, 0, date(2026, 11, 1))
    assert (p.available_total, p.available_elapsed, p.available_left) == (20, 0, 20)
    assert p.expected == 0.0
    assert p.forecast is None  # no rate yet
    assert p.needed_per_day == 1.0
    assert p.percent == 0.0
    assert p.status == PaceStatus.ON_TRACK


def test_pace_first_day_of_month_is_a_working_day() -> None:
    p = compute_pace(22, 0, date(2026, 12, 1))
    assert (p.available_total, p.available_elapsed, p.available_left) == (22, 0, 22)
    assert p.needed_per_day == 1.0
    assert p.forecast is None


def test_pace_new_year_block() -> None:
    # Jan 9 2026 is still a day off; the first working day is Monday Jan 12.
    p = compute_pace(15, 0, date(2026, 1, 9))
    assert (p.available_total, p.available_elapsed, p.available_left) == (15, 0, 15)
    # Two units written during the holidays on the first working day:
    # 2 units ahead = 2 days at 15/15 = 1 unit per day.
    p = compute_pace(15, 2, date(2026, 1, 12))
    assert p.available_elapsed == 0
    assert p.lag_units == -2.0
    assert p.lag_days == -2.0
    assert p.status == PaceStatus.AHEAD
    assert p.needed_per_day == pytest.approx(13 / 15)


def test_pace_last_day_of_month_is_a_working_day() -> None:
    # Monday Nov 30: 19 elapsed, today is the last one left.
    p = compute_pace(20, 18, date(2026, 11, 30))
    assert (p.available_elapsed, p.available_left) == (19, 1)
    assert p.expected == 19.0
    assert p.lag_units == 1.0
    assert p.lag_days == 1.0
    assert p.needed_per_day == 2.0  # (20 - 18) / 1
    assert p.forecast == pytest.approx(18 + 18 / 19)  # 18.95
    assert p.status == PaceStatus.BEHIND


def test_pace_no_working_days_left() -> None:
    # Dec 31 2026 is a Thursday but a (substituted) holiday; Dec 30 was the
    # last working day, so everything has elapsed on the 31st.
    assert date(2026, 12, 31) in public_holidays(2026)
    p = compute_pace(22, 20, date(2026, 12, 31))
    assert (p.available_total, p.available_elapsed, p.available_left) == (22, 22, 0)
    assert p.expected == 22.0
    assert p.lag_units == 2.0
    assert p.needed_per_day is None
    assert p.forecast == 20.0  # rate × 0 days left
    assert p.status == PaceStatus.NO_DAYS_LEFT


def test_pace_no_working_days_left_but_plan_met() -> None:
    p = compute_pace(22, 22, date(2026, 12, 31))
    assert p.needed_per_day == 0.0
    assert p.status == PaceStatus.DONE


def test_pace_member_with_every_day_off() -> None:
    off = days(date(2026, 11, 1), date(2026, 11, 30))
    p = compute_pace(10, 3, date(2026, 11, 16), days_off=off)
    assert (p.available_total, p.available_elapsed, p.available_left) == (0, 0, 0)
    assert p.expected == 0.0
    assert p.lag_units == -3.0
    assert p.lag_days == 0.0
    assert p.forecast is None
    assert p.needed_per_day is None
    assert p.percent == 30.0
    assert p.status == PaceStatus.NO_DAYS_LEFT


def test_pace_member_with_every_day_off_and_no_plan() -> None:
    off = days(date(2026, 11, 1), date(2026, 11, 30))
    p = compute_pace(0, 0, date(2026, 11, 16), days_off=off)
    assert p.status == PaceStatus.NO_PLAN
    assert p.needed_per_day == 0.0
    assert p.percent is None


def test_pace_plan_zero() -> None:
    p = compute_pace(0, 4, date(2026, 11, 16))
    assert p.expected == 0.0
    assert p.lag_units == -4.0
    assert p.lag_days == 0.0
    assert p.percent is None
    assert p.needed_per_day == 0.0
    assert p.status == PaceStatus.NO_PLAN


def test_pace_done_exceeds_plan() -> None:
    p = compute_pace(10, 15, date(2026, 11, 16))
    assert p.percent == 150.0
    assert p.needed_per_day == 0.0
    assert p.lag_units == pytest.approx(10 * 9 / 20 - 15)  # 4.5 - 15
    assert p.status == PaceStatus.DONE


def test_pace_exactly_done() -> None:
    p = compute_pace(10, 10, date(2026, 11, 16))
    assert p.percent == 100.0
    assert p.needed_per_day == 0.0
    assert p.status == PaceStatus.DONE


@pytest.mark.parametrize(
    ("plan", "done", "today", "status"),
    [
        # Big plan, 100 in November = 5/day; 9 days elapsed -> expected 45.
        (100, 42, date(2026, 11, 16), PaceStatus.ON_TRACK),  # 3 units = 0.6 day
        (100, 41, date(2026, 11, 16), PaceStatus.ON_TRACK),  # 4 units = 0.8 day
        (100, 40, date(2026, 11, 16), PaceStatus.BEHIND),  # 5 units = exactly 1 day
        (100, 45, date(2026, 11, 16), PaceStatus.ON_TRACK),
        (100, 49, date(2026, 11, 16), PaceStatus.ON_TRACK),  # -0.8 day
        (100, 50, date(2026, 11, 16), PaceStatus.AHEAD),  # exactly 1 day ahead
        # Small plan, 4 in November = 0.2/day.
        (4, 0, date(2026, 11, 5), PaceStatus.ON_TRACK),  # expected 0.4: 2 days but < 1 unit
        (4, 0, date(2026, 11, 16), PaceStatus.BEHIND),  # expected 1.8: 1.8 units, 9 days
        (4, 1, date(2026, 11, 16), PaceStatus.ON_TRACK),  # 0.8 unit short
        (4, 2, date(2026, 11, 3), PaceStatus.AHEAD),  # expected 0.2, 1.8 units ahead
        (4, 1, date(2026, 11, 3), PaceStatus.ON_TRACK),  # 0.8 unit ahead
    ],
)
def test_pace_status_thresholds(plan: int, done: int, today: date, status: PaceStatus) -> None:
    assert compute_pace(plan, done, today).status == status


def test_pace_tolerance_days_is_configurable() -> None:
    # 5 units behind on plan 100 = 1 day of pace.
    assert compute_pace(100, 40, date(2026, 11, 16), tolerance_days=2).status == PaceStatus.ON_TRACK
    assert compute_pace(100, 35, date(2026, 11, 16), tolerance_days=2).status == PaceStatus.BEHIND


def test_pace_explicit_past_month_everything_elapsed() -> None:
    p = compute_pace(20, 18, date(2026, 12, 5), month=date(2026, 11, 17))
    assert p.month == date(2026, 11, 1)
    assert p.today == date(2026, 12, 5)
    assert (p.available_total, p.available_elapsed, p.available_left) == (20, 20, 0)
    assert p.expected == 20.0
    assert p.forecast == 18.0
    assert p.needed_per_day is None
    assert p.status == PaceStatus.NO_DAYS_LEFT


def test_pace_explicit_future_month_nothing_elapsed() -> None:
    p = compute_pace(22, 0, date(2026, 11, 20), month=date(2026, 12, 1))
    assert p.month == date(2026, 12, 1)
    assert (p.available_total, p.available_elapsed, p.available_left) == (22, 0, 22)
    assert p.expected == 0.0
    assert p.forecast is None
    assert p.needed_per_day == 1.0
    assert p.status == PaceStatus.ON_TRACK


def test_pace_month_defaults_to_today() -> None:
    assert compute_pace(20, 7, date(2026, 11, 16)) == compute_pace(
        20, 7, date(2026, 11, 16), month=date(2026, 11, 30)
    )


def test_pace_far_east_member_already_in_next_month() -> None:
    # 15:00 UTC on Nov 30 is 01:00 Dec 1 in Vladivostok but 18:00 Nov 30 in Moscow.
    now = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    far_east = compute_pace(22, 0, local_today(now, "Asia/Vladivostok"))
    moscow = compute_pace(20, 19, local_today(now, "Europe/Moscow"))
    assert far_east.month == date(2026, 12, 1)
    assert far_east.available_elapsed == 0
    assert moscow.month == date(2026, 11, 1)
    assert moscow.available_left == 1


def test_pace_other_country() -> None:
    # In Germany Nov 4 is a normal working day: 21 days, 10 before the 16th.
    p = compute_pace(21, 10, date(2026, 11, 16), country="DE")
    assert (p.available_total, p.available_elapsed, p.available_left) == (21, 10, 11)
    assert p.status == PaceStatus.ON_TRACK


@pytest.mark.parametrize(("plan", "done"), [(-1, 0), (0, -1)])
def test_pace_negative_input_rejected(plan: int, done: int) -> None:
    with pytest.raises(ValueError):
        compute_pace(plan, done, date(2026, 11, 16))


def test_pace_is_frozen() -> None:
    p = compute_pace(20, 7, date(2026, 11, 16))
    assert isinstance(p, Pace)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.done = 8  # type: ignore[misc]


@pytest.mark.parametrize("year", [2026, 2027])
def test_pace_invariants_for_every_day_of_the_year(year: int) -> None:
    for today in days(date(year, 1, 1), date(year, 12, 31)):
        p = compute_pace(20, 5, today)
        assert p.available_elapsed + p.available_left == p.available_total
        assert 0 <= p.expected <= p.plan
        if today.day > 1:
            prev = compute_pace(20, 5, today - timedelta(days=1))
            assert p.available_elapsed >= prev.available_elapsed
        if p.available_left == 0:
            assert p.needed_per_day is None


# ---------------------------------------------------------------------------
# round1
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (0.0, 0.0),
        (1.0, 1.0),
        (1.04, 1.0),
        (1.05, 1.1),
        (0.25, 0.3),  # round(0.25, 1) == 0.2 (banker's rounding)
        (0.35, 0.4),  # round(0.35, 1) == 0.3 (binary 0.34999...)
        (-1.25, -1.3),  # half away from zero
        (-0.04, 0.0),  # no "-0.0"
        (140 / 9, 15.6),
        (13 / 11, 1.2),
        (float("inf"), float("inf")),
    ],
)
def test_round1(value: float | None, expected: float | None) -> None:
    result = round1(value)
    assert result == expected
    if expected == 0.0:
        assert str(result) == "0.0"


def test_utc_range_of_local_days() -> None:
    from datetime import UTC, datetime

    from bot.domain.workdays import utc_range

    start, end = utc_range(date(2026, 11, 1), date(2026, 11, 30), "Europe/Moscow")
    assert start == datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    start, end = utc_range(date(2026, 11, 16), date(2026, 11, 16), "Asia/Vladivostok")
    assert (start, end) == (datetime(2026, 11, 15, 14, 0, tzinfo=UTC), datetime(2026, 11, 16, 14, 0, tzinfo=UTC))
