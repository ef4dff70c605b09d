"""The legend above the axes and its stamping: a legend drawn before in this worker is put back as pixels."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import offsetbox
from matplotlib.artist import Artist
from matplotlib.legend import Legend
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox, BboxTransformTo, TransformedBbox

from .reuse import _local
from .style import SMALL_PT, _font


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
