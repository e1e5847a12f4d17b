"""`billrec evidence CLIENT [CHECK]`: the billing lines and devices behind a client's numbers, and what was
left out and why (`reconcile.evidence`); twin of the Slack report thread's Show evidence button."""

from __future__ import annotations

import json
import sys

import click
from tabulate import tabulate

from bot import text
from bot.cli import Env, cli
from reconcile import evidence_sheet
from reconcile.csvexport import quantity
from reconcile.evidence import Evidence, SideEvidence


@cli.command()
@click.argument("client")
@click.argument("check", required=False)
@click.option("--format", "format_", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_obj
def evidence(env: Env, client: str, check: str | None, format_: str) -> None:
    """What CLIENT's counts are made of, per check (or for CHECK alone), from the current synced data."""
    found = env.services.evidence.of_client(env.tenant, client, check)
    if format_ == "csv":
        evidence_sheet.write(found, sys.stdout)
    elif format_ == "json":
        click.echo(json.dumps(evidence_sheet.to_json(found), indent=2))
    elif not found:
        click.echo("No check counts anything for this client yet.")
    else:
        click.echo("\n\n".join(evidence_text(e) for e in found))


def evidence_text(e: Evidence) -> str:
    """One check's evidence for the terminal: its heading, then each side's lines and devices."""
    rule = f", counting devices seen within {e.seen_within_days} days" if e.seen_within_days else ""
    head = f"{e.client} — {e.check}: billed {quantity(e.billed_total, e.unit)}, actual {quantity(e.actual, e.unit)}{rule}"
    return "\n".join([head, *side_text("Billed", e.billed), *side_text("Used", e.usage)])


def side_text(title: str, side: SideEvidence) -> list[str]:
    out = [f"\n{title} in {side.source} ({', '.join(side.metrics)}): {quantity(side.total)}"]
    if side.lines:
        out.append(_indent(tabulate([[l.label or l.metric, l.metric, quantity(l.quantity), text.price(l.unit_price) or "",
                                      l.account] for l in side.lines],
                                    headers=["Line", "Metric", "Quantity", "Unit price", "Account"],
                                    disable_numparse=True)))
    if side.counted:
        out.append(_indent(tabulate([[d.name, d.device_class, text.when(d.last_seen), d.account] for d in side.counted],
                                    headers=["Device", "Class", "Last seen", "Account"], disable_numparse=True)))
    if not side.lines and not side.counted:
        out.append("  nothing counted")
    left = [[d.name, d.device_class, text.when(d.last_seen), d.left_out] for d in side.left_out]
    left += [[l.label or l.metric, l.metric, "", f"{quantity(l.quantity)} · {l.left_out}"] for l in side.left_out_lines]
    if left:
        out.append(f"  Left out: {len(left)}")
        out.append(_indent(tabulate(left, headers=["Item", "Class or metric", "Last seen", "Why"],
                                    disable_numparse=True)))
    return out


def _indent(block: str) -> str:
    return "\n".join("  " + line for line in block.splitlines())
