"""Digest kinds and a manager's digest preferences (pure): the one list of kinds and the one place the
defaults live. Used by the digest settings (service and screen), the scheduler, the digest builder and
``python -m bot digest --kind``; ``tests/test_digest_kinds.py`` fails if the kinds are spelled out
anywhere else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
#: in the order the settings screen shows them; also the ``digest_preferences`` column names
KINDS = (DAILY, WEEKLY, MONTHLY)


def delivery_kind(kind: str) -> str:
    """The ``deliveries.kind`` of a digest kind: ``digest_daily`` ..."""
    return f"digest_{kind}"


#: ``deliveries.kind`` of every digest kind
DELIVERY_KINDS = {kind: delivery_kind(kind) for kind in KINDS}

#: where a manager's weekly SMM section goes (``digest_preferences.smm_digest``): inside the weekly digest (its
#: chart in the album, its text in the caption) or as its own message; without the weekly digest switched on it
#: always comes as its own message
SMM_WITH_WEEKLY, SMM_OWN = "with_weekly", "own"
SMM_MODES = (SMM_WITH_WEEKLY, SMM_OWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestPrefs:
    """Which digests a manager gets and at what time (team time zone). ``at`` has no default here: it is
    the ``DAILY_DIGEST_TIME`` setting."""

    at: dt.time
    daily: bool = True
    weekly: bool = True
    monthly: bool = True
    smm: str = SMM_WITH_WEEKLY  # one of SMM_MODES

    @property
    def time(self) -> str:
        """``at`` as HH:MM (what the settings screen shows and the database stores)."""
        return f"{self.at:%H:%M}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))

    @property
    def smm_with_weekly(self) -> bool:
        """The weekly SMM section comes inside the weekly digest (chosen, and the weekly digest is on)."""
        return self.smm == SMM_WITH_WEEKLY and self.weekly


def hhmm(value: str) -> dt.time:
    """``"09:30"`` → ``time(9, 30)``; ValueError on anything else."""
    hours, _, minutes = value.strip().partition(":")
    if not (hours.isdecimal() and minutes.isdecimal() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(f"{value!r} is not a time like 09:00")
    return dt.time(int(hours), int(minutes))


def prefs_of(row: Any | None, default_at: dt.time) -> DigestPrefs:
    """Preferences from a ``digest_preferences`` row (``None``: no row yet, the defaults). A row without a
    time, or with one that does not parse, means ``default_at``."""
    if row is None:
        return DigestPrefs(at=default_at)
    try:
        at = hhmm(row.daily_time) if row.daily_time else default_at
    except ValueError:
        at = default_at
    smm = getattr(row, "smm_digest", None)
    return DigestPrefs(at=at, smm=smm if smm in SMM_MODES else SMM_WITH_WEEKLY,
                       **{kind: bool(getattr(row, kind)) for kind in KINDS})


def new_row_values() -> dict[str, Any]:
    """Column values of a member's first ``digest_preferences`` row: the defaults, time from the setting."""
    defaults = DigestPrefs(at=dt.time())
    return {**{kind: defaults.wants(kind) for kind in KINDS}, "daily_time": None}
