"""The ``/trend`` chart: matching articles per day, as a PNG.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no global figure state),
so charts can be rendered concurrently in the engine's worker threads.
"""

from __future__ import annotations

import io
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from retrieval.results import Trend

# Size in inches and resolution: 1000 x 450 pixels, readable inline in Discord.
FIGURE_SIZE = (10.0, 4.5)
DPI = 100
BAR_COLOUR = "#5865F2"  # Discord blurple
PEAK_COLOUR = "#ED4245"
# Peak days highlighted in the chart (the same ones the reply cites).
PEAKS_HIGHLIGHTED = 3
# At most this many date labels along the x axis.
MAX_TICKS = 12


def render_trend_png(trend: Trend) -> bytes:
    """A bar chart of ``trend.days`` with the busiest days highlighted."""
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    days = [date.fromisoformat(d.day) for d in trend.days]
    counts = [d.count for d in trend.days]
    busiest = sorted(range(len(counts)), key=lambda i: (-counts[i], i))[:PEAKS_HIGHLIGHTED]
    colours = [
        PEAK_COLOUR if i in busiest and counts[i] else BAR_COLOUR for i in range(len(counts))
    ]
    axes.bar(range(len(days)), counts, color=colours, width=0.8)
    step = max(1, len(days) // MAX_TICKS)
    ticks = list(range(0, len(days), step))
    axes.set_xticks(ticks, [days[i].strftime("%b %d") for i in ticks], rotation=45, ha="right")
    axes.set_ylabel("matching articles")
    axes.set_title("Articles per day (UTC)", parse_math=False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
