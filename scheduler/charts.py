"""Phone-friendly PNG charts for digests.

Pure rendering: input is plain data (the frozen dataclasses of ``scheduler.chart_data``), output is PNG
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
import contextlib
import functools
import math
import struct
import sys
import textwrap
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from math import cos, radians, sin
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib import offsetbox
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.markers import TICKDOWN, TICKLEFT
from matplotlib.patches import Patch
from matplotlib.text import Text, _get_text_metrics_with_cache
from matplotlib.transforms import (
    Bbox,
    BboxTransformTo,
    IdentityTransform,
    ScaledTranslation,
    TransformedBbox,
    blended_transform_factory,
)

# the data classes live in a module without matplotlib, so that the bot process can build chart jobs
# without importing matplotlib (see scheduler/chart_data.py); they are re-exported here
from scheduler.chart_data import (
    AHEAD,
    BEHIND,
    ON_TRACK,
    SMM_DOWN,
    SMM_FELL,
    SMM_MISSING,
    SMM_UP,
    STATUSES,
    CumulativeSeries,
    PersonBar,
    RateBar,
    RatingBar,
    SmmBar,
    png_size,
)

__all__ = [
    "AHEAD",
    "BEHIND",
    "DEFAULT_LABELS",
    "DPI",
    "MAX_NAME_CHARS",
    "ON_TRACK",
    "STATUSES",
    "STATUS_COLOURS",
    "WIDTH_PX",
    "CumulativeSeries",
    "PersonBar",
    "RateBar",
    "RatingBar",
    "SmmBar",
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


# --- helpers ----------------------------------------------------------------------
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


def _new_figure(height_px: int) -> Figure:
    """A figure without a layout engine: :func:`_fit` places the axes (constrained layout would
    measure every text twice more per chart; the result is the same to a pixel or two)."""
    fig = Figure(figsize=(WIDTH_IN, height_px / DPI), dpi=DPI)
    _reuse_renderer(FigureCanvasAgg(fig))
    return fig


_local = threading.local()
#: Agg renderers kept per thread (each holds a width × height × 4 byte buffer, ~8 MiB for 40 rows)
RENDERERS_KEPT = 3


def _reuse_renderer(canvas: FigureCanvasAgg) -> None:
    """Give ``canvas`` this thread's Agg renderer of the same size, or keep its new one for later.

    matplotlib caches text measurements per renderer, so with one renderer per figure size and thread
    (a worker renders charts of the same sizes all day) tick labels, legend entries, titles and
    repeated values are laid out once per worker instead of once per chart. ``draw`` clears it first.
    """
    kept: dict = _local.__dict__.setdefault("renderers", {})
    fig = canvas.figure
    key = (*fig.bbox.size, fig.dpi)
    renderer = kept.get(key)
    if renderer is not None:
        canvas.renderer, canvas._lastKey = renderer, key
        return
    if len(kept) >= RENDERERS_KEPT:
        kept.pop(next(iter(kept)))
    renderer = kept[key] = canvas.get_renderer()
    renderer.draw_text = functools.partial(_draw_text_cached, renderer)
    renderer.get_text_width_height_descent = functools.partial(_measure_text_cached, renderer)


#: rasterised strings kept per worker (a 30-person chart draws ~70 texts; titles, legend entries, axis
#: labels, tick labels and "done / plan" values recur from chart to chart)
TEXT_IMAGES_KEPT = 4096
#: (string, font properties, dpi, antialiased, hinting) -> (glyph bitmap, width, height, descent, x and
#: y offsets of the bitmap in 1/64 px)
_text_images: dict[tuple, tuple[np.ndarray, float, float, float, float, float]] = {}


def _text_image(renderer: RendererAgg, s: str, prop: FontProperties, antialiased: bool):
    """The glyph bitmap and metrics of one line of plain text, laid out and rasterised once per worker.

    What ``RendererAgg.draw_text`` and ``get_text_width_height_descent`` compute each time
    (``FT2Font.set_text`` + ``draw_glyphs_to_bitmap``, most of a text's cost): they depend only on the
    string, the font, its size, the resolution, antialiasing and hinting.
    """
    hinting = get_hinting_flag()
    key = (s, prop, renderer.dpi, antialiased, hinting)
    try:
        return _text_images[key]
    except KeyError:
        pass
    font = renderer._prepare_font(prop)
    font.set_text(s, 0.0, flags=hinting)
    width, height = font.get_width_height()
    font.draw_glyphs_to_bitmap(antialiased=antialiased)
    xo, yo = font.get_bitmap_offset()
    # a copy of the bitmap: the font's buffer is reused by its next text
    entry = np.array(font), width / 64.0, height / 64.0, font.get_descent() / 64.0, xo / 64.0, yo / 64.0
    if len(_text_images) >= TEXT_IMAGES_KEPT:
        _text_images.pop(next(iter(_text_images)), None)  # threads (thread mode) may evict at once
    _text_images[(s, prop.copy(), renderer.dpi, antialiased, hinting)] = entry
    return entry


def _measure_text_cached(renderer: RendererAgg, s, prop, ismath):
    """``RendererAgg.get_text_width_height_descent`` for plain text through :func:`_text_image` (the
    bitmap made while measuring is the one drawn later)."""
    if ismath:
        return RendererAgg.get_text_width_height_descent(renderer, s, prop, ismath)
    _image, width, height, descent, _xo, _yo = _text_image(renderer, s, prop, mpl.rcParams["text.antialiased"])
    return width, height, descent


def _draw_text_cached(renderer: RendererAgg, gc, x, y, s, prop, angle, ismath=False, mtext=None) -> None:
    """``RendererAgg.draw_text`` for plain text: the kept bitmap of :func:`_text_image` blitted at the
    offsets matplotlib computes (the same pixels)."""
    if ismath:
        return RendererAgg.draw_text(renderer, gc, x, y, s, prop, angle, ismath, mtext)
    image, _w, _h, d, xo, yo = _text_image(renderer, s, prop, gc.get_antialiased())
    x = round(x + xo + d * sin(radians(angle)))
    y = round(y + yo + d * cos(radians(angle)))
    renderer._renderer.draw_text_image(image, x, y + 1, angle, gc)


PAD_PX = 0.08 * DPI  #: space around the figure's edges and between title, legend and axes
PT_PX = DPI / 72  #: pixels per point
TICK_PAD_PT = 3.5  #: matplotlib's default tick label pad and major tick length
LABEL_PAD_PT = 4.0  #: matplotlib's default axis label pad


def _text_px(renderer, text: str, prop: FontProperties) -> tuple[float, float]:
    """(width, height) in pixels of one line of plain text (through matplotlib's text metrics
    cache, so that drawing the same text later does not measure it again)."""
    width, height, _descent = _get_text_metrics_with_cache(renderer, text, prop, False, DPI)
    return width, height


def _line_px(renderer, prop: FontProperties) -> float:
    """Height of one line of text in ``prop`` (matplotlib sizes a line by "lp")."""
    return _text_px(renderer, "lp", prop)[1]


def _fit(fig: Figure, ax, *, left_labels: Sequence[str] = (), left_ticks: bool = False,
         ylabel: bool = False, bare: bool = False) -> None:
    """Place ``ax`` so that the title, the legend above the axes, the tick labels and the axis
    labels fit inside the figure with :data:`PAD_PX` around them (what constrained layout did, in one
    cheap pass: only the strings whose size varies are measured).

    ``left_labels`` are the y tick labels (names or numbers), ``left_ticks`` whether the y axis has
    tick marks, ``ylabel`` whether it has a label; a ``bare`` axes (no axis) fills the space below the title.
    """
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    top = height - PAD_PX
    title = fig._suptitle
    if title is not None:
        title.set_y(top / height)
        top -= title.get_window_extent(renderer).height + PAD_PX
    legend = ax.get_legend()
    if legend is None:
        legend = next((a for a in ax.artists if isinstance(a, _LegendStamp)), None)
    if legend is not None:
        top -= legend.get_window_extent(renderer).height + LEGEND_PAD * SMALL_PT * PT_PX
    if bare:
        ax.set_position([0, PAD_PX / height, 1, (top - PAD_PX) / height])
        return
    bottom = PAD_PX
    if ax.get_xlabel():
        bottom += _line_px(renderer, _font(SMALL_PT)) + LABEL_PAD_PT * PT_PX
    bottom += _line_px(renderer, _font(BASE_PT)) + 2 * TICK_PAD_PT * PT_PX
    left = PAD_PX + TICK_PAD_PT * PT_PX * (2 if left_ticks else 1)
    if left_labels:
        left += max(_text_px(renderer, text, _font(BASE_PT))[0] for text in left_labels)
    if ylabel:
        left += _line_px(renderer, _font(SMALL_PT)) + LABEL_PAD_PT * PT_PX
    lo, hi = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if lo - 1e-9 <= t <= hi + 1e-9]
    last = ax.xaxis.get_major_formatter().format_ticks(ticks)[-1] if ticks else ""
    right = PAD_PX + (_text_px(renderer, last, _font(BASE_PT))[0] / 2 if last else 0)
    ax.set_position([left / width, bottom / height, (width - left - right) / width, (top - bottom) / height])
    _flat_x_axis(ax, renderer)
    if left_ticks:
        _flat_y_axis(ax, renderer)
    if getattr(_local, "reuse", False):
        # nothing left for the axes' own drawing: both axes have no ticks and no label now (drawn flat),
        # and the white axes background lies on the white figure; skipping them leaves the same pixels
        ax.patch.set_visible(False)
        ax.xaxis.set_visible(False)
        ax.yaxis.set_visible(False)


def _flat_x_axis(ax, renderer) -> None:
    """Replace the x axis's Tick objects (each two labels, two tick lines and a grid line, created at
    draw time) by what they would draw: one grid-line collection, one line of tick marks, a text per
    label and the axis label, at matplotlib's default distances. Same ticks (the axis's own locator
    and formatter), same look, a fraction of the artists."""
    lo, hi = sorted(ax.get_xlim())
    locs = [float(x) for x in ax.get_xticks() if lo - 1e-9 <= x <= hi + 1e-9]
    labels = ax.xaxis.get_major_formatter().format_ticks(locs)
    gridded = ax.xaxis._major_tick_kw.get("gridOn", False)
    xlabel = ax.get_xlabel()
    ax.set_xticks([])
    ax.set_xlabel("")
    along = ax.get_xaxis_transform()  # x in data, y in axes coordinates
    if gridded:
        ax.add_collection(LineCollection([[(x, 0), (x, 1)] for x in locs], colors=GRID_COLOUR, linewidths=0.8,
                                         transform=along, zorder=0.5), autolim=False)
    ax.add_line(Line2D(locs, [0] * len(locs), transform=along, marker=TICKDOWN, linestyle="none",
                       markersize=TICK_PAD_PT, markeredgewidth=0.8, color=BLACK, clip_on=False))
    below = ScaledTranslation(0, -2 * TICK_PAD_PT / 72, ax.figure.dpi_scale_trans)
    font = _font(BASE_PT)
    for x, text in zip(locs, labels, strict=True):
        _text(ax, x, 0, text, transform=along + below, ha="center", va="top", fontproperties=font,
                clip_on=False, gid="xtick")
    if xlabel:
        drop = 2 * TICK_PAD_PT + LABEL_PAD_PT + _line_px(renderer, font) / PT_PX
        _text(ax, 0.5, 0, xlabel, transform=ax.transAxes + ScaledTranslation(0, -drop / 72, ax.figure.dpi_scale_trans),
                ha="center", va="top", fontproperties=_font(SMALL_PT), clip_on=False, gid="xlabel")


def _flat_y_axis(ax, renderer) -> None:
    """:func:`_flat_x_axis` for the y axis (the cumulative chart's numbers): grid lines, tick marks and
    labels drawn as matplotlib's left ticks would draw them, and the axis label where
    ``YAxis._update_label_position`` puts it (left of the widest tick label by the label pad)."""
    lo, hi = sorted(ax.get_ylim())
    locs = [float(y) for y in ax.get_yticks() if lo - 1e-9 <= y <= hi + 1e-9]
    labels = ax.yaxis.get_major_formatter().format_ticks(locs)
    gridded = ax.yaxis._major_tick_kw.get("gridOn", False)
    ylabel = ax.get_ylabel()
    ax.set_yticks([])
    ax.set_ylabel("")
    across = ax.get_yaxis_transform()  # x in axes, y in data coordinates
    if gridded:
        ax.add_collection(LineCollection([[(0, y), (1, y)] for y in locs], colors=GRID_COLOUR, linewidths=0.8,
                                         transform=across, zorder=0.5), autolim=False)
    ax.add_line(Line2D([0] * len(locs), locs, transform=across, marker=TICKLEFT, linestyle="none",
                       markersize=TICK_PAD_PT, markeredgewidth=0.8, color=BLACK, clip_on=False, zorder=0.5))
    left = ScaledTranslation(-2 * TICK_PAD_PT / 72, 0, ax.figure.dpi_scale_trans)
    font = _font(BASE_PT)
    # Text artists: the axis label is placed by their extents
    texts = [_text(ax, 0, y, text, transform=across + left, ha="right", va="center_baseline", fontproperties=font,
                   clip_on=False, gid="ytick", batch=False) for y, text in zip(locs, labels, strict=True)]
    if ylabel:
        spine_x0 = ax.transAxes.transform((0, 0))[0]
        x0 = min([spine_x0, *(t.get_window_extent(renderer).x0 for t in texts)])
        _text(ax, x0 - LABEL_PAD_PT * ax.figure.dpi / 72, 0.5, ylabel,
              transform=blended_transform_factory(IdentityTransform(), ax.transAxes), rotation="vertical",
              rotation_mode="anchor", ha="center", va="bottom", fontproperties=_font(SMALL_PT), clip_on=False,
              gid="ylabel")


#: the keyword arguments a text may have to be drawn by a :class:`_TextBatch` (one line, not rotated, not
#: clipped, no bbox: what the charts' names, values and tick labels are)
_BATCHABLE = frozenset({"transform", "ha", "va", "fontproperties", "clip_on", "gid", "color", "parse_math"})


def _text(ax, x, y, s, *, batch: bool = True, **kwargs) -> Text | None:
    """``ax.text(x, y, s, **kwargs)`` with one clip box per axes shared by its texts.

    ``Axes.text`` builds a new transformed box of the axes patch for every text (a fifth of building a
    30-person chart, for ~70 texts); the box is the same for all of them (and texts are not clipped
    unless ``clip_on=True``). Otherwise the same defaults and the same ``Text``.

    Inside :func:`_reusing` (charts encoded at once, nobody looks at the figure) a plain one-line text is
    not a ``Text`` at all but an entry of the axes' :class:`_TextBatch`, which draws it to the same pixels
    for a fraction of the cost; returns None then.
    """
    if (batch and getattr(_local, "reuse", False) and _BATCHABLE.issuperset(kwargs)
            and not kwargs.get("clip_on", False) and "fontproperties" in kwargs and "\n" not in s
            and (kwargs.get("parse_math") is False or "$" not in s)):
        batch_artist = ax.__dict__.get("_teamdesk_batch")
        if batch_artist is None:
            batch_artist = ax._teamdesk_batch = _TextBatch()
            ax.add_artist(batch_artist)
        batch_artist.items.append((x, y, s, kwargs["fontproperties"], kwargs.get("color"), kwargs.get("ha", "left"),
                                   kwargs.get("va", "baseline"), kwargs.get("transform", ax.transData)))
        return None
    text = Text(x, y, text=s, **{"verticalalignment": "baseline", "horizontalalignment": "left",
                                 "transform": ax.transData, "clip_on": False, **kwargs})
    box = ax.__dict__.get("_teamdesk_text_clip")
    if box is None:
        box = ax._teamdesk_text_clip = TransformedBbox(Bbox.unit(), ax.patch.get_transform())
    text.set_clip_box(box)
    ax._add_text(text)
    return text


class _TextBatch(Artist):
    """Many one-line, unrotated, unclipped texts of one axes, drawn in one pass to the pixels ``Text.draw``
    gives them.

    ``Text.draw`` spends most of a cached text's time outside the pixels: a context manager, the layout
    of a general multi-line rotated text (numpy arrays for four corners), font property hashing twice per
    text, a graphics context each. Here each entry's anchor goes through the same transform, its offset
    is ``Text._get_layout``'s arithmetic for one unrotated line (the same floating-point operations in the
    same order), and the kept glyph bitmap of :func:`_text_image` is blitted where ``_draw_text_cached``
    would blit it. ``tests/test_charts.py`` compares the PNGs with the ``Text`` rendering pixel for pixel.
    """

    zorder = 3  # Text's

    def __init__(self) -> None:
        super().__init__()
        #: (x, y, string, font properties, colour or None, ha, va, transform)
        self.items: list[tuple] = []

    def draw(self, renderer) -> None:
        if not self.get_visible() or not self.items:
            return
        antialiased = mpl.rcParams["text.antialiased"]
        default_colour = mpl.rcParams["text.color"]
        canvash = renderer.get_canvas_width_height()[1]
        draw_image = renderer._renderer.draw_text_image
        by_transform: dict[int, tuple[Any, list]] = {}
        for item in self.items:
            if item[2]:
                by_transform.setdefault(id(item[7]), (item[7], []))[1].append(item)
        gcs: dict = {}
        lp: dict = {}
        for transform, items in by_transform.values():
            points = transform.transform([(float(it[0]), float(it[1])) for it in items])
            for (_x, _y, s, prop, colour, ha, va, _t), (posx, posy) in zip(items, points, strict=True):
                if not (math.isfinite(posx) and math.isfinite(posy)):
                    continue
                lp_metrics = lp.get(id(prop))
                if lp_metrics is None:
                    lp_metrics = lp[id(prop)] = _text_image(renderer, "lp", prop, antialiased)[1:4]
                image, w, h, d, xo, yo = _text_image(renderer, s, prop, antialiased)
                # Text._get_layout for one line, rotation 0 (rotation_mode "default")
                line_h = max(h, lp_metrics[1])
                line_d = max(d, lp_metrics[2])
                baseline = line_h - line_d
                thisy = -(line_h - line_d)
                ymin = thisy - line_d
                height = 0.0 - ymin
                if ha == "center":
                    offsetx = (0.0 + w) / 2
                elif ha == "right":
                    offsetx = w
                else:
                    offsetx = 0.0
                if va == "center":
                    offsety = (ymin + 0.0) / 2
                elif va == "top":
                    offsety = 0.0
                elif va == "baseline":
                    offsety = ymin + line_d
                elif va == "center_baseline":
                    offsety = ymin + height - baseline / 2.0
                else:
                    offsety = ymin
                x = (0.0 - offsetx) + posx
                y = canvash - ((thisy - offsety) + posy)
                # _draw_text_cached at angle 0 (d * sin 0 = 0, d * cos 0 = d)
                gc = gcs.get(colour)
                if gc is None:
                    gc = gcs[colour] = renderer.new_gc()
                    gc.set_foreground(default_colour if colour is None else colour)
                    gc.set_alpha(None)
                    gc.set_antialiased(antialiased)
                draw_image(image, round(x + xo + 0.0), round(y + yo + d) + 1, 0.0, gc)
        for gc in gcs.values():
            gc.restore()
        self.stale = False


def _title(fig: Figure, title: str) -> None:
    wrapped = textwrap.fill(" ".join(title.split()), TITLE_WRAP_CHARS) if title else ""
    if wrapped:
        # a title carries names people typed (an account, a project): never mathtext ("Shop $x^$" would not render)
        fig.suptitle(wrapped, fontproperties=_font(TITLE_PT, weight="bold"), parse_math=False)


def _style_axes(ax, *, grid_axis: str = "x") -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=BASE_PT, labelfontfamily=FONT_FAMILY)
    ax.grid(axis=grid_axis, color=GRID_COLOUR, linewidth=0.8)
    ax.set_axisbelow(True)


def _name_axis(ax, names: Sequence[str]) -> list[str]:
    """Names left of the axes, first name on top, one row per name; returns the names shown.

    Drawn as plain texts where the y tick labels would be (one Text per row instead of a Tick with
    two labels, two tick lines and a grid line). Names are user text: ``$`` must not switch
    matplotlib to mathtext (``"x$^$y"`` would not render).
    """
    n = len(names)
    shown = [truncate_name(nm) for nm in names]
    ax.set_yticks([])
    ax.set_ylim(n - 0.5, -0.5)
    at = ax.get_yaxis_transform() + ScaledTranslation(-TICK_PAD_PT / 72, 0, ax.figure.dpi_scale_trans)
    font = _font(BASE_PT)
    for y, name in enumerate(shown):
        _text(ax, 0, y, name, transform=at, ha="right", va="center_baseline", fontproperties=font,
                parse_math=False, clip_on=False, gid="name")
    return shown


def _xlabel(ax, text: str) -> None:
    if text:
        ax.set_xlabel(text, fontproperties=_font(SMALL_PT))


def _legend(ax, handles: list) -> None:
    """Legend above the axes (below the title), right-aligned, never over the data.

    One row when it fits comfortably, otherwise three columns if they fit the figure, else two;
    ~12.6 px per character at SMALL_PT/150 dpi plus ~80 px per entry for the handle and spacing.
    """
    def width(ncols: int) -> float:  # matplotlib fills the legend column by column
        rows = -(-len(handles) // ncols)
        columns = [handles[i:i + rows] for i in range(0, len(handles), rows)]
        return sum(max(len(h.get_label()) for h in col) * 12.6 + 80 for col in columns)

    if width(len(handles)) <= 600:
        ncols = len(handles)
    else:
        ncols = 3 if len(handles) > 3 and width(3) <= 860 else 2
    options = {"loc": "lower right", "bbox_to_anchor": (1.0, 1.0), "borderaxespad": LEGEND_PAD, "ncols": ncols,
               "frameon": False, "prop": _font(SMALL_PT), "handlelength": 1.6, "columnspacing": 1.2}
    if not getattr(_local, "reuse", False):
        ax.legend(handles=handles, **options)
        return
    key = (ncols, *(_handle_key(h) for h in handles))
    size = _legend_sizes.get(key)
    if size is not None:  # drawn before in this worker: stamp its pixels (see _LegendStamp)
        ax.add_artist(_LegendStamp(key, size, handles, options))
    else:
        _add_legend(ax, handles, options, key)


#: the legend's distance from the axes, in font sizes
LEGEND_PAD = 0.3


def _handle_key(handle) -> tuple:
    """What a legend handle looks like (its entry's pixels depend on nothing else but the font)."""
    if isinstance(handle, Patch):
        return ("patch", handle.get_label(), tuple(handle.get_facecolor()), tuple(handle.get_edgecolor()),
                handle.get_linewidth(), handle.get_alpha())
    return ("line", handle.get_label(), str(handle.get_color()), handle.get_linestyle(), handle.get_linewidth(),
            str(handle.get_marker()), handle.get_markersize(), handle.get_markeredgewidth(),
            str(handle.get_drawstyle()))


#: legend key -> (width, height, x descent, y descent of its box; the height of its window extent)
_legend_sizes: dict[tuple, tuple[float, float, float, float, float]] = {}
#: (legend key, x offset mod 2, flipped y offset mod 2) -> (RGBA pixels, column and row of their corner
#: relative to the offset rounded down to even numbers)
_legend_images: dict[tuple, tuple[np.ndarray, int, int]] = {}
LEGEND_IMAGES_KEPT = 256


def _add_legend(ax, handles: list, options: dict, key: tuple | None) -> Legend:
    """``ax.legend(handles=handles, **options)``, remembering its pixels when it is drawn (for ``key``)."""
    legend = ax.legend_ = _CapturedLegend(ax, handles, [h.get_label() for h in handles], **options)
    legend._remove_method = ax._remove_legend
    legend.teamdesk_key = key
    return legend


def _legend_offset(ax, width: float, height: float, xdescent: float, ydescent: float, renderer) -> tuple[float, float]:
    """Where ``Legend._findoffset`` puts a "lower right" legend anchored at the axes' top right corner
    (the same calls, so the same floating-point result)."""
    parent = TransformedBbox(Bbox.from_bounds(1.0, 1.0, 0, 0), BboxTransformTo(ax.bbox))
    pad = LEGEND_PAD * renderer.points_to_pixels(SMALL_PT)
    x, y = offsetbox._get_anchored_bbox(Legend.codes["lower right"], Bbox.from_bounds(0, 0, width, height), parent,
                                        pad)
    return x + xdescent, y + ydescent


def _even_base(value: float) -> tuple[int, float]:
    """``value`` as an even integer and the rest in [0, 2): shifting a drawing by an even number of pixels
    moves every pixel by that much (Agg snaps with floor(x + 0.5); text positions are rounded half to even)."""
    rest = value % 2
    return int(value - rest), rest


class _CapturedLegend(Legend):
    """A legend that, drawn inside :func:`_reusing`, keeps its pixels for :class:`_LegendStamp`."""

    teamdesk_key: tuple | None = None

    def draw(self, renderer) -> None:
        super().draw(renderer)
        key = self.teamdesk_key
        if key is None or not self.get_visible():
            return
        box = self._legend_box
        bbox = box.get_bbox(renderer)
        offset = box.get_offset(bbox, renderer)
        size = (bbox.width, bbox.height, -bbox.x0, -bbox.y0)
        if tuple(offset) != _legend_offset(self.axes, *size, renderer):
            return  # placed some other way: not stamped
        extent = self.get_window_extent(renderer)
        width, height = renderer.get_canvas_width_height()
        c0, c1 = max(math.floor(extent.x0) - 2, 0), min(math.ceil(extent.x1) + 2, int(width))
        r0, r1 = max(math.floor(height - extent.y1) - 2, 0), min(math.ceil(height - extent.y0) + 2, int(height))
        bx, fx = _even_base(offset[0])
        by, fy = _even_base(height - offset[1])
        if len(_legend_images) >= LEGEND_IMAGES_KEPT:
            _legend_images.pop(next(iter(_legend_images)), None)
        _legend_images[(key, fx, fy)] = (np.asarray(renderer.buffer_rgba())[r0:r1, c0:c1].copy(), c0 - bx, r0 - by)
        _legend_sizes[key] = (*size, extent.height)


class _LegendStamp(Artist):
    """A legend drawn before in this worker, put back as pixels.

    Its place is computed as ``Legend`` computes it (:func:`_legend_offset`); where the offset differs from
    the one drawn before by an even number of pixels in x and in y, every pixel of the legend moves by
    exactly that, so the kept pixels are copied there (the legend sits above the axes on the white
    background, nothing else is drawn there). Otherwise a real legend is drawn and kept in turn.
    """

    zorder = 5  # Legend's

    def __init__(self, key: tuple, size: tuple, handles: list, options: dict) -> None:
        super().__init__()
        self.key, self.size, self.handles, self.options = key, size, handles, options

    def get_window_extent(self, renderer=None) -> Bbox:
        """Only the height counts (see :func:`_fit`)."""
        return Bbox.from_bounds(0, 0, 0, self.size[4])

    def draw(self, renderer) -> None:
        ax = self.axes
        x, y = _legend_offset(ax, *self.size[:4], renderer)
        height = renderer.get_canvas_width_height()[1]
        bx, fx = _even_base(x)
        by, fy = _even_base(height - y)
        kept = _legend_images.get((self.key, fx, fy))
        canvas = np.asarray(renderer.buffer_rgba())
        if kept is not None:
            pixels, dc, dr = kept
            c0, r0 = bx + dc, by + dr
            if 0 <= c0 and 0 <= r0 and c0 + pixels.shape[1] <= canvas.shape[1] and r0 + pixels.shape[0] <= canvas.shape[0]:
                canvas[r0:r0 + pixels.shape[0], c0:c0 + pixels.shape[1]] = pixels
                self.stale = False
                return
        legend = _add_legend(ax, self.handles, self.options, self.key)
        legend.draw(renderer)
        self.stale = False


def _right_limit(max_value: float, longest_text: int, *, minimum: float = 1.0) -> float:
    """x-axis limit leaving room for a value label of ``longest_text`` characters.

    ``minimum`` is the smallest data range shown: 1 unit for counts; small for rates, so that values
    up to 0.35 use the axis width rather than a third of it.
    """
    max_value = max(float(max_value), minimum)
    # ~14 px per character (digits) at SMALL_PT/150 dpi, on an axes ~650 px wide.
    frac = min(0.5, (longest_text * 14 + 16) / 650)
    return max_value / (1 - frac)


def _hbars(ax, ys: Sequence[float], widths: Sequence[float], height: float, *, left: float = 0.0,
           **style: Any) -> PolyCollection:
    """Horizontal bars as one collection (one artist instead of one Rectangle per bar)."""
    h = height / 2
    verts = [((left, y - h), (left, y + h), (left + w, y + h), (left + w, y - h))
             for y, w in zip(ys, widths, strict=True)]
    bars = PolyCollection(verts, closed=True, **style)
    ax.add_collection(bars, autolim=False)
    return bars


#: zlib level of the PNGs: 1 encodes ~3× faster than the default 6 for ~1.2× the bytes (a
#: 30-person chart: ~250 KiB); the pixels are the same
PNG_COMPRESS_LEVEL = 1
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

try:  # optional: ISA-L's deflate (package ``isal``) makes the same zlib stream format ~6× faster than
    # zlib's level 1 on a chart, and smaller (a 30-person chart: 2.4 vs 15 ms, 269 vs 286 KiB)
    from isal import isal_zlib as _isal_zlib
except ImportError:  # pragma: no cover - depends on the environment
    _isal_zlib = None
#: ISA-L's level (0–3): 1 is as fast as 0 and smaller
ISAL_LEVEL = 1


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _encode_png(rgba: memoryview, width: int, height: int) -> bytes:
    """An 8-bit RGBA PNG of the canvas, deflated straight from Agg's buffer.

    Rows are stored unfiltered (a zero filter byte before each row, fed to the compressor with the
    row itself: no copy of the image) at :data:`PNG_COMPRESS_LEVEL`: for charts (large flat areas) this
    is smaller than it sounds and ~3× faster than Pillow's adaptive filters at level 6. The alpha
    channel is opaque everywhere (white background); dropping it cost a strided copy of the whole
    image (about a third of the encoding time) for ~10% smaller files.
    """
    data = memoryview(rgba).cast("B")
    stride = width * 4
    if _isal_zlib is not None:
        # one call: the rows behind their filter bytes in one buffer (a copy of the image, ~1 ms)
        rows = np.empty((height, stride + 1), np.uint8)
        rows[:, 0] = 0  # filter type "None"
        rows[:, 1:] = np.frombuffer(data, np.uint8, height * stride).reshape(height, stride)
        parts = [_isal_zlib.compress(rows, ISAL_LEVEL)]
    else:
        compressor = zlib.compressobj(PNG_COMPRESS_LEVEL)
        compress = compressor.compress
        none = b"\0"  # filter type "None"
        parts = []
        for row in range(0, height * stride, stride):
            parts.append(compress(none))
            parts.append(compress(data[row:row + stride]))
        parts.append(compressor.flush())
    ppm = round(DPI / 0.0254)  # pixels per metre
    return b"".join((
        _PNG_SIGNATURE,
        _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
        _png_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
        _png_chunk(b"IDAT", b"".join(parts)),
        _png_chunk(b"IEND", b""),
    ))


def _to_png(fig: Figure) -> bytes:
    """Draw the figure once and encode the canvas.

    ``Figure.savefig`` would draw twice with a layout engine and encode RGBA through Pillow at
    level 6; the pixels are the same. No ``bbox_inches="tight"``: the pixel size must be exactly the
    figure size.
    """
    canvas = fig.canvas
    patch = fig.patch
    if getattr(_local, "reuse", False) and patch.get_visible() and patch.get_facecolor() == (1.0, 1.0, 1.0, 1.0):
        # the figure's background is opaque white over the whole canvas: start from a canvas filled with
        # it instead of clearing it (to transparent white) and then painting the background (same pixels)
        renderer = canvas.get_renderer()
        np.asarray(renderer.buffer_rgba()).fill(255)
        patch.set_visible(False)
        try:
            fig.draw(renderer)
        finally:
            patch.set_visible(True)
    else:
        canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    return _encode_png(canvas.buffer_rgba(), width, height)


def _no_data_figure(title: str, labels: Mapping[str, str] | None) -> Figure:
    lab = _labels(labels)
    fig = _new_figure(round(MIN_HEIGHT_IN * DPI))
    _title(fig, title)
    ax = fig.add_subplot()
    ax.set_axis_off()
    _text(ax,
        0.5,
        0.5,
        lab["no_data"],
        ha="center",
        va="center",
        color=GREY,
        fontproperties=_font(TITLE_PT),
        transform=ax.transAxes,
    )
    _fit(fig, ax, bare=True)
    return fig


# --- charts -----------------------------------------------------------------------
#: per-row chart figures kept per thread for reuse, by pixel height
ROWS_FIGURES_KEPT = 4


def _rows_figure(n: int, title: str) -> tuple[Figure, Any, list[int]]:
    """A figure tall enough for ``n`` rows, titled, with one styled axes; returns the row positions."""
    fig, ax = _styled_figure(rows_height_px(n), "x")
    _title(fig, title)
    return fig, ax, list(range(n))


def _styled_figure(height: int, grid_axis: str) -> tuple[Figure, Any]:
    """A figure ``height`` pixels tall with one axes styled by :func:`_style_axes`.

    Inside :func:`_reusing` (the PNG functions) a thread keeps its figure of each height and grid and
    clears it for the next chart instead of building a new figure and axes (an axes builds its ticks,
    spines and their text and line artists: about a tenth of a 30-person chart, a third of a cumulative one)."""
    kept = _local.__dict__.setdefault("rows_figures", {}) if getattr(_local, "reuse", False) else None
    key = (height, grid_axis)
    if kept is not None and key in kept:
        fig, ax = kept[key]
        _clear_rows_axes(fig, ax)
        return fig, ax
    fig = _new_figure(height)
    ax = fig.add_subplot()
    _style_axes(ax, grid_axis=grid_axis)
    if kept is not None:
        if len(kept) >= ROWS_FIGURES_KEPT:
            kept.pop(next(iter(kept)))
        kept[key] = fig, ax
    return fig, ax


def _clear_rows_axes(fig: Figure, ax) -> None:
    """Bring a used per-row chart back to what :func:`_rows_figure` builds: no title, no artists of
    the previous chart, no legend, the default tick locators and formatters (the charts set the limits,
    the ticks, the labels and the axes position themselves)."""
    for artist in [*ax.texts, *ax.collections, *ax.lines, *ax.patches, *ax.artists]:
        artist.remove()
    ax.__dict__.pop("_teamdesk_batch", None)
    if ax.legend_ is not None:
        ax.legend_.remove()
    if fig._suptitle is not None:
        fig._suptitle.remove()
        fig._suptitle = None
    ax.xaxis._set_scale("linear")
    ax.yaxis._set_scale("linear")
    # where a new axes stands: the tick locators pick their number of ticks by the axes' size, and the
    # charts read the ticks (to measure the last label) before placing the axes
    ax.set_position(ax.get_subplotspec().get_position(fig))


@contextlib.contextmanager
def _reusing() -> Iterator[None]:
    """Let :func:`_rows_figure` reuse this thread's figures (only for charts encoded at once: a figure
    returned by a ``*_figure`` function to a caller stays its own)."""
    _local.reuse = True
    try:
        yield
    finally:
        _local.reuse = False


def plan_vs_done_figure(
    people: Sequence[PersonBar], *, title: str, labels: Mapping[str, str] | None = None, final: bool = False
) -> Figure:
    """Build the :func:`plan_vs_done` figure (exposed for tests and previews)."""
    if not people:
        return _no_data_figure(title, labels)
    lab = _labels(labels)
    fig, ax, ys = _rows_figure(len(people), title)
    plans = [max(p.plan, 0) for p in people]
    dones = [max(p.done, 0) for p in people]
    if final:  # a finished month: the plan was met or it was not; nothing is "expected by today"
        statuses = [BEHIND if p.done < p.plan else AHEAD for p in people]
    else:
        statuses = [p.effective_status for p in people]

    _hbars(ax, ys, plans, 0.78, facecolor=SKY_BLUE, alpha=0.35, edgecolor=BLUE, linewidth=1.0)
    _hbars(ax, ys, dones, 0.42, facecolors=[STATUS_COLOURS[st] for st in statuses], linewidth=0)
    if not final:
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
    ends = [max(p.plan, p.done, 0 if final else p.expected, 0) for p in people]
    xmax = max(ends)
    right = _right_limit(xmax, max(len(t) for t in texts))
    pad = right * 0.012
    font = _font(SMALL_PT)
    for y, end, text in zip(ys, ends, texts, strict=True):
        _text(ax, end + pad, y, text, va="center", ha="left", fontproperties=font)
    ax.set_xlim(0, right)
    names = _name_axis(ax, [p.name for p in people])
    _xlabel(ax, lab["units"])

    handles: list = [Patch(facecolor=SKY_BLUE, alpha=0.35, edgecolor=BLUE, label=lab["plan"])]
    for st in STATUSES:  # say which colour means what, for the colours on the chart
        if st in statuses:
            handles.append(Patch(facecolor=STATUS_COLOURS[st], label=lab[f"final_{st}" if final else st]))
    if not final:
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
    _fit(fig, ax, left_labels=names)
    return fig


def plan_vs_done(
    people: Sequence[PersonBar], *, title: str, labels: Mapping[str, str] | None = None, final: bool = False
) -> bytes:
    """Horizontal plan-vs-done bars, one row per person in the given order.

    Plan is a light outlined bar, done a solid narrower bar inside it coloured by status
    (:data:`STATUS_COLOURS`: behind orange, on track blue, ahead green; the legend names each colour
    shown), expected-by-today a black tick; "done / plan" is printed at the end of each row.
    ``final=True`` is a finished month: no expected tick, and the colours mean "plan missed" / "plan
    met". Height grows by ``ROW_IN`` per person.
    Label keys: plan, behind, on_track, ahead, final_behind, final_ahead, expected, units, no_data.
    """
    with _reusing():
        return _to_png(plan_vs_done_figure(people, title=title, labels=labels, final=final))


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
    fig, ax = _styled_figure(round(CUMULATIVE_HEIGHT_IN * DPI), "both")
    _title(fig, title)

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
    lo, hi = ax.get_ylim()
    yticks = [t for t in ax.get_yticks() if lo - 1e-9 <= t <= hi + 1e-9]
    _fit(fig, ax, left_labels=ax.yaxis.get_major_formatter().format_ticks(yticks), left_ticks=True,
         ylabel=bool(lab["units"]))
    return fig


def cumulative(series: CumulativeSeries, *, title: str, labels: Mapping[str, str] | None = None) -> bytes:
    """Cumulative units per day vs the straight plan line, with a "today" marker.

    x ticks are day-of-month numbers (no month names, so nothing to translate).
    Label keys: done, plan, today, day, units, no_data. Fixed height 810 px.
    """
    with _reusing():
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
    _hbars(ax, ys, [max(v, 0.0) if v is not None else 0.0 for v in values], 0.6, facecolor=VERMILLION,
           linewidth=0)
    texts = [f"{v:.2f}" if v is not None else lab["na"] for v in values]
    xmax = max([v for v in values if v is not None] or [0.0])
    right = _right_limit(xmax, max(len(t) for t in texts), minimum=0.1)
    pad = right * 0.012
    for y, v, text in zip(ys, values, texts, strict=True):
        if v is None:
            _text(ax, pad, y, text, va="center", color=GREY, fontproperties=_font(SMALL_PT, style="italic"))
        else:
            _text(ax, max(v, 0.0) + pad, y, text, va="center", fontproperties=_font(SMALL_PT))
    ax.set_xlim(0, right)
    names = _name_axis(ax, [r.name for r in rows])
    _xlabel(ax, lab["rate_axis"])
    _fit(fig, ax, left_labels=names)
    return fig


def revisions_per_unit(
    rows: Sequence[RateBar], *, title: str, labels: Mapping[str, str] | None = None
) -> bytes:
    """Revisions per unit, one horizontal bar per person in the given order.

    ``value`` None prints ``labels["na"]`` instead of a bar.
    Label keys: rate_axis, na, no_data.
    """
    with _reusing():
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
    _hbars(ax, ys, [(a - 1.0) if a is not None else 0.0 for a in avgs], 0.6, left=1.0, facecolor=GREEN,
           linewidth=0)
    for y, row, a in zip(ys, rows, avgs, strict=True):
        count = lab["count"].format(count=row.count)
        if a is None or row.average is None:
            _text(ax,
                1.05,
                y,
                f"{lab['na']}  ({count})",
                va="center",
                color=GREY,
                fontproperties=_font(SMALL_PT, style="italic"),
            )
        elif a >= 3.3:  # long bar: label inside, right-aligned
            _text(ax,
                a - 0.05,
                y,
                f"{row.average:.2f}  ({count})",
                va="center",
                ha="right",
                color="white",
                fontproperties=_font(SMALL_PT, weight="bold"),
            )
        else:
            _text(ax, a + 0.05, y, f"{row.average:.2f}  ({count})", va="center", fontproperties=_font(SMALL_PT))
    ax.set_xlim(1, 5)
    ax.set_xticks([1, 2, 3, 4, 5])
    names = _name_axis(ax, [r.name for r in rows])
    _xlabel(ax, lab["rating_axis"])
    _fit(fig, ax, left_labels=names)
    return fig


def rating_averages(
    rows: Sequence[RatingBar], *, title: str, labels: Mapping[str, str] | None = None
) -> bytes:
    """Average peer rating per person on a 1–5 axis, "avg (count)" beside each bar.

    ``average`` None prints ``labels["na"]``. ``labels["count"]`` is a format string
    with ``{count}`` (e.g. "n={count}" or "оценок: {count}").
    Label keys: rating_axis, na, count, no_data.
    """
    with _reusing():
        return _to_png(rating_averages_figure(rows, title=title, labels=labels))


SMM_HEIGHT_IN = 5.0


def smm_weeks_figure(
    weeks: Sequence[tuple[str, int | None, float | None]], *, title: str, labels: Mapping[str, str] | None = None
) -> Figure:
    """Build the :func:`smm_weeks` figure (exposed for tests and previews)."""
    if not weeks or all(f is None and e is None for _, f, e in weeks):
        return _no_data_figure(title, labels)
    lab = _labels({"followers": "Followers", "er": "ER by reach, %", "missing": "no report"} | dict(labels or {}))
    fig = _new_figure(round(SMM_HEIGHT_IN * DPI))
    _title(fig, title)
    ax = fig.add_subplot()
    _style_axes(ax, grid_axis="y")
    xs = list(range(len(weeks)))
    ers = [e for _, _, e in weeks]
    ax.bar([x for x, e in zip(xs, ers, strict=True) if e is not None], [e for e in ers if e is not None],
           width=0.6, color=SKY_BLUE, label=lab["er"])
    top_er = max([e for e in ers if e is not None] or [1.0])
    ax.set_ylim(0, top_er * 1.25 or 1.0)
    ax.set_ylabel(lab["er"], fontproperties=_font(SMALL_PT))
    missing = [x for x, (_, f, e) in zip(xs, weeks, strict=True) if f is None and e is None]
    for x in missing:
        ax.axvspan(x - 0.4, x + 0.4, color=GRID_COLOUR, alpha=0.6, linewidth=0)
        ax.text(x, top_er * 0.05, lab["missing"], rotation=90, ha="center", va="bottom", color=GREY,
                fontproperties=_font(SMALL_PT, style="italic"))
    ax2 = ax.twinx()
    ax2.spines["top"].set_visible(False)
    ax2.tick_params(labelsize=BASE_PT, labelfontfamily=FONT_FAMILY)
    fx = [x for x, (_, f, _) in zip(xs, weeks, strict=True) if f is not None]
    fy = [f for _, f, _ in weeks if f is not None]
    if fy:
        ax2.plot(fx, fy, color=BLUE, linewidth=3, marker="o", markersize=5)
        spread = max(fy) - min(fy)
        pad = spread * 0.15 if spread else max(max(fy) * 0.05, 1)
        ax2.set_ylim(max(min(fy) - pad, 0), max(fy) + pad)
        ax2.annotate(f"{fy[-1]:,}".replace(",", " "), (fx[-1], fy[-1]), xytext=(-6, 8), textcoords="offset points",
                     ha="right", color=BLUE, fontproperties=_font(SMALL_PT, weight="bold"))
    ax.set_xticks(xs, labels=[w for w, _, _ in weeks])
    ax.set_xlim(-0.6, len(weeks) - 0.4)
    handles = [Line2D([], [], color=BLUE, linewidth=3, marker="o", label=lab["followers"]),
               Patch(color=SKY_BLUE, label=lab["er"])]
    _legend(ax, handles)
    fig.subplots_adjust(left=0.1, right=0.86, bottom=0.1, top=0.8)
    return fig


def smm_weeks(
    weeks: Sequence[tuple[str, int | None, float | None]], *, title: str, labels: Mapping[str, str] | None = None
) -> bytes:
    """An SMM account's weeks: followers as a line (right axis), engagement rate by reach (%) as bars (left
    axis); a week with no report is shaded and labelled ``labels["missing"]``.

    ``weeks``: (label, followers or None, ER % or None), oldest first. Label keys: followers, er, missing,
    no_data.
    """
    return _to_png(smm_weeks_figure(weeks, title=title, labels=labels))


#: the weekly SMM chart's bar colours by status (Okabe–Ito)
SMM_COLOURS: dict[str, str] = {SMM_UP: GREEN, SMM_DOWN: ORANGE, SMM_FELL: VERMILLION}


def smm_movers_figure(rows: Sequence[SmmBar], *, title: str, labels: Mapping[str, str] | None = None) -> Figure:
    """Build the :func:`smm_movers` figure (exposed for tests and previews)."""
    if not rows:
        return _no_data_figure(title, labels)
    lab = _labels({"er_now": "ER by reach, this week", "er_prev": "the week before", "missing": "no report",
                   "up": "ER up", "down": "ER down", "fell": "a fall over the threshold", "er_axis": "ER by reach, %"}
                  | dict(labels or {}))
    fig, ax, ys = _rows_figure(len(rows), title)
    now = [max(r.er or 0.0, 0.0) * 100 for r in rows]
    before = [max(r.er_prev or 0.0, 0.0) * 100 for r in rows]
    # the week before: a wide pale bar; the week: a narrow bar coloured by how it moved
    _hbars(ax, ys, before, 0.78, facecolor=SKY_BLUE, alpha=0.35, edgecolor=BLUE, linewidth=1.0)
    reported = [(y, w, r) for y, w, r in zip(ys, now, rows, strict=True) if r.status != SMM_MISSING]
    if reported:
        _hbars(ax, [y for y, _, _ in reported], [w for _, w, _ in reported], 0.42,
               facecolors=[SMM_COLOURS.get(r.status, BLUE) for _, _, r in reported], linewidth=0)
    texts = [lab["missing"] if r.status == SMM_MISSING else ("—" if r.er is None else f"{r.er * 100:.1f}%")
             for r in rows]
    right = _right_limit(max([*now, *before, 0.0]), max(len(x) for x in texts), minimum=1.0)
    pad = right * 0.012
    for y, r, w, b, text in zip(ys, rows, now, before, texts, strict=True):
        if r.status == SMM_MISSING:
            _text(ax, b + pad, y, text, va="center", color=GREY, fontproperties=_font(SMALL_PT, style="italic"))
        else:
            _text(ax, max(w, b) + pad, y, text, va="center", fontproperties=_font(SMALL_PT))
    ax.set_xlim(0, right)
    names = _name_axis(ax, [r.name for r in rows])
    _xlabel(ax, lab["er_axis"])
    handles: list = [Patch(facecolor=SKY_BLUE, alpha=0.35, edgecolor=BLUE, label=lab["er_prev"])]
    for status in (SMM_UP, SMM_DOWN, SMM_FELL):
        if any(r.status == status for r in rows):
            handles.append(Patch(facecolor=SMM_COLOURS[status], label=lab[status]))
    _legend(ax, handles)
    _fit(fig, ax, left_labels=names)
    return fig


def smm_movers(rows: Sequence[SmmBar], *, title: str, labels: Mapping[str, str] | None = None) -> bytes:
    """The weekly SMM section's chart: one row per account in the given order, its ER by reach this week (a bar
    coloured by status: up, down, a fall over the threshold) over the week before's (a pale bar), the value
    beside it; an account with no report shows ``labels["missing"]``. Label keys: er_prev, up, down, fell,
    missing, er_axis, no_data."""
    with _reusing():
        return _to_png(smm_movers_figure(rows, title=title, labels=labels))


def lead_funnel_figure(
    rows: Sequence[tuple[str, int, float | None]], *, title: str, labels: Mapping[str, str] | None = None
) -> Figure:
    """Build the :func:`lead_funnel` figure (exposed for tests and previews)."""
    if not rows or not any(n for _, n, _ in rows):
        return _no_data_figure(title, labels)
    lab = _labels(labels)
    fig, ax, ys = _rows_figure(len(rows), title)
    counts = [max(int(n), 0) for _, n, _ in rows]
    top = max(counts) or 1
    # each stage's bar is as long as its count, so the funnel narrows down the stages
    _hbars(ax, ys, counts, 0.7, left=0.0, facecolor=BLUE, linewidth=0)
    texts = [f"{n}" + (f"  ({r[2] * 100:.0f}%)" if r[2] is not None else "") for r, n in zip(rows, counts, strict=True)]
    right = _right_limit(top, max(len(x) for x in texts), minimum=1.0)
    pad = right * 0.012
    for y, n, label in zip(ys, counts, texts, strict=True):
        ax.text(n + pad, y, label, va="center", fontproperties=_font(SMALL_PT))
    ax.set_xlim(0, right)
    names = _name_axis(ax, [r[0] for r in rows])
    _xlabel(ax, lab["axis"])
    _fit(fig, ax, left_labels=names)
    return fig


def lead_funnel(
    rows: Sequence[tuple[str, int, float | None]], *, title: str, labels: Mapping[str, str] | None = None
) -> bytes:
    """The lead funnel: one bar per stage in funnel order (the leads that reached it), with the conversion
    from the previous stage beside it. Label keys: axis, no_data."""
    return _to_png(lead_funnel_figure(rows, title=title, labels=labels))


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
    # everything loaded so far (matplotlib, fonts) lives as long as the worker: keep it out of the
    # garbage collector's passes, which otherwise cost ~15% of a chart
    import gc

    gc.collect()
    gc.freeze()


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
    "smm_weeks": smm_weeks,
    "smm_movers": smm_movers,


    "lead_funnel": lead_funnel,
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
