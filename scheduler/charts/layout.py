"""Placing the axes and drawing the parts every chart shares: the fit of the axes (:func:`_fit`), the flat
x and y axes, the title, the name axis, the bars, the "no data" chart, and the per-row figures (kept per
thread inside :func:`reuse._reusing`)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.markers import TICKDOWN, TICKLEFT
from matplotlib.text import _get_text_metrics_with_cache
from matplotlib.transforms import IdentityTransform, ScaledTranslation, blended_transform_factory

from .legend import LEGEND_PAD, _LegendStamp
from .reuse import _local, _new_figure
from .style import (
    BASE_PT,
    BLACK,
    DPI,
    FONT_FAMILY,
    GREY,
    GRID_COLOUR,
    MIN_HEIGHT_IN,
    SMALL_PT,
    TITLE_PT,
    TITLE_WRAP_CHARS,
    _font,
    _labels,
    rows_height_px,
    truncate_name,
)
from .texts import _text

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


# --- per-row figures ------------------------------------------------------------
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
