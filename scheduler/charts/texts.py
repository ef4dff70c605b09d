"""Texts on a chart's axes: :func:`_text` (one shared clip box per axes) and, inside :func:`reuse._reusing`,
the batch artist that draws many one-line texts in one pass to the pixels ``Text.draw`` gives them."""

from __future__ import annotations

import math
from typing import Any

import matplotlib as mpl
from matplotlib.artist import Artist
from matplotlib.text import Text
from matplotlib.transforms import Bbox, TransformedBbox

from .glyphs import _text_image
from .reuse import _local

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
