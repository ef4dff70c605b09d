"""The SMM charts: an account's weeks (``smm_weeks``) and the weekly section's movers (``smm_movers``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from scheduler.chart_data import SMM_DOWN, SMM_FELL, SMM_MISSING, SMM_UP, SmmBar

from .layout import (
    _fit,
    _hbars,
    _name_axis,
    _no_data_figure,
    _right_limit,
    _rows_figure,
    _style_axes,
    _title,
    _xlabel,
)
from .legend import _legend
from .png import _to_png
from .reuse import _new_figure, _reusing
from .style import (
    BASE_PT,
    BLUE,
    DPI,
    FONT_FAMILY,
    GREEN,
    GREY,
    GRID_COLOUR,
    ORANGE,
    SKY_BLUE,
    SMALL_PT,
    VERMILLION,
    _font,
    _labels,
)
from .texts import _text

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
