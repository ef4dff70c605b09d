"""The chart worker's entry points (used through ``scheduler.chart_data`` by ``scheduler.render_pool``): the
process initializer, the warm-up, and the dispatcher of whitelisted chart functions."""

from __future__ import annotations

import sys
from collections.abc import Callable

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .funnel import lead_funnel
from .png import _to_png
from .smm import smm_movers, smm_weeks
from .style import BASE_PT, DPI, SMALL_PT, TITLE_PT, _font
from .team import cumulative, plan_vs_done, rating_averages, revisions_per_unit


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
