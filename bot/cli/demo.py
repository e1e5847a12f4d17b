"""`billrec demo`: the whole product on a fake MSP, in one command."""

from __future__ import annotations

import time
from pathlib import Path

import click

from bot import demo as pipeline
from bot import text
from bot.cli import Env, cli


@cli.command()
@click.option("--clients", default=60, show_default=True, help="How many clients the fake MSP has.")
@click.option("--seed", default=7, show_default=True, help="Seed of the generated world.")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path),
              help="Where the demo's own database and CSV go (default: BILLREC_HOME/demo, emptied first).")
@click.pass_obj
def demo(env: Env, clients: int, seed: int, home: Path | None) -> None:
    """Run BillingReconcile end to end against a fake MSP (SQLite + sandbox)."""
    import sandbox as fakes  # the demo is the one production command that uses the sandbox

    started = time.perf_counter()
    home = pipeline.fresh_home(home or env.settings.billrec_home.expanduser() / "demo")
    click.echo(f"Demo: a fake MSP with {clients} clients, served on 127.0.0.1; data in {home}\n")
    with fakes.start(clients=clients, seed=seed) as server:
        run = pipeline.run(server, home, say=lambda line: click.echo(f"  · {line}"))
    report = run.report
    click.echo("")
    click.echo(text.cards(report.summary))
    click.echo(text.sources_line(report.sources) + "\n")
    click.echo(text.results_table(report.results, limit=25))
    click.echo(f"\nSnapshot #{run.snapshot.id} ({run.snapshot.period}) is frozen; the full report is in:\n  {run.csv_path}")
    click.echo("\nThe same reconciliation, asked for in Slack (a fake Slack on 127.0.0.1):")
    pipeline.show_in_slack(run, say=lambda line: click.echo(f"  {line}".rstrip()))
    click.echo(f"\nDone in {time.perf_counter() - started:.1f} s. Try: BILLREC_HOME={home} billrec reconcile --client "
               f"\"{next((r.client for r in report.results if r.client_id), 'acme')}\"")
    run.services.close()
