"""Tests for bot.domain.quality."""

from __future__ import annotations

import dataclasses

import pytest

from bot.domain.quality import QualityFlag, median, quality_flag, revisions_per_unit


@pytest.mark.parametrize(
    ("revisions", "units", "expected"),
    [
        (0, 0, None),
        (3, 0, None),
        (0, 5, 0.0),
        (3, 10, 0.3),
        (10, 4, 2.5),
    ],
)
def test_revisions_per_unit(revisions: int, units: int, expected: float | None) -> None:
    assert revisions_per_unit(revisions, units) == expected


@pytest.mark.parametrize(("revisions", "units"), [(-1, 5), (1, -5)])
def test_revisions_per_unit_negative(revisions: int, units: int) -> None:
    with pytest.raises(ValueError):
        revisions_per_unit(revisions, units)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([None, None], None),
        ([0.5], 0.5),
        ([3.0, 1.0, 2.0], 2.0),
        ([4.0, 1.0, 3.0, 2.0], 2.5),
        ([0.2, None, 0.4], pytest.approx(0.3)),  # None (no units) is skipped
        ([1, 1, 5], 1.0),
        ((x for x in (0.1, 0.3)), pytest.approx(0.2)),  # any iterable
    ],
)
def test_median(values, expected) -> None:
    assert median(values) == expected


def test_median_of_team_rates() -> None:
    rates = [revisions_per_unit(r, u) for r, u in [(2, 10), (0, 0), (5, 10), (1, 4), (3, 6)]]
    # 0.2, None, 0.5, 0.25, 0.5 -> sorted 0.2, 0.25, 0.5, 0.5 -> (0.25 + 0.5) / 2
    assert median(rates) == pytest.approx(0.375)


@pytest.mark.parametrize(
    ("cur_rev", "cur_units", "prev_rev", "prev_units", "flagged", "change", "reason"),
    [
        # Exactly +50 %: 0.2 -> 0.3 (float division gives 0.4999..., exact math flags).
        (3, 10, 2, 10, True, 0.5, "rise"),
        # +49 %: 1.00 -> 1.49.
        (149, 100, 100, 100, False, 0.49, "no_rise"),
        # +51 %.
        (151, 100, 100, 100, True, 0.51, "rise"),
        # Big rise but only 4 units this month.
        (4, 4, 1, 10, False, 9.0, "too_few_units"),
        # Same rise at exactly min_units flags.
        (5, 5, 1, 10, True, 9.0, "rise"),
        # Rate fell.
        (1, 10, 5, 10, False, -0.8, "no_rise"),
        # Unchanged.
        (2, 10, 2, 10, False, 0.0, "no_rise"),
        # Previous rate 0, now positive: infinite rise, flags, change not computable.
        (1, 5, 0, 10, True, None, "rise"),
        # Both zero: no change.
        (0, 5, 0, 10, False, 0.0, "no_rise"),
        # No units last month: nothing to compare with.
        (5, 5, 0, 0, False, None, "no_previous"),
        # No units this month.
        (0, 0, 1, 10, False, None, "too_few_units"),
        # Different sample sizes: 0.2 (2/10) -> 0.3 (6/20).
        (6, 20, 2, 10, True, 0.5, "rise"),
    ],
)
def test_quality_flag(
    cur_rev: int,
    cur_units: int,
    prev_rev: int,
    prev_units: int,
    flagged: bool,
    change: float | None,
    reason: str,
) -> None:
    flag = quality_flag(cur_rev, cur_units, prev_rev, prev_units)
    assert flag.flagged is flagged
    assert flag.reason == reason
    assert flag.current_units == cur_units
    assert flag.current_rate == revisions_per_unit(cur_rev, cur_units)
    assert flag.previous_rate == revisions_per_unit(prev_rev, prev_units)
    if change is None:
        assert flag.change is None
    else:
        assert flag.change == pytest.approx(change)


@pytest.mark.parametrize(
    ("rise_share", "flagged"),
    [(0.3, True), (0.5, False), (0.0, True)],
)
def test_quality_flag_custom_rise_share(rise_share: float, flagged: bool) -> None:
    # 1.0 -> 1.3 is exactly +30 %.
    assert quality_flag(13, 10, 10, 10, rise_share=rise_share).flagged is flagged


def test_quality_flag_rise_share_zero_does_not_flag_zero_rate() -> None:
    assert quality_flag(0, 10, 0, 10, rise_share=0).flagged is False


@pytest.mark.parametrize(("min_units", "flagged"), [(3, True), (4, True), (5, False)])
def test_quality_flag_custom_min_units(min_units: int, flagged: bool) -> None:
    assert quality_flag(4, 4, 1, 10, min_units=min_units).flagged is flagged


@pytest.mark.parametrize("kwargs", [{"rise_share": -0.1}, {"min_units": -1}])
def test_quality_flag_rejects_negative_settings(kwargs) -> None:
    with pytest.raises(ValueError):
        quality_flag(1, 5, 1, 5, **kwargs)


def test_quality_flag_is_frozen() -> None:
    flag = quality_flag(3, 10, 2, 10)
    assert isinstance(flag, QualityFlag)
    with pytest.raises(dataclasses.FrozenInstanceError):
        flag.flagged = False  # type: ignore[misc]
