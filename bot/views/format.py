r"""Text for Block Kit: user-controlled names made literal once, truncating, numbers and dates.

Client, account, check, reason and integration names come from third parties or users. `name()`
makes each one literal exactly once, here, at the boundary into mrkdwn, and only then is our own
markup (`*bold*`, `<@U…>`) put around it, so a name can neither ping, nor format, nor start a
line of its own:

    >>> name("<!channel> & Co")
    '&lt;!channel&gt; &amp; Co'
    >>> name("Acme\n• *Fake Co*") == "Acme • \u200b*\u200bFake Co\u200b*\u200b"
    True

1. One line, nothing invisible that moves text: line breaks become spaces; control characters
   and bidirectional controls (U+202A–202E, U+2066–2069, U+200E/F, U+061C) are dropped.
2. No formatting: mrkdwn has no escape for `*`, `_`, `~` and `` ` ``. Slack opens a span only at
   a marker with a boundary outside it (start, space, punctuation) and a visible character
   inside, and closes it at the mirror image. A zero-width space on each side of a marker leaves
   neither, whether Slack counts that space as a space or as a letter, so the name's markers
   show as they are and can neither open a span nor close ours. A leading `>` gets one too, so
   a name never starts a quote.
3. `&`, `<` and `>` as entities (Slack's own rule).

plain_text objects (headers, buttons, options, modal inputs) are not parsed for markup; they
get step 1 only, and are cut to their limits.
"""

from __future__ import annotations

import html
import unicodedata
from datetime import datetime
from typing import Any

from bot import text as terminal
from reconcile.csvexport import quantity

__all__ = ["quantity"]

money = terminal.money
signed = terminal.signed
when = terminal.when

ELLIPSIS = "…"
ZERO_WIDTH_SPACE = "\u200b"
MARKERS = "*_~`"  # mrkdwn's bold, italic, strike and code
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029")
UNFORMATTED = str.maketrans({m: f"{ZERO_WIDTH_SPACE}{m}{ZERO_WIDTH_SPACE}" for m in MARKERS})


def escape(value: str) -> str:
    """`&`, `<` and `>` as entities; nothing else (Slack's rule for mrkdwn and `text`)."""
    return html.escape(value, quote=False)


def cut(value: str, limit: int) -> str:
    """`value` shortened to at most `limit` characters, with an ellipsis when cut."""
    return value if len(value) <= limit else value[: max(0, limit - 1)] + ELLIPSIS


def one_line(value: str) -> str:
    """`value` on one line, without control or bidirectional characters (step 1 above)."""
    return "".join(" " if c in LINE_BREAKS else c for c in value
                   if c in LINE_BREAKS or (c not in BIDI_CONTROLS and unicodedata.category(c) != "Cc"))


def name(value: str, limit: int = 120) -> str:
    """A user- or vendor-supplied name for mrkdwn, shown literally (see above); cut before the
    markers and entities are added, so none is split."""
    text = cut(one_line(value), limit).translate(UNFORMATTED)
    return escape(ZERO_WIDTH_SPACE + text if text.startswith(">") else text)


def plain(value: str, limit: int) -> dict[str, Any]:
    """A plain_text object on one line, cut to `limit` (Slack refuses empty text, so never empty)."""
    return {"type": "plain_text", "text": cut(one_line(value), limit) or " ", "emoji": True}


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


def asked(question: str, block_id: str, value: str, *, act: tuple[str, str], keep: tuple[str, str],
          title: str, dialog: str) -> list[dict[str, Any]]:
    """A question with a dangerous button (`act`: label, action id) behind Slack's own confirm dialog, and a
    button that keeps things as they are (`keep`); both carry `value`."""
    confirm = {"title": {"type": "plain_text", "text": title}, "text": {"type": "mrkdwn", "text": dialog},
               "confirm": {"type": "plain_text", "text": act[0]}, "deny": {"type": "plain_text", "text": "Keep it"},
               "style": "danger"}
    return [section(question), {"type": "actions", "block_id": block_id, "elements": [
        button(act[0], act[1], value, style="danger", confirm=confirm), button(keep[0], keep[1], value)]}]


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label, 75), "value": value[:150]}


def user(user_id: str) -> str:
    """A mention of a Slack user id (ids are ours to trust: Slack sent them)."""
    return f"<@{user_id}>"


def day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "never"
