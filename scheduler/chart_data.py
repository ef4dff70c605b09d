"""Chart input data and the chart workers' entry points — without matplotlib.

The bot process builds chart *jobs* from these frozen dataclasses and hands them to
:class:`scheduler.render_pool.ChartRenderer`; only the worker (a process, or a thread in
``CHART_MODE=thread``) imports :mod:`scheduler.charts` and therefore matplotlib, numpy and PIL.
This module imports the standard library only: importing the bot must never load matplotlib
(``tests/test_charts.py::test_bot_does_not_import_matplotlib``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import date

__all__ = [
    "AHEAD",
    "BEHIND",
    "ON_TRACK",
    "STATUSES",
    "CumulativeSeries",
    "PersonBar",
    "RateBar",
    "RatingBar",
    "SmmBar",
    "png_size",
    "process_init",
    "render",
    "warm_up",
]

#: a person's status on the plan-vs-done chart (the bar's colour; see ``scheduler.charts``)
BEHIND, ON_TRACK, AHEAD = "behind", "on_track", "ahead"
STATUSES = (BEHIND, ON_TRACK, AHEAD)


@dataclass(frozen=True, slots=True)
class PersonBar:
    """One row of ``plan_vs_done``: monthly plan, units done, expected by today.

    ``status`` (:data:`BEHIND`, :data:`ON_TRACK`, :data:`AHEAD`) colours the done bar; empty means
    "derive it": behind when ``done < expected``, ahead when the plan is met, else on track.
    """

    name: str
    plan: int
    done: int
    expected: float
    status: str = ""

    @property
    def effective_status(self) -> str:
        if self.status in STATUSES:
            return self.status
        if self.done < self.expected:
            return BEHIND
        if self.plan > 0 and self.done >= self.plan:
            return AHEAD
        return ON_TRACK


@dataclass(frozen=True, slots=True)
class CumulativeSeries:
    """Input of ``cumulative``.

    ``days`` are the x-axis days in order (normally every day, or every working day,
    of the month). ``cumulative_done[i]`` is the running total at the end of
    ``days[i]``; it may be shorter than ``days`` (days that have not happened yet).
    The plan line runs straight from 0 before ``days[0]`` to ``plan_total`` at the
    end of ``days[-1]``. ``today`` (optional) draws a vertical marker.
    """

    days: list[date]
    cumulative_done: list[int]
    plan_total: int
    today: date | None = None


@dataclass(frozen=True, slots=True)
class RateBar:
    """One row of ``revisions_per_unit``; ``value`` None means "no units"."""

    name: str
    value: float | None


@dataclass(frozen=True, slots=True)
class RatingBar:
    """One row of ``rating_averages``; ``average`` on a 1–5 scale or None."""

    name: str
    average: float | None
    count: int


#: an account's bar on the weekly SMM chart (``scheduler.charts.smm_movers``): the colour says how its ER moved
SMM_UP, SMM_DOWN, SMM_FELL, SMM_MISSING = "up", "down", "fell", "missing"
SMM_STATUSES = (SMM_UP, SMM_DOWN, SMM_FELL, SMM_MISSING)


@dataclass(frozen=True, slots=True)
class SmmBar:
    """One account of the weekly SMM section's chart: its ER by reach in the week and the week before (shares;
    None: not defined). ``status``: :data:`SMM_UP` / :data:`SMM_DOWN` (ER rose / fell or stayed),
    :data:`SMM_FELL` (ER, reach or followers fell by more than ``SMM_DROP_SHARE``), :data:`SMM_MISSING` (no
    report: no bar, the label ``labels["missing"]``)."""

    name: str
    er: float | None
    er_prev: float | None
    status: str


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels read from the PNG IHDR header."""
    if len(data) < 24 or data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --- worker entry points: matplotlib is imported here, in the worker, on first use --------------
#: the monthly client report's PDF (:mod:`scheduler.report_pdf`), rendered by the same workers
CLIENT_REPORT_PDF = "client_report_pdf"


def render(fn_name: str, args: tuple, kwargs: dict) -> bytes:
    """Run a whitelisted chart function of :mod:`scheduler.charts` (in a worker), or the client report's
    PDF (:data:`CLIENT_REPORT_PDF`)."""
    if fn_name == CLIENT_REPORT_PDF:
        from scheduler import report_pdf

        return report_pdf.render_client_report(*args, **kwargs)
    from scheduler import charts

    return charts._render(fn_name, args, kwargs)


def process_init() -> None:
    """Initializer of a chart worker process (lower priority, fonts warmed up)."""
    from scheduler import charts

    charts._process_init()


def warm_up() -> None:
    """Initializer of a chart worker thread (``CHART_MODE=thread``)."""
    from scheduler import charts

    charts._warm_up()
