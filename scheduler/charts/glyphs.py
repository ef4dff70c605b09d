"""Text drawn from bitmaps kept per worker: a string is laid out and rasterised once, then blitted.

:func:`reuse._reuse_renderer` installs :func:`_measure_text_cached` and :func:`_draw_text_cached` on the Agg
renderers it keeps; :class:`texts._TextBatch` blits the same bitmaps for its batched texts.
"""

from __future__ import annotations

from math import cos, radians, sin

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
from matplotlib.font_manager import FontProperties

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
