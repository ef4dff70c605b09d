"""The digests' team charts: plan vs done, cumulative units, revisions per unit, average ratings."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from datetime import date

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from scheduler.chart_data import AHEAD, BEHIND, STATUSES, CumulativeSeries, PersonBar, RateBar, RatingBar

from .layout import (
    _fit,
    _hbars,
    _name_axis,
    _no_data_figure,
    _right_limit,
    _rows_figure,
    _styled_figure,
    _title,
    _xlabel,
)
from .legend import _legend
from .png import _to_png
from .reuse import _reusing
from .style import (
    BLACK,
    BLUE,
    CUMULATIVE_HEIGHT_IN,
    DPI,
    GREEN,
    GREY,
    ROW_IN,
    SKY_BLUE,
    SMALL_PT,
    STATUS_COLOURS,
    VERMILLION,
    _font,
    _labels,
)
from .texts import _text


def plan_vs_done_figure(
    people: Sequence[PersonBar], *, title: str, labels: Mapping[str, str] | None = None, final: bool = False
) -> Figure:
    """Build the :func:`plan_vs_done` figure (exposed for tests and previews)."""
    if not people:
        return _no_data_figure(title, labels)
    lab = _labels(labels)
    fig, ax, ys = _rows_figure(len(people), title)
    plans = [max(p.plan, 0) for p in people]
    dones = [max(p.done, 0) for p in people]
    if final:  # a finished month: the plan was met or it was not; nothing is "expected by today"
        statuses = [BEHIND if p.done < p.plan else AHEAD for p in people]
    else:
        statuses = [p.effective_status for p in people]

    _hbars(ax, ys, plans, 0.78, facecolor=SKY_BLUE, alpha=0.35, edgecolor=BLUE, linewidth=1.0)
    _hbars(ax, ys, dones, 0.42, facecolors=[STATUS_COLOURS[st] for st in statuses], linewidth=0)
    if not final:
        ax.plot(
            [p.expected for p in people],
            ys,
            linestyle="none",
            marker="|",
            markersize=ROW_IN * 72 * 0.8,
            markeredgewidth=3,
            color=BLACK,
        )

    texts = [f"{p.done} / {p.plan}" for p in people]
    ends = [max(p.plan, p.done, 0 if final else p.expected, 0) for p in people]
    xmax = max(ends)
    right = _right_limit(xmax, max(len(t) for t in texts))
    pad = right * 0.012
    font = _font(SMALL_PT)
    for y, end, text in zip(ys, ends, texts, strict=True):
        _text(ax, end + pad, y, text, va="center", ha="left", fontproperties=font)
    ax.set_xlim(0, right)
    names = _name_axis(ax, [p.name for p in people])
    _xlabel(ax, lab["units"])

    handles: list = [Patch(facecolor=SKY_BLUE, alpha=0.35, edgecolor=BLUE, label=lab["plan"])]
    for st in STATUSES:  # say which colour means what, for the colours on the chart
        if st in statuses:
            handles.append(Patch(facecolor=STATUS_COLOURS[st], label=lab[f"final_{st}" if final else st]))
    if not final:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="|",
                markersize=14,
                markeredgewidth=3,
                color=BLACK,
                label=lab["expected"],
            )
        )
    _legend(ax, handles)
    _fit(fig, ax, left_labels=names)
    return fig


def plan_vs_done(
    people: Sequence[PersonBar], *, title: str, labels: Mapping[str, str] | None = None, final: bool = False
) -> bytes:
    """Horizontal plan-vs-done bars, one row per person in the given order.

    Plan is a light outlined bar, done a solid narrower bar inside it coloured by status
    (:data:`STATUS_COLOURS`: behind orange, on track blue, ahead green; the legend names each colour
    shown), expected-by-today a black tick; "done / plan" is printed at the end of each row.
    ``final=True`` is a finished month: no expected tick, and the colours mean "plan missed" / "plan
    met". Height grows by ``ROW_IN`` per person.
    Label keys: plan, behind, on_track, ahead, final_behind, final_ahead, expected, units, no_data.
    """
    with _reusing():
        return _to_png(plan_vs_done_figure(people, title=title, labels=labels, final=final))


def _day_position(days: Sequence[date], day: date) -> float:
    """x position of the *end* of ``day`` on the cumulative chart (0 = period start)."""
    return float(bisect.bisect_right(days, day))


def cumulative_figure(
    series: CumulativeSeries, *, title: str, labels: Mapping[str, str] | None = None
) -> Figure:
    """Build the :func:`cumulative` figure (exposed for tests and previews)."""
    if not series.days:
        return _no_data_figure(title, labels)
    lab = _labels(labels)
    days = list(series.days)
    n = len(days)
    done = list(series.cumulative_done[:n])
    fig, ax = _styled_figure(round(CUMULATIVE_HEIGHT_IN * DPI), "both")
    _title(fig, title)

    plan_total = max(series.plan_total, 0)
    ax.plot([0, n], [0, plan_total], color=GREY, linestyle="--", linewidth=2, label=lab["plan"])
    handles = [Line2D([], [], color=GREY, linestyle="--", linewidth=2, label=lab["plan"])]
    if done:
        xs = list(range(len(done) + 1))
        ax.plot(xs, [0, *done], color=BLUE, linewidth=3, marker="o", markersize=4, drawstyle="default")
        ax.annotate(
            str(done[-1]),
            (xs[-1], done[-1]),
            xytext=(6, 6),
            textcoords="offset points",
            color=BLUE,
            fontproperties=_font(SMALL_PT, weight="bold"),
        )
        handles.insert(0, Line2D([], [], color=BLUE, linewidth=3, label=lab["done"]))
    ax.annotate(
        str(plan_total),
        (n, plan_total),
        xytext=(-4, 6),
        textcoords="offset points",
        ha="right",
        color=GREY,
        fontproperties=_font(SMALL_PT),
    )
    if series.today is not None and days[0] <= series.today <= days[-1]:
        x_today = _day_position(days, series.today)
        ax.axvline(x_today, color=VERMILLION, linewidth=2, linestyle=":")
        handles.append(Line2D([], [], color=VERMILLION, linewidth=2, linestyle=":", label=lab["today"]))

    step = 1 if n <= 10 else 5
    ticks = [i for i in range(1, n + 1) if (i - 1) % step == 0 or i == n]
    if n > 10 and len(ticks) >= 2 and ticks[-1] - ticks[-2] < 3:
        ticks.pop(-2)
    ax.set_xticks(ticks, labels=[str(days[i - 1].day) for i in ticks])
    ax.set_xlim(0, n + 0.3)
    top = max([plan_total, *done, 1])
    ax.set_ylim(0, top * 1.12)
    _xlabel(ax, lab["day"])
    if lab["units"]:
        ax.set_ylabel(lab["units"], fontproperties=_font(SMALL_PT))
    _legend(ax, handles)
    lo, hi = ax.get_ylim()
    yticks = [t for t in ax.get_yticks() if lo - 1e-9 <= t <= hi + 1e-9]
    _fit(fig, ax, left_labels=ax.yaxis.get_major_formatter().format_ticks(yticks), left_ticks=True,
         ylabel=bool(lab["units"]))
    return fig


def cumulative(series: CumulativeSeries, *, title: str, labels: Mapping[str, str] | None = None) -> bytes:
    """Cumulative units per day vs the straight plan line, with a "today" marker.

    x ticks are day-of-month numbers (no month names, so nothing to translate).
    Label keys: done, plan, today, day, units, no_data. Fixed height 810 px.
    """
    with _reusing():
        return _to_png(cumulative_figure(series, title=title, labels=labels))


def revisions_per_unit_figure(
    rows: Sequence[RateBar], *, title: str, labels: Mapping[str, str] | None = None
) -> Figure:
    """Build the :func:`revisions_per_unit` figure (exposed for tests and previews)."""
    if not rows:
        return _no_data_figure(title, labels)
    lab = _labels(labels)
    fig, ax, ys = _rows_figure(len(rows), title)
    values = [r.value for r in rows]
    _hbars(ax, ys, [max(v, 0.0) if v is not None else 0.0 for v in values], 0.6, facecolor=VERMILLION,
           linewidth=0)
    texts = [f"{v:.2f}" if v is not None else lab["na"] for v in values]
    xmax = max([v for v in values if v is not None] or [0.0])
    right = _right_limit(xmax, max(len(t) for t in texts), minimum=0.1)
    pad = right * 0.012
    for y, v, text in zip(ys, values, texts, strict=True):
        if v is None:
            _text(ax, pad, y, text, va="center", color=GREY, fontproperties=_font(SMALL_PT, style="italic"))
        else:
            _text(ax, max(v, 0.0) + pad, y, text, va="center", fontproperties=_font(SMALL_PT))
    ax.set_xlim(0, right)
    names = _name_axis(ax, [r.name for r in rows])
    _xlabel(ax, lab["rate_axis"])
    _fit(fig, ax, left_labels=names)
    return fig


def revisions_per_unit(
    rows: Sequence[RateBar], *, title: str, labels: Mapping[str, str] | None = None
) -> bytes:
    """Revisions per unit, one horizontal bar per person in the given order.

    ``value`` None prints ``labels["na"]`` instead of a bar.
    Label keys: rate_axis, na, no_data.
    """
    with _reusing():
        return _to_png(revisions_per_unit_figure(rows, title=title, labels=labels))


def rating_averages_figure(
    rows: Sequence[RatingBar], *, title: str, labels: Mapping[str, str] | None = None
) -> Figure:
    """Build the :func:`rating_averages` figure (exposed for tests and previews)."""
    if not rows:
        return _no_data_figure(title, labels)
    lab = _labels(labels)
    fig, ax, ys = _rows_figure(len(rows), title)
    # Bars start at the scale minimum 1, so the axis is exactly the 1–5 scale.
    avgs = [min(max(r.average, 1.0), 5.0) if r.average is not None else None for r in rows]
    _hbars(ax, ys, [(a - 1.0) if a is not None else 0.0 for a in avgs], 0.6, left=1.0, facecolor=GREEN,
           linewidth=0)
    for y, row, a in zip(ys, rows, avgs, strict=True):
        count = lab["count"].format(count=row.count)
        if a is None or row.average is None:
            _text(ax,
                1.05,
                y,
                f"{lab['na']}  ({count})",
                va="center",
                color=GREY,
                fontproperties=_font(SMALL_PT, style="italic"),
            )
        elif a >= 3.3:  # long bar: label inside, right-aligned
            _text(ax,
                a - 0.05,
                y,
                f"{row.average:.2f}  ({count})",
                va="center",
                ha="right",
                color="white",
                fontproperties=_font(SMALL_PT, weight="bold"),
            )
        else:
            _text(ax, a + 0.05, y, f"{row.average:.2f}  ({count})", va="center", fontproperties=_font(SMALL_PT))
    ax.set_xlim(1, 5)
    ax.set_xticks([1, 2, 3, 4, 5])
    names = _name_axis(ax, [r.name for r in rows])
    _xlabel(ax, lab["rating_axis"])
    _fit(fig, ax, left_labels=names)
    return fig


def rating_averages(
    rows: Sequence[RatingBar], *, title: str, labels: Mapping[str, str] | None = None
) -> bytes:
    """Average peer rating per person on a 1–5 axis, "avg (count)" beside each bar.

    ``average`` None prints ``labels["na"]``. ``labels["count"]`` is a format string
    with ``{count}`` (e.g. "n={count}" or "оценок: {count}").
    Label keys: rating_axis, na, count, no_data.
    """
    with _reusing():
        return _to_png(rating_averages_figure(rows, title=title, labels=labels))
