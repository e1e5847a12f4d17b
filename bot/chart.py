"""A small PNG of under- and over-billed money per month, for the digest's thread.

    png = chart.money_by_month([("2026-09", Decimal("1200"), Decimal("300")), …])

Drawn with matplotlib's Agg backend (no display, safe in any thread that holds `_LOCK`:
pyplot's state is global, so one chart is drawn at a time).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot

from reconcile.schedule.digest import MonthMoney as Month

_LOCK = threading.Lock()
UNDER_COLOUR, OVER_COLOUR = "#d9534f", "#f0ad4e"  # the cards' red and yellow



def money_by_month(months: Sequence[Month], *, currency: str = "$") -> bytes:
    """Grouped bars, one pair per period, oldest on the left; PNG bytes about 640×300 px."""
    labels = [period for period, _, _ in months]
    under = [float(u) for _, u, _ in months]
    over = [float(o) for _, _, o in months]
    positions = list(range(len(labels)))
    with _LOCK:
        figure, axes = pyplot.subplots(figsize=(6.4, 3.0), dpi=100)
        try:
            width = 0.38
            axes.bar([p - width / 2 for p in positions], under, width, label="Under-billed (lost revenue)",
                     color=UNDER_COLOUR)
            axes.bar([p + width / 2 for p in positions], over, width, label="Over-billed", color=OVER_COLOUR)
            axes.set_xticks(positions, labels)
            axes.set_ylabel(f"{currency} per month")
            axes.set_title("Money at stake, month by month")
            axes.yaxis.set_major_formatter(lambda value, _: f"{currency}{value:,.0f}")
            axes.spines[["top", "right"]].set_visible(False)
            axes.legend(frameon=False, fontsize="small")
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", metadata={"Software": None})
            return buffer.getvalue()
        finally:
            pyplot.close(figure)
