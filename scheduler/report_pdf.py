"""The monthly client report as an A4 PDF (one page unless its lists are long): pure rendering with matplotlib's PDF backend.

Input is plain data (strings already translated by the caller, numbers), output is PDF bytes. TrueType
fonts (DejaVu Sans, which ships with matplotlib and covers Cyrillic) are embedded as Type 42 with a
ToUnicode map, so the text is selectable and prints anywhere; no extra service is involved. Only the
object-oriented ``Figure`` API is used; the only ``rcParams`` entry touched is ``pdf.fonttype``, for the save.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib import rc_context
from matplotlib.backends.backend_pdf import FigureCanvasPdf, PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

FONT = "DejaVu Sans"
A4 = (8.27, 11.69)
BAR = "#0072B2"
LEFT, TOP, BOTTOM = 0.07, 0.95, 0.05  # page margins (figure fractions)
TITLE_STEP, LINE_STEP = 0.03, 0.022  # a title line (16 pt) and a text line (10.5 pt)
RIGHT = 0.95  # text is wrapped (measured in the font) to end before this
CHART = (0.1, 0.07, 0.85, 0.3)  # the chart at the bottom of a page...
CHART_TOP = 0.42  # ...needs the text to end above this (its own title included)
_MEASURE = TextToPath()


def _font(size: float, weight: str = "normal") -> FontProperties:
    return FontProperties(family=FONT, size=size, weight=weight)


def _wrap(text: str, font: FontProperties) -> list[str]:
    """``text`` in lines that fit between the margins, measured in ``font`` (words longer than a line are
    cut between letters)."""
    width = (RIGHT - LEFT) * A4[0] * 72  # points

    def fits(s: str) -> bool:
        return _MEASURE.get_text_width_height_descent(s, font, ismath=False)[0] <= width

    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:  # a word on its own line, cut where it no longer fits
            if fits(line + ch):
                line += ch
            else:
                lines.append(line)
                line = ch
    if line or not lines:
        lines.append(line)
    return lines


def _page() -> Figure:
    fig = Figure(figsize=A4)
    FigureCanvasPdf(fig)
    return fig


def render_client_report(title: str, lines: Sequence[str], chart_title: str, weeks: Sequence[tuple[str, int]],
                         *, subject: str = "", keywords: str = "") -> bytes:
    """``title`` on top, ``lines`` below it (plain text), then a bar chart of ``weeks`` ((label, units)). One
    A4 page; every line is kept: when they do not fit above the chart they go on (and the chart with them) to
    a further page."""
    pages = [_page()]
    fig, y = pages[0], TOP
    for part in _wrap(title, _font(16, "bold")):
        fig.text(LEFT, y, part, fontproperties=_font(16, "bold"), va="top", parse_math=False)
        y -= TITLE_STEP
    y -= LINE_STEP
    for line in lines:
        for part in _wrap(line, _font(10.5)):
            if y - LINE_STEP < BOTTOM:
                fig, y = _page(), TOP
                pages.append(fig)
            fig.text(LEFT, y, part, fontproperties=_font(10.5), va="top", parse_math=False)
            y -= LINE_STEP
    if y < CHART_TOP:
        fig = _page()
        pages.append(fig)
    ax = fig.add_axes(CHART)
    labels = [w for w, _ in weeks]
    values = [n for _, n in weeks]
    ax.bar(range(len(values)), values, color=BAR)
    ax.set_xticks(range(len(values)), labels)
    for tick in ax.get_xticklabels() + ax.get_yticklabels():
        tick.set_fontproperties(_font(9))
    for i, v in enumerate(values):
        ax.text(i, v, str(v), ha="center", va="bottom", fontproperties=_font(9))
    ax.set_ylim(0, max([*values, 1]) * 1.2)
    ax.set_title(chart_title, fontproperties=_font(11, "bold"), parse_math=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    buf = io.BytesIO()
    # Type 42 (TrueType embedded, with a ToUnicode map) instead of Type 3; the one rcParam this sets only
    # concerns PDF output, and only while this file is written
    with rc_context({"pdf.fonttype": 42}), PdfPages(buf, metadata={
            "Title": title, "Subject": subject, "Keywords": keywords, "Creator": "teamdesk"}) as pdf:
        for page in pages:
            page.savefig(pdf, format="pdf")
    return buf.getvalue()
