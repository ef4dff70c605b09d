"""What the rating screens share: cutting long texts into messages and naming a month."""

from __future__ import annotations

from bot.text import split_lines
from bot.views import rating_month

MAX_TEXT = 4000

#: "November 2026" for a period key, as the monthly form says it
month = rating_month


def chunks(lines: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Messages of whole lines within ``limit`` (a line too long alone is split without cutting HTML)."""
    return split_lines(lines, limit)
