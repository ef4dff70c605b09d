import asyncio
import dataclasses
import pickle
import subprocess
import sys
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path

import pytest
from matplotlib.text import Text

from scheduler import charts
from scheduler.charts import (
    WIDTH_PX,
    CumulativeSeries,
    PersonBar,
    RateBar,
    RatingBar,
    png_size,
    rows_height_px,
    truncate_name,
)
from scheduler.charts import legend as chart_legend
from scheduler.render_pool import ChartRenderer

ROOT = Path(__file__).resolve().parent.parent
PNG_SIG = b"\x89PNG\r\n\x1a\n"

RU = {
    "plan": "План",
    "done": "Сделано",
    "behind": "Отстаёт от темпа",
    "expected": "Ожидается к сегодняшнему дню",
    "units": "Единиц",
    "today": "Сегодня",
    "day": "День месяца",
    "rate_axis": "Правок на единицу",
    "rating_axis": "Средняя оценка",
    "na": "н/д",
    "count": "оценок: {count}",
    "no_data": "Нет данных",
}

FIRST = ["Александра", "Екатерина", "Константин", "Владимир", "Анастасия", "Ян"]
LAST = ["Константинопольская", "Салтыков-Щедрин", "Петров-Водкин", "Ким", "Иванова-Смирнова"]


def _name(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}"


def people(n: int) -> list[PersonBar]:
    return [PersonBar(_name(i), 20 + (i * 7) % 45, (i * 13) % 70, 12.5 + (i % 9)) for i in range(n)]


def month_series(done_days: int = 18) -> CumulativeSeries:
    days = [date(2025, 11, 1) + timedelta(i) for i in range(30)]
    cum, total = [], 0
    for i in range(done_days):
        total += (i * 5) % 9
        cum.append(total)
    return CumulativeSeries(days, cum, 200, days[done_days - 1])


def rates(n: int) -> list[RateBar]:
    return [RateBar(_name(i), None if i % 5 == 0 else (i % 7) / 3) for i in range(n)]


def ratings(n: int) -> list[RatingBar]:
    avgs = [None, 1.0, 1.7, 2.5, 3.3, 4.25, 5.0]
    return [RatingBar(_name(i), avgs[i % len(avgs)], 0 if i % 7 == 0 else 3 + i) for i in range(n)]


def assert_png(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIG
    w, h = png_size(data)
    assert w == WIDTH_PX == 1080
    return w, h


def assert_text_layout(fig) -> None:
    """Every visible text lies inside the figure and no two texts overlap."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    fw, fh = fig.canvas.get_width_height()
    not_drawn = set()  # tick labels outside the view limits exist but are not drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    not_drawn.update((tick.label1, tick.label2))
    boxes = []
    for t in fig.findobj(Text):
        if t in not_drawn or not t.get_visible() or not t.get_text().strip():
            continue
        bb = t.get_window_extent(renderer)
        if bb.width == 0 or bb.height == 0:
            continue
        assert bb.x0 >= -1 and bb.y0 >= -1 and bb.x1 <= fw + 1 and bb.y1 <= fh + 1, (
            f"text {t.get_text()!r} cut off: {bb} outside {fw}x{fh}"
        )
        boxes.append((t.get_text(), bb))
    assert boxes
    for (ta, a), (tb, b) in combinations(boxes, 2):
        overlap_w = min(a.x1, b.x1) - max(a.x0, b.x0)
        overlap_h = min(a.y1, b.y1) - max(a.y0, b.y0)
        assert overlap_w <= 0.5 or overlap_h <= 0.5, f"{ta!r} overlaps {tb!r}"


def shown_names(ax) -> list[str]:
    """The person names drawn left of a per-row chart, top to bottom."""
    return [t.get_text() for t in ax.texts if t.get_gid() == "name"]


def legend_labels(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def bar_colours(ax) -> list[str]:
    """Face colours (hex) of the narrow "done" bars, one per row."""
    from matplotlib.colors import to_hex

    return [to_hex(c) for c in ax.collections[1].get_facecolors()]


# --- data classes and helpers -------------------------------------------------------
def test_dataclasses_are_frozen_slotted_and_picklable():
    objs = [people(1)[0], month_series(), rates(2)[1], ratings(3)[2]]
    for obj in objs:
        assert not hasattr(obj, "__dict__")
        assert pickle.loads(pickle.dumps(obj)) == obj
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, dataclasses.fields(obj)[0].name, None)


def test_truncate_name():
    assert truncate_name("Иван Петров") == "Иван Петров"
    long = "Александра Константинопольская"
    cut = truncate_name(long)
    assert len(cut) == 22 and cut.endswith("…") and long.startswith(cut[:-1])
    assert truncate_name("  a \n b ") == "a b"


def test_png_size_rejects_garbage():
    with pytest.raises(ValueError):
        png_size(b"GIF89a" + b"\0" * 30)


# --- each chart ---------------------------------------------------------------------
@pytest.mark.parametrize("labels", [RU, None], ids=["ru", "default-en"])
def test_plan_vs_done(labels):
    data = charts.plan_vs_done(people(8), title="План и факт — ноябрь 2025", labels=labels)
    assert png_size(data) == (WIDTH_PX, rows_height_px(8))
    assert_png(data)


def test_plan_vs_done_40_long_cyrillic_names_grows_and_does_not_overlap():
    long_people = [
        PersonBar(f"Александра-Мария Константинопольская-Щедрина {i}", 60, i * 2, 30.0) for i in range(40)
    ]
    small = assert_png(charts.plan_vs_done(long_people[:10], title="План", labels=RU))
    big = assert_png(charts.plan_vs_done(long_people, title="План", labels=RU))
    assert big[1] > small[1] > 0
    assert big[1] - small[1] == pytest.approx(30 * charts.ROW_IN * charts.DPI, abs=2)
    fig = charts.plan_vs_done_figure(long_people, title="План и факт по команде за ноябрь 2025", labels=RU)
    names = shown_names(fig.axes[0])
    assert len(names) == 40 and all(len(n) <= 22 for n in names)
    assert names[0].endswith("…")
    assert_text_layout(fig)


def test_cumulative():
    data = charts.cumulative(month_series(), title="Накопительно за ноябрь", labels=RU)
    _, h = assert_png(data)
    assert h == round(charts.CUMULATIVE_HEIGHT_IN * charts.DPI)
    assert_text_layout(charts.cumulative_figure(month_series(), title="Накопительно", labels=RU))
    # whole month done, no today marker, short period
    days = [date(2025, 2, d) for d in range(1, 8)]
    s = CumulativeSeries(days, [1, 2, 3, 5, 8, 13, 21], 20, None)
    assert_png(charts.cumulative(s, title="Feb", labels=None))


def test_revisions_per_unit():
    assert_png(charts.revisions_per_unit(rates(12), title="Правки на единицу", labels=RU))
    assert_text_layout(charts.revisions_per_unit_figure(rates(40), title="Правки", labels=RU))


def test_rating_averages():
    assert_png(charts.rating_averages(ratings(12), title="Средние оценки", labels=RU))
    fig = charts.rating_averages_figure(ratings(40), title="Оценки", labels=RU)
    ax = fig.axes[0]
    assert ax.get_xlim() == (1.0, 5.0)
    assert [t.get_text() for t in ax.texts if t.get_gid() == "xtick"] == ["1", "2", "3", "4", "5"]
    texts = [t.get_text() for t in ax.texts]
    assert "н/д  (оценок: 0)" in texts and "4.25  (оценок: 8)" in texts
    assert_text_layout(fig)


@pytest.mark.parametrize(
    ("fn", "empty"),
    [
        ("plan_vs_done", []),
        ("cumulative", CumulativeSeries([], [], 0, None)),
        ("revisions_per_unit", []),
        ("rating_averages", []),
    ],
)
def test_empty_input_renders_no_data(fn, empty):
    data = getattr(charts, fn)(empty, title="Пусто", labels=RU)
    assert_png(data)
    fig = getattr(charts, f"{fn}_figure")(empty, title="Пусто", labels=RU)
    assert "Нет данных" in [t.get_text() for t in fig.findobj(Text)]


def test_output_is_deterministic():
    a = charts.plan_vs_done(people(5), title="x", labels=RU)
    b = charts.plan_vs_done(people(5), title="x", labels=RU)
    assert a == b


def test_dispatcher_whitelist():
    assert_png(charts._render("plan_vs_done", (people(3),), {"title": "t", "labels": RU}))
    with pytest.raises(ValueError, match="unknown chart"):
        charts._render("os.system", ("true",), {})


# --- import hygiene -----------------------------------------------------------------
def test_charts_module_imports_no_heavy_modules():
    code = (
        "import sys, scheduler.charts\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "{'aiogram', 'sqlalchemy', 'bot', 'handlers', 'models', 'matplotlib.pyplot'} "
        "or m == 'matplotlib.pyplot']\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# --- ChartRenderer ------------------------------------------------------------------
def _jobs() -> list[tuple[str, tuple, dict]]:
    return [
        ("plan_vs_done", (people(30),), {"title": "План", "labels": RU}),
        ("cumulative", (month_series(),), {"title": "Накопительно", "labels": RU}),
        ("revisions_per_unit", (rates(10),), {"title": "Правки", "labels": RU}),
        ("rating_averages", (ratings(10),), {"title": "Оценки", "labels": RU}),
    ]


@pytest.fixture(scope="module")
def process_renderer():
    import aiogram  # noqa: F401  # the parent has aiogram loaded, like the real bot

    renderer = ChartRenderer(max_workers=2, mode="process")
    renderer.start()
    yield renderer
    renderer.shutdown()


async def test_process_renderer_renders_concurrently(process_renderer):
    results = await process_renderer.render_many(_jobs())
    assert len(results) == 4
    for data in results:
        assert_png(data)
    # identical to in-process rendering
    expected = charts.plan_vs_done(people(30), title="План", labels=RU)
    assert results[0] == expected
    single = await process_renderer.render("rating_averages", ratings(3), title="R", labels=RU)
    assert_png(single)


async def test_process_workers_do_not_import_aiogram(process_renderer):
    assert "aiogram" in sys.modules  # parent
    # ask several times so that both workers are likely to answer
    answers = await asyncio.gather(*(process_renderer.worker_modules() for _ in range(4)))
    for mods in answers:
        assert "matplotlib" in mods
        assert not {m for m in mods if m.split(".")[0] in {"aiogram", "sqlalchemy", "bot", "handlers"}}
        assert "matplotlib.pyplot" not in mods


async def test_process_workers_yield_the_cpu_to_the_bot(process_renderer):
    import os

    worker = int(await process_renderer.render("_niceness"))
    assert worker >= os.nice(0) + 10 or worker == 19  # lower priority than the bot (19 is the floor)


async def test_process_renderer_unknown_chart(process_renderer):
    with pytest.raises(ValueError, match="unknown chart"):
        await process_renderer.render("nope")


async def test_thread_renderer_context_manager():
    async with ChartRenderer(max_workers=2, mode="thread") as renderer:
        results = await renderer.render_many(_jobs())
    assert [png_size(r)[0] for r in results] == [WIDTH_PX] * 4
    # concurrent threads give the same bytes as a single thread
    assert results[0] == charts.plan_vs_done(people(30), title="План", labels=RU)


def test_renderer_rejects_bad_mode():
    with pytest.raises(ValueError):
        ChartRenderer(mode="fork")


async def test_process_renderer_ready_logs_no_heavy_import_warning(process_renderer, caplog):
    with caplog.at_level("WARNING", logger="scheduler.render_pool"):
        await process_renderer.ready()
    assert not caplog.records


# --- what the charts say (issue 8 point 12) ----------------------------------------------
def test_plan_vs_done_colours_bars_by_status_and_names_each_colour():
    rows = [
        PersonBar("Behind", 40, 5, 20.0, charts.BEHIND),
        PersonBar("On track", 40, 20, 20.0, charts.ON_TRACK),
        PersonBar("Ahead", 40, 30, 20.0, charts.AHEAD),
    ]
    fig = charts.plan_vs_done_figure(rows, title="t", labels=RU | {"on_track": "В графике", "ahead": "Опережает"})
    ax = fig.axes[0]
    colours = bar_colours(ax)
    assert colours == [charts.STATUS_COLOURS[s].lower() for s in (charts.BEHIND, charts.ON_TRACK, charts.AHEAD)]
    assert len(set(colours)) == 3
    # Okabe–Ito (colour-blind-safe) colours only
    assert set(colours) <= {c.lower() for c in (charts.ORANGE, charts.BLUE, charts.GREEN, charts.SKY_BLUE,
                                                charts.VERMILLION, charts.YELLOW, charts.PURPLE)}
    legend = fig.axes[0].get_legend()
    by_label = {t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}
    from matplotlib.colors import to_hex

    for label, status in (("Отстаёт от темпа", charts.BEHIND), ("В графике", charts.ON_TRACK),
                          ("Опережает", charts.AHEAD)):
        assert to_hex(by_label[label].get_facecolor()) == charts.STATUS_COLOURS[status].lower()
    assert "Ожидается к сегодняшнему дню" in by_label
    assert_text_layout(fig)


def test_plan_vs_done_legend_only_names_colours_on_the_chart():
    fig = charts.plan_vs_done_figure([PersonBar("A", 10, 5, 5.0, charts.ON_TRACK)], title="t")
    assert legend_labels(fig) == ["Plan", "On track", "Expected by today"]
    # no status given: derived from done vs expected and the plan
    fig = charts.plan_vs_done_figure([PersonBar("A", 10, 2, 5.0), PersonBar("B", 10, 10, 5.0)], title="t")
    assert bar_colours(fig.axes[0]) == [charts.ORANGE.lower(), charts.GREEN.lower()]


def test_finished_month_chart_does_not_say_expected_by_today():
    rows = [PersonBar("Missed", 40, 30, 40.0), PersonBar("Met", 40, 41, 40.0)]
    fig = charts.plan_vs_done_figure(rows, title="Ноябрь", labels=RU, final=True)
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert RU["expected"] not in texts and "Expected by today" not in texts
    assert legend_labels(fig) == ["План", "Plan missed", "Plan met"]
    assert not [ln for ln in fig.axes[0].lines if ln.get_marker() == "|"]  # no expected-by-today ticks
    assert bar_colours(fig.axes[0]) == [charts.STATUS_COLOURS[charts.BEHIND].lower(),
                                        charts.STATUS_COLOURS[charts.AHEAD].lower()]
    assert_png(charts.plan_vs_done(rows, title="Ноябрь", labels=RU, final=True))


def test_revisions_axis_fits_small_values():
    rows = [RateBar("A", 0.35), RateBar("B", 0.1), RateBar("C", None)]
    fig = charts.revisions_per_unit_figure(rows, title="Правки", labels=RU)
    ax = fig.axes[0]
    left, right = ax.get_xlim()
    assert left == 0
    assert 0.35 / right >= 0.6  # the longest bar uses most of the width (it used a third)
    assert_text_layout(fig)
    # all zero: still a sensible small axis
    fig = charts.revisions_per_unit_figure([RateBar("A", 0.0)], title="t")
    assert 0 < fig.axes[0].get_xlim()[1] <= 0.5


# --- the PNG functions' fast drawing ---------------------------------------------------
def _pixels(png: bytes):
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_png_functions_give_the_pixels_of_the_figures():
    """plan_vs_done & co. draw texts through one batch artist, stamp legends drawn before from their
    kept pixels, reuse figures and skip the empty axes: the PNG must decode to exactly the pixels of the
    ``*_figure`` rendering (plain ``Text`` artists, a real legend, a new figure) — charts of several kinds
    and sizes after one another, the same ones again (legend stamps), final and not, with and without
    titles, empty."""
    cases = []
    for k in range(3):
        for n in (1, 5, 12, 30):
            for final in (False, True):
                cases.append(("plan_vs_done", (people(n + k),),
                              {"title": f"План {k}" if k else "", "labels": RU if k != 1 else None, "final": final}))
        cases.append(("cumulative", (month_series(10 + 4 * k),), {"title": "Накопительно", "labels": RU}))
        cases.append(("revisions_per_unit", (rates(4 + 5 * k),), {"title": "Правки", "labels": RU}))
        cases.append(("rating_averages", (ratings(4 + 5 * k),), {"title": "Оценки", "labels": RU}))
    cases.append(("plan_vs_done", ([],), {"title": "Пусто", "labels": RU}))
    cases += cases[:6]  # again: legends stamped, figures reused
    chart_legend._legend_images.clear()
    chart_legend._legend_sizes.clear()
    for fn, args, kwargs in cases:
        fast = _pixels(getattr(charts, fn)(*args, **kwargs))
        reference = _pixels(charts._to_png(getattr(charts, f"{fn}_figure")(*args, **kwargs)))
        assert fast.shape == reference.shape, (fn, kwargs)
        assert (fast == reference).all(), (fn, len(args[0]), kwargs, int((fast != reference).any(axis=2).sum()))
    assert chart_legend._legend_images  # the legends were kept (and stamped on the repeats)


def test_stamped_legend_is_the_drawn_one():
    """A chart drawn twice in a row: the second time the legend comes from the kept pixels."""
    chart_legend._legend_images.clear()
    chart_legend._legend_sizes.clear()
    first = charts.plan_vs_done(people(12), title="План", labels=RU)
    assert len(chart_legend._legend_sizes) == 1
    stamped = []
    real_draw = chart_legend._LegendStamp.draw

    def spy(self, renderer):
        stamped.append(self.key)
        return real_draw(self, renderer)

    chart_legend._LegendStamp.draw = spy
    try:
        second = charts.plan_vs_done(people(12), title="План", labels=RU)
    finally:
        chart_legend._LegendStamp.draw = real_draw
    assert stamped and (_pixels(first) == _pixels(second)).all()


# --- ChartMemo -----------------------------------------------------------------------
class _CountingRenderer:
    max_workers = 2

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[str] = []
        self.fail = fail

    async def render(self, name, *args, **kwargs) -> bytes:
        self.calls.append(name)
        await asyncio.sleep(0.01)
        if self.fail:
            raise RuntimeError("worker failed")
        return f"{name}:{args}:{sorted(kwargs.items())}".encode()


async def test_chart_memo_renders_equal_jobs_once():
    from scheduler.render_pool import ChartMemo

    renderer = _CountingRenderer()
    memo = ChartMemo(renderer)
    plan = ("plan_vs_done", (people(3),), {"title": "План", "labels": RU})
    cum = ("cumulative", (month_series(),), {"title": "Накопительно", "labels": RU})
    other = ("plan_vs_done", (people(4),), {"title": "План", "labels": RU})
    # two digests at once (a daily and a weekly of one scope) and a third later
    a, b = await asyncio.gather(memo.render_many([plan, cum]), memo.render_many([plan, cum]))
    c = await memo.render_many([other, plan])
    assert a == b and c[1] == a[0] and c[0] != a[0]
    assert sorted(renderer.calls) == ["cumulative", "plan_vs_done", "plan_vs_done"]
    assert (memo.rendered, memo.shared) == (3, 3)
    memo.prune(float("inf"))
    await memo.render_many([plan])
    assert len(renderer.calls) == 4


async def test_chart_memo_forgets_a_failed_render():
    from scheduler.render_pool import ChartMemo

    renderer = _CountingRenderer(fail=True)
    memo = ChartMemo(renderer)
    job = ("plan_vs_done", (people(3),), {"title": "План"})
    for _ in range(2):
        with pytest.raises(RuntimeError):
            await memo.render_many([job])
    assert len(renderer.calls) == 2
