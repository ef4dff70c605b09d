"""One parser for what users type and what buttons carry: numbers, ids and periods.

Every number or id typed by a user goes through :func:`parse_int` / :func:`parse_id`: ASCII digits only (``²``
or ``٣`` are not numbers here, though ``str.isdigit`` says so), an optional sign, a length checked *before*
``int()`` (Python refuses more than 4,300 digits), and a range; anything else is a
:class:`bot.errors.UserError` with the range in it (``number-invalid`` / ``number-out-of-range``).

Ids are database ``INTEGER`` columns: 1..:data:`ID_MAX` on PostgreSQL and SQLite alike. Integers in
``CallbackData`` are declared with :data:`CbInt` (0..``ID_MAX``), so forged or out-of-range button data does not
match any filter and is answered "this button is outdated" by the fallback router; a number carried in a
string field goes through :func:`button_int`.

List commands (``/departments``, ``/projects``, ``/products``, ``/funnel_stages``): :func:`parse_subcommand`
reads ``verb rest`` with the verb in English or Russian and what follows it checked by the verb's shape.

Periods (``/away``, ``/mine``): :func:`parse_period_range` wraps :func:`bot.domain.workdays.parse_date_range`;
a period whose end is before its start is refused (there is no year-rolling rule).

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from bot.domain.smm import MAX_VALUE, field_of
from bot.domain.workdays import DateRangeError, parse_date_range
from bot.errors import UserError

ID_MAX = 2_147_483_647  # PostgreSQL INTEGER; the same columns on SQLite
MAX_DIGITS = 30  # far above any range used here, far below Python's int() limit
ECHO_MAX = 20  # how much of a refused number is repeated back

_INT_RE = re.compile(r"[+-]?[0-9]+", re.ASCII)

#: An integer field of a ``CallbackData`` class: an id, a page or an index, never past the database range.
CbInt = Annotated[int, Field(ge=0, le=ID_MAX)]


def _echo(text: str) -> str:
    return text if len(text) <= ECHO_MAX else text[: ECHO_MAX - 1] + "…"


def is_int(text: str) -> bool:
    """True for an ASCII integer (optional sign), of any length: "looks like a number", not "is in range"."""
    return _INT_RE.fullmatch(text.strip()) is not None


def parse_int(text: str, *, lo: int, hi: int) -> int:
    """A whole number typed by a user, ``lo``..``hi``. Raises ``UserError("number-invalid" | "number-out-of-range",
    value=<short echo>, lo=lo, hi=hi)``."""
    cleaned = (text or "").strip()
    if not _INT_RE.fullmatch(cleaned):
        raise UserError("number-invalid", value=_echo(cleaned), lo=lo, hi=hi)
    sign = -1 if cleaned[0] == "-" else 1
    digits = cleaned.lstrip("+-")
    if len(digits) > MAX_DIGITS:
        raise UserError("number-out-of-range", value=_echo(cleaned), lo=lo, hi=hi)
    value = sign * int(digits)
    if not lo <= value <= hi:
        raise UserError("number-out-of-range", value=_echo(cleaned), lo=lo, hi=hi)
    return value


def parse_id(text: str) -> int:
    """A database id typed by a user (1..:data:`ID_MAX`); whether it exists is the service's "not found"."""
    return parse_int(text, lo=1, hi=ID_MAX)


def button_int(text: str | None, *, hi: int = ID_MAX) -> int:
    """A number carried in a string field of button data, 0..``hi``; anything else is an outdated button."""
    try:
        return parse_int(text or "", lo=0, hi=hi)
    except UserError as exc:
        raise UserError("button-outdated") from exc


def parse_period_range(text: str, today: date) -> tuple[date, date]:
    """A typed period (see :func:`bot.domain.workdays.parse_date_range` for the shapes); a reversed one is refused
    with both dates named (``date-error-order``)."""
    try:
        return parse_date_range(text, today)
    except DateRangeError as exc:
        args = {}
        if exc.code == "order" and exc.start is not None and exc.end is not None:
            args = {"first": exc.start.strftime("%d.%m.%Y"), "last": exc.end.strftime("%d.%m.%Y")}
        raise UserError(f"date-error-{exc.code.replace('_', '-')}", **args) from exc


_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})", re.ASCII)


def parse_month(text: str) -> date:
    """``YYYY-MM`` (2000..2100) → the first day of that month; anything else is ``month-invalid``."""
    m = _MONTH_RE.fullmatch((text or "").strip())
    if m is None or not 2000 <= int(m.group(1)) <= 2100 or not 1 <= int(m.group(2)) <= 12:
        raise UserError("month-invalid", text=_echo(text or ""))
    return date(int(m.group(1)), int(m.group(2)), 1)


# --- SMM figures (bot.domain.smm) ---------------------------------------------------------------------------
#: spaces people and spreadsheets put between digit groups: space, no-break, thin, narrow no-break, figure space
_GROUP_SPACES = " \u00a0\u2009\u202f\u2007"
_WORD_RE = re.compile(r"[^\W\d_]+")
_EDGE = " \t\n,;:=\u00a0\u2009\u202f\u2007"


def parse_count(text: str, field: str) -> int:
    """One figure typed by a user: digits, optionally grouped by spaces or thin spaces (``12 340``), 0..10⁹.
    Refused with the field named (``smm-value-invalid`` / ``smm-value-range``)."""
    cleaned = (text or "").strip(_EDGE)
    for ch in _GROUP_SPACES:
        cleaned = cleaned.replace(ch, "")
    try:
        return parse_int(cleaned, lo=0, hi=MAX_VALUE)
    except UserError as exc:
        key = "smm-value-range" if exc.key == "number-out-of-range" else "smm-value-invalid"
        raise UserError(key, field=field, value=_echo((text or "").strip(_EDGE)), hi=MAX_VALUE) from exc


def parse_figures(text: str) -> dict[str, int]:
    """A pasted line of figures: ``followers 12 340 likes 1 200 comments 85`` (Russian names too, any order,
    ``:``/``=``/``,``/``;`` allowed around values). → {field: value}. A word that names no figure, a figure with
    no value or given twice, a value out of 0..10⁹: ``UserError`` naming it."""
    words = list(_WORD_RE.finditer(text or ""))
    if not words:
        raise UserError("smm-line-empty")
    if (text[:words[0].start()]).strip(_EDGE):
        raise UserError("smm-line-start", value=_echo(text[:words[0].start()].strip()))
    out: dict[str, int] = {}
    for i, m in enumerate(words):
        field = field_of(m.group(0))
        if field is None:
            raise UserError("smm-line-unknown", word=_echo(m.group(0)))
        if field in out:
            raise UserError("smm-line-twice", field=field)
        end = words[i + 1].start() if i + 1 < len(words) else len(text)
        value = text[m.end():end]
        if not value.strip(_EDGE):
            raise UserError("smm-line-no-value", field=field)
        out[field] = parse_count(value, field)
    return out


def parse_day(text: str) -> date:
    """A date typed as ``YYYY-MM-DD`` or ``DD.MM.YYYY`` (2000..2100); anything else is ``date-invalid``."""
    raw = (text or "").strip()
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})", raw, re.ASCII)
    if m is not None:
        y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(5), m.group(4))
        try:
            day = date(int(y), int(mo), int(d))
        except ValueError:
            day = None
        if day is not None and 2000 <= day.year <= 2100:
            return day
    raise UserError("smm-date-invalid", text=_echo(raw))


# --- subcommands of list commands: /departments add Name, /products rename 3 New name, /funnel_stages up 2 ----------
#: A typed verb (any case) → its English form.
VERBS: dict[str, str] = {
    "add": "add", "добавить": "add",
    "rename": "rename", "переименовать": "rename",
    "archive": "archive", "архив": "archive",
    "restore": "restore", "вернуть": "restore",
    "up": "up", "вверх": "up",
    "down": "down", "вниз": "down",
}
#: What follows a verb: ``text`` (the rest as typed: a name, checked by the service), ``id`` (a number and
#: nothing more), ``id text`` (a number and a non-empty text).
Shape = Literal["text", "id", "id text"]


@dataclass(frozen=True, slots=True)
class Subcommand:
    verb: str  # the English verb
    id: int | None  # for the ``id`` and ``id text`` shapes
    text: str  # the rest (``text``) or what follows the number (``id text``), stripped; "" for ``id``


def parse_subcommand(args: str, shapes: Mapping[str, Shape], usage: str) -> Subcommand:
    """``verb rest`` of a list command: the verb in English or Russian, any case, one of ``shapes`` (English verb →
    what must follow it). A number goes through :func:`parse_id` (its own error); any other mismatch — an unknown
    verb, a missing number, a missing or extra text — is ``UserError(usage)``."""
    word, rest = _head((args or "").strip())
    verb = VERBS.get(word.lower(), "")
    shape = shapes.get(verb)
    if shape is None:
        raise UserError(usage)
    if shape == "text":
        return Subcommand(verb, None, rest)
    ident, tail = _head(rest)
    if not ident or (shape == "id") != (not tail):
        raise UserError(usage)
    return Subcommand(verb, parse_id(ident), tail)


def _head(text: str) -> tuple[str, str]:
    """The first word and the rest (stripped), split at any whitespace."""
    parts = text.split(None, 1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else (parts[0] if parts else "", "")
