"""The bodies Slack sends to an app: slash commands, block_actions, view_submission, events.

Pure functions from facts (who, where, which ids) to the exact field sets Slack documents,
so a test reads like the interaction it stands for and Bolt parses it the way it parses
Slack's. Enterprise fields appear only for an Enterprise Grid team, as in Slack: an empty
`enterprise_id` would make Bolt look installations up under enterprise "" and find none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.slack_state import Message

JSON = dict[str, Any]


@dataclass(frozen=True)
class Actor:
    """The user acting, their workspace, and the app receiving the request."""

    team_id: str
    team_domain: str
    user_id: str
    user_name: str
    api_app_id: str
    token: str  # the legacy verification token Slack still sends
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    is_enterprise_install: bool = False  # the app is installed org-wide in `enterprise_id`

    def user(self) -> JSON:
        return {"id": self.user_id, "username": self.user_name, "name": self.user_name, "team_id": self.team_id}

    def team(self) -> JSON:
        team: JSON = {"id": self.team_id, "domain": self.team_domain}
        if self.enterprise_id:
            team.update(enterprise_id=self.enterprise_id, enterprise_name=self.enterprise_name)
        return team

    def enterprise(self) -> JSON | None:
        return {"id": self.enterprise_id, "name": self.enterprise_name} if self.enterprise_id else None


def slash_command(
    actor: Actor,
    *,
    command: str,
    text: str,
    channel_id: str,
    channel_name: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """Form fields of a slash command, in the order Slack sends them."""
    fields = {"token": actor.token, "team_id": actor.team_id, "team_domain": actor.team_domain}
    if actor.enterprise_id:
        fields.update(enterprise_id=actor.enterprise_id, enterprise_name=actor.enterprise_name or "")
    fields.update(
        channel_id=channel_id,
        channel_name=channel_name,
        user_id=actor.user_id,
        user_name=actor.user_name,
        command=command,
        text=text,
        api_app_id=actor.api_app_id,
        is_enterprise_install="true" if actor.is_enterprise_install else "false",
        response_url=response_url,
        trigger_id=trigger_id,
    )
    return fields


def action(
    element: JSON,
    *,
    block_id: str,
    action_ts: str,
    value: str | None = None,
    selected_option: JSON | None = None,
) -> JSON:
    """One entry of `actions`: a button carries `value`, a select its `selected_option`."""
    out: JSON = {"action_id": element.get("action_id"), "block_id": block_id, "type": element.get("type", "button")}
    if "text" in element:
        out["text"] = element["text"]
    if out["type"] == "button":
        out["value"] = value if value is not None else element.get("value", "")
        if "style" in element:
            out["style"] = element["style"]
    else:
        out["selected_option"] = selected_option
        if "placeholder" in element:
            out["placeholder"] = element["placeholder"]
    out["action_ts"] = action_ts
    return out


def block_actions(
    actor: Actor,
    *,
    actions: list[JSON],
    trigger_id: str,
    container: JSON,
    channel: JSON | None = None,
    message: JSON | None = None,
    view: JSON | None = None,
    response_url: str | None = None,
) -> JSON:
    """A block_actions payload; a message button has channel/message/response_url, a modal one `view`."""
    payload: JSON = {
        "type": "block_actions",
        "user": actor.user(),
        "api_app_id": actor.api_app_id,
        "token": actor.token,
        "container": container,
        "trigger_id": trigger_id,
        "team": actor.team(),
        "enterprise": actor.enterprise(),
        "is_enterprise_install": actor.is_enterprise_install,
    }
    if view is not None:
        payload["view"] = view
    if channel is not None:
        payload["channel"] = channel
    if message is not None:
        payload["message"] = message
        payload["state"] = {"values": {}}
    if response_url is not None:
        payload["response_url"] = response_url
    payload["actions"] = actions
    return payload


def view_submission(actor: Actor, *, view: JSON, trigger_id: str) -> JSON:
    return {
        "type": "view_submission",
        "team": actor.team(),
        "user": actor.user(),
        "api_app_id": actor.api_app_id,
        "token": actor.token,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": actor.is_enterprise_install,
        "enterprise": actor.enterprise(),
    }


def event_callback(actor: Actor, event: JSON, *, bot_user_id: str, event_id: str, event_time: int) -> JSON:
    """The Events API envelope around `event` (app_uninstalled, tokens_revoked, app_home_opened...)."""
    envelope: JSON = {"token": actor.token, "team_id": actor.team_id}
    if actor.enterprise_id:
        envelope["enterprise_id"] = actor.enterprise_id
    return envelope | {
        "api_app_id": actor.api_app_id,
        "event": {"event_ts": f"{event_time}.000100", **event},
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": actor.enterprise_id,
                "team_id": actor.team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": actor.is_enterprise_install,
            }
        ],
        "is_ext_shared_channel": False,
        "context_team_id": actor.team_id,
        "context_enterprise_id": actor.enterprise_id,
    }


def state_value(element: JSON | None, value: Any) -> JSON:
    """One `view.state.values[block][action]` entry from a shorthand.

    A dict is taken as Slack's own shape; a string becomes the input's `value`, or the
    matching `selected_option` when the element is a static select.
    """
    if isinstance(value, dict):
        return value
    kind = (element or {}).get("type", "plain_text_input")
    if kind in ("static_select", "external_select"):
        return {"type": kind, "selected_option": find_option(element or {}, str(value))}
    if kind in ("users_select", "conversations_select", "channels_select"):
        key = {"users_select": "selected_user", "conversations_select": "selected_conversation"}.get(
            kind, "selected_channel"
        )
        return {"type": kind, key: value}
    return {"type": kind, "value": value}


def find_option(element: JSON, value: str) -> JSON:
    """The option with `value` in a select (or a bare one when the element lists none)."""
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options.extend(group.get("options", []))
    for option in options:
        if option.get("value") == value:
            return option
    return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}


def message_json(message: Message | JSON, team_id: str) -> JSON:
    """The `message` of a block_actions payload, with block ids filled in as Slack does."""
    if isinstance(message, Message):
        out: JSON = {
            "type": "message",
            "user": message.user,
            "bot_id": message.bot_id,
            "text": message.text,
            "ts": message.ts,
            "team": team_id,
            "blocks": message.blocks,
        }
        if message.thread_ts:
            out["thread_ts"] = message.thread_ts
    else:
        out = {k: v for k, v in message.items() if k != "channel"}
    out["blocks"] = [
        b if "block_id" in b else {**b, "block_id": f"b{i}"} for i, b in enumerate(out.get("blocks") or [])
    ]
    return out


def find_element(blocks: list[JSON], action_id: str) -> tuple[str | None, JSON | None]:
    """The (block_id, element) with `action_id` in actions, accessories or inputs."""
    for i, block in enumerate(blocks):
        candidates = list(block.get("elements", [])) if block.get("type") == "actions" else []
        candidates += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id") or f"b{i}", element
    return None, None


def element_in(blocks: list[JSON], block_id: str, action_id: str) -> JSON | None:
    """The input element at `block_id` / `action_id`, to shape its state value."""
    for block in blocks:
        if block.get("block_id") == block_id:
            element = block.get("element")
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None


def blank_view(view_id: str, team_id: str, app_id: str, now: float) -> JSON:
    """A minimal modal for a submission the fake never opened."""
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": f"{int(now)}.driver",
        "title": {"type": "plain_text", "text": "BillRec"},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": {"type": "plain_text", "text": "Submit"},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": app_id,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": None,
    }


@dataclass(frozen=True)
class SignedExample:
    """A request body with the signature Slack computed for it: a known answer to check against."""

    signing_secret: str
    timestamp: str
    body: str
    signature: str


# Slack's published example ("Verifying requests from Slack"), as slack_sdk's own tests use it
PUBLISHED_SIGNATURE = SignedExample(
    signing_secret="8f742231b10e8888abcd99yyyzzz85a5",
    timestamp="1531420618",
    body=(
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    ),
    signature="v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
)
