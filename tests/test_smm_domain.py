"""The SMM rules without I/O: every metric (with zero denominators and missing weeks), the week calendar, handles per
network, the plausibility checks and the pasted-line parser."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain import smm
from bot.errors import UserError
from bot.parsing import parse_count, parse_day, parse_figures

W1 = {"followers": 1000, "likes": 40, "comments": 6, "saves": 3, "shares": 1, "reach": 2000, "posts": 4,
      "views": 5000, "interactions": None}
W2 = {"followers": 1100, "likes": 60, "comments": 10, "saves": 5, "shares": 5, "reach": 2000, "posts": 5,
      "views": 6000, "interactions": None}


# --- metrics ------------------------------------------------------------------------------------------------
def test_engagement_rate_by_reach_and_by_followers() -> None:
    assert smm.engagement(W1) == 50
    assert smm.er_reach(W1) == pytest.approx(50 / 2000)
    assert smm.er_followers(W1) == pytest.approx(50 / 1000)
    assert smm.er_reach(W2) == pytest.approx(80 / 2000)


def test_rates_are_undefined_on_zero_or_missing_denominators() -> None:
    assert smm.er_reach({**W1, "reach": 0}) is None
    assert smm.er_reach({**W1, "reach": None}) is None
    assert smm.er_followers({**W1, "followers": 0}) is None
    assert smm.er_reach(None) is None
    # missing parts of engagement count as 0; all four missing: not defined
    assert smm.engagement({"likes": 10}) == 10
    assert smm.engagement({"reach": 100}) is None
    assert smm.er_reach({"reach": 100}) is None


def test_interactions_given_or_computed() -> None:
    assert smm.interactions(W1) == 50
    assert smm.interactions({**W1, "interactions": 70}) == 70
    assert smm.interactions({"reach": 5}) is None
    assert smm.interactions(None) is None


def test_follower_growth_absolute_and_percent() -> None:
    assert smm.growth(W1, W2) == 100
    assert smm.growth_pct(W1, W2) == pytest.approx(0.1)
    assert smm.growth(None, W2) is None
    assert smm.growth(W1, {"likes": 3}) is None
    assert smm.growth({"followers": 0}, {"followers": 10}) == 10
    assert smm.growth_pct({"followers": 0}, {"followers": 10}) is None
    assert smm.growth(W2, W1) == -100


def test_week_over_week_change_of_every_figure() -> None:
    ch = smm.changes(W1, W2)
    assert set(ch) == set(smm.FIELDS)
    assert ch["likes"] == pytest.approx(0.5)
    assert ch["reach"] == 0
    assert ch["interactions"] == pytest.approx(30 / 50)
    assert ch["followers"] == pytest.approx(0.1)
    assert smm.change(0, 0) == 0
    assert smm.change(0, 5) is None  # no finite share
    assert smm.change(None, 5) is None and smm.change(5, None) is None
    assert all(v is None for v in smm.changes(None, W2).values())


def test_four_week_moving_average_skips_missing_weeks() -> None:
    assert smm.moving_average([1.0, 2.0, 3.0, 4.0, 5.0]) == [1.0, 1.5, 2.0, 2.5, 3.5]
    assert smm.moving_average([None, 2.0, None, 4.0, None]) == [None, 2.0, 2.0, 3.0, 3.0]
    assert smm.moving_average([None, None]) == [None, None]
    assert smm.moving_average([]) == []
    assert smm.moving_average([1.0, 5.0, 9.0], n=2) == [1.0, 3.0, 7.0]


def test_aligned_weeks_mark_missing_ones() -> None:
    ends = smm.week_ends(date(2026, 11, 15), 3)
    assert ends == [date(2026, 11, 1), date(2026, 11, 8), date(2026, 11, 15)]
    assert smm.aligned({date(2026, 11, 8): W1}, ends) == [None, W1, None]


def test_flags_of_a_fall_or_a_missing_report() -> None:
    assert smm.flags(W1, None, 0.3).missing
    low = {**W2, "likes": 10, "comments": 0, "saves": 0, "shares": 0}
    f = smm.flags(W1, low, 0.3)
    assert f.er_fell and not f.reach_fell and not f.followers_fell and f.any
    assert not smm.flags(W1, W2, 0.3).any
    assert not smm.flags(None, W2, 0.3).any  # no week before: nothing to compare
    assert smm.flags(W1, {**W1, "reach": 1000}, 0.3).reach_fell
    assert not smm.flags(W1, {**W1, "reach": 1400}, 0.3).reach_fell  # exactly 30%: not more than
    assert smm.fell(100, 69, 0.3) and not smm.fell(100, 70, 0.3) and not smm.fell(None, 1, 0.3)


def test_median_or_none() -> None:
    assert smm.median_or_none([None, 1.0, 3.0, 10.0]) == 3.0
    assert smm.median_or_none([None]) is None


# --- checks -------------------------------------------------------------------------------------------------
def test_implausible_figures() -> None:
    assert smm.implausible(W1, W2) == []
    assert smm.implausible(W1, {**W2, "followers": 1600}) == ["followers-jump"]
    assert smm.implausible(W1, {**W2, "followers": 400}) == ["followers-jump"]
    assert smm.implausible(W1, {**W2, "followers": 1500}) == []  # exactly +50%
    assert smm.implausible(None, {**W2, "reach": 0}) == ["reach-zero"]
    assert smm.implausible(None, {"likes": 0, "reach": 0}) == []
    assert smm.implausible({"followers": 0}, {"followers": 50}) == []
    assert smm.implausible(None, {"likes": 5000, "reach": 100}) == ["engagement-over-reach"]


# --- calendar -----------------------------------------------------------------------------------------------
def test_week_ends() -> None:
    monday = date(2026, 11, 16)
    assert smm.last_week_end(monday, smm.SUNDAY) == date(2026, 11, 15)
    assert smm.last_week_end(date(2026, 11, 15), smm.SUNDAY) == date(2026, 11, 8)  # Sunday's week not ended
    assert smm.last_week_end(monday, 4) == date(2026, 11, 13)  # weeks ending Friday
    assert smm.week_end_of(date(2026, 11, 11), smm.SUNDAY) == date(2026, 11, 15)
    assert smm.week_end_of(date(2026, 11, 15), smm.SUNDAY) == date(2026, 11, 15)
    assert smm.parse_weekday("вс") == 6 and smm.parse_weekday("Fri") == 4 and smm.parse_weekday("x") is None


# --- handles ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("network", "text", "handle"), [
    ("instagram", "@Brand.Shop", "brand.shop"),
    ("instagram", "https://www.instagram.com/brand_x/", "brand_x"),
    ("instagram", "instagram.com/brand_x?igsh=abc", "brand_x"),
    ("instagram", "a" * 30, "a" * 30),
    ("telegram", "https://t.me/MyChannel", "mychannel"),
    ("telegram", "@my_channel", "my_channel"),
    ("vk", "https://vk.com/public123", "club123"),
    ("vk", "vk.com/brand", "brand"),
    ("youtube", "https://www.youtube.com/@Brand", "@brand"),
    ("youtube", "brand", "@brand"),
    ("tiktok", "https://www.tiktok.com/@brand.shop", "brand.shop"),
    ("other", "dzen.ru/brand", "https://dzen.ru/brand"),
])
def test_handles_are_normalised(network: str, text: str, handle: str) -> None:
    assert smm.normalize_handle(network, text) == handle


@pytest.mark.parametrize(("network", "text", "code"), [
    ("instagram", "a" * 31, "invalid"),
    ("instagram", "brand-shop", "invalid"),
    ("instagram", "https://vk.com/brand", "wrong-network"),
    ("instagram", "https://instagram.com/p/Cx1/", "invalid"),  # a post, not an account
    ("instagram", "", "invalid"),
    ("telegram", "@abc", "invalid"),
    ("telegram", "https://instagram.com/x", "wrong-network"),
    ("tiktok", "https://evil.com/@x", "wrong-network"),
    ("vk", "https://vk.com.evil.io/x", "wrong-network"),
    ("other", "hello", "invalid"),
    ("other", "https://x.io/" + "a" * 300, "long"),
])
def test_handles_are_refused(network: str, text: str, code: str) -> None:
    with pytest.raises(smm.HandleError) as err:
        smm.normalize_handle(network, text)
    assert err.value.code == code


def test_networks_by_alias() -> None:
    assert smm.parse_network("IG") == "instagram" and smm.parse_network("вк") == "vk"
    with pytest.raises(smm.HandleError):
        smm.parse_network("myspace")


# --- the pasted line ----------------------------------------------------------------------------------------
def test_pasted_line_in_english_and_russian_with_spaces_in_numbers() -> None:
    assert parse_figures("followers 12 340 likes 1 200 comments 85 saves 140 reach 25 000") == {
        "followers": 12340, "likes": 1200, "comments": 85, "saves": 140, "reach": 25000}
    assert parse_figures("Подписчики: 12\u2009340; ЛАЙКИ 1\u202f200, охват = 25\u00a0000 репостов 3") == {
        "followers": 12340, "likes": 1200, "reach": 25000, "shares": 3}
    assert parse_figures("interactions 0 views 1000000000") == {"interactions": 0, "views": 1_000_000_000}


@pytest.mark.parametrize(("text", "key", "args"), [
    ("", "smm-line-empty", {}),
    ("12 340", "smm-line-empty", {}),
    ("5 followers 12", "smm-line-start", {"value": "5"}),
    ("followers 12 fans 5", "smm-line-unknown", {"word": "fans"}),
    ("likes 1 likes 2", "smm-line-twice", {"field": "likes"}),
    ("followers 12 likes", "smm-line-no-value", {"field": "likes"}),
    ("likes 1000000001", "smm-value-range", {"field": "likes"}),
    ("likes -5", "smm-value-range", {"field": "likes"}),
    ("likes 1.5", "smm-value-invalid", {"field": "likes"}),
    ("likes ٣", "smm-value-invalid", {"field": "likes"}),
    ("likes " + "9" * 5000, "smm-value-range", {"field": "likes"}),
])
def test_pasted_line_refusals_name_the_field(text: str, key: str, args: dict) -> None:
    with pytest.raises(UserError) as err:
        parse_figures(text)
    assert err.value.key == key
    assert args.items() <= err.value.args_.items()


def test_one_value_and_dates() -> None:
    assert parse_count(" 12\u2009340 ", "likes") == 12340
    with pytest.raises(UserError) as err:
        parse_count("1 000 000 001", "Лайки")
    assert err.value.key == "smm-value-range" and err.value.args_["field"] == "Лайки"
    assert parse_day("2026-11-15") == date(2026, 11, 15) == parse_day("15.11.2026")
    for bad in ("2026-02-30", "15/11/2026", "1999-01-01", ""):
        with pytest.raises(UserError):
            parse_day(bad)
