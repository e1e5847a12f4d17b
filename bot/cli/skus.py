"""`billrec skus list | include | exclude | refresh`: Microsoft's SKU names, and which SKUs count in checks.

Free, trial and viral SKUs count in no check until an admin includes one (`reconcile.sku_choices`);
`refresh` rewrites the installed SKU table from Microsoft's published CSV (`reconcile.skus`).
"""

from __future__ import annotations

from pathlib import Path

import click
from tabulate import tabulate

from bot.cli import Env, cli
from reconcile import skus as sku_table
from reconcile.sku_choices import Choice


@cli.group()
def skus() -> None:
    """Microsoft SKU names, and the free, trial and viral SKUs left out of checks."""


def rows(choices: list[Choice]) -> list[list[str]]:
    return [[c.sku.part_number, c.sku.name, "yes" if c.counted else "no", c.reason] for c in choices]


@skus.command("list")
@click.option("--free", "free_only", is_flag=True, help="Only the free, trial and viral SKUs (excluded by default).")
@click.pass_obj
def list_(env: Env, free_only: bool) -> None:
    """Every SKU of Microsoft's table, and whether it counts in checks."""
    choices = env.services.skus.listing(env.tenant, free_only=free_only)
    click.echo(tabulate(rows(choices), headers=["SKU", "Name", "Counts", "Why"], disable_numparse=True))
    table = sku_table.load()
    click.echo(f"\n{len(choices)} SKUs; names from Microsoft's table as of {table.retrieved} "
               f"(`billrec skus refresh` loads the latest). `billrec skus include SKU` counts one.")


def decision(verb: str, doc: str) -> None:
    """`skus include` or `skus exclude`: one command each, the same shape."""

    @click.argument("sku")
    @click.pass_obj
    def decide(env: Env, sku: str) -> None:
        choice = getattr(env.services.skus, verb)(env.tenant, sku, env.actor)
        counts = "now counts in checks" if choice.counted else "counts in no check"
        click.echo(f"{choice.sku.name} ({choice.sku.part_number}) {counts} ({choice.reason}).")

    decide.__doc__ = doc
    skus.command(verb)(decide)


decision("include", "Count SKU (a part number such as FLOW_FREE, or its skuId) in checks.")
decision("exclude", "Count SKU in no check: its metrics leave `billrec metrics` and every check's numbers.")


@skus.command()
@click.option("--from", "source", default=sku_table.SOURCE_URL, show_default="Microsoft's published CSV",
              help="The CSV's URL or a local file.")
@click.option("--to", "target", type=click.Path(dir_okay=False, path_type=Path), default=sku_table.TABLE,
              show_default="the installed table", help="Where to write the reduced table.")
def refresh(source: str, target: Path) -> None:
    """Download Microsoft's "Product names and service plan identifiers for licensing" CSV and rewrite the
    SKU table from it; a bad or partial file changes nothing and says why."""
    done = sku_table.refresh(source, target)
    changes = [f"{len(done.added)} added", f"{len(done.removed)} removed", f"{len(done.renamed)} renamed"]
    click.echo(f"Microsoft SKU table: {done.skus} SKUs ({', '.join(changes)}) written to {done.path}.")
    for word, names in (("added", done.added), ("removed", done.removed), ("renamed", done.renamed)):
        if names:
            click.echo(f"  {word}: {', '.join(names[:20])}{' …' if len(names) > 20 else ''}")
