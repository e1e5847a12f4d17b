"""Billing admins as Slack user ids, whichever way a person is written, or a refusal that says how.

    <@U012AB3CD|dana>    a mention (Slack's autocomplete)      → U012AB3CD
    U012AB3CD            a member id (profile › ⋮ › Copy member ID)
    dana@example.com     an e-mail address, by users.lookupByEmail (scope users:read.email)
    @dana  or  dana      a name: the user name, display name or full name, by users.list

A name or address that finds nobody, or a name that finds two people, is refused: the settings
keep user ids only, because text stored there matches no user and locks everyone out of admin
actions. Both faces use this; without a Slack workspace (a CLI with no bot token) only mentions
and member ids can be taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from reconcile.errors import Invalid

MENTION = re.compile(r"^<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>$")  # ids: capitals and digits (the fake adds _)
MEMBER_ID = re.compile(r"^[UW][A-Z0-9_]{2,}$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
HOW = ("mention them (@ and Slack's autocomplete), or give their e-mail address or member id "
       "(their profile › ⋮ › Copy member ID)")


def user_ids(slack: WebClient | None, value: str) -> list[str]:
    """Each person in `value` (separated by spaces or commas) as a Slack user id, in order, once each."""
    found: list[str] = []
    directory: list[dict[str, Any]] | None = None
    for word in value.replace(",", " ").split():
        mention = MENTION.match(word)
        if mention or MEMBER_ID.match(word):
            user_id = mention.group(1) if mention else word
        elif slack is None:
            raise Invalid(f"no Slack workspace is configured here to look up {word!r}: give the member id "
                          "(U012AB3CD, from their profile › ⋮ › Copy member ID), or change admins from Slack")
        elif EMAIL.match(word):
            user_id = by_email(slack, word)
        else:
            directory = directory if directory is not None else list(members(slack))
            user_id = by_name(directory, word.lstrip("@"))
        if user_id not in found:
            found.append(user_id)
    return found


def by_email(slack: WebClient, address: str) -> str:
    try:
        return str(slack.users_lookupByEmail(email=address)["user"]["id"])
    except SlackApiError as error:
        if error.response.get("error") == "users_not_found":
            raise Invalid(f"no one in this Slack workspace has the e-mail address {address}; {HOW}") from None
        if error.response.get("error") == "missing_scope":
            raise Invalid(f"the app may not look up e-mail addresses (scope users:read.email): reinstall it from "
                          f"manifest.yml, or {HOW}") from None
        raise


def members(slack: WebClient) -> Iterator[dict[str, Any]]:
    """Every person (no bots, no deactivated accounts) the bot can see, page by page."""
    cursor = None
    while True:
        page = slack.users_list(limit=200, cursor=cursor)
        for member in page.get("members", []):
            if not member.get("deleted") and not member.get("is_bot"):
                yield member
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def names_of(member: dict[str, Any]) -> set[str]:
    profile = member.get("profile") or {}
    written = (member.get("name"), profile.get("display_name"), profile.get("real_name"), member.get("real_name"))
    return {str(n).strip().lower() for n in written if n and str(n).strip()}


def by_name(directory: list[dict[str, Any]], name: str) -> str:
    matches = [m for m in directory if name.lower() in names_of(m)]
    if not matches:
        raise Invalid(f"no one in this Slack workspace is named @{name}; {HOW}")
    if len(matches) > 1:
        ids = ", ".join(str(m["id"]) for m in matches)
        raise Invalid(f"@{name} names {len(matches)} people ({ids}); {HOW}")
    return str(matches[0]["id"])
