"""`/billrec settings [name=value …]` — twin of `billrec settings`: show, or change (admins).

Slack hands mentions over as ids, which is what the settings store; a person typed as a name or
an e-mail address is found through Slack's Web API (`bot.people`), or refused with how to say it:

    /billrec settings billing_channel=#billing admins=@dana sam@example.com digest_day=1 digest_time=09:00
    → billing_channel=C0123 admins=U01 U02 …

A word without `=` continues the previous value (`admins=@dana @sam`, `timezone=America/New_York`).
"""

from __future__ import annotations

import dataclasses
import re

from bot import people
from bot.commands.base import Invocation, Usage, ids, unescape
from bot.views import lists, schedule
from reconcile.schedule import timetable
from reconcile.tenants import TenantSettings

SLACK_CHANNEL = re.compile(r"^[CG][A-Z0-9_]{2,}$")
NAMES = tuple(f.name for f in dataclasses.fields(TenantSettings))
USAGE = "settings [name=value …] with names " + ", ".join(NAMES)


def parse(raw: str) -> dict[str, str]:
    """`billing_channel=<#C1|billing> admins=<@U1> <@U2>` → {"billing_channel": "C1", "admins": "<@U1> <@U2>"}
    (people are resolved to ids after the ack, by `handle`)."""
    pairs: dict[str, str] = {}
    current = None
    for word in raw.split():
        key, sep, value = word.partition("=")
        if sep and key.strip().lower().replace("-", "_") in NAMES:
            current = key.strip().lower().replace("-", "_")
            pairs[current] = value
        elif current is None:
            raise Usage(f"use name=value, not {unescape(word)!r}. Usage: `/billrec {USAGE}`")
        else:
            pairs[current] += " " + word
    return {key: resolve(key, value.strip()) for key, value in pairs.items()}


def resolve(key: str, value: str) -> str:
    if key == "billing_channel":
        found = ids(value, "#")
        return found[0] if found else unescape(value).lstrip("#")
    return unescape(value)  # admins too: people are found after the ack (Slack's users.* calls take time)


def handle(inv: Invocation) -> None:
    changes = parse(inv.args)
    if not changes:
        inv.ack()
        current = inv.services.tenants.settings(inv.tenant)
        inv.reply(*lists.settings_message(current, next_digest=next_digest(inv, current)))
        return
    inv.ack()
    inv.require_admin("change settings")
    if changes.get("billing_channel") and not SLACK_CHANNEL.match(changes["billing_channel"]):
        changes["billing_channel"] = channel_id(inv, changes["billing_channel"])
    if "admins" in changes:
        # `admins=` alone clears them, and then workspace admins and owners decide
        changes["admins"] = " ".join(people.user_ids(inv.slack, changes["admins"]))
    updated = inv.services.tenants.update(inv.tenant, inv.actor, **changes)
    inv.reply(*lists.settings_message(updated, sorted(changes), next_digest(inv, updated)))


def channel_id(inv: Invocation, name: str) -> str:
    """The id of a channel typed as a plain name (`billing`, `#billing`), found among the channels
    the bot can see; the digest's file upload needs the id, not the name."""
    wanted = name.lstrip("#").lower()
    cursor = None
    while True:
        page = inv.slack.conversations_list(types="public_channel,private_channel", exclude_archived=True,
                                             limit=200, cursor=cursor)
        for channel in page.get("channels", []):
            if str(channel.get("name", "")).lower() == wanted:
                return str(channel["id"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            raise Usage(f"I cannot find a channel named #{wanted}. Type it as a #channel mention "
                        "(Slack turns it into a link), and invite me there if it is private.")


def next_digest(inv: Invocation, current: TenantSettings) -> str:
    """When the digest comes next, in the tenant's zone (the schedule follows a change at once)."""
    return schedule.describe_digest(timetable.next_digest(inv.services, inv.tenant), current.timezone)
