"""`billrec review ack | fixed | withdraw | not-billable | billable | list` — the report thread's buttons, typed.

    billrec review ack "Acme Corp" "Managed workstations" --reason "loaner laptops" --until 2027-01-31
    billrec review fixed "Acme Corp" "Managed workstations" --by 2026-12-31 [--note "invoice 1042"]
    billrec review not-billable "Acme Corp" "Managed workstations" --asset ACME-LAB-01 --reason "our lab"
    billrec review not-billable "Acme Corp" "Managed workstations" --account "Acme Lab" --reason "MSP's own"
    billrec review list [--all] [--format table|json]

`ack` is `billrec except add` under the review loop's name (one exception store).
"""

from __future__ import annotations

import json
from datetime import date

import click
from tabulate import tabulate

from bot import text
from bot.cli import Env, cli
from bot.cli.reports import held_until

DAY = click.DateTime(["%Y-%m-%d"])


@cli.group()
def review() -> None:
    """Decide about a variance: acknowledge it, say billing is fixed, or declare usage not billable."""


@review.command("ack")
@click.argument("client")
@click.argument("check")
@click.option("--reason", required=True, help="Why this variance is fine.")
@click.option("--until", type=DAY, help="Last day the acknowledgement holds (YYYY-MM-DD).")
@click.option("--forever", is_flag=True, help="No end date: it holds until revoked (billrec except revoke).")
@click.pass_obj
def ack(env: Env, client: str, check: str, reason: str, until: object, forever: bool) -> None:
    """Acknowledge CLIENT's variance on CHECK: reported as excepted, not alarmed on."""
    found = env.services.reviews.acknowledge(env.tenant, client, check, reason, env.actor,
                                             until=held_until(until, forever))
    click.echo(f"Acknowledged (exception #{found.id}): {found.client} / {found.check} "
               f"until {found.until or 'revoked'} — {found.reason}")


@review.command("fixed")
@click.argument("client")
@click.argument("check")
@click.option("--by", "by", type=DAY, required=True, help="The day the corrected invoice is due (YYYY-MM-DD).")
@click.option("--note", default="", help="Anything worth keeping (an invoice number, a ticket).")
@click.pass_obj
def fixed(env: Env, client: str, check: str, by: object, note: str) -> None:
    """Say the next invoice corrects CLIENT's variance on CHECK: fix pending until a sync confirms it."""
    found = env.services.reviews.fix(env.tenant, client, check, by.date(), env.actor, note)  # type: ignore[attr-defined]
    click.echo(f"Billing fix #{found.id}: {found.client} / {found.check} — fix pending (billed "
               f"{text.quantity(found.billed_before)}, actual {text.quantity(found.actual_before)}) until a sync "
               f"shows the bill corrected; still open after {found.expected_by}.")


@review.command("withdraw")
@click.argument("fix_id")
@click.pass_obj
def withdraw(env: Env, fix_id: str) -> None:
    """Take back a billing fix recorded by mistake."""
    found = env.services.reviews.withdraw(env.tenant, fix_id, env.actor)
    click.echo(f"Withdrew billing fix #{found.id} ({found.client} / {found.check}).")


@review.command("not-billable")
@click.argument("client")
@click.argument("check")
@click.option("--asset", help="The asset's name (or id) as its source names it.")
@click.option("--account", help="The usage account (needed only when the client has several in that source).")
@click.option("--reason", required=True, help="Why it is not billable.")
@click.pass_obj
def not_billable(env: Env, client: str, check: str, asset: str | None, account: str | None, reason: str) -> None:
    """Take an asset (--asset), or the whole usage account, out of CHECK's actual for CLIENT, for good."""
    found = env.services.reviews.not_billable(env.tenant, client, check, reason, env.actor, asset=asset,
                                              account=account)
    click.echo(f"Not billable #{found.id}: {found.what} no longer counts in {found.client} / {found.check} "
               f"— {found.reason}")


@review.command("billable")
@click.argument("exclusion_id")
@click.pass_obj
def billable(env: Env, exclusion_id: str) -> None:
    """Revoke a not-billable decision: that usage counts again."""
    found = env.services.reviews.revoke_exclusion(env.tenant, exclusion_id, env.actor)
    click.echo(f"Revoked not-billable #{found.id}: {found.what} counts again in {found.client} / {found.check}.")


@review.command("list")
@click.option("--all", "all_", is_flag=True, help="Include resolved and withdrawn fixes and revoked decisions.")
@click.option("--format", "format_", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def list_(env: Env, all_: bool, format_: str) -> None:
    """Every decision in force: acknowledgements, billing fixes, not-billable usage."""
    services = env.services
    acks = services.exceptions.list(env.tenant, include_inactive=all_)
    fixes = services.reviews.fixes(env.tenant, include_closed=all_)
    exclusions = services.reviews.exclusions(env.tenant, include_revoked=all_)
    if format_ == "json":
        click.echo(json.dumps({
            "acknowledged": [{"id": e.id, "client": e.client, "check": e.check, "reason": e.reason,
                              "until": _day(e.until), "by": e.created_by, "active": e.active} for e in acks],
            "fixes": [{"id": f.id, "client": f.client, "check": f.check, "state": f.state, "shown": f.shown,
                       "expected_by": _day(f.expected_by), "billed_before": str(f.billed_before),
                       "actual_before": str(f.actual_before),
                       "billed_after": str(f.billed_after) if f.billed_after is not None else None,
                       "recovered": str(f.recovered) if f.recovered is not None else None,
                       "by": f.created_by, "note": f.note} for f in fixes],
            "not_billable": [{"id": x.id, "client": x.client, "check": x.check, "integration": x.integration,
                              "account": x.account, "asset": x.asset or None, "reason": x.reason,
                              "by": x.created_by, "active": x.active} for x in exclusions],
        }, indent=2))
        return
    rows = ([["ack", e.id, e.client, e.check, f"until {e.until or 'revoked'}" + ("" if e.active else " (ended)"),
              e.reason, e.created_by] for e in acks]
            + [["fixed", f.id, f.client, f.check, f"{f.shown}, invoice by {f.expected_by}"
                + (f", {text.money(f.recovered)}/mo recovered" if f.recovered else ""), f.note, f.created_by]
               for f in fixes]
            + [["not billable", x.id, x.client, x.check, x.what + ("" if x.active else " (revoked)"), x.reason,
                x.created_by] for x in exclusions])
    click.echo(tabulate(rows, headers=["Decision", "#", "Client", "Check", "State", "Reason / note", "By"],
                        disable_numparse=True) if rows else "No decisions yet.")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None
