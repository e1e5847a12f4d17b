"""Integrations and syncs: `/billrec status`, sync outcomes, held syncs with their buttons.

Each function returns `(text, blocks)`; `decision_blocks` puts a click's decision in place of
the buttons it replaces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.views.format import button, context, cut, escape, name, section, when
from bot.views.lists import Block, Message, lines_to_sections
from reconcile.bounds import DIGITS, record_id
from reconcile.integrations import IntegrationInfo
from reconcile.snapshots import SnapshotInfo
from reconcile.sync import SyncOutcome, SyncStatus

HEALTH = {
    "ok": ":white_check_mark:",
    "failing": ":x:",
    "never synced": ":hourglass_flowing_sand:",
    "needs confirmation": ":raised_hand:",
    "disconnected": ":heavy_minus_sign:",
    "purged": ":wastebasket:",
}
# what happens to a source's data once it is no longer connected
AFTERWARDS = {"disconnected": "its synced data is kept and counts in reports until it goes stale",
              "purged": "its synced accounts, quantities and assets were deleted; snapshots keep their results"}
MAX_HOLDS = 10
EDIT = "integration_edit"  # its value: the integration's name
MAX_EDITABLE = 15  # one section per integration with its Edit button; more are listed packed, without buttons


def integration_line(info: IntegrationInfo, next_sync: datetime | None = None, *, detailed: bool = False) -> str:
    """One integration's health; its last error in words, and in the vendor's own only when `detailed` (admins)."""
    role = f"{info.role}, primary PSA" if info.primary else info.role
    line = (f"{HEALTH.get(info.health, '')} *{name(info.name, 40)}* · {escape(info.display_name)} ({role}) — "
            f"{info.health} · last good sync {when(info.last_success_at)}")
    if info.health in AFTERWARDS:
        line += f" · {info.health} {when(info.disconnected_at)}: {AFTERWARDS[info.health]}"
    if next_sync is not None and info.status == "connected":
        line += f" · next sync {when(next_sync)}"
    if info.last_error and info.status == "connected":
        line += f" · last error: {info.problem}"
        line += f" — {name(info.last_error, 300)}" if detailed else ""
    return line


def integration_blocks(integrations: Sequence[IntegrationInfo], lines: Sequence[str], *, editable: bool,
                       max_sections: int) -> list[Block]:
    """The integrations under a heading; `editable`, each its own section with an Edit button (the connect
    form, filled in, to change its settings), as long as they fit a message's block budget."""
    if not editable or len(integrations) > MAX_EDITABLE:
        return lines_to_sections(lines, "*Integrations*", max_sections=max_sections)
    return [section("*Integrations*"), *({**section(line), "block_id": f"integration:{cut(info.name, 40)}",
                                         "accessory": button("Edit", EDIT, info.name)}
                                        for info, line in zip(integrations, lines, strict=True))]


def hold_blocks(outcome: SyncOutcome) -> list[Block]:
    """A sync held for a sharp drop, with Confirm / Discard buttons (block id names it).

    The buttons carry the run as well as the integration, so a click on an old message decides
    nothing once a newer sync has replaced that run.
    """
    integration = cut(outcome.integration, 40)
    value = hold_value(outcome)
    return [
        section(f":raised_hand: *{name(integration)}*: the last sync is held, nothing was replaced. "
                f"{name(outcome.message, 1500)}"),
        {"type": "actions", "block_id": f"hold:{integration}", "elements": [
            button("Confirm: use the new data", "hold_confirm", value, style="primary"),
            button("Discard: keep the previous data", "hold_discard", value),
        ]},
    ]


def hold_value(outcome: SyncOutcome) -> str:
    """A hold button's value: `RUN:INTEGRATION`, e.g. `42:rmm` (integration names hold no colon)."""
    return f"{outcome.run_id}:{outcome.integration}"


def read_hold(value: str) -> tuple[str, int | None]:
    """(integration, run id) from a hold button's value; a button posted before run ids gives no run."""
    run, colon, integration = value.partition(":")
    if colon and DIGITS.fullmatch(run):
        return integration, record_id(run, "sync run")
    return value, None


def status_message(integrations: Sequence[IntegrationInfo], held: Sequence[SyncOutcome], open_links: int,
                   latest: SnapshotInfo | None, next_syncs: Mapping[int, datetime | None] | None = None, *,
                   detailed: bool = False) -> Message:
    """`/billrec status`; `detailed` (for billing admins) adds the vendor's words to each last error, and
    an Edit button to each integration."""
    if not integrations:
        return "No integrations yet", [section("No integrations yet. An admin can add one with `/billrec connect`.")]
    upcoming = next_syncs or {}
    lines = [integration_line(i, upcoming.get(i.id), detailed=detailed) for i in integrations]
    blocks = integration_blocks(integrations, lines, editable=detailed, max_sections=20)
    for outcome in held[:MAX_HOLDS]:
        blocks += hold_blocks(outcome)
    snapshot = (f"latest snapshot #{latest.id} ({latest.period}) taken {when(latest.taken_at)}"
                if latest else "no snapshot yet")
    blocks.append(context(f"Open link suggestions: {open_links} (`/billrec map`) · {snapshot}"))
    healthy = sum(1 for i in integrations if i.health == "ok")
    return f"{healthy} of {len(integrations)} integrations are healthy", blocks


def sync_message(outcomes: Sequence[SyncOutcome], *, detailed: bool = False) -> Message:
    """What a sync did; a failure in words, and in the vendor's own only when `detailed` (admins)."""
    if not outcomes:
        return "Nothing to sync", [section("No connected integrations to sync. An admin can add one with `/billrec connect`.")]
    lines, holds = [], []
    for o in outcomes:
        if o.status is SyncStatus.SUCCEEDED:
            lines.append(f":white_check_mark: *{name(o.integration, 40)}*: synced {o.accounts} accounts, "
                         f"{o.quantities} quantities, {o.assets} assets")
        elif o.status is SyncStatus.HELD:
            holds.append(o)
        else:
            said = o.message if detailed or o.problem is None else f"the sync failed: {o.problem}"
            lines.append(f":x: *{name(o.integration, 40)}*: {name(said, 800)}")
    blocks = lines_to_sections(lines, max_sections=20) if lines else []
    for outcome in holds[:MAX_HOLDS]:
        blocks += hold_blocks(outcome)
    ok = sum(1 for o in outcomes if o.ok)
    return f"Sync finished: {ok} of {len(outcomes)} succeeded", blocks


def decision_blocks(original: Sequence[Block] | None, block_id: str, decision: str) -> list[Block]:
    """The message a button lived in, with that button's block replaced by the decision.

    Ephemeral messages do not come back in the click's payload; then the decision alone is the
    new message.
    """
    replacement = context(decision)
    if not original:
        return [replacement]
    return [replacement if b.get("block_id") == block_id else b for b in original]
