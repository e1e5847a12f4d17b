"""The App Home tab: the seed's reconciliation page in Slack.

Summary cards, the clients that need attention first, every integration with its last sync,
the latest snapshot, and buttons to sync all, take a snapshot and export it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.views import report as report_views
from bot.views.format import button, context, divider, header, money, name, section, when
from bot.views.lists import lines_to_sections, who
from bot.views.status import integration_blocks, integration_line
from reconcile.checks import Status
from reconcile.integrations import IntegrationInfo
from reconcile.reconciliation import Report
from reconcile.snapshots import SnapshotInfo

Block = dict[str, Any]
ATTENTION_ROWS = 15
SYNC_ALL, SNAPSHOT, EXPORT = "home_sync_all", "home_snapshot", "home_export"


def home_view(report: Report | None, integrations: Sequence[IntegrationInfo], latest: SnapshotInfo | None, *,
              billing_channel: str = "", notice: str = "") -> dict[str, Any]:
    blocks: list[Block] = [header("BillingReconcile")]
    if notice:
        blocks.append(context(notice))
    if report is not None and report.results:
        blocks += [*report_views.failed_sync_blocks(report), report_views.cards_block(report.summary),
                   report_views.counts_context(report.summary)]
        attention = [r for r in report.results if r.status is not Status.MATCHED][:ATTENTION_ROWS]
        if attention:
            lines = [(f"*{name(r.client, 80)}* " if r.status is not Status.FAILED else "")
                     + report_views.result_line(r).removeprefix("• ") for r in attention]
            blocks += lines_to_sections(lines, f"*Needs attention* ({report_views.THREAD_ORDER})", 5)
        blocks.append(section(report_views.sources_text(report.sources)))
    else:
        blocks.append(section("No results yet: an admin connects integrations (`/billrec connect`), syncs, "
                              "approves client links (`/billrec map`) and adds checks (`/billrec checks add`)."))
    blocks.append(divider())
    if integrations:
        # everyone sees the same tab; the Edit button itself asks whether the clicker is a billing admin
        blocks += integration_blocks(integrations, [integration_line(i) for i in integrations], editable=True,
                                     max_sections=10)
    else:
        blocks.append(section("*Integrations*\nNone yet."))
    blocks.append(divider())
    blocks.append(section(snapshot_text(latest)))
    blocks.append({"type": "actions", "block_id": "home", "elements": [
        button("Sync all", SYNC_ALL, style="primary"),
        button("Take snapshot", SNAPSHOT),
        button("Export latest snapshot (CSV)", EXPORT),
    ]})
    where = (f"Snapshots and exports are posted to <#{billing_channel}>." if billing_channel else
             "Set a billing channel for snapshots and exports: `/billrec settings billing_channel=#billing`.")
    blocks.append(context(where))
    return {"type": "home", "callback_id": "home", "blocks": blocks}


def snapshot_text(latest: SnapshotInfo | None) -> str:
    if latest is None:
        return "*Latest snapshot*\nNone yet. Take one at the same time each month for a consistent record."
    s = latest.summary
    return (f"*Latest snapshot*\n#{latest.id} for {latest.period}, taken {when(latest.taken_at)} by "
            f"{who(latest.taken_by)}: {s.count(Status.UNDER)} under-licensed ({money(s.under_money)}/mo unbilled), "
            f"{s.count(Status.OVER)} over-licensed, {s.count(Status.MATCHED)} matched")
