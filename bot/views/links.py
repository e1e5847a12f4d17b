"""Client-link suggestions with Approve / Reject / Choose another client / Create a client from this account /
Ignore this account, and their decisions, each with Undo.

A message shows one page of links. Every actions block's id carries the page's link ids
(`link:<id>:<id,id,…>`), because a click on an ephemeral message does not bring the message
back: the handler rebuilds the page from the database, so the message updated in place shows
each decision and who made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.views.format import button, context, cut, header, name, option, section
from bot.views.lists import who
from reconcile.bounds import record_id
from reconcile.linking import LinkInfo

Block = dict[str, Any]
PAGE = 10
APPROVE_ABOVE = 0.95
STATIC_SELECT_MAX = 100  # more clients than this: an external select searched by `app.options`
CHOOSE = "link_choose"
DECIDED = {"approved": ":white_check_mark: Approved", "rejected": ":no_entry_sign: Rejected",
           "ignored": ":see_no_evil: Ignored"}
# what a decision without a client means for the account from now on
AFTER = {"rejected": ": it stays unmapped until a client is chosen or created, or it is ignored",
         "ignored": ": it belongs to no client and leaves every report and suggestion"}


def page_ids(block_id: str) -> list[int]:
    """The link ids of the page a click came from (`link:12:12,13,14` or `links-bulk:12,13,14`)."""
    ids = block_id.rsplit(":", 1)[-1]
    return [record_id(i, "link") for i in ids.split(",") if i]


def link_of(block_id: str) -> int:
    """The link a row's menu belongs to (`link:12:12,13,14` → 12)."""
    return record_id(block_id.split(":")[1] if block_id.count(":") == 2 else "", "link")


def suggestions_message(links: Sequence[LinkInfo], clients: Sequence[tuple[int, str]] | None, *, open_count: int,
                        above: int, decision: str = "") -> tuple[str, list[Block]]:
    """One page of links.

    Args:
        links: the page, in order; decided ones show their decision instead of buttons.
        clients: every client for a static select, or None to use a searchable external select.
        open_count: open suggestions in all (the page may show fewer).
        above: open suggestions scoring at least `APPROVE_ABOVE`.
        decision: a line about the last bulk decision, if any.
    """
    if not links:
        return "No open link suggestions", [section("No open link suggestions: every vendor account is decided.")]
    ids = ",".join(str(link.id) for link in links)
    blocks: list[Block] = [header(f"Client links to decide ({open_count} open)")]
    for link in links:
        blocks += link_blocks(link, clients, ids)
    if decision:
        blocks.append(context(decision))
    if above:
        blocks.append({"type": "actions", "block_id": f"links-bulk:{ids}", "elements": [
            button(f"Approve all {above} at ≥ {APPROVE_ABOVE:.0%}", "links_approve_above", str(APPROVE_ABOVE),
                   style="primary")]})
    if open_count > len([l for l in links if l.status == "suggested"]):
        blocks.append(context("Decide these, then run `/billrec map` again for the rest."))
    return f"{open_count} client links to decide", blocks


def link_blocks(link: LinkInfo, clients: Sequence[tuple[int, str]] | None, ids: str) -> list[Block]:
    target = f"*{name(link.client_name)}*" if link.client_name else "_no similar client_"
    about = (f"*{name(link.account_name)}* in {name(link.integration, 40)} → {target} · "
             f"score {link.score:.0%} · {name(link.reason, 300)}")
    blocks: list[Block] = [section(about)]
    if link.status != "suggested":
        by = f" by {who(link.decided_by)}" if link.decided_by else ""
        blocks.append(context(f"{DECIDED[link.status]}{by}" + (f": now linked to *{name(link.client_name)}*"
                                                               if link.status == "approved" and link.client_name
                                                               else AFTER.get(link.status, ""))))
        blocks.append({"type": "actions", "block_id": f"link:{link.id}:{ids}",
                       "elements": [button("Undo", "link_reopen", str(link.id))]})
        return blocks
    elements = []
    if link.client_id is not None:
        elements.append(button("Approve", "link_approve", str(link.id), style="primary"))
    elements.append(button("Reject", "link_reject", str(link.id)))
    if clients is None or clients:
        elements.append(choose_select(clients))
    elements.append(button("Create a client from this account", "link_create_client", str(link.id)))
    elements.append(button("Ignore this account", "link_ignore", str(link.id)))
    blocks.append({"type": "actions", "block_id": f"link:{link.id}:{ids}", "elements": elements})
    return blocks


def choose_select(clients: Sequence[tuple[int, str]] | None) -> Block:
    placeholder = {"type": "plain_text", "text": "Choose another client…"}
    if clients is None:
        return {"type": "external_select", "action_id": CHOOSE, "placeholder": placeholder, "min_query_length": 1}
    return {"type": "static_select", "action_id": CHOOSE, "placeholder": placeholder,
            "options": [option(client, str(client_id)) for client_id, client in clients[:STATIC_SELECT_MAX]]}


def client_options(clients: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """Options for the external select's search (plain text: names are cut, not escaped)."""
    return [option(cut(client, 75), str(client_id)) for client_id, client in clients[:STATIC_SELECT_MAX]]
