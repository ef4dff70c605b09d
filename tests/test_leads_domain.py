"""Pure rules of leads: phones, e-mails and Instagram handles as people type them, the one-line form, and the
conversion figures of the funnel (docs/leads.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import funnel as fn
from bot.domain.contacts import (
    ContactError,
    format_phone,
    parse_contacts,
    parse_email,
    parse_handle,
    parse_line,
    parse_phone,
)


@pytest.mark.parametrize(("typed", "e164"), [
    ("+7 916 123-45-67", "+79161234567"),
    ("8 (916) 123 45 67", "+79161234567"),
    ("89161234567", "+79161234567"),
    ("9161234567", "+79161234567"),
    ("+7-916-123-45-67", "+79161234567"),
    ("+44 20 7946 0958", "+442079460958"),
    ("+7 000 123-45-67", None),  # no such Russian range
])
def test_phones_are_normalised_to_e164(typed: str, e164: str | None) -> None:
    if e164 is None:
        with pytest.raises(ContactError):
            parse_phone(typed)
    else:
        assert parse_phone(typed) == e164


@pytest.mark.parametrize("typed", ["12345", "+7 916", "abc", "+7 916 123-45-67-89-00", "٣٣٣٣٣٣٣٣٣٣", "", "1" * 40])
def test_bad_phones_are_refused(typed: str) -> None:
    with pytest.raises(ContactError) as err:
        parse_phone(typed)
    assert err.value.field == "phone"


def test_phone_region_and_format() -> None:
    assert parse_phone("020 7946 0958", "GB") == "+442079460958"
    assert format_phone("+79161234567") == "+7 916 123-45-67"


@pytest.mark.parametrize(("typed", "handle"), [
    ("@anna.sm", "anna.sm"),
    ("Anna_SM", "anna_sm"),
    ("https://www.instagram.com/anna.sm/", "anna.sm"),
    ("instagram.com/anna.sm?igsh=MXd2", "anna.sm"),
    ("http://instagr.am/Ivan_K", "ivan_k"),
])
def test_handles_and_links_become_the_handle(typed: str, handle: str) -> None:
    assert parse_handle(typed) == handle


@pytest.mark.parametrize("typed", ["@", "a..b", "anna.", "https://instagram.com/p/Cxyz/", "a" * 31, "анна",
                                   "an na", "@anna!"])
def test_bad_handles_are_refused(typed: str) -> None:
    with pytest.raises(ContactError) as err:
        parse_handle(typed)
    assert err.value.field == "instagram"


def test_emails_are_validated_and_lower_cased() -> None:
    assert parse_email("Anna.Smirnova@Example.COM") == "anna.smirnova@example.com"
    for bad in ("anna@", "anna@example", "@example.com", "anna smirnova@example.com", "a" * 250 + "@x.ru"):
        with pytest.raises(ContactError) as err:
            parse_email(bad)
        assert err.value.field == "email"


def test_one_line_form() -> None:
    form = parse_line("Анна Смирнова +7 916 123-45-67 @anna.sm")
    assert form.name == "Анна Смирнова"
    assert (form.contacts.phone, form.contacts.instagram, form.contacts.email) == ("+79161234567", "anna.sm", None)
    form = parse_line("Иван Петров ivan@Mail.ru 8 (903) 000-11-22 https://instagram.com/ivan.p")
    assert form.name == "Иван Петров"
    assert form.contacts.email == "ivan@mail.ru" and form.contacts.phone == "+79030001122"
    assert form.contacts.instagram == "ivan.p"
    assert not parse_line("Просто имя").contacts.any


def test_one_line_form_refuses_a_bad_contact_and_two_of_a_kind() -> None:
    with pytest.raises(ContactError) as err:
        parse_line("Анна +7 916 12")
    assert err.value.field == "phone"
    with pytest.raises(ContactError) as err:
        parse_contacts("@anna @olga")
    assert err.value.field == "instagram"


# -- the funnel -------------------------------------------------------------------------------------------------
D, W, A, H, WON, LOST = 1, 2, 3, 4, 5, 6
STAGES = [fn.Stage(D, "open", 1), fn.Stage(W, "open", 2), fn.Stage(A, "open", 3), fn.Stage(H, "open", 4),
          fn.Stage(WON, "won", 5), fn.Stage(LOST, "lost", 6)]
T0 = datetime(2026, 11, 1, tzinfo=UTC)
START, END = T0, datetime(2026, 12, 1, tzinfo=UTC)


def path(lead_id: int, *steps: tuple[int, float], owner: int = 1, source: str | None = None) -> fn.Path:
    """Steps as (stage, days after T0); the first is the creation."""
    at = [(s, T0 + timedelta(days=d)) for s, d in steps]
    return fn.Path(lead_id, at[0][1], tuple(at), owner, source)


def test_conversion_counts_the_cohort_and_skipped_stages() -> None:
    paths = [
        path(1, (D, 0), (W, 1), (A, 3), (H, 4), (WON, 10)),
        path(2, (D, 1), (W, 2), (LOST, 5)),
        path(3, (D, 2), (A, 4)),  # skipped warm: counts as having reached it
        path(4, (D, 3)),
    ]
    f = fn.compute(STAGES, paths, START, END)
    assert f.cohort == 4
    reached = {s.stage_id: s.reached for s in f.stages}
    assert reached == {D: 4, W: 3, A: 2, H: 1, WON: 1}
    conv = {s.stage_id: s.conversion for s in f.stages}
    assert conv[D] is None and conv[W] == 0.75 and conv[A] == pytest.approx(2 / 3) and conv[WON] == 1.0
    assert f.won_rate == 0.25 and f.lost == 1
    entered = {s.stage_id: s.entered for s in f.stages}
    assert entered == {D: 4, W: 2, A: 2, H: 1, WON: 1}
    # time in dialogue: 1, 1, 2 days (lead 4 still there): median 1
    assert f.stage(D).median_days == 1.0
    # warm: 2 days (lead 1), 3 days (lead 2, left for lost) → 2.5
    assert f.stage(W).median_days == 2.5
    # first change: 1, 1, 2 days after creation
    assert f.days_to_first_change == 1.0


def test_period_bounds_cohort_and_entries() -> None:
    before = path(1, (D, -10), (W, -5), (A, 2))  # created in October, reached application in November
    f = fn.compute(STAGES, [before], START, END)
    assert f.cohort == 0 and f.won_rate is None
    assert f.stage(A).entered == 1 and f.stage(A).reached == 0
    assert f.stage(W).median_days == 7.0  # the stay in warm ended in the period
    assert f.stage(D).median_days is None  # that stay ended in October


def test_grouped_by_owner_and_source() -> None:
    paths = [path(1, (D, 0), (A, 1), owner=1, source="insta"), path(2, (D, 0), owner=2, source="insta"),
             path(3, (D, 0), (WON, 1), owner=2)]
    by_owner = fn.grouped(STAGES, paths, START, END, lambda p: p.owner_id)
    assert by_owner[1].cohort == 1 and by_owner[2].cohort == 2 and by_owner[2].won_rate == 0.5
    by_source = fn.grouped(STAGES, paths, START, END, lambda p: p.source)
    assert by_source["insta"].cohort == 2 and by_source[None].won_rate == 1.0


def test_empty_and_medians() -> None:
    f = fn.compute(STAGES, [], START, END)
    assert f.cohort == 0 and all(s.reached == 0 and s.median_days is None for s in f.stages)
    assert fn.median([3, 1, 2]) == 2 and fn.median([1, 2, 3, 4]) == 2.5 and fn.median([]) is None
    assert fn.share(1, 0) is None
    # lost is outside the order; won comes after every open stage whatever the positions
    assert [s.id for s in fn.order(STAGES)] == [D, W, A, H, WON]
