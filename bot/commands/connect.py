"""`/billrec connect [KIND]` — twin of `billrec connect`: a modal instead of prompts.

    /billrec connect          → modal: pick a kind
    pick a kind               → views.update (with the view's hash): guidance + fields
    submit                    → inline field errors (response_action=errors), or
                                "Testing…" at once, then, after the ack, the connection test
                                and views.update with success or the vendor's own error

Nothing is stored unless the test passes (the `Integrations` service guarantees that). Secrets
are never put back into a view; see `bot.views.connect`.

An integration's *Edit* button (in `/billrec status` for admins, and in the App Home) opens the
same form filled in with its non-secret settings; a secret left empty keeps the stored one, and
the save goes through `Integrations.update` (tested first; accounts, links, checks and history kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import permissions
from bot.commands.base import Invocation
from bot.background import Background
from bot.views import connect as views
from bot.views import status as status_views
from bot.views.format import escape
from connectors.base import Connector, Field
from reconcile.audit import Actor
from reconcile.bootstrap import Services
from reconcile.errors import KNOWN, shown
from reconcile.integrations import NAME_RULE

State = Mapping[str, Mapping[str, Mapping[str, Any]]]
URL_FIELDS = ("url",)  # a field whose name ends so must be an http(s) URL


def register(app: App) -> None:
    app.action(views.PICK)(pick)
    app.action(status_views.EDIT)(edit)
    app.view(views.SUBMIT)(submit)


def start(inv: Invocation) -> None:
    words = [w.lower() for w in inv.words()]  # a kind in any case: `NinjaOne` is `ninjaone`
    kinds = inv.services.integrations.kinds()
    if len(words) > 1 or (words and words[0] not in kinds):
        inv.usage(f"connect [{'|'.join(sorted(kinds))}]")
    inv.ack()
    inv.require_admin("connect integrations")  # users.info may be asked: after the ack, within the trigger's 3 s
    kind = words[0] if words else None
    view = views.form_view(kind, kinds[kind], kinds) if kind else views.pick_view(kinds)
    inv.slack.views_open(trigger_id=inv.trigger_id, view=view)


def pick(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, services: Services) -> None:
    """A kind was chosen: show its guidance and fields in the same modal."""
    ack()
    slack = client
    kinds = services.integrations.kinds()
    kind = str((action.get("selected_option") or {}).get("value") or "")
    if kind not in kinds:
        return
    view = body["view"]
    try:
        slack.views_update(view_id=view["id"], hash=view["hash"], view=views.form_view(kind, kinds[kind], kinds))
    except SlackApiError as error:
        if error.response.get("error") != "hash_conflict":  # a later choice already won
            raise


def edit(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, services: Services,
         tenant: str) -> None:
    """An integration's Edit button (status, App Home): the connect form with its settings, for billing admins."""
    ack()
    user_id, trigger_id = str(body["user"]["id"]), str(body.get("trigger_id") or "")
    try:
        permissions.require_admin(services, tenant, user_id, client, "change integrations")
        info = services.integrations.get(tenant, str(action.get("value") or ""))
    except KNOWN as error:  # the App Home has no response_url: say it in a modal
        text = shown(error) if getattr(error, "mrkdwn", False) else escape(shown(error))
        client.views_open(trigger_id=trigger_id, view=views.notice_view(text))
        return
    kinds = services.integrations.kinds()
    client.views_open(trigger_id=trigger_id, view=views.form_view(
        info.kind, kinds[info.kind], kinds, values=info.public_settings, editing=info.name))


def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, services: Services, tenant: str,
           background: Background) -> None:
    """Check the form; then test the connection after the ack and show the outcome in the modal."""
    slack = client
    kinds = services.integrations.kinds()
    kind = views.kind_from(view.get("private_metadata", ""))
    user_id = str(body["user"]["id"])
    if kind not in kinds:
        ack(response_action="errors", errors={views.NAME_BLOCK: "Choose what to connect first."})
        return
    cls = kinds[kind]
    editing = views.editing_from(view.get("private_metadata", ""))
    if editing:
        save_edit(ack, services, tenant, background, slack, view, user_id, editing)
        return
    taken = {i.name for i in services.integrations.list(tenant, include_disconnected=False)}
    name, settings, errors = read_form(cls, view["state"]["values"], taken)
    if not errors and not permissions.is_admin(services, tenant, user_id, slack):
        errors = {views.NAME_BLOCK: "Only billing admins may connect integrations."}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack(response_action="update", view=views.testing_view(cls))
    view_id = view["id"]

    def test_and_store() -> None:
        try:
            info = services.integrations.connect(tenant, kind, name, settings, Actor(user_id, "slack"))
        except KNOWN as error:
            secrets = [settings[f.name] for f in cls.fields if f.secret]
            offered = {"name": name, **{f.name: settings[f.name] for f in cls.fields if not f.secret}}
            slack.views_update(view_id=view_id, view=views.form_view(
                kind, cls, kinds, values=offered, error=escape(shown(error, tuple(secrets)))))
            return
        slack.views_update(view_id=view_id, view=views.connected_view(info))

    background.submit(test_and_store, reply=lambda text: slack.views_update(view_id=view_id, view=views.notice_view(text)),
                name="testing the connection")


def save_edit(ack: Ack, services: Services, tenant: str, background: Background, slack: WebClient,
              view: dict[str, Any], user_id: str, editing: str) -> None:
    """An Edit form: the filled-in settings (a secret left empty keeps the stored one), tested, then saved."""
    kinds = services.integrations.kinds()
    kind = views.kind_from(view.get("private_metadata", ""))
    cls = kinds[kind]
    _, settings, errors = read_form(cls, view["state"]["values"], set(), editing=True)
    first_block = views.field_block(cls.fields[0])
    if not errors and not permissions.is_admin(services, tenant, user_id, slack):
        errors = {first_block: "Only billing admins may change integrations."}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    secrets = {f.name for f in cls.fields if f.secret}
    changes = {k: v for k, v in settings.items() if v or k not in secrets}  # an empty secret keeps the stored one
    ack(response_action="update", view=views.testing_view(cls))
    view_id = view["id"]

    def test_and_save() -> None:
        try:
            info = services.integrations.update(tenant, editing, changes, Actor(user_id, "slack"))
        except KNOWN as error:
            typed = tuple(v for k, v in changes.items() if k in secrets)
            offered = {k: v for k, v in changes.items() if k not in secrets}
            slack.views_update(view_id=view_id, view=views.form_view(
                kind, cls, kinds, values=offered, error=escape(shown(error, typed)), editing=editing))
            return
        changed = sorted(k for k, v in changes.items() if v)
        slack.views_update(view_id=view_id, view=views.updated_view(info, changed))

    background.submit(test_and_save, reply=lambda text: slack.views_update(view_id=view_id,
                                                                           view=views.notice_view(text)),
                      name="testing the new settings")


def read_form(cls: type[Connector], state: State, taken: set[str], *,
              editing: bool = False) -> tuple[str, dict[str, str], dict[str, str]]:
    """The name, the settings and per-input errors ({block_id: message}) from a submitted form."""
    errors: dict[str, str] = {}
    name = _text(state, views.NAME_BLOCK).strip()
    if editing:
        pass  # the integration keeps its name
    elif not name or not name.replace("-", "").replace("_", "").isalnum() or len(name) > 40:
        errors[views.NAME_BLOCK] = f"Use {NAME_RULE}."
    elif name in taken:
        errors[views.NAME_BLOCK] = f"{name} is already connected; pick another name or disconnect it first."
    settings: dict[str, str] = {}
    for field in cls.fields:
        block, value = _field_value(state, field)
        value = value.strip() or (field.default or "")
        if editing and field.secret and not value:
            settings[field.name] = ""  # kept as stored
            continue
        if field.required and not value:
            errors[block] = f"{field.label} is required."
        elif value and field.name.endswith(URL_FIELDS) and not value.startswith(("https://", "http://")):
            errors[block] = "Must start with https://"
        settings[field.name] = value
    return name, settings, errors


def _field_value(state: State, field: Field) -> tuple[str, str]:
    """(block id to flag, value): a typed "other" value wins over the select."""
    if field.choices:
        other = _text(state, views.other_block(field))
        if other.strip():
            return views.other_block(field), other
        chosen = (state.get(views.field_block(field), {}).get(views.VALUE) or {}).get("selected_option") or {}
        return views.field_block(field), str(chosen.get("value") or "")
    return views.field_block(field), _text(state, views.field_block(field))


def _text(state: State, block_id: str) -> str:
    return str((state.get(block_id, {}).get(views.VALUE) or {}).get("value") or "")
