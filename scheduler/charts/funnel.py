"""The lead funnel chart (``/funnel``): one bar per stage, the conversion from the stage before beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from .layout import _fit, _hbars, _name_axis, _no_data_figure, _right_limit, _rows_figure, _xlabel
from .png import _to_png
from .style import BLUE, SMALL_PT, _font, _labels


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
