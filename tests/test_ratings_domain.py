"""Tests for the pure peer-ratings domain (bot.domain.ratings)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from bot.domain.ratings import (
    MAX_COMMENT_LENGTH,
    MIN_COMMENT_LETTERS,
    AnonymityMode,
    Cadence,
    CommentCheck,
    PeriodError,
    RatingRow,
    RatingSummary,
    average,
    average_exact,
    cadence_allows,
    can_rate,
    dedup_key,
    distribution,
    leaderboard,
    monthly_trend,
    normalize_task_ref,
    parse_period,
    period_closed,
    period_of,
    present_ratings,
    rater_key,
    round_half_up,
    show_rater_identity,
    validate_comment,
    visible_to_manager,
    visible_to_rated,
)

SECRET = b"0123456789abcdef-test-secret"
OTHER_SECRET = b"fedcba9876543210-test-secret"


# --------------------------------------------------------------------------- enums


def test_enum_values() -> None:
    assert [m.value for m in AnonymityMode] == ["open", "anonymous", "aggregate"]
    assert [c.value for c in Cadence] == ["per_task", "monthly", "both"]
    assert AnonymityMode("aggregate") is AnonymityMode.AGGREGATE
    assert AnonymityMode.OPEN == "open"


# --------------------------------------------------------------------------- comment rule


@pytest.mark.parametrize(
    ("score", "comment", "reason"),
    [
        (4, "Хорошо, но", "too_short"),  # 8 Cyrillic letters
        (3, None, "required"),
        (3, "", "required"),
        (3, "   \n\t ", "required"),
        (4, "-", "required"),
        (4, "—", "required"),
        (4, "–", "required"),
        (4, ".", "required"),
        (4, "...", "required"),
        (4, " - . — ", "required"),
        (4, "\u200b", "required"),  # zero-width space only
        (2, "1234567890ab", "too_short"),  # 2 letters
        (2, "1234567890", "too_short"),  # digits are not letters
        (1, "ok!!!!!!!!!!!!!", "too_short"),
        (1, "abcdefghi", "too_short"),  # 9 letters
        (1, "a" * (MAX_COMMENT_LENGTH + 1), "too_long"),
        (5, "x" * (MAX_COMMENT_LENGTH + 1), "too_long"),
    ],
)
def test_comment_refused(score: int, comment: str | None, reason: str) -> None:
    check = validate_comment(score, comment)
    assert check == CommentCheck(ok=False, reason=reason, comment=None)


@pytest.mark.parametrize(
    ("score", "comment", "stored"),
    [
        (4, "Отлично сделано", "Отлично сделано"),
        (4, "  Отлично сделано \n", "Отлично сделано"),
        (1, "abcdefghij", "abcdefghij"),  # exactly 10 letters
        (3, "Late twice: 2 of 5 drafts", "Late twice: 2 of 5 drafts"),
        (5, None, None),
        (5, "", None),
        (5, "   ", None),
        (5, "—", None),
        (5, "Top", "Top"),  # no minimum for score 5
        (2, "a" * MAX_COMMENT_LENGTH, "a" * MAX_COMMENT_LENGTH),
    ],
)
def test_comment_accepted(score: int, comment: str | None, stored: str | None) -> None:
    assert validate_comment(score, comment) == CommentCheck(ok=True, reason=None, comment=stored)


def test_comment_letters_counted_after_nfc() -> None:
    # "йййййййййй" written with combining breves: 10 letters once composed.
    decomposed = unicodedata.normalize("NFD", "й" * 10)
    assert len(decomposed) == 20
    check = validate_comment(3, decomposed)
    assert check.ok
    assert check.comment == "й" * 10


def test_comment_min_letters_parameter() -> None:
    assert MIN_COMMENT_LETTERS == 10
    assert validate_comment(3, "abc", min_letters=3).ok
    assert validate_comment(3, "abc", min_letters=4).reason == "too_short"
    assert validate_comment(3, "abcdef", max_length=5).reason == "too_long"


@pytest.mark.parametrize("score", [0, 6, -1, 100])
def test_comment_score_out_of_range(score: int) -> None:
    with pytest.raises(ValueError):
        validate_comment(score, "Отлично сделано")


def test_comment_score_bool_rejected() -> None:
    with pytest.raises(TypeError):
        validate_comment(True, "Отлично сделано")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- rater identity


def test_rater_key_deterministic_hex() -> None:
    key = rater_key(SECRET, 7, 12345)
    assert key == rater_key(SECRET, 7, 12345)
    assert len(key) == 64
    int(key, 16)
    expected = hmac.new(SECRET, b"rater:v1:7:12345", hashlib.sha256).hexdigest()
    assert key == expected


def test_rater_key_differs_by_secret_policy_and_rater() -> None:
    base = rater_key(SECRET, 7, 12345)
    assert rater_key(OTHER_SECRET, 7, 12345) != base
    assert rater_key(SECRET, 8, 12345) != base
    assert rater_key(SECRET, 7, 12346) != base
    # no ambiguity between "1:23" and "12:3"
    assert rater_key(SECRET, 1, 23) != rater_key(SECRET, 12, 3)


@pytest.mark.parametrize("secret", [b"", b"short", b"x" * 15])
def test_short_secret_rejected(secret: bytes) -> None:
    with pytest.raises(ValueError):
        rater_key(secret, 1, 2)
    with pytest.raises(ValueError):
        dedup_key(secret, 1, 2, 3, "2026-11", None)


def test_secret_of_16_bytes_accepted() -> None:
    assert rater_key(b"x" * 16, 1, 2)


def test_dedup_key_deterministic_and_distinct() -> None:
    base = dedup_key(SECRET, 1, 10, 20, "2026-11", "TASK-42")
    assert base == dedup_key(SECRET, 1, 10, 20, "2026-11", "TASK-42")
    assert len(base) == 64
    variants = {
        dedup_key(OTHER_SECRET, 1, 10, 20, "2026-11", "TASK-42"),
        dedup_key(SECRET, 2, 10, 20, "2026-11", "TASK-42"),
        dedup_key(SECRET, 1, 11, 20, "2026-11", "TASK-42"),
        dedup_key(SECRET, 1, 10, 21, "2026-11", "TASK-42"),
        dedup_key(SECRET, 1, 10, 20, "2026-12", "TASK-42"),
        dedup_key(SECRET, 1, 10, 20, "2026-11", "TASK-43"),
        dedup_key(SECRET, 1, 10, 20, "2026-11", None),
        rater_key(SECRET, 1, 10),
    }
    assert base not in variants
    assert len(variants) == 8


@pytest.mark.parametrize(
    "task_ref",
    ["Статья про SEO", "  статья   про seo ", "СТАТЬЯ\tПРО\nSEO", "статья про seo"],
)
def test_dedup_key_task_ref_normalized(task_ref: str) -> None:
    assert dedup_key(SECRET, 1, 10, 20, "2026-11", task_ref) == dedup_key(
        SECRET, 1, 10, 20, "2026-11", "статья про seo"
    )


@pytest.mark.parametrize("task_ref", [None, "", "   ", "\n"])
def test_dedup_key_blank_task_ref_is_month_level(task_ref: str | None) -> None:
    assert dedup_key(SECRET, 1, 10, 20, "2026-11", task_ref) == dedup_key(SECRET, 1, 10, 20, "2026-11", None)


def test_dedup_key_task_named_month_does_not_collide() -> None:
    assert dedup_key(SECRET, 1, 10, 20, "2026-11", "month") != dedup_key(SECRET, 1, 10, 20, "2026-11", None)


def test_dedup_key_period_forms_equivalent() -> None:
    assert dedup_key(SECRET, 1, 10, 20, "11.2026", None) == dedup_key(SECRET, 1, 10, 20, "2026-11", None)
    with pytest.raises(ValueError):
        dedup_key(SECRET, 1, 10, 20, "November", None)


def test_normalize_task_ref() -> None:
    assert normalize_task_ref(None) is None
    assert normalize_task_ref("  ") is None
    assert normalize_task_ref("  A  b\tC ") == "a b c"
    assert normalize_task_ref("Straße") == "strasse"


@pytest.mark.parametrize(
    ("cadence", "task_ref", "allowed"),
    [
        (Cadence.PER_TASK, "T-1", True),
        (Cadence.PER_TASK, None, False),
        (Cadence.PER_TASK, "  ", False),
        (Cadence.MONTHLY, None, True),
        (Cadence.MONTHLY, "T-1", False),
        ("both", "T-1", True),
        ("both", None, True),
    ],
)
def test_cadence_allows(cadence: Cadence | str, task_ref: str | None, allowed: bool) -> None:
    assert cadence_allows(cadence, task_ref) is allowed


# --------------------------------------------------------------------------- integrity


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((1, 10, 2, 20, 10, 20), None),
        ((1, 10, 1, 20, 10, 20), "self"),
        ((1, 10, 1, 10, 10, 10), "self"),
        ((1, 11, 2, 20, 10, 20), "not_in_policy"),  # rater in wrong department
        ((1, 10, 2, 21, 10, 20), "not_in_policy"),  # rated in wrong department
        ((1, 20, 2, 10, 10, 20), "not_in_policy"),  # direction reversed
        ((1, None, 2, 20, 10, 20), "not_in_policy"),
        ((1, 10, 2, None, 10, 20), "not_in_policy"),
    ],
)
def test_can_rate(args: tuple, expected: str | None) -> None:
    assert can_rate(*args) == expected


# --------------------------------------------------------------------------- visibility


@pytest.mark.parametrize(
    ("mode", "count", "visible"),
    [
        ("open", 0, True),
        ("open", 1, True),
        ("anonymous", 1, True),
        ("aggregate", 0, False),
        ("aggregate", 2, False),
        ("aggregate", 3, True),
        ("aggregate", 4, True),
    ],
)
def test_visibility_threshold_k3(mode: str, count: int, visible: bool) -> None:
    assert visible_to_rated(mode, count, 3) is visible
    assert visible_to_manager(mode, count, 3) is visible


def test_visibility_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        visible_to_rated("aggregate", 1, 0)
    with pytest.raises(ValueError):
        visible_to_rated("aggregate", -1, 3)
    with pytest.raises(ValueError):
        visible_to_rated("secret", 1, 3)


def test_show_rater_identity() -> None:
    assert show_rater_identity("open") is True
    assert show_rater_identity(AnonymityMode.ANONYMOUS) is False
    assert show_rater_identity(AnonymityMode.AGGREGATE) is False


T0 = datetime(2026, 11, 3, 10, 0)
LABELS = ("Ivan Petrov ZZLABEL1", "Maria ZZLABEL2", "Oleg ZZLABEL3", "Anna ZZLABEL4")


def _rows(with_labels: bool = True) -> list[RatingRow]:
    specs = [
        (5, None),
        (3, "Поздно сдал бриф, но помог"),
        (4, "Clear brief, slow feedback"),
        (3, "Агентство молодец, всё чётко"),
    ]
    return [
        RatingRow(
            score=score,
            comment=comment,
            created_at=T0 + timedelta(hours=i),
            rater_label=LABELS[i] if with_labels else None,
        )
        for i, (score, comment) in enumerate(specs)
    ]


def _walk(value: object):
    """Yield (key, value) pairs from nested dicts/lists/tuples produced by dataclasses.asdict."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield None, item
            yield from _walk(item)


@pytest.mark.parametrize("mode", [AnonymityMode.ANONYMOUS, AnonymityMode.AGGREGATE])
def test_identity_never_present_outside_open_mode(mode: AnonymityMode) -> None:
    # Even if a caller wrongly passes labels, they must not come out.
    summary = present_ratings(mode, _rows(with_labels=True), k=3)
    assert not summary.hidden
    dumped = dataclasses.asdict(summary)
    for key, value in _walk(dumped):
        if key in ("rater_label", "created_at"):
            assert value is None
        if isinstance(value, str):
            assert "ZZLABEL" not in value
    assert "ZZLABEL" not in repr(summary)
    for moment in (r.created_at for r in _rows()):
        assert moment not in [v for _, v in _walk(dumped)]


@pytest.mark.parametrize("mode", [AnonymityMode.ANONYMOUS, AnonymityMode.AGGREGATE])
def test_anonymous_comments_sorted_by_score_then_text(mode: AnonymityMode) -> None:
    rows = _rows()
    summary = present_ratings(mode, rows, k=3)
    assert [(c.score, c.comment) for c in summary.comments] == [
        (3, "Агентство молодец, всё чётко"),
        (3, "Поздно сдал бриф, но помог"),
        (4, "Clear brief, slow feedback"),
    ]
    # Input order (i.e. time) does not affect output order.
    assert present_ratings(mode, list(reversed(rows)), k=3) == summary


def test_open_mode_keeps_labels_and_time_order() -> None:
    rows = _rows()
    summary = present_ratings("open", list(reversed(rows)), k=3)
    assert not summary.hidden
    assert [(c.rater_label, c.created_at, c.comment) for c in summary.comments] == [
        (LABELS[1], rows[1].created_at, rows[1].comment),
        (LABELS[2], rows[2].created_at, rows[2].comment),
        (LABELS[3], rows[3].created_at, rows[3].comment),
    ]


def test_summary_figures() -> None:
    summary = present_ratings("anonymous", _rows(), k=3)
    assert summary.count == 4
    assert summary.average_exact == Fraction(15, 4)
    assert summary.average == Decimal("3.75")
    assert summary.distribution == {1: 0, 2: 0, 3: 2, 4: 1, 5: 1}


def test_aggregate_below_k_reveals_nothing() -> None:
    rows = _rows()[:2]
    summary = present_ratings("aggregate", rows, k=3)
    assert summary == RatingSummary(
        mode=AnonymityMode.AGGREGATE,
        k=3,
        hidden=True,
        count=None,
        average=None,
        average_exact=None,
        distribution={},
        comments=(),
    )
    # the hidden summary is the same whatever the (sub-threshold) ratings were
    assert present_ratings("aggregate", [], k=3) == summary
    assert present_ratings("aggregate", rows[:1], k=3) == summary


def test_aggregate_at_k_visible() -> None:
    summary = present_ratings("aggregate", _rows()[:3], k=3)
    assert not summary.hidden
    assert summary.count == 3
    assert summary.average == Decimal("4.00")


def test_open_with_no_ratings() -> None:
    summary = present_ratings("open", [], k=3)
    assert not summary.hidden
    assert summary.count == 0
    assert summary.average is None
    assert summary.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}


def test_rating_row_validates_score() -> None:
    with pytest.raises(ValueError):
        RatingRow(score=0, comment=None, created_at=T0)


# --------------------------------------------------------------------------- aggregation


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([5, 4, 4], "4.33"),
        ([5, 4], "4.50"),
        ([5], "5.00"),
        ([4, 5, 5, 5, 5, 5, 5, 5], "4.88"),  # 4.875
        ([5, 5, 5, 5, 5, 4, 4, 4], "4.63"),  # 4.625: half-even/float round would give 4.62
        ([5, 4, 4, 4, 4, 4, 4, 4], "4.13"),  # 4.125
        ([1] * 199 + [2], "1.01"),  # 1.005: float round gives 1.0
        ([4, 4, 5], "4.33"),
        ([5, 5, 4], "4.67"),
    ],
)
def test_average_exact_half_up(scores: list[int], expected: str) -> None:
    result = average(scores)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)
    assert str(result) == expected


def test_average_empty_and_invalid() -> None:
    assert average([]) is None
    assert average_exact([]) is None
    assert average_exact([5, 4, 4]) == Fraction(13, 3)
    with pytest.raises(ValueError):
        average([5, 6])


def test_round_half_up_negative_and_places() -> None:
    assert round_half_up(Fraction(-37, 8)) == Decimal("-4.63")
    assert round_half_up(Fraction(9, 2), 0) == Decimal("5")


def test_distribution_has_all_keys() -> None:
    assert distribution([]) == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert distribution([5, 5, 1, 3]) == {1: 1, 2: 0, 3: 1, 4: 0, 5: 2}
    with pytest.raises(ValueError):
        distribution([0])


def test_monthly_trend_sorted_and_merged() -> None:
    rows = [
        ("2026-11", 5),
        ("2026-02", 3),
        ("11.2026", 4),
        ("2025-12", 5),
        ("2026-02", 4),
        ("2026-11", 4),
    ]
    assert monthly_trend(rows) == [
        ("2025-12", Decimal("5.00"), 1),
        ("2026-02", Decimal("3.50"), 2),
        ("2026-11", Decimal("4.33"), 3),
    ]
    assert monthly_trend([]) == []


def test_leaderboard_ties_and_competition_ranking() -> None:
    per_person = {
        30: [5, 5, 4],  # 4.67, 3
        10: [5, 5, 4],  # 4.67, 3  -> ties with 30
        20: [5, 4],  # 4.50, 2
        40: [5, 5, 5, 4, 4, 4],  # 4.50, 6 -> above 20 (more ratings)
        50: [5, 5, 5],  # 5.00, 3
    }
    board = leaderboard(per_person, min_ratings=1)
    assert [(r.person_id, str(r.average), r.count, r.rank) for r in board] == [
        (50, "5.00", 3, 1),
        (10, "4.67", 3, 2),
        (30, "4.67", 3, 2),
        (40, "4.50", 6, 4),
        (20, "4.50", 2, 5),
    ]


def test_leaderboard_one_one_three() -> None:
    board = leaderboard({1: [5, 4], 2: [4, 5], 3: [4, 4]}, min_ratings=2)
    assert [(r.person_id, r.rank) for r in board] == [(1, 1), (2, 1), (3, 3)]


def test_leaderboard_min_ratings_excludes() -> None:
    per_person = {1: [5], 2: [4, 4, 4], 3: [], 4: [3, 3]}
    assert [r.person_id for r in leaderboard(per_person, min_ratings=2)] == [2, 4]
    assert [r.person_id for r in leaderboard(per_person, min_ratings=0)] == [1, 2, 4]
    assert leaderboard(per_person, min_ratings=4) == []
    with pytest.raises(ValueError):
        leaderboard(per_person, min_ratings=-1)


def test_leaderboard_ranks_by_exact_average() -> None:
    # 33/8 = 4.125 and 62/15 = 4.1333.. both display as 4.13 but are not equal.
    a = [5] + [4] * 7
    b = [5, 5] + [4] * 13
    assert sum(b) == 62 and len(b) == 15
    board = leaderboard({1: a, 2: b}, min_ratings=1)
    assert [str(r.average) for r in board] == ["4.13", "4.13"]
    assert [(r.person_id, r.rank) for r in board] == [(2, 1), (1, 2)]
    assert board[0].average_exact == Fraction(62, 15)


# --------------------------------------------------------------------------- periods


def test_period_of() -> None:
    assert period_of(date(2026, 11, 24)) == "2026-11"
    assert period_of(date(2026, 1, 1)) == "2026-01"
    assert period_of(datetime(2026, 3, 5, 23, 59)) == "2026-03"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11", date(2026, 11, 1)),
        ("11.2026", date(2026, 11, 1)),
        ("01.2027", date(2027, 1, 1)),
        ("1.2027", date(2027, 1, 1)),
        (" 2026-02 ", date(2026, 2, 1)),
    ],
)
def test_parse_period_ok(text: str, expected: date) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "invalid_format"),
        ("November", "invalid_format"),
        ("2026/11", "invalid_format"),
        ("2026-11-01", "invalid_format"),
        ("26-11", "invalid_format"),
        ("٢٠٢٦-١١", "invalid_format"),  # non-ASCII digits
        ("2026-13", "invalid_month"),
        ("00.2026", "invalid_month"),
        ("0000-05", "invalid_year"),
    ],
)
def test_parse_period_errors(text: str, code: str) -> None:
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("period", "today", "closed"),
    [
        ("2026-11", date(2026, 11, 1), False),
        ("2026-11", date(2026, 11, 30), False),
        ("2026-11", date(2026, 12, 1), True),
        ("2026-12", date(2026, 12, 31), False),
        ("2026-12", date(2027, 1, 1), True),
        ("2026-12", date(2026, 6, 1), False),  # future period
        ("11.2026", date(2027, 3, 1), True),
    ],
)
def test_period_closed(period: str, today: date, closed: bool) -> None:
    assert period_closed(period, today) is closed


def test_aggregate_threshold_counts_distinct_raters() -> None:
    from datetime import UTC, datetime

    from bot.domain.ratings import AnonymityMode, RatingRow, distinct_raters, present_ratings

    at = datetime(2026, 11, 16, tzinfo=UTC)
    one_rater = [RatingRow(score=3, comment=f"c{i}", created_at=at, rater_key="k1") for i in range(3)]
    summary = present_ratings(AnonymityMode.AGGREGATE, one_rater, 3)
    assert summary.hidden and summary.comments == () and summary.count is None
    assert distinct_raters(["k1", "k1", "k2", None]) == 3
    three = [*one_rater, RatingRow(score=5, comment=None, created_at=at, rater_key="k2"),
             RatingRow(score=5, comment=None, created_at=at, rater_key="k3")]
    shown = present_ratings(AnonymityMode.AGGREGATE, three, 3)
    assert not shown.hidden and shown.count == 5
