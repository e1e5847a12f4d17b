"""`/billrec metrics [INTEGRATION]` — twin of `billrec metrics`: what a check can compare, by its human name.

    /billrec metrics psa
    → `psa:billed:MW-01` Managed Workstation — 54 accounts · 612 units · $45.00
"""

from __future__ import annotations

from bot.commands.base import Invocation
from bot.views import lists
from bot.views.format import money, name, quantity, section
from reconcile.metrics import SyncedMetric


def show(inv: Invocation) -> None:
    words = inv.words()
    if len(words) > 1:
        inv.usage("metrics [INTEGRATION]")
    inv.ack()
    inv.reply(*message(inv.services.metrics.synced(inv.tenant, words[0] if words else None)))


def line(metric: SyncedMetric) -> str:
    price = f" · {money(metric.unit_price)}" if metric.unit_price is not None else ""
    return (f"`{name(metric.side, 200)}` {name(metric.name, 80)} — {metric.accounts} accounts · "
            f"{quantity(metric.units)} units{price}")


def message(found: list[SyncedMetric]) -> lists.Message:
    if not found:
        return "No synced metrics yet", [section("No synced metrics yet: sync first (`/billrec sync all`).")]
    hint = ("Use one in a check: `/billrec checks add NAME --billed INTEGRATION:METRIC "
            "--usage INTEGRATION:METRIC`")
    return f"{len(found)} metrics", [*lists.lines_to_sections([line(m) for m in found], "*Synced metrics*"),
                                     section(hint)]
