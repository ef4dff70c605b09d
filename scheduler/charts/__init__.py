"""Phone-friendly PNG charts for digests.

Pure rendering: input is plain data (the frozen dataclasses of ``scheduler.chart_data``), output is PNG
bytes. This package imports only the standard library, matplotlib, numpy (and ``isal`` when installed), so
that it can be imported cheaply by chart worker processes (see ``scheduler.render_pool``) — do not import
aiogram, sqlalchemy, ``bot`` or ``handlers`` from here. Its modules, one job each:

* ``team``, ``smm``, ``funnel``: the charts (a ``*_figure`` function building the figure, exposed for
  tests and previews, and the PNG function the workers run);
* ``layout``: placing the axes, the flat axes, title, names, bars, the "no data" chart, per-row figures;
* ``texts``: texts on the axes and their batch artist; ``glyphs``: text bitmaps kept per worker;
* ``legend``: the legend and its stamping from kept pixels;
* ``reuse``: what a worker keeps between charts (renderers, figures) and the switch that allows it;
* ``png``: the PNG encoding (ISA-L's deflate, zlib without it);
* ``style``: sizes, fonts, colours, default labels; ``worker``: the workers' entry points.

The public names are re-exported here (importers use ``scheduler.charts``), and so are a few private ones
for their callers: ``_render``, ``_process_init``, ``_warm_up`` (the workers' entry points, called by
``scheduler.chart_data``; ``_RENDERERS`` lists the chart functions ``_render`` runs) and ``_to_png`` (the
PNG of a figure built by a ``*_figure`` function).

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
* The modules import each other relatively (``from .style import ...``), so that a revision of the
  package can be loaded under another name to compare its PNGs (``tests/test_charts_bytes.py``,
  ``bench/charts.py``).
"""

from __future__ import annotations

# the data classes live in a module without matplotlib, so that the bot process can build chart jobs
# without importing matplotlib (see scheduler/chart_data.py); they are re-exported here
from scheduler.chart_data import (
    AHEAD,
    BEHIND,
    ON_TRACK,
    STATUSES,
    CumulativeSeries,
    PersonBar,
    RateBar,
    RatingBar,
    SmmBar,
    png_size,
)

from .funnel import lead_funnel, lead_funnel_figure
from .png import _to_png as _to_png
from .smm import SMM_COLOURS, smm_movers, smm_movers_figure, smm_weeks, smm_weeks_figure
from .style import (
    BLACK,
    BLUE,
    CUMULATIVE_HEIGHT_IN,
    DEFAULT_LABELS,
    DPI,
    GREEN,
    GREY,
    MAX_NAME_CHARS,
    ORANGE,
    PURPLE,
    ROW_IN,
    SKY_BLUE,
    STATUS_COLOURS,
    VERMILLION,
    WIDTH_PX,
    YELLOW,
    rows_height_px,
    truncate_name,
)
from .team import (
    cumulative,
    cumulative_figure,
    plan_vs_done,
    plan_vs_done_figure,
    rating_averages,
    rating_averages_figure,
    revisions_per_unit,
    revisions_per_unit_figure,
)
from .worker import _RENDERERS as _RENDERERS
from .worker import _process_init as _process_init
from .worker import _render as _render
from .worker import _warm_up as _warm_up

__all__ = [
    "AHEAD",
    "BEHIND",
    "BLACK",
    "BLUE",
    "CUMULATIVE_HEIGHT_IN",
    "DEFAULT_LABELS",
    "DPI",
    "GREEN",
    "GREY",
    "MAX_NAME_CHARS",
    "ON_TRACK",
    "ORANGE",
    "PURPLE",
    "ROW_IN",
    "SKY_BLUE",
    "SMM_COLOURS",
    "STATUSES",
    "STATUS_COLOURS",
    "VERMILLION",
    "WIDTH_PX",
    "YELLOW",
    "CumulativeSeries",
    "PersonBar",
    "RateBar",
    "RatingBar",
    "SmmBar",
    "cumulative",
    "cumulative_figure",
    "lead_funnel",
    "lead_funnel_figure",
    "plan_vs_done",
    "plan_vs_done_figure",
    "png_size",
    "rating_averages",
    "rating_averages_figure",
    "revisions_per_unit",
    "revisions_per_unit_figure",
    "rows_height_px",
    "smm_movers",
    "smm_movers_figure",
    "smm_weeks",
    "smm_weeks_figure",
    "truncate_name",
]
