"""Phone-friendly PNG charts for digests.

Pure rendering: input is plain data (the frozen dataclasses below), output is PNG
bytes. This module imports only the standard library and matplotlib, so that it can
be imported cheaply by chart worker processes (see ``scheduler.render_pool``) — do
not import aiogram, sqlalchemy, ``bot`` or ``handlers`` from here.

Conventions
-----------
* Every PNG is exactly :data:`WIDTH_PX` (1080) pixels wide; the height depends on the
  chart and, for per-person charts, on the number of rows (see :func:`rows_height_px`).
* Only the object-oriented ``Figure`` API is used (never pyplot) and no global
  ``rcParams`` are touched: every text gets its font family/size explicitly, so the
  functions are safe to call from several threads.
* No translation logic: callers pass every visible string via ``title`` and
  ``labels``. Missing label keys fall back to the English strings in
  :data:`DEFAULT_LABELS`. Empty input renders a chart saying ``labels["no_data"]``.
* Colours are the Okabe–Ito colour-blind-safe palette; text is DejaVu Sans (ships
  with matplotlib and covers Cyrillic).
"""

from __future__ import annotations

import bisect
import io
import struct
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

__all__ = [
    "DEFAULT_LABELS",
    "DPI",
    "MAX_NAME_CHARS",
    "WIDTH_PX",
    "CumulativeSeries",
    "PersonBar",
    "RateBar",
    "RatingBar",
    "cumulative",
    "cumulative_figure",
    "plan_vs_done",
    "plan_vs_done_figure",
    "png_size",
    "rating_averages",
    "rating_averages_figure",
    "revisions_per_unit",
    "revisions_per_unit_figure",
    "rows_height_px",
    "truncate_name",
]

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

DEFAULT_LABELS: dict[str, str] = {
    "no_data": "No data",
    "plan": "Plan",
    "done": "Done",
    "behind": "Behind pace",
    "expected": "Expected by today",
    "units": "Units",
    "today": "Today",
    "day": "Day of month",
    "rate_axis": "Revisions per unit",
    "rating_axis": "Average rating",
    "na": "n/a",
    "count": "n={count}",
}


# --- data -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PersonBar:
    """One row of :func:`plan_vs_done`: monthly plan, units done, expected by today."""

    name: str
    plan: int
    done: int
    expected: float


@dataclass(frozen=True, slots=True)
class CumulativeSeries:
    """Input of :func:`cumulative`.

    ``days`` are the x-axis days in order (normally every day, or every working day,
    of the month). ``cumulative_done[i]`` is the running total at the end of
    ``days[i]``; it may be shorter than ``days`` (days that have not happened yet).
    The plan line runs straight from 0 before ``days[0]`` to ``plan_total`` at the
    end of ``days[-1]``. ``today`` (optional) draws a vertical marker.
    """

    days: list[date]
    cumulative_done: list[int]
    plan_total: int
    today: date | None = None


@dataclass(frozen=True, slots=True)
class RateBar:
    """One row of :func:`revisions_per_unit`; ``value`` None means "no units"."""

    name: str
    value: float | None


@dataclass(frozen=True, slots=True)
class RatingBar:
    """One row of :func:`rating_averages`; ``average`` on a 1–5 scale or None."""

    name: str
    average: float | None
    count: int


# --- helpers ----------------------------------------------------------------------
def _font(size: float = BASE_PT, weight: str = "normal", style: str = "normal") -> FontProperties:
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


def _new_figure(height_px: int) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_px / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=0.08, h_pad=0.08)
    return fig


def _title(fig: Figure, title: str) -> None:
    wrapped = textwrap.fill(" ".join(title.split()), TITLE_WRAP_CHARS) if title else ""
    if wrapped:
        fig.suptitle(wrapped, fontproperties=_font(TITLE_PT, weight="bold"))


def _style_axes(ax, *, grid_axis: str = "x") -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=BASE_PT, labelfontfamily=FONT_FAMILY)
    ax.grid(axis=grid_axis, color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)


def _name_axis(ax, names: Sequence[str]) -> None:
    """Names on the y axis, first name on top, one row per name.

    Names are user text: ``$`` must not switch matplotlib to mathtext (``"x$^$y"`` would not render).
    """
    n = len(names)
    ax.set_yticks(range(n), labels=[truncate_name(nm) for nm in names], parse_math=False)
    ax.set_ylim(n - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)


def _xlabel(ax, text: str) -> None:
    if text:
        ax.set_xlabel(text, fontproperties=_font(SMALL_PT))


def _legend(ax, handles: list) -> None:
    """Legend above the axes (below the title), right-aligned, never over the data.

    One row when it fits comfortably, otherwise two columns; ~12.6 px per character
    at SMALL_PT/150 dpi plus ~80 px per entry for the handle and spacing.
    """
    est_px = sum(len(h.get_label()) for h in handles) * 12.6 + 80 * len(handles)
    ncols = len(handles) if est_px <= 600 else 2
    ax.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        borderaxespad=0.3,
        ncols=ncols,
        frameon=False,
        prop=_font(SMALL_PT),
        handlelength=1.6,
        columnspacing=1.2,
    )


def _right_limit(max_value: float, longest_text: int) -> float:
    """x-axis limit leaving room for a value label of ``longest_text`` characters."""
    max_value = max(float(max_value), 1.0)
    # ~14 px per character (digits) at SMALL_PT/150 dpi, on an axes ~650 px wide.
    frac = min(0.5, (longest_text * 14 + 16) / 650)
    return max_value / (1 - frac)


def _to_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    # No bbox_inches="tight": the pixel size must be exactly the figure size.
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _no_data_figure(title: str, labels: Mapping[str, str] | None) -> Figure:
    lab = _labels(labels)
    fig = _new_figure(round(MIN_HEIGHT_IN * DPI))
    _title(fig, title)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        lab["no_data"],
        ha="center",
        va="center",
        color=GREY,
        fontproperties=_font(TITLE_PT),
        transform=ax.transAxes,
    )
    return fig


# --- charts -----------------------------------------------------------------------
def _rows_figure(n: int, title: str) -> tuple[Figure, Any, list[int]]:
    """A figure tall enough for ``n`` rows, titled, with one styled axes; returns the row positions."""
    fig = _new_figure(rows_height_px(n))
    _title(fig, title)
    ax = fig.add_subplot()
    _style_axes(ax)
    return fig, ax, list(range(n))


def plan_vs_done_figure(
    people: Sequence[PersonBar], *, title: str, labels: Mapping[str, str] | None = None
) -> Figure:
    """Build the :func:`plan_vs_done` figure (exposed for tests and previews)."""
    if not people:
        return _no_data_figure(title, labels)
    lab = _labels(labels)
    fig, ax, ys = _rows_figure(len(people), title)
    plans = [max(p.plan, 0) for p in people]
    dones = [max(p.done, 0) for p in people]
    behind = [p.done < p.expected for p in people]

    ax.barh(ys, plans, height=0.78, color=SKY_BLUE, alpha=0.35, edgecolor=BLUE, linewidth=1.0)
    ax.barh(ys, dones, height=0.42, color=[ORANGE if b else BLUE for b in behind])
    ax.plot(
        [p.expected for p in people],
        ys,
        linestyle="none",
        marker="|",
        markersize=ROW_IN * 72 * 0.8,
        markeredgewidth=3,
        color=BLACK,
    )

    texts = [f"{p.done} / {p.plan}" for p in people]
    ends = [max(p.plan, p.done, p.expected, 0) for p in people]
    xmax = max(ends)
    right = _right_limit(xmax, max(len(t) for t in texts))
    pad = right * 0.012
    for y, end, text in zip(ys, ends, texts, strict=True):
        ax.text(end + pad, y, text, va="center", ha="left", fontproperties=_font(SMALL_PT))
    ax.set_xlim(0, right)
    _name_axis(ax, [p.name for p in people])
    _xlabel(ax, lab["units"])

    handles = [
        Patch(facecolor=SKY_BLUE, alpha=0.35, edgecolor=BLUE, label=lab["plan"]),
        Patch(facecolor=BLUE, label=lab["done"]),
    ]
    if any(behind):
        handles.append(Patch(facecolor=ORANGE, label=lab["behind"]))
    handles.append(
        Line2D(
            [],
            [],
            linestyle="none",
            marker="|",
            markersize=14,
            markeredgewidth=3,
            color=BLACK,
            label=lab["expected"],
        )
    )
    _legend(ax, handles)
    return fig


def plan_vs_done(
    people: Sequence[PersonBar], *, title: str, labels: Mapping[str, str] | None = None
) -> bytes:
    """Horizontal plan-vs-done bars, one row per person in the given order.

    Plan is a light outlined bar, done a solid narrower bar inside it (orange when
    ``done < expected``), expected-by-today a black tick; "done / plan" is printed
    at the end of each row. Height grows by ``ROW_IN`` per person.
    Label keys: plan, done, behind, expected, units, no_data.
    """
    return _to_png(plan_vs_done_figure(people, title=title, labels=labels))


def _day_position(days: Sequence[date], day: date) -> float:
    """x position of the *end* of ``day`` on the cumulative chart (0 = period start)."""
    return float(bisect.bisect_right(days, day))


def cumulative_figure(
    series: CumulativeSeries, *, title: str, labels: Mapping[str, str] | None = None
) -> Figure:
    """Build the :func:`cumulative` figure (exposed for tests and previews)."""
    if not series.days:
        return _no_data_figure(title, labels)
    lab = _labels(labels)
    days = list(series.days)
    n = len(days)
    done = list(series.cumulative_done[:n])
    fig = _new_figure(round(CUMULATIVE_HEIGHT_IN * DPI))
    _title(fig, title)
    ax = fig.add_subplot()
    _style_axes(ax, grid_axis="both")

    plan_total = max(series.plan_total, 0)
    ax.plot([0, n], [0, plan_total], color=GREY, linestyle="--", linewidth=2, label=lab["plan"])
    handles = [Line2D([], [], color=GREY, linestyle="--", linewidth=2, label=lab["plan"])]
    if done:
        xs = list(range(len(done) + 1))
        ax.plot(xs, [0, *done], color=BLUE, linewidth=3, marker="o", markersize=4, drawstyle="default")
        ax.annotate(
            str(done[-1]),
            (xs[-1], done[-1]),
            xytext=(6, 6),
            textcoords="offset points",
            color=BLUE,
            fontproperties=_font(SMALL_PT, weight="bold"),
        )
        handles.insert(0, Line2D([], [], color=BLUE, linewidth=3, label=lab["done"]))
    ax.annotate(
        str(plan_total),
        (n, plan_total),
        xytext=(-4, 6),
        textcoords="offset points",
        ha="right",
        color=GREY,
        fontproperties=_font(SMALL_PT),
    )
    if series.today is not None and days[0] <= series.today <= days[-1]:
        x_today = _day_position(days, series.today)
        ax.axvline(x_today, color=VERMILLION, linewidth=2, linestyle=":")
        handles.append(Line2D([], [], color=VERMILLION, linewidth=2, linestyle=":", label=lab["today"]))

    step = 1 if n <= 10 else 5
    ticks = [i for i in range(1, n + 1) if (i - 1) % step == 0 or i == n]
    if n > 10 and len(ticks) >= 2 and ticks[-1] - ticks[-2] < 3:
        ticks.pop(-2)
    ax.set_xticks(ticks, labels=[str(days[i - 1].day) for i in ticks])
    ax.set_xlim(0, n + 0.3)
    top = max([plan_total, *done, 1])
    ax.set_ylim(0, top * 1.12)
    _xlabel(ax, lab["day"])
    if lab["units"]:
        ax.set_ylabel(lab["units"], fontproperties=_font(SMALL_PT))
    _legend(ax, handles)
    return fig


def cumulative(series: CumulativeSeries, *, title: str, labels: Mapping[str, str] | None = None) -> bytes:
    """Cumulative units per day vs the straight plan line, with a "today" marker.

    x ticks are day-of-month numbers (no month names, so nothing to translate).
    Label keys: done, plan, today, day, units, no_data. Fixed height 810 px.
    """
    return _to_png(cumulative_figure(series, title=title, labels=labels))


def revisions_per_unit_figure(
    rows: Sequence[RateBar], *, title: str, labels: Mapping[str, str] | None = None
) -> Figure:
    """Build the :func:`revisions_per_unit` figure (exposed for tests and previews)."""
    if not rows:
        return _no_data_figure(title, labels)
    lab = _labels(labels)
    fig, ax, ys = _rows_figure(len(rows), title)
    values = [r.value for r in rows]
    ax.barh(ys, [max(v, 0.0) if v is not None else 0.0 for v in values], height=0.6, color=VERMILLION)
    texts = [f"{v:.2f}" if v is not None else lab["na"] for v in values]
    xmax = max([v for v in values if v is not None] or [1.0])
    right = _right_limit(xmax, max(len(t) for t in texts))
    pad = right * 0.012
    for y, v, text in zip(ys, values, texts, strict=True):
        if v is None:
            ax.text(pad, y, text, va="center", color=GREY, fontproperties=_font(SMALL_PT, style="italic"))
        else:
            ax.text(max(v, 0.0) + pad, y, text, va="center", fontproperties=_font(SMALL_PT))
    ax.set_xlim(0, right)
    _name_axis(ax, [r.name for r in rows])
    _xlabel(ax, lab["rate_axis"])
    return fig


def revisions_per_unit(
    rows: Sequence[RateBar], *, title: str, labels: Mapping[str, str] | None = None
) -> bytes:
    """Revisions per unit, one horizontal bar per person in the given order.

    ``value`` None prints ``labels["na"]`` instead of a bar.
    Label keys: rate_axis, na, no_data.
    """
    return _to_png(revisions_per_unit_figure(rows, title=title, labels=labels))


def rating_averages_figure(
    rows: Sequence[RatingBar], *, title: str, labels: Mapping[str, str] | None = None
) -> Figure:
    """Build the :func:`rating_averages` figure (exposed for tests and previews)."""
    if not rows:
        return _no_data_figure(title, labels)
    lab = _labels(labels)
    fig, ax, ys = _rows_figure(len(rows), title)
    # Bars start at the scale minimum 1, so the axis is exactly the 1–5 scale.
    avgs = [min(max(r.average, 1.0), 5.0) if r.average is not None else None for r in rows]
    ax.barh(ys, [(a - 1.0) if a is not None else 0.0 for a in avgs], left=1.0, height=0.6, color=GREEN)
    for y, row, a in zip(ys, rows, avgs, strict=True):
        count = lab["count"].format(count=row.count)
        if a is None or row.average is None:
            ax.text(
                1.05,
                y,
                f"{lab['na']}  ({count})",
                va="center",
                color=GREY,
                fontproperties=_font(SMALL_PT, style="italic"),
            )
        elif a >= 3.3:  # long bar: label inside, right-aligned
            ax.text(
                a - 0.05,
                y,
                f"{row.average:.2f}  ({count})",
                va="center",
                ha="right",
                color="white",
                fontproperties=_font(SMALL_PT, weight="bold"),
            )
        else:
            ax.text(a + 0.05, y, f"{row.average:.2f}  ({count})", va="center", fontproperties=_font(SMALL_PT))
    ax.set_xlim(1, 5)
    ax.set_xticks([1, 2, 3, 4, 5])
    _name_axis(ax, [r.name for r in rows])
    _xlabel(ax, lab["rating_axis"])
    return fig


def rating_averages(
    rows: Sequence[RatingBar], *, title: str, labels: Mapping[str, str] | None = None
) -> bytes:
    """Average peer rating per person on a 1–5 axis, "avg (count)" beside each bar.

    ``average`` None prints ``labels["na"]``. ``labels["count"]`` is a format string
    with ``{count}`` (e.g. "n={count}" or "оценок: {count}").
    Label keys: rating_axis, na, count, no_data.
    """
    return _to_png(rating_averages_figure(rows, title=title, labels=labels))


# --- PNG utilities ----------------------------------------------------------------
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels read from the PNG IHDR header."""
    if len(data) < 24 or data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --- worker entry points (used by scheduler.render_pool) --------------------------
def _loaded_modules() -> bytes:
    """Debug job: newline-separated sorted names of modules loaded in this process."""
    return "\n".join(sorted(sys.modules)).encode()


def _niceness() -> bytes:
    """Debug job: this process's nice value."""
    import os

    return str(os.nice(0)).encode()


def _process_init() -> None:
    """Initializer of a chart worker *process*: yield the CPU to the bot's event loop (a lower
    scheduling priority), then warm up fonts. Not for threads: a nice value would slow the bot too."""
    import os

    try:
        os.nice(10)
    except (AttributeError, OSError):  # pragma: no cover - platforms without nice
        pass
    _warm_up()


def _warm_up() -> None:
    """Render a tiny figure once so fonts (Latin + Cyrillic glyphs) are cached."""
    fig = Figure(figsize=(1, 1), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.5, "Ag Яж 0.5 …", fontproperties=_font(BASE_PT))
    fig.text(0.1, 0.2, "Ag Яж", fontproperties=_font(TITLE_PT, weight="bold"))
    fig.text(0.1, 0.8, "Ag Яж", fontproperties=_font(SMALL_PT, style="italic"))
    _to_png(fig)


_RENDERERS: dict[str, Callable[..., bytes]] = {
    "plan_vs_done": plan_vs_done,
    "cumulative": cumulative,
    "revisions_per_unit": revisions_per_unit,
    "rating_averages": rating_averages,
    "_loaded_modules": _loaded_modules,
    "_niceness": _niceness,
}


def _render(fn_name: str, args: tuple, kwargs: dict) -> bytes:
    """Dispatcher run in worker processes: only whitelisted functions can be called."""
    try:
        fn = _RENDERERS[fn_name]
    except KeyError:
        raise ValueError(f"unknown chart {fn_name!r}; known: {sorted(_RENDERERS)}") from None
    return fn(*args, **kwargs)
