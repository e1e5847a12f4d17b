"""Text for Block Kit: escaping user-controlled text once, truncating, numbers and dates.

Client, vendor, check and integration names come from third parties or users. They are
escaped exactly once, here, at the boundary into mrkdwn, and only then is our own markup
(`*bold*`, `<@U…>`) put around them, so `<!channel> & Co` shows literally and pings nobody:

    >>> escape("<!channel> & Co")
    '&lt;!channel&gt; &amp; Co'

plain_text objects (headers, buttons, options, modal inputs) are not parsed for markup and are
never escaped; they are only cut to their limits.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from bot import text as terminal
from reconcile.csvexport import quantity

__all__ = ["quantity"]

money = terminal.money
signed = terminal.signed
when = terminal.when

ELLIPSIS = "…"


def escape(value: str) -> str:
    """`&`, `<` and `>` as entities; nothing else (Slack's rule for mrkdwn and `text`)."""
    return html.escape(value, quote=False)


def cut(value: str, limit: int) -> str:
    """`value` shortened to at most `limit` characters, with an ellipsis when cut."""
    return value if len(value) <= limit else value[: max(0, limit - 1)] + ELLIPSIS


def name(value: str, limit: int = 120) -> str:
    """A user-controlled name for mrkdwn: cut first (so no entity is split), then escaped."""
    return escape(cut(value, limit))


def plain(value: str, limit: int) -> dict[str, Any]:
    """A plain_text object, cut to `limit` (Slack refuses empty text, so never empty)."""
    return {"type": "plain_text", "text": cut(value, limit) or " ", "emoji": True}


def mrkdwn(value: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": value or " "}


def section(value: str, limit: int = 3000) -> dict[str, Any]:
    """A section with mrkdwn text already escaped by the caller, cut to the section limit."""
    return {"type": "section", "text": mrkdwn(cut(value, limit))}


def context(*parts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(cut(p, 2000)) for p in parts[:10]]}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def header(value: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(value, 150)}


def button(label: str, action_id: str, value: str = "", *, style: str | None = None,
           confirm: dict[str, Any] | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(label, 75), "action_id": action_id}
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label, 75), "value": value[:150]}


def user(user_id: str) -> str:
    """A mention of a Slack user id (ids are ours to trust: Slack sent them)."""
    return f"<@{user_id}>"


def day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "never"
