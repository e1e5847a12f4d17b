"""Plain-text rendering of what a channel in the fake Slack shows, for `billrec demo`.

    #billing

    # Reconciliation — March 2026
    Acme & Co: 2 checks differ
      Billed: 10
      Actual: 12
    [Approve] [Reject]
        ↳ Details in the CSV
        ↳ 📎 acme.csv (118 bytes)

A message with blocks shows its blocks (Slack uses `text` only as the notification
fallback then); a message without blocks shows its text. Replies and files shared into a
thread are indented under their parent. Mentions and links are shown as Slack displays them
(`<@U1>` as @name, `<url|label>` as label) and `&amp;`/`&lt;`/`&gt;` are unescaped.
Ephemeral messages are left out: the channel does not show them. An updated message shows
its latest content without an "(edited)" mark (`Message.edited` records it for tests).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sandbox.slack_state import Message, SharedFile

if TYPE_CHECKING:
    from sandbox.slack import FakeSlack

REPLY_INDENT = "    "
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def render_channel(fake: FakeSlack, channel: str) -> str:
    """The channel's messages, threads and files as indented plain text."""
    info = fake.channel(channel)
    items: list[Message | SharedFile] = [*fake.messages(channel), *fake.files(channel)]
    items.sort(key=lambda item: float(item.ts))
    parents = [i for i in items if _parent_ts(i) is None]
    out = [f"#{info.name if info else channel}"]
    for parent in parents:
        out.append("")
        out.extend(_item_lines(fake, parent))
        for reply in (i for i in items if _parent_ts(i) == parent.ts):
            lines = _item_lines(fake, reply)
            out.append(f"{REPLY_INDENT}↳ {lines[0]}")
            out.extend(f"{REPLY_INDENT}  {line}" for line in lines[1:])
    return "\n".join(out) + "\n"


def _parent_ts(item: Message | SharedFile) -> str | None:
    if isinstance(item, Message):
        return item.thread_ts if item.is_reply else None
    return item.thread_ts


def _item_lines(fake: FakeSlack, item: Message | SharedFile) -> list[str]:
    if isinstance(item, SharedFile):
        comment = _plain(fake, item.initial_comment).splitlines() if item.initial_comment else []
        return [*comment, f"📎 {item.filename} ({item.size} bytes)"]
    lines = _blocks(fake, item.blocks) if item.blocks else _plain(fake, item.text).splitlines()
    return lines or [""]


def _blocks(fake: FakeSlack, blocks: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"# {_text(fake, block.get('text'))}")
        elif kind == "section":
            section = _text(fake, block.get("text")).splitlines() if block.get("text") else []
            section += [f"  {' '.join(_text(fake, f).splitlines())}" for f in block.get("fields", [])]
            if block.get("accessory"):
                section.append(_element(fake, block["accessory"]))
            lines.extend(section)
        elif kind == "context":
            lines.append(" · ".join(_text(fake, e) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append(" ".join(_element(fake, e) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("───")
        elif kind == "markdown":
            lines.extend(str(block.get("text", "")).splitlines())
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        else:
            lines.append(f"[{kind}]")
    return lines


def _element(fake: FakeSlack, element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(fake, element.get('text'))}]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind == "overflow":
        return "[⋯]"
    label = _text(fake, element.get("placeholder")) if element.get("placeholder") else kind
    return f"[{label} ▾]"


def _text(fake: FakeSlack, obj: Any) -> str:
    if isinstance(obj, dict):
        if obj.get("type") == "image":
            return f"[image: {obj.get('alt_text', '')}]"
        return _plain(fake, str(obj.get("text", ""))) if obj.get("type") == "mrkdwn" else str(obj.get("text", ""))
    return ""


def _plain(fake: FakeSlack, text: str) -> str:
    """mrkdwn as a reader sees it: mentions and links resolved, entities unescaped."""

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            user = fake.user(target[1:])
            return "@" + (label or (user.name if user else target[1:]))
        if target.startswith("#"):
            channel = fake.channel(target[1:])
            return "#" + (label or (channel.name if channel else target[1:]))
        if target.startswith("!"):
            return label or "@" + target[1:].split("^")[0]
        return label or target

    text = _LINK.sub(link, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
