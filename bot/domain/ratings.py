"""Peer ratings: pure rules for scoring, anonymity, de-duplication and aggregation.

A *policy* says which department (the raters) rates the people of another
department (the rated, i.e. those who set the raters' tasks), how often
(:class:`Cadence`) and how anonymously (:class:`AnonymityMode`).

Everything here is deterministic and free of I/O: no database, no clock, no
Telegram.  Callers pass ``today`` and secrets in explicitly.

Scores feed bonus decisions, so averages are computed exactly with
:class:`fractions.Fraction` and only rounded (``ROUND_HALF_UP``, 2 places) for
display; floats are never used.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

__all__ = [
    "MAX_COMMENT_LENGTH",
    "MAX_SCORE",
    "MIN_COMMENT_LETTERS",
    "MIN_SCORE",
    "MIN_SECRET_BYTES",
    "REASON_NOT_IN_POLICY",
    "REASON_REQUIRED",
    "REASON_SELF",
    "REASON_TOO_LONG",
    "REASON_TOO_SHORT",
    "AnonymityMode",
    "Cadence",
    "CommentCheck",
    "LeaderRow",
    "PeriodError",
    "RatingRow",
    "RatingSummary",
    "RatingView",
    "average",
    "average_exact",
    "cadence_allows",
    "can_rate",
    "dedup_key",
    "distinct_raters",
    "distribution",
    "leaderboard",
    "monthly_trend",
    "normalize_task_ref",
    "parse_period",
    "period_closed",
    "period_of",
    "present_ratings",
    "rater_key",
    "round_half_up",
    "show_rater_identity",
    "validate_comment",
    "visible_to_manager",
    "visible_to_rated",
]

MIN_SCORE = 1
MAX_SCORE = 5
SCORES: tuple[int, ...] = tuple(range(MIN_SCORE, MAX_SCORE + 1))

MIN_COMMENT_LETTERS = 10
"""Letters (``str.isalpha``; Cyrillic counts, digits/punctuation don't) a comment below 5 needs."""

MAX_COMMENT_LENGTH = 1000
"""Maximum comment length in characters, measured after stripping and NFC normalisation."""

MIN_SECRET_BYTES = 16
"""Shortest HMAC secret accepted by :func:`rater_key` / :func:`dedup_key`."""

REASON_REQUIRED = "required"
REASON_TOO_SHORT = "too_short"
REASON_TOO_LONG = "too_long"

REASON_SELF = "self"
REASON_NOT_IN_POLICY = "not_in_policy"


class AnonymityMode(StrEnum):
    """How much of a rating the rated person (and their manager) may see.

    * ``open`` — scores, comments and who wrote them, in time order.
    * ``anonymous`` — scores and comments, never who wrote them or when.
    * ``aggregate`` — like ``anonymous``, but nothing at all (not even the
      number of ratings) until at least ``k`` ratings exist.
    """

    OPEN = "open"
    ANONYMOUS = "anonymous"
    AGGREGATE = "aggregate"


class Cadence(StrEnum):
    """When ratings are given: per finished task, once per month, or both."""

    PER_TASK = "per_task"
    MONTHLY = "monthly"
    BOTH = "both"


# --------------------------------------------------------------------------- scores & comments


def _check_score(score: int) -> int:
    """Return ``score`` if it is an ``int`` in 1..5; ``bool`` is rejected (TypeError), range → ValueError."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise TypeError(f"score must be an int, got {type(score).__name__}")
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise ValueError(f"score must be between {MIN_SCORE} and {MAX_SCORE}, got {score}")
    return score


@dataclass(frozen=True, slots=True)
class CommentCheck:
    """Outcome of :func:`validate_comment`.

    ``ok`` — the rating may be saved.  ``reason`` — ``None`` when ok, else one of
    ``"required"``, ``"too_short"``, ``"too_long"``.  ``comment`` — the
    normalised text to store when ok (``None`` means "no comment"); always
    ``None`` when refused, so a refused text cannot be stored by mistake.
    """

    ok: bool
    reason: str | None
    comment: str | None


def validate_comment(
    score: int,
    comment: str | None,
    *,
    min_letters: int = MIN_COMMENT_LETTERS,
    max_length: int = MAX_COMMENT_LENGTH,
) -> CommentCheck:
    """Check the comment attached to a score and normalise it.

    The text is NFC-normalised (so a decomposed "й" counts as one letter) and
    stripped.  A text containing no letter or digit at all — empty,
    whitespace, "-", "—", "–", ".", "...", invisible characters — is treated
    as *no comment*.

    * score 5: a comment is optional; no comment → ``comment=None``.
    * score 1..4: no comment → ``"required"``; fewer than ``min_letters``
      letters (``str.isalpha``: any script counts, digits and punctuation
      don't) → ``"too_short"``.
    * any score: longer than ``max_length`` characters → ``"too_long"``.

    Raises ``ValueError`` for a score outside 1..5 (``TypeError`` for a
    non-int, including ``bool``) and for nonsensical limits.
    """
    _check_score(score)
    if min_letters < 0:
        raise ValueError("min_letters must be >= 0")
    if max_length < 1:
        raise ValueError("max_length must be >= 1")

    text = unicodedata.normalize("NFC", comment).strip() if comment is not None else ""
    if not any(ch.isalnum() for ch in text):
        text = ""

    if not text:
        if score == MAX_SCORE:
            return CommentCheck(ok=True, reason=None, comment=None)
        return CommentCheck(ok=False, reason=REASON_REQUIRED, comment=None)
    if len(text) > max_length:
        return CommentCheck(ok=False, reason=REASON_TOO_LONG, comment=None)
    if score < MAX_SCORE and sum(1 for ch in text if ch.isalpha()) < min_letters:
        return CommentCheck(ok=False, reason=REASON_TOO_SHORT, comment=None)
    return CommentCheck(ok=True, reason=None, comment=text)


# --------------------------------------------------------------------------- rater identity


def _check_secret(secret: bytes) -> bytes:
    if not isinstance(secret, bytes | bytearray):
        raise TypeError("secret must be bytes")
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"secret must be at least {MIN_SECRET_BYTES} bytes")
    return bytes(secret)


def _check_id(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


def _hmac_hex(secret: bytes, message: str) -> str:
    return hmac.new(_check_secret(secret), message.encode("utf-8"), hashlib.sha256).hexdigest()


def rater_key(secret: bytes, policy_id: int, rater_id: int) -> str:
    """Pseudonymous, stable key of a rater within one policy (64 hex chars).

    ``HMAC-SHA256(secret, "rater:v1:{policy_id}:{rater_id}")``.  Storing this
    instead of the rater's id lets the bot recognise the same rater again
    (e.g. to let them edit their rating) without the ratings table saying who
    rated.  Keys differ between policies, so ratings cannot be linked across
    policies.  Telegram ids are a small space: anyone holding ``secret`` can
    recompute keys, so the secret must live outside the database (config/env).

    Raises ``ValueError`` if ``secret`` is shorter than 16 bytes.
    """
    _check_id("policy_id", policy_id)
    _check_id("rater_id", rater_id)
    return _hmac_hex(secret, f"rater:v1:{policy_id}:{rater_id}")


def normalize_task_ref(task_ref: str | None) -> str | None:
    """Canonical task reference: NFC, casefolded, whitespace collapsed; ``None`` if blank."""
    if task_ref is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", task_ref).casefold().split())
    return text or None


def dedup_key(
    secret: bytes,
    policy_id: int,
    rater_id: int,
    rated_id: int,
    period: str,
    task_ref: str | None,
) -> str:
    """Uniqueness key: one rating per rater, rated person and task (or month).

    ``period`` is parsed with :func:`parse_period` (so "11.2026" and "2026-11"
    give the same key).  ``task_ref`` is normalised with
    :func:`normalize_task_ref`; ``None``, "" or whitespace give the month-level
    key.  Task-level and month-level keys live in separate namespaces, so with
    :attr:`Cadence.BOTH` a rater can give one monthly rating and one rating per
    task.  Put a UNIQUE index on this value.

    Raises ``ValueError`` for a short secret or a bad period
    (:class:`PeriodError`).
    """
    _check_id("policy_id", policy_id)
    _check_id("rater_id", rater_id)
    _check_id("rated_id", rated_id)
    canonical_period = period_of(parse_period(period))
    ref = normalize_task_ref(task_ref)
    scope = "month" if ref is None else f"task:{ref}"
    # The task reference is the last field, ids are ints and the period is canonical,
    # so the message is unambiguous even if the reference contains ":".
    return _hmac_hex(secret, f"dedup:v1:{policy_id}:{rater_id}:{rated_id}:{canonical_period}:{scope}")


def cadence_allows(cadence: Cadence | str, task_ref: str | None) -> bool:
    """Whether a rating with (``task_ref`` given) or without (monthly) a task fits the cadence."""
    mode = Cadence(cadence)
    if mode is Cadence.BOTH:
        return True
    per_task = normalize_task_ref(task_ref) is not None
    return per_task if mode is Cadence.PER_TASK else not per_task


# --------------------------------------------------------------------------- integrity


def can_rate(
    rater_id: int,
    rater_department_id: int | None,
    rated_id: int,
    rated_department_id: int | None,
    policy_rater_dept: int,
    policy_rated_dept: int,
) -> str | None:
    """``None`` if the rating is allowed, else a reason code.

    * ``"self"`` — nobody rates themselves (checked first, whatever the departments).
    * ``"not_in_policy"`` — the rater is not in the policy's rater department or
      the rated person is not in its rated department (``None`` department = not in it).
    """
    if rater_id == rated_id:
        return REASON_SELF
    if rater_department_id is None or rated_department_id is None:
        return REASON_NOT_IN_POLICY
    if rater_department_id != policy_rater_dept or rated_department_id != policy_rated_dept:
        return REASON_NOT_IN_POLICY
    return None


# --------------------------------------------------------------------------- periods

_PERIOD_ISO = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})", re.ASCII)
_PERIOD_RU = re.compile(r"(?P<month>[0-9]{1,2})\.(?P<year>[0-9]{4})", re.ASCII)


class PeriodError(ValueError):
    """A period string could not be parsed; ``code`` is ``"invalid_format"``, ``"invalid_month"`` or ``"invalid_year"``."""

    def __init__(self, code: str, text: object) -> None:
        super().__init__(f"{code}: {text!r}")
        self.code = code
        self.text = text


def period_of(d: date) -> str:
    """The month of ``d`` as ``"YYYY-MM"``."""
    return f"{d.year:04d}-{d.month:02d}"


def parse_period(text: str) -> date:
    """Parse ``"2026-11"`` or ``"11.2026"`` (surrounding spaces allowed) into the first day of that month.

    Only ASCII digits are accepted.  Raises :class:`PeriodError` (a
    ``ValueError``) with ``code`` ``"invalid_format"``, ``"invalid_month"``
    or ``"invalid_year"``.
    """
    if not isinstance(text, str):
        raise PeriodError("invalid_format", text)
    stripped = text.strip()
    match = _PERIOD_ISO.fullmatch(stripped) or _PERIOD_RU.fullmatch(stripped)
    if match is None:
        raise PeriodError("invalid_format", text)
    year, month = int(match["year"]), int(match["month"])
    if not 1 <= month <= 12:
        raise PeriodError("invalid_month", text)
    if year < 1:
        raise PeriodError("invalid_year", text)
    return date(year, month, 1)


def period_closed(period: str, today: date) -> bool:
    """True once the month is over (``today`` is on or after the 1st of the next month).

    Until then a rating for the period may still be changed.  ``today`` should
    be the agency's local date; the caller decides the timezone.
    """
    start = parse_period(period)
    next_start = date(start.year + 1, 1, 1) if start.month == 12 else date(start.year, start.month + 1, 1)
    if isinstance(today, datetime):
        today = today.date()
    return today >= next_start


# --------------------------------------------------------------------------- aggregation

_CENT = Decimal("0.01")


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """Round an exact fraction to ``places`` decimals, halves away from zero, without floats."""
    if places < 0:
        raise ValueError("places must be >= 0")
    scale = 10**places
    scaled = Fraction(value) * scale
    sign = -1 if scaled < 0 else 1
    magnitude = abs(scaled)
    # floor(magnitude + 1/2) in integer arithmetic
    units = (2 * magnitude.numerator + magnitude.denominator) // (2 * magnitude.denominator)
    # Built from a string, so the Decimal is exact whatever the context precision.
    return Decimal(f"{sign * units}E-{places}")


def average_exact(scores: Iterable[int]) -> Fraction | None:
    """Exact mean of the scores, or ``None`` when there are none.  Each score must be 1..5."""
    values = [_check_score(s) for s in scores]
    if not values:
        return None
    return Fraction(sum(values), len(values))


def average(scores: Iterable[int]) -> Decimal | None:
    """Mean of the scores rounded ROUND_HALF_UP to 2 places (e.g. ``Decimal("4.33")``), or ``None``."""
    exact = average_exact(scores)
    return None if exact is None else round_half_up(exact, 2)


def distribution(scores: Iterable[int]) -> dict[int, int]:
    """Count per score, always with all five keys 1..5."""
    counts = dict.fromkeys(SCORES, 0)
    for s in scores:
        counts[_check_score(s)] += 1
    return counts


def monthly_trend(rows: Iterable[tuple[str, int]]) -> list[tuple[str, Decimal, int]]:
    """``(period, average, count)`` per month, sorted by period.

    Periods are canonicalised with :func:`parse_period`, so "11.2026" and
    "2026-11" are the same month.  Months without ratings are not invented.
    """
    buckets: dict[str, list[int]] = {}
    for period, score in rows:
        buckets.setdefault(period_of(parse_period(period)), []).append(_check_score(score))
    result: list[tuple[str, Decimal, int]] = []
    for period in sorted(buckets):
        scores = buckets[period]
        result.append((period, round_half_up(Fraction(sum(scores), len(scores))), len(scores)))
    return result


@dataclass(frozen=True, slots=True)
class LeaderRow:
    """One leaderboard line; ``average`` is for display, ``average_exact`` is what ranks."""

    person_id: int
    average: Decimal
    count: int
    rank: int
    average_exact: Fraction


def leaderboard(per_person: Mapping[int, Sequence[int]], min_ratings: int) -> list[LeaderRow]:
    """Rank people by average score.

    * People with fewer than ``min_ratings`` ratings (and anyone with none) are left out.
    * Order: exact average desc, then count desc, then ``person_id`` asc.  The
      exact average ranks, not the rounded one, so 4.125 beats 4.12 even though
      both may display close together.
    * Competition ranking ("1, 1, 3"): people with the same exact average *and*
      the same count share a rank; the next rank skips accordingly.
    """
    if min_ratings < 0:
        raise ValueError("min_ratings must be >= 0")
    entries: list[tuple[int, Fraction, int]] = []
    for person_id, scores in per_person.items():
        exact = average_exact(scores)
        count = len(scores)
        if exact is None or count < min_ratings:
            continue
        entries.append((person_id, exact, count))
    entries.sort(key=lambda e: (-e[1], -e[2], e[0]))

    rows: list[LeaderRow] = []
    rank = 0
    previous: tuple[Fraction, int] | None = None
    for position, (person_id, exact, count) in enumerate(entries, start=1):
        if (exact, count) != previous:
            rank = position
            previous = (exact, count)
        rows.append(
            LeaderRow(
                person_id=person_id,
                average=round_half_up(exact),
                count=count,
                rank=rank,
                average_exact=exact,
            )
        )
    return rows


# --------------------------------------------------------------------------- visibility


def _check_threshold(count: int, k: int) -> None:
    if k < 1:
        raise ValueError("k must be >= 1")
    if count < 0:
        raise ValueError("count must be >= 0")


def visible_to_rated(mode: AnonymityMode | str, count: int, k: int) -> bool:
    """Whether the rated person may see their ratings: always in open/anonymous, in aggregate from ``k``
    on, where ``count`` is the number of *distinct raters* (:func:`distinct_raters`), not of ratings."""
    _check_threshold(count, k)
    return AnonymityMode(mode) is not AnonymityMode.AGGREGATE or count >= k


def visible_to_manager(mode: AnonymityMode | str, count: int, k: int) -> bool:
    """Same rule as :func:`visible_to_rated`: in aggregate mode a manager sees nothing below ``k`` either."""
    return visible_to_rated(mode, count, k)


def show_rater_identity(mode: AnonymityMode | str) -> bool:
    """Rater names are shown only in open mode."""
    return AnonymityMode(mode) is AnonymityMode.OPEN


@dataclass(frozen=True, slots=True)
class RatingRow:
    """A stored rating as input to :func:`present_ratings`.

    ``rater_label`` should only be filled for open-mode policies; in other modes
    it is ignored anyway.
    """

    score: int
    comment: str | None
    created_at: datetime
    rater_label: str | None = None
    # the rater's pseudonym (``rater_key``): what the aggregate threshold counts; ``None`` counts as a
    # rater of its own
    rater_key: str | None = None

    def __post_init__(self) -> None:
        _check_score(self.score)


def distinct_raters(rater_keys: Iterable[str | None]) -> int:
    """How many different raters gave these ratings (``k`` counts raters, not ratings): equal pseudonyms
    are one rater; a missing pseudonym counts as a rater of its own."""
    keys = list(rater_keys)
    return len({k for k in keys if k is not None}) + sum(1 for k in keys if k is None)


@dataclass(frozen=True, slots=True)
class RatingView:
    """One comment as shown to a viewer.

    ``rater_label`` and ``created_at`` are ``None`` unless the mode is open.
    """

    score: int
    comment: str
    rater_label: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RatingSummary:
    """What a viewer (the rated person or a manager) may see.

    When ``hidden`` is true (aggregate mode, fewer than ``k`` ratings) *nothing*
    is revealed: ``count``, ``average`` and ``average_exact`` are ``None``,
    ``distribution`` is empty and ``comments`` is empty.  Even the count is
    withheld, because "2 more needed" would tell the rated person exactly how
    many colleagues rated them and, with each new notification, who.  The UI
    can only say "results appear after ``k`` ratings".

    Otherwise ``distribution`` has all five keys 1..5 and ``comments`` holds
    the ratings that have a comment.
    """

    mode: AnonymityMode
    k: int
    hidden: bool
    count: int | None
    average: Decimal | None
    average_exact: Fraction | None
    distribution: dict[int, int] = field(default_factory=dict)
    comments: tuple[RatingView, ...] = ()


def present_ratings(mode: AnonymityMode | str, ratings: Sequence[RatingRow], k: int) -> RatingSummary:
    """Build the summary a viewer may see under the policy's anonymity mode.

    * open: comments carry ``rater_label`` and ``created_at``, ordered by time
      (then score, text).
    * anonymous / aggregate: labels and timestamps are dropped (even if the
      input carried them) and comments are ordered by score, then text
      (casefolded, then exact) — never by time, so their order cannot be
      matched against who rated when.
    * aggregate below ``k`` distinct raters (not ratings: one rater's three per-task ratings are one
      rater): fully hidden, see :class:`RatingSummary`.
    """
    policy_mode = AnonymityMode(mode)
    rows = list(ratings)
    count = len(rows)
    if not visible_to_rated(policy_mode, distinct_raters(r.rater_key for r in rows), k):
        return RatingSummary(
            mode=policy_mode,
            k=k,
            hidden=True,
            count=None,
            average=None,
            average_exact=None,
            distribution={},
            comments=(),
        )

    scores = [r.score for r in rows]
    exact = average_exact(scores)
    commented = [r for r in rows if r.comment]
    if show_rater_identity(policy_mode):
        commented.sort(key=lambda r: (r.created_at, r.score, r.comment or ""))
        views = tuple(
            RatingView(
                score=r.score, comment=r.comment or "", rater_label=r.rater_label, created_at=r.created_at
            )
            for r in commented
        )
    else:
        texts = sorted(
            ((r.score, r.comment or "") for r in commented), key=lambda p: (p[0], p[1].casefold(), p[1])
        )
        views = tuple(RatingView(score=score, comment=text) for score, text in texts)

    return RatingSummary(
        mode=policy_mode,
        k=k,
        hidden=False,
        count=count,
        average=None if exact is None else round_half_up(exact),
        average_exact=exact,
        distribution=distribution(scores),
        comments=views,
    )


def summary_of_counts(mode: AnonymityMode | str, counts: Mapping[int, int], k: int) -> RatingSummary:
    """What :func:`present_ratings` shows for ratings without comments, from how many there are of
    each score (the rating counters), without the rows themselves."""
    policy_mode = AnonymityMode(mode)
    count = sum(counts.get(s, 0) for s in SCORES)
    if not visible_to_rated(policy_mode, count, k):
        return RatingSummary(mode=policy_mode, k=k, hidden=True, count=None, average=None, average_exact=None,
                             distribution={}, comments=())
    exact = Fraction(sum(s * counts.get(s, 0) for s in SCORES), count) if count else None
    return RatingSummary(mode=policy_mode, k=k, hidden=False, count=count,
                         average=None if exact is None else round_half_up(exact), average_exact=exact,
                         distribution={s: counts.get(s, 0) for s in SCORES}, comments=())


def trend_of_totals(totals: Mapping[str, tuple[int, int]]) -> list[tuple[str, Decimal, int]]:
    """:func:`monthly_trend` from (sum of scores, count) per period instead of every score."""
    merged: dict[str, tuple[int, int]] = {}
    for period, (total, count) in totals.items():
        key = period_of(parse_period(period))
        t, n = merged.get(key, (0, 0))
        merged[key] = (t + total, n + count)
    return [(p, round_half_up(Fraction(t, n)), n) for p, (t, n) in sorted(merged.items()) if n]
