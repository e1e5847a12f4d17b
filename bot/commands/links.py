"""`/billrec map` — twin of `billrec links list --status suggested` and `links approve | reject | choose |
approve-above | create-client | ignore | reopen`: open client-link suggestions, decided with buttons.

Each suggestion shows its score and reason with Approve / Reject / Choose another client (a
static select of the tenant's clients, or a search over them via `app.options` when there are
more than 100), Create a client from this account, and Ignore this account; a decided row has Undo;
the page has "Approve all at ≥ 95 %". Only billing admins may decide; a
decision rebuilds the page in place, showing who decided, and lands in the audit log.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.commands.base import Click, Invocation, clicked
from bot.views.format import user
from bot.views.links import (
    APPROVE_ABOVE,
    CHOOSE,
    PAGE,
    STATIC_SELECT_MAX,
    client_options,
    link_of,
    page_ids,
    suggestions_message,
)
from reconcile.bootstrap import Services
from reconcile.linking import LinkInfo

DECIDE = "decide client links"


def register(app: App) -> None:
    app.action("link_approve")(clicked(approve))
    app.action("link_reject")(clicked(reject))
    app.action(CHOOSE)(clicked(choose))
    app.action("link_ignore")(clicked(ignore))
    app.action("link_create_client")(clicked(create_client))
    app.action("link_reopen")(clicked(reopen))
    app.action("links_approve_above")(clicked(approve_above))
    app.options(CHOOSE)(search)


def show(inv: Invocation) -> None:
    inv.ack()
    page = inv.services.links.list(inv.tenant, "suggested")[:PAGE]
    inv.reply(*page_message(inv.services, inv.tenant, page))


def page_message(services: Services, tenant: str, page: list[LinkInfo], decision: str = "") -> tuple[str, list[Any]]:
    clients = services.links.clients(tenant)
    open_links = services.links.list(tenant, "suggested")
    above = sum(1 for link in open_links if link.client_id is not None and link.score >= APPROVE_ABOVE)
    return suggestions_message(page, clients if len(clients) <= STATIC_SELECT_MAX else None,
                               open_count=len(open_links), above=above, decision=decision)


def approve(click: Click) -> None:
    click.require_admin(DECIDE)
    click.services.links.approve(click.tenant, click.value, click.actor)
    refresh(click)


def reject(click: Click) -> None:
    click.require_admin(DECIDE)
    click.services.links.reject(click.tenant, click.value, click.actor)
    refresh(click)


def choose(click: Click) -> None:
    click.require_admin(DECIDE)
    click.services.links.choose(click.tenant, link_of(click.action["block_id"]), click.value, click.actor)
    refresh(click)


def ignore(click: Click) -> None:
    click.require_admin(DECIDE)
    click.services.links.ignore(click.tenant, click.value, click.actor)
    refresh(click)


def create_client(click: Click) -> None:
    click.require_admin(DECIDE)
    click.services.links.create_client(click.tenant, click.value, click.actor)
    refresh(click)


def reopen(click: Click) -> None:
    click.require_admin(DECIDE)
    click.services.links.reopen(click.tenant, click.value, click.actor)
    refresh(click)


def approve_above(click: Click) -> None:
    click.require_admin(DECIDE)
    approved = click.services.links.approve_above(click.tenant, APPROVE_ABOVE, click.actor)
    refresh(click, f":white_check_mark: Approved {len(approved)} suggestions scoring at least "
                   f"{APPROVE_ABOVE:.0%} — by {user(click.user_id)}")


def refresh(click: Click, decision: str = "") -> None:
    """Rebuild the clicked page from the database, decisions and deciders included."""
    page = [click.services.links.get(click.tenant, i) for i in page_ids(click.action["block_id"])]
    click.update(*page_message(click.services, click.tenant, page, decision))


def search(ack: Ack, payload: dict[str, Any], services: Services, tenant: str) -> None:
    """The "Choose another client" search: clients whose name contains what was typed."""
    ack(options=client_options(services.links.clients(tenant, str(payload.get("value") or ""))))
