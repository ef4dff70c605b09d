"""SMM accounts and their weekly figures: networks and handles, the figures' names, the week's calendar, the
metrics and the plausibility checks. Pure: no I/O (formulas documented in docs/smm.md).

A week is named by its last day (``week_end``): the account's week ends on a chosen weekday (Sunday by default),
so the week of ``week_end`` covers ``week_end - 6 .. week_end``.

Every metric is defined for missing data and zero denominators: it returns ``None`` ("not defined") rather than
raising, and the callers show "—".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import datetime as datetime_type
from statistics import median

# --- the figures --------------------------------------------------------------------------------------------
#: the weekly figures, in form order
FIELDS = ("followers", "posts", "likes", "comments", "saves", "shares", "reach", "views", "interactions")
#: what engagement counts (the numerator of both engagement rates)
ENGAGEMENT = ("likes", "comments", "saves", "shares")
#: every figure is a whole number in 0..MAX_VALUE
MAX_VALUE = 1_000_000_000

#: names a user may type for each figure (lower case; Russian and English, a few word forms)
ALIASES: dict[str, str] = {}
for _field, _names in {
    "followers": ("followers", "follower", "subscribers", "subs", "подписчики", "подписчиков", "подписчика",
                  "подписчик", "подписки", "фолловеры"),
    "posts": ("posts", "post", "публикации", "публикаций", "публикация", "посты", "постов", "поста", "пост"),
    "likes": ("likes", "like", "лайки", "лайков", "лайка", "лайк"),
    "comments": ("comments", "comment", "комментарии", "комментариев", "комментария", "комментарий", "комменты",
                 "комментов"),
    "saves": ("saves", "save", "bookmarks", "сохранения", "сохранений", "сохранение", "закладки", "закладок",
              "закладка"),
    "shares": ("shares", "share", "reposts", "репосты", "репостов", "репоста", "репост", "поделились"),
    "reach": ("reach", "охват", "охвата", "охваты"),
    "views": ("views", "view", "impressions", "просмотры", "просмотров", "просмотра", "показы", "показов"),
    "interactions": ("interactions", "engagements", "взаимодействия", "взаимодействий", "взаимодействие",
                     "вовлечения", "вовлечений"),
}.items():
    for _name in _names:
        ALIASES[_name] = _field


def field_of(name: str) -> str | None:
    """The figure a typed name means (any case, ``ё`` as ``е``), or ``None``."""
    return ALIASES.get(name.strip().lower().replace("ё", "е"))


# --- networks and handles -----------------------------------------------------------------------------------
INSTAGRAM, VK, TELEGRAM, YOUTUBE, TIKTOK, OTHER = "instagram", "vk", "telegram", "youtube", "tiktok", "other"
NETWORKS = (INSTAGRAM, VK, TELEGRAM, YOUTUBE, TIKTOK, OTHER)
NETWORK_ALIASES = {
    "instagram": INSTAGRAM, "inst": INSTAGRAM, "ig": INSTAGRAM, "инстаграм": INSTAGRAM, "инста": INSTAGRAM,
    "vk": VK, "vkontakte": VK, "вк": VK, "вконтакте": VK,
    "telegram": TELEGRAM, "tg": TELEGRAM, "тг": TELEGRAM, "телеграм": TELEGRAM,
    "youtube": YOUTUBE, "yt": YOUTUBE, "ютуб": YOUTUBE,
    "tiktok": TIKTOK, "тикток": TIKTOK,
    "other": OTHER, "другое": OTHER, "другая": OTHER,
}
#: the networks' own names (brand names: the same in every language; "other" has none)
NETWORK_NAMES = {INSTAGRAM: "Instagram", VK: "VK", TELEGRAM: "Telegram", YOUTUBE: "YouTube", TIKTOK: "TikTok",
                 OTHER: "http(s)"}
#: a typical handle or link per network (shown when one is refused)
EXAMPLES = {
    INSTAGRAM: "@brand.shop · https://instagram.com/brand.shop",
    VK: "vk.com/brandshop · club123456",
    TELEGRAM: "@brandchannel · https://t.me/brandchannel",
    YOUTUBE: "@brandshop · https://youtube.com/@brandshop",
    TIKTOK: "@brand.shop · https://www.tiktok.com/@brand.shop",
    OTHER: "https://dzen.ru/brand",
}
_HOSTS = {
    INSTAGRAM: ("instagram.com", "instagr.am"),
    VK: ("vk.com", "vk.ru", "vkontakte.ru", "m.vk.com"),
    TELEGRAM: ("t.me", "telegram.me"),
    YOUTUBE: ("youtube.com", "m.youtube.com", "youtu.be"),
    TIKTOK: ("tiktok.com",),
}
_HANDLE = {
    INSTAGRAM: re.compile(r"[a-z0-9._]{1,30}", re.ASCII),
    VK: re.compile(r"[a-z0-9_.]{2,32}", re.ASCII),
    TELEGRAM: re.compile(r"[a-z][a-z0-9_]{3,31}", re.ASCII),
    YOUTUBE: re.compile(r"@[a-z0-9._-]{3,30}|channel/uc[a-z0-9_-]{22}|c/[a-z0-9._-]{1,100}", re.ASCII),
    TIKTOK: re.compile(r"[a-z0-9._]{2,24}", re.ASCII),
}
_LINK = re.compile(r"(?:https?://)?([a-z0-9.-]+\.[a-z]{2,})(/[^\s?#]*)?(?:[?#]\S*)?", re.ASCII | re.IGNORECASE)
HANDLE_MAX = 200


class HandleError(ValueError):
    """A handle or link refused: ``code`` is ``network`` (unknown network), ``wrong-network`` (a link to another
    site), ``invalid`` (not a handle of this network) or ``long``."""

    def __init__(self, code: str, network: str = OTHER) -> None:
        super().__init__(code)
        self.code = code
        self.network = network


def parse_network(text: str) -> str:
    found = NETWORK_ALIASES.get((text or "").strip().lower())
    if found is None:
        raise HandleError("network")
    return found


def _host_of(network: str, host: str) -> bool:
    host = host.lower()
    host = host[4:] if host.startswith("www.") else host
    return any(host == h or host.endswith("." + h) for h in _HOSTS[network])


def normalize_handle(network: str, text: str) -> str:
    """The account's canonical handle (lower case; a link reduced to its handle), or :class:`HandleError`.

    Instagram: 1–30 letters, digits, ``.`` and ``_``; VK: a short name (2–32); Telegram: a public channel name
    (5–32, starting with a letter); YouTube: ``@handle``, ``channel/UC…`` or ``c/name``; TikTok: 2–24; other: an
    http(s) link. A link must point to the network's own site."""
    raw = (text or "").strip()
    if not raw:
        raise HandleError("invalid", network)
    if len(raw) > HANDLE_MAX:
        raise HandleError("long", network)
    if network == OTHER:
        m = _LINK.fullmatch(raw)
        if m is None:
            raise HandleError("invalid", network)
        return raw if raw.lower().startswith(("http://", "https://")) else "https://" + raw
    lower = raw.lower()
    if "/" in raw or lower.startswith(("http://", "https://", "www.")):
        m = _LINK.fullmatch(raw)
        if m is None:
            raise HandleError("invalid", network)
        if not _host_of(network, m.group(1)):
            raise HandleError("wrong-network", network)
        handle = (m.group(2) or "").strip("/").lower()
    else:
        handle = lower
    if network in (INSTAGRAM, TELEGRAM, TIKTOK, VK):
        handle = handle.removeprefix("@")
    if network == VK and handle.startswith("public") and handle[6:].isascii() and handle[6:].isdigit():
        handle = "club" + handle[6:]
    if network == YOUTUBE and not handle.startswith(("@", "channel/", "c/")):
        handle = "@" + handle
    if _HANDLE[network].fullmatch(handle) is None:
        raise HandleError("invalid", network)
    return handle


def default_name(network: str, handle: str) -> str:
    """An account's name until it is renamed: "Instagram @brand.shop", "VK club123", the link for "other"."""
    if network == OTHER:
        return handle
    shown = "@" + handle if network in (INSTAGRAM, TELEGRAM, TIKTOK) else handle
    return f"{NETWORK_NAMES[network]} {shown}"


def account_link(network: str, handle: str) -> str:
    """A link to the account (for the account card)."""
    return {
        INSTAGRAM: f"https://instagram.com/{handle}",
        VK: f"https://vk.com/{handle}",
        TELEGRAM: f"https://t.me/{handle}",
        YOUTUBE: f"https://youtube.com/{handle}",
        TIKTOK: f"https://www.tiktok.com/@{handle}",
    }.get(network, handle)


# --- the week's calendar ------------------------------------------------------------------------------------
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_ALIASES = {name: i for i, name in enumerate(WEEKDAYS)} | {
    "пн": 0, "вт": 1, "ср": 2, "чт": 3, "пт": 4, "сб": 5, "вс": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
SUNDAY = 6


def parse_weekday(text: str) -> int | None:
    return WEEKDAY_ALIASES.get((text or "").strip().lower())


def last_week_end(today: date, weekday: int) -> date:
    """The end of the latest week that has ended *before* ``today`` (``weekday``: 0 Monday .. 6 Sunday)."""
    back = (today.weekday() - weekday - 1) % 7 + 1
    return today - timedelta(days=back)


def week_end_of(day: date, weekday: int) -> date:
    """The end of the week that contains ``day``."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def week_ends(last: date, n: int) -> list[date]:
    """The ``n`` week ends up to ``last``, oldest first."""
    return [last - timedelta(weeks=n - 1 - i) for i in range(n)]


def next_working_day(day: date, holidays: frozenset[date] | set[date]) -> date:
    """The first Monday–Friday after ``day`` that is not a public holiday."""
    d = day + timedelta(days=1)
    while d.weekday() >= 5 or d in holidays:
        d += timedelta(days=1)
    return d


# --- the metrics --------------------------------------------------------------------------------------------
Figures = Mapping[str, int | None]


def interactions(w: Figures | None) -> int | None:
    """The week's interactions: as given, else likes + comments + saves + shares (missing ones as 0); ``None``
    when none of them is known."""
    if w is None:
        return None
    if w.get("interactions") is not None:
        return w["interactions"]
    return engagement(w)


def engagement(w: Figures | None) -> int | None:
    """likes + comments + saves + shares (missing ones as 0); ``None`` when none of them is known."""
    if w is None:
        return None
    known = [w.get(k) for k in ENGAGEMENT if w.get(k) is not None]
    return sum(known) if known else None  # type: ignore[arg-type]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``; ``None`` when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def er_reach(w: Figures | None) -> float | None:
    """Engagement rate by reach: (likes + comments + saves + shares) ÷ reach (a share, 0.05 = 5%)."""
    return ratio(engagement(w), w.get("reach") if w else None)


def er_followers(w: Figures | None) -> float | None:
    """Engagement rate by followers: (likes + comments + saves + shares) ÷ followers at the week's end."""
    return ratio(engagement(w), w.get("followers") if w else None)


def growth(prev: Figures | None, cur: Figures | None) -> int | None:
    """Follower growth over the week: followers now − followers a week before."""
    a = prev.get("followers") if prev else None
    b = cur.get("followers") if cur else None
    return None if a is None or b is None else b - a


def growth_pct(prev: Figures | None, cur: Figures | None) -> float | None:
    """Follower growth as a share of last week's followers (``None`` with no followers last week)."""
    return ratio(growth(prev, cur), prev.get("followers") if prev else None)


def change(prev: float | None, cur: float | None) -> float | None:
    """Week-over-week change of one figure as a share: (now − before) ÷ before. ``None`` when either week is
    missing, or when before was 0 and now is not (no finite share); 0 when both are 0."""
    if prev is None or cur is None:
        return None
    if prev == 0:
        return 0.0 if cur == 0 else None
    return (cur - prev) / prev


def changes(prev: Figures | None, cur: Figures | None) -> dict[str, float | None]:
    """:func:`change` of every figure (interactions as computed)."""
    out: dict[str, float | None] = {}
    for f in FIELDS:
        a = interactions(prev) if f == "interactions" else (prev.get(f) if prev else None)
        b = interactions(cur) if f == "interactions" else (cur.get(f) if cur else None)
        out[f] = change(a, b)
    return out


def moving_average(values: Sequence[float | None], n: int = 4) -> list[float | None]:
    """For each position, the mean of the known values among it and the ``n − 1`` before it (a missing week
    counts as missing, not as 0); ``None`` when none of them is known."""
    out: list[float | None] = []
    for i in range(len(values)):
        window = [v for v in values[max(0, i - n + 1):i + 1] if v is not None]
        out.append(sum(window) / len(window) if window else None)
    return out


def aligned(weeks: Mapping[date, Figures], ends: Sequence[date]) -> list[Figures | None]:
    """The weeks' figures in the order of ``ends``, ``None`` for a week with no report."""
    return [weeks.get(e) for e in ends]


def median_or_none(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return median(known) if known else None


# --- checks -------------------------------------------------------------------------------------------------
FOLLOWERS_JUMP = 0.5  # followers moving by more than ±50% in a week asks "are you sure?"


def implausible(prev: Figures | None, cur: Figures) -> list[str]:
    """What looks wrong in ``cur`` (asked "are you sure?" before saving): ``followers-jump`` (followers moved by
    more than ±50% since last week), ``reach-zero`` (reach 0 with likes > 0), ``engagement-over-reach``
    (more likes than reach is possible for reach in some networks, so only a factor of 10 is flagged)."""
    out = []
    a = prev.get("followers") if prev else None
    b = cur.get("followers")
    if a is not None and b is not None and a > 0 and abs(b - a) / a > FOLLOWERS_JUMP:
        out.append("followers-jump")
    if cur.get("reach") == 0 and (cur.get("likes") or 0) > 0:
        out.append("reach-zero")
    eng, reach = engagement(cur), cur.get("reach")
    if eng is not None and reach and eng > 10 * reach:
        out.append("engagement-over-reach")
    return out


def fell(prev: float | None, cur: float | None, share: float) -> bool:
    """A fall of more than ``share`` (0.3 = 30%) from ``prev`` to ``cur``."""
    c = change(prev, cur)
    return c is not None and c < -share


@dataclass(frozen=True, slots=True)
class WeekFlags:
    missing: bool
    er_fell: bool
    reach_fell: bool
    followers_fell: bool

    @property
    def any(self) -> bool:
        return self.missing or self.er_fell or self.reach_fell or self.followers_fell


def flags(prev: Figures | None, cur: Figures | None, share: float) -> WeekFlags:
    """The week's flags for ``/stats all`` and the digest: no report, or ER (by reach), reach or followers
    fell by more than ``share`` since the week before."""
    if cur is None:
        return WeekFlags(True, False, False, False)
    return WeekFlags(False, fell(er_reach(prev), er_reach(cur), share),
                     fell(prev.get("reach") if prev else None, cur.get("reach"), share),
                     fell(prev.get("followers") if prev else None, cur.get("followers"), share))


# --- importing a sheet --------------------------------------------------------------------------------------
#: names of the column that says which week a row is (a day of the week, or a period whose last day is used)
WEEK_COLUMNS = frozenset({"week", "date", "period", "week end", "week ending", "неделя", "дата", "период",
                          "конец недели", "нед", "нед."})
IMPORT_MAX_ROWS = 10_000
_DAY_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})|([0-9]{1,2})[./]([0-9]{1,2})(?:[./]([0-9]{2,4}))?",
                     re.ASCII)
_SPACES = " \u00a0\u2009\u202f\u2007"


@dataclass(frozen=True, slots=True)
class CellError:
    """One problem of an imported sheet: the row number (as the spreadsheet shows it), the column and what."""

    row: int
    column: str
    code: str  # header | date | number | range | twice | future | empty
    value: str = ""


@dataclass(slots=True)
class Table:
    weeks: dict[date, dict[str, int]]  # week end → the figures given
    rows: dict[date, int]  # week end → its row number (for messages)
    errors: list[CellError]


def column_of(title: object) -> str | None:
    """``"week"`` for the week column, a figure for a figure column, ``None`` for a column to ignore."""
    name = " ".join(str(title or "").strip().lower().replace("ё", "е").split())
    if name in WEEK_COLUMNS:
        return "week"
    found = field_of(name)
    if found is None and " " in name:  # "Охват (reach)", "likes, total": the first word
        found = field_of(re.split(r"[\s,(/]+", name)[0])
    return found


def _echo(value: object) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:19] + "…"


def cell_day(value: object, year: int) -> date | None:
    """A day from a cell: a date, a datetime, ``YYYY-MM-DD``, ``DD.MM.YYYY``, ``DD.MM`` (in ``year``) or a period
    ``DD.MM–DD.MM.YYYY`` / ``… - …`` (its last day)."""
    if isinstance(value, datetime_type):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    found = list(_DAY_RE.finditer(text))
    if not found:
        return None
    m = found[-1]
    try:
        if m.group(1):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        y = m.group(6)
        yy = int(y) if y else year
        if y and len(y) == 2:
            yy += 2000
        return date(yy, int(m.group(5)), int(m.group(4)))
    except ValueError:
        return None


def cell_count(value: object) -> int | str | None:
    """A figure from a cell: an int, a whole float, or digits with spaces or thin spaces between groups; ``None``
    for an empty cell; an error code (``number`` / ``range``) otherwise."""
    if value is None or (isinstance(value, str) and not value.strip(_SPACES)):
        return None
    if isinstance(value, bool):
        return "number"
    if isinstance(value, float):
        if value != value or not value.is_integer():
            return "number"
        value = int(value)
    if isinstance(value, int):
        return value if 0 <= value <= MAX_VALUE else "range"
    text = str(value).strip()
    for ch in _SPACES:
        text = text.replace(ch, "")
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isascii() or not text.isdigit():
        return "range" if text.startswith("-") and text[1:].isascii() and text[1:].isdigit() else "number"
    if len(text) > 12 or int(text) > MAX_VALUE:
        return "range"
    return int(text)


def read_table(rows: Sequence[Sequence[object]], weekday: int, last: date) -> Table:
    """The weeks of a sheet: a header row (within the first 10) with a week/date column and figure columns in
    Russian or English, in any order (other columns are ignored); then one row per week. A row's day is any day
    of its week (the account's week ends on ``weekday``); weeks after ``last`` are refused. Every problem is
    collected (row, column, what), so that a sheet is taken whole or not at all."""
    errors: list[CellError] = []
    header_at, columns = None, {}
    for i, row in enumerate(rows[:10]):
        cols = {j: column_of(v) for j, v in enumerate(row)}
        cols = {j: c for j, c in cols.items() if c is not None}
        if "week" in cols.values() and len(cols) >= 2:
            header_at, columns = i, cols
            break
    if header_at is None:
        return Table({}, {}, [CellError(1, "", "header")])
    seen: dict[str, int] = {}
    for j, c in columns.items():
        if c in seen:
            errors.append(CellError(header_at + 1, str(rows[header_at][j]), "twice"))
        seen[c] = j
    titles = {j: str(rows[header_at][j]) for j in columns}
    week_col = seen["week"]
    weeks: dict[date, dict[str, int]] = {}
    where: dict[date, int] = {}
    for i in range(header_at + 1, len(rows)):
        row = rows[i]
        number = i + 1
        if not any(v is not None and str(v).strip() for v in row):
            continue
        raw_day = row[week_col] if week_col < len(row) else None
        day = cell_day(raw_day, last.year)
        if day is None:
            errors.append(CellError(number, titles[week_col], "date", _echo(raw_day or "")))
            continue
        end = week_end_of(day, weekday)
        if end > last:
            errors.append(CellError(number, titles[week_col], "future", end.strftime("%d.%m.%Y")))
            continue
        if end in weeks:
            errors.append(CellError(number, titles[week_col], "twice", end.strftime("%d.%m.%Y")))
            continue
        figures: dict[str, int] = {}
        for j, c in columns.items():
            if c == "week" or j >= len(row):
                continue
            got = cell_count(row[j])
            if isinstance(got, str):
                errors.append(CellError(number, titles[j], got, _echo(row[j])))
            elif got is not None:
                figures[c] = got
        if not figures:
            errors.append(CellError(number, titles[week_col], "empty", end.strftime("%d.%m.%Y")))
            continue
        weeks[end], where[end] = figures, number
    if not weeks and not errors:
        errors.append(CellError(header_at + 2, "", "empty"))
    return Table(weeks, where, errors)
