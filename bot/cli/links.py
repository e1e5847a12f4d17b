"""`billrec links suggest | list | approve | reject | choose | approve-above | ignore | create-client | reopen`."""

from __future__ import annotations

import textwrap

import click
from tabulate import tabulate

from bot.cli import Env, cli
from bot.cli.listing import emit, format_option
from reconcile.linking import LinkInfo


@cli.group()
def links() -> None:
    """Which vendor account is which client."""


REASON_WIDTH = 50  # a reason wraps at words within this width, never cut


def table(rows: list[LinkInfo]) -> str:
    return tabulate([[l.id, l.integration, l.account_name, l.client_name or "—", f"{l.score:.2f}", l.status,
                      "\n".join(textwrap.wrap(l.reason, REASON_WIDTH, break_long_words=False)) or "—"]
                     for l in rows],
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
@click.option("--status", type=click.Choice(["suggested", "approved", "rejected", "ignored"]))
@format_option
@click.pass_obj
def list_(env: Env, status: str | None, format_: str) -> None:
    """Every link, or those with one status."""
    emit(format_, "links", env.services.links.list(env.tenant, status), table, "No links yet. Sync an integration first.")


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
        click.echo(rejected(link))


def rejected(link: LinkInfo) -> str:
    """What a rejection means for the account, and the ways on from there."""
    was = f" is not {link.client_name}" if link.client_name else ""
    return (f"#{link.id} rejected: {link.account_name} ({link.integration}){was}. "
            f"It stays unmapped in reports until you "
            f"`billrec links choose {link.id} CLIENT`, `billrec links create-client {link.id}`, "
            f"or `billrec links ignore {link.id}` if it belongs to no client.")


@links.command()
@click.argument("link_ids", nargs=-1, required=True)
@click.pass_obj
def ignore(env: Env, link_ids: tuple[str, ...]) -> None:
    """Set accounts aside that belong to no client (your own lab, a vendor's demo tenant).

    They leave every report and suggestion; `billrec links reopen #` counts them again.
    """
    for link_id in link_ids:
        link = env.services.links.ignore(env.tenant, link_id, env.actor)
        click.echo(f"#{link.id} {link.account_name} ({link.integration}) ignored: it leaves reports and suggestions. "
                   f"Undo with `billrec links reopen {link.id}`.")


@links.command("create-client")
@click.argument("link_id")
@click.option("--name", help="The client's name (default: the account's name).")
@click.pass_obj
def create_client(env: Env, link_id: str, name: str | None) -> None:
    """Create a client from an account no PSA company matches (e.g. a Pax8-only customer) and link it."""
    link = env.services.links.create_client(env.tenant, link_id, env.actor, name)
    click.echo(f"#{link.id} {link.account_name} ({link.integration}) → new client {link.client_name}. "
               f"Other accounts may now link to it; undo with `billrec links reopen {link.id}`.")


@links.command()
@click.argument("link_ids", nargs=-1, required=True)
@click.pass_obj
def reopen(env: Env, link_ids: tuple[str, ...]) -> None:
    """Undo a decision (approved, rejected, ignored): the account is suggested a client again."""
    for link_id in link_ids:
        link, also = env.services.links.reopen(env.tenant, link_id, env.actor)
        target = f"suggested {link.client_name}" if link.client_name else "no similar client"
        click.echo(f"#{link.id} {link.account_name} ({link.integration}) reopened: {target}"
                   + (f"; {also}" if also else "") + ".")


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
