"""`billrec checks list | add | remove`."""

from __future__ import annotations

import click
from tabulate import tabulate

from bot.cli import Env, cli
from reconcile.checks import Check
from reconcile.check_catalog import parse_side


def describe(check: Check) -> list[str]:
    rule = f"seen within {check.seen_within_days} days" if check.seen_within_days else ""
    tolerance = []
    if check.tolerance_units:
        tolerance.append(f"±{check.tolerance_units.normalize():f}")
    if check.tolerance_percent:
        tolerance.append(f"±{check.tolerance_percent.normalize():f}%")
    return [check.name, f"{check.billed.integration} {' + '.join(check.billed.metrics)}",
            f"{check.usage.integration} {' + '.join(check.usage.metrics)}", rule,
            f"{check.ratio.normalize():f}", " or ".join(tolerance) or "exact"]


@cli.group()
def checks() -> None:
    """The rules that compare billed with used."""


@checks.command("list")
@click.pass_obj
def list_(env: Env) -> None:
    """Every check."""
    rows = [describe(c) for c in env.services.checks.list(env.tenant)]
    click.echo(tabulate(rows, headers=["Check", "Billed", "Usage", "Counting", "Ratio", "Tolerance"],
                        disable_numparse=True) if rows else "No checks yet. Add one with `billrec checks add`.")


@checks.command()
@click.argument("name")
@click.option("--billed", required=True, metavar="INTEGRATION:METRIC[,…]", help="What the client is billed.")
@click.option("--usage", required=True, metavar="INTEGRATION:METRIC[,…]", help="What the client really uses.")
@click.option("--seen-within", metavar="DAYS", help="Count only assets seen within DAYS (1-3650).")
@click.option("--ratio", default="1", show_default=True, help="Billed units expected per unit of usage.")
@click.option("--tolerance", default="0", show_default=True, help="Variance in units still counted as matched.")
@click.option("--tolerance-percent", default="0", show_default=True, help="Variance in percent of billed still matched.")
@click.pass_obj
def add(env: Env, name: str, billed: str, usage: str, seen_within: str | None, ratio: str, tolerance: str,
        tolerance_percent: str) -> None:
    """Add a check: billed metric(s) of one integration against usage metric(s) of another."""
    check = env.services.checks.add(env.tenant, name, parse_side(billed), parse_side(usage), env.actor,
                                    seen_within_days=seen_within, ratio=ratio, tolerance_units=tolerance,
                                    tolerance_percent=tolerance_percent)
    click.echo(f"Added check {check.name!r}. See it with `billrec reconcile`.")


@checks.command()
@click.argument("name")
@click.pass_obj
def remove(env: Env, name: str) -> None:
    """Remove a check (snapshots keep its past results)."""
    removed = env.services.checks.remove(env.tenant, name, env.actor)
    click.echo(f"Removed check {removed!r}. Snapshots already taken keep its results.")
