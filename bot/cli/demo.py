"""`billrec demo`: the whole product on a fake MSP, in one command."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from bot import demo as pipeline
from bot import text
from bot.cli import Env, cli, program
from bot.cli.numbers import CLIENTS, SEED

# the sandbox's roles (`sandbox.Role`), one `--<role> KIND` option each; kept here, and checked
# against the sandbox by a test, so that `billrec` does not import the sandbox for every command
ROLES = ("psa", "rmm", "distributor", "security", "backup", "m365")


class VendorKind(click.ParamType):
    """A fake vendor that plays `role`; the kinds are looked up only when asked for."""

    name = "kind"

    def __init__(self, role: str) -> None:
        self.role = role

    def kinds(self) -> list[str]:
        import sandbox  # the demo is the one production command that uses the sandbox

        return sandbox.kinds_for(sandbox.Role(self.role))

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:
        return "[" + "|".join(self.kinds()) + "]" if self.kinds() else "KIND"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if value not in self.kinds():
            self.fail(f"{value!r} is no {self.role} the sandbox serves; choose from "
                      f"{', '.join(self.kinds()) or 'none yet'}", param, ctx)
        return str(value)


def role_options(command: Any) -> Any:
    for role in reversed(ROLES):
        command = click.option(f"--{role}", type=VendorKind(role), default=None,
                               help=f"Which fake vendor plays the {role} (default: "
                                    f"{pipeline.DEFAULT_VENDORS.get(role, 'none')}).")(command)
    return command


@cli.command()
@click.option("--clients", type=CLIENTS, default=60, show_default=True, help="How many clients the fake MSP has.")
@click.option("--seed", type=SEED, default=7, show_default=True, help="Seed of the generated world.")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path),
              help="Where the demo's own database and CSV go (default: BILLREC_HOME/demo, emptied first).")
@role_options
@click.pass_obj
def demo(env: Env, clients: int, seed: int, home: Path | None, **vendors: str | None) -> None:
    """Run BillingReconcile end to end against a fake MSP (SQLite + sandbox)."""
    import sandbox as fakes  # the demo is the one production command that uses the sandbox

    started = time.perf_counter()
    home = pipeline.fresh_home(home or env.settings.billrec_home.expanduser() / "demo")
    click.echo(f"Demo: a fake MSP with {clients} clients, served on 127.0.0.1; data in {home}\n")
    with fakes.start(clients=clients, seed=seed) as server:
        run = pipeline.run(server, home, say=lambda line: click.echo(f"  · {line}"),
                           vendors={role: kind for role, kind in vendors.items() if kind})
    report = run.report
    click.echo("")
    click.echo(text.cards(report.summary))
    click.echo(text.sources_line(report.sources) + "\n")
    click.echo(text.results_table(report.results, limit=25))
    for line in text.gap_lines(report.results, limit=10):  # the coverage check, when a security source is picked
        click.echo(("\n" if line.startswith("Coverage") else "") + line)
    click.echo(f"\nSnapshot #{run.snapshot.id} ({run.snapshot.period}) is frozen; the full report is in:\n  {run.csv_path}")
    click.echo("\nThe same reconciliation, asked for in Slack (a fake Slack on 127.0.0.1):")
    pipeline.show_in_slack(run, say=lambda line: click.echo(f"  {line}".rstrip()))
    client = next((r.client for r in report.results if r.client_id), "acme")
    click.echo(f"\nDone in {time.perf_counter() - started:.1f} s. "
               f"Try: BILLREC_HOME={home} {program()} reconcile --client \"{client}\"")
    run.services.close()
