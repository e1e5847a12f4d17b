"""`billrec links suggest | list | approve | reject | choose | approve-above`."""

from __future__ import annotations

import click
from tabulate import tabulate

from bot.cli import Env, cli
from reconcile.linking import LinkInfo


@cli.group()
def links() -> None:
    """Which vendor account is which client."""


def table(rows: list[LinkInfo]) -> str:
    return tabulate([[l.id, l.integration, l.account_name, l.client_name or "—", f"{l.score:.2f}", l.status,
                      l.reason[:60]] for l in rows],
                    headers=["#", "Integration", "Account", "Client", "Score", "Status", "Reason"], disable_numparse=True)


@links.command()
@click.option("--approve-above", metavar="SCORE",
              help="Also approve suggestions scoring at least SCORE (e.g. 0.95). Off by default.")
@click.pass_obj
def suggest(env: Env, approve_above: str | None) -> None:
    """Suggest a client for every unlinked account."""
    open_suggestions = env.services.links.suggest(env.tenant, env.actor, approve_above=approve_above)
    if open_suggestions:
        click.echo(table(open_suggestions))
        click.echo("\nApprove with `billrec links approve #`, reject with `billrec links reject #`, "
                   "or point elsewhere with `billrec links choose # CLIENT`.")
    else:
        click.echo("No open suggestions: every account is decided.")


@links.command("list")
@click.option("--status", type=click.Choice(["suggested", "approved", "rejected"]))
@click.pass_obj
def list_(env: Env, status: str | None) -> None:
    """Every link, or those with one status."""
    rows = env.services.links.list(env.tenant, status)
    click.echo(table(rows) if rows else "No links yet. Sync an integration first.")


@links.command()
@click.argument("link_ids", nargs=-1, required=True)
@click.pass_obj
def approve(env: Env, link_ids: tuple[str, ...]) -> None:
    """Approve suggested links by number."""
    for link_id in link_ids:
        link = env.services.links.approve(env.tenant, link_id, env.actor)
        click.echo(f"#{link.id} approved: {link.account_name} → {link.client_name}")


@links.command()
@click.argument("link_ids", nargs=-1, required=True)
@click.pass_obj
def reject(env: Env, link_ids: tuple[str, ...]) -> None:
    """Reject suggested links by number; the account stays unmapped until you choose a client."""
    for link_id in link_ids:
        link = env.services.links.reject(env.tenant, link_id, env.actor)
        click.echo(f"#{link.id} rejected: {link.account_name} is not {link.client_name}")


@links.command()
@click.argument("link_id")
@click.argument("client")
@click.pass_obj
def choose(env: Env, link_id: str, client: str) -> None:
    """Point an account at another client (by name or id) and approve it."""
    link = env.services.links.choose(env.tenant, link_id, client, env.actor)
    click.echo(f"#{link.id} approved: {link.account_name} → {link.client_name}")


@links.command("approve-above")
@click.argument("score")
@click.pass_obj
def approve_above(env: Env, score: str) -> None:
    """Approve every open suggestion scoring at least SCORE (e.g. 0.95)."""
    approved = env.services.links.approve_above(env.tenant, score, env.actor)
    click.echo(f"Approved {len(approved)} suggestions scoring at least {float(score):.2f}.")


@cli.command()
@click.argument("search", required=False, default="")
@click.pass_obj
def clients(env: Env, search: str) -> None:
    """List clients (optionally those whose name contains SEARCH)."""
    rows = env.services.links.clients(env.tenant, search)
    click.echo(tabulate(rows, headers=["#", "Client"]) if rows else "No clients yet. Connect and sync your PSA.")
