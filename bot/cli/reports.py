"""`billrec reconcile | snapshot | snapshots | export | history | except`."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import click
from tabulate import tabulate

from bot import text
from bot.cli import Env, cli
from bot.cli.listing import emit, format_option
from reconcile.errors import Invalid
from reconcile import csvexport
from reconcile.errors import Conflict
from reconcile.csvexport import quantity
from reconcile.snapshots import SnapshotInfo
from reconcile.variance_exceptions import ExceptionInfo


@cli.command()
@click.option("--client", help="Only this client (exact, or a unique part of the name).")
@click.option("--format", "format_", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_obj
def reconcile(env: Env, client: str | None, format_: str) -> None:
    """Compare billed with used, now, for every client and check."""
    report = env.services.reconciler.run(env.tenant, client)
    if format_ == "csv":
        csvexport.write(report.results, sys.stdout)
    elif format_ == "json":
        click.echo(json.dumps(text.report_json(report), indent=2))
    else:
        for line in text.failure_notices(report.sources, report.generated_at):
            click.echo(line)
        click.echo(text.cards(report.summary))
        click.echo(text.sources_line(report.sources) + "\n")
        click.echo(text.results_table(report.results) if report.results else
                   "No results yet: connect integrations, sync, approve links and add checks.")
        for line in text.failed_lines(report.results):
            click.echo(line)
        totals = text.client_totals_table(report.results)
        if totals:
            click.echo("\n" + totals)


@cli.command()
@click.pass_obj
def snapshot(env: Env) -> None:
    """Freeze the current results as an immutable, dated snapshot."""
    report = env.services.reconciler.run(env.tenant)
    if not report.results:  # an empty snapshot would stand in history as a month where all was well
        raise Conflict("nothing to snapshot: no results yet. Connect integrations (billrec connect), sync them, "
                       "approve client links (billrec links suggest) and add checks (billrec checks add).")
    taken = env.services.snapshots.take(env.tenant, env.actor, report=report)
    click.echo(f"Snapshot #{taken.id} for {taken.period} taken at {text.when(taken.taken_at)}: {taken.row_count} results.")
    click.echo(text.cards(taken.summary))


@cli.command()
@format_option
@click.pass_obj
def snapshots(env: Env, format_: str) -> None:
    """Snapshots, newest first."""
    def table(found: Sequence[SnapshotInfo]) -> str:
        rows = [[s.id, s.period, text.when(s.taken_at), s.trigger, s.taken_by, s.summary.count(text.Status.UNDER),
                 s.summary.count(text.Status.OVER), text.money(s.summary.under_money)] for s in found]
        return tabulate(rows, headers=["#", "Period", "Taken", "How", "By", "Under", "Over", "Unbilled/mo"],
                        disable_numparse=True)

    emit(format_, "snapshots", env.services.snapshots.list(env.tenant), table,
         "No snapshots yet. Take one with `billrec snapshot`.")


@cli.command()
@click.option("--period", metavar="YYYY-MM", help="Export the latest snapshot of this month (default: the latest).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (default: stdout).")
@click.pass_obj
def export(env: Env, period: str | None, output: Path | None) -> None:
    """Export a snapshot as CSV."""
    found = env.services.snapshots.latest(env.tenant, period)
    results = env.services.snapshots.results(env.tenant, found.id)
    if output is None:
        csvexport.write(results, sys.stdout)
        return
    with output.open("w", newline="", encoding="utf-8") as handle:
        count = csvexport.write(results, handle)
    click.echo(f"Wrote {count} results of snapshot #{found.id} ({found.period}) to {output}", err=True)


@cli.command()
@click.argument("client")
@click.pass_obj
def history(env: Env, client: str) -> None:
    """One client month over month, from snapshots."""
    name, lines = env.services.snapshots.history(env.tenant, client)
    click.echo(f"{name}\n")
    rows = [[l.period, l.check, quantity(l.billed, l.unit), quantity(l.actual, l.unit), text.signed(l.variance, l.unit),
             l.status.label,
             text.money(l.impact) if l.impact is not None else ""] for l in lines]
    click.echo(tabulate(rows, headers=["Period", "Check", "Billed", "Actual", "Variance", "Status", "Impact/mo"],
                        disable_numparse=True))
    trends = text.storage_trends(lines)
    if trends:
        click.echo("\nStorage used, month over month:")
        for check, trend in trends.items():
            click.echo(f"  {check}: {trend}")


@cli.group("except")
def except_() -> None:
    """Acknowledged variances: shown as excepted, not alarmed on."""


@except_.command("add")
@click.argument("client")
@click.argument("check")
@click.option("--reason", required=True, help="Why this variance is fine.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day the exception holds (YYYY-MM-DD).")
@click.option("--forever", is_flag=True, help="No end date: the exception holds until revoked.")
@click.pass_obj
def except_add(env: Env, client: str, check: str, reason: str, until: object, forever: bool) -> None:
    """Acknowledge CLIENT's variance on CHECK, until a day (--until) or until revoked (--forever)."""
    found = env.services.exceptions.add(env.tenant, client, check, reason, env.actor, until=held_until(until, forever))
    click.echo(f"Exception #{found.id}: {found.client} / {found.check} "
               f"until {found.until or 'revoked'} — {found.reason}")


def held_until(until: object, forever: bool) -> date | None:
    """--until's day, or None with --forever; one of the two is required, never both."""
    # an exception without an end silences a variance for good: that must be asked for, not a default
    if until is None and not forever:
        raise Invalid("say how long the exception holds: --until YYYY-MM-DD, or --forever to keep it until revoked")
    if until is not None and forever:
        raise Invalid("use --until or --forever, not both")
    return until.date() if until else None  # type: ignore[attr-defined]


@except_.command("list")
@click.option("--all", "all_", is_flag=True, help="Include expired and revoked ones.")
@format_option
@click.pass_obj
def except_list(env: Env, all_: bool, format_: str) -> None:
    """Exceptions in force."""
    def table(found: Sequence[ExceptionInfo]) -> str:
        rows = [[e.id, e.client, e.check, e.reason, e.until or "", e.created_by, "active" if e.active else "inactive"]
                for e in found]
        return tabulate(rows, headers=["#", "Client", "Check", "Reason", "Until", "By", "State"], disable_numparse=True)

    emit(format_, "exceptions", env.services.exceptions.list(env.tenant, include_inactive=all_), table,
         "No exceptions.")


@except_.command("revoke")
@click.argument("exception_id")
@click.pass_obj
def except_revoke(env: Env, exception_id: str) -> None:
    """End an exception now."""
    found = env.services.exceptions.revoke(env.tenant, exception_id, env.actor)
    click.echo(f"Revoked exception #{found.id} ({found.client} / {found.check}).")
