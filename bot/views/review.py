"""The review loop in the report thread: the decision buttons' modals, and the line a decision leaves.

Each under- or over-licensed client in the thread carries Acknowledge / Billing fixed / Not billable
(`bot.views.report.client_actions`). A click opens a small modal:

    Acknowledge      Check [Managed workstations ▾]  Reason [loaner laptops]  Until [2027-01-31] or ☐ until revoked
    Billing fixed    Check [Managed workstations ▾]  Corrected invoice due [2026-12-31]  Note [invoice 1042]
    Not billable     What  [PC-acme-12 (devices:workstation) ▾]  Reason [the MSP's own lab machine]

and its submission replaces the clicked message in place (chat.update), with one line under the
client naming who decided what:

    :white_check_mark: *Acknowledged* by @dana · Managed workstations: loaner laptops (until 2027-01-31)

A button's value carries the client id and the names of its open checks (what the modal offers),
so opening a modal needs no reconciliation (a trigger id lives 3 seconds). The modal's
private_metadata carries the client and the clicked message (channel, ts, thread).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.views import limits
from bot.views.format import context, cut, mrkdwn, name, option, plain, section, user

Block = dict[str, Any]

ACK, FIXED, NOT_BILLABLE = "review_ack", "review_fixed", "review_not_billable"  # the buttons' action ids
ACK_SUBMIT, FIXED_SUBMIT, NOT_BILLABLE_SUBMIT = "review_ack_submit", "review_fixed_submit", "review_not_billable_submit"
BUTTONS = (("Acknowledge", ACK), ("Billing fixed", FIXED), ("Not billable", NOT_BILLABLE))
CHECK, REASON, UNTIL, FOREVER, DUE, NOTE, WHAT = ("review_check", "review_reason", "review_until", "review_forever",
                                                  "review_due", "review_note", "review_what")
VALUE = "value"  # the action id of text inputs
DECIDED = "review_decided:"  # block id prefix of the line a decision leaves under a client
DECISION_TEXT = 300  # characters that line may take; `bot.views.report` keeps room for it in every part


def button_value(client_id: int, checks: Sequence[str]) -> str:
    """The client (by id: a value carries no vendor-supplied name) and its open checks, within a button
    value's limit (later checks dropped if need be)."""
    kept: list[str] = []
    for check in checks:
        if len(json.dumps({"c": client_id, "k": [*kept, check]})) > limits.BUTTON_VALUE:
            break
        kept.append(check)
    return json.dumps({"c": client_id, "k": kept}, separators=(",", ":"))


def read_button(value: str) -> tuple[int, list[str]]:
    data = json.loads(value)
    return int(data["c"]), [str(k) for k in data.get("k", [])]


def metadata(client_id: int, channel: str, ts: str, thread_ts: str, checks: Sequence[int]) -> str:
    """Who the modal is about and which message to update; the check ids let the picker search."""
    return json.dumps({"c": client_id, "ch": channel, "ts": ts, "th": thread_ts, "k": list(checks)},
                      separators=(",", ":"))


def read_metadata(view: dict[str, Any]) -> dict[str, Any]:
    return json.loads(view.get("private_metadata") or "{}")


def _modal(callback_id: str, title: str, submit: str, client: str, blocks: list[Block], meta: str) -> dict[str, Any]:
    return {"type": "modal", "callback_id": callback_id, "title": plain(title, limits.MODAL_TITLE),
            "submit": plain(submit, limits.MODAL_TITLE), "close": plain("Cancel", limits.MODAL_TITLE),
            "private_metadata": meta, "blocks": [section(f"*{name(client)}*"), *blocks]}


def _check_select(checks: Sequence[tuple[int, str]]) -> Block:
    options = [option(check, str(check_id)) for check_id, check in checks[:limits.SELECT_OPTIONS]]
    return {"type": "input", "block_id": CHECK, "label": plain("Check", 2000),
            "element": {"type": "static_select", "action_id": CHECK, "options": options, "initial_option": options[0]}}


def _text(block_id: str, label: str, hint: str = "", *, optional: bool = False, multiline: bool = False) -> Block:
    block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "optional": optional,
             "element": {"type": "plain_text_input", "action_id": VALUE, "multiline": multiline, "max_length": 1000}}
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _day(block_id: str, label: str, *, optional: bool = False) -> Block:
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "optional": optional,
            "element": {"type": "datepicker", "action_id": block_id}}


def ack_view(client: str, checks: Sequence[tuple[int, str]], meta: str) -> dict[str, Any]:
    forever = {"type": "checkboxes", "action_id": FOREVER,
               "options": [option("No end date: until someone revokes it", "forever")]}
    return _modal(ACK_SUBMIT, "Acknowledge", "Acknowledge", client, [
        _check_select(checks), _text(REASON, "Reason", "Why this variance is fine, e.g. loaner laptops until March"),
        _day(UNTIL, "Until", optional=True),
        {"type": "input", "block_id": FOREVER, "label": plain("Or", 2000), "optional": True, "element": forever},
        context("Reported as *excepted*, not alarmed on, until that day ends."),
    ], meta)


def fixed_view(client: str, checks: Sequence[tuple[int, str]], meta: str) -> dict[str, Any]:
    return _modal(FIXED_SUBMIT, "Billing fixed", "Billing fixed", client, [
        _check_select(checks), _day(DUE, "Corrected invoice due"),
        _text(NOTE, "Note", "An invoice or ticket number, if any", optional=True),
        context("Shown as *fix pending* until a sync shows the billed quantity corrected (then *resolved*); "
                "*still open* if that day passes first."),
    ], meta)


def not_billable_view(client: str, candidates: Sequence[tuple[str, str]], meta: str, *,
                      search: bool) -> dict[str, Any]:
    """The picker lists the candidates, or searches them (`app.options`) when there are too many to list."""
    if search:
        element: Block = {"type": "external_select", "action_id": WHAT, "min_query_length": 1,
                          "placeholder": plain("Type part of a name…", 150)}
    else:
        element = {"type": "static_select", "action_id": WHAT, "placeholder": plain("Choose…", 150),
                   "options": [option(label, key) for key, label in candidates]}
    return _modal(NOT_BILLABLE_SUBMIT, "Not billable", "Not billable", client, [
        {"type": "input", "block_id": WHAT, "label": plain("What is not billable", 2000), "element": element},
        _text(REASON, "Reason", "e.g. the MSP's own lab machine"),
        context("It no longer counts in that check's actual, from now on and after every sync, until revoked "
                "(`billrec review billable ID`). Other checks still count it."),
    ], meta)


def notice_view(title: str, text: str) -> dict[str, Any]:
    return {"type": "modal", "callback_id": "review_notice", "title": plain(title, limits.MODAL_TITLE),
            "close": plain("Close", limits.MODAL_TITLE), "blocks": [section(text)]}


def answer(view: dict[str, Any], block: str) -> dict[str, Any]:
    """The state of the input in `block` (whatever its action id)."""
    return next(iter((view["state"]["values"].get(block) or {"": {}}).values()), {}) or {}


def typed(view: dict[str, Any], block: str) -> str:
    return str(answer(view, block).get("value") or "").strip()


def chosen(view: dict[str, Any], block: str) -> str:
    return str((answer(view, block).get("selected_option") or {}).get("value") or "")


def picked_day(view: dict[str, Any], block: str) -> date | None:
    found = answer(view, block).get("selected_date")
    return date.fromisoformat(found) if found else None


def ticked(view: dict[str, Any], block: str) -> bool:
    return bool(answer(view, block).get("selected_options"))


# -- the line a decision leaves -----------------------------------------------------------------

def acknowledged_line(user_id: str, check: str, reason: str, until: date | None) -> str:
    return (f":white_check_mark: *Acknowledged* by {user(user_id)} · {name(check, 100)}: {name(reason, 150)} "
            f"({f'until {until.isoformat()}' if until else 'until revoked'})")


def fixed_line(user_id: str, check: str, due: date) -> str:
    return (f":hourglass_flowing_sand: *Billing fixed* by {user(user_id)} · {name(check, 100)}: corrected invoice "
            f"due {due.isoformat()}; *fix pending* until a sync confirms it")


def not_billable_line(user_id: str, check: str, what: str, reason: str) -> str:
    return (f":no_entry_sign: *Not billable* by {user(user_id)} · {name(check, 100)}: {name(what, 100)} no longer "
            f"counts ({name(reason, 100)})")


def with_decision(blocks: Sequence[Block], client_id: int, line: str) -> list[Block] | None:
    """The message's blocks with `line` added under the client's buttons (the newest line first), or
    None when the message has no buttons for that client (it was edited, or is not a report part).

    Earlier lines stay while they fit `DECISION_TEXT`; every decision is in `billrec review list`.
    """
    out, done = [], False
    block_id = f"{DECIDED}{client_id}"
    for block in blocks:
        if block.get("block_id") == block_id:
            continue  # rebuilt below, after the buttons
        out.append(block)
        if block.get("type") == "actions" and block.get("block_id") == client_block_id(client_id):
            earlier = [line_ for b in blocks if b.get("block_id") == block_id
                       for e in b.get("elements", []) for line_ in str(e.get("text", "")).split("\n") if line_]
            kept = [line]
            for previous in earlier:
                if len("\n".join([*kept, previous])) > DECISION_TEXT:
                    break
                kept.append(previous)
            out.append({"type": "context", "block_id": block_id,
                        "elements": [mrkdwn(cut("\n".join(kept), DECISION_TEXT))]})
            done = True
    return out if done else None


def client_block_id(client_id: int) -> str:
    """The block id of one client's buttons in the thread (unique within a message)."""
    return f"review:{client_id}"
