"""What a chart worker keeps between charts: the reuse switch (:func:`_reusing`, set by the PNG functions
only), the Agg renderers per figure size and thread (with them matplotlib's text metrics), new figures."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .glyphs import _draw_text_cached, _measure_text_cached
from .style import DPI, WIDTH_IN


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


@contextlib.contextmanager
def _reusing() -> Iterator[None]:
    """Let :func:`_rows_figure` reuse this thread's figures (only for charts encoded at once: a figure
    returned by a ``*_figure`` function to a caller stays its own)."""
    _local.reuse = True
    try:
        yield
    finally:
        _local.reuse = False
