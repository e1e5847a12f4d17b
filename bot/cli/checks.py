"""`billrec checks list | add | remove` and `billrec metrics`: what a check can compare."""

from __future__ import annotations

import click
from tabulate import tabulate

from bot.cli import Env, cli
from bot.cli.listing import emit, format_option
from reconcile.checks import COVERAGE, Check
from reconcile.check_catalog import parse_side
from reconcile.errors import Invalid


def describe(check: Check) -> list[str]:
    rule = f"seen within {check.seen_within_days} days" if check.seen_within_days else ""
    if check.kind == COVERAGE:
        return [check.name, f"coverage of {check.billed.integration} {' + '.join(check.billed.metrics)}",
                f"by {check.usage.integration} {' + '.join(check.usage.metrics)}", rule, "", "by host name"]
    rule = f"seen within {check.seen_within_days} days" if check.seen_within_days else ""
    tolerance = []
    if check.tolerance_units:
        tolerance.append(f"±{check.tolerance_units.normalize():f}")
    if check.tolerance_percent:
        tolerance.append(f"±{check.tolerance_percent.normalize():f}%")
    if check.storage:
        rule = ", ".join(filter(None, (rule, check.storage.describe())))
    if check.bought:  # three-way: what the MSP buys stands between billed and assigned
        rule = ", ".join(filter(None, (f"bought: {check.bought.integration} {' + '.join(check.bought.metrics)}",
                                       rule)))
    return [check.name, f"{check.billed.integration} {' + '.join(check.billed.metrics)}",
            f"{check.usage.integration} {' + '.join(check.usage.metrics)}", rule,
            f"{check.ratio.normalize():f}", " or ".join(tolerance) or "exact"]


@cli.command()
@click.argument("integration", required=False)
@click.pass_obj
def metrics(env: Env, integration: str | None) -> None:
    """Every metric the integrations (or INTEGRATION) have synced: what `checks add` can compare."""
    found = env.services.metrics.synced(env.tenant, integration)
    if not found:
        where = integration or "any integration"
        click.echo(f"No synced metrics for {where} yet. Sync first (billrec sync --all); `billrec kinds` lists "
                   "each kind's metric catalog.")
        return
    rows = [[m.side, m.name, f"{m.accounts} accounts", f"{m.units.normalize():f} units",
             f"${m.unit_price}" if m.unit_price is not None else ""] for m in found]
    click.echo(tabulate(rows, headers=["Metric", "Name", "Accounts", "Total", "Unit price"], disable_numparse=True))
    click.echo("\nUse one in a check: billrec checks add NAME --billed INTEGRATION:METRIC --usage INTEGRATION:METRIC")


@cli.group()
def checks() -> None:
    """The rules that compare billed with used."""


@checks.command("list")
@format_option
@click.pass_obj
def list_(env: Env, format_: str) -> None:
    """Every check."""
    emit(format_, "checks", env.services.checks.list(env.tenant),
         lambda found: tabulate([describe(c) for c in found], disable_numparse=True,
                                headers=["Check", "Billed", "Usage", "Counting", "Ratio", "Tolerance"]),
         "No checks yet. Add one with `billrec checks add`.")


@checks.command()
@click.argument("name")
@click.option("--billed", metavar="INTEGRATION:METRIC[,…]", help="What the client is billed.")
@click.option("--usage", metavar="INTEGRATION:METRIC[,…]", help="What the client really uses.")
@click.option("--coverage", "coverage", metavar="INTEGRATION:METRIC[,…]",
              help="A coverage check instead: the devices that should be protected (ninjaone:devices:*).")
@click.option("--by", "by", metavar="INTEGRATION:METRIC[,…]",
              help="With --coverage: the agents that protect them (sentinelone:endpoints:*).")
@click.option("--seen-within", metavar="DAYS", help="Count only assets seen within DAYS (1-3650).")
@click.option("--ratio", default="1", show_default=True, help="Billed units expected per unit of usage.")
@click.option("--tolerance", default="0", show_default=True, help="Variance in units still counted as matched.")
@click.option("--tolerance-percent", default="0", show_default=True, help="Variance in percent of billed still matched.")
@click.option("--unit", type=click.Choice(["GB", "TB", "GiB", "TiB"], case_sensitive=False),
              help="Bill a usage side in bytes per this unit (decimal GB/TB, binary GiB/TiB).")
@click.option("--rounding", type=click.Choice(["started", "exact"], case_sensitive=False),
              help="With --unit: bill every started unit (default), or the exact amount to 0.01.")
@click.option("--included", metavar="UNITS", help="With --unit: units included free before billing starts.")
@click.option("--bought", metavar="INTEGRATION:METRIC[,…]",
              help="A three-way licence check: what the MSP buys (pax8:licenses:…), between --billed and the "
                   "tenant's assigned seats on --usage (m365:assigned:SPB).")
@click.option("--allow-unsynced", is_flag=True,
              help="Accept a metric no synced data has yet (a product not yet billed anywhere).")
@click.pass_obj
def add(env: Env, name: str, billed: str | None, usage: str | None, coverage: str | None, by: str | None,
        seen_within: str | None, ratio: str, tolerance: str, tolerance_percent: str, unit: str | None,
        rounding: str | None, included: str | None, bought: str | None, allow_unsynced: bool) -> None:
    """Add a check: billed metric(s) of one integration against usage metric(s) of another.

    Each metric must be in its integration's synced data (see `billrec metrics`), so a typo is
    refused with the closest real metrics instead of making every client look unbilled.

    Storage: `--usage datto:storage:bytes --unit TB --rounding started --included 1` bills every
    started TB beyond the first, in decimal units (1 TB = 10^12 bytes; GiB/TiB are binary).

    Three-way: `--billed psa:billed:M365-BP --bought pax8:licenses:MST-365-BP --usage m365:assigned:SPB`
    reports billed vs assigned (lost revenue, or a client paying for unused seats) and bought vs
    assigned (seats the MSP pays for that nobody uses), and when over-bought seats can be reduced.

    With --coverage and --by instead, a coverage check: per client, the devices with no security
    agent and the agents on no managed device, matched by host name (patterns such as devices:* allowed).
    """
    if coverage or by:
        if not (coverage and by) or billed or usage or unit or rounding or included or bought:
            raise Invalid("a coverage check takes --coverage DEVICES and --by AGENTS (and no --billed, --usage, "
                          "--bought or --unit), such as --coverage ninjaone:devices:* --by sentinelone:endpoints:*")
        check = env.services.checks.add_coverage(env.tenant, name, parse_side(coverage), parse_side(by), env.actor,
                                                 seen_within_days=seen_within)
        click.echo(f"Added coverage check {check.name!r}. See its gaps with `billrec reconcile`.")
        return
    if not (billed and usage):
        raise Invalid("a check takes --billed and --usage (or --coverage and --by for a coverage check)")
    check = env.services.checks.add(env.tenant, name, parse_side(billed), parse_side(usage), env.actor,
                                    seen_within_days=seen_within, ratio=ratio, tolerance_units=tolerance,
                                    tolerance_percent=tolerance_percent, unit=unit, rounding=rounding,
                                    included=included, bought=parse_side(bought) if bought else None,
                                    require_synced=not allow_unsynced)
    click.echo(f"Added check {check.name!r}. See it with `billrec reconcile`.")


@checks.command()
@click.argument("name")
@click.pass_obj
def remove(env: Env, name: str) -> None:
    """Remove a check (snapshots keep its past results)."""
    removed = env.services.checks.remove(env.tenant, name, env.actor)
    click.echo(f"Removed check {removed!r}. Snapshots already taken keep its results.")
