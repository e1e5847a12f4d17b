"""The connect modal: pick a kind, read its least-privilege guidance, fill its fields, test.

    pick_view(kinds)            a kind select; nothing to submit yet
    form_view(kind, cls)        guidance + one input per field (callback `connect_submit`)
    testing_view(cls)           while the connection test runs
    connected_view(info)        success
    form_view(..., error=…)     the vendor's error, with the form again to correct it
    form_view(..., editing=NAME)  an integration's Edit button: its settings, secrets left empty
    updated_view(info, fields)  the edit saved

Secrets are typed into plain inputs and never put back into any view: a retry form leaves
secret inputs empty, and only non-secret values are offered again. The kind travels in
`private_metadata`, nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.views.format import escape, mrkdwn, name, option, plain, section
from connectors.base import Connector, Field
from reconcile.integrations import NAME_RULE, IntegrationInfo

Block = dict[str, Any]
PICK = "connect_kind"
SUBMIT = "connect_submit"
VALUE = "value"  # the action id of every input
NAME_BLOCK = "name"
TITLE = "Connect an integration"


def field_block(field: Field) -> str:
    return f"field:{field.name}"


def other_block(field: Field) -> str:
    return f"field:{field.name}:other"


def metadata(kind: str, editing: str | None = None) -> str:
    return json.dumps({"kind": kind, **({"edit": editing} if editing else {})})


def _metadata(private_metadata: str, key: str) -> str:
    try:
        found = json.loads(private_metadata or "{}")
    except json.JSONDecodeError:
        return ""
    return str(found.get(key, "")) if isinstance(found, dict) else ""


def kind_from(private_metadata: str) -> str:
    return _metadata(private_metadata, "kind")


def editing_from(private_metadata: str) -> str:
    """The integration an Edit form changes; empty for a new connection."""
    return _metadata(private_metadata, "edit")


def kind_select(kinds: Mapping[str, type[Connector]], selected: str | None = None) -> Block:
    options = [option(f"{cls.display_name} ({cls.role.value})", kind) for kind, cls in sorted(kinds.items())]
    element: Block = {"type": "static_select", "action_id": PICK, "options": options[:100],
                      "placeholder": plain("Choose a kind…", 150)}
    chosen = [o for o in options if o["value"] == selected]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def pick_view(kinds: Mapping[str, type[Connector]]) -> dict[str, Any]:
    return {
        "type": "modal", "callback_id": "connect_pick", "title": plain(TITLE, 24), "close": plain("Cancel", 24),
        "blocks": [
            {"type": "section", "block_id": "kind",
             "text": mrkdwn("What would you like to connect? BillingReconcile only reads; it never writes back."),
             "accessory": kind_select(kinds)},
        ],
    }


def guidance_text(cls: type[Connector]) -> str:
    """The six facts of the connector's setup guide (connectors/guide.py), one line each."""
    facts = [f"*{label}:* {escape(text)}" for label, _, text in cls.guidance.facts()]
    return "\n".join([f"*{escape(cls.display_name)}* — least privilege", *facts])


def form_view(kind: str, cls: type[Connector], kinds: Mapping[str, type[Connector]], *,
              values: Mapping[str, str] | None = None, error: str = "", editing: str | None = None) -> dict[str, Any]:
    """The form for `kind`; `values` are non-secret values to offer again, `error` an escaped sentence.

    `editing` names a connected integration whose settings the form changes (its Edit button): its
    non-secret values are offered, and a secret left empty keeps the stored one.
    """
    values = values or {}
    if editing:
        blocks: list[Block] = [section(f"Changing the settings of *{name(editing, 40)}* "
                                       f"({escape(cls.display_name)}). The new settings are tested first; its "
                                       "accounts, links, checks and history stay."),
                               section(guidance_text(cls))]
    else:
        blocks = [{"type": "section", "block_id": "kind", "text": mrkdwn("Connecting:"),
                   "accessory": kind_select(kinds, kind)}, section(guidance_text(cls))]
    if error:
        blocks.append(section(f":x: {error}"))
    if not editing:
        blocks.append({"type": "input", "block_id": NAME_BLOCK, "label": plain("Name for this integration", 2000),
                       "hint": plain(f"How commands refer to it: {NAME_RULE}.", 2000),
                       "element": {"type": "plain_text_input", "action_id": VALUE,
                                   "initial_value": values.get("name") or kind}})
    for field in cls.fields:
        blocks += field_inputs(field, values.get(field.name), keep_secret=bool(editing))
    return {
        "type": "modal", "callback_id": SUBMIT, "private_metadata": metadata(kind, editing), "title": plain(TITLE, 24),
        "submit": plain("Test and save" if editing else "Test and connect", 24), "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def field_inputs(field: Field, offered: str | None, *, keep_secret: bool = False) -> list[Block]:
    """One input for a field (a select plus an "other" input when the field has choices); with
    `keep_secret`, a secret is optional and left empty keeps the stored one."""
    hint = field.hint
    if field.secret:
        kept = "Leave empty to keep the stored one. " if keep_secret else ""
        hint = (hint + " " if hint else "") + kept + "Stored encrypted; never shown again."
    if field.choices:
        options = [option(label, value) for value, label in field.choices]
        select: Block = {"type": "static_select", "action_id": VALUE, "options": options[:100]}
        initial = offered or field.default
        chosen = [o for o in options if o["value"] == initial]
        if chosen:
            select["initial_option"] = chosen[0]
        other_value = offered if offered and not chosen else None
        other: Block = {"type": "plain_text_input", "action_id": VALUE}
        if other_value:
            other["initial_value"] = other_value
        return [
            {"type": "input", "block_id": field_block(field), "label": plain(field.label, 2000),
             "optional": True, "element": select, **({"hint": plain(hint, 2000)} if hint else {})},
            {"type": "input", "block_id": other_block(field), "optional": True,
             "label": plain(f"… or another {field.label}", 2000), "element": other,
             "hint": plain("For a self-hosted server or another region; leave empty to use the choice above.", 2000)},
        ]
    element: Block = {"type": "plain_text_input", "action_id": VALUE}
    initial = None if field.secret else (offered or field.default)
    if initial:
        element["initial_value"] = initial
    block: Block = {"type": "input", "block_id": field_block(field), "label": plain(field.label, 2000),
                    "optional": not field.required or bool(field.default) or (keep_secret and field.secret),
                    "element": element}
    if hint:
        block["hint"] = plain(hint, 2000)
    return [block]


def testing_view(cls: type[Connector]) -> dict[str, Any]:
    return {"type": "modal", "callback_id": "connect_testing", "title": plain(TITLE, 24),
            "close": plain("Close", 24),
            "blocks": [section(f":hourglass_flowing_sand: Testing the connection to *{escape(cls.display_name)}*… "
                               "Nothing is stored unless the test passes.")]}


def connected_view(info: IntegrationInfo) -> dict[str, Any]:
    return {"type": "modal", "callback_id": "connect_done", "title": plain(TITLE, 24), "close": plain("Done", 24),
            "blocks": [section(f":white_check_mark: Connected *{name(info.name, 40)}* ({escape(info.display_name)}). "
                               "The connection test passed and the credentials are stored encrypted.\n"
                               f"Next: `/billrec sync {name(info.name, 40)}`, then `/billrec map` to link its "
                               "accounts to clients.")]}


def updated_view(info: IntegrationInfo, fields: list[str]) -> dict[str, Any]:
    changed = ", ".join(fields) or "nothing"
    return {"type": "modal", "callback_id": "connect_done", "title": plain(TITLE, 24), "close": plain("Done", 24),
            "blocks": [section(f":white_check_mark: Saved *{name(info.name, 40)}* ({escape(info.display_name)}): the "
                               f"connection test passed and {escape(changed)} replaced. Its accounts, links, checks "
                               "and history are kept.")]}


def notice_view(text: str) -> dict[str, Any]:
    """A modal that only says something (already escaped), e.g. that the test itself failed."""
    return {"type": "modal", "callback_id": "connect_notice", "title": plain(TITLE, 24), "close": plain("Close", 24),
            "blocks": [section(text)]}
