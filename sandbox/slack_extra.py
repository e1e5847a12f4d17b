"""Small additions to the Slack driver that the Slack face's tests need: the block_suggestion request.

Slack sends `block_suggestion` to the app's options load URL while someone types into an
external select; the app answers with the options. `SlackDriver` does not build that payload
yet, so this does, in Slack's documented shape, and sends it through the driver (signed):

    response = suggest(driver, "link_choose", "blue", block_id="link:7:7,8", message=message)
    response.json()["options"]  # what the select would show
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx

from sandbox.slack_driver import SlackDriver


def suggest(driver: SlackDriver, action_id: str, value: str, *, block_id: str, user_id: str = "U_ADMIN",
            channel_id: str = "C_BILLING", message: dict[str, Any] | None = None) -> httpx.Response:
    """A signed block_suggestion: `value` typed into the external select `action_id` in `block_id`."""
    fake = driver.fake
    user = fake.user(user_id) if fake else None
    team = fake.team(driver.team_id) if fake else None
    payload: dict[str, Any] = {
        "type": "block_suggestion",
        "user": {"id": user_id, "username": user.name if user else user_id.lower(),
                 "name": user.name if user else user_id.lower(), "team_id": driver.team_id},
        "container": {"type": "message", "message_ts": (message or {}).get("ts", "1.000100"),
                      "channel_id": channel_id, "is_ephemeral": False},
        "api_app_id": fake.app_id if fake else "A_BILLREC",
        "token": driver.verification_token,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": {"id": driver.team_id, "domain": team.domain if team else driver.team_id.lower()},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": (fake.channel(channel_id).name if fake and fake.channel(channel_id)
                                               else channel_id.lower())},
    }
    if message is not None:
        payload["message"] = message
    return driver.send(urlencode({"payload": json.dumps(payload, separators=(",", ":"))}))
