"""The report thread's **Show evidence** button (twin of `billrec evidence CLIENT`): a modal of the client's
billing lines and devices per check, and its Previous / Next pages.

Anyone who can read the report may open it: it shows what the report's numbers are made of, and changes
nothing. The modal opens at once (a trigger id is good for 3 s, once), then its first page replaces the
"reading" notice; a page turn rebuilds the modal in place, from the current data.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.views import evidence as views
from bot.views.format import escape
from reconcile.bootstrap import Services
from reconcile.errors import KNOWN, shown


def register(app: App) -> None:
    app.action(views.SHOW)(show)
    app.action(views.PREVIOUS)(turn)
    app.action(views.NEXT)(turn)


def show(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, services: Services,
         tenant: str) -> None:
    ack()
    client_id = int(str(action.get("value") or "0"))
    opened = client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=views.loading(client_id))
    fill(client, services, tenant, opened["view"]["id"], client_id, 1)


def turn(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, services: Services,
         tenant: str) -> None:
    ack()
    view = body.get("view") or {}
    try:
        client_id, _ = views.from_metadata(str(view.get("private_metadata") or ""))
    except (ValueError, KeyError):
        return  # not our modal's metadata: nothing to turn
    fill(client, services, tenant, str(view["id"]), client_id, int(str(action.get("value") or "1")))


def fill(slack: WebClient, services: Services, tenant: str, view_id: str, client_id: int, page: int) -> None:
    """Page `page` of the client's evidence into the open modal; a known failure is said there instead."""
    try:
        found = services.evidence.of_client(tenant, client_id)
        name = found[0].client if found else services.evidence.client_name(tenant, client_id)
    except KNOWN as error:
        slack.views_update(view_id=view_id, view=views.notice(escape(shown(error))))
        return
    slack.views_update(view_id=view_id, view=views.modal(name, client_id, found, page))
