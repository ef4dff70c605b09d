"""Sizes, type, colours and the default labels of the charts; a person's name as a chart shows it."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from matplotlib.font_manager import FontProperties

from scheduler.chart_data import AHEAD, BEHIND, ON_TRACK

# --- geometry ---------------------------------------------------------------------
DPI = 150
WIDTH_PX = 1080  #: every PNG is exactly this wide
WIDTH_IN = WIDTH_PX / DPI  # 7.2 in
ROW_IN = 0.35  #: height per person row
ROWS_CHROME_IN = 1.75  #: title + legend + x axis of a per-row chart
MIN_HEIGHT_IN = 3.6
CUMULATIVE_HEIGHT_IN = 5.4
MAX_NAME_CHARS = 22
TITLE_WRAP_CHARS = 46

# --- type -------------------------------------------------------------------------
FONT_FAMILY = "DejaVu Sans"
BASE_PT = 12
SMALL_PT = 11
TITLE_PT = 15

# --- Okabe–Ito palette ------------------------------------------------------------
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#777777"
GRID_COLOUR = "#DDDDDD"

#: the done bar's colour by status (Okabe–Ito: distinguishable with every common colour-vision deficiency)
STATUS_COLOURS: dict[str, str] = {BEHIND: ORANGE, ON_TRACK: BLUE, AHEAD: GREEN}

DEFAULT_LABELS: dict[str, str] = {
    "no_data": "No data",
    "plan": "Plan",
    "done": "Done",
    "behind": "Behind pace",
    "on_track": "On track",
    "ahead": "Ahead of pace",
    "final_behind": "Plan missed",
    "final_ahead": "Plan met",
    "expected": "Expected by today",
    "units": "Units",
    "today": "Today",
    "day": "Day of month",
    "rate_axis": "Revisions per unit",
    "rating_axis": "Average rating",
    "na": "n/a",
    "count": "n={count}",
    "axis": "Leads",
}


# --- fonts, labels, names, heights ------------------------------------------------
@functools.lru_cache(maxsize=32)
def _font(size: float = BASE_PT, weight: str = "normal", style: str = "normal") -> FontProperties:
    """Font properties, built once per worker (callers never mutate them)."""
    return FontProperties(family=FONT_FAMILY, size=size, weight=weight, style=style)


def _labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    merged = dict(DEFAULT_LABELS)
    if labels:
        merged.update(labels)
    return merged


def truncate_name(name: str, limit: int = MAX_NAME_CHARS) -> str:
    """Collapse whitespace and cut ``name`` to ``limit`` characters ending in "…"."""
    name = " ".join(str(name).split())
    if len(name) <= limit:
        return name
    return name[: limit - 1].rstrip() + "…"


def rows_height_px(n_rows: int) -> int:
    """Pixel height of a per-person chart with ``n_rows`` rows (width is WIDTH_PX)."""
    inches = max(MIN_HEIGHT_IN, ROWS_CHROME_IN + ROW_IN * max(n_rows, 1))
    return round(inches * DPI)
