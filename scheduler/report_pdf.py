"""The monthly client report as a one-page A4 PDF: pure rendering with matplotlib's PDF backend.

Input is plain data (strings already translated by the caller, numbers), output is PDF bytes. TrueType
fonts (DejaVu Sans, which ships with matplotlib and covers Cyrillic) are embedded as Type 42 with a
ToUnicode map, so the text is selectable and prints anywhere; no extra service is involved. Only the
object-oriented ``Figure`` API is used; the only ``rcParams`` entry touched is ``pdf.fonttype``, for the save.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from matplotlib import rc_context
from matplotlib.backends.backend_pdf import FigureCanvasPdf, PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

FONT = "DejaVu Sans"
A4 = (8.27, 11.69)
BAR = "#0072B2"


def _font(size: float, weight: str = "normal") -> FontProperties:
    return FontProperties(family=FONT, size=size, weight=weight)


def render_client_report(title: str, lines: Sequence[str], chart_title: str, weeks: Sequence[tuple[str, int]],
                         *, subject: str = "", keywords: str = "") -> bytes:
    """``title`` on top, ``lines`` below it (plain text), then a bar chart of ``weeks`` ((label, units))."""
    fig = Figure(figsize=A4)
    FigureCanvasPdf(fig)
    fig.text(0.07, 0.95, textwrap.fill(title, 60), fontproperties=_font(16, "bold"), va="top")
    y = 0.90
    for line in lines:
        for part in textwrap.wrap(line, 90) or [""]:
            fig.text(0.07, y, part, fontproperties=_font(10.5), va="top")
            y -= 0.022
        if y < 0.45:
            break
    ax = fig.add_axes((0.1, 0.07, 0.85, 0.3))
    labels = [w for w, _ in weeks]
    values = [n for _, n in weeks]
    ax.bar(range(len(values)), values, color=BAR)
    ax.set_xticks(range(len(values)), labels)
    for tick in ax.get_xticklabels() + ax.get_yticklabels():
        tick.set_fontproperties(_font(9))
    for i, v in enumerate(values):
        ax.text(i, v, str(v), ha="center", va="bottom", fontproperties=_font(9))
    ax.set_ylim(0, max([*values, 1]) * 1.2)
    ax.set_title(chart_title, fontproperties=_font(11, "bold"))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    buf = io.BytesIO()
    # Type 42 (TrueType embedded, with a ToUnicode map) instead of Type 3; the one rcParam this sets only
    # concerns PDF output, and only while this file is written
    with rc_context({"pdf.fonttype": 42}), PdfPages(buf, metadata={
            "Title": title, "Subject": subject, "Keywords": keywords, "Creator": "teamdesk"}) as pdf:
        fig.savefig(pdf, format="pdf")
    return buf.getvalue()
